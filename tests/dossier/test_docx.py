"""The Word dossier, opened back with python-docx: real tracked changes, amendment tables."""

import io
import re

import docx
import pytest
from docx.oxml.ns import qn

from charter.dossier.docx import clean, paragraphs_of
from charter.drafting import queries
from charter.extensions import db
from charter.text.diff import DELETE, EQUAL, INSERT

W_INS, W_DEL = qn("w:ins"), qn("w:del")


@pytest.fixture
def open_dossier(history, client, login_as):
    """Download a dossier as the secretariat and open it with python-docx."""

    def download(old: int, new: int):
        login_as(history.world.secretariat)
        response = client.get(f"/charters/amend/dossier/{old}/{new}.docx")
        assert response.status_code == 200
        assert response.mimetype.endswith("wordprocessingml.document")
        assert (
            f'filename="amend-dossier-v{old}-v{new}.docx"'
            in response.headers["Content-Disposition"]
        )
        return docx.Document(io.BytesIO(response.data))

    return download


def reading(element, accept: bool) -> str:
    """The text of a paragraph with its tracked changes all accepted, or all rejected."""
    dropped = W_DEL if accept else W_INS
    parts = []
    for node in element.iter(qn("w:t"), qn("w:delText"), qn("w:br")):
        if any(ancestor.tag == dropped for ancestor in node.iterancestors()):
            continue
        parts.append("\n" if node.tag == qn("w:br") else node.text)
    return "".join(parts)


def mark_of(paragraph) -> str | None:
    """How the paragraph's own end is tracked: "ins", "del" or None."""
    properties = paragraph._p.pPr
    run = properties.find(qn("w:rPr")) if properties is not None else None
    for tag, name in ((W_INS, "ins"), (W_DEL, "del")):
        if run is not None and run.find(tag) is not None:
            return name
    return None


def text_as(document, accept: bool) -> dict[str, str]:
    """Part 1 of the dossier read as a charter: heading -> body, changes accepted or not."""
    sections: dict[str, list[str]] = {}
    inside, current = False, None
    for paragraph in document.paragraphs:
        style = paragraph.style.name
        if style == "Heading 1":
            inside = paragraph.text.startswith("1.")
            continue
        if not inside or (paragraph.runs and paragraph.runs[0].italic):  # a remark
            continue
        if mark_of(paragraph) == ("del" if accept else "ins"):
            continue  # the paragraph itself goes
        if style == "Heading 2":
            current = reading(paragraph._p, accept)
            sections[current] = []
        elif current is not None:
            sections[current].append(reading(paragraph._p, accept))
    return {heading: "\n\n".join(body) for heading, body in sections.items()}


def charter_text(history, number: int) -> dict[str, str]:
    version = queries.version_or_404(history.world.charter, number, history.world.secretariat)
    return {
        section.heading or "Preamble": re.sub(r"\n\s*\n", "\n\n", section.body.strip())
        for section in queries.sections_of(version)
    }


def test_the_text_carries_word_revision_marks(open_dossier):
    body = open_dossier(2, 3).element.body
    inserted = " ".join(reading(mark, accept=True) for mark in body.iter(W_INS))
    deleted = " ".join(reading(mark, accept=False) for mark in body.iter(W_DEL))
    assert "and regions" in inserted and "every resident, whatever their status" in inserted
    assert "all residents" in deleted
    ids = [mark.get(qn("w:id")) for mark in body.iter(W_INS, W_DEL)]
    assert len(ids) == len(set(ids))  # Word refuses a file with repeated revision ids
    # By the author of version 3: the secretariat member who merged it.
    assert {mark.get(qn("w:author")) for mark in body.iter(W_INS)} == {"Sofia"}


def test_accepting_every_change_gives_the_new_version_and_rejecting_the_old(history, open_dossier):
    document = open_dossier(2, 4)  # changed, unchanged and added sections
    assert text_as(document, accept=True) == charter_text(history, 4)
    assert text_as(document, accept=False) == charter_text(history, 2)
    added = next(p for p in document.paragraphs if "Article 3" in reading(p._p, True))
    assert mark_of(added) == "ins"


def test_each_amendment_has_a_table_with_its_fields(open_dossier):
    tables = open_dossier(2, 3).tables
    assert len(tables) == 4  # amendments 1, 3, 4 and 6; never the draft 5
    fields = [{row.cells[0].text: row.cells[1].text for row in table.rows} for table in tables]
    submitted = next(f for f in fields if f["Justification"] == "Safety is part of welcome.")
    assert submitted["State"] == "awaiting review"
    assert (submitted["Author"], submitted["Council"]) == ("Salvatore", "Right to the City")
    assert submitted["Co-signers"] == "Lucas"
    assert submitted["Decision"] == "not reviewed yet"
    rejected = next(f for f in fields if f["Justification"] == "Services should be free.")
    assert rejected["Reason"] == "Free services are for each city to decide."
    assert rejected["Decision"].startswith("rejected — Sofia")
    assert rejected["Sections"] == "Article 2 — Equity, Preamble"
    merged = next(f for f in fields if f["Justification"] == "Regions receive people too.")
    assert merged["State"] == "merged into version 3"
    assert merged["Made on"].startswith("version 1")


def test_amendment_changes_are_underlined_and_struck(open_dossier):
    tables = open_dossier(2, 3).tables
    runs = [
        run
        for table in tables
        for paragraph in table.rows[-1].cells[1].paragraphs
        for run in paragraph.runs
    ]
    underlined = {run.text for run in runs if run.font.underline}
    struck = {run.text for run in runs if run.font.strike}
    assert "and safe " in underlined  # amendment 3
    assert "all residents" in struck  # amendment 4
    assert not underlined & struck


def test_text_word_cannot_hold_is_dropped_not_fatal(history, open_dossier):
    history.amendments[3].justification = "Safety\x0b is part\x01 of welcome."
    db.session.commit()
    tables = open_dossier(2, 3).tables
    cells = [row.cells[1].text for table in tables for row in table.rows]
    assert "Safety is part of welcome." in cells


def test_paragraphs_break_where_both_versions_have_a_blank_line():
    ops = ((EQUAL, "\nOne.\n\nTwo "), (INSERT, "new\n\nthree"), (DELETE, " old"), (EQUAL, ".\n\n"))
    assert paragraphs_of(ops) == [
        [(EQUAL, "One.")],
        [(EQUAL, "Two "), (INSERT, "new\n\nthree"), (DELETE, " old"), (EQUAL, ".")],
    ]
    # Both texts end with a line break, each in its own change: neither is kept.
    ops = ((INSERT, "\nNew "), (EQUAL, "start"), (DELETE, " old.\n"), (INSERT, " new.\n\n"))
    assert paragraphs_of(ops) == [
        [(INSERT, "New "), (EQUAL, "start"), (DELETE, " old."), (INSERT, " new.")]
    ]
    assert clean("a\x00b\x1fc\td\ne") == "abc\td\ne"
