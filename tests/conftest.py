"""Fixtures: an app on a fresh database of either engine, a client, query counting.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
SQLite: the schema is built once into a template file that each test copies.
PostgreSQL: each run creates a database of its own on the server of TEST_DATABASE_URL (so two
runs at once never touch each other's rows), builds the schema once, and each test ends by
truncating every table; the database is dropped at the end of the run.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, g

from charter import create_app
from charter.extensions import db, limiter

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))
# This run's own database on that server.
RUN_DATABASE_URL = f"{TEST_DATABASE_URL.rsplit('/', 1)[0]}/charter_test_{os.getpid()}"


def pytest_sessionstart(session) -> None:
    """Compile the translation catalogues that are missing or older than their source
    (`make test` does it too; this keeps a bare `pytest` from testing stale French)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1] / "charter" / "translations"
    for po in root.glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
            with po.open("rb") as source, mo.open("wb") as target:
                write_mo(target, read_po(source, locale=po.parts[-3]))


# The PostgreSQL server, also for the SQLite run's tests that cross engines.
POSTGRES_SERVER_URL = (
    TEST_DATABASE_URL
    if ON_POSTGRES
    else os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1/test")
)


def server_admin():
    """An autocommit engine on the PostgreSQL server, to create and drop databases."""
    return sa.create_engine(
        POSTGRES_SERVER_URL.replace("postgresql://", "postgresql+psycopg://", 1),
        isolation_level="AUTOCOMMIT",
    )


def postgres_database_url(name: str) -> str:
    return f"{POSTGRES_SERVER_URL.rsplit('/', 1)[0]}/{name}"


def recreate_database(name: str) -> None:
    """Drop (closing its connections) and create a database on the test server."""
    admin = server_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()


def drop_database(name: str) -> None:
    admin = server_admin()
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def app_config(database_uri: str, **extra) -> dict:
    """The configuration every test app shares."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_uri,
        "WTF_CSRF_ENABLED": False,
        **extra,
    }


@pytest.fixture(scope="session")
def database_template(tmp_path_factory) -> Iterator[str]:
    """Build the schema once: a template SQLite file, or this run's PostgreSQL database."""
    if ON_POSTGRES:
        name = RUN_DATABASE_URL.rsplit("/", 1)[1]
        recreate_database(name)
        app = create_app(app_config(RUN_DATABASE_URL))
        with app.app_context():
            db.create_all()
            db.engine.dispose()
        yield RUN_DATABASE_URL
        for engine in _cleaners.values():
            engine.dispose()
        drop_database(name)
        return
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = create_app(app_config(f"sqlite:///{path}"))
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    yield str(path)


@pytest.fixture(scope="session")
def sqlite_file(tmp_path_factory) -> Path:
    """Where each SQLite test's database lies: one path, so one app can serve every test."""
    return tmp_path_factory.mktemp("database") / "test.db"


@pytest.fixture
def database_uri(database_template: str, request) -> Iterator[str]:
    """A database for one test, empty of rows."""
    if ON_POSTGRES:
        yield database_template
        _truncate_all(database_template)
        return
    path = request.getfixturevalue("sqlite_file")
    for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(database_template, path)
    yield f"sqlite:///{path}"


_cleaners: dict[str, sa.Engine] = {}


def _truncate_all(url: str) -> None:
    """Empty every table and restart the ids (DELETE: much faster than TRUNCATE on the
    small tables of a test)."""
    engine = _cleaners.get(url)
    if engine is None:
        engine = _cleaners[url] = sa.create_engine(
            url.replace("postgresql://", "postgresql+psycopg://", 1)
        )
    sequences = [
        f"setval(pg_get_serial_sequence('\"{table.name}\"', '{column.name}'), 1, false)"
        for table in db.metadata.sorted_tables
        for column in table.primary_key.columns
        if column.autoincrement is not False
        and isinstance(column.type, sa.Integer)
        and len(table.primary_key.columns) == 1
    ]
    with engine.begin() as connection:
        # Fail rather than hang if a connection of the test was left in a transaction.
        connection.execute(sa.text("SET LOCAL lock_timeout = '20s'"))
        # History rows are append-only (triggers): the cleaner goes around them.
        connection.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in reversed(db.metadata.sorted_tables):
            connection.execute(table.delete())
        connection.execute(sa.text("SELECT " + ", ".join(sequences)))


# Apps built with shared=True, by database and configuration, with that configuration: a new
# app costs ~0.1 s (its 230 routes compile), more than most tests take.
_shared: dict[tuple[str, str], tuple[Flask, dict]] = {}


@pytest.fixture
def make_app(database_uri: str) -> Iterator:
    """Build apps on this test's database (several when a test needs two instances).

    shared=True gives the app an earlier test built with the same configuration, as new:
    its configuration restored and its rate-limit counts emptied.
    """
    apps: list[Flask] = []

    def factory(*, shared: bool = False, **extra) -> Flask:
        key = (database_uri, repr(sorted(extra.items())))
        if shared and key in _shared:
            app, config = _shared[key]
            app.config.clear()
            app.config.update(config)
            with app.app_context():
                limiter.reset()
            apps.append(app)
            return app
        app = create_app(app_config(database_uri, **extra))
        if shared:
            _shared[key] = (app, dict(app.config))

        def _forget_cached_user() -> None:
            # Tests keep one app context pushed across requests, so `g` outlives a
            # request here (never in production): forget the user Flask-Login cached,
            # and the language and clock Flask-Babel and our filters chose.
            for name in (
                "_login_user",
                "_flask_babel",
                "reader_clock",
                "api_token",
                "page_key",
                "page_tag",
            ):
                g.pop(name, None)

        app.before_request_funcs.setdefault(None, []).insert(0, _forget_cached_user)  # first
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture
def app(make_app) -> Iterator[Flask]:
    """An application on a fresh database, with an app context pushed."""
    app = make_app(shared=True)
    with app.app_context():
        yield app


@pytest.fixture
def client(app: Flask):
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """An empty Redis database of this engine's run (the two runs go side by side)."""
    import redis

    default = f"redis://127.0.0.1:6379/{14 if ON_POSTGRES else 15}"
    url = os.environ.get("TEST_REDIS_URL", default)
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=2)
        client.flushdb()
    except redis.RedisError as error:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {error}")
        pytest.skip(f"Redis not reachable at {url}: {error}")
    yield url
    client.flushdb()


@pytest.fixture
def count_queries(app: Flask):
    """Count the SQL statements run inside a with-block: `with count_queries() as n: …; n()`."""

    @contextmanager
    def counter():
        statements: list[str] = []

        def before(_conn, _cursor, statement, *_args) -> None:
            statements.append(statement)

        engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", before)
        try:
            yield lambda: len(statements)
        finally:
            sa.event.remove(engine, "before_cursor_execute", before)

    return counter


@pytest.fixture
def login_as(client):
    """Sign a user in on the test client (as Flask-Login would after a real sign-in)."""

    def sign_in(user, test_client=None) -> None:
        with (test_client or client).session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True

    return sign_in


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback; yields (port, list of received messages)."""
    from email import message_from_bytes
    from email.policy import default

    from aiosmtpd.controller import Controller

    received = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
            received.append(message_from_bytes(envelope.content, policy=default))
            return "250 Message accepted for delivery"

    class LoopbackController(Controller):
        # aiosmtpd 1.4 probes the port it was given: with port 0, probe the one the
        # system chose instead.
        def _trigger_server(self):
            self.port = self.server.sockets[0].getsockname()[1]
            super()._trigger_server()

    controller = LoopbackController(Handler(), hostname="127.0.0.1", port=0)
    controller.start()
    try:
        yield controller.port, received
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server):
    """An app that sends its e-mail to the loopback SMTP server; yields (app, messages)."""
    port, received = smtp_server
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, SERVER_NAME="charter.test")
    with app.app_context():
        yield app, received
