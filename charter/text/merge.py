"""Merging several amendments into the head: each rebased in turn onto the text so far."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from charter.text import rebase
from charter.text.sections import Section

# The conflicts the secretariat can settle by writing the section's text: the words of a
# section, or a deletion of a section that changed since. Others (a section deleted since,
# a key taken, a place that is gone) cannot be settled in the text: leave the amendment out.
RESOLVABLE = frozenset({rebase.WORDS_CHANGED, rebase.HEADING_CHANGED, rebase.DELETE_CHANGED})


@dataclass(frozen=True)
class Proposal:
    """An amendment as the merge takes it: an id, the sections it was made on, its changes."""

    id: int
    base: tuple[Section, ...]
    operations: tuple[rebase.Operation, ...]


@dataclass(frozen=True)
class Step:
    """A section's text after one contribution (None: the section was deleted)."""

    proposal_id: int | None
    key: str
    body: str | None
    resolved: bool = False


@dataclass(frozen=True)
class Conflict:
    """An operation of a proposal that did not apply to the text so far."""

    proposal_id: int
    outcome: rebase.Outcome
    current: Section | None  # the section as it reads at that point of the merge
    resolvable: bool
    resolution: str | None  # the text the secretariat wrote, if any

    @property
    def key(self) -> str:
        return self.outcome.operation.key

    @property
    def settled(self) -> bool:
        return self.resolvable and self.resolution is not None


@dataclass(frozen=True)
class Combination:
    """The head with the proposals applied in order, and what did not apply."""

    sections: tuple[Section, ...]
    steps: tuple[Step, ...]
    conflicts: tuple[Conflict, ...]
    outcomes: Mapping[int, tuple[rebase.Outcome, ...]]

    @property
    def unsettled(self) -> tuple[Conflict, ...]:
        """The conflicts still without a usable resolution."""
        return tuple(conflict for conflict in self.conflicts if not conflict.settled)


def _resolve(state: list[Section], conflict: Conflict) -> list[Section]:
    """The sections with the secretariat's text for the conflicting section."""
    text = conflict.resolution or ""
    result = []
    for section in state:
        if section.key != conflict.key:
            result.append(section)
        elif text.strip() or conflict.outcome.operation.kind != "delete":
            result.append(replace(section, body=text))
        # an empty resolution of a deletion deletes the section
    return result


def _steps(
    before: Sequence[Section],
    after: Sequence[Section],
    proposal_id: int,
    resolved: set[str],
    kept: set[str],
) -> list[Step]:
    """One step per section whose text a proposal changed, added or removed, and per section
    it leaves as it reads (kept: its change already there, or a conflict settled with the
    text unchanged), so that every merged proposal has its text recorded."""
    old = {section.key: section.body for section in before}
    new = {section.key: section.body for section in after}
    steps = [
        Step(proposal_id, key, body, key in resolved)
        for key, body in new.items()
        if old.get(key) != body or key in kept
    ]
    steps += [
        Step(proposal_id, key, None, key in resolved)
        for key in dict.fromkeys([*old, *kept])
        if key not in new
    ]
    return steps


def combine(
    head: Sequence[Section],
    proposals: Sequence[Proposal],
    resolutions: Mapping[tuple[int, str], str] | None = None,
) -> Combination:
    """Apply each proposal in order to the head as it stands after the previous ones.

    An operation that conflicts with the text so far is reported; when resolutions holds a
    text for (proposal id, section key) and the conflict is one a text can settle, that text
    becomes the section's. The result is final only when `unsettled` is empty.
    """
    resolutions = resolutions or {}
    state = list(head)
    steps: list[Step] = []
    conflicts: list[Conflict] = []
    outcomes: dict[int, tuple[rebase.Outcome, ...]] = {}
    for proposal in proposals:
        before = list(state)
        found = rebase.rebase(proposal.base, state, proposal.operations)
        outcomes[proposal.id] = tuple(found)
        resolved: set[str] = set()
        kept: set[str] = set()
        for outcome in found:
            if outcome.rebased is not None:
                state = rebase.apply(state, [outcome.rebased])
                continue
            if outcome.status != "conflict":  # the text so far already holds the change
                if outcome.operation.kind != "move":  # a move brings no words
                    kept.add(outcome.operation.key)
                continue
            key = outcome.operation.key
            current = next((section for section in state if section.key == key), None)
            conflict = Conflict(
                proposal_id=proposal.id,
                outcome=outcome,
                current=current,
                resolvable=outcome.reason in RESOLVABLE and current is not None,
                resolution=resolutions.get((proposal.id, key)),
            )
            conflicts.append(conflict)
            if conflict.settled:
                state = _resolve(state, conflict)
                resolved.add(key)
                kept.add(key)
        steps += _steps(before, state, proposal.id, resolved, kept)
    return Combination(tuple(state), tuple(steps), tuple(conflicts), outcomes)
