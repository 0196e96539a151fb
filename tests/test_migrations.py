"""Migrations build the same schema as the models, on the engine under test."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from charter import create_app
from charter.extensions import db
from tests.conftest import (
    ON_POSTGRES,
    TEST_DATABASE_URL,
    app_config,
    drop_database,
    recreate_database,
)


@pytest.fixture
def empty_database(tmp_path):
    """The URL of an empty database of the engine under test."""
    if not ON_POSTGRES:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    name = f"charter_migrations_{os.getpid()}"
    recreate_database(name)
    yield TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name
    drop_database(name)


def test_upgrade_on_an_empty_database_matches_the_models(empty_database):
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        db.engine.dispose()
    assert differences == []


def test_upgrade_keeps_a_populated_database_and_gives_charters_their_stages(empty_database):
    app = create_app(app_config(empty_database))
    with app.app_context():
        upgrade(revision="0001")
        with db.engine.begin() as connection:
            connection.execute(
                sa.text(
                    "INSERT INTO charter (id, slug, title, summary, created_at) "
                    "VALUES (1, 'old', 'An older charter', '', '2024-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text("INSERT INTO section_text (hash, body) VALUES ('h1', 'Text')")
            )
            connection.execute(
                sa.text(
                    "INSERT INTO version (id, charter_id, number, digest, note, author, "
                    "created_at) VALUES (1, 1, 1, 'd1', 'First', 'Secretariat', "
                    "'2024-01-01 00:00:00')"
                )
            )
            connection.execute(
                sa.text(
                    "INSERT INTO version_section (version_id, position, key, level, heading, "
                    "text_hash) VALUES (1, 0, 'preamble', 0, '', 'h1')"
                )
            )
        upgrade()
        with db.engine.connect() as connection:
            stages = connection.execute(
                sa.text(
                    "SELECT position, name, opens FROM stage WHERE charter_id = 1 ORDER BY position"
                )
            ).all()
            charter = connection.execute(
                sa.text("SELECT title, stage_position FROM charter WHERE id = 1")
            ).one()
            versions = connection.execute(sa.text("SELECT COUNT(*) FROM version")).scalar()
        db.engine.dispose()
    assert [name for _position, name, _opens in stages] == [
        "Drafting",
        "Partner consultation",
        "Policy Council session",
        "Executive Bureau",
        "Launch",
    ]
    assert stages[2][2] == "comment,answer,propose,edit"
    assert tuple(charter) == ("An older charter", 1)
    assert versions == 1


def test_upgrade_moves_amendment_discussions_into_the_consultation(empty_database):
    app = create_app(app_config(empty_database))
    statements = [
        "INSERT INTO charter (id, slug, title, summary, created_at, stage_position) "
        "VALUES (1, 'old', 'Old', '', '2024-01-01 00:00:00', 3)",
        "INSERT INTO version (id, charter_id, number, digest, note, author, created_at) "
        "VALUES (1, 1, 1, 'd1', 'First', 'Secretariat', '2024-01-01 00:00:00')",
        'INSERT INTO "user" (id, email, display_name, organisation, country, region, language, '
        "role, active, session_epoch, created_at) VALUES (1, 'a@example.org', 'Ana', '', '', '', "
        "'en', 'sherpa', true, 0, '2024-01-01 00:00:00')",
        "INSERT INTO amendment (id, charter_id, number, base_version_id, author_id, title, "
        "justification, state, endorsement_count, section_keys, created_at, updated_at, revision) "
        "VALUES (1, 1, 1, 1, 1, 'A change', 'Why', 'submitted', 0, '', '2024-01-01 00:00:00', "
        "'2024-01-01 00:00:00', 1)",
        "INSERT INTO amendment_comment (id, amendment_id, author_id, body, created_at) "
        "VALUES (1, 1, 1, 'I agree.', '2024-01-02 00:00:00')",
    ]
    with app.app_context():
        upgrade(revision="0004")
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as connection:
            moved = connection.execute(
                sa.text(
                    "SELECT charter_id, author_id, amendment_id, body, depth, open_flags "
                    "FROM comment"
                )
            ).all()
            preference = connection.execute(
                sa.text('SELECT email_notifications FROM "user"')
            ).scalar()
        db.engine.dispose()
    assert [tuple(row) for row in moved] == [(1, 1, 1, "I agree.", 0, 0)]
    assert preference == "each"
