"""Sending webhook deliveries: after the change commits, then by `flask webhooks deliver`.

`emit()` adds pending deliveries in the transaction of the change; a session `after_commit`
listener notes their ids (a rollback forgets them) and, once the response has gone out, the
request that committed them makes the first attempt. What fails is retried with backoff by
`flask webhooks deliver`, run every minute from cron. Each attempt first claims its delivery
with one conditional UPDATE (due and pending), so two runners never send one twice.
Deliveries committed outside a request (by a command) wait for that command's next run.

A request is a POST of the stored JSON body, signed with the webhook's secret:
`X-Charter-Signature: sha256=<hex HMAC-SHA256 of the body>`. A 2xx answer delivers it.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

import click
import sqlalchemy as sa
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import event
from sqlalchemy.orm import Session

from charter.drafting.models import utcnow
from charter.extensions import db
from charter.webhooks import guard
from charter.webhooks.models import (
    DELIVERED,
    FAILED,
    MAX_ERROR,
    PENDING,
    Webhook,
    WebhookDelivery,
)

# After a failed attempt, the next one waits this long; after the last, the delivery failed.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
TIMEOUT = 5  # seconds, to connect and for each read
# A claimed delivery whose runner died (mid-send) is due again after this.
CLAIM = timedelta(minutes=10)
# After a response, attempts stop after this long: the worker is needed, the cron goes on.
AFTER_RESPONSE = 15  # seconds
USER_AGENT = "Charter-Webhooks/1"
# How much of an answer is read: receivers are only asked for a status code.
MAX_ANSWER = 64 * 1024

# Keys of Session.info: deliveries added in the current transaction, then committed ids.
_NEW = "charter.webhooks.new"
_PENDING = "charter.webhooks.pending"
# The charter's active webhooks, read once per transaction by emit().
SUBSCRIBERS = "charter.webhooks.subscribers"


# After the commit ------------------------------------------------------------------------


def note_new(deliveries: Iterable[WebhookDelivery]) -> None:
    """Remember deliveries added in this transaction, to attempt once it commits."""
    db.session.info.setdefault(_NEW, []).extend(deliveries)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    new = session.info.pop(_NEW, None)
    if new:
        # Their ids without loading them: a delivery added in a savepoint rolled back since
        # has no identity, and was never written.
        ids = [state.identity[0] for state in map(sa.inspect, new) if state.identity]
        session.info.setdefault(_PENDING, []).extend(ids)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_NEW, None)
        session.info.pop(SUBSCRIBERS, None)


def take_pending() -> list[int]:
    """The ids of the deliveries committed in this session and not yet attempted."""
    return db.session.info.pop(_PENDING, None) or []


def attempt_later(app: Flask, ids: list[int]) -> None:
    """Attempt deliveries once the response is sent (from its close); never raises."""
    with app.app_context():
        try:
            deliver(ids, deadline=time.monotonic() + AFTER_RESPONSE)
        except Exception:  # the change is saved: the cron command retries what is left
            db.session.rollback()
            app.logger.exception("Could not deliver webhooks %s", ids)
            if app.testing:
                raise


# Attempts ---------------------------------------------------------------------------------


@dataclass
class Outcome:
    """How a run went: how many deliveries were delivered, will be retried, failed."""

    delivered: int = 0
    retrying: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def deliver(
    ids: Iterable[int], now: datetime | None = None, *, deadline: float | None = None
) -> Outcome:
    """Attempt these deliveries, those of them still pending and due (none once the
    time.monotonic() deadline has passed: they stay due)."""
    outcome = Outcome()
    for delivery_id in sorted(set(ids)):
        if deadline is not None and time.monotonic() > deadline:
            break
        _attempt(delivery_id, now or utcnow(), outcome)
    return outcome


def deliver_due(now: datetime | None = None, limit: int = 1_000) -> Outcome:
    """Attempt every pending delivery whose time has come, oldest first."""
    now = now or utcnow()
    due = db.session.scalars(
        sa.select(WebhookDelivery.id)
        .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()
    db.session.commit()  # end the read: each attempt commits on its own
    return deliver(due, now)


def _attempt(delivery_id: int, now: datetime, outcome: Outcome) -> None:
    attempts = _claim(delivery_id, now)
    if attempts is None:
        return  # delivered, failed, not due, or claimed by another runner
    row = db.session.execute(
        sa.select(
            WebhookDelivery.payload,
            WebhookDelivery.event,
            Webhook.url,
            Webhook.secret,
            Webhook.active,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    db.session.commit()
    if row is None:
        return  # the webhook was deleted meanwhile
    payload, event_name, url, secret, active = row
    if active:
        code, error = send(url, secret, delivery_id, event_name, payload.encode())
    else:
        code, error = None, "The webhook is inactive."
    values: dict[str, Any] = {"last_status_code": code, "last_error": (error or "")[:MAX_ERROR]}
    if error is None:
        values.update(status=DELIVERED, delivered_at=utcnow(), next_attempt_at=None)
        outcome.delivered += 1
    elif attempts >= MAX_ATTEMPTS or not active:
        values.update(status=FAILED, next_attempt_at=None)
        outcome.failed += 1
    else:
        values.update(next_attempt_at=utcnow() + BACKOFF[attempts - 1])
        outcome.retrying += 1
    if error is not None:
        outcome.errors.append(f"{delivery_id} ({event_name} to {guard.origin(url)}): {error}")
    db.session.execute(
        sa.update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _claim(delivery_id: int, now: datetime) -> int | None:
    """Take a due pending delivery for this runner (counting the attempt); its attempts,
    or None when it is not due, not pending, or another runner took it first."""
    attempts = db.session.scalar(
        sa.update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=utcnow() + CLAIM)
        .returning(WebhookDelivery.attempts)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return attempts


def signature(secret: str, body: bytes) -> str:
    """The X-Charter-Signature header of a body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send(
    url: str, secret: str, delivery_id: int, event_name: str, body: bytes
) -> tuple[int | None, str | None]:
    """POST one delivery; (status code or None, None when delivered or else the error)."""
    try:
        address = guard.destination(url)
    except guard.Refused as refused:
        return None, refused.message
    request = urllib.request.Request(  # noqa: S310 (guard.destination allows http(s) only)
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Charter-Event": event_name,
            "X-Charter-Delivery": str(delivery_id),
            "X-Charter-Signature": signature(secret, body),
        },
    )
    opener = urllib.request.build_opener(
        urllib.request.ProxyHandler({}),  # straight to the checked address, no proxy
        _NoRedirects(),
        _PinnedHTTPHandler(address),
        _PinnedHTTPSHandler(address),
    )
    try:
        with opener.open(request, timeout=TIMEOUT) as answer:
            answer.read(MAX_ANSWER)
            return answer.status, None
    except urllib.error.HTTPError as answer:
        answer.close()
        if 300 <= answer.code < 400:
            return answer.code, f"HTTP {answer.code}: redirects are not followed."
        return answer.code, f"HTTP {answer.code}"
    except urllib.error.URLError as error:
        return None, _describe(error.reason)
    except (OSError, http.client.HTTPException, ValueError) as error:
        return None, _describe(error)


def _describe(error: object) -> str:
    if isinstance(error, TimeoutError):
        return f"No answer within {TIMEOUT} seconds."
    text = str(error) or type(error).__name__
    return " ".join(text.split())[:MAX_ERROR]


# Connections to the checked address -----------------------------------------------------


def _pin(connection: http.client.HTTPConnection, address: str) -> None:
    # http.client opens its socket through this attribute: connect to the address the guard
    # checked (no second DNS answer), while the Host header and TLS keep the host name.
    def create_connection(host_port: tuple[str, int], *args: Any) -> socket.socket:
        return socket.create_connection((address, host_port[1]), *args)

    connection._create_connection = create_connection  # type: ignore[attr-defined]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, pinned: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pin(self, pinned)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    def __init__(self, *args: Any, pinned: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _pin(self, pinned)


class _PinnedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(partial(_PinnedHTTPConnection, pinned=self.address), req)


class _PinnedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str) -> None:
        super().__init__()
        self.address = address

    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(
            partial(_PinnedHTTPSConnection, pinned=self.address), req, context=self._context
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: it could lead past the guard."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# The command ------------------------------------------------------------------------------


cli = AppGroup("webhooks", help="Webhooks of the charters.")


@cli.command("deliver")
def deliver_command() -> None:
    """Send the webhook deliveries that are due (run it every minute from cron)."""
    outcome = deliver_due()
    for error in outcome.errors:
        click.echo(f"Not delivered: {error}", err=True)
    click.echo(
        f"Delivered {outcome.delivered}, to retry {outcome.retrying}, failed {outcome.failed}."
    )
