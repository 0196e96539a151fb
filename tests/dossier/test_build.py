"""Which amendments a dossier compiles, how it groups them, and what it says of each."""

from charter.amendments import services as amendments
from charter.dossier import build
from charter.drafting import queries
from charter.extensions import db
from charter.text.diff import DELETE, EQUAL, INSERT
from charter.text.rebase import Operation


def dossier(history, old: int, new: int) -> build.Dossier:
    charter, secretariat = history.world.charter, history.world.secretariat
    return build.build(
        charter,
        queries.version_or_404(charter, old, secretariat),
        queries.version_or_404(charter, new, secretariat),
    )


def numbers(gathered: build.Dossier) -> list[int]:
    return [entry.number for entry in gathered.entries]


def test_dossier_compiles_the_amendments_made_on_or_merged_into_the_range(history):
    # 1 was made on version 1 but merged into 3; 3, 4 and 6 were made on 2. 2 was made on 1
    # and rejected, 5 is a draft: neither belongs.
    assert numbers(dossier(history, 2, 3)) == [1, 3, 4, 6]
    assert numbers(dossier(history, 1, 2)) == [1, 2, 3, 4, 6]


def test_amendments_already_in_the_earlier_version_are_left_out(history):
    # Merged into version 3 or made before it: the text of version 3 holds or outlived them.
    assert numbers(dossier(history, 3, 4)) == []


def test_drafts_are_never_compiled_not_even_their_authors(history):
    assert history.amendments[5].state.value == "draft"
    assert 5 not in numbers(dossier(history, 1, 4))


def test_tracked_changes_cover_every_section_of_both_versions(history):
    changes = {change.key: change for change in dossier(history, 2, 4).changes}
    assert list(changes) == [
        "preamble",
        "article-1-dignity",
        "article-2-equity",
        "article-3-participation",
    ]
    assert (INSERT, "and regions ") in changes["preamble"].ops
    deleted = "".join(text for op, text in changes["article-2-equity"].ops if op == DELETE)
    assert "all residents" in deleted
    assert changes["article-3-participation"].kind == "added"


def test_amendment_of_several_sections_is_listed_under_its_first_and_named_under_others(history):
    groups = {group.key: group for group in dossier(history, 2, 3).groups}
    assert list(groups) == ["preamble", "article-1-dignity", "article-2-equity"]
    assert [e.number for e in groups["preamble"].entries] == [1]
    assert [e.number for e in groups["preamble"].mentions] == [6]
    assert [e.number for e in groups["article-2-equity"].entries] == [4, 6]
    assert groups["preamble"].heading == "Preamble"


def test_entry_says_state_people_decision_and_changes(history):
    entries = {entry.number: entry for entry in dossier(history, 2, 3).entries}
    submitted, merged, rejected = entries[3], entries[1], entries[6]
    assert (submitted.state, submitted.author, submitted.council) == (
        "submitted",
        "Salvatore",
        "Right to the City",
    )
    assert submitted.cosigners == ("Lucas",)
    assert submitted.decision is None
    assert submitted.justification == "Safety is part of welcome."
    assert (INSERT, "and safe ") in submitted.changes[0].ops
    assert (merged.base_number, merged.merged_into) == (1, 3)
    assert (merged.decision.outcome, merged.decision.reason, merged.decision.by) == (
        "accepted",
        "Agreed by the councils.",
        "Sofia",
    )
    assert rejected.decision.outcome == "rejected"
    assert rejected.decision.reason == "Free services are for each city to decide."
    assert rejected.keys == ("article-2-equity", "preamble")


def test_a_proposed_new_section_comes_after_the_one_it_would_follow(history):
    world = history.world
    amendments.propose(
        world.author,
        world.charter,
        4,
        [
            Operation(
                "insert",
                "article-1-bis",
                text="Nobody sleeps outside.",
                heading="Article 1 bis — Shelter",
                after="article-1-dignity",
            )
        ],
        justification="Shelter first.",
        submit=True,
    )
    db.session.commit()
    groups = [(group.key, group.heading) for group in dossier(history, 3, 4).groups]
    assert groups == [("article-1-bis", "Article 1 bis — Shelter")]
    keys = [group.key for group in dossier(history, 2, 4).groups]
    assert keys == ["preamble", "article-1-dignity", "article-1-bis", "article-2-equity"]


def test_excerpt_keeps_the_words_around_changes_and_cuts_the_rest():
    long = " ".join(f"w{i}" for i in range(100))
    shown = build.excerpt(((EQUAL, long), (INSERT, " new"), (EQUAL, " " + long)), context=3)
    assert shown == ((EQUAL, "… w97 w98 w99"), (INSERT, " new"), (EQUAL, " w0 w1 w2 …"))
    short = ((EQUAL, "a few words "), (DELETE, "gone"))
    assert build.excerpt(short, context=3) == short
