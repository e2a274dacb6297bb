"""anonymous conversations on comments (issue 17): comment.author (the sealed author of a
comment), conversation_thread and conversation_message

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 16:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('author', sa.LargeBinary(), nullable=True))
    op.create_table(
        'conversation_thread',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tenant_id', sa.Integer(), nullable=False),
        sa.Column('comment_id', sa.Integer(), nullable=False),
        sa.Column('leader_id', sa.Integer(), nullable=False),
        sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column('state', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('unanswered', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['comment_id'], ['comment.id']),
        sa.ForeignKeyConstraint(['leader_id'], ['person.id']),
        sa.ForeignKeyConstraint(['tenant_id'], ['tenant.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('comment_id', 'leader_id'),
    )
    with op.batch_alter_table('conversation_thread', schema=None) as batch_op:
        for name in ('tenant_id', 'comment_id', 'leader_id', 'week'):
            batch_op.create_index(
                batch_op.f(f'ix_conversation_thread_{name}'), [name], unique=False
            )
    op.create_table(
        'conversation_message',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('thread_id', sa.Integer(), nullable=False),
        sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.ForeignKeyConstraint(['thread_id'], ['conversation_thread.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_conversation_message_thread_id'), ['thread_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('conversation_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_message_thread_id'))
    op.drop_table('conversation_message')
    with op.batch_alter_table('conversation_thread', schema=None) as batch_op:
        for name in ('week', 'leader_id', 'comment_id', 'tenant_id'):
            batch_op.drop_index(batch_op.f(f'ix_conversation_thread_{name}'))
    op.drop_table('conversation_thread')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_column('author')
