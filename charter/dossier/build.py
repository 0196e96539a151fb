"""Gathering a session dossier: the text of a version with the changes since an earlier one,
and the amendments of that stretch of history, section by section.

A constant number of queries whatever the number of amendments: the amendments with their
people and events (four), then the sections of every version involved (one).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from charter.amendments.models import Amendment, AmendmentEvent, Endorsement, State
from charter.amendments.present import changes_on
from charter.drafting.models import Charter, SectionText, Version, VersionSection, utcnow
from charter.drafting.queries import VersionInfo
from charter.extensions import db
from charter.text import diff
from charter.text.rebase import OperationError
from charter.text.sections import Section

# Words kept on each side of a change in an amendment's diff: a meeting reads the change
# in its sentence, not the whole section again for every amendment.
CONTEXT = 20
SKIP = "…"
_WORD = re.compile(r"\w+")

# The events that decide an amendment's fate, with a reason worth reading in a meeting.
DECISIONS = frozenset({State.ACCEPTED.value, State.REJECTED.value, State.WITHDRAWN.value})


@dataclass(frozen=True)
class Decision:
    """The latest review (accepted or rejected) or withdrawal: what, who, when, why."""

    outcome: str
    reason: str
    by: str
    at: datetime


@dataclass(frozen=True)
class Entry:
    """One amendment as the dossier shows it."""

    number: int
    title: str
    state: str
    justification: str
    author: str
    council: str | None
    cosigners: tuple[str, ...]
    decision: Decision | None
    base_number: int
    merged_into: int | None
    created_at: datetime
    keys: tuple[str, ...]  # the sections it touches, first the one it is listed under
    changes: tuple[diff.SectionChange, ...] | None  # against its base; None: does not apply

    @property
    def home(self) -> str:
        """The section the amendment is listed under."""
        return self.keys[0]


@dataclass(frozen=True)
class Group:
    """One section's amendments: those listed here in full, and those listed under another
    section they change first (mentioned here, not repeated)."""

    key: str
    heading: str
    entries: tuple[Entry, ...]
    mentions: tuple[Entry, ...]


@dataclass(frozen=True)
class Dossier:
    charter_title: str
    charter_slug: str
    old: VersionInfo
    new: VersionInfo
    changes: tuple[diff.SectionChange, ...]  # old -> new, every section of both
    groups: tuple[Group, ...]
    headings: dict[str, str]  # section key -> heading, for every section named
    summary: dict[str, int]
    generated_at: datetime = field(default_factory=utcnow)

    @property
    def entries(self) -> list[Entry]:
        """Every amendment of the dossier, each once, by number."""
        return sorted((e for g in self.groups for e in g.entries), key=lambda e: e.number)

    def heading(self, key: str) -> str:
        """The heading of a section, as people name it."""
        return self.headings.get(key, key)


def build(charter: Charter, old: VersionInfo, new: VersionInfo) -> Dossier:
    """The dossier of version new with the changes since version old (old before new)."""
    amendments = _amendments(charter, old.number, new.number)
    sections = _sections({old.id, new.id} | {a.base_version_id for a in amendments})
    changes = tuple(diff.compare(sections[old.id], sections[new.id]))
    entries = [_entry(a, sections[a.base_version_id]) for a in amendments]
    headings = _headings(changes, entries, amendments)
    return Dossier(
        charter_title=charter.title,
        charter_slug=charter.slug,
        old=old,
        new=new,
        changes=changes,
        groups=_groups(changes, entries, amendments, headings),
        headings=headings,
        summary=_summary(changes),
    )


def _amendments(charter: Charter, old: int, new: int) -> list[Amendment]:
    """The amendments made on a version from old to new, or merged into one after old and
    up to new (already part of the text of old otherwise); drafts never."""

    def versions(low: sa.ColumnElement[bool]) -> sa.Select:
        return sa.select(Version.id).where(
            Version.charter_id == charter.id, low, Version.number <= new
        )

    query = (
        sa.select(Amendment)
        .options(
            joinedload(Amendment.author),
            joinedload(Amendment.council),
            joinedload(Amendment.base_version),
            joinedload(Amendment.merged_version),
            selectinload(Amendment.operations),
            selectinload(Amendment.endorsements).joinedload(Endorsement.user),
            selectinload(Amendment.events).joinedload(AmendmentEvent.actor),
        )
        .where(
            Amendment.charter_id == charter.id,
            Amendment.state != State.DRAFT,
            Amendment.base_version_id.in_(versions(Version.number >= old))
            | Amendment.merged_version_id.in_(versions(Version.number > old)),
        )
        .order_by(Amendment.number)
    )
    return list(db.session.scalars(query))


def _sections(version_ids: Iterable[int]) -> dict[int, tuple[Section, ...]]:
    """The ordered sections of several versions, in one query."""
    rows = db.session.execute(
        sa.select(
            VersionSection.version_id,
            VersionSection.key,
            VersionSection.heading,
            VersionSection.level,
            SectionText.body,
        )
        .join(SectionText, SectionText.hash == VersionSection.text_hash)
        .where(VersionSection.version_id.in_(list(version_ids)))
        .order_by(VersionSection.version_id, VersionSection.position)
    )
    found: dict[int, list[Section]] = defaultdict(list)
    for version_id, key, heading, level, body in rows:
        found[version_id].append(Section(key=key, heading=heading, level=level, body=body))
    return defaultdict(tuple, {version_id: tuple(s) for version_id, s in found.items()})


def _entry(amendment: Amendment, base: tuple[Section, ...]) -> Entry:
    operations = amendment.text_operations()
    try:
        changes: tuple[diff.SectionChange, ...] | None = changes_on(base, operations)
    except OperationError:  # checked when proposed: only a damaged row gets here
        changes = None
    decision = next(
        (
            Decision(event.to_state, event.reason, event.actor.display_name, event.at)
            for event in reversed(amendment.events)
            if event.to_state in DECISIONS
        ),
        None,
    )
    return Entry(
        number=amendment.number,
        title=amendment.title,
        state=amendment.state.value,
        justification=amendment.justification,
        author=amendment.author.display_name,
        council=amendment.council.name if amendment.council else None,
        cosigners=tuple(e.user.display_name for e in amendment.endorsements),
        decision=decision,
        base_number=amendment.base_version.number,
        merged_into=amendment.merged_version.number if amendment.merged_version else None,
        created_at=amendment.created_at,
        keys=tuple(dict.fromkeys(operation.key for operation in operations)),
        changes=changes,
    )


def _headings(
    changes: tuple[diff.SectionChange, ...], entries: list[Entry], amendments: list[Amendment]
) -> dict[str, str]:
    """Each section's heading: as version new reads it, else the older texts, else as the
    amendment inserting it names it."""
    headings: dict[str, str] = {}
    for operation in (op for a in amendments for op in a.operations):
        if operation.heading:
            headings.setdefault(operation.section_key, operation.heading)
    for entry in entries:
        for change in entry.changes or ():
            section = change.old or change.new
            if section is not None:
                headings[change.key] = section.heading
    for change in changes:
        headings[change.key] = (change.new or change.old).heading  # type: ignore[union-attr]
    preamble = _("Preamble")
    return {key: heading or preamble for key, heading in headings.items()}


def _groups(
    changes: tuple[diff.SectionChange, ...],
    entries: list[Entry],
    amendments: list[Amendment],
    headings: dict[str, str],
) -> tuple[Group, ...]:
    """The sections amendments touch, in the order of the text: a section neither version
    holds comes after the one it is proposed to follow."""
    order = {change.key: index for index, change in enumerate(changes)}
    follows = {
        op.section_key: op.after_key
        for a in amendments
        for op in a.operations
        if op.kind in ("insert", "move")
    }

    def place(key: str) -> tuple[float, str]:
        if key in order:
            return order[key], key
        after = follows.get(key)
        if key in follows and after is None:
            return -0.5, key  # proposed as the first section
        return (order[after] + 0.5 if after in order else len(order)), key

    listed: dict[str, list[Entry]] = defaultdict(list)
    mentioned: dict[str, list[Entry]] = defaultdict(list)
    for entry in entries:
        if not entry.keys:
            continue
        listed[entry.home].append(entry)
        for key in entry.keys[1:]:
            mentioned[key].append(entry)
    return tuple(
        Group(key, headings.get(key, key), tuple(listed[key]), tuple(mentioned[key]))
        for key in sorted(set(listed) | set(mentioned), key=place)
    )


def excerpt(ops: tuple[diff.Op, ...], context: int = CONTEXT) -> tuple[diff.Op, ...]:
    """The changes with context words around them; the unchanged stretches in between cut
    to an ellipsis (for reading only: the result is no longer a diff of the texts)."""
    shown: list[diff.Op] = []
    last = len(ops) - 1
    for position, (op, text) in enumerate(ops):
        tokens = diff.tokenize(text) if op == diff.EQUAL else []
        words = [index for index, token in enumerate(tokens) if _WORD.fullmatch(token)]
        if len(words) <= 3 * context:
            shown.append((op, text))
            continue
        # Before the first change and after the last one, only the near side is worth it.
        head = position > 0 or position == last
        tail = position < last
        start = words[context - 1] + 1 if head else 0
        end = words[-context] if tail else len(tokens)
        gap = "\n" if "\n" in "".join(tokens[start:end]) else " "
        before = "".join(tokens[:start]).rstrip(" ") + gap if head else ""
        after = gap + "".join(tokens[end:]).lstrip(" ") if tail else ""
        shown.append((op, before + SKIP + after))
    return tuple(shown)


def _summary(changes: tuple[diff.SectionChange, ...]) -> dict[str, int]:
    """How many sections changed, and how; how many words came and went."""
    summary = dict.fromkeys(("modified", "added", "deleted", "moved", "renamed"), 0)
    summary.update(inserted_words=0, deleted_words=0)
    for change in changes:
        if change.kind != "unchanged":
            summary[change.kind] += 1
        summary["moved"] += change.moved
        summary["renamed"] += change.renamed
        inserted, deleted = diff.counts(change.ops)
        summary["inserted_words"] += inserted
        summary["deleted_words"] += deleted
    return summary
