"""Merge idempotency: the version a merge made keeps the key of the request that asked for it

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24

"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN on both engines (no batch copy of the table on SQLite, which would
    # drop the version table's append-only triggers); existing versions keep no key.
    op.add_column("version", sa.Column("idempotency_key", sa.String(length=64), nullable=True))
    op.create_index(
        op.f("ix_version_idempotency_key"), "version", ["idempotency_key"], unique=True
    )


def downgrade():
    op.drop_index(op.f("ix_version_idempotency_key"), table_name="version")
    # SQLite 3.35+ drops a column in place, keeping the triggers a batch copy would lose.
    if op.get_bind().dialect.name == "sqlite":
        op.execute('ALTER TABLE "version" DROP COLUMN idempotency_key')
    else:
        op.drop_column("version", "idempotency_key")
