"""Webhook use cases: emit a charter's events, and the secretariat's configuration.

`emit()` runs in the transaction of the change it reports and adds one pending delivery
per active webhook of the charter subscribed to the event; charter.webhooks.delivery sends
them once that transaction has committed. Only what a webhook subscribed to leaves the site,
and nothing of an amendment still in draft (its author's alone) ever does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import contains_eager, selectinload

from charter import audit, permissions
from charter.drafting.models import Charter, utcnow
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.webhooks import delivery, guard
from charter.webhooks.models import EVENTS, FAILED, PENDING, Webhook, WebhookDelivery

# What each event is, as the secretariat reads it.
EVENT_LABELS = {
    "version.published": _l("A version is published"),
    "stage.changed": _l("The charter moves to another stage"),
    "amendment.state_changed": _l(
        "An amendment is submitted, accepted, rejected, withdrawn or merged"
    ),
}
MAX_WEBHOOKS = 20  # per charter
LOG_SIZE = 100


# Emitting --------------------------------------------------------------------------------


def emit(
    charter: Charter, event: str, data: dict[str, Any], *, at: datetime | None = None
) -> list[WebhookDelivery]:
    """Queue the event for the charter's active webhooks subscribed to it (in the caller's
    transaction: sent only if it commits)."""
    if event not in EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    with db.session.no_autoflush:  # never flush a use case half-way through
        targets = [hook_id for hook_id, events in _subscribers(charter.id) if event in events]
        if not targets:
            return []
        body = json.dumps(
            {
                "event": event,
                "charter": charter.slug,
                "occurred_at": (at or utcnow()).isoformat() + "Z",
                "data": data,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )
    deliveries = [
        WebhookDelivery(
            webhook_id=hook_id,
            event=event,
            payload=body,
            status=PENDING,
            attempts=0,
            next_attempt_at=utcnow(),
        )
        for hook_id in targets
    ]
    db.session.add_all(deliveries)
    delivery.note_new(deliveries)
    return deliveries


def _subscribers(charter_id: int) -> list[tuple[int, frozenset[str]]]:
    """The charter's active webhooks and their events, read once per transaction (a merge
    of many amendments emits many events)."""
    cache = db.session.info.setdefault(delivery.SUBSCRIBERS, {})
    if charter_id not in cache:
        rows = db.session.execute(
            sa.select(Webhook.id, Webhook.events)
            .where(Webhook.charter_id == charter_id, Webhook.active.is_(True))
            .order_by(Webhook.id)
        )
        cache[charter_id] = [(hook_id, frozenset(events.split(","))) for hook_id, events in rows]
    return cache[charter_id]


def _forget_subscribers() -> None:
    db.session.info.pop(delivery.SUBSCRIBERS, None)


def absolute(path: str) -> str:
    """A site path as a full address (deliveries leave without a request)."""
    return current_app.config["SITE_URL"].rstrip("/") + path


def version_published(version: Any, *, at: datetime | None = None) -> None:
    """A version became public."""
    slug = version.charter.slug
    emit(
        version.charter,
        "version.published",
        {
            "number": version.number,
            "digest": version.digest,
            "url": absolute(f"/charters/{slug}/versions/{version.number}"),
        },
        at=at,
    )


def stage_changed(
    charter: Charter, before: tuple[int, str], after: tuple[int, str], *, at: datetime | None
) -> None:
    """The charter moved from one stage (position, name) to another."""
    emit(
        charter,
        "stage.changed",
        {
            "from": {"position": before[0], "name": before[1]},
            "to": {"position": after[0], "name": after[1]},
            "url": absolute(f"/charters/{charter.slug}/stages"),
        },
        at=at,
    )


def amendment_state_changed(amendment: Any, before: str, after: str) -> None:
    """An amendment changed state. A draft is its author's alone: of its changes only its
    submission (when it stops being private) is told."""
    if before == "draft" and after != "submitted":
        return
    with db.session.no_autoflush:
        charter = amendment.charter
        data = {
            "number": amendment.number,
            "from": before,
            "to": after,
            "url": absolute(f"/charters/{charter.slug}/amendments/{amendment.number}"),
        }
    emit(charter, "amendment.state_changed", data)


# Reading ----------------------------------------------------------------------------------


def webhooks_of(charter: Charter) -> list[Webhook]:
    """The charter's webhooks, oldest first."""
    return list(
        db.session.scalars(
            sa.select(Webhook)
            .where(Webhook.charter_id == charter.id)
            .options(selectinload(Webhook.created_by))
            .order_by(Webhook.id)
        )
    )


def webhook_or_none(charter: Charter, webhook_id: int) -> Webhook | None:
    """A webhook of this charter (another charter's is None)."""
    webhook = db.session.get(Webhook, webhook_id)
    return webhook if webhook is not None and webhook.charter_id == charter.id else None


def delivery_or_none(charter: Charter, delivery_id: int) -> WebhookDelivery | None:
    """A delivery to a webhook of this charter (another charter's is None)."""
    return db.session.scalar(
        sa.select(WebhookDelivery)
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == delivery_id, Webhook.charter_id == charter.id)
    )


def log_of(charter: Charter, limit: int = LOG_SIZE) -> list[WebhookDelivery]:
    """The charter's latest deliveries, newest first, with their webhooks."""
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .join(WebhookDelivery.webhook)
            .options(contains_eager(WebhookDelivery.webhook))
            .where(Webhook.charter_id == charter.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# The secretariat's changes ----------------------------------------------------------------


def _require(actor: Any, charter: Charter) -> None:
    permissions.require(
        actor, "manage_webhooks", charter, _("Only the secretariat manages webhooks.")
    )


def _events(chosen: Iterable[str]) -> list[str]:
    chosen = set(chosen)
    unknown = chosen - set(EVENTS)
    if unknown:
        raise InvalidInput(_("There is no such event."), field="events")
    if not chosen:
        raise InvalidInput(_("Choose at least one event."), field="events")
    return [event for event in EVENTS if event in chosen]


def create(actor: Any, charter: Charter, url: str, events: Sequence[str]) -> Webhook:
    """Add a webhook: its address must lead to a public server; its secret is random."""
    _require(actor, charter)
    url = guard.check_form(url)
    chosen = _events(events)
    existing = webhooks_of(charter)
    if any(webhook.url == url for webhook in existing):
        raise Conflict(_("This address receives the charter's events already."), field="url")
    if len(existing) >= MAX_WEBHOOKS:
        raise Conflict(_("A charter has at most 20 webhooks: delete one first."))
    guard.destination(url)
    webhook = Webhook(
        charter_id=charter.id,
        url=url,
        events=",".join(chosen),
        active=True,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(webhook)
    db.session.flush()
    summary = f"{guard.origin(url)} ({', '.join(chosen)})"
    audit.record(actor, "webhook.create", webhook, after=summary)
    _forget_subscribers()
    return webhook


def set_active(actor: Any, webhook: Webhook, active: bool) -> bool:
    """Turn a webhook on or off (off: no new deliveries); False when it already was."""
    _require(actor, webhook.charter)
    if webhook.active == active:
        return False
    if active:
        guard.destination(webhook.url)  # the address may lead elsewhere by now
    webhook.active = active
    audit.record(
        actor,
        "webhook.activate" if active else "webhook.deactivate",
        webhook,
        before=guard.origin(webhook.url),
        after="active" if active else "inactive",
    )
    _forget_subscribers()
    db.session.flush()
    return True


def delete(actor: Any, webhook: Webhook) -> None:
    """Remove a webhook and its delivery log."""
    _require(actor, webhook.charter)
    before = guard.origin(webhook.url)
    audit.record(actor, "webhook.delete", webhook, before=before, after="deleted")
    db.session.delete(webhook)
    _forget_subscribers()
    db.session.flush()


def retry(actor: Any, failed: WebhookDelivery) -> None:
    """Try a failed delivery once more, now (once the caller commits)."""
    webhook = failed.webhook
    _require(actor, webhook.charter)
    if failed.status != FAILED:
        raise Conflict(_("Only a failed delivery can be retried."))
    if not webhook.active:
        raise Conflict(_("Turn the webhook on again before retrying its deliveries."))
    failed.status = PENDING
    failed.next_attempt_at = utcnow()
    audit.record(
        actor,
        "webhook.retry",
        webhook,
        before=f"delivery {failed.id}: failed",
        after="pending",
    )
    delivery.note_new([failed])
    db.session.flush()
