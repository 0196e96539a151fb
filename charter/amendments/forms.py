"""Amendment forms: the proposed change, the justification, the review and the discussion."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from charter.accounts.forms import CheckboxList, options  # noqa: F401 (used by views)

MAX_TEXT_CHARS = 100 * 1024  # the byte limit is checked by the service


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
