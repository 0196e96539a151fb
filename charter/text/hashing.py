"""Content hashes and the tamper-evident chain of versions (like git commits)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

SectionRef = tuple[str, int, str, str]  # (key, level, heading, text_hash)
Meta = Mapping[str, str | int | None]


def text_hash(text: str) -> str:
    """sha256 hex digest of the UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def version_hash(parent_hash: str | None, sections: Sequence[SectionRef], meta: Meta) -> str:
    """sha256 hex digest of the canonical JSON of a version: parent, sections, meta."""
    payload = {
        "parent": parent_hash,
        "sections": [list(section) for section in sections],
        "meta": dict(meta),
    }
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class VersionRecord:
    """One version as stored, with the texts it uses, for verification."""

    number: int
    parent_number: int | None
    parent_hash: str | None  # as stored on the child
    digest: str  # as stored
    sections: tuple[SectionRef, ...]  # (key, level, heading, text_hash)
    texts: Mapping[str, str]  # text_hash -> stored text, for the texts this version uses
    meta: Meta


def _problems_of(record: VersionRecord) -> list[str]:
    """Problems a version has on its own: texts that do not hash right, a wrong digest."""
    problems = []
    label = f"version {record.number}"
    for expected, text in record.texts.items():
        if text_hash(text) != expected:
            problems.append(f"{label}: stored text {expected[:12]} does not match its hash")
    for key, _, _, hashed in record.sections:
        if hashed not in record.texts:
            problems.append(f"{label}: the text of section {key!r} is missing")
    try:
        digest = version_hash(record.parent_hash, record.sections, record.meta)
    except (TypeError, ValueError) as error:
        problems.append(f"{label}: cannot be hashed ({error})")
    else:
        if digest != record.digest:
            problems.append(f"{label}: digest does not match its content")
    return problems


def verify_chain(records: Sequence[VersionRecord]) -> list[str]:
    """Human-readable problems of a version chain; an empty list means it verifies."""
    problems: list[str] = []
    by_number: dict[int, VersionRecord] = {}
    for record in records:
        if record.number in by_number:
            problems.append(f"version {record.number} appears more than once")
        by_number.setdefault(record.number, record)
    numbers = sorted(by_number)
    missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers)) if numbers else []
    if missing:
        problems.append("missing versions: " + ", ".join(map(str, missing)))

    for record in sorted(records, key=lambda r: r.number):
        label = f"version {record.number}"
        problems.extend(_problems_of(record))
        if record.parent_number is None:
            if record.parent_hash is not None:
                problems.append(f"{label}: has a parent hash but no parent")
            if record.number != 1:
                problems.append(f"{label}: has no parent")
            continue
        if record.number == 1:
            problems.append(f"{label}: the first version cannot have a parent")
        if record.parent_number >= record.number:
            problems.append(f"{label}: its parent {record.parent_number} is not older")
        parent = by_number.get(record.parent_number)
        if parent is None:
            problems.append(f"{label}: its parent {record.parent_number} is missing")
        elif record.parent_hash != parent.digest:
            problems.append(f"{label}: parent hash does not match version {parent.number}")
    return problems
