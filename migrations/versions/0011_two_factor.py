"""Two-factor sign-in: a TOTP secret per user and one-time recovery codes

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-23

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user") as batch_op:
        batch_op.add_column(sa.Column("totp_secret", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("totp_last_step", sa.Integer(), nullable=True))
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["user.id"],
            name=op.f("fk_recovery_code_user_id_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(
        op.f("ix_recovery_code_user_id"), "recovery_code", ["user_id"], unique=False
    )
    # The roles that now need a second factor (TWO_FACTOR_ROLES' default) sign in again, and
    # set it up then: their open sessions and "Remember me" cookies end here.
    op.execute(
        'UPDATE "user" SET session_epoch = session_epoch + 1 '
        "WHERE role IN ('secretariat', 'admin')"
    )


def downgrade():
    op.drop_index(op.f("ix_recovery_code_user_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    with op.batch_alter_table("user") as batch_op:
        batch_op.drop_column("totp_last_step")
        batch_op.drop_column("totp_secret")
