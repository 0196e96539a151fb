"""Stages of a charter's process, and the recorded moves between them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.database import AppendOnly
from charter.extensions import db

if TYPE_CHECKING:
    from charter.accounts.models import User
    from charter.drafting.models import Charter

# What a stage may open. "edit" lets the secretariat review, merge and edit the draft.
CAPABILITIES = ("comment", "answer", "propose", "edit")

# The default process of DESIGN.md: name, description, what it opens.
DEFAULT_STAGES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Drafting", "The secretariat prepares the draft proposal; nothing is public.", ("edit",)),
    (
        "Partner consultation",
        "Partners, sherpas and advisors comment on the draft and answer the guiding questions.",
        ("comment", "answer", "edit"),
    ),
    (
        "Policy Council session",
        "Sherpas and advisors propose and co-sign amendments.",
        ("comment", "answer", "propose", "edit"),
    ),
    (
        "Executive Bureau",
        "Amendments are closed; the secretariat reviews, merges and submits a consolidated text.",
        ("edit",),
    ),
    ("Launch", "The adopted charter is published and read-only.", ()),
)


def utcnow() -> datetime:
    """Now, as charter.drafting.models.utcnow tells it (naive UTC, to the second)."""
    # Imported here: charter.drafting.models imports this module.
    from charter.drafting.models import utcnow as drafting_utcnow

    return drafting_utcnow()


class Stage(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    opens: Mapped[str] = mapped_column(String(200), default="")
    # Optional dates (naive UTC): outside them the stage opens nothing, by itself.
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime | None]

    charter: Mapped[Charter] = relationship()

    __table_args__ = (UniqueConstraint("charter_id", "position"),)

    @property
    def capabilities(self) -> list[str]:
        """What the stage opens, in the order of CAPABILITIES."""
        opened = set(self.opens.split(","))
        return [capability for capability in CAPABILITIES if capability in opened]

    def not_yet_open(self, now: datetime | None = None) -> bool:
        """True before the opening date."""
        return self.opens_at is not None and (now or utcnow()) < self.opens_at

    def closed(self, now: datetime | None = None) -> bool:
        """True from the closing date on."""
        return self.closes_at is not None and (now or utcnow()) >= self.closes_at

    def is_open(self, now: datetime | None = None) -> bool:
        """True between the opening and closing dates (either may be absent)."""
        now = now or utcnow()
        return not self.not_yet_open(now) and not self.closed(now)

    def allows(self, capability: str, now: datetime | None = None) -> bool:
        """True when this stage opens the capability (comment, answer, propose, edit) now.

        Dates close actions by themselves when passed: no one has to move the stage.
        """
        return capability in self.opens.split(",") and self.is_open(now)

    def __repr__(self) -> str:
        return f"<Stage {self.position} {self.name}>"


class StageEvent(AppendOnly, db.Model):
    """A move of a charter from one stage to another: who, when, why."""

    __tablename__ = "stage_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    from_position: Mapped[int]
    to_position: Mapped[int]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship()

    __table_args__ = (Index("ix_stage_event_charter_at", "charter_id", "at"),)

    def __repr__(self) -> str:
        return f"<StageEvent {self.charter_id} {self.from_position}->{self.to_position}>"
