"""Consultation: comments, flags, follows, e-mail preferences

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('follow',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('ref', sa.String(length=80), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_follow_charter_id_charter')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_follow_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow')),
    sa.UniqueConstraint('user_id', 'charter_id', 'kind', 'ref', name=op.f('uq_follow_user_id_charter_id_kind_ref'))
    )
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.create_index('ix_follow_target', ['charter_id', 'kind', 'ref'], unique=False)

    op.create_table('comment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('amendment_id', sa.Integer(), nullable=True),
    sa.Column('section_key', sa.String(length=80), nullable=True),
    sa.Column('version_id', sa.Integer(), nullable=True),
    sa.Column('quote', sa.Text(), nullable=True),
    sa.Column('quote_start', sa.Integer(), nullable=True),
    sa.Column('quote_prefix', sa.String(length=64), nullable=False),
    sa.Column('quote_suffix', sa.String(length=64), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('edited_at', sa.DateTime(), nullable=True),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.Column('open_flags', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_comment_amendment_id_amendment')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_comment_author_id_user')),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_comment_charter_id_charter')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user.id'], name=op.f('fk_comment_hidden_by_id_user')),
    sa.ForeignKeyConstraint(['parent_id'], ['comment.id'], name=op.f('fk_comment_parent_id_comment')),
    sa.ForeignKeyConstraint(['question_id'], ['guiding_question.id'], name=op.f('fk_comment_question_id_guiding_question')),
    sa.ForeignKeyConstraint(['version_id'], ['version.id'], name=op.f('fk_comment_version_id_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_comment'))
    )
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.create_index('ix_comment_amendment', ['amendment_id'], unique=False)
        batch_op.create_index('ix_comment_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_comment_flagged', ['charter_id', 'open_flags'], unique=False)
        batch_op.create_index('ix_comment_parent', ['parent_id'], unique=False)
        batch_op.create_index('ix_comment_question', ['question_id'], unique=False)
        batch_op.create_index('ix_comment_section', ['charter_id', 'section_key'], unique=False)

    op.create_table('comment_theme',
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_comment_theme_comment_id_comment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_comment_theme_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('comment_id', 'theme_id', name=op.f('pk_comment_theme'))
    )
    op.create_table('flag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('comment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['comment_id'], ['comment.id'], name=op.f('fk_flag_comment_id_comment')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_flag_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_flag')),
    sa.UniqueConstraint('comment_id', 'user_id', name=op.f('uq_flag_comment_id_user_id'))
    )
    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_flag_comment_id'), ['comment_id'], unique=False)

    # Amendment discussions become comments of the consultation, moderated like the rest.
    op.execute(
        "INSERT INTO comment (charter_id, author_id, amendment_id, body, created_at, "
        "quote_prefix, quote_suffix, depth, hidden_reason, open_flags) "
        "SELECT amendment.charter_id, amendment_comment.author_id, amendment_comment.amendment_id, "
        "amendment_comment.body, amendment_comment.created_at, '', '', 0, '', 0 "
        "FROM amendment_comment JOIN amendment ON amendment.id = amendment_comment.amendment_id "
        "ORDER BY amendment_comment.id"
    )
    with op.batch_alter_table('amendment_comment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_amendment_comment_amendment_id'))

    op.drop_table('amendment_comment')
    with op.batch_alter_table('guiding_question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stage_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_guiding_question_stage_id_stage'), 'stage', ['stage_id'], ['id'])

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.add_column(sa.Column('emailed_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_notifications', sa.String(length=10), server_default='each', nullable=False))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('email_notifications')

    with op.batch_alter_table('notification', schema=None) as batch_op:
        batch_op.drop_column('emailed_at')

    with op.batch_alter_table('guiding_question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_guiding_question_stage_id_stage'), type_='foreignkey')
        batch_op.drop_column('stage_id')

    op.create_table('amendment_comment',
    sa.Column('id', sa.INTEGER(), nullable=False),
    sa.Column('amendment_id', sa.INTEGER(), nullable=False),
    sa.Column('author_id', sa.INTEGER(), nullable=False),
    sa.Column('body', sa.TEXT(), nullable=False),
    sa.Column('created_at', sa.DATETIME(), nullable=False),
    sa.ForeignKeyConstraint(['amendment_id'], ['amendment.id'], name=op.f('fk_amendment_comment_amendment_id_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_amendment_comment_author_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_amendment_comment'))
    )
    with op.batch_alter_table('amendment_comment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_amendment_comment_amendment_id'), ['amendment_id'], unique=False)
    op.execute(
        "INSERT INTO amendment_comment (amendment_id, author_id, body, created_at) "
        "SELECT amendment_id, author_id, body, created_at FROM comment "
        "WHERE amendment_id IS NOT NULL AND parent_id IS NULL ORDER BY id"
    )

    with op.batch_alter_table('flag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_flag_comment_id'))

    op.drop_table('flag')
    op.drop_table('comment_theme')
    with op.batch_alter_table('comment', schema=None) as batch_op:
        batch_op.drop_index('ix_comment_section')
        batch_op.drop_index('ix_comment_question')
        batch_op.drop_index('ix_comment_parent')
        batch_op.drop_index('ix_comment_flagged')
        batch_op.drop_index('ix_comment_author_created')
        batch_op.drop_index('ix_comment_amendment')

    op.drop_table('comment')
    with op.batch_alter_table('follow', schema=None) as batch_op:
        batch_op.drop_index('ix_follow_target')

    op.drop_table('follow')
