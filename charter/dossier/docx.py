"""The session dossier as a Word document.

The text carries real tracked changes — Word's revision marks (w:ins, w:del), which Word,
LibreOffice and Google Docs show underlined and struck through: accepting them all gives
the newer version's text, rejecting them all the earlier one's. The amendments follow, a
table each, their changes written as underlined and struck-through coloured words (a
picture of a proposal, which accepting the revisions must not erase).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Sequence

import docx
from docx.document import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _

from charter.dossier.build import Dossier, Entry, excerpt
from charter.templating import STATE_LABELS
from charter.text.diff import DELETE, EQUAL, INSERT, Op, SectionChange

INSERTED_COLOUR = RGBColor(0x0B, 0x51, 0x24)
DELETED_COLOUR = RGBColor(0x8F, 0x1D, 0x1D)
MUTED_COLOUR = RGBColor(0x55, 0x55, 0x55)
# Characters XML 1.0 cannot hold (python-docx refuses them): dropped from the text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def clean(text: str) -> str:
    """Text Word can hold."""
    return _NOT_XML.sub("", text)


def render(dossier: Dossier) -> bytes:
    """The dossier as a .docx file."""
    document = docx.Document()
    _Writer(document, dossier).write()
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class _Revisions:
    """Word revision marks, each with its own id, by one author at one time."""

    def __init__(self, author: str, date: str) -> None:
        self.author, self.date = clean(author), date
        self._ids = itertools.count(1)

    def mark(self, tag: str) -> OxmlElement:
        element = OxmlElement(tag)
        element.set(qn("w:id"), str(next(self._ids)))
        element.set(qn("w:author"), self.author)
        element.set(qn("w:date"), self.date)
        return element

    def add(self, paragraph: Paragraph, op: int, text: str) -> None:
        """Text added to the paragraph as it stands, inserted, or deleted."""
        text = clean(text)
        if not text:
            return
        if op == EQUAL:
            paragraph.add_run(text)
            return
        mark = self.mark("w:ins" if op == INSERT else "w:del")
        mark.append(_run(text, deleted=op == DELETE))
        paragraph._p.append(mark)

    def mark_paragraph(self, paragraph: Paragraph, op: int) -> None:
        """Mark the paragraph's own end as inserted or deleted, so a whole section comes or
        goes with its changes accepted (no empty paragraph left behind)."""
        if op == EQUAL:
            return
        properties = paragraph._p.get_or_add_pPr()
        run_properties = properties.find(qn("w:rPr"))
        if run_properties is None:
            run_properties = OxmlElement("w:rPr")
            properties.append(run_properties)
        run_properties.append(self.mark("w:ins" if op == INSERT else "w:del"))


def _run(text: str, *, deleted: bool) -> OxmlElement:
    """A w:r of text, its line breaks as w:br; deleted text goes in w:delText."""
    run = OxmlElement("w:r")
    for index, line in enumerate(text.split("\n")):
        if index:
            run.append(OxmlElement("w:br"))
        if line:
            element = OxmlElement("w:delText" if deleted else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = line
            run.append(element)
    return run


def paragraphs_of(ops: Sequence[Op]) -> list[list[Op]]:
    """The diff cut into paragraphs where the text both versions share has a blank line
    (a blank line inserted or deleted stays a line break inside its revision)."""
    paragraphs: list[list[Op]] = [[]]
    for op, text in ops:
        pieces = _PARAGRAPH_BREAK.split(text) if op == EQUAL else [text]
        for index, piece in enumerate(pieces):
            if index:
                paragraphs.append([])
            if piece:
                paragraphs[-1].append((op, piece))
    _trim(paragraphs[0], range(len(paragraphs[0])), str.lstrip)
    _trim(paragraphs[-1], range(len(paragraphs[-1]) - 1, -1, -1), str.rstrip)
    return [
        [(op, text) for op, text in paragraph if text]
        for paragraph in paragraphs
        if any(text for _op, text in paragraph)
    ]


def _trim(pieces: list[Op], order: range, strip: Callable[[str, str], str]) -> None:
    """Drop the line breaks at one end of the text, on both sides of the diff: through the
    changes there (each ends one side), up to text both sides share."""
    for index in order:
        op, text = pieces[index]
        pieces[index] = (op, strip(text, "\n"))
        if op == EQUAL and pieces[index][1]:
            return


class _Writer:
    def __init__(self, document: Document, dossier: Dossier) -> None:
        self.document, self.dossier = document, dossier
        new = dossier.new
        self.revisions = _Revisions(
            new.author or _("Version %(number)s", number=new.number),
            new.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        )

    def write(self) -> None:
        self._setup()
        self._introduction()
        self._text()
        self._amendments()

    def _setup(self) -> None:
        dossier, document = self.dossier, self.document
        properties = document.core_properties
        properties.title = clean(f"{dossier.charter_title} — {_('Session dossier')}")
        properties.subject = _(
            "Version %(new)s, changes since version %(old)s",
            new=dossier.new.number,
            old=dossier.old.number,
        )
        properties.author = properties.last_modified_by = "Charter"
        section = document.sections[0]
        section.page_height, section.page_width = Cm(29.7), Cm(21)
        section.left_margin = section.right_margin = Cm(2.2)
        footer = section.footer.paragraphs[0]
        footer.text = clean(
            f"{dossier.charter_title} · {_('Session dossier')} · "
            + _("version %(number)s", number=dossier.new.number)
            + " · "
        )
        page = OxmlElement("w:fldSimple")
        page.set(qn("w:instr"), "PAGE")
        page.append(_run("1", deleted=False))
        footer._p.append(page)
        for run in footer.runs:
            run.font.size = Pt(8)

    def _note(self, text: str) -> None:
        """A remark about the text, in small grey italics."""
        run = self.document.add_paragraph().add_run(clean(text))
        run.italic, run.font.size, run.font.color.rgb = True, Pt(9), MUTED_COLOUR

    def _introduction(self) -> None:
        dossier, document = self.dossier, self.document
        old, new = dossier.old, dossier.new
        document.add_paragraph(clean(dossier.charter_title), style="Subtitle")
        document.add_heading(_("Session dossier"), level=0)

        def status(version) -> str:
            return _("published") if version.published else _("draft")

        document.add_paragraph(
            _(
                "The text of version %(new)s (%(status)s, %(date)s) with the changes since "
                "version %(old)s (%(old_status)s, %(old_date)s), followed by the amendments, "
                "section by section.",
                new=new.number,
                status=status(new),
                date=format_date(new.created_at, "medium"),
                old=old.number,
                old_status=status(old),
                old_date=format_date(old.created_at, "medium"),
            )
        )
        summary = dossier.summary
        self._note(
            _(
                "Sections: %(modified)d modified, %(added)d added, %(deleted)d deleted, "
                "%(moved)d moved, %(renamed)d renamed. Amendments: %(amendments)d. "
                "Prepared on %(date)s.",
                amendments=len(dossier.entries),
                date=format_datetime(dossier.generated_at, "medium"),
                **summary,
            )
        )

    def _text(self) -> None:
        dossier, document = self.dossier, self.document
        document.add_heading(
            _(
                "1. The text of version %(new)s, with the changes since version %(old)s",
                new=dossier.new.number,
                old=dossier.old.number,
            ),
            level=1,
        )
        self._note(
            _(
                "The changes are tracked changes: Word shows them with “All Markup” (Review "
                "tab). Accepting them all gives the text of version %(new)s; rejecting them "
                "all gives the text of version %(old)s.",
                new=dossier.new.number,
                old=dossier.old.number,
            )
        )
        for change in dossier.changes:
            self._section(change)

    def _section(self, change: SectionChange) -> None:
        whole = {"added": INSERT, "deleted": DELETE}.get(change.kind, EQUAL)
        heading = self.document.add_heading(level=2)
        preamble = _("Preamble")
        if change.renamed and change.old and change.new:
            self.revisions.add(heading, DELETE, change.old.heading or preamble)
            self.revisions.add(heading, INSERT, change.new.heading or preamble)
        else:
            section = change.new or change.old
            self.revisions.add(heading, whole, (section.heading if section else "") or preamble)
        self.revisions.mark_paragraph(heading, whole)
        if change.moved:
            self._note(_("Moved since version %(number)s.", number=self.dossier.old.number))
        for pieces in paragraphs_of(change.ops):
            paragraph = self.document.add_paragraph()
            for op, text in pieces:
                self.revisions.add(paragraph, op, text)
            self.revisions.mark_paragraph(paragraph, whole)

    def _amendments(self) -> None:
        dossier, document = self.dossier, self.document
        heading = document.add_heading(_("2. The amendments, section by section"), level=1)
        heading.paragraph_format.page_break_before = True
        self._note(
            _(
                "Amendments made on versions %(old)s to %(new)s, and those merged into "
                "versions %(after)s to %(new)s; drafts are not included. An amendment "
                "changing several sections is shown under the first one, and named under "
                "the others.",
                old=dossier.old.number,
                new=dossier.new.number,
                after=dossier.old.number + 1,
            )
        )
        if not dossier.groups:
            document.add_paragraph(_("No amendment was made on these versions."))
        for group in dossier.groups:
            document.add_heading(clean(group.heading), level=2)
            for entry in group.entries:
                self._amendment(entry)
            for entry in group.mentions:
                self._note(
                    _(
                        "Amendment %(number)s (%(title)s) also changes this section: see "
                        "under “%(section)s”.",
                        number=entry.number,
                        title=clean(entry.title),
                        section=clean(dossier.heading(entry.home)),
                    )
                )

    def _amendment(self, entry: Entry) -> None:
        dossier = self.dossier
        self.document.add_heading(
            clean(_("Amendment %(number)s", number=entry.number) + " — " + entry.title), level=3
        )
        state = str(STATE_LABELS[entry.state])
        if entry.merged_into:
            state += " " + _("into version %(number)s", number=entry.merged_into)
        decision, reason = _("not reviewed yet"), "—"
        if entry.decision:
            decision = (
                f"{STATE_LABELS[entry.decision.outcome]} — {entry.decision.by}, "
                f"{format_date(entry.decision.at, 'medium')}"
            )
            reason = entry.decision.reason or "—"
        rows = [
            (_("State"), state),
            (_("Sections"), ", ".join(dossier.heading(key) for key in entry.keys)),
            (
                _("Made on"),
                _("version %(number)s", number=entry.base_number)
                + ", "
                + format_date(entry.created_at, "medium"),
            ),
            (_("Author"), entry.author),
            (_("Council"), entry.council or "—"),
            (_("Co-signers"), ", ".join(entry.cosigners) or "—"),
            (_("Decision"), decision),
            (_("Reason"), reason),
            (_("Justification"), entry.justification),
            (_("Changes to version %(number)s", number=entry.base_number), None),
        ]
        table = self.document.add_table(rows=len(rows), cols=2)
        table.style, table.autofit = "Table Grid", False
        widths = (Cm(4), Cm(12.6))
        for column, width in zip(table.columns, widths, strict=True):
            column.width = width  # the grid LibreOffice reads; Word reads the cells'
        for row, (label, value) in zip(table.rows, rows, strict=True):
            row.cells[0].width, row.cells[1].width = widths
            row.cells[0].paragraphs[0].add_run(label).bold = True
            if value is None:
                self._changes(row.cells[1], entry)
            else:
                _write_text(row.cells[1], value)
        self.document.add_paragraph()

    def _changes(self, cell: _Cell, entry: Entry) -> None:
        """The amendment's changes to its base: coloured, underlined and struck words."""
        paragraph = cell.paragraphs[0]
        if entry.changes is None:
            paragraph.add_run(
                _("These changes no longer apply to version %(number)s.", number=entry.base_number)
            )
            return
        preamble = _("Preamble")
        for index, change in enumerate(entry.changes):
            if index:
                paragraph = cell.add_paragraph()
            title = paragraph.add_run(
                clean((change.new or change.old).heading or preamble)  # type: ignore[union-attr]
            )
            title.bold = True
            labels = [_KINDS[change.kind]()] if change.kind != "unchanged" else []
            labels += [_("moved")] * change.moved + [_("renamed")] * change.renamed
            if labels:
                note = paragraph.add_run(f" ({', '.join(labels)})")
                note.italic, note.font.color.rgb = True, MUTED_COLOUR
            if change.kind == "unchanged":
                continue
            for pieces in paragraphs_of(excerpt(change.ops)):
                paragraph = cell.add_paragraph()
                for op, text in pieces:
                    _formatted(paragraph, op, text)


_KINDS = {
    "modified": lambda: _("modified"),
    "added": lambda: _("added"),
    "deleted": lambda: _("deleted"),
}


def _formatted(paragraph: Paragraph, op: int, text: str) -> None:
    """A run that looks like a tracked change: inserted underlined, deleted struck."""
    run = paragraph.add_run(clean(text))
    if op == INSERT:
        run.font.underline = True
        run.font.color.rgb = INSERTED_COLOUR
    elif op == DELETE:
        run.font.strike = True
        run.font.color.rgb = DELETED_COLOUR


def _write_text(cell: _Cell, text: str) -> None:
    """Plain text in a cell, a paragraph per blank-line-separated paragraph."""
    for index, piece in enumerate(_PARAGRAPH_BREAK.split(clean(text).strip()) or [""]):
        paragraph = cell.paragraphs[0] if index == 0 else cell.add_paragraph()
        paragraph.add_run(piece)
