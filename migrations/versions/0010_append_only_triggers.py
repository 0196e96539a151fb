"""The database itself refuses updates and deletes of history rows (triggers)

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-23

"""

from alembic import op

from charter.database import append_only_ddl

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# The append-only tables at this revision (later ones install their own).
TABLES = [
    "audit_entry",
    "bureau_decision",
    "merge_step",
    "section_text",
    "section_translation",
    "stage_event",
    "version",
    "version_origin",
    "version_section",
]


def upgrade():
    for statement in append_only_ddl(op.get_bind().dialect.name, TABLES):
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        if postgresql:
            op.execute(f'DROP TRIGGER "{table}_append_only" ON "{table}"')
        else:
            op.execute(f'DROP TRIGGER "{table}_append_only_update"')
            op.execute(f'DROP TRIGGER "{table}_append_only_delete"')
    if postgresql:
        op.execute("DROP FUNCTION charter_append_only()")
