"""Amendment forms: the proposed change, the justification, the review and the discussion."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from charter.accounts.forms import CheckboxList, options
from charter.errors import Conflict
from charter.text import rebase
from charter.text.sections import Section, fit_body, make_key

MAX_TEXT_CHARS = 100 * 1024  # the byte limit is checked by the service
START = "__start__"  # "place it at the start" in the after choice


class ChangeForm(FlaskForm):
    """One change to one section, with the amendment's justification and links."""

    kind = HiddenField()
    section = HiddenField()
    base = IntegerField(validators=[Optional()])
    revision = IntegerField(validators=[Optional()])
    heading = StringField(_l("Heading"), validators=[Optional(), Length(max=300)])
    text = TextAreaField(_l("Proposed text"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)])
    after = SelectField(_l("Place it after"), validators=[Optional()])
    title = StringField(
        _l("Short title"),
        validators=[Optional(), Length(max=200)],
        description=_l("Optional: how the amendment is listed. Left empty, one is made up."),
    )
    justification = TextAreaField(
        _l("Justification"),
        validators=[Optional(), Length(max=10_000)],
        description=_l("Why this change? Reviewers and co-signers read this first."),
    )
    themes = CheckboxList(_l("Themes"), coerce=int, validate_choice=True)
    questions = CheckboxList(_l("Guiding questions it answers"), coerce=int, validate_choice=True)
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Save draft"))
    send = SubmitField(_l("Submit"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[DataRequired(), Length(max=5_000)],
        description=_l("The author and the co-signers will read it."),
    )


class MessageForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[DataRequired(), Length(max=10_000)])


class ConfirmForm(FlaskForm):
    """The CSRF token of a POST-only button."""

    revision = HiddenField()


# A change form is any form with the fields kind, section, heading, text and after: the
# amendment forms and the secretariat's direct edit share these.


def after_choices(sections: tuple[Section, ...]) -> list[tuple[str, str]]:
    """Where a section may go: at the start, or after each section."""
    return options(
        [(START, _("At the start"))]
        + [(s.key, _("After “%(heading)s”", heading=s.heading or _("Preamble"))) for s in sections]
    )


def operation_from(form: Any, sections: tuple[Section, ...]) -> rebase.Operation:
    """The change a change form describes, against these sections."""
    kind = form.kind.data
    by_key = {section.key: section for section in sections}
    after = None if form.after.data in (None, "", START) else form.after.data
    if kind == "insert":
        heading = (form.heading.data or "").strip()
        key = make_key(heading or "section", set(by_key))
        return rebase.Operation(
            "insert",
            key,
            text=fit_body(form.text.data or ""),
            heading=heading,
            level=2,
            after=after,
        )
    section = by_key.get(form.section.data or "")
    if section is None:
        raise Conflict(_("This section is not in the current draft any more."))
    if kind == "delete":
        return rebase.Operation("delete", section.key)
    if kind == "move":
        return rebase.Operation("move", section.key, after=after)
    heading = (form.heading.data or "").strip()
    return rebase.Operation(
        "modify",
        section.key,
        text=fit_body(form.text.data or "", like=section.body),
        heading=heading if heading and heading != section.heading else None,
    )


def prefill(form: Any, sections: tuple[Section, ...], kind: str, key: str) -> None:
    """Fill a change form from the section it is about (404 for an unknown section)."""
    section = next((s for s in sections if s.key == key), None)
    if kind != "insert" and section is None:
        abort(404)
    form.kind.data, form.section.data = kind, key
    if kind == "modify":
        # The blank lines around a body are layout, not text: fit_body restores them.
        form.text.data, form.heading.data = section.body.strip("\n"), section.heading
    if kind == "insert":
        form.after.data = key or START
    if kind == "move":
        index = sections.index(section)
        form.after.data = sections[index - 1].key if index else START
