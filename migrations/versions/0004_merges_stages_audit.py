"""Merges, stage events and dates, Bureau decisions, audit log

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=120), nullable=False),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('object_type', sa.String(length=40), nullable=False),
    sa.Column('object_id', sa.String(length=80), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.Text(), nullable=False),
    sa.Column('after', sa.Text(), nullable=False),
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_audit_entry_actor_id_user')),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_audit_entry_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entry'))
    )
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entry_action', ['action'], unique=False)
        batch_op.create_index('ix_audit_entry_actor', ['actor_id'], unique=False)
        batch_op.create_index('ix_audit_entry_charter_at', ['charter_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entry_object', ['object_type', 'object_id'], unique=False)

    op.create_table('stage_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('from_position', sa.Integer(), nullable=False),
    sa.Column('to_position', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_stage_event_actor_id_user')),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_stage_event_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage_event'))
    )
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.create_index('ix_stage_event_charter_at', ['charter_id', 'at'], unique=False)

    op.create_table('bureau_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_bureau_decision_actor_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_bureau_decision_version_id_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bureau_decision'))
    )
    with op.batch_alter_table('bureau_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bureau_decision_version_id'), ['version_id'], unique=False)

    op.create_table('version_origin',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('stage_position', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['user.id'], name=op.f('fk_version_origin_actor_id_user')),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_version_origin_version_id_version')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_version_origin'))
    )
    op.create_table('merge_step',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('section_key', sa.String(length=80), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=True),
    sa.Column('resolved', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_merge_step_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['text_hash'], ['section_text.hash'], name=op.f('fk_merge_step_text_hash_section_text')),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_merge_step_version_id_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_step')),
    sa.UniqueConstraint('version_id', 'position', name=op.f('uq_merge_step_version_id_position'))
    )
    with op.batch_alter_table('merge_step', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_merge_step_amendment_id'), ['amendment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_merge_step_version_id'), ['version_id'], unique=False)

    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opens_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('closes_at', sa.DateTime(), nullable=True))

    # A version's changelog asks which amendments it merged.
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_merged_version_id'), ['merged_version_id'], unique=False)



def downgrade():
    with op.batch_alter_table('amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_merged_version_id'))

    with op.batch_alter_table('stage', schema=None) as batch_op:
        batch_op.drop_column('closes_at')
        batch_op.drop_column('opens_at')

    with op.batch_alter_table('merge_step', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_merge_step_version_id'))
        batch_op.drop_index(batch_op.f('ix_merge_step_amendment_id'))

    op.drop_table('merge_step')
    op.drop_table('version_origin')
    with op.batch_alter_table('bureau_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bureau_decision_version_id'))

    op.drop_table('bureau_decision')
    with op.batch_alter_table('stage_event', schema=None) as batch_op:
        batch_op.drop_index('ix_stage_event_charter_at')

    op.drop_table('stage_event')
    with op.batch_alter_table('audit_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entry_object')
        batch_op.drop_index('ix_audit_entry_charter_at')
        batch_op.drop_index('ix_audit_entry_actor')
        batch_op.drop_index('ix_audit_entry_action')

    op.drop_table('audit_entry')
