"""Amendments, their operations, state history, co-signatures and comments."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.accounts.models import Council, User
from charter.consultation.models import GuidingQuestion, Theme
from charter.drafting.models import Charter, Version, utcnow
from charter.extensions import db
from charter.text import rebase


class State(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    MERGED = "merged"


# Who may move an amendment where is the policy's business; which moves exist is this.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.DRAFT: frozenset({State.SUBMITTED, State.WITHDRAWN}),
    State.SUBMITTED: frozenset({State.ACCEPTED, State.REJECTED, State.WITHDRAWN}),
    State.ACCEPTED: frozenset({State.MERGED}),
    State.REJECTED: frozenset(),
    State.WITHDRAWN: frozenset(),
    State.MERGED: frozenset(),
}

amendment_theme = Table(
    "amendment_theme",
    db.metadata,
    Column("amendment_id", ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)

amendment_question = Table(
    "amendment_question",
    db.metadata,
    Column("amendment_id", ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True),
    Column("question_id", ForeignKey("guiding_question.id", ondelete="CASCADE"), primary_key=True),
)


class Amendment(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    number: Mapped[int]  # 1, 2, 3… per charter, for people to cite
    base_version_id: Mapped[int] = mapped_column(ForeignKey("version.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    council_id: Mapped[int | None] = mapped_column(ForeignKey("council.id"))
    title: Mapped[str] = mapped_column(String(200))
    justification: Mapped[str] = mapped_column(Text)
    state: Mapped[State] = mapped_column(
        db.Enum(State, native_enum=False, length=20, values_callable=lambda e: [s.value for s in e])
    )
    endorsement_count: Mapped[int] = mapped_column(default=0)
    # The section keys it touches, space-separated: filters without joining operations.
    section_keys: Mapped[str] = mapped_column(String(2000), default="")
    merged_version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optimistic locking: an edit made on an older copy is refused, not silently applied.
    revision: Mapped[int] = mapped_column(default=1)

    charter: Mapped[Charter] = relationship()
    base_version: Mapped[Version] = relationship(foreign_keys=[base_version_id])
    merged_version: Mapped[Version | None] = relationship(foreign_keys=[merged_version_id])
    author: Mapped[User] = relationship()
    council: Mapped[Council | None] = relationship()
    operations: Mapped[list[AmendmentOperation]] = relationship(
        order_by="AmendmentOperation.position", cascade="all, delete-orphan"
    )
    events: Mapped[list[AmendmentEvent]] = relationship(
        order_by="AmendmentEvent.id", cascade="all, delete-orphan"
    )
    endorsements: Mapped[list[Endorsement]] = relationship(
        order_by="Endorsement.created_at", cascade="all, delete-orphan"
    )
    themes: Mapped[list[Theme]] = relationship(secondary=amendment_theme, order_by="Theme.name")
    questions: Mapped[list[GuidingQuestion]] = relationship(
        secondary=amendment_question, order_by="GuidingQuestion.position"
    )

    __mapper_args__ = {"version_id_col": revision}
    __table_args__ = (
        UniqueConstraint("charter_id", "number"),
        Index("ix_amendment_charter_state", "charter_id", "state"),
        Index("ix_amendment_charter_created", "charter_id", "created_at"),
        Index("ix_amendment_charter_endorsements", "charter_id", "endorsement_count"),
    )

    def text_operations(self) -> list[rebase.Operation]:
        """The operations as the text functions take them."""
        return [operation.as_text() for operation in self.operations]

    def __repr__(self) -> str:
        return f"<Amendment {self.charter_id}#{self.number} {self.state}>"


class AmendmentOperation(db.Model):
    """One change an amendment makes: modify, insert, delete or move a section."""

    __tablename__ = "amendment_operation"
    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendment.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    section_key: Mapped[str] = mapped_column(String(80))
    text: Mapped[str | None] = mapped_column(Text)
    heading: Mapped[str | None] = mapped_column(String(300))
    level: Mapped[int | None]
    after_key: Mapped[str | None] = mapped_column(String(80))

    def as_text(self) -> rebase.Operation:
        return rebase.Operation(
            kind=self.kind,
            key=self.section_key,
            text=self.text,
            heading=self.heading,
            level=self.level,
            after=self.after_key,
        )


class AmendmentEvent(db.Model):
    """A state change: who moved the amendment from where to where, when and why."""

    __tablename__ = "amendment_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendment.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User] = relationship()


class Endorsement(db.Model):
    """A co-signature by another council member; one per person."""

    amendment_id: Mapped[int] = mapped_column(
        ForeignKey("amendment.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
