"""Sections: splitting a document at its headings, joining it back, stable keys."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from charter.text.sections import (
    Section,
    carry_keys,
    join,
    make_key,
    normalize_newlines,
    split,
    word_count,
)

WORD = re.compile(r"\w+")

CHARTER = """\
The cities of the network adopt this charter.

## Article 1 — Housing

Everyone has the right to adequate housing.

### Commentary

Deeper headings stay inside the article.

## Article 2 — Health

```
## not a heading: code
```

> ## not a heading either: a quotation

Health care is a right.
"""


def test_split_charter_into_preamble_and_articles() -> None:
    sections = split(CHARTER)
    assert [s.key for s in sections] == ["preamble", "article-1-housing", "article-2-health"]
    assert [s.level for s in sections] == [0, 2, 2]
    assert sections[0] == Section(
        "preamble", "", 0, "The cities of the network adopt this charter.\n\n"
    )
    assert sections[1].heading == "Article 1 — Housing"
    assert sections[1].body == (
        "\nEveryone has the right to adequate housing.\n\n### Commentary\n\n"
        "Deeper headings stay inside the article.\n\n"
    )
    assert "## not a heading: code" in sections[2].body
    assert "> ## not a heading either" in sections[2].body


def test_split_join_gives_the_document_back() -> None:
    assert join(split(CHARTER)) == CHARTER


def test_split_level_is_the_shallowest_repeated_level() -> None:
    doc = "# The Charter\n\nIntro.\n\n## One\n\na\n\n## Two\n\nb\n"
    sections = split(doc)
    assert [(s.key, s.level) for s in sections] == [("preamble", 0), ("one", 2), ("two", 2)]
    assert sections[0].body == "# The Charter\n\nIntro.\n\n"


def test_split_level_without_repeats_is_the_shallowest_present() -> None:
    sections = split("## Only\n\ntext\n\n### Sub\n\nmore\n")
    assert [(s.heading, s.level) for s in sections] == [("Only", 2)]
    assert sections[0].body == "\ntext\n\n### Sub\n\nmore\n"


def test_split_setext_headings() -> None:
    sections = split("First\n=====\none\n\nSecond\n======\ntwo\n")
    assert [(s.heading, s.level, s.body) for s in sections] == [
        ("First", 1, "one\n\n"),
        ("Second", 1, "two\n"),
    ]
    assert join(sections) == "# First\none\n\n# Second\ntwo\n"


def test_split_multiline_setext_heading_becomes_one_line() -> None:
    sections = split("A long\nheading\n---\nbody\n")
    assert sections[0].heading == "A long heading"
    assert split(join(sections)) == sections


def test_split_normalises_line_endings() -> None:
    sections = split("Intro\r\n# A\r\nx\r# B\ny\n")
    assert [s.body for s in sections] == ["Intro\n", "x\n", "y\n"]


def test_split_without_headings_is_one_preamble() -> None:
    assert split("Just text.\n") == [Section("preamble", "", 0, "Just text.\n")]


def test_split_empty_or_blank_document() -> None:
    assert split("") == []
    assert split(" \n\n") == []


def test_split_drops_blank_preamble() -> None:
    assert [s.key for s in split("\n\n# A\n\n# B\n")] == ["a", "b"]


def test_split_keys_are_unique() -> None:
    keys = [s.key for s in split("Intro\n# Preamble\n# Notes\n# Notes\n# notes!\n")]
    assert keys == ["preamble", "preamble-2", "notes", "notes-2", "notes-3"]


def test_join_keeps_trailing_hashes_of_a_heading() -> None:
    section = Section("k", "Rights #", 2, "text\n")
    assert split(join([section]))[0].heading == "Rights #"


def test_make_key_slugs_and_suffixes_without_mutating_taken() -> None:
    taken = {"equity", "equity-2"}
    assert make_key("Equity", taken) == "equity-3"
    assert taken == {"equity", "equity-2"}
    assert make_key("Article 3 — Équité", set()) == "article-3-equite"
    assert make_key("***", set()) == "section"


def test_make_key_is_short() -> None:
    key = make_key("The right of every inhabitant to the city " * 5, set())
    assert len(key) <= 60
    assert not key.endswith("-")
    assert key.startswith("the-right-of-every-inhabitant")


def test_word_count() -> None:
    assert word_count("The *right* to the city, for all — 2024.") == 8
    assert word_count("") == 0


# --- carry_keys ---------------------------------------------------------------------------

OLD = split(
    "Intro words here.\n\n"
    "## Housing\n\nEveryone has the right to adequate and affordable housing in the city.\n\n"
    "## Health\n\nHealth care services shall be available to all inhabitants equally.\n\n"
    "## Education\n\nPublic schools are free and open to every child of the city.\n"
)


def test_carry_keys_keeps_keys_through_body_edits_and_moves() -> None:
    new = split(
        "Intro words changed.\n\n"
        "## Education\n\nPublic schools are free and open to every child.\n\n"
        "## Housing\n\nEveryone has the right to housing.\n\n"
        "## Health\n\nSomething else entirely.\n"
    )
    keyed = carry_keys(new, OLD)
    assert [(s.heading, s.key) for s in keyed] == [
        ("", "preamble"),
        ("Education", "education"),
        ("Housing", "housing"),
        ("Health", "health"),
    ]


def test_carry_keys_follows_a_renamed_section_by_its_body() -> None:
    new = split(
        "## The right to housing\n\n"
        "Everyone has the right to adequate and affordable housing in this city.\n\n"
        "## Health\n\nHealth care services shall be available to all inhabitants equally.\n"
    )
    keyed = carry_keys(new, OLD)
    assert [s.key for s in keyed] == ["housing", "health"]
    assert keyed[0].heading == "The right to housing"


def test_carry_keys_gives_new_sections_fresh_keys_never_old_ones() -> None:
    # "Education!" slugs to "education", the key of a section that was deleted.
    new = split(
        "## Housing\n\nEveryone has the right to adequate and affordable housing in the city.\n\n"
        "## Education!\n\nA brand new text about culture and libraries.\n"
    )
    keyed = carry_keys(new, OLD)
    assert [s.key for s in keyed] == ["housing", "education-2"]


def test_carry_keys_similar_bodies_best_match_first() -> None:
    body_a = "alpha beta gamma delta epsilon zeta eta theta iota kappa\n"
    body_b = "one two three four five six seven eight nine ten\n"
    old = [Section("a", "A", 2, body_a), Section("b", "B", 2, body_b)]
    new = [
        Section("x", "Renamed B", 2, body_b.replace("ten", "eleven")),
        Section("y", "Renamed A", 2, body_a),
    ]
    assert [s.key for s in carry_keys(new, old)] == ["b", "a"]


def test_carry_keys_dissimilar_body_is_a_new_section() -> None:
    old = [Section("a", "A", 2, "one two three four five\n")]
    new = [Section("x", "Z", 2, "one two six seven eight nine ten\n")]
    assert [s.key for s in carry_keys(new, old)] == ["z"]


def test_carry_keys_preamble_stays_preamble() -> None:
    new = [Section("preamble", "", 0, "x\n"), Section("a", "A", 1, "y\n")]
    old = [Section("a", "A", 1, "y\n")]
    assert [s.key for s in carry_keys(new, old)] == ["preamble", "a"]


def test_carry_keys_keys_are_unique() -> None:
    old = [Section("a", "Same", 2, "x\n"), Section("b", "Same", 2, "y\n")]
    new = [
        Section("1", "Same", 2, "y\n"),
        Section("2", "Same", 2, "x\n"),
        Section("3", "Same", 2, ""),
    ]
    keys = [s.key for s in carry_keys(new, old)]
    assert keys[:2] == ["a", "b"]
    assert len(set(keys)) == 3
    assert keys[2] not in {"a", "b"}


# --- properties -----------------------------------------------------------------------------

words = st.lists(st.from_regex(r"[A-Za-zé0-9]{1,8}", fullmatch=True), min_size=1, max_size=6)
heading_text = words.map(" ".join)
plain_line = words.map(" ".join)
block = st.one_of(
    plain_line.map(lambda line: line + "\n"),
    st.just("\n"),
    plain_line.map(lambda line: "```\n# " + line + "\n```\n"),
    plain_line.map(lambda line: "> # " + line + "\n"),
    st.builds(lambda level, text: "#" * level + " " + text + "\n", st.integers(4, 6), heading_text),
)
body = st.lists(block, max_size=5).map("".join)


@st.composite
def canonical_documents(draw: st.DrawFn) -> str:
    """Documents whose section headings are in the canonical ATX form join() writes."""
    level = draw(st.integers(1, 3))
    preamble = draw(st.one_of(st.just(""), plain_line.map(lambda line: line + "\n") | body))
    if preamble.strip() == "":
        preamble = ""
    elif not preamble[0].isalnum():
        preamble = "Intro\n" + preamble
    count = draw(st.integers(0, 6))
    sections = ["#" * level + " " + draw(heading_text) + "\n" + draw(body) for _ in range(count)]
    return preamble + "".join(sections)


@settings(max_examples=150, deadline=None)
@given(canonical_documents())
def test_join_split_is_identity_on_canonical_documents(document: str) -> None:
    assert join(split(document)) == document


markdownish = st.lists(
    st.sampled_from([*"#  \n\n\r\t=-`>*_\\abcé1.[]()|~\x00", "``` ", "# ", "\n## ", "word"]),
    max_size=60,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(markdownish)
def test_join_split_is_a_fixed_point_and_keeps_words(text: str) -> None:
    once = join(split(text))
    assert join(split(once)) == once
    assert split(join(split(once))) == split(once)
    assert WORD.findall(once) == WORD.findall(normalize_newlines(text))


@settings(max_examples=100, deadline=None)
@given(canonical_documents())
def test_split_keys_are_unique_and_stable(document: str) -> None:
    sections = split(document)
    keys = [s.key for s in sections]
    assert len(set(keys)) == len(keys)
    assert [s.key for s in carry_keys(sections, sections)] == keys


def test_fit_body_keeps_the_blank_lines_of_the_section_it_replaces():
    from charter.text.sections import fit_body

    assert fit_body("New text\r\nsecond line", like="\nOld\n\n") == "\nNew text\nsecond line\n\n"
    assert fit_body("\n\nNew\n", like="Old") == "New"
    assert fit_body("  \r\n ", like="\nOld\n") == ""
