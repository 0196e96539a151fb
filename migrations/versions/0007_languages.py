"""Languages: translations of charter texts (section_translation, charter.language,
user.translator) and notifications translated when read (notification.message, .params)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('section_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('section_key', sa.String(length=80), nullable=False),
    sa.Column('version_number', sa.Integer(), nullable=False),
    sa.Column('source_heading', sa.String(length=300), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('heading', sa.String(length=300), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('translator_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_section_translation_charter_id_charter')),
    sa.ForeignKeyConstraint(['source_hash'], ['section_text.hash'], name=op.f('fk_section_translation_source_hash_section_text')),
    sa.ForeignKeyConstraint(['translator_id'], ['user.id'], name=op.f('fk_section_translation_translator_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_section_translation'))
    )
    with op.batch_alter_table('section_translation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_section_translation_charter_id'), ['charter_id', 'language', 'section_key'], unique=False)

    with op.batch_alter_table('charter', schema=None) as batch_op:
        # Existing charters were written in English.
        batch_op.add_column(sa.Column('language', sa.String(length=8), nullable=False, server_default='en'))

    # Notifications written before keep their text as it was written (message is NULL).
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('message', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('params', sa.Text(), nullable=True))

    # A person's language was "en" unless they chose another: nobody can tell that default
    # from a choice, so it becomes "not chosen" (the browser's language) again.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('language', existing_type=sa.String(length=8), nullable=True)
    op.execute("UPDATE \"user\" SET language = NULL WHERE language = 'en'")

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translator', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade():
    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('params')
        batch_op.drop_column('message')

    op.execute("UPDATE \"user\" SET language = 'en' WHERE language IS NULL")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('translator')
        batch_op.alter_column('language', existing_type=sa.String(length=8), nullable=False)

    with op.batch_alter_table('charter', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('section_translation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_section_translation_charter_id'))

    op.drop_table('section_translation')
