"""The secretariat's side of the consultation: guiding questions (ask, edit, order, open and
close them) and themes (add, rename, delete).

Every function asks the policy, validates, changes the database in the caller's transaction
and records the audit row; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from charter import audit, permissions
from charter.amendments.models import amendment_theme
from charter.consultation.models import GuidingQuestion, Theme, comment_theme
from charter.database import savepoint
from charter.drafting.models import Charter
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.process.models import Stage

MAX_QUESTION = 5_000
MAX_THEME = 80
DIRECTIONS = ("up", "down")


# Reading ----------------------------------------------------------------------------------


def questions_of(charter: Charter) -> list[GuidingQuestion]:
    """The charter's guiding questions, in order, with their stages."""
    return list(
        db.session.scalars(
            sa.select(GuidingQuestion)
            .where(GuidingQuestion.charter_id == charter.id)
            .options(selectinload(GuidingQuestion.stage))
            .order_by(GuidingQuestion.position, GuidingQuestion.id)
        )
    )


def question_or_none(charter: Charter, question_id: int) -> GuidingQuestion | None:
    """A guiding question of this charter (another charter's is None)."""
    question = db.session.get(GuidingQuestion, question_id)
    return question if question is not None and question.charter_id == charter.id else None


def theme_or_none(charter: Charter, theme_id: int) -> Theme | None:
    """A theme of this charter (another charter's is None)."""
    theme = db.session.get(Theme, theme_id)
    return theme if theme is not None and theme.charter_id == charter.id else None


@dataclass(frozen=True)
class Usage:
    """How many comments (of every kind and state) and amendments carry a theme."""

    comments: int = 0
    amendments: int = 0

    @property
    def total(self) -> int:
        return self.comments + self.amendments


def theme_usage(charter: Charter) -> dict[int, Usage]:
    """Usage of each theme of the charter (themes no one used are left out)."""

    def counted(table: sa.Table) -> dict[int, int]:
        rows = db.session.execute(
            sa.select(table.c.theme_id, sa.func.count())
            .join(Theme, Theme.id == table.c.theme_id)
            .where(Theme.charter_id == charter.id)
            .group_by(table.c.theme_id)
        )
        return {theme_id: count for theme_id, count in rows}

    comments, amendments = counted(comment_theme), counted(amendment_theme)
    return {
        theme_id: Usage(comments.get(theme_id, 0), amendments.get(theme_id, 0))
        for theme_id in comments.keys() | amendments.keys()
    }


# Guiding questions ------------------------------------------------------------------------


def create_question(
    actor: Any, charter: Charter, text: str, stage_id: int | None = None
) -> GuidingQuestion:
    """Ask the network a new question, placed last."""
    permissions.require(actor, "manage_questions", charter)
    text = _checked_text(text)
    stage = _checked_stage(charter, stage_id)
    _lock(charter)
    last = db.session.scalar(
        sa.select(sa.func.max(GuidingQuestion.position)).where(
            GuidingQuestion.charter_id == charter.id
        )
    )
    question = GuidingQuestion(
        charter_id=charter.id,
        position=(last or 0) + 1,
        text=text,
        open=True,
        stage_id=stage.id if stage else None,
    )
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.create", question, after=_summary(question.text, stage))
    return question


def edit_question(actor: Any, question: GuidingQuestion, text: str, stage_id: int | None) -> bool:
    """Change a question's text and stage; False when nothing changed.

    The answers stay: rewording a question is the secretariat's call, and the log keeps the
    previous text.
    """
    permissions.require(actor, "manage_questions", question.charter)
    text = _checked_text(text)
    stage = _checked_stage(question.charter, stage_id)
    new_stage_id = stage.id if stage else None
    if text == question.text and new_stage_id == question.stage_id:
        return False
    before = _summary(question.text, question.stage)
    question.text, question.stage = text, stage
    db.session.flush()
    audit.record(actor, "question.edit", question, before=before, after=_summary(text, stage))
    return True


def move_question(actor: Any, question: GuidingQuestion, direction: str) -> None:
    """Swap a question with its neighbour above or below; positions stay 1..n.

    The charter row is locked first, so two moves at once run one after the other; the
    questions are renumbered from their current order before the swap, so a gap or a
    duplicate position (two questions added at once elsewhere) cannot survive a move.
    """
    permissions.require(actor, "manage_questions", question.charter)
    if direction not in DIRECTIONS:
        raise InvalidInput(_("A question moves up or down."))
    _lock(question.charter)
    questions = list(
        db.session.scalars(
            sa.select(GuidingQuestion)
            .where(GuidingQuestion.charter_id == question.charter_id)
            .order_by(GuidingQuestion.position, GuidingQuestion.id)
            .execution_options(populate_existing=True)
        )
    )
    index = questions.index(question)
    other = index - 1 if direction == "up" else index + 1
    if other < 0:
        raise Conflict(_("This question is already the first."))
    if other >= len(questions):
        raise Conflict(_("This question is already the last."))
    questions[index], questions[other] = questions[other], questions[index]
    for position, each in enumerate(questions, start=1):
        if each.position != position:
            each.position = position
    db.session.flush()
    audit.record(
        actor,
        "question.move",
        question,
        before=str(index + 1),
        after=str(other + 1),
    )


def set_question_open(actor: Any, question: GuidingQuestion, open: bool) -> bool:
    """Open or close a question to answers; False when it already was so."""
    permissions.require(actor, "manage_questions", question.charter)
    if question.open == open:
        return False
    question.open = open
    db.session.flush()
    audit.record(
        actor,
        "question.open" if open else "question.close",
        question,
        before="closed" if open else "open",
        after="open" if open else "closed",
    )
    return True


def _checked_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise InvalidInput(_("Write the question."), field="text")
    if len(text) > MAX_QUESTION:
        raise InvalidInput(
            _(
                "The question is %(count)s characters long; the limit is 5,000.",
                count=len(text),
            ),
            field="text",
        )
    return text


def _checked_stage(charter: Charter, stage_id: int | None) -> Stage | None:
    if stage_id is None:
        return None
    stage = db.session.get(Stage, stage_id)
    if stage is None or stage.charter_id != charter.id:
        raise InvalidInput(_("Choose a stage of this charter."), field="stage")
    return stage


def _summary(text: str, stage: Stage | None) -> str:
    where = _("stage: %(stage)s", stage=stage.name) if stage else _("any stage")
    return f"{audit.shorten(text, 500)} ({where})"


def _lock(charter: Charter) -> None:
    """Serialise changes to the order of a charter's questions (PostgreSQL row lock;
    SQLite writes are serialised anyway). NO KEY UPDATE: rows that only refer to the
    charter (comments, amendments, audit entries) are written meanwhile."""
    db.session.execute(
        sa.select(Charter.id).where(Charter.id == charter.id).with_for_update(key_share=True)
    )


# Themes -----------------------------------------------------------------------------------


def create_theme(actor: Any, charter: Charter, name: str) -> Theme:
    """A new theme people can tag their answers, comments and amendments with."""
    permissions.require(actor, "manage_themes", charter)
    name = _checked_name(charter, name)
    theme = Theme(charter_id=charter.id, name=name)
    _save(theme, name)
    audit.record(actor, "theme.create", theme, after=name)
    return theme


def rename_theme(actor: Any, theme: Theme, name: str) -> bool:
    """Rename a theme everywhere it is used; False when the name did not change."""
    charter = db.session.get(Charter, theme.charter_id)
    permissions.require(actor, "manage_themes", charter)
    name = _checked_name(charter, name, theme)
    if name == theme.name:
        return False
    before = theme.name
    theme.name = name
    _save(theme, name)
    audit.record(actor, "theme.rename", theme, before=before, after=name)
    return True


def delete_theme(actor: Any, theme: Theme) -> None:
    """Delete a theme no one has used yet.

    A used theme is refused rather than silently taken off the comments and amendments that
    carry it: their authors chose it, and the participation dashboard counts by it. Renaming
    is the way to correct a used theme.
    """
    charter = db.session.get(Charter, theme.charter_id)
    permissions.require(actor, "manage_themes", charter)
    usage = theme_usage(charter).get(theme.id, Usage())
    if usage.total:
        raise Conflict(
            _(
                "“%(name)s” is used by %(comments)s and %(amendments)s: it cannot be "
                "deleted. Rename it instead.",
                name=theme.name,
                comments=ngettext("%(num)d comment", "%(num)d comments", usage.comments),
                amendments=ngettext("%(num)d amendment", "%(num)d amendments", usage.amendments),
            )
        )
    audit.record(actor, "theme.delete", theme, before=theme.name)
    db.session.delete(theme)
    db.session.flush()


def _checked_name(charter: Charter, name: str, theme: Theme | None = None) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidInput(_("Give the theme a name."), field="name")
    if len(name) > MAX_THEME:
        raise InvalidInput(
            _("The name is %(count)s characters long; the limit is 80.", count=len(name)),
            field="name",
        )
    # Compared in Python: SQLite's lower() folds ASCII letters only ("Équité", "équité").
    others = db.session.execute(
        sa.select(Theme.id, Theme.name).where(Theme.charter_id == charter.id)
    )
    for other_id, other_name in others:
        if other_name.casefold() == name.casefold() and (theme is None or other_id != theme.id):
            raise Conflict(_("There is already a theme “%(name)s”.", name=other_name), field="name")
    return name


def _save(theme: Theme, name: str) -> None:
    """Flush a new or renamed theme; the same name added at that moment by someone else
    (the unique constraint) is the same refusal as the check above."""
    try:
        with savepoint():
            db.session.add(theme)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_("There is already a theme “%(name)s”.", name=name), field="name") from None
