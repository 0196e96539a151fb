"""The secretariat's webhooks, as API operations: list, add, turn off and on, delete, read a
webhook's deliveries and retry a failed one. Each loads its target and asks the policy as
the page does (charter.webhooks.views), calls the same service, and commits once."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import sqlalchemy as sa
from flask import Response, abort
from pydantic import Field

from charter.api.core import Page, PageQuery, Schema, caller, cursor_position, operation, paginate
from charter.api.manage import WRITE, charter_or_404
from charter.drafting.models import Charter
from charter.extensions import db
from charter.permissions import authorize
from charter.webhooks import services
from charter.webhooks.models import EVENTS, Webhook, WebhookDelivery

Event = Literal[EVENTS]  # the events a webhook may subscribe to, as the page lists them


class WebhookBody(Schema):
    url: str = Field(description="An http(s) address of a public server that receives the events.")
    events: list[Event] = Field(max_length=len(EVENTS), description="At least one event.")


class WebhookEditBody(Schema):
    active: bool = Field(description="false: the webhook receives no new events.")


class WebhookResult(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    created_at: datetime
    secret: str = Field(description="Signs every delivery (X-Charter-Signature): HMAC key.")


class DeliveryResult(Schema):
    id: int
    webhook: int
    event: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    last_status_code: int | None = Field(description="The receiver's last HTTP status.")
    last_error: str
    created_at: datetime
    delivered_at: datetime | None
    next_attempt_at: datetime | None = Field(description="When a pending delivery is due.")


def _charter(slug: str) -> Charter:
    charter = charter_or_404(slug)
    authorize("manage_webhooks", charter)
    return charter


def _webhook(slug: str, webhook_id: int) -> Webhook:
    webhook = services.webhook_or_none(_charter(slug), webhook_id)
    if webhook is None:
        abort(404)
    return webhook


def _result(webhook: Webhook) -> WebhookResult:
    return WebhookResult(
        id=webhook.id,
        url=webhook.url,
        events=webhook.event_list,
        active=webhook.active,
        created_at=webhook.created_at,
        secret=webhook.secret,
    )


def _delivery(row: WebhookDelivery) -> DeliveryResult:
    return DeliveryResult(
        id=row.id,
        webhook=row.webhook_id,
        event=row.event,
        status=row.status,
        attempts=row.attempts,
        last_status_code=row.last_status_code,
        last_error=row.last_error,
        created_at=row.created_at,
        delivered_at=row.delivered_at,
        next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
    )


@operation(
    "GET",
    "/charters/<slug>/webhooks",
    summary="The charter's webhooks, oldest first, with their secrets (secretariat)",
    response=list[WebhookResult],
    errors=(401, 403, 404),
    tags=("webhooks",),
)
def list_webhooks(slug: str):
    return [_result(webhook) for webhook in services.webhooks_of(_charter(slug))]


@operation(
    "POST",
    "/charters/<slug>/webhooks",
    summary="Add a webhook; give its secret to the receiver (secretariat)",
    body=WebhookBody,
    response=WebhookResult,
    status=201,
    errors=WRITE,
    tags=("webhooks",),
)
def create_webhook(slug: str, body: WebhookBody):
    """An address leading to a private or reserved network is 422; one the charter's events
    go to already, or a 21st webhook, is 409."""
    webhook = services.create(caller(), _charter(slug), body.url, body.events)
    db.session.commit()
    return _result(webhook)


@operation(
    "PATCH",
    "/charters/<slug>/webhooks/<int:webhook_id>",
    summary="Turn a webhook off (no new events) or on again (secretariat)",
    body=WebhookEditBody,
    response=WebhookResult,
    errors=WRITE,
    tags=("webhooks",),
)
def edit_webhook(slug: str, webhook_id: int, body: WebhookEditBody):
    """Turning it on checks its address again: where it leads may have changed."""
    webhook = _webhook(slug, webhook_id)
    services.set_active(caller(), webhook, body.active)
    db.session.commit()
    return _result(webhook)


@operation(
    "DELETE",
    "/charters/<slug>/webhooks/<int:webhook_id>",
    summary="Delete a webhook and its delivery log (secretariat)",
    status=204,
    errors=WRITE,
    tags=("webhooks",),
)
def delete_webhook(slug: str, webhook_id: int):
    services.delete(caller(), _webhook(slug, webhook_id))
    db.session.commit()
    return Response(status=204)


@operation(
    "GET",
    "/charters/<slug>/webhooks/<int:webhook_id>/deliveries",
    summary="A webhook's deliveries, newest first (secretariat)",
    response=Page[DeliveryResult],
    query=PageQuery,
    errors=(400, 401, 403, 404),
    tags=("webhooks",),
)
def webhook_deliveries(slug: str, webhook_id: int, query: PageQuery):
    webhook = _webhook(slug, webhook_id)
    limit, after = cursor_position(query, int)
    select = sa.select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if after is not None:
        select = select.where(WebhookDelivery.id < after[0])
    rows = db.session.scalars(select.order_by(WebhookDelivery.id.desc()).limit(limit + 1))
    shown, cursor = paginate(list(rows), limit, lambda row: [row.id])
    return Page[DeliveryResult](items=[_delivery(row) for row in shown], next_cursor=cursor)


@operation(
    "POST",
    "/charters/<slug>/webhooks/deliveries/<int:delivery_id>/retry",
    summary="Send a failed delivery again, right after this answer (secretariat)",
    response=DeliveryResult,
    errors=WRITE,
    tags=("webhooks",),
)
def retry_delivery(slug: str, delivery_id: int):
    """Only a failed delivery of an active webhook is retried (else 409); read its
    deliveries to see how it went."""
    failed = services.delivery_or_none(_charter(slug), delivery_id)
    if failed is None:
        abort(404)
    services.retry(caller(), failed)
    db.session.commit()
    return _delivery(failed)
