"""Word-level diffs and section-level comparison."""

from __future__ import annotations

import random
import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.text import diff
from charter.text.diff import (
    SectionChange,
    apply,
    compare,
    counts,
    inline_html,
    side_by_side_html,
    tokenize,
    word_diff,
)
from charter.text.sections import Section

WORD = re.compile(r"\w+")


@pytest.fixture(params=diff.BACKENDS)
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test once per diff backend, through the module-level switch."""
    monkeypatch.setattr(diff, "_backend", request.param)
    return request.param


def _old(ops: list[diff.Op]) -> str:
    return "".join(text for op, text in ops if op <= 0)


def _new(ops: list[diff.Op]) -> str:
    return "".join(text for op, text in ops if op >= 0)


def _splits_a_word(text: str, cuts: list[int]) -> bool:
    """Whether a cut position falls inside a word of text."""
    return any(
        0 < cut < len(text) and WORD.match(text[cut - 1]) and WORD.match(text[cut]) for cut in cuts
    )


def _cuts(ops: list[diff.Op], side: int) -> list[int]:
    """Positions in one side's text where an op starts."""
    positions, at = [], 0
    for op, text in ops:
        if op * side >= 0:
            positions.append(at)
            at += len(text)
    return positions


# --- tokenize -------------------------------------------------------------------------------


def test_tokenize_words_spaces_and_punctuation() -> None:
    assert tokenize("The city's  right,\n\n— all!") == [
        "The",
        " ",
        "city",
        "'",
        "s",
        "  ",
        "right",
        ",",
        "\n\n",
        "—",
        " ",
        "all",
        "!",
    ]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_tokenize_joins_back(text: str) -> None:
    assert "".join(tokenize(text)) == text


# --- word_diff ------------------------------------------------------------------------------


def test_word_diff_replaces_whole_words(backend: str) -> None:
    assert word_diff("the cat sat", "the dog sat") == [
        (0, "the "),
        (-1, "cat"),
        (1, "dog"),
        (0, " sat"),
    ]


def test_word_diff_changed_suffix_is_a_whole_word(backend: str) -> None:
    assert word_diff("the cities", "the city") == [(0, "the "), (-1, "cities"), (1, "city")]


def test_word_diff_insertion_and_deletion(backend: str) -> None:
    ops = word_diff("housing for all", "decent housing for all people")
    assert counts(ops) == (2, 0)
    assert [text for op, text in ops if op == 1] == ["decent ", " people"]
    assert counts(word_diff("a b c d", "a d")) == (0, 2)


def test_word_diff_explicit_backend_keyword() -> None:
    for name in diff.BACKENDS:
        assert word_diff("one two", "one three", backend=name) == [
            (0, "one "),
            (-1, "two"),
            (1, "three"),
        ]
    with pytest.raises(ValueError):
        word_diff("a", "b", backend="nope")


def test_word_diff_identical_and_empty() -> None:
    assert word_diff("same text", "same text") == [(0, "same text")]
    assert word_diff("", "") == []
    assert word_diff("", "new") == [(1, "new")]
    assert word_diff("old", "") == [(-1, "old")]


def test_word_diff_semantic_cleanup_groups_a_rewrite(backend: str) -> None:
    ops = word_diff("The cat sat on the mat today", "A dog lay on a rug today")
    # No scattered one-word "equal" islands inside the rewritten stretch.
    assert ops[-1] == (0, " today")
    assert len(ops) <= 4


def test_word_diff_many_distinct_words_beyond_the_bmp(backend: str) -> None:
    words = [f"w{index}" for index in range(70_000)]
    old = "start " + " ".join(words) + " end"
    new = "begin " + " ".join(words) + " finish"
    ops = word_diff(old, new)
    assert ops[0] == (-1, "start") and ops[1] == (1, "begin")
    assert counts(ops) == (2, 2)
    assert _old(ops) == old and _new(ops) == new


def _charter_text(rng: random.Random, words: int) -> str:
    vocabulary = ["city", "right", "housing", "health", "access", "people", "the", "of", "to"]
    out = []
    for index in range(words):
        out.append(rng.choice(vocabulary))
        out.append(".\n\n" if index % 40 == 39 else " ")
    return "".join(out)


def test_word_diff_whole_document_is_correct_and_fast(backend: str) -> None:
    rng = random.Random(3)
    old = _charter_text(rng, 15_000)
    tokens = tokenize(old)
    word_positions = [i for i, token in enumerate(tokens) if WORD.fullmatch(token)]
    edited = sorted(rng.sample(word_positions, 30))
    for position in edited:
        tokens[position] = "CHANGED"
    new = "".join(tokens)
    started = time.perf_counter()
    ops = word_diff(old, new)
    elapsed = time.perf_counter() - started
    assert _old(ops) == old and _new(ops) == new
    assert counts(ops) == (30, 30)
    assert [text for op, text in ops if op == 1] == ["CHANGED"] * 30
    assert elapsed < 2.0


words_text = st.lists(
    st.sampled_from(["a", "b", "cat", "dog", "the", " ", "  ", "\n", ",", ".", "é", "ß", "日本"]),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(old=words_text, new=words_text, name=st.sampled_from(diff.BACKENDS))
def test_word_diff_reconstructs_both_sides_in_whole_words(old: str, new: str, name: str) -> None:
    ops = word_diff(old, new, backend=name)
    assert _old(ops) == old
    assert _new(ops) == new
    assert all(text for _, text in ops)
    assert all(a[0] != b[0] for a, b in zip(ops, ops[1:], strict=False))
    assert not _splits_a_word(old, _cuts(ops, -1))
    assert not _splits_a_word(new, _cuts(ops, 1))


@settings(max_examples=100, deadline=None)
@given(old=st.text(max_size=60), new=st.text(max_size=60))
def test_word_diff_any_text_round_trips(old: str, new: str) -> None:
    ops = word_diff(old, new)
    assert apply(old, ops) == new


# --- apply, counts, html --------------------------------------------------------------------


def test_apply_rejects_ops_of_another_text() -> None:
    ops = word_diff("the cat sat", "the dog sat")
    assert apply("the cat sat", ops) == "the dog sat"
    with pytest.raises(ValueError):
        apply("the cow sat", ops)


def test_counts_words_not_characters() -> None:
    assert counts([(0, "a "), (-1, "big old"), (1, "new, shiny"), (0, " cat")]) == (2, 2)
    assert counts([(0, "same")]) == (0, 0)


def test_inline_html_marks_and_escapes() -> None:
    ops = [(0, "a <b> "), (-1, "x & y"), (1, '"z"'), (0, "\n  end")]
    assert inline_html(ops) == "a &lt;b&gt; <del>x &amp; y</del><ins>&quot;z&quot;</ins>\n  end"


def test_inline_html_context_shortens_long_unchanged_stretches() -> None:
    before = " ".join(f"b{i}" for i in range(100))
    middle = " ".join(f"m{i}" for i in range(100))
    after = " ".join(f"a{i}" for i in range(100))
    ops = [(0, before + " "), (-1, "old"), (1, "new"), (0, " " + middle + " "), (-1, "x")]
    ops.append((0, " " + after))
    html = inline_html(ops, context=20)
    skip = '<span class="diff-skip">…</span>'
    assert html.count(skip) == 3
    assert "b79" not in html and "b80 " in html and "b99 <del>old</del>" in html
    assert " m0 " in html and "m19" in html and "m20" not in html
    assert "m79" not in html and "m80" in html
    assert "a19" in html and "a20" not in html
    assert inline_html(ops) == inline_html(ops, context=None)
    assert skip not in inline_html(ops)


def test_inline_html_context_keeps_short_stretches() -> None:
    ops = [(0, "one two three "), (1, "four")]
    assert inline_html(ops, context=20) == "one two three <ins>four</ins>"


def test_side_by_side_html() -> None:
    ops = word_diff("the <cat> sat", "the dog sat")
    old_side, new_side = side_by_side_html(ops)
    assert old_side == "the <del>&lt;cat&gt;</del> sat"
    assert new_side == "the <ins>dog</ins> sat"


# --- compare --------------------------------------------------------------------------------


def _section(key: str, body: str = "", heading: str | None = None, level: int = 2) -> Section:
    return Section(key, heading if heading is not None else key.title(), level, body)


def _by_key(changes: list[SectionChange]) -> dict[str, SectionChange]:
    return {change.key: change for change in changes}


def test_compare_kinds_and_order() -> None:
    old = [_section("a", "one\n"), _section("b", "two\n"), _section("c", "three\n")]
    new = [_section("a", "one\n"), _section("c", "three, changed\n"), _section("d", "four\n")]
    changes = compare(old, new)
    assert [(c.key, c.kind) for c in changes] == [
        ("a", "unchanged"),
        ("b", "deleted"),
        ("c", "modified"),
        ("d", "added"),
    ]
    by_key = _by_key(changes)
    assert by_key["a"].ops == ((0, "one\n"),) and not by_key["a"].changed
    assert by_key["b"].ops == ((-1, "two\n"),) and by_key["b"].new is None
    assert by_key["d"].ops == ((1, "four\n"),) and by_key["d"].old is None
    assert counts(list(by_key["c"].ops)) == (1, 0)
    assert all(c.changed for c in changes[1:])


def test_compare_deleted_sections_follow_their_old_predecessor() -> None:
    old = [_section(k) for k in "abcdef"]
    new = [_section(k) for k in "bdf"] + [_section("g")]
    assert [c.key for c in compare(old, new)] == ["a", "b", "c", "d", "e", "f", "g"]
    new = [_section("g"), _section("f"), _section("b")]
    assert [c.key for c in compare(old, new)] == ["a", "g", "f", "b", "c", "d", "e"]


def test_compare_moving_one_section_marks_only_it() -> None:
    old = [_section(k, f"text {k} " * (5 if k == "d" else 20)) for k in "abcdef"]
    new = [old[0], old[3], old[1], old[2], old[4], old[5]]
    changes = compare(old, new)
    assert [c.key for c in changes if c.moved] == ["d"]
    assert all(c.kind == "unchanged" for c in changes)
    assert [c.key for c in changes if c.changed] == ["d"]


def test_compare_rename_and_level_change() -> None:
    old = [_section("a", "x\n", heading="Old"), _section("b", "y\n")]
    new = [_section("a", "x\n", heading="New"), _section("b", "y\n", level=3)]
    by_key = _by_key(compare(old, new))
    assert by_key["a"].renamed and by_key["a"].kind == "unchanged" and by_key["a"].changed
    assert by_key["b"].renamed


def test_compare_empty_bodies_have_no_ops() -> None:
    changes = compare([_section("a"), _section("b")], [_section("a"), _section("c")])
    assert [c.ops for c in changes] == [(), (), ()]


def test_compare_only_diffs_changed_bodies(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    original = diff.word_diff

    def counting(old: str, new: str, **kwargs: object) -> list[diff.Op]:
        calls.append(old)
        return original(old, new)

    monkeypatch.setattr(diff, "word_diff", counting)
    old = [_section(f"s{i}", f"body {i} text\n") for i in range(60)]
    new = list(old)
    new[7] = _section("s7", "body 7 new text\n")
    changes = compare(old, new)
    assert calls == ["body 7 text\n"]
    assert [c.key for c in changes if c.changed] == ["s7"]


keys = st.lists(st.sampled_from("abcdefgh"), unique=True, max_size=8)
bodies = st.sampled_from(["", "one two\n", "one three\n", "four five six\n"])


@st.composite
def versions(draw: st.DrawFn) -> list[Section]:
    return [
        _section(key, draw(bodies), heading=draw(st.sampled_from(["H", "I"]))) for key in draw(keys)
    ]


@settings(max_examples=200, deadline=None)
@given(old=versions(), new=versions())
def test_compare_reversed_is_the_reverse(old: list[Section], new: list[Section]) -> None:
    forward = _by_key(compare(old, new))
    backward = _by_key(compare(new, old))
    assert set(forward) == set(backward) == {s.key for s in old} | {s.key for s in new}
    swap = {"added": "deleted", "deleted": "added", "modified": "modified"}
    swap["unchanged"] = "unchanged"
    for key, change in forward.items():
        back = backward[key]
        assert back.kind == swap[change.kind]
        assert (back.old, back.new) == (change.new, change.old)
        assert back.moved == change.moved
        assert back.renamed == change.renamed
        if change.kind == "modified":  # an equally short diff may align differently
            assert _old(list(back.ops)) == _new(list(change.ops))
            assert _new(list(back.ops)) == _old(list(change.ops))
        else:
            assert list(back.ops) == [(-op, text) for op, text in change.ops]


@settings(max_examples=200, deadline=None)
@given(old=versions(), new=versions())
def test_compare_is_complete_and_consistent(old: list[Section], new: list[Section]) -> None:
    changes = compare(old, new)
    order = [c.key for c in changes]
    assert [c.key for c in changes if c.new is not None] == [s.key for s in new]
    assert sorted(c.key for c in changes if c.old is not None) == sorted(s.key for s in old)
    for index, section in enumerate(old):
        if _by_key(changes)[section.key].kind == "deleted":
            position = order.index(section.key)
            assert (order[position - 1] if position else None) == (
                old[index - 1].key if index else None
            )
    shared_old = [s.key for s in old if s.key in {n.key for n in new}]
    shared_new = [s.key for s in new if s.key in {o.key for o in old}]
    kept = [key for key in shared_new if not _by_key(changes)[key].moved]
    # What did not move is in the same order in both versions, and as long as possible.
    assert kept == [key for key in shared_old if key in kept]
    assert len(kept) == _lcs_length(shared_old, shared_new)
    for change in changes:
        if change.old is not None:
            assert _old(list(change.ops)) == change.old.body
        if change.new is not None:
            assert _new(list(change.ops)) == change.new.body


def _lcs_length(a: list[str], b: list[str]) -> int:
    table = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i, x in enumerate(a):
        for j, y in enumerate(b):
            if x == y:
                table[i + 1][j + 1] = table[i][j] + 1
            else:
                table[i + 1][j + 1] = max(table[i][j + 1], table[i + 1][j])
    return table[-1][-1]
