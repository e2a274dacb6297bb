"""listening_tour.answered: how many answered, counted when the tour closes

Pooled answers no longer share a per-person id (`bot/listening/lifecycle.py`), so the stored
rows cannot be counted in people; the close records the number. Tours closed before stay
None and are counted from their rows as before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 17:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column('listening_tour', sa.Column('answered', sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column('listening_tour', 'answered')
