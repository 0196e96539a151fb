"""Consultation forms: a comment (or annotation, or answer), a reply, a reason, a confirmation.

Lengths and emptiness are checked by the services, which say so in the user's words; the
forms keep what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, TextAreaField
from wtforms.validators import NumberRange, Optional

from charter.accounts.forms import CheckboxList, options
from charter.consultation.models import Theme


class _WithThemes(FlaskForm):
    """A new contribution that may carry themes of its charter."""

    themes = CheckboxList(_l("Themes"), coerce=int, validate_choice=True)

    def with_themes(self, themes: list[Theme]) -> _WithThemes:
        self.themes.choices = options((theme.id, theme.name) for theme in themes)
        return self


class CommentForm(_WithThemes):
    """A new comment on a section, with an optional quoted passage."""

    body = TextAreaField(
        _l("Your comment"), description=_l("Markdown: **bold**, *italic*, [links](https://…).")
    )
    quote = TextAreaField(
        _l("Passage you comment on (optional)"),
        description=_l("Copy the words from the section exactly, or select them in the text."),
    )
    position = IntegerField(validators=[Optional(), NumberRange(min=0, max=10_000_000)])


class AnswerForm(_WithThemes):
    """An answer to a guiding question."""

    body = TextAreaField(
        _l("Your answer"), description=_l("Markdown: **bold**, *italic*, [links](https://…).")
    )


class ReplyForm(FlaskForm):
    body = TextAreaField(_l("Your reply"))


class EditForm(FlaskForm):
    body = TextAreaField(_l("Your comment"))


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"))


class ConfirmForm(FlaskForm):
    """A button that only needs the CSRF token."""

    next = HiddenField()
