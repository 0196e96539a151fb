"""Reading the version history, as the viewer may see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from charter import permissions
from charter.cache import Shared
from charter.drafting.models import Charter, Publication, SectionText, Version, VersionSection
from charter.extensions import db
from charter.text import diff
from charter.text.sections import Section

# Versions are immutable: their sections and diffs are cached by digest.
_sections_cache: Shared[tuple[Section, ...]] = Shared("sections", 512)
_compare_cache: Shared[tuple[diff.SectionChange, ...]] = Shared("compare", 256)


@dataclass(frozen=True)
class VersionInfo:
    """A version as listed in a history: no sections loaded."""

    id: int
    number: int
    note: str
    author: str
    created_at: datetime
    digest: str
    parent_hash: str | None
    published_at: datetime | None

    @property
    def published(self) -> bool:
        return self.published_at is not None


def _visible(user: Any, charter: Charter):
    """The SQL condition for the versions of charter the user may see."""
    condition = Version.charter_id == charter.id
    if permissions.can(user, "read_draft", charter):
        return condition
    return condition & Publication.version_id.is_not(None)


def charter_or_404(slug: str) -> Charter:
    """The charter with this short name, or 404."""
    charter = db.session.scalar(sa.select(Charter).where(Charter.slug == slug))
    if charter is None:
        abort(404)
    return charter


def visible_charters(user: Any) -> list[tuple[Charter, int]]:
    """Charters with at least one version the user may see, with their visible counts."""
    rows = db.session.execute(
        sa.select(Charter, sa.func.count(Version.id), sa.func.count(Publication.version_id))
        .options(selectinload(Charter.stage))
        .join(Version, Version.charter_id == Charter.id)
        .outerjoin(Publication, Publication.version_id == Version.id)
        .group_by(Charter.id)
        .order_by(Charter.title)
    )
    visible = []
    for charter, total, published in rows:
        count = total if permissions.can(user, "read_draft", charter) else published
        if count:
            visible.append((charter, count))
    return visible


def _version_infos(charter: Charter, user: Any) -> sa.Select:
    """The columns of VersionInfo, for the versions of charter the user may see."""
    return (
        sa.select(
            Version.id,
            Version.number,
            Version.note,
            Version.author,
            Version.created_at,
            Version.digest,
            Version.parent_hash,
            Publication.published_at,
        )
        .outerjoin(Publication, Publication.version_id == Version.id)
        .where(_visible(user, charter))
    )


def visible_versions(charter: Charter, user: Any) -> list[VersionInfo]:
    """The versions of charter the user may see, newest first."""
    rows = db.session.execute(_version_infos(charter, user).order_by(Version.number.desc()))
    return [VersionInfo(*row) for row in rows]


class Around(NamedTuple):
    """The numbers a version page links to, among the versions its reader may see."""

    newest: int
    previous: int | None  # the one before this version
    first: int


def around(charter: Charter, number: int, user: Any) -> Around:
    """The newest, previous and first visible versions' numbers, in one query, whatever
    the number of versions (a page must not load a thousand to link to three)."""
    row = db.session.execute(
        sa.select(
            sa.func.max(Version.number),
            sa.func.max(sa.case((Version.number < number, Version.number))),
            sa.func.min(Version.number),
        )
        .outerjoin(Publication, Publication.version_id == Version.id)
        .where(_visible(user, charter))
    ).one()
    return Around(*row)


def visible_version_ids(charter: Charter, user: Any) -> sa.Select:
    """The ids of the versions of charter the user may see, as a subquery to filter by."""
    return (
        sa.select(Version.id)
        .outerjoin(Publication, Publication.version_id == Version.id)
        .where(_visible(user, charter))
    )


def version_or_404(charter: Charter, number: int, user: Any) -> VersionInfo:
    """One version the user may see; unknown and hidden versions are both 404."""
    row = db.session.execute(_version_infos(charter, user).where(Version.number == number)).first()
    if row is None:
        abort(404)
    return VersionInfo(*row)


def version_visible(charter: Charter, version_id: int, user: Any) -> bool:
    """Whether the user may see this version of charter."""
    query = _version_infos(charter, user).where(Version.id == version_id)
    return db.session.execute(query).first() is not None


def latest_visible(charter: Charter, user: Any) -> VersionInfo | None:
    """The newest version the user may see: for the public, the latest published one."""
    versions = db.session.execute(
        _version_infos(charter, user).order_by(Version.number.desc()).limit(1)
    ).first()
    return VersionInfo(*versions) if versions else None


def head_version(charter: Charter) -> Version | None:
    """The newest version of the charter, draft or published."""
    return db.session.scalar(
        sa.select(Version).where(Version.charter_id == charter.id).order_by(Version.number.desc())
    )


def sections_of(version: VersionInfo | Version) -> tuple[Section, ...]:
    """The ordered sections of a version (one query, then cached by digest)."""
    return _sections_cache.get_or_set(version.digest, lambda: _load_sections(version.id))


def _load_sections(version_id: int) -> tuple[Section, ...]:
    rows = db.session.execute(
        sa.select(
            VersionSection.key, VersionSection.heading, VersionSection.level, SectionText.body
        )
        .join(SectionText, SectionText.hash == VersionSection.text_hash)
        .where(VersionSection.version_id == version_id)
        .order_by(VersionSection.position)
    )
    return tuple(
        Section(key=key, heading=heading, level=level, body=body)
        for key, heading, level, body in rows
    )


def compare(old: VersionInfo, new: VersionInfo) -> tuple[diff.SectionChange, ...]:
    """Section-by-section changes from old to new (cached by the two digests)."""
    return _compare_cache.get_or_set(
        (old.digest, new.digest), lambda: tuple(diff.compare(sections_of(old), sections_of(new)))
    )


@dataclass(frozen=True)
class SectionStep:
    """One visible version of a section, and how it changed since the previous one."""

    version: VersionInfo
    section: Section | None
    change: diff.SectionChange | None


def section_history(charter: Charter, key: str, user: Any) -> list[SectionStep]:
    """How one section read in each visible version, oldest first, unchanged ones omitted."""
    versions = list(reversed(visible_versions(charter, user)))
    rows = db.session.execute(
        sa.select(
            VersionSection.version_id,
            VersionSection.heading,
            VersionSection.level,
            SectionText.body,
        )
        .join(SectionText, SectionText.hash == VersionSection.text_hash)
        .where(VersionSection.key == key, VersionSection.version_id.in_([v.id for v in versions]))
    )
    by_version = {
        version_id: Section(key=key, heading=heading, level=level, body=body)
        for version_id, heading, level, body in rows
    }
    if not by_version:
        abort(404)
    steps: list[SectionStep] = []
    previous: Section | None = None
    for version in versions:
        current = by_version.get(version.id)
        if current == previous:
            continue
        change = None
        if previous is not None or current is not None:
            change = diff.compare([previous] if previous else [], [current] if current else [])[0]
        steps.append(SectionStep(version, current, change if steps else None))
        previous = current
    return steps
