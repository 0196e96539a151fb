"""The write stamp: a token replaced by every committed write, for caches of pages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "write_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_write_stamp")),
    )


def downgrade():
    op.drop_table("write_stamp")
