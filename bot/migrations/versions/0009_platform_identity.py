"""platform_identity: a person's chat accounts in their own table, out of `person`

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 10:00:00

Creates `platform_identity` (person, platform, workspace, external id; unique per platform,
workspace and external id), copies the links held by `person.slack_user_id` (with
`slack_workspace_id`) and `person.teams_user_id`, and drops those three columns. An
unknown workspace is stored as "" (NULLs never collide in a unique constraint). Two people
holding the same id (the columns were never unique) keep it on the active one, then the
first imported; the other link is dropped and counted in the log.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString
log = logging.getLogger("alembic.runtime.migration")


def upgrade() -> None:
    identity = op.create_table(
        'platform_identity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('platform', AutoString(length=20), nullable=False),
        sa.Column('workspace', AutoString(length=100), nullable=False),
        sa.Column('external_id', AutoString(length=200), nullable=False),
        sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['person.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'workspace', 'external_id'),
    )
    op.create_index('ix_platform_identity_person_id', 'platform_identity', ['person_id'])
    bind = op.get_bind()
    people = bind.execute(sa.text(
        "SELECT id, slack_user_id, slack_workspace_id, teams_user_id FROM person "
        "WHERE slack_user_id IS NOT NULL OR teams_user_id IS NOT NULL "
        "ORDER BY active DESC, id"
    )).all()
    rows, seen, dropped, now = [], set(), 0, datetime.now(UTC)
    for person in people:
        for platform, workspace, external_id in (
            ('slack', person.slack_workspace_id or '', person.slack_user_id),
            ('teams', '', person.teams_user_id),
        ):
            if not external_id:
                continue
            if (platform, workspace, external_id) in seen:
                dropped += 1
                continue
            seen.add((platform, workspace, external_id))
            rows.append({'person_id': person.id, 'platform': platform, 'workspace': workspace,
                         'external_id': external_id, 'created_at': now})
    op.bulk_insert(identity, rows)
    if dropped:
        log.warning("0009: %d duplicate platform ids were held by two people; each kept once",
                    dropped)
    # Plain DROP COLUMN (SQLite 3.35+ has it) after dropping the indexes on the columns: a
    # batch copy of `person` would break the foreign keys that point at it (see 0006).
    op.drop_index('ix_person_slack_user_id', table_name='person')
    op.drop_index('ix_person_teams_user_id', table_name='person')
    for column in ('slack_user_id', 'slack_workspace_id', 'teams_user_id'):
        op.drop_column('person', column)


def downgrade() -> None:
    """Back to one id per platform on `person`: a person with several keeps the one with a
    known workspace, then the latest linked."""
    op.add_column('person', sa.Column('slack_user_id', AutoString(length=32), nullable=True))
    op.add_column('person', sa.Column('slack_workspace_id', AutoString(length=32),
                                      nullable=True))
    op.add_column('person', sa.Column('teams_user_id', AutoString(length=200), nullable=True))
    op.create_index('ix_person_slack_user_id', 'person', ['slack_user_id'])
    op.create_index('ix_person_teams_user_id', 'person', ['teams_user_id'])
    bind = op.get_bind()
    links = bind.execute(sa.text(
        "SELECT person_id, platform, workspace, external_id FROM platform_identity "
        "WHERE platform IN ('slack', 'teams') ORDER BY workspace <> '', id"
    )).all()
    chosen = {}
    for link in links:  # the last written wins: a known workspace, then the latest
        chosen[(link.person_id, link.platform)] = link
    for (person_id, platform), link in chosen.items():
        if platform == 'slack':
            bind.execute(
                sa.text("UPDATE person SET slack_user_id = :x, slack_workspace_id = :w "
                        "WHERE id = :p"),
                {'x': link.external_id[:32], 'w': link.workspace[:32] or None, 'p': person_id},
            )
        else:
            bind.execute(sa.text("UPDATE person SET teams_user_id = :x WHERE id = :p"),
                         {'x': link.external_id, 'p': person_id})
    op.drop_index('ix_platform_identity_person_id', table_name='platform_identity')
    op.drop_table('platform_identity')
