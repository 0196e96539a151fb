"""Charters, immutable versions, their ordered sections and content-addressed texts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.database import AppendOnly
from charter.database import ImmutableRowError as ImmutableRowError  # re-exported
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
    language: Mapped[str] = mapped_column(String(8), default="en")  # of the source text
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


class SectionText(AppendOnly, db.Model):
    """A section body, stored once however many versions use it."""

    __tablename__ = "section_text"
    hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(Text)


class Version(AppendOnly, db.Model):
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
    # The key of the merge request that made this version (a merge form sent twice, an API
    # call retried): the same key again answers this version instead of merging twice.
    # Not part of the digest: it says how the version was asked for, not what it holds.
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)

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


class VersionSection(AppendOnly, db.Model):
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


class VersionOrigin(AppendOnly, db.Model):
    """How a version came to be: imported, merged from amendments, or edited directly."""

    __tablename__ = "version_origin"
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # "import" | "merge" | "direct_edit"
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    stage_position: Mapped[int | None]  # the stage the version was made in

    actor = relationship("User")


class MergeStep(AppendOnly, db.Model):
    """One contribution to a version, in the order it was applied: the text of a section
    after an amendment changed it, or after the secretariat's own edit (no amendment).

    Provenance reads these to credit each word of a version made from several amendments
    to the amendment that brought it; `flask verify` checks them against the version.
    """

    __tablename__ = "merge_step"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    position: Mapped[int]
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"), index=True)
    section_key: Mapped[str] = mapped_column(String(80))
    text_hash: Mapped[str | None] = mapped_column(ForeignKey("section_text.hash"))  # None: deleted
    # The secretariat edited the text to resolve a conflict with the head.
    resolved: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (UniqueConstraint("version_id", "position"),)


class BureauDecision(AppendOnly, db.Model):
    """The Executive Bureau's decision on a version: adopted, or returned with a note."""

    __tablename__ = "bureau_decision"
    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("version.id"), index=True)
    decision: Mapped[str] = mapped_column(String(20))  # "adopted" | "returned"
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor = relationship("User")
