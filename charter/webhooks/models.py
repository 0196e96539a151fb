"""Webhooks a charter's secretariat configures, and the deliveries of events to them."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.drafting.models import Charter, utcnow
from charter.extensions import db

if TYPE_CHECKING:
    from charter.accounts.models import User

# The events a webhook may subscribe to, in the order the page lists them.
EVENTS = ("version.published", "stage.changed", "amendment.state_changed")

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"
STATUSES = (PENDING, DELIVERED, FAILED)

MAX_URL = 2_000
MAX_ERROR = 200


def new_secret() -> str:
    """A random signing secret (256 bits), shown to the secretariat for the receiver."""
    return secrets.token_hex(32)


class Webhook(db.Model):
    """An address that receives a charter's events as signed JSON POSTs."""

    __tablename__ = "webhook"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"), index=True)
    url: Mapped[str] = mapped_column(String(MAX_URL))
    # Kept in clear: deliveries are signed with it (HMAC), so it cannot be a hash.
    secret: Mapped[str] = mapped_column(String(64), default=new_secret)
    # The subscribed events, comma-separated, in the order of EVENTS.
    events: Mapped[str] = mapped_column(String(200), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    charter: Mapped[Charter] = relationship()
    created_by: Mapped[User | None] = relationship()
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="webhook", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def event_list(self) -> list[str]:
        return [event for event in self.events.split(",") if event]

    def subscribes_to(self, event: str) -> bool:
        return event in self.event_list

    def __repr__(self) -> str:
        return f"<Webhook {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event sent (or to send) to one webhook: the exact body, and how sending went."""

    __tablename__ = "webhook_delivery"
    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhook.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    # The JSON body as sent: retries send (and sign) the very same bytes.
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    # When a pending delivery is due; while one is being sent, the end of its runner's claim.
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None]
    last_error: Mapped[str] = mapped_column(String(MAX_ERROR), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]

    webhook: Mapped[Webhook] = relationship(back_populates="deliveries")

    __table_args__ = (
        Index("ix_webhook_delivery_status_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_webhook", "webhook_id", "id"),
    )

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event} {self.status}>"
