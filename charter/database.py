"""Engine set-up shared by both database engines, and the append-only rule for history rows:
refused by the ORM before a flush, and by the database itself (triggers) for anyone who
goes around the app."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import MetaData, event, inspect
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session

from charter.extensions import db


def configure_engine(engine: Engine) -> None:
    """SQLite: enforce foreign keys, write-ahead log, wait instead of failing on a lock."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
        cursor.close()


@contextmanager
def savepoint() -> Iterator[None]:
    """db.session.begin_nested() that holds on SQLite too. Python's sqlite3 opens no
    transaction before a SAVEPOINT, so SQLite takes the savepoint for the transaction and
    its release commits at once: whatever the caller refuses afterwards could no longer be
    rolled back. Open the transaction first."""
    connection = db.session.connection()
    if (
        connection.dialect.name == "sqlite"
        and not connection.connection.driver_connection.in_transaction
    ):
        connection.exec_driver_sql("BEGIN")
    with db.session.begin_nested():
        yield


class AppendOnly:
    """Mixin for models whose rows, once written, are never updated or deleted
    (versions, their texts, merge records, stage events, the audit log)."""


class ImmutableRowError(RuntimeError):
    """Raised when code tries to change or delete a row of an append-only table."""


@event.listens_for(Session, "before_flush")
def _refuse_history_changes(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AppendOnly):
            raise ImmutableRowError(f"{type(obj).__name__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, AppendOnly) and _has_column_changes(obj):
            raise ImmutableRowError(f"{type(obj).__name__} rows are never updated")


def _has_column_changes(obj: object) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)


# The database's own refusal. Migration 0010 installs it in existing databases; create_all
# (tests, benchmarks) through the metadata hook below. Either way, rows can still be added.
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION charter_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'restrict_violation',
        MESSAGE = TG_TABLE_NAME || ' rows are never changed (' || TG_OP || ' refused)';
END
$$
"""


def append_only_ddl(dialect: str, tables: list[str]) -> list[str]:
    """The statements that make the database refuse updates and deletes of these tables."""
    if dialect == "postgresql":
        return [_PG_FUNCTION] + [
            f'CREATE TRIGGER "{table}_append_only" BEFORE UPDATE OR DELETE ON "{table}" '
            "FOR EACH ROW EXECUTE FUNCTION charter_append_only()"
            for table in tables
        ]
    return [
        f'CREATE TRIGGER "{table}_append_only_{operation.lower()}" BEFORE {operation} '
        f"ON \"{table}\" BEGIN SELECT RAISE(ABORT, '{table} rows are never changed'); END"
        for table in tables
        for operation in ("UPDATE", "DELETE")
    ]


def append_only_tables() -> list[str]:
    """The tables of the models marked AppendOnly."""
    return sorted(
        mapper.local_table.name
        for mapper in db.Model.registry.mappers
        if issubclass(mapper.class_, AppendOnly)
    )


@event.listens_for(db.metadata, "after_create")
def _install_append_only(_metadata: MetaData, connection: Connection, tables=(), **_kw) -> None:
    created = {table.name for table in tables}
    chosen = [name for name in append_only_tables() if name in created]
    for statement in append_only_ddl(connection.dialect.name, chosen):
        connection.exec_driver_sql(statement)
