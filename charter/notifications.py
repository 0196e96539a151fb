"""Notifications: who follows what, telling people what happened, and e-mailing them.

Services call `notify()` in the transaction of the change they report; the rows are the
in-app list. E-mail goes out only once that transaction has committed: `notify()` notes the
new ids on the session, a session `after_commit` listener moves them to a pending list (a
rollback forgets them), and `deliver_pending()` — run after every request, and by commands
that change things — mails them to the people who want one message per event. The others
get a daily digest from `flask digest` (`send_digests()`), which also retries failed e-mails.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from charter import audit, mail, permissions
from charter.accounts.models import Notification, User
from charter.consultation.models import FOLLOW_KINDS, Follow, GuidingQuestion
from charter.database import savepoint
from charter.drafting.models import Charter, utcnow
from charter.errors import InvalidInput
from charter.extensions import db
from charter.notices import Notice, shown

# How often a person wants e-mail about their notifications.
EMAIL_CHOICES = {
    "each": _l("At each event, one e-mail each time"),
    "daily": _l("Once a day, a digest of what happened"),
    "never": _l("Never (the list on this site only)"),
}
PAGE_SIZE = 50
# A digest (and a retry) covers at most this much: older news is not worth an e-mail.
DIGEST_WINDOW = timedelta(days=2)
# A per-event e-mail not sent after this long failed (rather than being under way).
RETRY_AFTER = timedelta(minutes=5)
UNSUBSCRIBE_VALID_FOR = timedelta(days=60)
_UNSUBSCRIBE_SALT = "charter.unsubscribe"

# Keys of Session.info: ids added in the current transaction, then committed ones.
_NEW = "charter.notifications.new"
_PENDING = "charter.notifications.pending"


# Notifying and following -------------------------------------------------------------------


def notify(
    user_ids: Iterable[int], notice: Notice, link: str, *, actor: User | None = None
) -> None:
    """Tell each user (once, never the actor) that something happened, linking to it; each
    reads the notice in their own language."""
    recipients = set(user_ids) - ({actor.id} if actor is not None else set())
    text, params = notice.english(), notice.dumps()
    added = [
        Notification(user_id=user_id, text=text, message=notice.msgid, params=params, link=link)
        for user_id in sorted(recipients)
    ]
    db.session.add_all(added)
    db.session.flush()
    db.session.info.setdefault(_NEW, []).extend(notification.id for notification in added)


def followers(charter: Charter, kind: str, ref: object) -> set[int]:
    """The ids of the active users who follow this section, amendment or question."""
    return set(
        db.session.scalars(
            sa.select(Follow.user_id)
            .join(User, User.id == Follow.user_id)
            .where(
                Follow.charter_id == charter.id,
                Follow.kind == kind,
                Follow.ref == str(ref),
                User.active.is_(True),
            )
        )
    )


def allowed(user_ids: Iterable[int], action: str, target: Any) -> set[int]:
    """Those of user_ids the policy allows action on target (e.g. still may read it)."""
    ids = set(user_ids)
    if not ids:
        return set()
    users = db.session.scalars(sa.select(User).where(User.id.in_(ids)))
    return {user.id for user in users if permissions.can(user, action, target)}


def is_following(user: User | None, charter: Charter, kind: str, ref: object) -> bool:
    if user is None:
        return False
    return (
        db.session.scalar(
            sa.select(Follow.id).where(
                Follow.user_id == user.id,
                Follow.charter_id == charter.id,
                Follow.kind == kind,
                Follow.ref == str(ref),
            )
        )
        is not None
    )


def follow(user: User, charter: Charter, kind: str, ref: object) -> None:
    """Follow a target (nothing happens when already following)."""
    if kind not in FOLLOW_KINDS:
        raise ValueError(kind)
    if is_following(user, charter, kind, ref):
        return
    try:
        with savepoint():  # the same click twice at once: one row
            db.session.add(Follow(user_id=user.id, charter_id=charter.id, kind=kind, ref=str(ref)))
    except IntegrityError:
        pass


def unfollow(user: User, charter: Charter, kind: str, ref: object) -> None:
    db.session.execute(
        sa.delete(Follow).where(
            Follow.user_id == user.id,
            Follow.charter_id == charter.id,
            Follow.kind == kind,
            Follow.ref == str(ref),
        )
    )


def follow_target(charter: Charter, kind: str, ref: str, user: Any) -> str | None:
    """The page of a section, amendment or question the user may see, or None (no such
    target, or hidden from them: both look the same)."""
    from charter.amendments.models import Amendment
    from charter.drafting import queries

    base = f"/charters/{charter.slug}"
    number = ref.isascii() and ref.isdigit() and len(ref) < 10  # "²" is a digit, not a number
    if kind == "amendment" and number:
        amendment = db.session.scalar(
            sa.select(Amendment).where(
                Amendment.charter_id == charter.id, Amendment.number == int(ref)
            )
        )
        if amendment is not None and permissions.can(user, "read_amendment", amendment):
            return f"{base}/amendments/{amendment.number}"
        return None
    latest = queries.latest_visible(charter, user)
    if latest is None:  # nothing of this charter is visible to them yet
        return None
    if kind == "section" and any(s.key == ref for s in queries.sections_of(latest)):
        return f"{base}/sections/{ref}"
    if kind == "question" and number:
        question = db.session.get(GuidingQuestion, int(ref))
        if question is not None and question.charter_id == charter.id:
            return f"{base}/questions/{question.id}"
    return None


# The in-app list and preferences -----------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page number of the list (what templates/macros/_pagination.html expects)."""

    page: int = 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        page = changes.get("page", self.page)
        return {"page": page} if page > 1 else {}


def page_of(user: User, page: Page) -> tuple[list[Notification], int]:
    """One page of the user's notifications, newest first, and how many there are."""
    total = (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id)
        )
        or 0
    )
    rows = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(PAGE_SIZE)
        .offset((page.page - 1) * PAGE_SIZE)
    ).all()
    return list(rows), total


def open_notification(user: User, notification_id: int) -> Notification | None:
    """One of the user's notifications, now marked read; None for anyone else's."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        return None
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def set_email_preference(user: User, choice: str) -> None:
    """The user chooses how notifications reach them by e-mail: each, daily or never."""
    if choice not in EMAIL_CHOICES:
        raise InvalidInput(_("Choose each event, a daily digest or never."))
    before = user.email_notifications
    if before != choice:
        user.email_notifications = choice
        audit.record(user, "account.email_notifications", user, before=before, after=choice)


def unsubscribe(user: User) -> None:
    """Stop every e-mail to user (through the link of an e-mail, signed in or not)."""
    before = user.email_notifications
    if before != "never":
        user.email_notifications = "never"
        audit.record(user, "account.unsubscribe", user, before=before, after="never")


def unsubscribe_token(user_id: int) -> str:
    """A signed token that lets whoever holds it stop the user's e-mails (no sign-in)."""
    return _serializer().dumps(user_id)


def user_of_token(token: str) -> User | None:
    """The user of a valid unsubscribe token, or None (forged, expired or unknown)."""
    try:
        user_id = _serializer().loads(token, max_age=int(UNSUBSCRIBE_VALID_FOR.total_seconds()))
    except BadData:
        return None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    return db.session.get(User, user_id)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_UNSUBSCRIBE_SALT)


# E-mail ------------------------------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    new = session.info.pop(_NEW, None)
    if new:
        session.info.setdefault(_PENDING, []).extend(new)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    # After a commit the ids moved on already; after a rollback (or a close) they are void.
    if transaction.parent is None:
        session.info.pop(_NEW, None)


@dataclass(frozen=True)
class _Row:
    """A notification to e-mail and its recipient, read before the claim commits."""

    id: int
    written: str
    message: str | None
    params: str | None
    link: str
    created_at: datetime
    user_id: int
    email: str
    language: str | None
    preference: str

    @property
    def text(self) -> str:
        """In the language of the locale in force (the recipient's, when e-mailing)."""
        return shown(self.written, self.message, self.params)


def _rows(*conditions: Any) -> list[_Row]:
    rows = db.session.execute(
        sa.select(
            Notification.id,
            Notification.text,
            Notification.message,
            Notification.params,
            Notification.link,
            Notification.created_at,
            User.id,
            User.email,
            User.language,
            User.email_notifications,
        )
        .join(User, User.id == Notification.user_id)
        .where(Notification.emailed_at.is_(None), User.active.is_(True), *conditions)
        .order_by(User.id, Notification.created_at, Notification.id)
    )
    return [_Row(*row) for row in rows]


def deliver_pending() -> int:
    """E-mail the notifications committed in this session to those who want one e-mail per
    event; returns how many went out. A failure is logged and left to `flask digest`."""
    ids = db.session.info.pop(_PENDING, None)
    if not ids:
        return 0
    rows = _rows(Notification.id.in_(set(ids)), User.email_notifications == "each")
    if not rows:
        return 0
    titles = _charter_titles(rows)
    sent = 0
    for row in rows:
        try:
            sent += _deliver([row], titles, digest=False)
        except mail.DeliveryError:
            # The server is most likely down: leave the rest to the digest's retry.
            current_app.logger.exception("Could not e-mail notification %s", row.id)
            break
    return sent


def send_digests(now: datetime | None = None) -> tuple[int, str | None]:
    """Send each "daily" user one message listing their notifications not yet e-mailed,
    and retry the per-event e-mails that failed; returns (messages sent, error or None)."""
    now = now or utcnow()
    rows = _rows(
        Notification.created_at >= now - DIGEST_WINDOW,
        (User.email_notifications == "daily")
        | ((User.email_notifications == "each") & (Notification.created_at <= now - RETRY_AFTER)),
    )
    titles = _charter_titles(rows)
    sent = 0
    for user_id, grouped in groupby(rows, key=lambda row: row.user_id):
        group = list(grouped)
        digest = group[0].preference == "daily"
        batches = [group] if digest else [[row] for row in group]
        for batch in batches:
            try:
                sent += _deliver(batch, titles, digest=digest)
            except mail.DeliveryError as error:
                current_app.logger.exception("Could not send the e-mails of user %s", user_id)
                return sent, str(error)
    return sent, None


def _deliver(rows: Sequence[_Row], titles: dict[str, str], *, digest: bool) -> int:
    """Claim the notifications (so no other process mails them too), send one message,
    and give the claim back when sending fails. Returns 1 when a message went out."""
    claimed = set(
        db.session.scalars(
            sa.update(Notification)
            .where(Notification.id.in_([row.id for row in rows]))
            .where(Notification.emailed_at.is_(None))
            .values(emailed_at=utcnow())
            .returning(Notification.id)
            .execution_options(synchronize_session=False)
        )
    )
    db.session.commit()
    rows = [row for row in rows if row.id in claimed]
    if not rows:
        return 0
    user = rows[0]
    language = user.language if user.language in current_app.config["LANGUAGES"] else "en"
    with force_locale(language):
        subject, body = _digest(rows) if digest else _single(rows[0], titles)
        body += _footer(user.user_id)
    try:
        mail.send(user.email, subject, body, headers=_headers(user.user_id))
    except mail.DeliveryError:
        db.session.execute(
            sa.update(Notification)
            .where(Notification.id.in_(claimed))
            .values(emailed_at=None)
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        raise
    return 1


def _single(row: _Row, titles: dict[str, str]) -> tuple[str, str]:
    where = titles.get(_slug(row.link)) or _("Charter")
    subject = f"[{audit.shorten(where, 60)}] {audit.shorten(row.text, 100)}"
    return subject, f"{row.text}\n\n{absolute(row.link or _path('notifications.index'))}\n"


def _digest(rows: Sequence[_Row]) -> tuple[str, str]:
    count = len(rows)
    subject = "[{}] {}".format(
        _("Charter"), ngettext("%(num)d new notification", "%(num)d new notifications", count)
    )
    lines = [_("Here is what happened since the last e-mail:"), ""]
    for row in rows:
        lines += [f"- {row.text}", f"  {absolute(row.link or _path('notifications.index'))}", ""]
    return subject, "\n".join(lines)


def _footer(user_id: int) -> str:
    token = unsubscribe_token(user_id)
    return "\n-- \n{}\n{}\n{}\n".format(
        _("You receive this e-mail because of your notification settings on Charter."),
        _("Choose how often you get e-mail: %(url)s", url=absolute(_path("notifications.index"))),
        _(
            "Stop all e-mails (no sign-in needed): %(url)s",
            url=absolute(_path("notifications.unsubscribe", token=token)),
        ),
    )


def _headers(user_id: int) -> dict[str, str]:
    """RFC 8058 one-click unsubscribe, and RFC 3834's "sent by a machine"."""
    token = unsubscribe_token(user_id)
    return {
        "List-Unsubscribe": f"<{absolute(_path('notifications.one_click', token=token))}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
    }


def absolute(path: str) -> str:
    """A site-relative path as a full address, from SITE_URL (e-mails have no request)."""
    if not path.startswith("/") or path.startswith("//"):
        path = "/" + path.lstrip("/")
    return current_app.config["SITE_URL"].rstrip("/") + path


def _path(endpoint: str, **values: Any) -> str:
    """The path of an endpoint without a request (CLI commands send e-mail too)."""
    return current_app.url_map.bind("localhost").build(endpoint, values)


_CHARTER_LINK = re.compile(r"^/charters/([^/?#]+)")


def _slug(link: str) -> str:
    match = _CHARTER_LINK.match(link or "")
    return match.group(1) if match else ""


def _charter_titles(rows: Sequence[_Row]) -> dict[str, str]:
    slugs = {_slug(row.link) for row in rows} - {""}
    if not slugs:
        return {}
    rows = db.session.execute(sa.select(Charter.slug, Charter.title).where(Charter.slug.in_(slugs)))
    return {slug: title for slug, title in rows}
