"""Who wrote this: each word of a version credited to the version and amendment that
brought it, as the viewer may see it."""

from __future__ import annotations

import bisect
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

import sqlalchemy as sa
from flask import abort
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from charter import permissions
from charter.amendments.models import Amendment
from charter.cache import Shared
from charter.drafting import queries
from charter.drafting.models import Charter, MergeStep, SectionText, Version, VersionSection
from charter.drafting.queries import VersionInfo
from charter.extensions import db
from charter.text import provenance
from charter.text.sections import Section

AMENDMENT, DIRECT_EDIT, VERSION = "amendment", "direct_edit", "version"


class Origin(NamedTuple):
    """Where words came from: a version, and within it an amendment or a direct edit;
    kind VERSION when the version records no steps (imports, older versions)."""

    version: int  # the version's number
    amendment_id: int | None
    kind: str


Spans = tuple[tuple[str, Origin], ...]
# Versions are immutable: attributions are cached by version digest (and section key).
_attribution_cache: Shared[Spans] = Shared("attribution", 1024)
_contributions_cache: Shared[tuple[tuple[str, tuple[tuple[int | None, int], ...]], ...]] = Shared(
    "contributions", 64
)


@dataclass(frozen=True)
class Contributor:
    """One entry of a provenance legend: who brought some words, in which version."""

    number: int  # its number in the legend: 1, 2, 3… in the order of the history
    kind: str  # AMENDMENT | DIRECT_EDIT | VERSION
    version_number: int
    version_date: datetime
    version_author: str  # the version's author, shown for VERSION contributions
    version_note: str
    amendment_number: int | None
    amendment_title: str | None
    author: str | None  # the amendment's author
    council: str | None  # the amendment's council
    linked: bool  # the viewer may open the amendment's page
    words: int


@dataclass(frozen=True)
class SectionProvenance:
    """A section of a version, its text in spans, each span with its contributor."""

    section: Section
    spans: tuple[tuple[str, Contributor], ...]
    contributors: tuple[Contributor, ...]


def clear_caches() -> None:
    """Forget every cached attribution (benchmarks measure the uncached work)."""
    _attribution_cache.clear()
    _contributions_cache.clear()


def _load_chains(
    charter_id: int, number: int, keys: Collection[str]
) -> dict[str, list[tuple[Origin, str]]]:
    """For each key, the (origin, text) chain of the section through versions 1..number:
    merge steps in their order, then each version's own text. Two queries."""
    order = {"partition_by": VersionSection.key, "order_by": Version.number}
    rows = (
        sa.select(
            Version.number,
            VersionSection.key,
            VersionSection.text_hash,
            sa.func.lag(VersionSection.text_hash).over(**order).label("previous_hash"),
            sa.func.lag(Version.number).over(**order).label("previous_number"),
            sa.func.lead(Version.number).over(**order).label("next_number"),
        )
        .join(VersionSection, VersionSection.version_id == Version.id)
        .where(
            Version.charter_id == charter_id,
            Version.number <= number,
            VersionSection.key.in_(list(keys)),
        )
        .subquery()
    )
    # Only the versions where a section's text changed send it; the gaps say deleted.
    changed = sa.or_(
        rows.c.previous_number.is_(None),
        rows.c.previous_number != rows.c.number - 1,
        rows.c.previous_hash != rows.c.text_hash,
    )
    gone_after = sa.and_(
        rows.c.number < number,
        sa.or_(rows.c.next_number.is_(None), rows.c.next_number != rows.c.number + 1),
    )
    texts: dict[str, dict[int, str]] = {key: {} for key in keys}
    for version, key, body in db.session.execute(
        sa.select(rows.c.number, rows.c.key, SectionText.body)
        .join(SectionText, SectionText.hash == rows.c.text_hash)
        .where(changed)
        .union_all(sa.select(rows.c.number + 1, rows.c.key, sa.literal("")).where(gone_after))
    ):
        texts[key][version] = body

    steps: dict[str, dict[int, list[tuple[int | None, str]]]] = {key: {} for key in keys}
    for version, key, amendment_id, body in db.session.execute(
        sa.select(Version.number, MergeStep.section_key, MergeStep.amendment_id, SectionText.body)
        .join(Version, Version.id == MergeStep.version_id)
        .outerjoin(SectionText, SectionText.hash == MergeStep.text_hash)
        .where(
            Version.charter_id == charter_id,
            Version.number <= number,
            MergeStep.section_key.in_(list(keys)),
        )
        .order_by(Version.number, MergeStep.position)
    ):
        steps[key].setdefault(version, []).append((amendment_id, body or ""))

    chains: dict[str, list[tuple[Origin, str]]] = {}
    for key in keys:
        chain: list[tuple[Origin, str]] = []
        current = ""
        for version in sorted(texts[key].keys() | steps[key].keys()):
            for amendment_id, body in steps[key].get(version, ()):
                kind = AMENDMENT if amendment_id is not None else DIRECT_EDIT
                chain.append((Origin(version, amendment_id, kind), body))
            current = texts[key].get(version, current)
            # After its steps, the version's own text: nothing new when they account for it.
            chain.append((Origin(version, None, VERSION), current))
        chains[key] = chain
    return chains


def _attribution(charter: Charter, version: VersionInfo, key: str) -> Spans:
    """The spans of one section of a version with their raw origins (cached)."""

    def compute() -> Spans:
        chain = _load_chains(charter.id, version.number, [key])[key]
        return tuple(provenance.attribute(chain))

    return _attribution_cache.get_or_set((version.digest, key), compute)


def _amendments(ids: Collection[int]) -> dict[int, Amendment]:
    """The amendments with these ids, their authors and councils, in one query."""
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(Amendment)
        .options(joinedload(Amendment.author), joinedload(Amendment.council))
        .where(Amendment.id.in_(list(ids)))
    )
    return {amendment.id: amendment for amendment in rows}


def _visible_origin(origin: Origin, visible: list[int]) -> Origin:
    """The origin as the viewer may see it: words of a version hidden from them are
    credited to the next version they may see, the one that made the words public."""
    if origin.version in visible:
        return origin
    shown = visible[bisect.bisect_left(visible, origin.version)]
    return Origin(shown, origin.amendment_id, origin.kind)


def section_provenance(
    charter: Charter, version: VersionInfo, key: str, user: Any
) -> SectionProvenance:
    """The section of version under key, its words credited to who brought them; 404 when
    the version has no such section."""
    section = next((s for s in queries.sections_of(version) if s.key == key), None)
    if section is None:
        abort(404)
    infos = {
        info.number: info
        for info in queries.visible_versions(charter, user)
        if info.number <= version.number
    }
    visible = sorted(infos)
    spans = _regroup(_attribution(charter, version, key), visible)
    amendments = _amendments({o.amendment_id for _, o in spans if o.amendment_id is not None})
    words = provenance.word_counts(spans)
    origins = sorted(
        {origin for _, origin in spans},
        key=lambda o: (
            o.version,
            (AMENDMENT, DIRECT_EDIT, VERSION).index(o.kind),
            amendments[o.amendment_id].number if o.amendment_id is not None else 0,
        ),
    )
    contributors = {
        origin: _contributor(position, origin, infos[origin.version], amendments, words, user)
        for position, origin in enumerate(origins, start=1)
    }
    return SectionProvenance(
        section=section,
        spans=tuple((text, contributors[origin]) for text, origin in spans),
        contributors=tuple(contributors.values()),
    )


def _regroup(spans: Spans, visible: list[int]) -> list[tuple[str, Origin]]:
    """The spans with the origins the viewer may see, neighbours of one origin merged."""
    regrouped: list[tuple[str, Origin]] = []
    for text, origin in spans:
        origin = _visible_origin(origin, visible)
        if regrouped and regrouped[-1][1] == origin:
            regrouped[-1] = (regrouped[-1][0] + text, origin)
        else:
            regrouped.append((text, origin))
    return regrouped


def _contributor(
    number: int,
    origin: Origin,
    info: VersionInfo,
    amendments: dict[int, Amendment],
    words: dict[Origin, int],
    user: Any,
) -> Contributor:
    amendment = amendments.get(origin.amendment_id) if origin.amendment_id else None
    return Contributor(
        number=number,
        kind=origin.kind,
        version_number=info.number,
        version_date=info.created_at,
        version_author=info.author,
        version_note=info.note,
        amendment_number=amendment.number if amendment else None,
        amendment_title=amendment.title if amendment else None,
        author=amendment.author.display_name if amendment else None,
        council=amendment.council.name if amendment and amendment.council else None,
        linked=bool(amendment) and permissions.can(user, "read_amendment", amendment),
        words=words.get(origin, 0),
    )


@dataclass(frozen=True)
class Share:
    """The words of a version one council or author brought."""

    name: str
    words: int
    percent: float


@dataclass(frozen=True)
class AmendmentShare:
    """The words of a version one amendment brought."""

    number: int
    title: str
    author: str
    council: str | None
    words: int
    linked: bool  # the viewer may open the amendment's page


@dataclass(frozen=True)
class SectionShare:
    """One section of a version: its words, and how many amendments brought some."""

    section: Section
    words: int
    amendments: int


@dataclass(frozen=True)
class Contributions:
    """Who brought the words of a whole version: per council, author and amendment."""

    words: int
    by_council: tuple[Share, ...]
    by_author: tuple[Share, ...]
    by_amendment: tuple[AmendmentShare, ...]
    sections: tuple[SectionShare, ...]


def _word_counts(charter: Charter, version: VersionInfo):
    """Per section key, the words each amendment (None: no amendment) brought (cached)."""

    def compute():
        keys = [section.key for section in queries.sections_of(version)]
        chains = _load_chains(charter.id, version.number, keys)
        counted = []
        for key in keys:
            spans = _attribution_cache.get_or_set(
                (version.digest, key), lambda key=key: tuple(provenance.attribute(chains[key]))
            )
            per_amendment: dict[int | None, int] = {}
            for origin, words in provenance.word_counts(spans).items():
                per_amendment[origin.amendment_id] = per_amendment.get(origin.amendment_id, 0)
                per_amendment[origin.amendment_id] += words
            counted.append((key, tuple(per_amendment.items())))
        return tuple(counted)

    return _contributions_cache.get_or_set(version.digest, compute)


def version_contributions(charter: Charter, version: VersionInfo, user: Any) -> Contributions:
    """Words of every section of version per council, per author and per amendment; words
    no amendment brought are the secretariat's or the original draft's."""
    counted = _word_counts(charter, version)
    per_amendment: dict[int | None, int] = {}
    for _key, counts in counted:
        for amendment_id, words in counts:
            per_amendment[amendment_id] = per_amendment.get(amendment_id, 0) + words
    amendments = _amendments([a for a in per_amendment if a is not None])
    total = sum(per_amendment.values())
    secretariat = _("Secretariat / original draft")
    councils: dict[int | None, tuple[str, int]] = {}
    authors: dict[int | None, tuple[str, int]] = {}
    for amendment_id, words in per_amendment.items():
        amendment = amendments.get(amendment_id) if amendment_id is not None else None
        if amendment is None:
            council_key, council = None, secretariat
            author_key, author = None, secretariat
        else:
            council_key = -1 if amendment.council is None else amendment.council_id
            council = amendment.council.name if amendment.council else _("No council")
            author_key, author = amendment.author_id, amendment.author.display_name
        councils[council_key] = (council, councils.get(council_key, ("", 0))[1] + words)
        authors[author_key] = (author, authors.get(author_key, ("", 0))[1] + words)

    def shares(groups: dict[int | None, tuple[str, int]]) -> tuple[Share, ...]:
        ordered = sorted(groups.values(), key=lambda item: (-item[1], item[0]))
        return tuple(
            Share(name, words, 100 * words / total if total else 0.0) for name, words in ordered
        )

    by_amendment = sorted(
        (
            AmendmentShare(
                number=amendment.number,
                title=amendment.title,
                author=amendment.author.display_name,
                council=amendment.council.name if amendment.council else None,
                words=per_amendment[amendment.id],
                linked=permissions.can(user, "read_amendment", amendment),
            )
            for amendment in amendments.values()
        ),
        key=lambda share: (-share.words, share.number),
    )
    by_key = {section.key: section for section in queries.sections_of(version)}
    sections = tuple(
        SectionShare(
            by_key[key],
            sum(words for _, words in counts),
            sum(1 for amendment_id, _ in counts if amendment_id is not None),
        )
        for key, counts in counted
    )
    return Contributions(total, shares(councils), shares(authors), tuple(by_amendment), sections)
