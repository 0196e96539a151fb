"""Migrations build the same schema as the models, on the engine under test."""

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy.exc import DBAPIError

from charter import create_app
from charter.extensions import db
from charter.search.models import include_name, include_object
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
            # The full-text structures exist only as raw DDL (charter.search.models).
            context = MigrationContext.configure(
                connection,
                opts={
                    "compare_type": True,
                    "include_name": include_name,
                    "include_object": include_object,
                },
            )
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


def test_upgrade_indexes_what_a_populated_database_holds(empty_database):
    app = create_app(app_config(empty_database))
    statements = [
        "INSERT INTO charter (id, slug, title, summary, created_at, stage_position) "
        "VALUES (1, 'old', 'Old', '', '2024-01-01 00:00:00', 3)",
        "INSERT INTO section_text (hash, body) VALUES ('h1', 'The *lighthouse* guides.'), "
        "('h2', 'The zeppelin is a draft.')",
        "INSERT INTO version (id, charter_id, number, digest, note, author, created_at) "
        "VALUES (1, 1, 1, 'd1', '', 'S', '2024-01-01 00:00:00'), "
        "(2, 1, 2, 'd2', '', 'S', '2024-01-02 00:00:00')",
        "INSERT INTO publication (version_id, published_at, published_by) "
        "VALUES (1, '2024-01-01 00:00:00', 'S')",
        "INSERT INTO version_section (version_id, position, key, level, heading, text_hash) "
        "VALUES (1, 0, 'a', 2, 'Article', 'h1'), (2, 0, 'a', 2, 'Article', 'h2')",
        'INSERT INTO "user" (id, email, display_name, organisation, country, region, language, '
        "email_notifications, role, active, session_epoch, created_at) VALUES (1, "
        "'a@example.org', 'Ana', '', '', '', 'en', 'each', 'sherpa', true, 0, "
        "'2024-01-01 00:00:00')",
        "INSERT INTO amendment (id, charter_id, number, base_version_id, author_id, title, "
        "justification, state, endorsement_count, section_keys, created_at, updated_at, revision) "
        "VALUES (1, 1, 1, 1, 1, 'A narwhal', 'Why', 'draft', 0, 'a', '2024-01-01 00:00:00', "
        "'2024-01-01 00:00:00', 1)",
        "INSERT INTO amendment_operation (id, amendment_id, position, kind, section_key, text) "
        "VALUES (1, 1, 0, 'modify', 'a', 'The quokka guides.')",
        "INSERT INTO comment (id, charter_id, author_id, amendment_id, version_id, section_key, "
        "quote_prefix, quote_suffix, depth, body, created_at, hidden_at, hidden_reason, "
        "open_flags) VALUES (1, 1, 1, NULL, 1, 'a', '', '', 0, 'An axolotl.', "
        "'2024-01-02 00:00:00', NULL, '', 0), (2, 1, 1, 1, NULL, NULL, '', '', 0, "
        "'A pangolin.', '2024-01-02 00:00:00', '2024-01-03 00:00:00', 'No.', 0)",
    ]
    with app.app_context():
        upgrade(revision="0005")
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as connection:
            documents = connection.execute(
                sa.text(
                    "SELECT kind, version_id, amendment_id, comment_id, title, body, "
                    "amendment_state, hidden FROM search_document ORDER BY id"
                )
            ).all()
            if ON_POSTGRES:
                match = "search_vector @@ plainto_tsquery('english', :word)"
                found = "SELECT comment_id FROM search_document WHERE " + match
            else:
                found = (
                    "SELECT d.comment_id FROM search_fts JOIN search_document d "
                    "ON d.id = search_fts.rowid WHERE search_fts MATCH :word"
                )
            axolotl = connection.execute(sa.text(found), {"word": "axolotl"}).scalars().all()
        db.engine.dispose()
    assert [(kind, v, a, c, t, b, s, bool(h)) for kind, v, a, c, t, b, s, h in documents] == [
        ("section", 1, None, None, "Article", "The lighthouse guides.", None, False),
        ("section", 2, None, None, "Article", "The zeppelin is a draft.", None, False),
        ("amendment", None, 1, None, "A narwhal", "Why\nThe quokka guides.", "draft", False),
        ("comment", 1, None, 1, "", "An axolotl.", None, False),
        ("comment", None, 1, 2, "", "A pangolin.", "draft", True),
    ]
    assert axolotl == [1]


def test_upgrade_to_languages_keeps_charters_people_and_notifications(empty_database):
    app = create_app(app_config(empty_database))
    statements = [
        "INSERT INTO charter (id, slug, title, summary, created_at, stage_position) "
        "VALUES (1, 'old', 'Old', '', '2024-01-01 00:00:00', 1)",
        'INSERT INTO "user" (id, email, display_name, organisation, country, region, language, '
        "email_notifications, role, active, session_epoch, created_at) VALUES (1, "
        "'a@example.org', 'Ana', '', '', '', 'fr', 'each', 'partner', true, 0, "
        "'2024-01-01 00:00:00'), (2, 'b@example.org', 'Bob', '', '', '', 'en', 'each', "
        "'partner', true, 0, '2024-01-01 00:00:00')",
        "INSERT INTO notification (id, user_id, text, link, created_at) "
        "VALUES (1, 1, 'Bob replied to your comment.', '/x', '2024-01-01 00:00:00')",
    ]
    with app.app_context():
        upgrade(revision="0006")
        with db.engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
        upgrade()
        with db.engine.connect() as connection:
            charter = connection.execute(sa.text("SELECT slug, language FROM charter")).one()
            users = connection.execute(
                sa.text('SELECT language, translator FROM "user" ORDER BY id')
            ).all()
            notification = connection.execute(
                sa.text("SELECT text, message, params FROM notification")
            ).one()
        db.engine.dispose()
    assert tuple(charter) == ("old", "en")
    # "en" was the default nobody could tell from a choice: the browser decides again.
    assert [(language, bool(translator)) for language, translator in users] == [
        ("fr", False),
        (None, False),
    ]
    # Written before notices were kept untranslated: shown as written.
    assert tuple(notification) == ("Bob replied to your comment.", None, None)


def test_upgrade_to_merge_keys_keeps_versions_and_their_append_only_rule(empty_database):
    app = create_app(app_config(empty_database))
    columns = "id, charter_id, number, parent_id, digest, note, author, created_at"
    values = ":n, 1, :n, :parent, 'd' || :n, '', 'S', '2024-01-01 00:00:00'"
    old_version = sa.text(f"INSERT INTO version ({columns}) VALUES ({values})")
    new_version = sa.text(
        f"INSERT INTO version ({columns}, idempotency_key) VALUES ({values}, :key)"
    )

    def run(statement, **parameters) -> str:
        try:
            with db.engine.begin() as connection:
                connection.execute(statement, parameters)
        except DBAPIError as error:
            return type(error).__name__
        return "done"

    with app.app_context():
        upgrade(revision="0011")
        run(
            sa.text(
                "INSERT INTO charter (id, slug, title, summary, created_at, stage_position) "
                "VALUES (1, 'old', 'Old', '', '2024-01-01 00:00:00', 1)"
            )
        )
        run(old_version, n=1, parent=None)
        run(old_version, n=2, parent=1)
        upgrade()
        with db.engine.connect() as connection:
            kept = connection.execute(
                sa.text("SELECT number, idempotency_key FROM version ORDER BY number")
            ).all()
        results = [
            run(new_version, n=3, parent=2, key="a-key"),
            run(new_version, n=4, parent=3, key="a-key"),  # a key is used once
            run(new_version, n=4, parent=3, key=None),  # versions without one are many
            run(sa.text("UPDATE version SET idempotency_key = 'other' WHERE id = 3")),
        ]
        downgrade(revision="0011")
        with db.engine.connect() as connection:
            numbers = connection.execute(sa.text("SELECT number FROM version")).scalars().all()
        edit_after_downgrade = run(sa.text("UPDATE version SET note = 'changed' WHERE id = 1"))
        db.engine.dispose()
    assert [tuple(row) for row in kept] == [(1, None), (2, None)]
    assert results == ["done", "IntegrityError", "done", "IntegrityError"]
    assert sorted(numbers) == [1, 2, 3, 4]
    assert edit_after_downgrade == "IntegrityError"  # the append-only triggers stayed


def test_upgrade_to_two_factor_ends_the_sessions_of_the_roles_that_need_it(empty_database):
    app = create_app(app_config(empty_database))
    people = 'INSERT INTO "user" (id, email, display_name, organisation, country, region, '
    people += "email_notifications, role, active, translator, session_epoch, created_at) VALUES "
    people += ", ".join(
        f"({n}, '{role}@example.org', '{role}', '', '', '', 'each', '{role}', true, false, 3, "
        "'2024-01-01 00:00:00')"
        for n, role in enumerate(("partner", "sherpa", "secretariat", "admin"), start=1)
    )
    with app.app_context():
        upgrade(revision="0010")
        with db.engine.begin() as connection:
            connection.execute(sa.text(people))
        upgrade(revision="0011")
        with db.engine.connect() as connection:
            epochs = dict(
                connection.execute(sa.text('SELECT role, session_epoch FROM "user"')).all()
            )
            secrets = connection.execute(sa.text('SELECT totp_secret FROM "user"')).scalars()
            assert set(secrets) == {None}
        db.engine.dispose()
    # Their sessions and "Remember me" cookies no longer match: they sign in with a code.
    assert epochs == {"partner": 3, "sherpa": 3, "secretariat": 4, "admin": 4}
