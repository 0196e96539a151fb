"""What an amendment changes, for people: against its base and against the current head."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from charter.cache import LRU
from charter.drafting import queries
from charter.drafting.models import Version
from charter.text import diff, rebase
from charter.text.sections import Section

_head_cache: LRU[OnHead] = LRU(1024)
# Only the status, for the merge workspace, which lists every accepted amendment: small
# values, so many more of them fit than of whole rebases.
_status_cache: LRU[str] = LRU(16_384)


@dataclass(frozen=True)
class Problem:
    """An operation that did not apply cleanly, with both sides' changes to show."""

    outcome: rebase.Outcome
    heading: str
    amendment_ops: tuple[diff.Op, ...]  # base -> what the amendment proposes
    head_ops: tuple[diff.Op, ...]  # base -> what the current draft reads


@dataclass(frozen=True)
class OnHead:
    """The amendment brought onto the head: its changes there, or the conflicts."""

    head_number: int
    status: str  # "current" (made on the head) | "clean" | "conflict" | "already_applied"
    changes: tuple[diff.SectionChange, ...]
    problems: tuple[Problem, ...]  # the operations that did not apply cleanly

    @property
    def conflicting(self) -> bool:
        return self.status == "conflict"


def changes_on(
    sections: tuple[Section, ...], operations: list[rebase.Operation]
) -> tuple[diff.SectionChange, ...]:
    """The section changes the operations make to these sections."""
    return tuple(
        change
        for change in diff.compare(sections, rebase.apply(sections, operations))
        if change.changed
    )


def against_base(base: Version, operations: list[rebase.Operation]) -> tuple:
    """The amendment's changes against the version it was made on."""
    return changes_on(queries.sections_of(base), operations)


def against_head(
    base: Version, head: Version, operations: list[rebase.Operation], revision_key: object
) -> OnHead:
    """The amendment rebased on the head (cached by amendment revision and head digest)."""
    return _head_cache.get_or_set(
        (revision_key, base.digest, head.digest),
        lambda: _against_head(base, head, operations),
    )


def status_on_head(
    base: Version, head: Version, operations: list[rebase.Operation], revision_key: object
) -> str:
    """Whether the amendment applies cleanly to the head, conflicts or is already in it."""
    return _status_cache.get_or_set(
        (revision_key, base.digest, head.digest),
        lambda: against_head(base, head, operations, revision_key).status,
    )


def _against_head(base: Version, head: Version, operations: list[rebase.Operation]) -> OnHead:
    if base.id == head.id:
        return OnHead(head.number, "current", against_base(base, operations), ())
    base_sections, head_sections = queries.sections_of(base), queries.sections_of(head)
    outcomes = rebase.rebase(base_sections, head_sections, operations)
    problems = tuple(
        _problem(o, base_sections, head_sections)
        for o in outcomes
        if o.status in ("conflict", "already_applied")
    )
    if any(o.status == "conflict" for o in outcomes):
        return OnHead(head.number, "conflict", (), problems)
    rebased = [o.rebased for o in outcomes if o.rebased is not None]
    if not rebased:
        return OnHead(head.number, "already_applied", (), problems)
    return OnHead(head.number, "clean", changes_on(head_sections, rebased), problems)


def _problem(
    outcome: rebase.Outcome, base: tuple[Section, ...], head: tuple[Section, ...]
) -> Problem:
    key = outcome.operation.key
    base_section = next((s for s in base if s.key == key), None)
    head_section = next((s for s in head if s.key == key), None)
    base_body = base_section.body if base_section else ""
    proposed = outcome.operation.text if outcome.operation.text is not None else base_body
    if outcome.operation.kind == "delete":
        proposed = ""
    heading = (head_section or base_section).heading if (head_section or base_section) else ""
    return Problem(
        outcome=outcome,
        heading=heading or outcome.operation.heading or _("Preamble"),
        amendment_ops=tuple(diff.word_diff(base_body, proposed)),
        head_ops=tuple(diff.word_diff(base_body, head_section.body if head_section else "")),
    )


REASONS = {
    rebase.DELETED: lambda: _("The section was deleted since."),
    rebase.WORDS_CHANGED: lambda: _("The same words were changed since."),
    rebase.HEADING_CHANGED: lambda: _("The heading was changed since."),
    rebase.AFTER_DELETED: lambda: _("The section it was to follow was deleted since."),
    rebase.DELETE_CHANGED: lambda: _(
        "The section changed since; deleting it would drop those changes."
    ),
    rebase.NOT_IN_BASE: lambda: _("The section is not in the version the amendment was made on."),
    rebase.KEY_EXISTS: lambda: _("A section with this key already exists."),
    rebase.KEY_ADDED: lambda: _("A different section with this key was added since."),
    rebase.FOLLOWS_ITSELF: lambda: _("A section cannot follow itself."),
}


def reason(outcome: rebase.Outcome) -> str:
    """The translated reason an operation did not apply cleanly."""
    if outcome.status == "already_applied":
        return _("The current draft already contains this change.")
    translate = REASONS.get(outcome.reason)
    return translate() if translate else outcome.reason
