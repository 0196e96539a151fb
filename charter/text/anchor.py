"""Annotation anchors: a quoted passage of a section, found again in later versions.

An annotation stores the passage a reader selected as a quote, its start offset and a
little context around it, all in the coordinates of plain_text() of the section body.
find() anchors a new annotation; locate() re-anchors it on a later (maybe changed) body:
the quote as it is if it is there (the occurrence whose context agrees best, then the
nearest); else the passage it became, in three steps:

1. seeds: short pieces of the quote and of its context are searched as they are, each hit
   voting for where the quote would start (bitap near the old place when none hits); the
   regions with most votes, and the old place, are kept;
2. alignment: a word diff of a window around each region against the quote; the match runs
   from the first to the last words in common, widened over the words that took the place
   of the quote's unmatched ends;
3. similarity: 1 - edit distance / longer length (a word diff, then characters inside the
   differing words); the best match at SIMILARITY or above wins, else "passage changed".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from itertools import accumulate

from diff_match_patch import diff_match_patch

from charter.text.diff import tokenize
from charter.text.markdown import render

try:
    import fast_diff_match_patch
except ImportError:  # pragma: no cover - the pure-Python diff takes over
    fast_diff_match_patch = None

SIMILARITY = 0.75  # the least similarity of a changed passage to its quote
CONTEXT = 32  # characters of context stored on each side of a quote

# Tags after which a browser's selection puts a line break (collapsed to one space here).
_BLOCKS = frozenset({
    "p", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "br", "table", "thead", "tbody", "tr", "th", "td",
})  # fmt: skip
_SEED_MIN, _SEED_MAX, _SEEDS = 6, 32, 16
_MAX_HITS = 50  # a seed found more often than this says nothing about where the quote is
_CANDIDATES = 3  # regions of the text whose similarity to the quote is measured
_ENDS = 2  # runs in common tried as either end of a match
_LONG_RUN = 16  # characters of a run in common that no stray match could explain
_BY_CHAR = 64  # the longest quote matched character by character when no word is left
_FAST_OPS = {"=": 0, "-": -1, "+": 1}


@dataclass(frozen=True)
class Anchor:
    """Where a quote sits in a plain text; exact is False when found by fuzzy matching."""

    start: int
    end: int
    exact: bool


class _TextCollector(HTMLParser):
    """The text of an HTML fragment, with a space at every block boundary."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.pieces.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _BLOCKS:
            self.pieces.append(" ")

    def handle_data(self, data: str) -> None:
        self.pieces.append(data)


def normalise(quote: str) -> str:
    """The quote with runs of whitespace as single spaces, stripped."""
    return " ".join(quote.split())


@lru_cache(maxsize=256)
def plain_text(markdown: str) -> str:
    """The text a reader sees of a Markdown body, whitespace collapsed (anchor coordinates)."""
    collector = _TextCollector()
    collector.feed(render(markdown))
    collector.close()
    return normalise("".join(collector.pieces))


def context(text: str, start: int, end: int, size: int = CONTEXT) -> tuple[str, str]:
    """Up to size characters of text before and after the span start:end."""
    return text[max(0, start - size) : max(0, start)], text[end : end + size]


def find(text: str, quote: str, position: int | None = None) -> Anchor | None:
    """The exact occurrence of quote nearest position (the first without one), or None."""
    quote = normalise(quote)
    if not quote:
        return None
    start = text.find(quote)
    if start < 0 or position is None:
        return None if start < 0 else Anchor(start, start + len(quote), True)
    best = start
    while start >= 0:
        if abs(start - position) < abs(best - position):
            best = start
        elif start > position:
            break  # the following occurrences are farther still
        start = text.find(quote, start + 1)
    return Anchor(best, best + len(quote), True)


def locate(
    text: str, quote: str, position: int, prefix: str = "", suffix: str = ""
) -> Anchor | None:
    """Re-anchor a quote on a possibly changed text; None when the passage is gone."""
    quote = normalise(quote)
    if not quote or not text:
        return None
    position = min(max(position, 0), len(text))
    best: tuple[int, int] | None = None
    best_key: tuple[int, int] = (0, 0)
    start = text.find(quote)
    while start >= 0:
        end = start + len(quote)
        key = (-_agreement(text, start, end, prefix, suffix), abs(start - position))
        if best is None or key < best_key:
            best, best_key = (start, end), key
        start = text.find(quote, start + 1)
    if best is not None:
        return Anchor(best[0], best[1], True)
    return _fuzzy(text, quote, position, prefix, suffix)


def _common_prefix(a: str, b: str) -> int:
    """Length of the common prefix of a and b."""
    size = min(len(a), len(b))
    for index in range(size):
        if a[index] != b[index]:
            return index
    return size


def _agreement(text: str, start: int, end: int, prefix: str, suffix: str) -> int:
    """How many characters of the stored context still surround the span start:end."""
    before = text[max(0, start - len(prefix)) : start]
    after = text[end : end + len(suffix)]
    return _common_prefix(before[::-1], prefix[::-1]) + _common_prefix(after, suffix)


def _diff(old: str, new: str, semantic: bool) -> list[tuple[int, int]]:
    """(op, length) runs of a character diff: -1 only in old, 0 in both, 1 only in new."""
    if fast_diff_match_patch is not None:
        raw = fast_diff_match_patch.diff(
            old, new, timelimit=0, cleanup="Semantic" if semantic else "No", counts_only=True
        )
        return [(_FAST_OPS[op], length) for op, length in raw]
    engine = diff_match_patch()  # pragma: no cover - only without the C++ backend
    engine.Diff_Timeout = 0
    diffs = engine.diff_main(old, new, False)
    if semantic:
        engine.diff_cleanupSemantic(diffs)
    return [(op, len(part)) for op, part in diffs]


def _encode(tokens: list[str], table: dict[str, str]) -> str:
    """Tokens as one character each (shared table), so that a diff runs word by word."""
    for token in set(tokens).difference(table):
        code = 0x100 + len(table)
        table[token] = chr(code if code < 0xD800 else code + 0x800)
    return "".join(map(table.__getitem__, tokens))


def _char_distance(a: str, b: str) -> int:
    """Levenshtein-like distance of a and b: each differing run costs its longer side."""
    if not a or not b:
        return len(a) + len(b)
    distance = inserted = deleted = 0
    for op, length in _diff(a, b, semantic=False):
        if op == 0:
            distance += max(inserted, deleted)
            inserted = deleted = 0
        elif op < 0:
            deleted += length
        else:
            inserted += length
    return distance + max(inserted, deleted)


def _distance(a: str, b: str, budget: float) -> int:
    """Edit distance of a and b: a word diff, then characters inside the differing words.

    Stops counting as soon as the distance exceeds budget.
    """
    tokens_a, tokens_b = tokenize(a), tokenize(b)
    table: dict[str, str] = {}
    ops = _diff(_encode(tokens_a, table), _encode(tokens_b, table), semantic=False)
    distance = index_a = index_b = 0
    run_a, run_b = index_a, index_b  # where the current run of differing words began
    for op, count in [*ops, (0, 0)]:
        if op == 0:
            old = "".join(tokens_a[run_a:index_a])
            new = "".join(tokens_b[run_b:index_b])
            distance += abs(len(old) - len(new))  # a cheap lower bound first
            if distance > budget:
                return distance
            distance += _char_distance(old, new) - abs(len(old) - len(new))
            if distance > budget:
                return distance
            index_a, index_b = index_a + count, index_b + count
            run_a, run_b = index_a, index_b
        elif op < 0:
            index_a += count
        else:
            index_b += count
    return distance


def similarity(a: str, b: str) -> float:
    """1 minus the edit distance of a and b over the longer length (1.0: equal)."""
    longest = max(len(a), len(b))
    return 1.0 if longest == 0 else 1 - _distance(a, b, longest) / longest


def _seeds(quote: str) -> list[tuple[int, str]]:
    """Short pieces of the quote, spread over it, with their offsets in it."""
    size = min(_SEED_MAX, max(_SEED_MIN, len(quote) // 8))
    count = min(_SEEDS, len(quote) // size)
    if count < 2:
        return []  # the piece would be (nearly) the whole quote, which is not in the text
    step = (len(quote) - size) / (count - 1)
    offsets = sorted({round(index * step) for index in range(count)})
    return [(offset, quote[offset : offset + size]) for offset in offsets]


def _hits(text: str, piece: str) -> list[int]:
    """Where piece occurs in text; none when it occurs too often to tell anything."""
    found: list[int] = []
    start = text.find(piece)
    while start >= 0:
        if len(found) == _MAX_HITS:
            return []
        found.append(start)
        start = text.find(piece, start + 1)
    return found


def _estimates(
    text: str, quote: str, position: int, prefix: str, suffix: str
) -> list[tuple[int, int]]:
    """(estimated start of the quote, seed number) from pieces of the quote and its context."""
    estimates: list[tuple[int, int]] = []
    for number, (offset, piece) in enumerate(_seeds(quote)):
        estimates.extend((hit - offset, number) for hit in _hits(text, piece))
    before, after = prefix[-16:], suffix[:16]
    if len(before.strip()) >= 4:
        estimates.extend((hit + len(before), -1) for hit in _hits(text, before))
    if len(after.strip()) >= 4:
        estimates.extend((hit - len(quote), -2) for hit in _hits(text, after))
    if not estimates:
        # Every piece was edited: bitap (diff-match-patch's fuzzy matcher) near the old place.
        matcher = diff_match_patch()
        head, tail = quote[: matcher.Match_MaxBits], quote[-matcher.Match_MaxBits :]
        found = matcher.match_main(text, head, position)
        if found >= 0:
            estimates.append((found, -3))
        found = matcher.match_main(text, tail, position + len(quote) - len(tail))
        if found >= 0:
            estimates.append((found + len(tail) - len(quote), -4))
    return estimates


def _regions(estimates: list[tuple[int, int]], quote: str, position: int) -> list[tuple[int, int]]:
    """Likely (lowest, highest) estimated starts: most seeds agreeing, then nearest; and the
    old position itself, where an edit inside the quote leaves it."""
    # Words inserted into the quote push later seeds' estimates right; beyond a third of the
    # quote's length inserted, the passage could not be similar enough anyway.
    width = len(quote) // 3 + 8
    groups: list[tuple[int, int, set[int]]] = []
    for start, seed in sorted(estimates):
        if groups and start - groups[-1][0] <= width:
            groups[-1][2].add(seed)
            groups[-1] = (groups[-1][0], start, groups[-1][2])
        else:
            groups.append((start, start, {seed}))
    groups.sort(key=lambda group: (-len(group[2]), abs((group[0] + group[1]) // 2 - position)))
    regions = [(low, high) for low, high, _ in groups[:_CANDIDATES]]
    if not any(low - width <= position <= high + width for low, high in regions):
        regions.append((position, position))
    return regions


Run = tuple[int, int, int, int]  # window token start, end; quote token start, end


def _runs(tokens: list[str], quoted: list[str], semantic: bool) -> list[Run]:
    """The runs of tokens the window and the quote have in common, in order, leaving out
    runs of nothing but spaces and punctuation (they match anywhere)."""
    table: dict[str, str] = {}
    runs: list[Run] = []
    index = quote_index = 0
    for op, count in _diff(_encode(tokens, table), _encode(quoted, table), semantic):
        if op == 0:
            if any(char.isalnum() for token in tokens[index : index + count] for char in token):
                runs.append((index, index + count, quote_index, quote_index + count))
            index, quote_index = index + count, quote_index + count
        elif op < 0:
            index += count
        else:
            quote_index += count
    return runs


def _edge(
    tokens: list[str], offsets: list[int], edge: int, need: int, step: int, whole: bool
) -> int:
    """Where a match ends beyond the token boundary edge, going step (1: forwards, -1:
    backwards) over the tokens that took the place of the quote's need unmatched characters.

    As many whole tokens as come nearest to need characters (the fewer when as near), never
    past the end of a sentence; exactly need characters where the quote cut a word.
    """
    index = edge
    crossed = index if step > 0 else index - 1  # the token stepped over next
    while (
        0 <= crossed < len(tokens)
        and abs(offsets[index] - offsets[edge]) < need
        and tokens[crossed] not in ".!?"
    ):
        index, crossed = index + step, crossed + step
    if not whole:
        limit = offsets[edge] + step * need
        return min(offsets[index], limit) if step > 0 else max(offsets[index], limit)
    reached = abs(offsets[index] - offsets[edge])
    fewer = abs(offsets[index - step] - offsets[edge]) if index != edge else 0
    return offsets[index - step] if fewer > 0 and need - fewer <= reached - need else offsets[index]


def _spans(window: str, quote: str, whole: tuple[bool, bool]) -> set[tuple[int, int]]:
    """Spans of window the quote may line up with, word by word (character by character
    when no word is left as it was).

    A diff matches the quote's words to the window's, but a common word in the window's
    margin can draw an end of the match away; so the first and last few runs in common
    are each tried as the ends, up to the first long one. Only a short quote is matched
    character by character: a longer passage with no word left as it was was rewritten.
    """
    tokens, quoted = tokenize(window), tokenize(quote)
    runs = _runs(tokens, quoted, semantic=False)
    by_char = not runs and len(quote) <= _BY_CHAR
    if by_char:
        # Semantic clean-up drops the stray single letters a character diff matches.
        tokens, quoted = list(window), list(quote)
        runs = _runs(tokens, quoted, semantic=True)
    offsets = list(accumulate(map(len, tokens), initial=0))
    lengths = list(accumulate(map(len, quoted), initial=0))
    spans = set()
    for first in _ends(runs, offsets):
        start = _edge(tokens, offsets, first[0], lengths[first[2]], -1, whole[0])
        for last in _ends(runs[::-1], offsets):
            if first[0] < last[1]:
                need = lengths[-1] - lengths[last[3]]
                span = _trim(window, start, _edge(tokens, offsets, last[1], need, 1, whole[1]))
                if span:
                    spans.add(_words(window, *span, whole) if by_char else span)
    return spans


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span without spaces at its ends; None when nothing else is left."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _ends(runs: list[Run], offsets: list[int]) -> list[Run]:
    """The runs to try as one end of a match: the first few, up to the first long one."""
    ends: list[Run] = []
    for run in runs:
        ends.append(run)
        if offsets[run[1]] - offsets[run[0]] >= _LONG_RUN or len(ends) == _ENDS:
            break
    return ends


def _words(text: str, start: int, end: int, whole: tuple[bool, bool]) -> tuple[int, int]:
    """The span widened to whole words at the ends where the quote began or ended a word."""
    while (
        whole[0] and 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    ):
        start -= 1
    while whole[1] and 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
        end += 1
    return start, end


def _fuzzy(text: str, quote: str, position: int, prefix: str, suffix: str) -> Anchor | None:
    """The passage most similar to quote, if similar enough: seeds, alignment, similarity."""
    slack = len(quote) // 4 + 8
    # Whether the quote began and ended on word boundaries (no context: assume it did).
    whole = (
        not (prefix[-1:].isalnum() and quote[0].isalnum()),
        not (suffix[:1].isalnum() and quote[-1].isalnum()),
    )
    best: tuple[float, int, int] | None = None
    best_span = (0, 0)
    for low, high in _regions(_estimates(text, quote, position, prefix, suffix), quote, position):
        window_start = min(max(0, low - slack), len(text))
        window = text[window_start : high + len(quote) + slack]
        spans = _spans(window, quote, whole)
        for start, end in sorted(spans, key=lambda span: abs(span[1] - span[0] - len(quote))):
            start, end = window_start + start, window_start + end
            longest = max(end - start, len(quote))
            # Only as far from the quote as the best so far (ties go to context, nearness).
            least = SIMILARITY if best is None else max(SIMILARITY, best[0])
            budget = (1 - least) * longest + 1e-9
            if abs(end - start - len(quote)) > budget:
                continue
            distance = _distance(text[start:end], quote, budget)
            if distance > budget:
                continue
            agreement = _agreement(text, start, end, prefix, suffix)
            key = (1 - distance / longest, agreement, -abs(start - position))
            if best is None or key > best:
                best, best_span = key, (start, end)
    return None if best is None else Anchor(best_span[0], best_span[1], False)
