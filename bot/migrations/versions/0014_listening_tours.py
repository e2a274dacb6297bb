"""listening tours (issue 17): the tour, its sealed sheets while open, its published answers

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

AutoString = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        'listening_tour',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('departments', sa.JSON(), nullable=False),
        sa.Column('questions', sa.JSON(), nullable=False),
        sa.Column('week', AutoString(length=8), nullable=False),
        sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column('state', AutoString(length=10), nullable=False),
        sa.Column('k_comments', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_listening_tour_tenant_id', 'listening_tour', ['tenant_id'])
    op.create_table(
        'listening_sheet',
        sa.Column('id', AutoString(length=64), nullable=False),
        sa.Column('tour_id', sa.Integer(), nullable=False),
        sa.Column('box', sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(['tour_id'], ['listening_tour.id']),
        sa.PrimaryKeyConstraint('id'),
        sqlite_with_rowid=False,
    )
    op.create_index('ix_listening_sheet_tour_id', 'listening_sheet', ['tour_id'])
    op.create_table(
        'listening_answer',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('tour_id', sa.Integer(), nullable=False),
        sa.Column('week', AutoString(length=8), nullable=False),
        sa.Column('sheet', AutoString(length=32), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=True),
        sa.Column('question', AutoString(length=40), nullable=False),
        sa.Column('text', AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['department.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.ForeignKeyConstraint(['tour_id'], ['listening_tour.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_listening_answer_tenant_id', 'listening_answer', ['tenant_id'])
    op.create_index('ix_listening_answer_tour_id', 'listening_answer', ['tour_id'])
    op.create_index('ix_listening_answer_week', 'listening_answer', ['week'])


def downgrade() -> None:
    op.drop_table('listening_answer')
    op.drop_table('listening_sheet')
    op.drop_table('listening_tour')
