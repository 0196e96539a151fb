from datetime import datetime

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from charter.drafting import queries, services
from charter.drafting.models import ImmutableRowError, SectionText, Version, VersionSection
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.text.sections import Section
from tests.factories import DOCUMENT, make_charter, make_version


def test_versions_chain_their_parents_digest(app):
    charter = make_charter()
    first = make_version(charter)
    second = make_version(charter, DOCUMENT.replace("welcome", "at home"))

    assert (first.number, second.number) == (1, 2)
    assert first.parent_hash is None
    assert second.parent_id == first.id
    assert second.parent_hash == first.digest
    assert second.digest != first.digest


def test_identical_section_texts_are_stored_once(app):
    charter = make_charter()
    make_version(charter)
    make_version(charter, DOCUMENT.replace("welcome", "at home"))
    make_version(charter, DOCUMENT)

    # Three sections, one edited once: four distinct bodies for nine section rows.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SectionText)) == 4
    assert db.session.scalar(sa.select(sa.func.count()).select_from(VersionSection)) == 9


def test_keys_survive_a_rename(app):
    charter = make_charter()
    make_version(charter)
    renamed = make_version(charter, DOCUMENT.replace("Article 2 — Equity", "Article 2 — Fairness"))

    keys = db.session.scalars(
        sa.select(VersionSection.key)
        .where(VersionSection.version_id == renamed.id)
        .order_by(VersionSection.position)
    ).all()
    assert keys == ["preamble", "article-1-dignity", "article-2-equity"]


@pytest.mark.parametrize(
    "field, value", [("note", "rewritten"), ("digest", "0" * 64), ("author", "someone else")]
)
def test_a_version_can_never_be_updated(app, field, value):
    version = make_version(make_charter())
    setattr(version, field, value)
    with pytest.raises(ImmutableRowError):
        db.session.flush()


def test_a_version_can_never_be_deleted(app):
    version = make_version(make_charter())
    db.session.delete(version)
    with pytest.raises(ImmutableRowError):
        db.session.flush()


def test_section_rows_and_texts_can_never_be_updated(app):
    version = make_version(make_charter())
    row = db.session.scalars(
        sa.select(VersionSection).where(VersionSection.version_id == version.id)
    ).first()
    row.heading = "Changed"
    with pytest.raises(ImmutableRowError):
        db.session.flush()
    db.session.rollback()
    text = db.session.scalars(sa.select(SectionText)).first()
    text.body = "Changed"
    with pytest.raises(ImmutableRowError):
        db.session.flush()


def test_commit_on_a_stale_head_is_refused(app):
    charter = make_charter()
    make_version(charter)
    make_version(charter)
    with pytest.raises(Conflict, match="changed"):
        services.commit_version(
            charter, [Section("preamble", "", 0, "Text\n")], note="", author="x", expected_head=1
        )
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.max(Version.number))) == 2


def test_commit_refuses_empty_and_duplicate_keys(app):
    charter = make_charter()
    with pytest.raises(InvalidInput):
        services.commit_version(charter, [], note="", author="x")
    twice = [Section("a", "A", 2, "one\n"), Section("a", "B", 2, "two\n")]
    with pytest.raises(InvalidInput, match="same key"):
        services.commit_version(charter, twice, note="", author="x")


def test_two_versions_cannot_share_a_number(app):
    charter = make_charter()
    first = make_version(charter)
    clash = Version(
        charter_id=charter.id, number=first.number, digest="f" * 64, created_at=datetime(2024, 1, 1)
    )
    db.session.add(clash)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_publishing_twice_is_refused(app):
    version = make_version(make_charter())
    with pytest.raises(Conflict, match="published already"):
        services.publish(version, by="x")


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "binary"),
        ("Caf\u00e9 ## Title".encode("latin-1"), "not UTF-8"),
        (b" \n\n\t \n", "no text"),
        (b"## \n\n---\n", "no text"),
        (b"a" * (2 * 1024 * 1024 + 1), "larger than 2 MB"),
    ],
)
def test_import_refuses_bad_files(app, raw, message):
    with pytest.raises(InvalidInput, match=message):
        services.parse_document(raw)


def test_import_creates_version_one(app):
    charter = services.import_charter(DOCUMENT.encode(), "My charter", author="Secretariat")
    db.session.commit()
    assert charter.slug == "my-charter"
    version = queries.head_version(charter)
    assert version.number == 1
    assert [s.key for s in version.sections] == [
        "preamble",
        "article-1-dignity",
        "article-2-equity",
    ]


@pytest.mark.parametrize("slug", ["Bad Slug", "-x", "a" * 81, "x/y"])
def test_create_charter_refuses_bad_short_names(app, slug):
    with pytest.raises(InvalidInput):
        services.create_charter(slug, "Title")


def test_create_charter_refuses_a_taken_short_name(app):
    make_charter("taken")
    with pytest.raises(Conflict, match="exists already"):
        services.create_charter("taken", "Another")
