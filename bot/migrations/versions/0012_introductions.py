"""introductions and cross-team pairings (issue 16): introduction, introduction_answer,
intro_setting, pairing_setting

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString
When = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        'introduction',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('reason', String(length=300), nullable=False),
        sa.Column('kind', String(length=20), nullable=False),
        sa.Column('week', String(length=8), nullable=False),
        sa.Column('department_a_id', sa.Integer(), nullable=False),
        sa.Column('department_b_id', sa.Integer(), nullable=False),
        sa.Column('person_a_id', sa.Integer(), nullable=True),
        sa.Column('person_b_id', sa.Integer(), nullable=True),
        sa.Column('pairing_round', sa.Integer(), nullable=True),
        sa.Column('requested_by', sa.Integer(), nullable=True),
        sa.Column('created_at', When(), nullable=False),
        # 1, 2, 3, ... per tenant: the "met" figure's fixed blocks of k (retention never
        # shifts them); `met`: the outcome, frozen when the answer window closes.
        sa.Column('seq', sa.Integer(), nullable=False),
        sa.Column('met', sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.ForeignKeyConstraint(['department_a_id'], ['department.id']),
        sa.ForeignKeyConstraint(['department_b_id'], ['department.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'reason'),
        sa.UniqueConstraint('tenant_id', 'seq'),
    )
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_introduction_tenant_id'), ['tenant_id'])
        batch_op.create_index(batch_op.f('ix_introduction_person_a_id'), ['person_a_id'])
        batch_op.create_index(batch_op.f('ix_introduction_person_b_id'), ['person_b_id'])
    op.create_table(
        'introduction_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('introduction_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('answer', String(length=10), nullable=False),
        sa.Column('answered_at', When(), nullable=False),
        sa.ForeignKeyConstraint(['introduction_id'], ['introduction.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('introduction_id', 'person_id'),
    )
    with op.batch_alter_table('introduction_answer', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_introduction_answer_introduction_id'), ['introduction_id']
        )
    op.create_table(
        'intro_setting',
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('updated_at', When(), nullable=False),
        sa.PrimaryKeyConstraint('person_id'),
    )
    op.create_table(
        'pairing_setting',
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('cadence', String(length=10), nullable=False),
        sa.Column('no_repeat_rounds', sa.Integer(), nullable=False),
        sa.Column('rounds', sa.Integer(), nullable=False),
        sa.Column('last_run_at', When(), nullable=True),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('tenant_id'),
    )


def downgrade() -> None:
    op.drop_table('pairing_setting')
    op.drop_table('intro_setting')
    with op.batch_alter_table('introduction_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introduction_answer_introduction_id'))
    op.drop_table('introduction_answer')
    with op.batch_alter_table('introduction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_introduction_person_b_id'))
        batch_op.drop_index(batch_op.f('ix_introduction_person_a_id'))
        batch_op.drop_index(batch_op.f('ix_introduction_tenant_id'))
    op.drop_table('introduction')
