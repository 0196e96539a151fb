"""Combining several amendments on the head, one after the other."""

from hypothesis import given
from hypothesis import strategies as st

from charter.text import rebase
from charter.text.merge import Proposal, combine
from charter.text.sections import Section

BASE = (
    Section("preamble", "", 0, "\nThe cities adopt this charter.\n\n"),
    Section("dignity", "Dignity", 2, "\nEvery person is welcome in the city.\n\n"),
    Section("equity", "Equity", 2, "\nPublic services are open to all residents.\n"),
)


def modify(key: str, old: str, new: str, sections=BASE) -> rebase.Operation:
    body = next(s.body for s in sections if s.key == key)
    assert old in body
    return rebase.Operation("modify", key, text=body.replace(old, new))


def body(sections, key: str) -> str | None:
    return next((s.body for s in sections if s.key == key), None)


def test_proposals_on_different_sections_all_apply():
    result = combine(
        BASE,
        [
            Proposal(1, BASE, (modify("dignity", "welcome", "warmly welcome"),)),
            Proposal(2, BASE, (modify("equity", "all residents", "every resident"),)),
        ],
    )
    assert not result.conflicts
    assert "warmly welcome" in body(result.sections, "dignity")
    assert "every resident" in body(result.sections, "equity")
    assert [(step.proposal_id, step.key) for step in result.steps] == [
        (1, "dignity"),
        (2, "equity"),
    ]


def test_two_proposals_on_separate_words_of_one_section_combine():
    result = combine(
        BASE,
        [
            Proposal(1, BASE, (modify("dignity", "Every person", "Each person"),)),
            Proposal(2, BASE, (modify("dignity", "the city", "the city and the region"),)),
        ],
    )
    assert not result.conflicts
    assert (
        body(result.sections, "dignity")
        == "\nEach person is welcome in the city and the region.\n\n"
    )
    first, second = (step.body for step in result.steps)
    assert "Each person" in first and "region" not in first
    assert second == body(result.sections, "dignity")


def test_overlapping_proposals_conflict_until_a_text_is_written():
    proposals = [
        Proposal(1, BASE, (modify("dignity", "Every person", "Each person"),)),
        Proposal(2, BASE, (modify("dignity", "Every person", "Every human being"),)),
    ]
    result = combine(BASE, proposals)
    assert [(c.proposal_id, c.key, c.resolvable) for c in result.conflicts] == [
        (2, "dignity", True)
    ]
    assert result.unsettled
    assert result.conflicts[0].current.body.startswith("\nEach person")

    settled = combine(BASE, proposals, {(2, "dignity"): "\nEach human being is welcome.\n\n"})
    assert not settled.unsettled
    assert body(settled.sections, "dignity") == "\nEach human being is welcome.\n\n"
    assert [step.resolved for step in settled.steps] == [False, True]


def test_a_resolution_is_not_used_for_a_conflict_text_cannot_settle():
    proposals = [
        Proposal(1, BASE, (rebase.Operation("delete", "dignity"),)),
        Proposal(2, BASE, (modify("dignity", "Every person", "Each person"),)),
    ]
    result = combine(BASE, proposals, {(2, "dignity"): "\nBack again.\n"})
    assert [c.resolvable for c in result.conflicts] == [False]
    assert result.unsettled
    assert body(result.sections, "dignity") is None


def test_an_empty_resolution_of_a_deletion_deletes_the_section():
    proposals = [
        Proposal(1, BASE, (modify("equity", "all residents", "every resident"),)),
        Proposal(2, BASE, (rebase.Operation("delete", "equity"),)),
    ]
    kept = combine(BASE, proposals, {(2, "equity"): "\nKept, reworded.\n"})
    assert body(kept.sections, "equity") == "\nKept, reworded.\n"
    dropped = combine(BASE, proposals, {(2, "equity"): ""})
    assert not dropped.unsettled
    assert body(dropped.sections, "equity") is None
    assert dropped.steps[-1].body is None


def test_inserts_and_moves_keep_their_place():
    new = rebase.Operation(
        "insert",
        "solidarity",
        text="\nCities help each other.\n",
        heading="Solidarity",
        after="dignity",
    )
    result = combine(
        BASE,
        [
            Proposal(1, BASE, (new,)),
            Proposal(2, BASE, (rebase.Operation("move", "equity", after=None),)),
        ],
    )
    assert [s.key for s in result.sections] == ["equity", "preamble", "dignity", "solidarity"]
    # A move brings no words: only the insertion is a step.
    assert [(step.proposal_id, step.key) for step in result.steps] == [(1, "solidarity")]


WORDS = st.sampled_from(["city", "region", "welcome", "every", "person", "services", "open"])


@given(st.lists(st.tuples(st.sampled_from(["dignity", "equity"]), WORDS), max_size=6))
def test_the_steps_replay_to_the_result(edits):
    """Applying the steps' texts in order to the head gives the combined sections."""
    proposals = [
        Proposal(
            number,
            BASE,
            (rebase.Operation("modify", key, text=body(BASE, key).rstrip("\n") + f" {word}.\n"),),
        )
        for number, (key, word) in enumerate(edits, start=1)
    ]
    result = combine(BASE, proposals)
    replayed = {s.key: s.body for s in BASE}
    for step in result.steps:
        replayed[step.key] = step.body
    assert replayed == {s.key: s.body for s in result.sections}
    assert len(result.sections) == len(BASE)
