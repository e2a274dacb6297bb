"""person.language / platform_locale, survey.locale: each person reads in their own language

`person.language`: what the person chose with `/pulse language`; `person.locale` stays the
imported (CSV) locale; `person.platform_locale`: what their chat platform reports (a Slack
user's locale, Teams' activity.locale); `survey.locale`: the organisation's default.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE (SQLite has ADD and DROP COLUMN): a batch copy would drop tables
    # that others reference.
    op.add_column(
        'person',
        sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
    )
    op.add_column(
        'person',
        sa.Column('platform_locale', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
    )
    op.add_column(
        'survey',
        sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=35), nullable=True),
    )


def downgrade() -> None:
    op.drop_column('survey', 'locale')
    op.drop_column('person', 'platform_locale')
    op.drop_column('person', 'language')
