"""person.slack_workspace_id: which Slack installation reaches the person

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain ADD COLUMN: SQLite supports it, and a batch copy of `person` would break the
    # foreign keys that point at it.
    op.add_column(
        'person',
        sa.Column('slack_workspace_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('person', 'slack_workspace_id')
