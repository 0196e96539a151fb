"""A charter document as an ordered list of sections with stable keys."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

from charter.text.markdown import parse, slugify

PREAMBLE = "preamble"
KEY_LENGTH = 60
SIMILARITY = 0.6

_WORD = re.compile(r"\w+")
_CLOSING_HASHES = re.compile(r"(^|[ \t])#+[ \t]*$")


@dataclass(frozen=True)
class Section:
    """One section of a charter: a heading and the Markdown body below it."""

    key: str  # stable key, e.g. "preamble", "article-3-equity"
    heading: str  # heading text ("" for the preamble)
    level: int  # 1-6, 0 for the preamble
    body: str  # Markdown body exactly as in the document, after the heading line


def normalize_newlines(text: str) -> str:
    """Text with \\r\\n and \\r line endings turned into \\n."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def word_count(text: str) -> int:
    """Number of words in text."""
    return len(_WORD.findall(text))


def make_key(heading: str, taken: set[str]) -> str:
    """A slug key for heading, at most ~60 characters, suffixed -2, -3… to avoid taken."""
    slug = slugify(heading)
    if len(slug) > KEY_LENGTH:
        cut = slug[:KEY_LENGTH]
        slug = cut.rsplit("-", 1)[0] if "-" in cut[KEY_LENGTH // 2 :] else cut
        slug = slug.strip("-") or "section"
    key, number = slug, 2
    while key in taken:
        key, number = f"{slug}-{number}", number + 1
    return key


def _headings(document: str) -> list[tuple[int, int, int, str]]:
    """(first line, end line, level, text) of every top-level heading of the document."""
    tokens = parse(document)
    found = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and token.level == 0 and token.map:
            start, end = token.map
            # A setext heading may span lines; a section heading is one line.
            text = " ".join(tokens[index + 1].content.split("\n")).strip()
            found.append((start, end, int(token.tag[1]), text))
    return found


def _split_level(levels: list[int]) -> int:
    """The smallest level used at least twice, else the smallest level present."""
    counts = Counter(levels)
    repeated = [level for level, count in counts.items() if count >= 2]
    return min(repeated) if repeated else min(levels)


def split(document: str) -> list[Section]:
    """Split a Markdown document into sections at its top-level headings."""
    document = normalize_newlines(document)
    lines = document.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)

    def text_between(first: int, end: int) -> str:
        return document[offsets[min(first, len(lines))] : offsets[min(end, len(lines))]]

    headings = _headings(document)
    if not headings:
        return [Section(PREAMBLE, "", 0, document)] if document.strip() else []
    level = _split_level([heading[2] for heading in headings])
    cuts = [heading for heading in headings if heading[2] == level]

    sections: list[Section] = []
    preamble = text_between(0, cuts[0][0])
    if preamble.strip():
        sections.append(Section(PREAMBLE, "", 0, preamble))
    taken = {PREAMBLE}
    for position, (_, end, heading_level, text) in enumerate(cuts):
        next_start = cuts[position + 1][0] if position + 1 < len(cuts) else len(lines)
        key = make_key(text, taken)
        taken.add(key)
        sections.append(Section(key, text, heading_level, text_between(end, next_start)))
    return sections


def heading_line(section: Section) -> str:
    """The canonical ATX heading line of a section (without the newline)."""
    text = section.heading
    if _CLOSING_HASHES.search(text):
        text += " #"  # an ATX closing sequence of its own, so the heading's '#'s survive
    return "#" * section.level + " " + text


def join(sections: Sequence[Section]) -> str:
    """The document made of sections: preamble body, then heading line and body of each."""
    parts = []
    for section in sections:
        if section.level == 0:
            parts.append(section.body)
        else:
            parts.append(heading_line(section) + "\n" + section.body)
    return "".join(parts)


def _words(section: Section) -> list[str]:
    return _WORD.findall(section.body)


def carry_keys(new: Sequence[Section], old: Sequence[Section]) -> list[Section]:
    """Sections of an edited document keyed as in the old version, across edits, moves and
    renames: same heading first, then most similar body, fresh keys for the rest."""
    keys: list[str | None] = [PREAMBLE if s.level == 0 else None for s in new]
    free_old = [s for s in old if s.level != 0]

    for index, section in enumerate(new):
        if keys[index] is not None:
            continue
        for candidate in free_old:
            if candidate.heading == section.heading:
                keys[index] = candidate.key
                free_old.remove(candidate)
                break

    pending = [index for index, key in enumerate(keys) if key is None]
    old_words = [(candidate, _words(candidate)) for candidate in free_old]
    pairs: list[tuple[float, int, int, str]] = []
    for index in pending:
        words = _words(new[index])
        if not words:
            continue
        for order, (candidate, candidate_words) in enumerate(old_words):
            if not candidate_words:
                continue
            matcher = SequenceMatcher(None, words, candidate_words, autojunk=False)
            if matcher.real_quick_ratio() < SIMILARITY or matcher.quick_ratio() < SIMILARITY:
                continue
            ratio = matcher.ratio()
            if ratio >= SIMILARITY:
                pairs.append((-ratio, index, order, candidate.key))
    used: set[str] = set()
    for _, index, _, key in sorted(pairs):
        if keys[index] is None and key not in used:
            keys[index] = key
            used.add(key)

    taken = {PREAMBLE} | {s.key for s in old} | {key for key in keys if key is not None}
    result = []
    for section, key in zip(new, keys, strict=True):
        if key is None:
            key = make_key(section.heading, taken)
            taken.add(key)
        result.append(replace(section, key=key))
    return result


def fit_body(text: str, like: str = "\n\n") -> str:
    """A body typed in a form, with the blank lines around it that `like` has.

    Text areas drop or add line breaks at the edges (and send \\r\\n): what a person typed
    is compared and stored the way the document holds its sections.
    """
    text = normalize_newlines(text).strip("\n")
    lead = like[: len(like) - len(like.lstrip("\n"))]
    trail = like[len(like.rstrip("\n")) :]
    return f"{lead}{text}{trail}" if text.strip() else ""
