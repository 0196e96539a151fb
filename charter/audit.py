"""The audit log: an append-only record of every state change, who made it, when, from where.

Services call `record()` in the same transaction as the change they make, so a change and
its audit row are committed together or not at all. No code path updates or deletes a row:
the append-only guard of `charter.database` refuses it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.database import AppendOnly
from charter.drafting.models import utcnow
from charter.extensions import db

PAGE_SIZE = 50


class AuditEntry(AppendOnly, db.Model):
    """One state change: who did what to which object, before and after, when, from where."""

    __tablename__ = "audit_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    # The name at the time: the log reads the same after a person is renamed.
    actor_name: Mapped[str] = mapped_column(String(120), default="")
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(80), default="")
    charter_id: Mapped[int | None] = mapped_column(ForeignKey("charter.id"))
    before: Mapped[str] = mapped_column(Text, default="")
    after: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")

    actor = relationship("User")

    __table_args__ = (
        Index("ix_audit_entry_charter_at", "charter_id", "at"),
        Index("ix_audit_entry_action", "action"),
    )


def _charter_id(target: Any) -> int | None:
    if target is None:
        return None
    if hasattr(target, "stage_position"):  # a charter
        return target.id
    return getattr(target, "charter_id", None)


def record(
    actor: Any,
    action: str,
    target: Any,
    *,
    before: str = "",
    after: str = "",
    object_id: str | None = None,
) -> AuditEntry:
    """Append an audit row for a change made in the current transaction.

    action is dotted, domain first ("amendment.accept", "version.merge", "stage.advance");
    before and after are short summaries for people ("submitted" → "accepted").
    """
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        actor_name=getattr(actor, "display_name", "") or "",
        action=action,
        object_type=type(target).__name__.lower() if target is not None else "",
        object_id=str(object_id if object_id is not None else getattr(target, "id", "") or ""),
        charter_id=_charter_id(target),
        before=before,
        after=after,
        address=(request.remote_addr or "")[:64] if has_request_context() else "",
    )
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class Filters:
    charter: int | None = None
    action: str = ""
    actor: int | None = None
    page: int = 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL arguments (empty ones left out), with some changed."""
        values = {**self.__dict__, **changes}
        return {name: value for name, value in values.items() if value not in ("", None)}


def entries(filters: Filters) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, and the number of matching rows."""
    query = sa.select(AuditEntry)
    if filters.charter:
        query = query.where(AuditEntry.charter_id == filters.charter)
    if filters.action:
        # "amendment" matches every amendment action; "amendment.accept" just that one.
        query = query.where(
            (AuditEntry.action == filters.action)
            | AuditEntry.action.startswith(filters.action + ".", autoescape=True)
        )
    if filters.actor:
        query = query.where(AuditEntry.actor_id == filters.actor)
    total = db.session.scalar(query.with_only_columns(sa.func.count()).order_by(None)) or 0
    page = db.session.scalars(
        query.order_by(AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(page), total


def actions() -> list[str]:
    """The actions found in the log, for the filter."""
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by("action")))
