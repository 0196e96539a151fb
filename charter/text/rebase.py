"""Bringing an amendment made on an older version onto the head: a three-way word merge."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from charter.text.diff import DELETE, EQUAL, tokenize, word_diff
from charter.text.sections import Section

KINDS = ("modify", "insert", "delete", "move")
DEFAULT_LEVEL = 2

DELETED = "The section was deleted since."
WORDS_CHANGED = "The same words were changed since."
HEADING_CHANGED = "The heading was changed since."
AFTER_DELETED = "The section it was to follow was deleted since."
DELETE_CHANGED = "The section changed since; deleting it would drop those changes."
NOT_IN_BASE = "The section is not in the version the amendment was made on."
KEY_EXISTS = "A section with this key already exists."
KEY_ADDED = "A different section with this key was added since."
FOLLOWS_ITSELF = "A section cannot follow itself."

Edit = tuple[int, int, list[str]]  # (base start, base end, replacement tokens)
_AMENDMENT, _HEAD = 0, 1
_WORD = re.compile(r"\w")


class OperationError(ValueError):
    """An operation that does not fit the sections it is applied to."""


@dataclass(frozen=True)
class Operation:
    """One change an amendment makes to a charter's sections."""

    kind: str  # "modify" | "insert" | "delete" | "move"
    key: str  # the target section (for insert: the new section's key)
    text: str | None = None  # modify/insert: the proposed body
    heading: str | None = None  # insert: heading; modify: new heading or None (unchanged)
    level: int | None = None  # insert: heading level (default 2)
    after: str | None = None  # insert/move: key of the section it follows; None = first

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise OperationError(f"Unknown operation {self.kind!r}; expected one of {KINDS}.")


@dataclass(frozen=True)
class Hunk:
    """One region where the amendment or the head changed the base."""

    base: str
    amendment: str
    head: str
    conflict: bool


@dataclass(frozen=True)
class Merge3:
    """The result of a three-way word merge."""

    text: str | None  # None when there is a conflict
    hunks: tuple[Hunk, ...]

    @property
    def conflicts(self) -> tuple[Hunk, ...]:
        """The hunks both sides changed differently."""
        return tuple(hunk for hunk in self.hunks if hunk.conflict)

    @property
    def clean(self) -> bool:
        """Whether the merge has no conflict."""
        return self.text is not None


@dataclass(frozen=True)
class Outcome:
    """What rebasing one operation onto the head gave."""

    operation: Operation
    status: str  # "clean" | "conflict" | "already_applied" | "unchanged_base"
    reason: str  # for people, when not clean; empty otherwise
    rebased: Operation | None  # the operation restated against the head
    merge: Merge3 | None  # modify: the word merge, when the head changed the section


# --- the word merge ------------------------------------------------------------------------


def _edits(base: str, other: str) -> list[Edit]:
    """The edits turning base into other, in base token coordinates, in order."""
    edits: list[Edit] = []
    position = 0
    start: int | None = None
    replacement: list[str] = []
    for op, text in word_diff(base, other):
        tokens = tokenize(text)
        if op == EQUAL:
            if start is not None:
                edits.append((start, position, replacement))
                start, replacement = None, []
            position += len(tokens)
            continue
        if start is None:
            start = position
        if op == DELETE:
            position += len(tokens)
        else:
            replacement.extend(tokens)
    if start is not None:
        edits.append((start, position, replacement))
    return edits


def _replay(tokens: list[str], start: int, end: int, edits: list[Edit]) -> str:
    """Text of tokens[start:end] with the edits (all inside that range) applied."""
    parts: list[str] = []
    at = start
    for edit_start, edit_end, replacement in edits:
        parts.extend(tokens[at:edit_start])
        parts.extend(replacement)
        at = edit_end
    parts.extend(tokens[at:end])
    return "".join(parts)


def merge3(base: str, amendment: str, head: str) -> Merge3:
    """Three-way merge on word tokens: edits with an unchanged word between them combine;
    edits that overlap or touch conflict unless both sides made the same change."""
    tokens = tokenize(base)
    # words[i]: word tokens before i. Edits with no unchanged word between them touch: on
    # which side of an edit a diff puts a space or a comma is arbitrary.
    words = [0]
    for token in tokens:
        words.append(words[-1] + bool(_WORD.match(token)))
    tagged = sorted(
        [(s, e, _AMENDMENT, r) for s, e, r in _edits(base, amendment)]
        + [(s, e, _HEAD, r) for s, e, r in _edits(base, head)],
        key=lambda edit: (edit[0], edit[1], edit[2]),
    )
    hunks: list[Hunk] = []
    parts: list[str] = []
    at, index = 0, 0
    while index < len(tagged):
        start, end = tagged[index][0], tagged[index][1]
        group = [tagged[index]]
        index += 1
        while index < len(tagged) and (
            tagged[index][0] <= end or words[tagged[index][0]] == words[end]
        ):
            group.append(tagged[index])
            end = max(end, tagged[index][1])
            index += 1
        ours, theirs = (
            _replay(tokens, start, end, [(s, e, r) for s, e, side, r in group if side == wanted])
            for wanted in (_AMENDMENT, _HEAD)
        )
        changed_by = {side for _, _, side, _ in group}
        conflict = len(changed_by) == 2 and ours != theirs
        hunks.append(Hunk("".join(tokens[start:end]), ours, theirs, conflict))
        parts.extend(tokens[at:start])
        parts.append(theirs if changed_by == {_HEAD} else ours)
        at = end
    parts.extend(tokens[at:])
    clean = not any(hunk.conflict for hunk in hunks)
    return Merge3("".join(parts) if clean else None, tuple(hunks))


# --- rebasing operations -------------------------------------------------------------------


def _modified(section: Section, operation: Operation) -> Section:
    """The section with a modify operation's body and heading."""
    return replace(
        section,
        body=section.body if operation.text is None else operation.text,
        heading=section.heading if operation.heading is None else operation.heading,
    )


def _inserted(operation: Operation) -> Section:
    """The new section an insert operation makes."""
    level = DEFAULT_LEVEL if operation.level is None else operation.level
    return Section(operation.key, operation.heading or "", level, operation.text or "")


def _outcome(
    operation: Operation,
    status: str,
    reason: str = "",
    rebased: Operation | None = None,
    merge: Merge3 | None = None,
) -> Outcome:
    return Outcome(operation, status, reason, rebased, merge)


def _rebase_modify(op: Operation, base: Section | None, head: Section | None) -> Outcome:
    """Outcome of a modify operation: a word merge of the body, a check of the heading."""
    if base is None:
        return _outcome(op, "conflict", NOT_IN_BASE)
    if head is None:
        return _outcome(op, "conflict", DELETED)

    heading: str | None = None  # the heading still to set on the head
    heading_conflict = False
    renames = op.heading is not None and op.heading != base.heading
    if renames:
        if head.heading == base.heading:
            heading = op.heading
        elif head.heading != op.heading:
            heading_conflict = True

    text, merge, body_pending = op.text, None, False
    if op.text is not None:
        if head.body == base.body:
            body_pending = op.text != head.body
        elif op.text == head.body:
            text = head.body
        else:
            merge = merge3(base.body, op.text, head.body)
            if merge.text is None:
                return _outcome(op, "conflict", WORDS_CHANGED, merge=merge)
            text, body_pending = merge.text, merge.text != head.body
    if heading_conflict:
        return _outcome(op, "conflict", HEADING_CHANGED, merge=merge)

    changes = renames or (op.text is not None and op.text != base.body)
    if changes and not body_pending and heading is None:
        return _outcome(op, "already_applied", merge=merge)
    return _outcome(op, "clean", rebased=Operation("modify", op.key, text, heading), merge=merge)


def _rebase_insert(op: Operation, base: dict[str, Section], head: dict[str, Section]) -> Outcome:
    """Outcome of an insert operation: its key must be free and its predecessor present."""
    present = head.get(op.key)
    if present is not None:
        new = _inserted(op)
        if op.key not in base and (present.heading, present.body) == (new.heading, new.body):
            return _outcome(op, "already_applied")
        return _outcome(op, "conflict", KEY_EXISTS if op.key in base else KEY_ADDED)
    if op.after == op.key:
        return _outcome(op, "conflict", FOLLOWS_ITSELF)
    if op.after is not None and op.after not in head:
        return _outcome(op, "conflict", AFTER_DELETED if op.after in base else NOT_IN_BASE)
    return _outcome(op, "clean", rebased=op)


def _rebase_delete(op: Operation, base: Section | None, head: Section | None) -> Outcome:
    """Outcome of a delete operation: only an untouched section is deleted."""
    if head is None:
        return _outcome(op, "already_applied")
    if base is None:
        return _outcome(op, "conflict", NOT_IN_BASE)
    if head.body != base.body:
        return _outcome(op, "conflict", DELETE_CHANGED)
    return _outcome(op, "clean", rebased=op)


def _rebase_move(op: Operation, base: dict[str, Section], head: dict[str, Section]) -> Outcome:
    """Outcome of a move operation: the section and its new predecessor must be present."""
    if op.key not in head:
        return _outcome(op, "conflict", DELETED if op.key in base else NOT_IN_BASE)
    if op.after == op.key:
        return _outcome(op, "conflict", FOLLOWS_ITSELF)
    if op.after is not None and op.after not in head:
        return _outcome(op, "conflict", AFTER_DELETED if op.after in base else NOT_IN_BASE)
    return _outcome(op, "clean", rebased=op)


def rebase(
    base: Sequence[Section], head: Sequence[Section], operations: Sequence[Operation]
) -> list[Outcome]:
    """Each operation of an amendment made on base, restated against head; sections are
    matched by key, and only sections the amendment modifies are merged word by word."""
    unchanged = tuple(base) == tuple(head)
    # Both sides as they stand after the operations so far, so an amendment may work on a
    # section it inserted itself, or modify one section twice.
    base_state = {section.key: section for section in base}
    head_state = {section.key: section for section in head}
    outcomes: list[Outcome] = []
    for op in operations:
        key = op.key
        if op.kind == "modify":
            outcome = _rebase_modify(op, base_state.get(key), head_state.get(key))
            if key in base_state:
                base_state[key] = _modified(base_state[key], op)
            if outcome.rebased is not None:
                head_state[key] = _modified(head_state[key], outcome.rebased)
        elif op.kind == "insert":
            outcome = _rebase_insert(op, base_state, head_state)
            if key not in base_state:
                base_state[key] = _inserted(op)
            if outcome.rebased is not None:
                head_state[key] = _inserted(op)
        elif op.kind == "delete":
            outcome = _rebase_delete(op, base_state.get(key), head_state.get(key))
            base_state.pop(key, None)
            if outcome.rebased is not None:
                del head_state[key]
        else:
            outcome = _rebase_move(op, base_state, head_state)
        if unchanged and outcome.status == "clean":
            outcome = replace(outcome, status="unchanged_base")
        outcomes.append(outcome)
    return outcomes


# --- applying operations -------------------------------------------------------------------


def _index(sections: list[Section], key: str, action: str) -> int:
    """Position of the section with key; OperationError naming the action if missing."""
    for position, section in enumerate(sections):
        if section.key == key:
            return position
    raise OperationError(f"Cannot {action} section {key!r}: there is no such section.")


def _after(sections: list[Section], after: str | None, action: str) -> int:
    """Position where a section following after goes; OperationError if after is missing."""
    if after is None:
        return 0
    for position, section in enumerate(sections):
        if section.key == after:
            return position + 1
    raise OperationError(f"Cannot {action} after section {after!r}: there is no such section.")


def apply(sections: Sequence[Section], operations: Sequence[Operation]) -> list[Section]:
    """The sections with the operations applied in order."""
    result = list(sections)
    for op in operations:
        if op.kind == "modify":
            position = _index(result, op.key, "modify")
            result[position] = _modified(result[position], op)
        elif op.kind == "insert":
            if any(section.key == op.key for section in result):
                raise OperationError(
                    f"Cannot insert section {op.key!r}: a section with this key exists."
                )
            result.insert(_after(result, op.after, f"insert {op.key!r}"), _inserted(op))
        elif op.kind == "delete":
            del result[_index(result, op.key, "delete")]
        else:
            if op.after == op.key:
                raise OperationError(f"Cannot move section {op.key!r} after itself.")
            section = result.pop(_index(result, op.key, "move"))
            result.insert(_after(result, op.after, f"move {op.key!r}"), section)
    return result
