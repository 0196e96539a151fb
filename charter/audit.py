"""The audit log: an append-only record of every state change, who made it, when, from where.

Services call `record()` in the same transaction as the change they make, so a change and
its audit row are committed together or not at all. No code path updates or deletes a row:
the append-only guard of `charter.database` refuses it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import has_request_context, request
from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.database import AppendOnly
from charter.drafting.models import Charter, utcnow
from charter.extensions import db
from charter.urls import query_int

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
        Index("ix_audit_entry_actor", "actor_id"),
        Index("ix_audit_entry_object", "object_type", "object_id"),
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


def shorten(text: str, limit: int = 200) -> str:
    """A summary no longer than limit characters, on one line."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, str]:
    """Before and after summaries of the fields that changed ("role: partner", "role: sherpa").

    Both mappings name the same fields; a field whose value did not change is left out.
    """
    changed = [name for name in after if before.get(name) != after[name]]
    return (
        "; ".join(f"{name}: {shorten(before.get(name, ''), 120)}" for name in changed),
        "; ".join(f"{name}: {shorten(after[name], 120)}" for name in changed),
    )


@dataclass(frozen=True)
class Filters:
    charter: int | None = None
    action: str = ""
    actor: int | None = None
    object_type: str = ""
    object_id: str = ""
    since: date | None = None
    until: date | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """The filters of a query string; a value that makes no sense is ignored."""
        return cls(
            charter=_number(args.get("charter")),
            action=_word(args.get("action", ""), 60),
            actor=_number(args.get("actor")),
            object_type=_word(args.get("object_type", ""), 40),
            object_id=_word(args.get("object_id", ""), 80),
            since=_date(args.get("since")),
            until=_date(args.get("until")),
            page=max(_number(args.get("page")) or 1, 1),
        )

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL arguments (empty ones left out), with some changed."""
        values = {**self.__dict__, **changes}
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in values.items()
            if value not in ("", None) and not (name == "page" and value == 1)
        }

    def without(self, *names: str) -> Filters:
        """These filters with some removed (and back to the first page)."""
        return replace(
            self, page=1, **{name: Filters.__dataclass_fields__[name].default for name in names}
        )


def _number(value: str | None) -> int | None:
    try:
        return query_int(value) if value else None
    except ValueError:
        return None


def _word(value: str, limit: int) -> str:
    value = value.strip()
    return value if len(value) <= limit and value.isprintable() else ""


def _date(value: str | None) -> date | None:
    try:
        day = date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or date.min < day < date.max else None  # a day either side


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
    if filters.object_type:
        query = query.where(AuditEntry.object_type == filters.object_type)
    if filters.object_id:
        query = query.where(AuditEntry.object_id == filters.object_id)
    if filters.since:
        query = query.where(AuditEntry.at >= datetime.combine(filters.since, datetime.min.time()))
    if filters.until:  # the whole day of until
        end = datetime.combine(filters.until + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEntry.at < end)
    # maintain_column_froms: without a filter, count() alone would lose the FROM (and be 1).
    counted = query.with_only_columns(sa.func.count(), maintain_column_froms=True)
    total = db.session.scalar(counted.order_by(None)) or 0
    page = db.session.scalars(
        query.order_by(AuditEntry.id.desc())
        .limit(PAGE_SIZE)
        .offset((max(filters.page, 1) - 1) * PAGE_SIZE)
    ).all()
    return list(page), total


def actions() -> list[str]:
    """The actions found in the log, for the filter."""
    return list(db.session.scalars(sa.select(AuditEntry.action).distinct().order_by("action")))


def domains(names: list[str]) -> list[str]:
    """The domains of these actions ("amendment" of "amendment.accept"), to filter on all."""
    return sorted({name.partition(".")[0] for name in names if "." in name})


def charters() -> list[tuple[int, str]]:
    """(id, title) of every charter, for the filter."""
    rows = db.session.execute(sa.select(Charter.id, Charter.title).order_by(Charter.title))
    return [(charter_id, title) for charter_id, title in rows]


def actors() -> list[tuple[int, str]]:
    """(id, name) of the people found in the log, for the filter."""
    from charter.accounts.models import User

    rows = db.session.execute(
        sa.select(User.id, User.display_name)
        .where(sa.exists().where(AuditEntry.actor_id == User.id))
        .order_by(User.display_name, User.id)
    )
    return [(user_id, name) for user_id, name in rows]
