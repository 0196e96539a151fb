"""Which translation a reader sees, and whether it is current (charter.text.translation)."""

from charter.text.hashing import text_hash
from charter.text.sections import Section
from charter.text.translation import CURRENT, MISSING, OUTDATED, Translation, counts, localize

OLD = Section("art-1", "Article 1", 2, "\nEvery person is welcome.\n\n")
NEW = Section("art-1", "Article 1", 2, "\nEvery person is welcome in the city.\n\n")


def translated(source: Section, number: int, body: str, heading: str = "Article premier"):
    return Translation(
        source.key, number, source.heading, text_hash(source.body), heading, body, source.body
    )


def test_a_translation_of_the_very_text_is_current_in_every_version_that_has_it():
    made_for_five = translated(OLD, 5, "\nToute personne est bienvenue.\n\n")
    [item] = localize([OLD], [made_for_five], number=2)
    assert item.status == CURRENT
    assert item.section.body == "\nToute personne est bienvenue.\n\n"
    assert item.section.heading == "Article premier"
    assert item.source == OLD


def test_a_changed_source_marks_the_translation_outdated_and_shows_what_changed():
    [item] = localize([NEW], [translated(OLD, 1, "\nToute personne est bienvenue.\n\n")], 3)
    assert item.status == OUTDATED
    assert item.section.body == "\nToute personne est bienvenue.\n\n"
    changes = item.source_changes()
    assert [text for kind, text in changes if kind == 1] == [" in the city"]


def test_a_renamed_heading_alone_makes_it_outdated():
    renamed = Section(OLD.key, "Article 1 — Dignity", 2, OLD.body)
    [item] = localize([renamed], [translated(OLD, 1, "\nToute personne.\n\n")], 2)
    assert item.status == OUTDATED


def test_a_later_translation_of_other_words_never_reaches_an_earlier_version():
    """A translation made for draft 4 (another text) must not show on published version 3."""
    [item] = localize([OLD], [translated(NEW, 4, "\nUn texte du projet.\n\n")], 3)
    assert item.status == MISSING
    assert item.section == OLD


def test_the_newest_translation_wins_and_counts_add_up():
    first = translated(OLD, 1, "\nPremière.\n\n")
    second = translated(OLD, 2, "\nSeconde.\n\n")
    other = Section("art-2", "Article 2", 2, "\nText.\n\n")
    items = localize([OLD, other], [first, second], 2)
    assert items[0].section.body == "\nSeconde.\n\n"
    assert counts(items) == {CURRENT: 1, OUTDATED: 0, MISSING: 1}


def test_the_preamble_keeps_no_heading():
    preamble = Section("preamble", "", 0, "The cities adopt this charter.\n\n")
    [item] = localize([preamble], [translated(preamble, 1, "Les villes.\n\n", heading="")], 1)
    assert (item.status, item.section.heading) == (CURRENT, "")
