"""What every template may use."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache

from babel import Locale, dates
from flask import Flask, g
from flask_babel import format_date, format_decimal, get_locale, get_timezone
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from charter import permissions
from charter.text import diff, markdown

# An amendment's state as people read it.
STATE_LABELS = {
    "draft": _l("draft"),
    "submitted": _l("awaiting review"),
    "accepted": _l("accepted"),
    "rejected": _l("rejected"),
    "withdrawn": _l("withdrawn"),
    "merged": _l("merged"),
}


@lru_cache(maxsize=16_384)
def _formatted_datetime(value: datetime, locale: Locale, timezone: tzinfo) -> str:
    """A moment as the reader's language and time zone write it (a long thread has hundreds:
    Babel takes tens of microseconds for each, so they are kept)."""
    return dates.format_datetime(value, "medium", tzinfo=timezone, locale=locale)


def _label_changes(html: str) -> Markup:
    """Name insertions and deletions for screen readers: colour and lines are not enough."""
    inserted = Markup('<ins><span class="visually-hidden">%s </span>') % _("inserted:")
    deleted = Markup('<del><span class="visually-hidden">%s </span>') % _("deleted:")
    # The diff HTML is escaped text plus bare <ins>/<del> tags (charter.text.diff); the blank
    # lines around a section body are not worth showing in a pre-wrapped block.
    html = html.strip("\n")
    return Markup(html.replace("<ins>", inserted).replace("<del>", deleted))  # noqa: S704


def init_app(app: Flask) -> None:
    """Register globals and filters."""

    def can(action: str, target=None) -> bool:
        """The policy, asked for the current user (templates never check roles)."""
        return permissions.can(permissions.current_user_or_none(), action, target)

    def unread_notifications() -> int:
        """How many notifications the signed-in user has not seen."""
        from charter.accounts.services import unread_count

        user = permissions.current_user_or_none()
        return unread_count(user) if user is not None else 0

    def is_following(charter, kind: str, ref: object) -> bool:
        """Whether the signed-in user follows this section, amendment or question."""
        from charter import notifications

        return notifications.is_following(permissions.current_user_or_none(), charter, kind, ref)

    def email_preferences_form():
        """The signed-in user's e-mail preference, as the form that changes it."""
        from charter.notifications_views import PreferencesForm

        return PreferencesForm(formdata=None, obj=permissions.current_user_or_none())

    # Globals, not context variables, so imported macros see them too.
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["unread_notifications"] = unread_notifications
    app.jinja_env.globals["is_following"] = is_following
    app.jinja_env.globals["email_preferences_form"] = email_preferences_form

    @app.template_filter("markdown")
    def _markdown(text: str, id_prefix: str = "") -> Markup:
        return Markup(markdown.render(text, id_prefix))  # noqa: S704 (sanitised by render)

    @app.template_filter("inline_diff")
    def _inline_diff(ops) -> Markup:
        return _label_changes(diff.inline_html(ops))

    @app.template_filter("side_by_side_diff")
    def _side_by_side_diff(ops) -> tuple[Markup, Markup]:
        old, new = diff.side_by_side_html(ops)
        return _label_changes(old), _label_changes(new)

    @app.template_filter("role_label")
    def _role_label(role: str) -> str:
        from charter.accounts.forms import role_labels

        return str(dict(role_labels()).get(role, role))

    @app.template_filter("state_label")
    def _state_label(state: str) -> str:
        return str(STATE_LABELS[str(state)])

    @app.template_filter("number")
    def _number(value: int | float) -> str:
        """A number as the reader's language writes it (10,000 · 10 000 · 10.000)."""
        return format_decimal(value)

    @app.template_filter("date")
    def _date(value: datetime | None) -> str:
        return format_date(value, "medium") if value else ""

    @app.template_filter("datetime")
    def _datetime(value: datetime | None) -> str:
        if not value:
            return ""
        if "reader_clock" not in g:  # Babel's lookups cost more than the cached formatting
            g.reader_clock = (get_locale(), get_timezone())
        return _formatted_datetime(value, *g.reader_clock)
