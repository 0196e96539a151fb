"""Backup and restore: every table of the app as JSON lines, read from one snapshot, and
written back into an empty database of either engine (a move from SQLite to PostgreSQL is
one backup and one restore).

The file: a header line {"format", "revision", "tables"}, then one line per row,
[table, {column: value}], parents before children. Moments are ISO 8601 strings and bytes
base64, turned back by each column's type on the way in. A FILE ending in .gz is gzipped.

Consistent while the app writes: PostgreSQL is read in one REPEATABLE READ transaction;
SQLite is first copied with its online backup API, and the copy is read.
"""

from __future__ import annotations

import base64
import datetime
import enum
import gzip
import itertools
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from flask_babel import gettext as _

from charter import writes
from charter.errors import DomainError
from charter.extensions import db

FORMAT = 1
BATCH = 1000


class BackupError(DomainError):
    """A backup that cannot be restored here: the message says why."""


def backup(path: Path) -> dict[str, int]:
    """Write every table to path; the number of rows of each table."""
    counts: dict[str, int] = {}
    with _snapshot() as connection, _open(path, "wt") as out:
        header = {"format": FORMAT, "revision": _revision(connection), "tables": _tables()}
        out.write(json.dumps(header) + "\n")
        for table in db.metadata.sorted_tables:
            counts[table.name] = 0
            rows = connection.execution_options(yield_per=BATCH).execute(
                sa.select(table).order_by(*table.primary_key.columns)
            )
            for row in rows.mappings():
                out.write(json.dumps([table.name, {k: _encode(v) for k, v in row.items()}]))
                out.write("\n")
                counts[table.name] += 1
    return counts


def restore(path: Path) -> dict[str, int]:
    """Write the rows of a backup into this database, which must be empty and at the same
    migration; the number of rows of each table. All or nothing."""
    tables = {table.name: table for table in db.metadata.sorted_tables}
    counts = dict.fromkeys(tables, 0)
    with _open(path, "rt") as source, db.engine.begin() as connection:
        lines = _lines(source)
        header = _header(next(lines, ""), connection)
        for table in tables.values():
            if connection.execute(sa.select(sa.literal(1)).select_from(table).limit(1)).first():
                raise BackupError(
                    _(
                        "The database is not empty (table %(table)s): restore into an empty one.",
                        table=table.name,
                    )
                )
        for name, group in itertools.groupby(_rows(lines, header, tables), key=itemgetter(0)):
            values = (row for _name, row in group)
            while chunk := list(itertools.islice(values, BATCH)):
                try:
                    connection.execute(tables[name].insert(), chunk)
                except sa.exc.IntegrityError:
                    raise BackupError(
                        _(
                            "The rows of table %(table)s do not fit together with the others: "
                            "the backup is incomplete or was edited.",
                            table=name,
                        )
                    ) from None
                counts[name] += len(chunk)
        _after_restore(connection)
    return counts


def _rows(
    lines: Iterator[str], header: dict[str, Any], tables: dict[str, sa.Table]
) -> Iterator[tuple[str, dict[str, Any]]]:
    """Each row of the backup, with its table's name, decoded for the database."""
    for number, line in enumerate(lines, start=2):
        try:
            name, values = json.loads(line)
            if name not in header["tables"] or name not in tables:
                raise BackupError(_("The backup names an unknown table: %(table)s.", table=name))
            yield name, _decoded(tables[name], values)
        except (ValueError, TypeError, AttributeError):
            raise BackupError(
                _("Line %(number)s of the backup cannot be read.", number=number)
            ) from None


def _lines(source: IO[str]) -> Iterator[str]:
    """The file's lines; a damaged file (cut short, not gzip) says so."""
    try:
        yield from source
    except (OSError, EOFError, UnicodeDecodeError):
        raise BackupError(_("The backup file is damaged: it cannot be read to the end.")) from None


@contextmanager
def _snapshot() -> Iterator[sa.Connection]:
    """A connection that sees the database as it was at one moment."""
    if db.engine.dialect.name == "postgresql":
        with (
            db.engine.connect().execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            ) as connection,
            connection.begin(),
        ):
            yield connection
        return
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "snapshot.db"
        source = db.engine.raw_connection()
        try:
            with sqlite3.connect(copy) as target:
                source.driver_connection.backup(target)
            target.close()
        finally:
            source.close()
        engine = sa.create_engine(f"sqlite:///{copy}")
        try:
            with engine.connect() as connection:
                yield connection
        finally:
            engine.dispose()


@contextmanager
def _open(path: Path, mode: str) -> Iterator[IO[str]]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, mode, encoding="utf-8") as handle:  # type: ignore[operator]
        yield handle


def _tables() -> list[str]:
    return [table.name for table in db.metadata.sorted_tables]


def _revision(connection: sa.Connection) -> str | None:
    """The database's migration (None for a schema made by create_all)."""
    if not sa.inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _header(line: str, connection: sa.Connection) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except json.JSONDecodeError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise BackupError(_("This file is not a Charter backup."))
    here = _revision(connection)
    if header.get("revision") and here and header["revision"] != here:
        raise BackupError(
            _(
                "The backup is of migration %(theirs)s and this database is at %(ours)s: "
                "bring an empty database to %(theirs)s (flask db upgrade %(theirs)s), restore "
                "into it, then upgrade it.",
                theirs=header["revision"],
                ours=here,
            )
        )
    missing = set(header.get("tables", ())) - set(_tables())
    if missing:
        raise BackupError(_("The backup names an unknown table: %(table)s.", table=min(missing)))
    return header


def _encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decoded(table: sa.Table, values: dict[str, Any]) -> dict[str, Any]:
    decoded = {}
    for name, value in values.items():
        column = table.columns.get(name)
        if column is None:
            raise BackupError(
                _(
                    "The backup has a column %(column)s that table %(table)s does not have.",
                    column=name,
                    table=table.name,
                )
            )
        decoded[name] = _decode(column.type, value)
    return decoded


def _decode(kind: sa.types.TypeEngine, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(kind, sa.Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    if isinstance(kind, sa.DateTime):
        return datetime.datetime.fromisoformat(value)
    if isinstance(kind, sa.Date):
        return datetime.date.fromisoformat(value)
    if isinstance(kind, sa.Time):
        return datetime.time.fromisoformat(value)
    if isinstance(kind, sa.LargeBinary):
        return base64.b64decode(value)
    return value


def _after_restore(connection: sa.Connection) -> None:
    """PostgreSQL: ids go on after the restored ones. Both: a new write stamp, so no cache
    keyed by an old one is used."""
    if connection.dialect.name == "postgresql":
        for table in db.metadata.sorted_tables:
            key = list(table.primary_key.columns)
            if len(key) != 1 or not isinstance(key[0].type, sa.Integer):
                continue
            if key[0].autoincrement is False:
                continue
            newest = sa.select(sa.func.max(key[0])).scalar_subquery()
            sequence = sa.func.pg_get_serial_sequence(f'"{table.name}"', key[0].name)
            connection.execute(
                sa.select(sa.func.setval(sequence, sa.func.coalesce(newest, 0) + 1, False))
            )
    writes.renew(connection)
