"""Word-level diffs of texts and section-level comparison of two versions."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass

from charter.text.sections import Section

try:
    import fast_diff_match_patch
except ImportError:  # pragma: no cover - the pure-Python backend takes over
    fast_diff_match_patch = None
try:
    import diff_match_patch
except ImportError:  # pragma: no cover - the C++ backend is enough
    diff_match_patch = None

Op = tuple[int, str]  # (-1 delete | 0 equal | 1 insert, text), diff-match-patch convention

DELETE, EQUAL, INSERT = -1, 0, 1
BACKENDS = ("fast", "python")
_backend = "fast" if fast_diff_match_patch is not None else "python"

_TOKEN = re.compile(r"\w+|\s+|[^\w\s]")
_WORD = re.compile(r"\w+")
_FAST_OPS = {"=": EQUAL, "-": DELETE, "+": INSERT}
# Each distinct token becomes one character from here on, skipping the surrogates.
_FIRST_CODE = 0x100
_SURROGATES = (0xD800, 0xE000)
_CAPACITY = 0x110000 - _FIRST_CODE - (_SURROGATES[1] - _SURROGATES[0])
SKIP = '<span class="diff-skip">…</span>'


def tokenize(text: str) -> list[str]:
    """Words, runs of whitespace and single other characters; they join back to text."""
    return _TOKEN.findall(text)


def _code(index: int) -> str:
    """The character standing for the index-th distinct token."""
    code = _FIRST_CODE + index
    if code >= _SURROGATES[0]:
        code += _SURROGATES[1] - _SURROGATES[0]
    return chr(code)


def _encode(tokens: list[str], table: dict[str, str], alphabet: list[str]) -> str:
    """Tokens as a string of one character each, extending the shared table."""
    chars = []
    for token in tokens:
        char = table.get(token)
        if char is None:
            if len(alphabet) >= _CAPACITY:
                raise ValueError("too many distinct words to diff")
            char = _code(len(alphabet))
            table[token] = char
            alphabet.append(token)
        chars.append(char)
    return "".join(chars)


def _diff_chars(old: str, new: str, backend: str) -> list[Op]:
    """Optimal (no time limit) character diff with semantic clean-up."""
    if backend == "fast":
        if fast_diff_match_patch is None:
            raise RuntimeError("fast_diff_match_patch is not installed")
        raw = fast_diff_match_patch.diff(
            old, new, timelimit=0, checklines=False, cleanup="Semantic", counts_only=False
        )
        return [(_FAST_OPS[op], text) for op, text in raw]
    if backend == "python":
        if diff_match_patch is None:
            raise RuntimeError("diff_match_patch is not installed")
        engine = diff_match_patch.diff_match_patch()
        engine.Diff_Timeout = 0
        diffs = engine.diff_main(old, new, False)
        engine.diff_cleanupSemantic(diffs)
        return [(op, text) for op, text in diffs]
    raise ValueError(f"unknown diff backend {backend!r}")


def _merge(ops: list[Op]) -> list[Op]:
    """Ops without empty texts, adjacent ops of the same kind merged."""
    merged: list[Op] = []
    for op, text in ops:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged


def _kind(char: str) -> int:
    """Token class of a character: 0 word, 1 whitespace, 2 other (a token on its own)."""
    if char.isspace():
        return 1
    return 0 if _WORD.match(char) else 2


def _boundary(text: str, position: int) -> bool:
    """Whether a token of text starts (or ends) at position."""
    if position <= 0 or position >= len(text):
        return True
    before = _kind(text[position - 1])
    return before == 2 or before != _kind(text[position])


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of a and b (binary search on C-level comparisons)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: str, b: str, limit: int) -> int:
    """Length of the common suffix of a and b, at most limit."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def word_diff(old: str, new: str, *, backend: str | None = None) -> list[Op]:
    """Word-level diff of old and new with semantic clean-up: whole words change, never
    letters."""
    if old == new:
        return [(EQUAL, old)] if old else []
    if not old or not new:
        return [(INSERT, new)] if new else [(DELETE, old)]
    # The unchanged start and end, cut where a token starts in both texts, need no diff.
    start = _common_prefix(old, new)
    while not (_boundary(old, start) and _boundary(new, start)):
        start -= 1
    limit = min(len(old), len(new)) - start
    end = _common_suffix(old, new, limit)
    while not (_boundary(old, len(old) - end) and _boundary(new, len(new) - end)):
        end -= 1
    table: dict[str, str] = {}
    alphabet: list[str] = []
    encoded_old = _encode(tokenize(old[start : len(old) - end]), table, alphabet)
    encoded_new = _encode(tokenize(new[start : len(new) - end]), table, alphabet)
    decode = {ord(char): token for token, char in table.items()}
    ops = _diff_chars(encoded_old, encoded_new, backend or _backend)
    return _merge(
        [(EQUAL, old[:start])]
        + [(op, text.translate(decode)) for op, text in ops]
        + [(EQUAL, old[len(old) - end :])]
    )


def old_text(ops: Sequence[Op]) -> str:
    """The old side of a diff."""
    return "".join(text for op, text in ops if op <= 0)


def new_text(ops: Sequence[Op]) -> str:
    """The new side of a diff."""
    return "".join(text for op, text in ops if op >= 0)


def apply(old: str, ops: Sequence[Op]) -> str:
    """The new text the ops make of old; ValueError if the ops were not made from old."""
    if old_text(ops) != old:
        raise ValueError("the diff does not apply to this text")
    return new_text(ops)


def invert(ops: Sequence[Op]) -> list[Op]:
    """The diff from the new side back to the old side."""
    return [(-op, text) for op, text in ops]


def counts(ops: Sequence[Op]) -> tuple[int, int]:
    """(words inserted, words deleted)."""
    inserted = sum(len(_WORD.findall(text)) for op, text in ops if op == INSERT)
    deleted = sum(len(_WORD.findall(text)) for op, text in ops if op == DELETE)
    return inserted, deleted


def _shorten(text: str, context: int, head: bool, tail: bool) -> str:
    """Escaped text of an unchanged stretch, its middle replaced by a skip marker."""
    tokens = tokenize(text)
    starts = [index for index, token in enumerate(tokens) if _WORD.fullmatch(token)]
    if len(starts) <= 3 * context:
        return html.escape(text)
    shown = []
    if head:
        end = starts[context - 1] + 1 if context else 0
        shown.append(html.escape("".join(tokens[:end])))
    shown.append(SKIP)
    if tail:
        begin = starts[-context] if context else len(tokens)
        shown.append(html.escape("".join(tokens[begin:])))
    return "".join(shown)


def inline_html(ops: Sequence[Op], context: int | None = None) -> str:
    """Escaped text with deletions in <del> and insertions in <ins>; with context, unchanged
    stretches longer than 3 x context words keep only context words on each side."""
    parts = []
    last = len(ops) - 1
    for position, (op, text) in enumerate(ops):
        if op == DELETE:
            parts.append(f"<del>{html.escape(text)}</del>")
        elif op == INSERT:
            parts.append(f"<ins>{html.escape(text)}</ins>")
        elif context is None:
            parts.append(html.escape(text))
        else:
            # The start of the text before the first change is noise; so is the end after
            # the last one. An unchanged text keeps its beginning.
            head = position > 0 or position == last
            tail = position < last
            parts.append(_shorten(text, context, head, tail))
    return "".join(parts)


def side_by_side_html(ops: Sequence[Op]) -> tuple[str, str]:
    """(old side with deletions in <del>, new side with insertions in <ins>), escaped."""
    old_parts, new_parts = [], []
    for op, text in ops:
        escaped = html.escape(text)
        if op == DELETE:
            old_parts.append(f"<del>{escaped}</del>")
        elif op == INSERT:
            new_parts.append(f"<ins>{escaped}</ins>")
        else:
            old_parts.append(escaped)
            new_parts.append(escaped)
    return "".join(old_parts), "".join(new_parts)


@dataclass(frozen=True)
class SectionChange:
    """What happened to one section between two versions."""

    key: str
    kind: str  # "unchanged" | "modified" | "added" | "deleted"
    old: Section | None
    new: Section | None
    moved: bool  # its position among the sections both versions share changed
    renamed: bool  # heading text (or level) changed
    ops: tuple[Op, ...]  # body diff

    @property
    def changed(self) -> bool:
        """Whether anything about the section changed."""
        return self.kind != "unchanged" or self.moved or self.renamed


def _moved(old_order: list[str], new_order: list[str], weight: dict[str, int]) -> set[str]:
    """Shared keys outside a longest common subsequence of the two orders.

    Among the longest ones, the one keeping the biggest sections wins, then a fixed rule
    on the keys, so swapping old and new marks the same sections.
    """
    if old_order == new_order:
        return set()
    rank = {key: index for index, key in enumerate(sorted(new_order))}
    position = {key: index for index, key in enumerate(old_order)}
    sequence = [position[key] for key in new_order]
    # best[i]: (length, words, key bits) of the best chain ending at new_order[i].
    best: list[tuple[int, int, int]] = []
    before: list[int] = []
    for i, key in enumerate(new_order):
        own = (1, weight[key], 1 << rank[key])
        choice, value = -1, own
        for j in range(i):
            if sequence[j] < sequence[i]:
                length, words, bits = best[j]
                candidate = (length + 1, words + own[1], bits | own[2])
                if candidate > value:
                    choice, value = j, candidate
        best.append(value)
        before.append(choice)
    kept: set[str] = set()
    index = max(range(len(best)), key=best.__getitem__)
    while index != -1:
        kept.add(new_order[index])
        index = before[index]
    return set(new_order) - kept


def compare(old: Sequence[Section], new: Sequence[Section]) -> list[SectionChange]:
    """Section-by-section changes from old to new, sections matched by key, in the new
    order with each deleted section right after its old predecessor."""
    old_by_key = {section.key: section for section in old}
    new_by_key = {section.key: section for section in new}
    shared_old = [section.key for section in old if section.key in new_by_key]
    shared_new = [section.key for section in new if section.key in old_by_key]
    weight = {key: len(old_by_key[key].body) + len(new_by_key[key].body) for key in shared_new}
    moved = _moved(shared_old, shared_new, weight)

    changes: dict[str, SectionChange] = {}
    for section in new:
        before = old_by_key.get(section.key)
        if before is None:
            ops: tuple[Op, ...] = ((INSERT, section.body),) if section.body else ()
            changes[section.key] = SectionChange(
                section.key, "added", None, section, False, False, ops
            )
            continue
        if before.body == section.body:
            kind, ops = "unchanged", ((EQUAL, section.body),) if section.body else ()
        else:
            kind, ops = "modified", tuple(word_diff(before.body, section.body))
        renamed = (before.heading, before.level) != (section.heading, section.level)
        changes[section.key] = SectionChange(
            section.key, kind, before, section, section.key in moved, renamed, ops
        )

    follower: dict[str | None, str] = {}
    previous: str | None = None
    for section in old:
        if section.key not in new_by_key:
            ops = ((DELETE, section.body),) if section.body else ()
            changes[section.key] = SectionChange(
                section.key, "deleted", section, None, False, False, ops
            )
            follower[previous] = section.key
        previous = section.key

    ordered: list[SectionChange] = []

    def emit(key: str | None) -> None:
        while key in follower:
            key = follower[key]
            ordered.append(changes[key])

    emit(None)
    for section in new:
        ordered.append(changes[section.key])
        emit(section.key)
    return ordered
