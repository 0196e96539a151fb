"""Amendments, themes, guiding questions and notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guiding_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('open', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_guiding_question_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guiding_question'))
    )
    op.create_table('notification',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=500), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_notification_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notification'))
    )
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notification_user_id'), ['user_id'], unique=False)

    op.create_table('theme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_theme_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_theme')),
    sa.UniqueConstraint('charter_id', 'name', name=op.f('uq_theme_charter_id_name'))
    )
    op.create_table('amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('base_version_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('justification', sa.Text(), nullable=False),
    sa.Column('state', sa.Enum('draft', 'submitted', 'accepted', 'rejected', 'withdrawn', 'merged', name='state', native_enum=False, length=20), nullable=False),
    sa.Column('endorsement_count', sa.Integer(), nullable=False),
    sa.Column('section_keys', sa.String(length=2000), nullable=False),
    sa.Column('merged_version_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_amendment_author_id_user')),
    sa.ForeignKeyConstraint(['base_version_id'], ['version.id'], name=op.f('fk_amendment_base_version_id_version')),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_amendment_charter_id_charter')),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_amendment_council_id_council')),
    sa.ForeignKeyConstraint(['merged_version_id'], ['version.id'], name=op.f('fk_amendment_merged_version_id_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment')),
    sa.UniqueConstraint('charter_id', 'number', name=op.f('uq_amendment_charter_id_number'))
    )
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index('ix_amendment_charter_created', ['charter_id', 'created_at'], unique=False)
        batch_op.create_index('ix_amendment_charter_endorsements', ['charter_id', 'endorsement_count'], unique=False)
        batch_op.create_index('ix_amendment_charter_state', ['charter_id', 'state'], unique=False)

    op.create_table('amendment_comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_comment_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_amendment_comment_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_comment'))
    )
    with op.batch_alter_table('amendment_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_comment_amendment_id'), ['amendment_id'], unique=False)

    op.create_table('amendment_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_amendment_event_actor_id_user')),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_event_amendment_id_amendment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_event'))
    )
    with op.batch_alter_table('amendment_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_event_amendment_id'), ['amendment_id'], unique=False)

    op.create_table('amendment_operation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('section_key', sa.String(length=80), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('heading', sa.String(length=300), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('after_key', sa.String(length=80), nullable=True),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_operation_amendment_id_amendment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_operation'))
    )
    with op.batch_alter_table('amendment_operation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_operation_amendment_id'), ['amendment_id'], unique=False)

    op.create_table('amendment_question',
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_question_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['question_id'], ['guiding_question.id'], name=op.f('fk_amendment_question_question_id_guiding_question'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('amendment_id', 'question_id', name=op.f('pk_amendment_question'))
    )
    op.create_table('amendment_theme',
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_theme_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_amendment_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('amendment_id', 'theme_id', name=op.f('pk_amendment_theme'))
    )
    op.create_table('endorsement',
    sa.Column('amendment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_endorsement_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_endorsement_user_id_user')),
    sa.PrimaryKeyConstraint('amendment_id', 'user_id', name=op.f('pk_endorsement'))
    )


def downgrade():
    op.drop_table('endorsement')
    op.drop_table('amendment_theme')
    op.drop_table('amendment_question')
    with op.batch_alter_table('amendment_operation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_operation_amendment_id'))

    op.drop_table('amendment_operation')
    with op.batch_alter_table('amendment_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_event_amendment_id'))

    op.drop_table('amendment_event')
    with op.batch_alter_table('amendment_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_comment_amendment_id'))

    op.drop_table('amendment_comment')
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index('ix_amendment_charter_state')
        batch_op.drop_index('ix_amendment_charter_endorsements')
        batch_op.drop_index('ix_amendment_charter_created')

    op.drop_table('amendment')
    op.drop_table('theme')
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notification_user_id'))

    op.drop_table('notification')
    op.drop_table('guiding_question')
