"""Provenance of a text through its history: which step brought each word."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from charter.text.diff import apply, counts, word_diff
from charter.text.provenance import attribute, changes, step, word_counts
from charter.text.sections import word_count

texts = st.lists(
    st.sampled_from(["a", "b", "cat", "dog", "the", " ", "  ", "\n", ",", ".", "é", "日本"]),
    max_size=30,
).map("".join)
chains = st.lists(texts, min_size=1, max_size=6).map(lambda items: list(enumerate(items)))


def _text(spans) -> str:
    return "".join(text for text, _ in spans)


def _labels_of_words(spans) -> list:
    """The label of each word of the spans, in order."""
    return [label for text, label in spans for _ in range(word_count(text))]


@given(chain=chains)
def test_spans_concatenate_to_the_last_text(chain) -> None:
    assert _text(attribute(chain)) == chain[-1][1]


@given(text=texts)
def test_one_text_is_all_first_label(text: str) -> None:
    spans = attribute([("v1", text)])
    assert all(label == "v1" for _, label in spans)
    assert _text(spans) == text


@given(text=texts, repeats=st.integers(min_value=1, max_value=200))
def test_text_unchanged_through_the_chain_keeps_its_first_label(text: str, repeats: int) -> None:
    spans = attribute([(n, text) for n in range(repeats)])
    assert all(label == 0 for _, label in spans)
    assert _text(spans) == text


@given(old=texts, new=texts)
def test_changes_is_a_word_diff_made_line_by_line(old: str, new: str) -> None:
    ops = changes(old, new)
    assert apply(old, ops) == new
    assert all(text for _, text in ops)
    assert all(a[0] != b[0] for a, b in zip(ops, ops[1:], strict=False))
    first_line, other_line = old.split("\n")[0], new.split("\n")[0]
    assert changes(first_line, other_line) == word_diff(first_line, other_line)


@given(old=texts, new=texts)
def test_only_inserted_words_get_the_new_label(old: str, new: str) -> None:
    spans = attribute([("old", old), ("new", new)])
    inserted, _ = counts(changes(old, new))
    assert word_counts(spans).get("new", 0) == inserted
    assert word_counts(spans).get("old", 0) == word_count(new) - inserted


@given(chain=chains)
def test_word_counts_sum_to_the_words_of_the_last_text(chain) -> None:
    assert sum(word_counts(attribute(chain)).values()) == word_count(chain[-1][1])


@given(chain=chains)
def test_adjacent_spans_have_different_labels(chain) -> None:
    spans = attribute(chain)
    assert all(text for text, _ in spans)
    assert all(a[1] != b[1] for a, b in zip(spans, spans[1:], strict=False))


@given(chain=chains)
def test_words_are_never_split_between_spans(chain) -> None:
    spans = attribute(chain)
    assert len(_labels_of_words(spans)) == word_count(chain[-1][1])


def test_inserted_words_are_credited_to_the_step_that_inserted_them() -> None:
    spans = attribute(
        [
            ("draft", "Every person is welcome in the city."),
            ("amendment 12", "Every person is welcome and safe in the city."),
            ("amendment 14", "Every person is welcome and safe in the city and its services."),
        ]
    )
    assert _text(spans) == "Every person is welcome and safe in the city and its services."
    assert [(text.strip(), label) for text, label in spans] == [
        ("Every person is welcome", "draft"),
        ("and safe", "amendment 12"),
        ("in the city", "draft"),
        ("and its services", "amendment 14"),
        (".", "draft"),
    ]


def test_deleted_words_vanish_and_replacements_take_the_new_label() -> None:
    spans = attribute(
        [("v1", "Public services are open to residents."), ("v2", "Services open to all.")]
    )
    assert _text(spans) == "Services open to all."
    assert word_counts(spans) == {"v2": 2, "v1": 2}
    assert _labels_of_words(spans) == ["v2", "v1", "v1", "v2"]


def test_a_word_put_back_is_credited_to_the_step_that_put_it_back() -> None:
    spans = attribute([("v1", "open to all"), ("v2", "open"), ("v3", "open to all")])
    assert _labels_of_words(spans) == ["v1", "v3", "v3"]


def test_an_emptied_text_has_no_spans_and_its_new_words_are_new() -> None:
    assert attribute([("v1", "gone words"), ("v2", "")]) == []
    assert attribute([("v1", "gone words"), ("v2", ""), ("v3", "new words")]) == [
        ("new words", "v3")
    ]


def test_step_keeps_spans_of_an_unchanged_text() -> None:
    spans = [("one ", "a"), ("two", "b")]
    assert step(spans, "one two", "c") == spans


def test_word_counts_leave_out_labels_without_words() -> None:
    assert word_counts([("one two", "a"), (" . ", "b"), ("three", "c")]) == {"a": 2, "c": 1}


def test_words_changed_on_several_lines_are_credited_one_by_one() -> None:
    old = "Cities welcome people.\nServices are open.\nEveryone takes part.\nThe end.\n"
    new = "Cities welcome all people.\nServices are open.\nEveryone always takes part.\nThe end.\n"
    spans = attribute([("v1", old), ("v2", new)])
    assert _text(spans) == new
    assert [text.strip() for text, label in spans if label == "v2"] == ["all", "always"]


def test_a_paragraph_moved_keeps_its_words() -> None:
    old = "First paragraph here.\n\nSecond paragraph here.\n\nThird paragraph here.\n"
    new = "Second paragraph here.\n\nThird paragraph here.\n\nFirst paragraph here.\n"
    spans = attribute([("v1", old), ("v2", new)])
    assert _text(spans) == new
    assert word_counts(spans).get("v1", 0) >= 6  # two paragraphs at least are matched as kept
