"""senders on every replica: claims carry their sender, a shared send budget per rate scope

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:30:00

- `delivery.claimed_by`: the sender holding a claim (its PostgreSQL advisory-lock id), so a
  new leader releases only the claims of senders that are gone, not those of live replicas;
- `send_budget`: one row per rate limit and scope, shared by every replica on PostgreSQL
  (`bot/pulse/budget.py`): when the next send may go, and how long a 429 paused the scope.
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('delivery') as batch:
        batch.add_column(sa.Column('claimed_by', sa.BigInteger(), nullable=True))
    op.create_table(
        'send_budget',
        sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('ready_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('scope'),
    )


def downgrade() -> None:
    op.drop_table('send_budget')
    with op.batch_alter_table('delivery') as batch:
        batch.drop_column('claimed_by')
