"""Amendment data for the benchmarks: a charter with a long history, and 10,000 amendments."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import sqlalchemy as sa

from bench.generate import edit_document, make_document
from charter.accounts import services as accounts
from charter.accounts.models import User
from charter.amendments import present
from charter.amendments.models import (
    Amendment,
    AmendmentOperation,
    Endorsement,
    State,
    amendment_theme,
)
from charter.consultation.models import Theme
from charter.drafting import queries, services
from charter.drafting.models import Charter, Version
from charter.extensions import db
from charter.text import rebase, sections

START = datetime(2024, 1, 1, 8, 0)
STATES = [State.DRAFT] * 10 + [State.SUBMITTED] * 40 + [State.ACCEPTED] * 15
STATES += [State.REJECTED] * 10 + [State.WITHDRAWN] * 10 + [State.MERGED] * 15


def _versions(charter: Charter, count: int) -> list[Version]:
    """Commit `count` versions, each with 5 scattered edits to the one before."""
    document = make_document(seed=1)
    parsed = sections.split(document)
    versions = [services.commit_version(charter, parsed, note="1", author="bench")]
    for number in range(2, count + 1):
        document = edit_document(document, edits=5, seed=number)
        parsed = sections.carry_keys(sections.split(document), parsed)
        versions.append(services.commit_version(charter, parsed, note=str(number), author="b"))
    db.session.commit()
    return versions


def _untouched_edit(base: sections.Section, head: sections.Section) -> str:
    """The base body with one paragraph changed that the head left as it was."""
    base_paragraphs, head_paragraphs = base.body.split("\n\n"), head.body.split("\n\n")
    for index, paragraph in enumerate(base_paragraphs):
        if len(paragraph.split()) > 8 and paragraph in head_paragraphs:
            changed = paragraph.replace(" ", " and in every city ", 1)
            return "\n\n".join(base_paragraphs[:index] + [changed] + base_paragraphs[index + 1 :])
    raise LookupError(base.key)


def setup_rebase(author: User) -> tuple[Version, Version, list[rebase.Operation]]:
    """A charter of 21 versions, and an amendment of 3 changes made on version 1 to
    sections the later versions edited elsewhere (so each change is merged, not copied)."""
    charter = services.create_charter("history", "A charter with a long history")
    versions = _versions(charter, 21)
    base, head = versions[0], versions[-1]
    base_sections, head_sections = queries.sections_of(base), queries.sections_of(head)
    by_key = {section.key: section for section in head_sections}
    edited = [s for s in base_sections if s.level and by_key[s.key].body != s.body]
    operations = []
    for section in edited:
        try:
            text = _untouched_edit(section, by_key[section.key])
        except LookupError:
            continue
        operations.append(rebase.Operation("modify", section.key, text=text))
        if len(operations) == 3:
            break
    amendment = Amendment(
        charter=charter,
        number=1,
        base_version=base,
        author=author,
        title="Across the history",
        justification="",
        state=State.SUBMITTED,
        section_keys=" ".join(op.key for op in operations),
        operations=[
            AmendmentOperation(position=i, kind=op.kind, section_key=op.key, text=op.text)
            for i, op in enumerate(operations)
        ],
    )
    db.session.add(amendment)
    db.session.commit()
    operations = amendment.text_operations()
    on_head = present._against_head(base, head, operations)
    assert len(operations) == 3 and on_head.status == "clean", on_head.status
    return base, head, operations


COUNCILS = 12
PEOPLE = 2_000  # the delegates of the councils, who write the amendments and endorse them


def seed_index(charter: Charter, version: Version, count: int = 10_000, seed: int = 7) -> User:
    """Councils, their delegates, themes and `count` amendments to the charter; the
    secretariat."""
    rng = random.Random(seed)
    councils = [accounts.create_council(charter, f"Council {n}") for n in range(COUNCILS)]
    authors = [
        accounts.create_user(
            f"sherpa-{n}@bench.org",
            "sherpa",
            display_name=f"Sherpa {n:04d}",
            councils=[councils[n % len(councils)]],
        )
        for n in range(PEOPLE)
    ]
    secretariat = accounts.create_user("secretariat@bench.org", "secretariat")
    themes = [Theme(charter_id=charter.id, name=f"Theme {n}") for n in range(6)]
    db.session.add_all(themes)
    db.session.flush()
    keys = [section.key for section in queries.sections_of(version)]

    amendments, operations, endorsements, tags = [], [], [], []
    for number in range(1, count + 1):
        author = rng.choice(authors)
        touched = rng.sample(keys, rng.choice((1, 1, 1, 2, 3)))
        signers = rng.sample(authors, rng.choice((0, 0, 0, 1, 2, 5)))
        signers = [signer for signer in signers if signer is not author]
        created = START + timedelta(minutes=number * 7)
        amendments.append(
            {
                "charter_id": charter.id,
                "number": number,
                "base_version_id": version.id,
                "author_id": author.id,
                "council_id": author.councils[0].id,
                "title": f"Amendment {number} to {touched[0]}",
                "justification": "Because the network asked for it.",
                "state": rng.choice(STATES),
                "endorsement_count": len(signers),
                "section_keys": " ".join(touched),
                "created_at": created,
                "updated_at": created,
                "revision": 1,
            }
        )
        operations += [
            {
                "amendment_id": number,
                "position": position,
                "kind": "modify",
                "section_key": key,
                "text": f"New words for {key}.\n",
            }
            for position, key in enumerate(touched)
        ]
        endorsements += [
            {"amendment_id": number, "user_id": signer.id, "created_at": created}
            for signer in signers
        ]
        if rng.random() < 0.5:
            tags.append({"amendment_id": number, "theme_id": rng.choice(themes).id})

    inserted = db.session.execute(
        sa.insert(Amendment).returning(Amendment.id, sort_by_parameter_order=True), amendments
    )
    ids = dict(enumerate(inserted.scalars(), start=1))  # "amendment_id" held the number
    for rows in (operations, endorsements, tags):
        for row in rows:
            row["amendment_id"] = ids[row["amendment_id"]]
    for table, rows in (
        (AmendmentOperation.__table__, operations),
        (Endorsement.__table__, endorsements),
        (amendment_theme, tags),
    ):
        db.session.execute(sa.insert(table), rows)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would have done by the time a charter has 10,000 amendments.
        with db.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
    return secretariat


def widest_amendment(charter: Charter) -> int:
    """The number of a submitted amendment with the most operations (the heaviest amendment
    page: its changes are rebased on the head)."""
    return db.session.scalar(
        sa.select(Amendment.number)
        .join(AmendmentOperation)
        .where(Amendment.charter_id == charter.id, Amendment.state == State.SUBMITTED)
        .group_by(Amendment.number)
        .order_by(sa.func.count().desc(), Amendment.number)
        .limit(1)
    )


def busiest_section(charter: Charter) -> str:
    """The key most amendments touch (a filter that keeps many rows)."""
    rows = db.session.scalars(
        sa.select(AmendmentOperation.section_key)
        .join(Amendment)
        .where(Amendment.charter_id == charter.id)
        .group_by(AmendmentOperation.section_key)
        .order_by(sa.func.count().desc(), AmendmentOperation.section_key)
        .limit(1)
    )
    return rows.one()


def seed_comments(charter: Charter, version: Version, count: int = 50_000, seed: int = 9) -> None:
    """`count` comments on the charter (seed_index first: its authors and themes): answers
    to 4 guiding questions, comments on sections (some annotations) and amendment
    discussions, by 60 partners and the council members; a few hidden or deleted, a
    quarter with a theme."""
    from charter.consultation.models import Comment, GuidingQuestion, comment_theme

    rng = random.Random(seed)
    words = make_document(seed=1).split()
    authors = list(db.session.scalars(sa.select(User.id).where(User.role != "secretariat")))
    partners = [
        accounts.create_user(
            f"partner-{n}@bench.org",
            "partner",
            display_name=f"Partner {n:02d}",
            organisation=f"City {n % 25}",
            region=("Africa", "Americas", "Asia-Pacific", "Europe", "Middle East")[n % 5],
        ).id
        for n in range(60)
    ]
    questions = [
        GuidingQuestion(charter_id=charter.id, position=n, text=f"Guiding question {n}?")
        for n in range(1, 5)
    ]
    db.session.add_all(questions)
    db.session.flush()
    themes = list(db.session.scalars(sa.select(Theme.id).where(Theme.charter_id == charter.id)))
    keys = [section.key for section in queries.sections_of(version)]
    amendment_ids = list(
        db.session.scalars(sa.select(Amendment.id).where(Amendment.charter_id == charter.id))
    )
    rows = []
    for number in range(count):
        kind = rng.random()
        row = {
            "charter_id": charter.id,
            "author_id": rng.choice(partners if kind < 0.6 else authors),
            "question_id": None,
            "amendment_id": None,
            "section_key": None,
            "version_id": None,
            "quote": None,
            "quote_start": None,
            "quote_prefix": "",
            "quote_suffix": "",
            "parent_id": None,
            "depth": 0,
            "body": " ".join(rng.choices(words, k=rng.randint(12, 60))),
            "created_at": START + timedelta(minutes=number),
            "deleted_at": START if number % 97 == 0 else None,
            "hidden_at": START if number % 89 == 0 else None,
            "hidden_by_id": None,
            "hidden_reason": "Off-topic." if number % 89 == 0 else "",
            "open_flags": 1 if number % 211 == 0 else 0,
        }
        if kind < 0.3:
            row["question_id"] = rng.choice(questions).id
        elif kind < 0.8:
            row["section_key"], row["version_id"] = rng.choice(keys), version.id
            if kind > 0.75:
                at = rng.randrange(len(words) - 6)
                row["quote"], row["quote_start"] = " ".join(words[at : at + 5]), at
        else:
            row["amendment_id"] = rng.choice(amendment_ids)
        rows.append(row)
    table = Comment.__table__  # through the table: the ORM's bulk RETURNING is quadratic here
    inserted = db.session.execute(
        sa.insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    ids = list(inserted.scalars())
    tags = [
        {"comment_id": comment_id, "theme_id": rng.choice(themes)}
        for comment_id in ids
        if rng.random() < 0.25
    ]
    db.session.execute(sa.insert(comment_theme), tags)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.execute(sa.text("ANALYZE"))
