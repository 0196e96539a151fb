"""Annotation anchors: plain text of a section, exact anchoring, re-anchoring after edits."""

from __future__ import annotations

import random
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from charter.text import anchor
from charter.text.anchor import Anchor, context, find, locate, normalise, plain_text, similarity

VOCABULARY = [
    "cities", "shall", "guarantee", "decent", "housing", "for", "all", "residents", "and",
    "promote", "access", "to", "health", "care", "education", "work", "the", "network",
    "commits", "public", "services", "in", "every", "neighbourhood", "without",
    "discrimination", "of", "status", "local", "governments", "support", "newcomers", "with",
    "language", "courses", "mediation", "legal", "advice", "transport", "data", "budgets",
    "plans", "rights", "water", "energy", "culture", "climate", "councils", "regional",
    "dignity", "solidarity", "participation", "listening", "mayors", "citizens",
]  # fmt: skip

ARTICLE = (
    "Cities shall guarantee decent housing for all residents. "
    "The network commits to public services in every neighbourhood. "
    "Local governments support newcomers with language courses and legal advice."
)
QUOTE = "public services in every neighbourhood"


def charter_text(rng: random.Random, size: int) -> str:
    """Plain text of about size characters: sentences of charter words."""
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(VOCABULARY)
        if rng.random() < 0.08:
            word += rng.choice([".", ",", ";"])
        words.append(word)
        length += len(word) + 1
    return " ".join(words)


def anchored(text: str, quote: str) -> tuple[Anchor, str, str]:
    """The anchor of a new annotation on text, with its stored context."""
    found = find(text, quote)
    assert found is not None
    prefix, suffix = context(text, found.start, found.end)
    return found, prefix, suffix


# plain_text


@pytest.mark.parametrize(
    ("markdown", "text"),
    [
        ("**bold** words", "bold words"),
        ("*em* and _em_ and `code`", "em and em and code"),
        ("see [a link](http://x) here", "see a link here"),
        ("[ref link][r]\n\n[r]: https://example.org", "ref link"),
        ("- one\n- two\n- three", "one two three"),
        ("1. first\n2. second", "first second"),
        ("# Title\n\nBody text.", "Title Body text."),
        ("line one\nline two", "line one line two"),
        ("line one  \nline two", "line one line two"),
        ("> quoted\n\nafter", "quoted after"),
        ("Tom &amp; Jerry &lt;3 &copy;", "Tom & Jerry <3 ©"),
        ("a < b && c > d", "a < b && c > d"),
        ("<b>raw</b> stays text", "<b>raw</b> stays text"),
        ("```\nx = 1\n  y = 2\n```", "x = 1 y = 2"),
        ("| a | b |\n|---|--:|\n| 1 | 2 |", "a b 1 2"),
        ("see ![a map](/m.png) here", "see here"),
        ("[click](javascript:alert(1))", "[click](javascript:alert(1))"),
        ("~~old~~ new", "old new"),
        ("**Égalité** des chances 😀 城市", "Égalité des chances 😀 城市"),
        ("", ""),
        ("   \n\n  ", ""),
    ],
)
def test_plain_text_is_what_a_reader_sees(markdown: str, text: str) -> None:
    assert plain_text(markdown) == text


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="abcxyzé日😀 \n", max_size=60))
def test_plain_text_of_unmarked_text_is_the_text_collapsed(markdown: str) -> None:
    assert plain_text(markdown) == normalise(markdown)


def test_normalise_collapses_and_strips_whitespace() -> None:
    assert normalise("  decent\n housing\t\tfor  all \n") == "decent housing for all"
    assert normalise(" \n\t ") == ""


def test_context_is_up_to_size_characters_each_side() -> None:
    text = "abcdefghij"
    assert context(text, 4, 6, size=3) == ("bcd", "ghi")
    assert context(text, 1, 9, size=3) == ("a", "j")
    assert context(text, 0, 10) == ("", "")


# find


def test_find_exact_quote() -> None:
    found = find(ARTICLE, QUOTE)
    assert found == Anchor(ARTICLE.index(QUOTE), ARTICLE.index(QUOTE) + len(QUOTE), True)


def test_find_normalises_the_quote() -> None:
    found = find(ARTICLE, "  public services\n in   every neighbourhood ")
    assert found is not None
    assert ARTICLE[found.start : found.end] == QUOTE


def test_find_chooses_the_occurrence_nearest_the_position() -> None:
    text = "for all. " * 5
    starts = [0, 9, 18, 27, 36]
    assert find(text, "for all") == Anchor(0, 7, True)
    assert find(text, "for all", 20) == Anchor(18, 25, True)
    assert find(text, "for all", 25) == Anchor(27, 34, True)
    assert find(text, "for all", 1000) == Anchor(36, 43, True)
    # Equally near: the earlier one.
    assert find("ab xab", "ab", 2) == Anchor(0, 2, True)
    assert [find(text, "for all", start).start for start in starts] == starts


@pytest.mark.parametrize("quote", ["", "   ", "\n", "not in the text", ARTICLE + " and more"])
def test_find_nothing(quote: str) -> None:
    assert find(ARTICLE, quote) is None
    assert find(ARTICLE, quote, 10) is None


def test_find_in_empty_text() -> None:
    assert find("", "x") is None


# locate: exact


def test_locate_unchanged_text_is_exact() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    assert locate(ARTICLE, QUOTE, found.start, prefix, suffix) == found


def test_locate_text_inserted_before_shifts_the_anchor() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    inserted = "Preamble: the cities of the network agree on this charter. "
    relocated = locate(inserted + ARTICLE, QUOTE, found.start, prefix, suffix)
    assert relocated == Anchor(found.start + len(inserted), found.end + len(inserted), True)


def test_locate_several_occurrences_chooses_by_context() -> None:
    text = (
        "Housing: the city shall act for all. Health: the city shall act for all. "
        "Water: the city shall act for all."
    )
    quote = "the city shall act for all"
    second = text.index("Health: ") + len("Health: ")
    prefix, suffix = context(text, second, second + len(quote))
    # Text inserted before moves the old position next to the first occurrence; the
    # context still tells the second one.
    changed = "Transport: the city shall act for all. " + text
    relocated = locate(changed, quote, second, prefix, suffix)
    assert relocated is not None and relocated.exact
    assert relocated.start == second + len("Transport: the city shall act for all. ")


def test_locate_several_occurrences_with_the_same_context_chooses_the_nearest() -> None:
    text = "a b c. " * 6
    assert locate(text, "b c", 15, "a ", ".") == Anchor(16, 19, True)
    assert locate(text, "b c", 30, "a ", ".") == Anchor(30, 33, True)


# locate: fuzzy


def test_locate_word_changed_inside_the_quote_is_fuzzy() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    changed = ARTICLE.replace("every neighbourhood", "each neighbourhood")
    relocated = locate(changed, QUOTE, found.start, prefix, suffix)
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == "public services in each neighbourhood"


def test_locate_word_changed_and_text_inserted_before() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    changed = "A new first sentence. " + ARTICLE.replace("services", "utilities")
    relocated = locate(changed, QUOTE, found.start, prefix, suffix)
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == "public utilities in every neighbourhood"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("everyone", "everybody", "guarantee decent housing for everybody"),
        ("guarantee", "ensure", "ensure decent housing for everyone"),
        # A shorter word in place of the first one does not drag in the word before it.
        ("shall guarantee", "shall ensure", "ensure decent housing for everyone"),
        ("housing for", "housing, water and energy for", None),  # too much inserted
    ],
)
def test_locate_words_replaced_at_the_ends_of_the_quote(
    old: str, new: str, expected: str | None
) -> None:
    quote = "guarantee decent housing for everyone"
    text = "Cities shall guarantee decent housing for everyone. Cities are listening."
    found, prefix, suffix = anchored(text, quote)
    changed = text.replace(old, new)
    relocated = locate(changed, quote, found.start, prefix, suffix)
    if expected is None:
        assert relocated is None
        return
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == expected


def test_locate_quote_cut_inside_words() -> None:
    text = "Cities shall guarantee decent housing for all residents of the network."
    found, prefix, suffix = anchored(text, "ousing for all resid")
    changed = text.replace(" all ", " the ")
    relocated = locate(changed, "ousing for all resid", found.start, prefix, suffix)
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == "ousing for the resid"


def test_locate_typo_fixed_in_a_one_word_quote() -> None:
    text = "Cities shall guarantee decent housng for all."
    found, prefix, suffix = anchored(text, "housng")
    changed = text.replace("housng", "housing")
    relocated = locate(changed, "housng", found.start, prefix, suffix)
    assert relocated == Anchor(found.start, found.start + len("housing"), False)


def test_locate_small_edits_in_every_word() -> None:
    quote = "Teh citty shal provde hosing"
    text = f"First of all. {quote} for all residents."
    found, prefix, suffix = anchored(text, quote)
    changed = text.replace(quote, "The city shall provide housing")
    relocated = locate(changed, quote, found.start, prefix, suffix)
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == "The city shall provide housing"


def test_locate_falls_back_to_bitap_when_no_piece_is_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(anchor, "_seeds", lambda quote: [])
    quote = "guarantee decent housing"
    relocated = locate(ARTICLE.replace("decent", "decant"), quote, 13)
    assert relocated == Anchor(13, 13 + len(quote), False)


def test_locate_deleted_passage_is_none() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    changed = ARTICLE.replace("The network commits to public services in every neighbourhood. ", "")
    assert locate(changed, QUOTE, found.start, prefix, suffix) is None


def test_locate_rewritten_passage_is_none() -> None:
    found, prefix, suffix = anchored(ARTICLE, QUOTE)
    changed = ARTICLE.replace(QUOTE, "a fair share of the regional budget")
    assert locate(changed, QUOTE, found.start, prefix, suffix) is None


def test_locate_deleted_word_does_not_anchor_inside_another_word() -> None:
    text = "The city and its cities."
    found, prefix, suffix = anchored(text, "city")
    changed = "The and its cities."
    assert locate(changed, "city", found.start, prefix, suffix) is None


def test_locate_unicode_offsets_are_characters() -> None:
    text = "Égalité 😀 pour tous les résidents 🏙️ des villes, sans discrimination."
    quote = "pour tous les résidents"
    found, prefix, suffix = anchored(text, quote)
    assert found.start == text.index(quote)
    changed = "🌍🌍 " + text.replace("résidents", "habitants")
    relocated = locate(changed, quote, found.start, prefix, suffix)
    assert relocated is not None and not relocated.exact
    assert changed[relocated.start : relocated.end] == "pour tous les habitants"
    moved = "Préambule ✨. " + text
    assert locate(moved, quote, found.start, prefix, suffix) == Anchor(
        moved.index(quote), moved.index(quote) + len(quote), True
    )


@pytest.mark.parametrize("quote", ["", "  \n "])
def test_locate_empty_quote_is_none(quote: str) -> None:
    assert locate(ARTICLE, quote, 0) is None


def test_locate_in_empty_text_is_none() -> None:
    assert locate("", QUOTE, 0) is None


def test_locate_quote_longer_than_text() -> None:
    assert locate("public services", QUOTE, 0) is None
    shortened = "public services in every neighbourhoo"
    assert locate(shortened, QUOTE, 0) == Anchor(0, len(shortened), False)


def test_similarity() -> None:
    assert similarity("", "") == 1.0
    assert similarity("housing", "housing") == 1.0
    assert similarity("housing", "housng") == pytest.approx(6 / 7)
    assert similarity("decent housing", "") == 0.0
    assert similarity("every neighbourhood", "each neighbourhood") >= 0.75


# properties

ALPHABET = "abcé😀日 ,."
texts = st.text(alphabet=ALPHABET, min_size=1, max_size=80).map(normalise).filter(bool)


@st.composite
def text_and_span(draw: st.DrawFn) -> tuple[str, int, int]:
    text = draw(texts)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, len(text)))
    return text, start, end


@settings(max_examples=150, deadline=None)
@given(text_and_span())
def test_find_any_substring(case: tuple[str, int, int]) -> None:
    text, start, end = case
    quote = text[start:end]
    found = find(text, quote, start)
    if not quote.strip():
        assert found is None
        return
    assert found is not None and found.exact
    assert text[found.start : found.end] == normalise(quote)
    if quote == normalise(quote):
        assert found.start == start


@settings(max_examples=150, deadline=None)
@given(text_and_span(), st.text(alphabet=ALPHABET, max_size=20))
def test_locate_any_substring(case: tuple[str, int, int], inserted: str) -> None:
    text, start, end = case
    quote = text[start:end]
    prefix, suffix = context(text, start, end)
    found = locate(text, quote, start, prefix, suffix)
    if not quote.strip():
        assert found is None
        return
    assert found is not None and found.exact
    assert text[found.start : found.end] == normalise(quote)
    if quote == normalise(quote):
        assert found.start == start
    moved = locate(inserted + text, quote, start, prefix, suffix)
    assert moved is not None and moved.exact
    assert (inserted + text)[moved.start : moved.end] == normalise(quote)


@settings(max_examples=100, deadline=None)
@given(text_and_span(), st.text(alphabet=ALPHABET, max_size=30), st.data())
def test_locate_after_any_edit_is_none_or_a_span_of_the_text(
    case: tuple[str, int, int], replacement: str, data: st.DataObject
) -> None:
    text, start, end = case
    quote = text[start:end]
    prefix, suffix = context(text, start, end)
    edit_start = data.draw(st.integers(0, len(text)))
    edit_end = data.draw(st.integers(edit_start, len(text)))
    changed = normalise(text[:edit_start] + replacement + text[edit_end:])
    found = locate(changed, quote, start, prefix, suffix)
    if found is None:
        return
    assert 0 <= found.start < found.end <= len(changed)
    assert found.exact == (changed[found.start : found.end] == normalise(quote))
    if not found.exact:
        assert similarity(changed[found.start : found.end], normalise(quote)) >= 0.75


@st.composite
def charter_and_quote(draw: st.DrawFn) -> tuple[list[str], int, int]:
    """Distinct words of a text (so where the quote belongs is known) and a span of at least
    8 of them."""
    words = draw(st.lists(st.sampled_from(VOCABULARY), min_size=8, max_size=40, unique=True))
    start = draw(st.integers(0, len(words) - 8))
    end = draw(st.integers(start + 8, len(words)))
    return words, start, end


@settings(max_examples=100, deadline=None)
@given(charter_and_quote(), st.data(), st.text(alphabet="xyz ", max_size=40).map(normalise))
def test_locate_one_word_changed_inside_a_long_quote(
    case: tuple[list[str], int, int], data: st.DataObject, inserted: str
) -> None:
    words, start, end = case
    text = " ".join(words)
    quote = " ".join(words[start:end])
    position = len(" ".join(words[:start])) + (start > 0)
    prefix, suffix = context(text, position, position + len(quote))
    index = data.draw(st.integers(start + 1, end - 2))
    changed_words = [*words[:index], "CHANGED", *words[index + 1 :]]
    changed = normalise(inserted + " " + " ".join(changed_words))
    changed_quote = " ".join(changed_words[start:end])
    assume(similarity(changed_quote, quote) >= 0.75)  # else "passage changed" is right
    found = locate(changed, quote, position, prefix, suffix)
    assert found is not None and not found.exact
    assert changed[found.start : found.end] == changed_quote


# speed


def best_of(runs: int, work) -> float:
    """The shortest of a few timings of work(), in seconds (robust on a busy machine)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return min(timings)


def annotations(text: str, rng: random.Random, count: int) -> list[tuple[str, int, str, str]]:
    """count annotations on whole words of text: (quote, start, prefix, suffix)."""
    made = []
    for _ in range(count):
        start = text.index(" ", rng.randrange(0, len(text) - 300)) + 1
        end = text.index(" ", start + rng.randrange(15, 200))
        prefix, suffix = context(text, start, end)
        made.append((text[start:end], start, prefix, suffix))
    return made


def test_locate_100_annotations_on_unchanged_5kb_section_is_fast() -> None:
    rng = random.Random(5)
    text = charter_text(rng, 5000)
    made = annotations(text, rng, 100)

    def relocate_all() -> None:
        for quote, start, prefix, suffix in made:
            found = locate(text, quote, start, prefix, suffix)
            assert found is not None and found.exact and found.start == start

    assert best_of(3, relocate_all) < 0.020


def test_locate_fuzzy_on_5kb_section_is_fast() -> None:
    rng = random.Random(6)
    text = charter_text(rng, 5000)
    cases = []
    for quote, start, prefix, suffix in annotations(text, rng, 20):
        words = quote.split(" ")
        index = rng.randrange(1, len(words) - 1)
        words[index] = "CHANGED"
        changed = text[:start] + " ".join(words) + text[start + len(quote) :]
        cases.append((changed, quote, start, prefix, suffix))
    deleted = [
        (text[:start] + text[start + len(quote) :], quote, start, prefix, suffix)
        for _, quote, start, prefix, suffix in cases
    ]
    results: list[Anchor | None] = []

    def relocate_all() -> None:
        results.clear()
        results.extend(locate(*case) for case in cases + deleted)

    elapsed = best_of(3, relocate_all)
    assert elapsed / len(results) < 0.005
    changed_found = [found for found in results[: len(cases)] if found is not None]
    assert len(changed_found) >= 15  # the shortest quotes lose too much to one changed word
    assert all(not found.exact for found in changed_found)
    assert results[len(cases) :] == [None] * len(deleted)
