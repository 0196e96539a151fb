"""The secretariat's drafting forms: merge, direct edit, Executive Bureau decision."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from charter.amendments.forms import MAX_TEXT_CHARS, options

MAX_NOTE_CHARS = 5_000


class MergeForm(FlaskForm):
    """The head the merge was prepared on, the page's key and the changelog note; the chosen
    amendments, their order and the conflict resolutions are read from the request by the
    view."""

    head = IntegerField(validators=[Optional()])
    # Made anew each time the page is shown: the same page sent twice merges once.
    idempotency_key = HiddenField()
    note = TextAreaField(
        _l("Note for the changelog"),
        validators=[Optional(), Length(max=MAX_NOTE_CHARS)],
        description=_l("Optional: left empty, the note lists the amendments merged."),
    )
    preview = SubmitField(_l("Preview the merge"))
    merge = SubmitField(_l("Create the new draft version"))


class DirectEditForm(FlaskForm):
    """One change the secretariat makes to the draft itself (a change form)."""

    kind = HiddenField()
    section = HiddenField()
    base = IntegerField(validators=[Optional()])
    heading = StringField(_l("Heading"), validators=[Optional(), Length(max=300)])
    text = TextAreaField(_l("Text"), validators=[Optional(), Length(max=MAX_TEXT_CHARS)])
    after = SelectField(_l("Place it after"), validators=[Optional()])
    note = TextAreaField(
        _l("Note for the changelog"),
        validators=[Optional(), Length(max=MAX_NOTE_CHARS)],
        description=_l("What you changed and why: readers see it in the history."),
    )
    preview = SubmitField(_l("Preview"))
    save = SubmitField(_l("Create the new draft version"))


class DecisionForm(FlaskForm):
    decision = RadioField(
        _l("The Executive Bureau"),
        choices=options([("adopted", _l("adopted this version")), ("returned", _l("returned it"))]),
        validators=[DataRequired()],
    )
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=MAX_NOTE_CHARS)],
        description=_l("Required when the text is returned: what the Bureau asks for."),
    )
