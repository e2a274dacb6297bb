"""survey.directory_sync_hours / directory_synced_at: the chat directory synced on a schedule

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-12 10:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has ADD and DROP COLUMN): a batch copy of `survey` would
    # drop a table that rounds reference.
    op.add_column(
        'survey',
        sa.Column('directory_sync_hours', sa.Integer(), nullable=False, server_default='0'),
    )
    op.add_column(
        'survey',
        sa.Column('directory_synced_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('survey', 'directory_synced_at')
    op.drop_column('survey', 'directory_sync_hours')
