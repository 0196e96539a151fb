"""Read operations on the consultation: the guiding questions, their answers, and the
comments on a section, as threads flattened in reading order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

import sqlalchemy as sa
from flask import abort

from charter.api.core import Page, cursor_position, operation, paginate
from charter.api.read import charter_and_versions, charter_readable
from charter.api.schemas import CommentOut, QuestionOut, ThreadQuery
from charter.consultation import manage
from charter.consultation import queries as consultation_queries
from charter.drafting.models import VersionSection
from charter.extensions import db


@operation(
    "GET",
    "/charters/<slug>/questions",
    summary="The guiding questions, in order, with their counts of answers",
    response=list[QuestionOut],
    errors=(401,),
    tags=("consultation",),
)
def questions(slug: str):
    charter = charter_readable(slug, "manage_questions")
    counts = consultation_queries.answer_counts(charter)
    return [
        QuestionOut(
            id=question.id,
            position=question.position,
            text=question.text,
            open=question.open,
            stage=question.stage.position if question.stage else None,
            takes_answers=question.takes_answers(),
            answers=counts.get(question.id, 0),
        )
        for question in manage.questions_of(charter)
    ]


@operation(
    "GET",
    "/charters/<slug>/questions/<int:question_id>/answers",
    summary="The answers to a guiding question: threads, oldest first, flattened",
    response=Page[CommentOut],
    query=ThreadQuery,
    errors=(401,),
    tags=("consultation",),
)
def answers(slug: str, question_id: int, query: ThreadQuery):
    """Each thread comes whole: its first answer, then each reply after the comment it
    answers (parent_id, depth). Hidden and deleted answers keep their place, without text."""
    charter = charter_readable(slug, "manage_questions")
    question = manage.question_or_none(charter, question_id)
    if question is None:
        abort(404)
    return _threads(consultation_queries.answers(question), query, {})


@operation(
    "GET",
    "/charters/<slug>/sections/<key>/comments",
    summary="The comments and annotations on a section: threads, oldest first, flattened",
    response=Page[CommentOut],
    query=ThreadQuery,
    errors=(401,),
    tags=("consultation",),
)
def section_comments(slug: str, key: str, query: ThreadQuery):
    """Comments made on the versions the caller may read, in threads as the answers are."""
    charter, versions = charter_and_versions(slug)
    version_ids = [version.id for version in versions]
    known = db.session.scalar(
        sa.select(VersionSection.version_id)
        .where(VersionSection.key == key, VersionSection.version_id.in_(version_ids))
        .limit(1)
    )
    if known is None:
        abort(404)
    comments = consultation_queries.section_comments(charter, key, version_ids)
    return _threads(comments, query, {version.id: version.number for version in versions})


def _threads(
    comments: Sequence[consultation_queries.Shown], query: ThreadQuery, numbers: dict[int, int]
) -> Page[CommentOut]:
    """A page of threads (limit counts threads), flattened in reading order."""
    limit, after = cursor_position(query, datetime, int)
    roots = consultation_queries.threads(comments, query.theme)
    if after is not None:
        start = tuple(after)
        roots = [node for node in roots if (node.comment.created_at, node.comment.id) > start]
    shown, cursor = paginate(
        roots, limit, lambda node: [node.comment.created_at.isoformat(), node.comment.id]
    )
    return Page[CommentOut](
        items=[_comment(comment, numbers) for comment in _flattened(shown)], next_cursor=cursor
    )


def _flattened(nodes: list[consultation_queries.Node]) -> Iterator[consultation_queries.Shown]:
    """Each comment, then its replies (depth first, without recursion)."""
    stack = list(reversed(nodes))
    while stack:
        node = stack.pop()
        yield node.comment
        stack.extend(reversed(node.replies))


def _comment(comment: consultation_queries.Shown, numbers: dict[int, int]) -> CommentOut:
    """A comment as anyone may read it: hidden and deleted ones without their text."""
    return CommentOut(
        id=comment.id,
        parent_id=comment.parent_id,
        depth=comment.depth,
        author=comment.author.display_name,
        organisation=comment.author.organisation,
        created_at=comment.created_at,
        edited_at=comment.edited_at,
        version=numbers.get(comment.version_id) if comment.version_id else None,
        quote=comment.quote,
        themes=[theme.name for theme in comment.themes],
        deleted=comment.deleted,
        hidden=comment.hidden,
        hidden_reason=comment.hidden_reason if comment.hidden else None,
        body=comment.body if comment.live else None,
    )
