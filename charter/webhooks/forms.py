"""Webhook forms: a new webhook, and the CSRF token of the buttons.

The services check the address and the events and say what is wrong in the user's words;
the forms keep what was typed.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import URLField

from charter.accounts.forms import CheckboxList, options
from charter.webhooks.services import EVENT_LABELS


class WebhookForm(FlaskForm):
    url = URLField(
        _l("Address that receives the events"),
        description=_l("An https:// address of a public server, e.g. https://example.org/hooks."),
    )
    events = CheckboxList(_l("Events to send"), validate_choice=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.events.choices = options(EVENT_LABELS.items())


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token of a POST-only button."""
