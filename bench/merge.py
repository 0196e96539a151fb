"""Merge benchmark: 50 accepted amendments merged into the 60-section generated charter."""

from __future__ import annotations

from collections.abc import Callable

from bench.generate import make_document
from charter import create_app
from charter.accounts import services as accounts
from charter.amendments.models import Amendment, AmendmentOperation, State
from charter.drafting import merge, queries, services
from charter.extensions import db
from charter.text import sections

TARGETS_MS = {"merge: 50 accepted amendments, 60 sections": 1000}
COUNT = 50


def _changed(body: str, index: int) -> str:
    """The body with one word of its first long paragraph replaced (amendment `index`)."""
    paragraphs = body.split("\n\n")
    for position, paragraph in enumerate(paragraphs):
        words = paragraph.split(" ")
        if len(words) > 12:
            # Two amendments on one section touch words far apart: both merge cleanly.
            at = 3 if index % 2 == 0 else len(words) - 4
            words[at] = f"amended{index}"
            paragraphs[position] = " ".join(words)
            return "\n\n".join(paragraphs)
    raise LookupError("no long paragraph")


def _seed(charter, version, author) -> list[int]:
    """COUNT accepted amendments on version, spread over the sections (some two per section)."""
    base = queries.sections_of(version)
    keys = [s.key for s in base if len(s.body.split()) > 40]
    numbers = []
    for index in range(COUNT):
        key = keys[index % len(keys)]
        body = next(s.body for s in base if s.key == key)
        amendment = Amendment(
            charter_id=charter.id,
            number=index + 1,
            base_version_id=version.id,
            author_id=author.id,
            title=f"Amendment {index + 1}",
            justification="Benchmark.",
            state=State.ACCEPTED,
            section_keys=key,
            operations=[
                AmendmentOperation(
                    position=0,
                    kind="modify",
                    section_key=key,
                    text=_changed(body, index // len(keys)),
                )
            ],
        )
        db.session.add(amendment)
        numbers.append(index + 1)
    db.session.commit()
    return numbers


def merge_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    """Median and p95 of one merge of 50 amendments (rolled back after each run)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        charter = services.create_charter("merge", "A charter to merge into")
        charter.stage_position = 3
        version = services.commit_version(
            charter, sections.split(make_document(seed=3)), note="1", author="bench"
        )
        db.session.commit()
        secretariat = accounts.create_user("bench-merge@example.org", "secretariat")
        db.session.commit()
        numbers = _seed(charter, version, secretariat)

        def one_merge() -> None:
            merged = merge.merge_amendments(
                secretariat, charter, numbers, resolutions={}, note="", expected_head=1
            )
            assert merged.number == 2
            db.session.rollback()

        results = {
            "merge: 50 accepted amendments, 60 sections": measure(one_merge, max(repeat // 3, 5))
        }
        db.drop_all()
        db.engine.dispose()
    return results
