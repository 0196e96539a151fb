"""Stage forms: edit a stage, move the charter to the next or previous stage."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

from charter.accounts.forms import CheckboxList, options
from charter.process.services import CAPABILITY_LABELS, MAX_DESCRIPTION, MAX_NAME, MAX_NOTE

DATE_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


class StageForm(FlaskForm):
    """A stage's name, description, what it opens and its dates."""

    name = StringField(_l("Name"), validators=[InputRequired(), Length(max=MAX_NAME)])
    description = TextAreaField(
        _l("Description"), validators=[Optional(), Length(max=MAX_DESCRIPTION)]
    )
    opens = CheckboxList(_l("Opens"), validate_choice=True)
    opens_at = DateTimeLocalField(
        _l("Opens on (UTC)"),
        format=DATE_FORMATS,
        validators=[Optional()],
        description=_l("Optional. Before this date the stage opens nothing."),
    )
    closes_at = DateTimeLocalField(
        _l("Closes on (UTC)"),
        format=DATE_FORMATS,
        validators=[Optional()],
        description=_l("Optional. From this date on the stage opens nothing, by itself."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.opens.choices = options(CAPABILITY_LABELS.items())


class MoveForm(FlaskForm):
    """Move the charter to the next or previous stage, from the stage the user saw."""

    expected = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    note = TextAreaField(
        _l("Note"),
        validators=[Optional(), Length(max=MAX_NOTE)],
        description=_l("Optional: why now. Everyone reading the stages page sees it."),
    )
