"""Backup and restore: every row comes back, on either engine and across them, from a
snapshot taken while the app writes; a restore that cannot be done changes nothing."""

import os
import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from charter import audit, backup, create_app
from charter.consultation.models import Theme
from charter.drafting.models import Charter
from charter.extensions import db
from tests.conftest import (
    ON_POSTGRES,
    app_config,
    drop_database,
    postgres_database_url,
    recreate_database,
)


def rows_of(engine: sa.Engine) -> dict[str, list[tuple]]:
    """Every row of every table of the app, in key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


@pytest.fixture
def empty_target(tmp_path, request):
    """An app on an empty database (the schema, no rows) of the engine asked for."""
    engine = request.param
    name = f"charter_restore_{os.getpid()}"
    if engine == "postgresql":
        try:
            recreate_database(name)
        except sa.exc.OperationalError as error:
            if os.environ.get("CI") == "true":
                pytest.fail(f"PostgreSQL is required in CI: {error}")
            pytest.skip(f"PostgreSQL not reachable: {error}")
        url = postgres_database_url(name)
    else:
        url = f"sqlite:///{tmp_path / 'restored.db'}"
    app = create_app(app_config(url))
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if engine == "postgresql":
        drop_database(name)


SAME = "postgresql" if ON_POSTGRES else "sqlite"
OTHER = "sqlite" if ON_POSTGRES else "postgresql"


@pytest.mark.parametrize("empty_target", [SAME, OTHER], indirect=True)
def test_a_backup_restored_keeps_every_row_hash_and_search(app, runner, tmp_path, empty_target):
    runner.invoke(args=["demo"])
    source = rows_of(db.engine)
    assert sum(map(len, source.values())) > 300
    file = tmp_path / "charter.jsonl.gz"
    counts = backup.backup(file)
    assert counts == {name: len(rows) for name, rows in source.items()}

    with empty_target.app_context():
        restored = backup.restore(file)
        assert restored == counts
        target = rows_of(db.engine)
        stamp_table = "write_stamp"  # renewed by the restore: caches keyed by the old one
        for name in source:
            if name != stamp_table:
                assert target[name] == source[name], name
        assert target[stamp_table] != source[stamp_table]
        result = empty_target.test_cli_runner().invoke(args=["verify"])
        assert result.exit_code == 0, result.output
        # The search index came back (SQLite's FTS table, PostgreSQL's tsvector).
        search = empty_target.test_client().get("/search?q=dignity")
        assert search.status_code == 200 and b"<mark>" in search.data
        # New rows take new ids after the restored ones.
        charter = Charter(slug="new", title="A new charter")
        db.session.add(charter)
        db.session.commit()
        assert charter.id == max(row[0] for row in source["charter"]) + 1


@pytest.mark.parametrize("empty_target", [SAME], indirect=True)
def test_the_backup_is_one_moment_while_the_app_writes(app, make_app, tmp_path, empty_target):
    """Each write adds a theme and its audit entry in one transaction: a backup read at one
    moment has as many of one as of the other."""
    charter = Charter(slug="busy", title="A busy charter")
    db.session.add(charter)
    db.session.commit()
    charter_id = charter.id
    writer_app = make_app()
    stop = threading.Event()
    written = []

    def write() -> None:
        with writer_app.app_context():
            while not stop.is_set():
                theme = Theme(charter_id=charter_id, name=f"theme {len(written)}")
                db.session.add(theme)
                db.session.flush()
                audit.record(None, "theme.create", theme, after=theme.name)
                db.session.commit()
                written.append(theme.id)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 20:
            stop.wait(0.01)
        file = tmp_path / "busy.jsonl"
        counts = backup.backup(file)
        during = len(written)
    finally:
        stop.set()
        writer.join()
    assert counts["theme"] == counts["audit_entry"] > 0
    assert len(written) > counts["theme"] or during > 20  # the writer went on meanwhile
    with empty_target.app_context():
        backup.restore(file)
        themes = db.session.scalar(sa.select(sa.func.count()).select_from(Theme))
        assert themes == counts["theme"]


@pytest.mark.parametrize("empty_target", [SAME], indirect=True)
def test_a_restore_that_cannot_be_done_says_why_and_writes_nothing(
    app, runner, tmp_path, empty_target
):
    runner.invoke(args=["demo"])
    file = tmp_path / "charter.jsonl"
    backup.backup(file)
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(file)  # into the database it came from

    broken = tmp_path / "broken.jsonl"
    broken.write_text(file.read_text().replace('["charter", {', '["nonsense", {', 1))
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("Minutes of the Policy Council\n")
    orphans = tmp_path / "orphans.jsonl"  # versions, amendments… of charters left out
    orphans.write_text(
        "".join(line for line in file.read_text().splitlines(True) if '["charter", {' not in line)
    )
    cut = tmp_path / "cut.jsonl"
    cut.write_text(file.read_text()[:-40])  # the last line cut short
    not_gzip = tmp_path / "notes.jsonl.gz"
    not_gzip.write_text("Minutes of the Policy Council\n")
    with empty_target.app_context():
        with pytest.raises(backup.BackupError, match="unknown table: nonsense"):
            backup.restore(broken)
        with pytest.raises(backup.BackupError, match="not a Charter backup"):
            backup.restore(not_a_backup)
        with pytest.raises(backup.BackupError, match="do not fit together"):
            backup.restore(orphans)
        with pytest.raises(backup.BackupError, match="cannot be read"):
            backup.restore(cut)
        with pytest.raises(backup.BackupError, match="damaged"):
            backup.restore(not_gzip)
        assert all(not rows for rows in rows_of(db.engine).values())


@pytest.mark.parametrize("empty_target", [SAME], indirect=True)
def test_the_commands_back_up_and_restore(app, runner, tmp_path, empty_target):
    runner.invoke(args=["demo"])
    file = tmp_path / "charter.jsonl.gz"
    result = runner.invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert "rows" in result.output and file.stat().st_size > 0
    with empty_target.app_context():
        restored = empty_target.test_cli_runner().invoke(args=["restore", str(file)])
        assert restored.exit_code == 0, restored.output
        again = empty_target.test_cli_runner().invoke(args=["restore", str(file)])
        assert again.exit_code == 2 and "not empty" in again.output
    missing = runner.invoke(args=["restore", str(Path(tmp_path) / "none.jsonl")])
    assert missing.exit_code == 2 and "no such file" in missing.output
