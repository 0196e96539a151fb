"""Accounts, councils, invitations and stages

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

Existing charters get the default stages and start in the first one.

"""
from alembic import op
import sqlalchemy as sa


DEFAULT_STAGES = [
    ('Drafting', 'The secretariat prepares the draft proposal; nothing is public.', 'edit'),
    ('Partner consultation',
     'Partners, sherpas and advisors comment on the draft and answer the guiding questions.',
     'comment,answer,edit'),
    ('Policy Council session', 'Sherpas and advisors propose and co-sign amendments.',
     'comment,answer,propose,edit'),
    ('Executive Bureau',
     'Amendments are closed; the secretariat reviews, merges and submits a consolidated text.',
     'edit'),
    ('Launch', 'The adopted charter is published and read-only.', ''),
]

# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('organisation', sa.String(length=200), nullable=False),
    sa.Column('country', sa.String(length=100), nullable=False),
    sa.Column('region', sa.String(length=100), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=True),
    sa.Column('session_epoch', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user')),
    sa.UniqueConstraint('email', name=op.f('uq_user_email'))
    )
    op.create_table('council',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_council_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_council')),
    sa.UniqueConstraint('charter_id', 'name', name=op.f('uq_council_charter_id_name'))
    )
    op.create_table('invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('display_name', sa.String(length=120), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('invited_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('accepted_at', sa.DateTime(), nullable=True),
    sa.Column('revoked_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['invited_by_id'], ['user.id'], name=op.f('fk_invitation_invited_by_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invitation')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_invitation_token_hash'))
    )
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invitation_email'), ['email'], unique=False)

    op.create_table('password_reset',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('expires_at', sa.DateTime(), nullable=False),
    sa.Column('used_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_password_reset_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_token_hash'))
    )
    op.create_table('stage',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('charter_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('opens', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['charter_id'], ['charter.id'], name=op.f('fk_stage_charter_id_charter')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stage')),
    sa.UniqueConstraint('charter_id', 'position', name=op.f('uq_stage_charter_id_position'))
    )
    op.create_table('council_membership',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_council_membership_council_id_council'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_council_membership_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'council_id', name=op.f('pk_council_membership'))
    )
    op.create_table('invitation_council',
    sa.Column('invitation_id', sa.Integer(), nullable=False),
    sa.Column('council_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['council_id'], ['council.id'], name=op.f('fk_invitation_council_council_id_council'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['invitation_id'], ['invitation.id'], name=op.f('fk_invitation_council_invitation_id_invitation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('invitation_id', 'council_id', name=op.f('pk_invitation_council'))
    )
    with op.batch_alter_table('charter', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('stage_position', sa.Integer(), nullable=False, server_default='1')
        )
    with op.batch_alter_table('charter', schema=None) as batch_op:
        batch_op.alter_column('stage_position', server_default=None)

    # The default process for the charters that exist already (a copy: migrations never
    # import application code, which will change after them).
    charter = sa.table('charter', sa.column('id', sa.Integer))
    stage = sa.table(
        'stage',
        sa.column('charter_id', sa.Integer),
        sa.column('position', sa.Integer),
        sa.column('name', sa.String),
        sa.column('description', sa.Text),
        sa.column('opens', sa.String),
    )
    connection = op.get_bind()
    charter_ids = [row.id for row in connection.execute(sa.select(charter.c.id))]
    if charter_ids:
        op.bulk_insert(stage, [
            {'charter_id': charter_id, 'position': position, 'name': name,
             'description': description, 'opens': opens}
            for charter_id in charter_ids
            for position, (name, description, opens) in enumerate(DEFAULT_STAGES, start=1)
        ])



def downgrade():
    with op.batch_alter_table('charter', schema=None) as batch_op:
        batch_op.drop_column('stage_position')

    op.drop_table('invitation_council')
    op.drop_table('council_membership')
    op.drop_table('stage')
    op.drop_table('password_reset')
    with op.batch_alter_table('invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invitation_email'))

    op.drop_table('invitation')
    op.drop_table('council')
    op.drop_table('user')
