import pytest
import sqlalchemy as sa

from charter import demo
from charter.accounts.models import Notification
from charter.amendments import present
from charter.amendments.models import Amendment, State
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.drafting import queries
from charter.drafting.models import Charter, Publication, SectionText, Version
from charter.extensions import db
from charter.process.models import StageEvent
from tests.factories import DOCUMENT, tamper


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


def test_import_records_the_language_of_the_text(runner, tmp_path):
    path = tmp_path / "charte.md"
    path.write_text(DOCUMENT, encoding="utf-8")
    refused = runner.invoke(args=["import", str(path), "--title", "Charte", "--language", "de"])
    assert refused.exit_code == 2 and "This language is not offered." in refused.output
    assert count(Charter) == 0
    result = runner.invoke(args=["import", str(path), "--title", "Charte", "--language", "fr"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(sa.select(Charter.language)) == "fr"


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


def test_demo_loads_four_published_versions_and_a_draft_once(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert count(Version) == 5
    assert count(Publication) == 4  # version 5, the newer draft, is for council members
    again = runner.invoke(args=["demo"])
    assert again.exit_code == 0
    assert "already" in again.output
    assert count(Version) == 5
    assert count(Amendment) == len(demo.AMENDMENTS)
    assert count(Theme) == len(demo.THEMES)


def test_demo_loads_themes_questions_and_amendments_in_every_state(runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    charter = db.session.scalar(sa.select(Charter).where(Charter.slug == demo.SLUG))
    assert charter.stage_position == demo.STAGE_POSITION
    events = db.session.scalars(
        sa.select(StageEvent).where(StageEvent.charter_id == charter.id).order_by(StageEvent.id)
    ).all()
    assert [(e.from_position, e.to_position, e.at) for e in events] == [
        (1, 2, demo.STAGE_MOVES[0][0]),
        (2, 3, demo.STAGE_MOVES[1][0]),
    ]
    assert all(event.actor.role == "secretariat" for event in events)
    themes = db.session.scalars(sa.select(Theme).where(Theme.charter_id == charter.id))
    assert sorted(theme.name for theme in themes) == sorted(demo.THEMES)
    questions = db.session.scalars(
        sa.select(GuidingQuestion)
        .where(GuidingQuestion.charter_id == charter.id)
        .order_by(GuidingQuestion.position)
    ).all()
    assert [question.text for question in questions] == demo.GUIDING_QUESTIONS
    assert all(question.open for question in questions)

    amendments = db.session.scalars(
        sa.select(Amendment).where(Amendment.charter_id == charter.id).order_by(Amendment.number)
    ).all()
    by_state = {amendment.state: amendment for amendment in amendments}
    assert set(by_state) == set(State)
    assert [amendment.number for amendment in amendments] == [1, 2, 3, 4, 5, 6, 7]
    for amendment in amendments:
        assert amendment.base_version.number == 3
        assert amendment.themes
        assert amendment.justification
        assert amendment.operations[0].kind == "modify"
        assert amendment.author.role in ("sherpa", "advisor")

    submitted = by_state[State.SUBMITTED]
    assert submitted.endorsement_count == 2
    assert {e.user.role for e in submitted.endorsements} == {"sherpa", "advisor"}
    assert submitted.author_id not in {e.user_id for e in submitted.endorsements}
    assert submitted.questions == [questions[0]]
    for state in (State.ACCEPTED, State.REJECTED):
        last = by_state[state].events[-1]
        assert (last.from_state, last.to_state) == ("submitted", state.value)
        assert last.actor.role == "secretariat"
        assert last.reason
    assert by_state[State.WITHDRAWN].events[-1].actor == by_state[State.WITHDRAWN].author
    assert by_state[State.DRAFT].author.role == "sherpa"
    assert [event.to_state for event in by_state[State.DRAFT].events] == ["draft"]
    merged = [a for a in amendments if a.state is State.MERGED]
    assert [a.merged_version.number for a in merged] == [4, 5]
    assert merged[0].merged_version.publication is not None  # the public reads its provenance
    assert merged[1].merged_version.publication is None
    # The submitted amendment touches words a merged one changed: it conflicts with the head.
    head = queries.head_version(charter)
    on_head = present.against_head(
        submitted.base_version, head, submitted.text_operations(), (submitted.id, 0)
    )
    assert on_head.status == "conflict"
    # The author and co-signers of the reviewed and merged amendments are told.
    links = db.session.scalars(sa.select(Notification.link)).all()
    assert len([link for link in links if "/amendments/" in link]) == 11

    # The consultation: answers (one a reply), comments, an annotation, moderation.
    comments = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert len(comments) == len(demo.CONSULTATION)
    assert [c.kind for c in comments].count("answer") == 4
    assert [c.parent_id for c in comments if c.parent_id] == [comments[0].id]
    assert [c.quote for c in comments if c.kind == "annotation"] == [demo.CONSULTATION[4]["quote"]]
    assert [c.hidden_reason for c in comments if c.hidden] == [demo.CONSULTATION[7]["hidden"]]
    assert [c.open_flags for c in comments if c.open_flags] == [1]
    assert all(c.version.publication is not None for c in comments if c.section_key)


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
    assert "lampedusa: 5 version(s), chain verified" in result.output


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
    tamper(statement)
    result = runner.invoke(args=["verify"])
    assert result.exit_code == 1
    assert "problem" in result.output
