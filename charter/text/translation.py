"""Which translation of a section a reader sees, and whether it still says what the source says.

A translation records the source it was made from (heading and body, by hash) and the
version it was made for. For a section of version N it is:

- "current" when the section's heading and body are exactly the source it translated
  (whichever version it was made for: an unchanged section keeps its translation);
- "outdated" when the newest translation made for version N or earlier translated another
  source: the reader sees it marked, with the source's changes since then;
- "missing" when there is none: the reader sees the source text.

Translations made for later versions are never used for an earlier one unless they match
it exactly, so a draft's wording never reaches a published version through a translation.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from charter.text import diff
from charter.text.hashing import text_hash
from charter.text.sections import Section, heading_line

CURRENT = "current"
OUTDATED = "outdated"
MISSING = "missing"


@dataclass(frozen=True)
class Translation:
    """A section in another language, and the source it was made from."""

    key: str
    version_number: int  # the version it was made for
    source_heading: str
    source_hash: str  # text_hash of the source body
    heading: str
    body: str
    source_body: str  # the source body itself, for the changes since


@dataclass(frozen=True)
class Localized:
    """A section as a reader of one language sees it."""

    section: Section  # the translated heading and body, or the source when missing
    source: Section
    status: str  # CURRENT, OUTDATED or MISSING
    translation: Translation | None = None

    def source_changes(self) -> list[diff.Op]:
        """What changed in the source since the translated one (heading line included)."""
        if self.translation is None:
            return []
        before = Section(
            self.source.key,
            self.translation.source_heading,
            self.source.level,
            self.translation.source_body,
        )
        return diff.word_diff(_whole(before), _whole(self.source))


def _whole(section: Section) -> str:
    return (heading_line(section) + "\n" if section.heading else "") + section.body


def matches(translation: Translation, section: Section) -> bool:
    """Whether translation was made from exactly this section's heading and body."""
    return translation.source_heading == section.heading and translation.source_hash == text_hash(
        section.body
    )


def localize(
    sections: Sequence[Section], translations: Iterable[Translation], number: int
) -> list[Localized]:
    """Each section of version number with the translation a reader should see.

    translations: every translation of the charter into the language, oldest first (later
    ones replace earlier ones for the same key).
    """
    by_key: dict[str, list[Translation]] = {}
    for translation in translations:
        by_key.setdefault(translation.key, []).append(translation)
    localized = []
    for section in sections:
        candidates = by_key.get(section.key, [])
        exact = [t for t in candidates if matches(t, section)]
        if exact:
            chosen, status = exact[-1], CURRENT
        else:
            earlier = [t for t in candidates if t.version_number <= number]
            chosen, status = (earlier[-1], OUTDATED) if earlier else (None, MISSING)
        shown = (
            replace(section, heading=chosen.heading if section.heading else "", body=chosen.body)
            if chosen is not None
            else section
        )
        localized.append(Localized(shown, section, status, chosen))
    return localized


def counts(localized: Sequence[Localized]) -> dict[str, int]:
    """How many sections are current, outdated and missing."""
    result = {CURRENT: 0, OUTDATED: 0, MISSING: 0}
    for item in localized:
        result[item.status] += 1
    return result
