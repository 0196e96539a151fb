"""Rebase: an amendment made on an older version, brought onto the head by a word merge."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.text import diff
from charter.text.rebase import (
    Hunk,
    Merge3,
    Operation,
    OperationError,
    Outcome,
    apply,
    merge3,
    rebase,
)
from charter.text.sections import Section

# Base words are distinct and replacement words never occur in the base, so where an edit
# lands is known by construction.
STEMS = [
    "cities", "shall", "guarantee", "housing", "for", "all", "residents", "and", "promote",
    "access", "to", "health", "care", "education", "work", "the", "network", "commits",
    "public", "services", "in", "every", "neighbourhood", "without", "discrimination", "of",
    "status", "local", "governments", "support", "newcomers", "with", "language", "courses",
    "mediation", "legal", "advice", "transport", "data", "budgets", "plans", "rights",
]  # fmt: skip
NEW_STEMS = ["ALPHA", "BRAVO", "CHARLIE", "DELTA", "ECHO", "FOXTROT", "GOLF", "HOTEL"]
PUNCTUATION = ["", "", "", ",", ".", ";"]

base_words = st.lists(
    st.tuples(st.sampled_from(STEMS), st.sampled_from(PUNCTUATION)),
    min_size=3,
    max_size=30,
    unique_by=lambda word: word[0],
).map(lambda words: [stem + mark for stem, mark in words])
new_words = st.lists(
    st.builds(lambda s, p: s + p, st.sampled_from(NEW_STEMS), st.sampled_from(PUNCTUATION)),
    max_size=3,
)

Region = tuple[int, int, list[str]]  # (first word, end word, replacement words)


def text(words: list[str]) -> str:
    return " ".join(words)


def edited(words: list[str], regions: list[Region]) -> list[str]:
    """The words with regions (in order, not overlapping) replaced."""
    result, at = [], 0
    for start, end, replacement in regions:
        result += words[at:start] + replacement
        at = end
    return result + words[at:]


def touch(one: Region, other: Region) -> bool:
    """Whether no unchanged word lies between two word regions (or they overlap)."""
    (a, b, _), (c, d, _) = one, other
    return c <= b and a <= d


@contextmanager
def diff_backend(name: str) -> Iterator[None]:
    """Word diffs through the named backend for the duration."""
    saved = diff._backend
    diff._backend = name
    try:
        yield
    finally:
        diff._backend = saved


# --- merge3: properties ---------------------------------------------------------------------


@st.composite
def apart(draw: st.DrawFn) -> tuple[list[str], Region, Region]:
    """Base words and two edits with at least one unchanged word between them."""
    words = draw(base_words)
    n = len(words)
    j = draw(st.integers(0, n - 1))
    i = draw(st.integers(0, j))
    k = draw(st.integers(j + 1, n))
    m = draw(st.integers(k, n))
    return words, (i, j, draw(new_words)), (k, m, draw(new_words))


@settings(max_examples=200, deadline=None)
@given(case=apart(), head_first=st.booleans())
def test_merge3_edits_apart_combine_as_a_person_expects(
    case: tuple[list[str], Region, Region], head_first: bool
) -> None:
    words, first, second = case
    head_region, amendment_region = (first, second) if head_first else (second, first)
    merged = merge3(
        text(words), text(edited(words, [amendment_region])), text(edited(words, [head_region]))
    )
    assert merged.clean
    assert merged.text == text(edited(words, [first, second]))
    assert not merged.conflicts


def change(draw: st.DrawFn, start: int, end: int) -> Region:
    """An edit of words[start:end] that changes something."""
    return (start, end, draw(new_words if start < end else new_words.filter(bool)))


@st.composite
def touching(draw: st.DrawFn) -> tuple[list[str], Region, Region]:
    """Base words and two edits with no unchanged word between them: they share words, one
    inserts inside, before or after the other's words, or they are side by side."""
    words = draw(base_words)
    n = len(words)
    j = draw(st.integers(0, n))
    i = draw(st.integers(0, j))
    k = draw(st.integers(0, j))
    m = draw(st.integers(max(k, i), n))
    return words, change(draw, i, j), change(draw, k, m)


@settings(max_examples=200, deadline=None)
@given(case=touching(), head_first=st.booleans())
def test_merge3_overlapping_or_touching_edits_always_conflict(
    case: tuple[list[str], Region, Region], head_first: bool
) -> None:
    words, one, other = case
    head_region, amendment_region = (one, other) if head_first else (other, one)
    head = text(edited(words, [head_region]))
    amendment = text(edited(words, [amendment_region]))
    if head == amendment:
        return  # the same change on both sides: that merges, see below
    merged = merge3(text(words), amendment, head)
    assert merged.text is None
    assert not merged.clean
    assert merged.conflicts
    assert all(hunk.amendment != hunk.head for hunk in merged.conflicts)


@st.composite
def regions(draw: st.DrawFn, n: int) -> list[Region]:
    """One to three short edits of n words, in order, not overlapping."""
    starts = sorted(draw(st.lists(st.integers(0, n), min_size=1, max_size=3, unique=True)))
    found = []
    for index, start in enumerate(starts):
        limit = starts[index + 1] if index + 1 < len(starts) else n
        found.append(change(draw, start, draw(st.integers(start, min(start + 2, limit)))))
    return found


def coalesced(drawn: list) -> list:
    """Regions with adjacent ones joined: a deletion of [2, 3) then an insertion at 3 is one
    replacement of [2, 3), the same change as a side that wrote it so."""
    joined: list = []
    for start, end, words in sorted(drawn, key=lambda region: region[:2]):
        if joined and joined[-1][1] == start:
            first_start, _end, first_words = joined.pop()
            joined.append((first_start, end, [*first_words, *words]))
        else:
            joined.append((start, end, list(words)))
    return joined


@settings(max_examples=200, deadline=None)
@given(data=st.data(), words=base_words, backend=st.sampled_from(diff.BACKENDS))
def test_merge3_never_places_a_change_at_a_wrong_place(
    data: st.DataObject, words: list[str], backend: str
) -> None:
    head_regions = coalesced(data.draw(regions(len(words))))
    amendment_regions = coalesced(data.draw(regions(len(words))))
    head, amendment = edited(words, head_regions), edited(words, amendment_regions)
    with diff_backend(backend):
        merged = merge3(text(words), text(amendment), text(head))
    clash = any(touch(a, h) and a != h for a in amendment_regions for h in head_regions)
    if head == amendment:
        assert merged.text == text(head)
    elif clash:
        assert merged.text is None
    elif merged.clean:
        # Both sides' edits, a change made by both once.
        everything, unmatched = list(head_regions), list(head_regions)
        for region in amendment_regions:
            if region in unmatched:
                unmatched.remove(region)
            else:
                everything.append(region)
        everything.sort(key=lambda region: region[:2])
        assert merged.text == text(edited(words, everything))


@settings(max_examples=150, deadline=None)
@given(data=st.data(), words=base_words)
def test_merge3_identical_changes_merge_to_that_change(
    data: st.DataObject, words: list[str]
) -> None:
    changed = text(edited(words, data.draw(regions(len(words)))))
    merged = merge3(text(words), changed, changed)
    assert merged.text == changed
    assert not merged.conflicts


texts = st.lists(st.sampled_from(STEMS + NEW_STEMS + [" ", "\n\n", ",", "."]), max_size=40).map(
    "".join
)


@settings(max_examples=200, deadline=None)
@given(base=texts, one=texts, other=texts)
def test_merge3_one_side_unchanged_gives_the_other(base: str, one: str, other: str) -> None:
    assert merge3(base, base, other).text == other
    assert merge3(base, one, base).text == one
    assert merge3(base, one, one).text == one


# --- merge3: examples -----------------------------------------------------------------------

PARAGRAPHS = (
    "Cities shall guarantee housing for all residents.\n\n"
    "Cities shall promote access to health care. The network supports local services.\n\n"
    "This charter is reviewed every five years.\n"
)


def test_merge3_sentence_inserted_in_paragraph_two_lands_in_paragraph_two() -> None:
    amendment = PARAGRAPHS.replace(
        "health care. ", "health care. Interpreters are paid by the city. "
    )
    head = PARAGRAPHS.replace("guarantee housing", "guarantee adequate housing")
    merged = merge3(PARAGRAPHS, amendment, head)
    assert merged.text == (
        "Cities shall guarantee adequate housing for all residents.\n\n"
        "Cities shall promote access to health care. Interpreters are paid by the city. "
        "The network supports local services.\n\n"
        "This charter is reviewed every five years.\n"
    )
    assert [hunk.conflict for hunk in merged.hunks] == [False, False]
    assert merged.hunks[0] == Hunk("", "", "adequate ", False)


def test_merge3_same_word_changed_differently_is_one_conflicting_hunk() -> None:
    merged = merge3(
        "Cities shall fund housing.", "Cities must fund housing.", "Cities may fund housing."
    )
    assert merged == Merge3(None, (Hunk("shall", "must", "may", True),))
    assert merged.conflicts == merged.hunks


def test_merge3_identical_change_beside_another_change_applies_once() -> None:
    base = "Cities shall fund housing for all residents in every neighbourhood of the city."
    both = base.replace("fund", "finance")
    head = both.replace("neighbourhood", "district")
    merged = merge3(base, both, head)
    assert merged.text == (
        "Cities shall finance housing for all residents in every district of the city."
    )
    assert [(hunk.base, hunk.conflict) for hunk in merged.hunks] == [
        ("fund", False),
        ("neighbourhood", False),
    ]


def test_merge3_whitespace_change_next_to_a_word_change_conflicts() -> None:
    merged = merge3("one two three", "one TWO three", "one two\nthree")
    assert merged.text is None


def test_merge3_of_identical_texts_has_no_hunks() -> None:
    assert merge3("same text", "same text", "same text") == Merge3("same text", ())
    assert merge3("", "", "") == Merge3("", ())


# --- rebase ---------------------------------------------------------------------------------


def section(key: str, body: str, heading: str | None = None) -> Section:
    return Section(key, heading if heading is not None else key.title(), 2, body)


BASE = [
    Section("preamble", "", 0, "The cities of the network adopt this charter.\n\n"),
    section("housing", "Cities shall guarantee housing for all residents.\n\n"),
    section("health", "Cities shall promote access to health care.\n\n"),
    section("work", "Cities shall support decent work.\n"),
]


def edit(sections: list[Section], key: str, **changes: str) -> list[Section]:
    return [
        Section(s.key, changes.get("heading", s.heading), s.level, changes.get("body", s.body))
        if s.key == key
        else s
        for s in sections
    ]


def only(outcomes: list[Outcome]) -> Outcome:
    assert len(outcomes) == 1
    return outcomes[0]


def test_rebase_modify_of_untouched_section_is_clean_and_unchanged() -> None:
    head = edit(BASE, "work", body="Cities shall support decent work for all.\n")
    op = Operation("modify", "health", text="Cities shall guarantee health care.\n\n")
    outcome = only(rebase(BASE, head, [op]))
    assert (outcome.status, outcome.reason, outcome.rebased) == ("clean", "", op)


def test_rebase_against_the_base_itself_is_unchanged_base() -> None:
    op = Operation("modify", "health", text="Cities shall guarantee health care.\n\n")
    outcome = only(rebase(BASE, BASE, [op]))
    assert (outcome.status, outcome.rebased) == ("unchanged_base", op)


def test_rebase_modify_merges_words_the_head_changed_elsewhere() -> None:
    head = edit(BASE, "health", body="Cities shall promote free access to health care.\n\n")
    op = Operation("modify", "health", text="Cities must promote access to health care.\n\n")
    outcome = only(rebase(BASE, head, [op]))
    assert outcome.status == "clean"
    assert outcome.rebased == Operation(
        "modify", "health", text="Cities must promote free access to health care.\n\n"
    )
    assert outcome.merge is not None and outcome.merge.clean


def test_rebase_modify_of_same_words_conflicts_with_hunks_to_show() -> None:
    head = edit(BASE, "health", body="Cities shall promote access to care.\n\n")
    op = Operation(
        "modify", "health", text="Cities shall promote access to mental health care.\n\n"
    )
    outcome = only(rebase(BASE, head, [op]))
    assert (outcome.status, outcome.reason, outcome.rebased) == (
        "conflict",
        "The same words were changed since.",
        None,
    )
    assert outcome.merge is not None
    assert [hunk.base for hunk in outcome.merge.conflicts] == ["health "]


def test_rebase_modify_of_deleted_section_conflicts() -> None:
    head = [s for s in BASE if s.key != "health"]
    outcome = only(rebase(BASE, head, [Operation("modify", "health", text="New.\n")]))
    assert (outcome.status, outcome.reason) == ("conflict", "The section was deleted since.")
    assert outcome.rebased is None


def test_rebase_modify_of_moved_section_is_clean_and_stays_moved() -> None:
    head = [BASE[0], BASE[3], BASE[1], BASE[2]]  # work moved to the front
    op = Operation("modify", "work", text="Cities shall support decent and safe work.\n")
    outcome = only(rebase(BASE, head, [op]))
    assert outcome.status == "clean"
    result = apply(head, [outcome.rebased])
    assert [s.key for s in result] == ["preamble", "work", "housing", "health"]
    assert result[1].body == "Cities shall support decent and safe work.\n"


def test_rebase_modify_already_in_head_is_already_applied() -> None:
    body = "Cities shall guarantee health care.\n\n"
    head = edit(BASE, "health", body=body)
    outcome = only(rebase(BASE, head, [Operation("modify", "health", text=body)]))
    assert (outcome.status, outcome.rebased) == ("already_applied", None)


def test_rebase_modify_heading_renamed_differently_since_conflicts() -> None:
    head = edit(BASE, "health", heading="Health and care")
    op = Operation("modify", "health", text=BASE[2].body, heading="Health for all")
    outcome = only(rebase(BASE, head, [op]))
    assert (outcome.status, outcome.reason) == ("conflict", "The heading was changed since.")


def test_rebase_modify_heading_keeps_a_rename_the_amendment_did_not_ask_for() -> None:
    head = edit(BASE, "health", heading="Health and care")
    op = Operation("modify", "health", text="Cities shall guarantee health care.\n\n")
    outcome = only(rebase(BASE, head, [op]))
    assert outcome.status == "clean"
    assert apply(head, [outcome.rebased])[2].heading == "Health and care"


def test_rebase_modify_heading_on_untouched_heading_is_clean() -> None:
    op = Operation("modify", "health", text=BASE[2].body, heading="Health for all")
    head = edit(BASE, "work", body="Changed.\n")
    outcome = only(rebase(BASE, head, [op]))
    assert (outcome.status, outcome.rebased) == ("clean", op)


def test_rebase_insert_after_deleted_section_conflicts() -> None:
    head = [s for s in BASE if s.key != "health"]
    op = Operation("insert", "culture", text="Culture.\n", heading="Culture", after="health")
    outcome = only(rebase(BASE, head, [op]))
    assert (outcome.status, outcome.reason) == (
        "conflict",
        "The section it was to follow was deleted since.",
    )


def test_rebase_insert_after_moved_section_is_clean() -> None:
    head = [BASE[0], BASE[2], BASE[1], BASE[3]]
    op = Operation("insert", "culture", text="Culture.\n", heading="Culture", after="health")
    outcome = only(rebase(BASE, head, [op]))
    assert outcome.status == "clean"
    keys = [s.key for s in apply(head, [outcome.rebased])]
    assert keys == ["preamble", "health", "culture", "housing", "work"]


def test_rebase_insert_already_in_head_or_key_taken() -> None:
    op = Operation("insert", "culture", text="Culture.\n", heading="Culture", after="health")
    head = apply(BASE, [op])
    assert only(rebase(BASE, head, [op])).status == "already_applied"
    other = apply(BASE, [Operation("insert", "culture", text="Other.\n", heading="Culture")])
    outcome = only(rebase(BASE, other, [op]))
    assert (outcome.status, outcome.reason) == (
        "conflict",
        "A different section with this key was added since.",
    )


def test_rebase_delete_of_changed_section_conflicts() -> None:
    head = edit(BASE, "health", body="Cities shall promote free access to health care.\n\n")
    outcome = only(rebase(BASE, head, [Operation("delete", "health")]))
    assert (outcome.status, outcome.reason) == (
        "conflict",
        "The section changed since; deleting it would drop those changes.",
    )


def test_rebase_delete_of_untouched_or_deleted_section() -> None:
    head = [BASE[0], BASE[2], BASE[1], BASE[3]]
    op = Operation("delete", "health")
    assert only(rebase(BASE, head, [op])).status == "clean"
    gone = [s for s in BASE if s.key != "health"]
    assert only(rebase(BASE, gone, [op])).status == "already_applied"


def test_rebase_move_needs_both_sections() -> None:
    head = [s for s in BASE if s.key != "housing"]
    moved = rebase(
        BASE,
        head,
        [
            Operation("move", "housing", after="work"),
            Operation("move", "work", after="housing"),
            Operation("move", "work", after=None),
        ],
    )
    assert [(o.status, o.reason) for o in moved] == [
        ("conflict", "The section was deleted since."),
        ("conflict", "The section it was to follow was deleted since."),
        ("clean", ""),
    ]


def test_rebase_amendment_working_on_its_own_new_section() -> None:
    ops = [
        Operation("insert", "culture", text="Culture.\n", heading="Culture", after="work"),
        Operation("insert", "sport", text="Sport.\n", heading="Sport", after="culture"),
        Operation("modify", "culture", text="Culture for all.\n"),
        Operation("move", "sport", after="health"),
    ]
    head = edit(BASE, "work", body="Cities shall support decent work for all.\n")
    outcomes = rebase(BASE, head, ops)
    assert [o.status for o in outcomes] == ["clean"] * 4
    result = apply(head, [o.rebased for o in outcomes])
    assert [s.key for s in result] == ["preamble", "housing", "health", "sport", "work", "culture"]
    assert result[-1].body == "Culture for all.\n"


def test_rebase_two_modifies_of_one_section_chain() -> None:
    head = edit(BASE, "housing", body="Cities shall guarantee housing for all residents now.\n\n")
    ops = [
        Operation("modify", "housing", text="Cities must guarantee housing for all residents.\n\n"),
        Operation("modify", "housing", text="Cities must guarantee housing for everyone.\n\n"),
    ]
    outcomes = rebase(BASE, head, ops)
    assert [o.status for o in outcomes] == ["clean", "conflict"]  # "residents" vs "now"
    ops[1] = Operation(
        "modify", "housing", text="Cities must guarantee safe housing for all residents.\n\n"
    )
    outcomes = rebase(BASE, head, ops)
    assert [o.status for o in outcomes] == ["clean", "clean"]
    result = apply(head, [o.rebased for o in outcomes])
    assert result[1].body == "Cities must guarantee safe housing for all residents now.\n\n"


@st.composite
def documents(draw: st.DrawFn) -> list[Section]:
    """A few sections with bodies of words."""
    count = draw(st.integers(2, 8))
    bodies = draw(st.lists(base_words, min_size=count, max_size=count))
    return [
        Section(f"s{index}", f"Article {index}", 2, text(words) + "\n\n")
        for index, words in enumerate(bodies)
    ]


@settings(max_examples=150, deadline=None)
@given(base=documents(), data=st.data())
def test_rebase_edits_of_sections_the_head_did_not_touch_never_conflict(
    base: list[Section], data: st.DataObject
) -> None:
    keys = [s.key for s in base]
    touched = data.draw(st.sets(st.sampled_from(keys)))
    head = [
        Section(s.key, s.heading, s.level, text(data.draw(base_words)) + " " + s.body)
        if s.key in touched
        else s
        for s in base
    ]
    head = data.draw(st.permutations(head))  # the head may also reorder sections
    free = [key for key in keys if key not in touched]
    targets = data.draw(st.lists(st.sampled_from(free), unique=True) if free else st.just([]))
    ops = [Operation("modify", key, text=text(data.draw(base_words)) + "\n") for key in targets]
    outcomes = rebase(base, head, ops)
    assert all(o.status in ("clean", "unchanged_base") for o in outcomes)
    assert apply(head, [o.rebased for o in outcomes]) == apply(head, ops)


# --- apply ----------------------------------------------------------------------------------


def test_apply_each_kind() -> None:
    result = apply(
        BASE,
        [
            Operation("modify", "health", text="Health.\n", heading="Health care"),
            Operation("insert", "culture", text="Culture.\n", heading="Culture", after="housing"),
            Operation("insert", "intro", text="Intro.\n", heading="Intro", level=3),
            Operation("delete", "work"),
            Operation("move", "housing", after="health"),
        ],
    )
    assert result == [
        Section("intro", "Intro", 3, "Intro.\n"),
        BASE[0],
        Section("culture", "Culture", 2, "Culture.\n"),
        Section("health", "Health care", 2, "Health.\n"),
        BASE[1],
    ]
    assert apply(BASE, [Operation("modify", "work", text="Work.\n")])[3] == Section(
        "work", "Work", 2, "Work.\n"
    )


@pytest.mark.parametrize(
    ("operation", "message"),
    [
        (Operation("modify", "culture", text="x"), "Cannot modify section 'culture'"),
        (Operation("delete", "culture"), "Cannot delete section 'culture'"),
        (Operation("move", "culture", after="work"), "Cannot move section 'culture'"),
        (Operation("move", "work", after="culture"), "Cannot move 'work' after section"),
        (Operation("move", "work", after="work"), "after itself"),
        (Operation("insert", "work", text="x", heading="Work"), "a section with this key"),
        (Operation("insert", "culture", text="x", after="sport"), "after section 'sport'"),
    ],
)
def test_apply_refuses_operations_that_do_not_fit(operation: Operation, message: str) -> None:
    with pytest.raises(OperationError, match=message):
        apply(BASE, [operation])


def test_apply_leaves_its_input_alone_and_refuses_unknown_kinds() -> None:
    sections = list(BASE)
    apply(sections, [Operation("delete", "work")])
    assert sections == BASE
    with pytest.raises(OperationError, match="Unknown operation"):
        Operation("rename", "work")
