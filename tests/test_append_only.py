"""History rows cannot be changed or deleted, by the app nor by anyone going around it:
the database refuses (triggers), and `flask verify` catches whoever disables that too."""

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from charter import create_app
from charter.database import ImmutableRowError, append_only_tables
from charter.drafting import queries
from charter.extensions import db
from tests.conftest import app_config
from tests.factories import make_charter, make_version
from tests.test_migrations import empty_database  # noqa: F401

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


def refused(statement: str) -> bool:
    """Whether the database refuses the statement (and nothing of it is written)."""
    try:
        with db.engine.begin() as connection:
            connection.execute(sa.text(statement))
    except sa.exc.DBAPIError as error:
        return "never changed" in str(error)
    return False


def test_every_append_only_model_is_guarded_by_the_database(app):
    assert append_only_tables() == TABLES


def test_raw_updates_and_deletes_of_history_rows_are_refused(runner):
    runner.invoke(args=["demo"])
    with db.engine.connect() as connection:
        filled = [t for t in TABLES if connection.execute(sa.text(f'SELECT 1 FROM "{t}"')).first()]
    assert {"version", "version_section", "section_text", "audit_entry"} <= set(filled)
    for table in filled:
        column = db.metadata.tables[table].primary_key.columns.values()[0].name
        assert refused(f'UPDATE "{table}" SET "{column}" = "{column}"'), table
        assert refused(f'DELETE FROM "{table}"'), table
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output  # nothing was changed


def test_the_app_still_adds_history(app):
    charter = make_charter("cities")
    make_version(charter)
    make_version(charter, note="Second")
    assert queries.head_version(charter).number == 2


def test_the_orm_guard_still_speaks_first(app):
    charter = make_charter("cities")
    version = make_version(charter)
    version.note = "rewritten"
    with pytest.raises(ImmutableRowError):
        db.session.flush()
    db.session.rollback()


def test_the_migration_installs_the_triggers_and_removes_them(empty_database):  # noqa: F811
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade()
        charter = make_charter("cities")
        make_version(charter)
        db.session.remove()
        assert refused("UPDATE version SET note = 'rewritten'")
        assert refused("DELETE FROM version_section")
        downgrade(revision="0009")
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE version SET note = note"))
        upgrade()
        assert refused("UPDATE version SET note = 'rewritten'")
        db.session.remove()
        db.engine.dispose()
