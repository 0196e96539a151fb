"""Engine set-up shared by both database engines, and the append-only rule for history rows."""

from __future__ import annotations

from sqlalchemy import event, inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


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
