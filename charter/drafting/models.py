"""Charters, immutable versions, their ordered sections and content-addressed texts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from charter.extensions import db
from charter.process.models import Stage


def utcnow() -> datetime:
    """Now in UTC, naive (stored as such on both engines), to the second."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class Charter(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The position of the current stage in the charter's process.
    stage_position: Mapped[int] = mapped_column(default=1)

    stage: Mapped[Stage | None] = relationship(
        primaryjoin="and_(foreign(Stage.charter_id) == Charter.id, "
        "foreign(Stage.position) == Charter.stage_position)",
        viewonly=True,
        uselist=False,
    )

    def __repr__(self) -> str:
        return f"<Charter {self.slug}>"


class SectionText(db.Model):
    """A section body, stored once however many versions use it."""

    __tablename__ = "section_text"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class Version(db.Model):
    """An immutable snapshot of a whole charter; its digest chains its parent's."""

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    number: Mapped[int]
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    parent_hash: Mapped[str | None] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    note: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    charter: Mapped[Charter] = relationship()
    sections: Mapped[list[VersionSection]] = relationship(
        order_by="VersionSection.position",
        cascade="save-update, merge",
    )
    publication: Mapped[Publication | None] = relationship()

    __table_args__ = (UniqueConstraint("charter_id", "number"),)

    def hash_meta(self, charter_slug: str) -> dict[str, str | int | None]:
        """The metadata the digest covers besides the sections.

        The charter's short name is part of it, so two charters never share a digest
        (short names are permanent for that reason).
        """
        return {
            "charter": charter_slug,
            "number": self.number,
            "note": self.note,
            "author": self.author,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }

    def __repr__(self) -> str:
        return f"<Version {self.charter_id}#{self.number}>"


class VersionSection(db.Model):
    """One section of one version: its place, stable key, heading and text."""

    __tablename__ = "version_section"
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    level: Mapped[int]
    heading: Mapped[str] = mapped_column(String(300))
    text_hash: Mapped[str] = mapped_column(ForeignKey("section_text.hash"))

    __table_args__ = (UniqueConstraint("version_id", "key"),)


class Publication(db.Model):
    """The act of making a version public: kept apart so versions stay immutable."""

    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    published_at: Mapped[datetime] = mapped_column(default=utcnow)
    published_by: Mapped[str] = mapped_column(String(200), default="")


IMMUTABLE = (Version, VersionSection, SectionText)


class ImmutableRowError(RuntimeError):
    """Raised when code tries to change or delete a row of the version history."""


@event.listens_for(Session, "before_flush")
def _refuse_history_changes(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, IMMUTABLE):
            raise ImmutableRowError(f"{type(obj).__name__} rows are never deleted")
    for obj in session.dirty:
        if isinstance(obj, IMMUTABLE) and _has_column_changes(obj):
            raise ImmutableRowError(f"{type(obj).__name__} rows are never updated")


def _has_column_changes(obj: object) -> bool:
    state = inspect(obj)
    return any(state.attrs[attr.key].history.has_changes() for attr in state.mapper.column_attrs)
