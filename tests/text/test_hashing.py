"""The tamper-evident hash chain of versions."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from charter.text.hashing import VersionRecord, text_hash, verify_chain, version_hash


def test_text_hash_is_sha256_of_utf8() -> None:
    assert text_hash("Égalité") == hashlib.sha256("Égalité".encode()).hexdigest()
    assert text_hash("a") != text_hash("a ")


def test_version_hash_is_sha256_of_canonical_json() -> None:
    sections = [("preamble", 0, "", text_hash("We, the cities…"))]
    meta = {"number": 1, "note": "Première version", "stage": None}
    expected = json.dumps(
        {"parent": None, "sections": [list(sections[0])], "meta": meta},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    assert version_hash(None, sections, meta) == hashlib.sha256(expected.encode()).hexdigest()


def test_version_hash_depends_on_parent_order_and_meta() -> None:
    a = ("a", 2, "A", text_hash("x"))
    b = ("b", 2, "B", text_hash("y"))
    base = version_hash("p", [a, b], {"n": 1})
    assert version_hash("q", [a, b], {"n": 1}) != base
    assert version_hash("p", [b, a], {"n": 1}) != base
    assert version_hash("p", [a, b], {"n": 2}) != base
    assert version_hash("p", [a, b], {"n": 1}) == base
    assert version_hash("p", (a, b), {"n": 1}) == base  # tuples or lists alike


def _record(
    number: int,
    parent: VersionRecord | None,
    texts: dict[str, str],
    meta: dict[str, str | int | None],
) -> VersionRecord:
    """A correctly hashed version with one section per (key -> text)."""
    sections = tuple((key, 2, key.upper(), text_hash(text)) for key, text in texts.items())
    parent_hash = parent.digest if parent else None
    return VersionRecord(
        number=number,
        parent_number=parent.number if parent else None,
        parent_hash=parent_hash,
        digest=version_hash(parent_hash, sections, meta),
        sections=sections,
        texts={text_hash(text): text for text in texts.values()},
        meta=meta,
    )


def _chain(contents: list[dict[str, str]]) -> list[VersionRecord]:
    records: list[VersionRecord] = []
    for number, texts in enumerate(contents, start=1):
        meta: dict[str, str | int | None] = {
            "author": f"user{number}",
            "stage": number % 3 or None,
            "note": "…",
        }
        records.append(_record(number, records[-1] if records else None, texts, meta))
    return records


def test_verify_chain_accepts_a_good_chain() -> None:
    records = _chain([{"a": "one"}, {"a": "one", "b": "two"}, {"b": "two, edited"}])
    assert verify_chain(records) == []
    assert verify_chain(list(reversed(records))) == []
    assert verify_chain([]) == []


def test_verify_chain_reports_a_tampered_text() -> None:
    records = _chain([{"a": "one"}, {"a": "one", "b": "two"}])
    bad = dataclasses.replace(records[1], texts={k: v + "!" for k, v in records[1].texts.items()})
    problems = verify_chain([records[0], bad])
    assert any("does not match its hash" in problem for problem in problems)


def test_verify_chain_reports_a_missing_text() -> None:
    records = _chain([{"a": "one"}])
    problems = verify_chain([dataclasses.replace(records[0], texts={})])
    assert problems == ["version 1: the text of section 'a' is missing"]


def test_verify_chain_reports_gap_duplicate_and_bad_parents() -> None:
    one, two, three = _chain([{"a": "1"}, {"a": "2"}, {"a": "3"}])
    assert "missing versions: 2" in verify_chain([one, three])
    assert "version 2 appears more than once" in verify_chain([one, two, two, three])
    orphan = dataclasses.replace(one, number=1, parent_number=None, parent_hash="x" * 64)
    assert "version 1: has a parent hash but no parent" in verify_chain([orphan])
    first_with_parent = dataclasses.replace(two, number=1)
    assert "version 1: the first version cannot have a parent" in verify_chain([first_with_parent])
    parentless = dataclasses.replace(two, parent_number=None, parent_hash=None)
    assert "version 2: has no parent" in verify_chain([one, parentless])
    relinked = dataclasses.replace(three, parent_number=1)
    assert "version 3: parent hash does not match version 1" in verify_chain([one, two, relinked])
    future = dataclasses.replace(two, parent_number=3)
    assert "version 2: its parent 3 is not older" in verify_chain([one, future, three])


contents = st.lists(
    st.dictionaries(
        st.sampled_from(["preamble", "article-1", "article-2", "annex"]),
        st.text(min_size=1, max_size=30),
        min_size=1,
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=150, deadline=None)
@given(contents)
def test_verify_chain_random_chain_verifies(versions: list[dict[str, str]]) -> None:
    assert verify_chain(_chain(versions)) == []


def _flip(text: str, index: int) -> str:
    """text with the character at index changed to another one."""
    index %= len(text)
    replacement = "x" if text[index] != "x" else "y"
    return text[:index] + replacement + text[index + 1 :]


def _tamper(record: VersionRecord, what: str, index: int) -> VersionRecord:
    """The record with one character of one stored field changed."""
    if what == "text":
        hashes = sorted(record.texts)
        key = hashes[index % len(hashes)]
        return dataclasses.replace(
            record, texts={**record.texts, key: _flip(record.texts[key], index)}
        )
    if what in ("key", "heading"):
        position = index % len(record.sections)
        key, level, heading, hashed = record.sections[position]
        changed = (_flip(key, index), level, heading, hashed)
        if what == "heading":
            changed = (key, level, _flip(heading, index), hashed)
        sections = list(record.sections)
        sections[position] = changed
        return dataclasses.replace(record, sections=tuple(sections))
    if what == "meta":
        names = sorted(record.meta)
        name = names[index % len(names)]
        value = record.meta[name]
        changed_value = (
            _flip(value, index) if isinstance(value, str) else 7 if value is None else value + 1
        )
        return dataclasses.replace(record, meta={**record.meta, name: changed_value})
    if what == "digest":
        return dataclasses.replace(record, digest=_flip(record.digest, index))
    assert what == "parent_hash"
    if record.parent_hash is None:
        return dataclasses.replace(record, parent_hash=_flip("0" * 64, index))
    return dataclasses.replace(record, parent_hash=_flip(record.parent_hash, index))


@settings(max_examples=200, deadline=None)
@given(
    versions=contents,
    which=st.integers(min_value=0),
    what=st.sampled_from(["text", "key", "heading", "meta", "digest", "parent_hash"]),
    index=st.integers(min_value=0, max_value=10_000),
)
def test_verify_chain_detects_any_single_character_change(
    versions: list[dict[str, str]], which: int, what: str, index: int
) -> None:
    records = _chain(versions)
    position = which % len(records)
    records[position] = _tamper(records[position], what, index)
    assert verify_chain(records) != []
