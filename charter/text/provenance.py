"""Provenance of a text: which step of its history brought each of its words ("blame")."""

from __future__ import annotations

import bisect
import re
from collections.abc import Hashable, Iterable, Sequence
from difflib import SequenceMatcher
from typing import TypeVar

from charter.text.diff import EQUAL, INSERT, Op, word_diff

L = TypeVar("L", bound=Hashable)
Span = tuple[str, L]  # (text, label of the step that brought it)

_WORD = re.compile(r"\w+")


def _lines(text: str) -> list[str]:
    """The lines of text, each with its newline; they join back to text."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _few_lines_changed(old_lines: list[str], new_lines: list[str]) -> bool:
    """Whether the lines pair up one for one with few of them changed (not a move or an
    insertion, which shift every line after it: those need the lines matched)."""
    if len(old_lines) != len(new_lines):
        return False
    changed = sum(before != after for before, after in zip(old_lines, new_lines, strict=True))
    return changed <= max(2, len(old_lines) // 2)


def changes(old: str, new: str) -> list[Op]:
    """Word diff of old and new, made line by line: whole lines are matched first, then
    words are diffed within the changed lines only.

    A long history diffs hundreds of versions of a section whose edits are a few words
    apart: word-diffing only the lines that changed keeps that fast.
    """
    if old == new:
        return [(EQUAL, old)] if old else []
    old_lines, new_lines = _lines(old), _lines(new)
    # The unchanged lines at both ends need no matching.
    limit = min(len(old_lines), len(new_lines))
    start = 0
    while start < limit and old_lines[start] == new_lines[start]:
        start += 1
    end = 0
    while end < limit - start and old_lines[-1 - end] == new_lines[-1 - end]:
        end += 1
    ops: list[Op] = [(EQUAL, "".join(old_lines[:start]))]
    old_middle = old_lines[start : len(old_lines) - end]
    new_middle = new_lines[start : len(new_lines) - end]
    if len(old_middle) <= 1 or len(new_middle) <= 1:
        ops.extend(word_diff("".join(old_middle), "".join(new_middle)))  # nothing to match
    elif _few_lines_changed(old_middle, new_middle):
        # The usual edit changes words within lines: pair the lines up, diff the changed ones.
        for before, after in zip(old_middle, new_middle, strict=True):
            ops.extend([(EQUAL, before)] if before == after else word_diff(before, after))
    else:
        matcher = SequenceMatcher(None, old_middle, new_middle, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            before, after = "".join(old_middle[i1:i2]), "".join(new_middle[j1:j2])
            ops.extend([(EQUAL, before)] if tag == "equal" else word_diff(before, after))
    ops.append((EQUAL, "".join(old_lines[len(old_lines) - end :])))
    merged: list[Op] = []
    for op, text in ops:
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        elif text:
            merged.append((op, text))
    return merged


class _Marks:
    """Spans of a text as the offsets where each starts and their labels: a step shifts
    whole runs of offsets instead of cutting and gluing strings."""

    def __init__(self) -> None:
        self.starts: list[int] = []
        self.labels: list = []

    def add(self, start: int, label) -> None:
        if not self.labels or self.labels[-1] != label:
            self.starts.append(start)
            self.labels.append(label)

    def step(self, old: str, new: str, label) -> _Marks:
        """The marks of new: kept stretches keep theirs, inserted ones get label."""
        marks = _Marks()
        before = after = 0  # offsets in old and new
        for op, text in changes(old, new):
            size = len(text)
            if op == INSERT:
                marks.add(after, label)
                after += size
                continue
            if op == EQUAL:
                first = bisect.bisect_right(self.starts, before) - 1
                last = bisect.bisect_left(self.starts, before + size)
                marks.add(after, self.labels[first])
                shift = after - before
                marks.starts.extend(map(shift.__add__, self.starts[first + 1 : last]))
                marks.labels.extend(self.labels[first + 1 : last])
                after += size
            before += size
        return marks

    def spans(self, text: str) -> list[tuple[str, L]]:
        ends = [*self.starts[1:], len(text)] if self.starts else []
        return [
            (text[start:end], label)
            for start, end, label in zip(self.starts, ends, self.labels, strict=True)
        ]


def step(spans: Sequence[tuple[str, L]], new: str, label: L) -> list[tuple[str, L]]:
    """The spans of new: words kept from the spanned text keep their label, words
    inserted get label, deleted words vanish."""
    marks, offset = _Marks(), 0
    for text, span_label in spans:
        if text:
            marks.add(offset, span_label)
            offset += len(text)
    return marks.step("".join(text for text, _ in spans), new, label).spans(new)


def attribute(chain: Iterable[tuple[L, str]]) -> list[tuple[str, L]]:
    """The spans of the last text of an ordered chain of (label, text), each word labelled
    with the step that inserted it; concatenated, the spans give the last text."""
    marks = _Marks()
    previous = ""
    for label, text in chain:
        if text == previous:
            continue  # an untouched text changes nothing, however long the chain
        marks = marks.step(previous, text, label)
        previous = text
    return marks.spans(previous)


def word_counts(spans: Iterable[tuple[str, L]]) -> dict[L, int]:
    """Number of words each label holds in the spans (labels without words left out)."""
    counts: dict[L, int] = {}
    for text, label in spans:
        words = len(_WORD.findall(text))
        if words:
            counts[label] = counts.get(label, 0) + words
    return counts
