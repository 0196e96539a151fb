import pytest
import sqlalchemy as sa

from charter.drafting.models import Charter, Publication, SectionText, Version
from charter.extensions import db
from tests.factories import DOCUMENT


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_import_creates_a_charter_with_version_one(runner, tmp_path):
    path = tmp_path / "charter.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    result = runner.invoke(
        args=["import", str(path), "--title", "Charter of Cities", "--slug", "cities", "--publish"]
    )
    assert result.exit_code == 0, result.output
    assert "/charters/cities" in result.output
    charter = db.session.scalar(sa.select(Charter))
    assert charter.title == "Charter of Cities"
    assert count(Version) == 1
    assert count(Publication) == 1


def test_import_without_publish_keeps_a_draft(runner, tmp_path):
    path = tmp_path / "charter.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    result = runner.invoke(args=["import", str(path), "--title", "Draft charter"])
    assert result.exit_code == 0, result.output
    assert "draft" in result.output
    assert count(Publication) == 0


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "empty"),
        (b"\x00\x01\x02binary", "binary"),
        (b"\xff\xfe\xfa not utf-8", "not UTF-8"),
        (b"   \n\n", "no text"),
        (b"x" * (2 * 1024 * 1024 + 10), "larger than 2 MB"),
    ],
)
def test_import_of_a_bad_file_fails_cleanly(runner, tmp_path, content, message):
    path = tmp_path / "bad.md"
    path.write_bytes(content)
    result = runner.invoke(args=["import", str(path), "--title", "Bad"])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output
    assert count(Charter) == 0
    assert count(SectionText) == 0


def test_import_of_a_missing_file_fails_cleanly(runner, tmp_path):
    result = runner.invoke(args=["import", str(tmp_path / "nope.md"), "--title", "X"])
    assert result.exit_code == 2
    assert "no such file" in result.output


def test_import_refuses_a_taken_short_name(runner, tmp_path):
    path = tmp_path / "charter.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    assert (
        runner.invoke(args=["import", str(path), "--title", "A", "--slug", "same"]).exit_code == 0
    )
    result = runner.invoke(args=["import", str(path), "--title", "B", "--slug", "same"])
    assert result.exit_code == 2
    assert "exists already" in result.output
    assert count(Charter) == 1


def test_demo_loads_three_published_versions_once(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert count(Version) == 3
    assert count(Publication) == 3
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "already" in again.output
    assert count(Version) == 3


def test_demo_if_empty_leaves_a_database_with_charters_alone(runner, tmp_path):
    path = tmp_path / "charter.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    runner.invoke(args=["import", str(path), "--title", "Ours"])
    result = runner.invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 0
    assert "not loaded" in result.output
    assert count(Charter) == 1


def test_demo_prints_one_account_per_role(runner):
    result = runner.invoke(args=["demo", "--if-empty"])
    for role in ("admin", "secretariat", "sherpa", "advisor", "partner"):
        assert role in result.output
    assert "secretariat@demo.charter.example.org" in result.output


def test_verify_passes_on_an_untouched_history(runner):
    runner.invoke(args=["demo"])
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 0, result.output
    assert "lampedusa: 3 version(s), chain verified" in result.output


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE section_text SET body = body || ' (amended in secret)' "
        "WHERE hash = (SELECT MIN(hash) FROM section_text)",
        "UPDATE version SET note = 'rewritten' WHERE number = 2",
        "UPDATE version SET created_at = '2020-01-01 00:00:00' WHERE number = 1",
        "UPDATE version_section SET heading = 'Changed' WHERE position = 1 "
        "AND version_id = (SELECT id FROM version WHERE number = 1)",
        "UPDATE version_section SET key = 'other' WHERE position = 2 "
        "AND version_id = (SELECT id FROM version WHERE number = 3)",
        f"UPDATE version SET digest = '{'a' * 64}' WHERE number = 3",
        "UPDATE version SET parent_hash = NULL WHERE number = 2",
    ],
)
def test_verify_detects_a_tampered_row(runner, statement):
    runner.invoke(args=["demo"])
    with db.engine.begin() as connection:
        connection.execute(sa.text(statement))
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "problem" in result.output
