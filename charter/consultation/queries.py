"""Reading the consultation as the viewer may see it: threads, counts, annotations."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import selectinload

from charter.accounts.models import User
from charter.cache import LRU
from charter.consultation import services
from charter.consultation.models import (
    Comment,
    CommentState,
    Flag,
    GuidingQuestion,
    Theme,
    comment_theme,
)
from charter.drafting.models import Charter
from charter.extensions import db
from charter.text import anchor


@dataclass
class Node:
    """A comment and its replies, as shown in a thread."""

    comment: Shown
    replies: list[Node] = field(default_factory=list)


def threads(comments: Sequence[Shown], theme: int | None = None) -> list[Node]:
    """Comments (oldest first) as threads; with a theme, only threads whose first comment
    carries it."""
    nodes = {comment.id: Node(comment) for comment in comments}
    roots: list[Node] = []
    for comment in comments:
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(nodes[comment.id])
    if theme is not None:
        roots = [node for node in roots if any(t.id == theme for t in node.comment.themes)]
    return roots


@dataclass(frozen=True, slots=True)
class Author:
    display_name: str
    organisation: str


@dataclass(frozen=True, slots=True)
class Tag:
    id: int
    name: str


@dataclass(slots=True)
class Shown(CommentState):
    """A comment as a page shows it: read as plain rows (a long thread is hundreds)."""

    id: int
    charter_id: int
    author_id: int
    question_id: int | None
    amendment_id: int | None
    section_key: str | None
    version_id: int | None
    quote: str | None
    quote_start: int | None
    quote_prefix: str
    quote_suffix: str
    parent_id: int | None
    depth: int
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted_at: datetime | None
    hidden_at: datetime | None
    hidden_reason: str
    open_flags: int
    author: Author
    themes: list[Tag] = field(default_factory=list)


_SHOWN = [column.name for column in fields(Shown)][:-2]  # all but author and themes


def _load(condition: Any) -> list[Shown]:
    """The comments matching condition, oldest first, with authors and themes (2 queries)."""
    rows = db.session.execute(
        sa.select(
            *(getattr(Comment, name) for name in _SHOWN), User.display_name, User.organisation
        )
        .join(User, User.id == Comment.author_id)
        .where(condition)
        .order_by(Comment.created_at, Comment.id)
    )
    comments = {row[0]: Shown(*row[:-2], author=Author(*row[-2:])) for row in rows}
    if comments:
        tags = db.session.execute(
            sa.select(comment_theme.c.comment_id, Theme.id, Theme.name)
            .join(Theme, Theme.id == comment_theme.c.theme_id)
            .join(Comment, Comment.id == comment_theme.c.comment_id)
            .where(condition)
            .order_by(Theme.name)
        )
        for comment_id, theme_id, name in tags:
            comments[comment_id].themes.append(Tag(theme_id, name))
    return list(comments.values())


def section_comments(charter: Charter, key: str, version_ids: Iterable[int]) -> list[Shown]:
    """The comments and annotations on a section made on the given (visible) versions."""
    return _load(
        (Comment.charter_id == charter.id)
        & (Comment.section_key == key)
        & Comment.version_id.in_(list(version_ids))
    )


def section_counts(charter: Charter, version_ids: sa.Select) -> dict[str, int]:
    """How many comments (not deleted nor hidden) each section has, on the versions whose
    ids the subquery gives (those the reader may see)."""
    rows = db.session.execute(
        sa.select(Comment.section_key, sa.func.count())
        .where(
            Comment.charter_id == charter.id,
            Comment.section_key.is_not(None),
            Comment.version_id.in_(version_ids),
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
        .group_by(Comment.section_key)
    )
    return {key: count for key, count in rows}


def answers(question: GuidingQuestion) -> list[Shown]:
    return _load(Comment.question_id == question.id)


def amendment_comments(amendment_id: int) -> list[Shown]:
    return _load(Comment.amendment_id == amendment_id)


def answer_counts(charter: Charter) -> dict[int, int]:
    """Live answers per guiding question of the charter."""
    rows = db.session.execute(
        sa.select(Comment.question_id, sa.func.count())
        .where(
            Comment.charter_id == charter.id,
            Comment.question_id.is_not(None),
            Comment.deleted_at.is_(None),
            Comment.hidden_at.is_(None),
        )
        .group_by(Comment.question_id)
    )
    return {key: count for key, count in rows}


def comment_or_404(charter: Charter, comment_id: int, user: Any) -> Comment:
    """A comment of this charter the user may see; others are 404."""
    comment = db.session.get(Comment, comment_id)
    if comment is None or comment.charter_id != charter.id or not services.may_read(user, comment):
        abort(404)
    return comment


def themes_of(charter: Charter) -> list[Theme]:
    return list(
        db.session.scalars(
            sa.select(Theme).where(Theme.charter_id == charter.id).order_by(Theme.name)
        )
    )


def flagged(charter: Charter) -> list[Comment]:
    """Comments with flags the secretariat has not dealt with, most flagged first."""
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.charter_id == charter.id, Comment.open_flags > 0)
            .options(
                selectinload(Comment.author),
                selectinload(Comment.amendment),
                selectinload(Comment.question),
            )
            .order_by(Comment.open_flags.desc(), Comment.created_at)
        )
    )


def open_flags(comments: Sequence[Comment]) -> dict[int, list[Flag]]:
    """The flags not yet dealt with of these comments, by comment id, oldest first."""
    flags: dict[int, list[Flag]] = {comment.id: [] for comment in comments}
    if flags:
        for flag in db.session.scalars(
            sa.select(Flag)
            .where(Flag.comment_id.in_(list(flags)), Flag.resolved_at.is_(None))
            .options(selectinload(Flag.user))
            .order_by(Flag.created_at, Flag.id)
        ):
            flags[flag.comment_id].append(flag)
    return flags


def hidden(charter: Charter, limit: int = 100) -> list[Comment]:
    """The latest comments the secretariat hid (to restore one)."""
    return list(
        db.session.scalars(
            sa.select(Comment)
            .where(Comment.charter_id == charter.id, Comment.hidden_at.is_not(None))
            .options(selectinload(Comment.author))
            .order_by(Comment.hidden_at.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class Placed:
    """An annotation as it lies on the text shown: where, or None when the passage changed."""

    comment: Shown
    anchor: anchor.Anchor | None


# Where an annotation lies on a text never changes: (text digest, comment id) -> anchor.
_placements: LRU[anchor.Anchor | None] = LRU(50_000)


def place(annotations: Iterable[Shown], body: str) -> list[Placed]:
    """Re-anchor annotations on a section body (of any version)."""
    text = anchor.plain_text(body)
    digest = hashlib.sha256(text.encode("utf-8", "replace")).digest()

    def locate(comment: Shown) -> anchor.Anchor | None:
        return anchor.locate(
            text,
            comment.quote or "",
            comment.quote_start or 0,
            comment.quote_prefix,
            comment.quote_suffix,
        )

    return [
        Placed(comment, _placements.get_or_set((digest, comment.id), lambda c=comment: locate(c)))
        for comment in annotations
    ]
