"""Charters, immutable versions, sections and texts

Revision ID: 0001
Revises:
Create Date: 2026-11-22

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('charter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_charter')),
    sa.UniqueConstraint('slug', name=op.f('uq_charter_slug'))
    )
    op.create_table('section_text',
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('hash', name=op.f('pk_section_text'))
    )
    op.create_table('version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('parent_hash', sa.String(length=64), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('author', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_version_charter_id_charter')),
    sa.ForeignKeyConstraint(['parent_id'], ['version.id'], name=op.f('fk_version_parent_id_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_version')),
    sa.UniqueConstraint('charter_id', 'number', name=op.f('uq_version_charter_id_number')),
    sa.UniqueConstraint('digest', name=op.f('uq_version_digest'))
    )
    op.create_table('publication',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.Column('published_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_publication_version_id_version')),
    sa.PrimaryKeyConstraint('version_id', name=op.f('pk_publication'))
    )
    op.create_table('version_section',
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('text_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['text_hash'], ['section_text.hash'], name=op.f('fk_version_section_text_hash_section_text')),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_version_section_version_id_version')),
    sa.PrimaryKeyConstraint('version_id', 'position', name=op.f('pk_version_section')),
    sa.UniqueConstraint('version_id', 'key', name=op.f('uq_version_section_version_id_key'))
    )
    with op.batch_alter_table('version_section', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_version_section_key'), ['key'], unique=False)



def downgrade():
    with op.batch_alter_table('version_section', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_version_section_key'))

    op.drop_table('version_section')
    op.drop_table('publication')
    op.drop_table('version')
    op.drop_table('section_text')
    op.drop_table('charter')
