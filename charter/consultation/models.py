"""The consultation: themes, guiding questions, comments (answers, section comments,
annotations, amendment discussions), flags and follows."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from charter.drafting.models import Charter, Version, utcnow
from charter.extensions import db
from charter.process.models import Stage

if TYPE_CHECKING:
    from charter.accounts.models import User
    from charter.amendments.models import Amendment


class Theme(db.Model):
    """A tag of a charter's consultation (e.g. availability, housing)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    name: Mapped[str] = mapped_column(String(80))

    __table_args__ = (UniqueConstraint("charter_id", "name"),)


class GuidingQuestion(db.Model):
    """A question the secretariat asks the network about the charter.

    A question may belong to one stage: it then takes answers only while that stage is
    the current one. The secretariat may also close it at any time.
    """

    __tablename__ = "guiding_question"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    position: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(default=True)
    stage_id: Mapped[int | None] = mapped_column(ForeignKey("stage.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    charter: Mapped[Charter] = relationship()
    stage: Mapped[Stage | None] = relationship()

    def takes_answers(self) -> bool:
        """Open, and in its stage when it has one (the policy checks the stage's dates)."""
        return self.open and (self.stage_id is None or self.stage is self.charter.stage)


comment_theme = Table(
    "comment_theme",
    db.metadata,
    Column("comment_id", ForeignKey("comment.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class CommentState:
    """What a comment's columns say of it: shared by the model and the rows pages read."""

    MAX_DEPTH = 2
    EDIT_WINDOW = timedelta(minutes=15)

    @property
    def kind(self) -> str:
        """answer, annotation, section or amendment."""
        if self.question_id is not None:
            return "answer"
        if self.amendment_id is not None:
            return "amendment"
        return "annotation" if self.quote else "section"

    @property
    def hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def live(self) -> bool:
        """Neither hidden nor deleted: its text is shown and it may be replied to."""
        return self.hidden_at is None and self.deleted_at is None

    def editable_until(self) -> datetime:
        return self.created_at + self.EDIT_WINDOW


class Comment(CommentState, db.Model):
    """A contribution to the consultation, on exactly one target: a guiding question (an
    answer), a section (optionally on a quoted passage: an annotation) or an amendment.

    Replies carry their parent; a thread is at most three levels (a comment, its replies,
    their replies). Nothing is ever deleted: authors mark their own as deleted, the
    secretariat hides with a reason and may restore.
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("guiding_question.id"))
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id"))
    section_key: Mapped[str | None] = mapped_column(String(80))
    # The version a section comment was written on: who may not read it, may not read this.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id"))
    # An annotation: the passage (plain text of the section), where it was, and around it.
    quote: Mapped[str | None] = mapped_column(Text)
    quote_start: Mapped[int | None]
    quote_prefix: Mapped[str] = mapped_column(String(64), default="")
    quote_suffix: Mapped[str] = mapped_column(String(64), default="")
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id"))
    depth: Mapped[int] = mapped_column(default=0)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    # Flags not yet dealt with by the secretariat (kept in step by the services).
    open_flags: Mapped[int] = mapped_column(default=0)

    author: Mapped[User] = relationship(foreign_keys=[author_id])
    charter: Mapped[Charter] = relationship()
    question: Mapped[GuidingQuestion | None] = relationship()
    amendment: Mapped[Amendment | None] = relationship()
    version: Mapped[Version | None] = relationship()
    parent: Mapped[Comment | None] = relationship(remote_side=[id])
    themes: Mapped[list[Theme]] = relationship(secondary=comment_theme, order_by="Theme.name")

    __table_args__ = (
        Index("ix_comment_section", "charter_id", "section_key"),
        Index("ix_comment_question", "question_id"),
        Index("ix_comment_amendment", "amendment_id"),
        Index("ix_comment_parent", "parent_id"),
        Index("ix_comment_author_created", "author_id", "created_at"),
        Index("ix_comment_flagged", "charter_id", "open_flags"),
    )


class Flag(db.Model):
    """Someone signed in thinks a comment breaks the rules; the secretariat decides."""

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comment.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("comment_id", "user_id"),)


FOLLOW_KINDS = ("section", "amendment", "question")


class Follow(db.Model):
    """A user follows a section (by key), an amendment (by number) or a question (by id)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id"))
    kind: Mapped[str] = mapped_column(String(10))
    ref: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "charter_id", "kind", "ref"),
        Index("ix_follow_target", "charter_id", "kind", "ref"),
    )
