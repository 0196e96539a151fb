"""What every template may use."""

from __future__ import annotations

from datetime import datetime

from flask import Flask
from flask_babel import format_date, format_datetime
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

    # Globals, not context variables, so imported macros see them too.
    app.jinja_env.globals["can"] = can
    app.jinja_env.globals["unread_notifications"] = unread_notifications

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

    @app.template_filter("date")
    def _date(value: datetime | None) -> str:
        return format_date(value, "medium") if value else ""

    @app.template_filter("datetime")
    def _datetime(value: datetime | None) -> str:
        return format_datetime(value, "medium") if value else ""
