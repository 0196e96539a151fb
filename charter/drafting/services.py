"""Drafting use cases: create charters, commit and publish versions, import documents."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from charter import audit
from charter.drafting import queries
from charter.drafting.models import (
    Charter,
    Publication,
    SectionText,
    Version,
    VersionOrigin,
    VersionSection,
    utcnow,
)
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.process.models import DEFAULT_STAGES, Stage
from charter.text import hashing, sections
from charter.text.markdown import slugify
from charter.text.sections import Section

MAX_IMPORT_BYTES = 2 * 1024 * 1024
SLUG_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


def create_charter(slug: str, title: str, summary: str = "", language: str = "en") -> Charter:
    """A new, empty charter whose text is written in language."""
    title = title.strip()
    if not title:
        raise InvalidInput(_("A charter needs a title."))
    if len(title) > 200:
        raise InvalidInput(_("The title is too long (200 characters at most)."))
    if not SLUG_PATTERN.match(slug) or len(slug) > 80:
        raise InvalidInput(_("The short name may only hold lowercase letters, digits and hyphens."))
    if db.session.scalar(sa.select(Charter.id).where(Charter.slug == slug)) is not None:
        raise Conflict(_("A charter with the short name “%(slug)s” exists already.", slug=slug))
    if language not in current_app.config["LANGUAGES"]:
        raise InvalidInput(_("This language is not offered."))
    charter = Charter(
        slug=slug, title=title, summary=summary.strip(), language=language, stage_position=1
    )
    db.session.add(charter)
    db.session.flush()
    for position, (name, description, opens) in enumerate(DEFAULT_STAGES, start=1):
        db.session.add(
            Stage(
                charter_id=charter.id,
                position=position,
                name=name,
                description=description,
                opens=",".join(opens),
            )
        )
    db.session.flush()
    return charter


def commit_version(
    charter: Charter,
    new_sections: Sequence[Section],
    *,
    note: str,
    author: str,
    expected_head: int | None = None,
    created_at: datetime | None = None,
    idempotency_key: str | None = None,
) -> Version:
    """Append an immutable version to the charter's chain.

    expected_head is the version number the caller worked from; if the chain moved on
    since, the commit is refused instead of silently building on a text nobody reviewed.
    idempotency_key is the key of the request that asked for it (see drafting.idempotency).
    """
    if not new_sections:
        raise InvalidInput(_("A version needs at least one section."))
    parent = queries.head_version(charter)
    if expected_head is not None and (parent.number if parent else 0) != expected_head:
        raise Conflict(_("The draft changed while you were working: review it again."))
    keys = [section.key for section in new_sections]
    if len(set(keys)) != len(keys):
        raise InvalidInput(_("Two sections share the same key."))

    text_hashes = [hashing.text_hash(section.body) for section in new_sections]
    store_texts(dict(zip(text_hashes, (s.body for s in new_sections), strict=True)))
    version = Version(
        charter_id=charter.id,
        number=(parent.number + 1) if parent else 1,
        parent_id=parent.id if parent else None,
        parent_hash=parent.digest if parent else None,
        note=note.strip(),
        author=author,
        created_at=(created_at or utcnow()).replace(microsecond=0, tzinfo=None),
        idempotency_key=idempotency_key,
    )
    rows = [
        (section.key, section.level, section.heading, text_hash)
        for section, text_hash in zip(new_sections, text_hashes, strict=True)
    ]
    version.digest = hashing.version_hash(
        version.parent_hash, rows, version.hash_meta(charter.slug)
    )
    version.sections = [
        VersionSection(position=position, key=key, level=level, heading=heading, text_hash=th)
        for position, (key, level, heading, th) in enumerate(rows)
    ]
    db.session.add(version)
    db.session.flush()
    return version


def store_texts(texts: dict[str, str]) -> None:
    """Insert the section texts not stored yet (content-addressed, stored once)."""
    existing = set(
        db.session.scalars(sa.select(SectionText.hash).where(SectionText.hash.in_(list(texts))))
    )
    pending = {obj.hash for obj in db.session.new if isinstance(obj, SectionText)}
    for text_hash, body in texts.items():
        if text_hash not in existing and text_hash not in pending:
            db.session.add(SectionText(hash=text_hash, body=body))


def publish(version: Version, by: str, at: datetime | None = None) -> Publication:
    """Make a version public."""
    if db.session.get(Publication, version.id) is not None:
        raise Conflict(_("Version %(number)s is published already.", number=version.number))
    publication = Publication(version_id=version.id, published_by=by, published_at=at or utcnow())
    db.session.add(publication)
    db.session.flush()
    return publication


def parse_document(raw: bytes) -> list[Section]:
    """Check an uploaded Markdown file and split it into sections."""
    if len(raw) > MAX_IMPORT_BYTES:
        raise InvalidInput(_("The file is larger than 2 MB."))
    if not raw:
        raise InvalidInput(_("The file is empty."))
    if b"\x00" in raw:
        raise InvalidInput(_("The file is binary, not Markdown text."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput(
            _("The file is not UTF-8 text (invalid byte at position %(pos)s).", pos=error.start)
        ) from error
    if not any(ch.isalnum() for ch in text):
        raise InvalidInput(_("The file holds no text."))
    return sections.split(text)


def import_charter(
    raw: bytes,
    title: str,
    slug: str | None = None,
    *,
    author: str,
    publish_it: bool = False,
    language: str = "en",
) -> Charter:
    """Create a charter whose version 1 is the given Markdown document."""
    parsed = parse_document(raw)
    charter = create_charter(slug or slugify(title)[:80].strip("-"), title, language=language)
    version = commit_version(charter, parsed, note=_("Imported document."), author=author)
    db.session.add(VersionOrigin(version_id=version.id, kind="import", stage_position=1))
    audit.record(None, "charter.import", charter, after=f"{charter.slug}: v1 by {author}")
    if publish_it:
        publish(version, by=author)
        audit.record(None, "version.publish", version, before="draft", after="published")
    return charter
