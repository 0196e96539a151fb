"""The translation form. Emptiness and lengths are checked by the service; the form keeps
what was typed."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField


class TranslationForm(FlaskForm):
    heading = StringField(_l("Heading"))
    body = TextAreaField(
        _l("Text"), description=_l("Markdown, as in the source: keep its lists and emphasis.")
    )
