"""Keeping the search index current, in the transaction that changes what it indexes.

A session event looks at every flush: new or changed comments and amendments (and their
operations), new versions and publications. It rewrites their documents through the same
connection, so the index commits or rolls back with the change itself. Bulk inserts that
bypass the session (the benchmark's seeding) call `reindex` afterwards.

Which versions' sections are indexed: per charter, the head (the newest version, which
those who may read drafts see) and the latest published version (what everyone else sees).
Older versions' sections leave the index when a newer version or publication replaces them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from charter.amendments.models import Amendment, AmendmentOperation
from charter.cache import LRU
from charter.consultation.models import Comment
from charter.drafting.models import Publication, SectionText, Version, VersionSection
from charter.search.models import SearchDocument
from charter.text.anchor import plain_text

documents = SearchDocument.__table__
# Text that Markdown would render differently (markup, entities, escapes); anything else
# is indexed as it is, whitespace collapsed, without rendering it (10x faster).
_MARKUP = re.compile(r"[\\`*_\[\]<>&#|~!]|^\s*(?:[-+=]|\d+[.)])", re.MULTILINE)
# Control characters never reach the index: the search's snippet markers are two of them.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
BATCH = 2_000
# Section texts are content-addressed: their plain text, by hash, serves every version.
_section_texts: LRU[str] = LRU(4096)


def plain(markdown: str | None) -> str:
    """The text a reader sees of a Markdown body, as indexed."""
    if not markdown:
        return ""
    text = plain_text(markdown) if _MARKUP.search(markdown) else " ".join(markdown.split())
    return _CONTROL.sub(" ", text)


# Documents ---------------------------------------------------------------------------------


def index_sections(connection: Connection, charter_ids: Iterable[int]) -> None:
    """Index the sections of each charter's head and latest published version, and only them."""
    for charter_id in set(charter_ids):
        keep = {
            connection.scalar(
                sa.select(Version.id)
                .where(Version.charter_id == charter_id)
                .order_by(Version.number.desc())
                .limit(1)
            ),
            connection.scalar(
                sa.select(Version.id)
                .join(Publication, Publication.version_id == Version.id)
                .where(Version.charter_id == charter_id)
                .order_by(Version.number.desc())
                .limit(1)
            ),
        } - {None}
        indexed = set(
            connection.scalars(
                sa.select(documents.c.version_id)
                .where(documents.c.charter_id == charter_id, documents.c.kind == "section")
                .distinct()
            )
        )
        if indexed - keep:
            connection.execute(
                documents.delete().where(
                    documents.c.charter_id == charter_id,
                    documents.c.kind == "section",
                    documents.c.version_id.in_(indexed - keep),
                )
            )
        missing = keep - indexed
        if not missing:
            continue
        rows = connection.execute(
            sa.select(
                VersionSection.version_id,
                VersionSection.key,
                VersionSection.heading,
                VersionSection.text_hash,
                SectionText.body,
            )
            .join(SectionText, SectionText.hash == VersionSection.text_hash)
            .where(VersionSection.version_id.in_(missing))
        )
        _insert(
            connection,
            (
                _document(
                    charter_id,
                    "section",
                    version_id=version_id,
                    section_key=key,
                    title=heading,
                    body=_section_texts.get_or_set(text_hash, lambda body=body: plain(body)),
                )
                for version_id, key, heading, text_hash, body in rows
            ),
        )


def index_amendments(connection: Connection, condition: Any, *, content: bool = True) -> None:
    """Rewrite the documents of the amendments matching condition (content=False: only the
    state and author their documents and their comments' documents carry)."""
    ids = sa.select(Amendment.id).where(condition)
    if content:
        connection.execute(
            documents.delete().where(
                documents.c.kind == "amendment", documents.c.amendment_id.in_(ids)
            )
        )
        operations: dict[int, list[str]] = {}
        for amendment_id, heading, text in connection.execute(
            sa.select(
                AmendmentOperation.amendment_id,
                AmendmentOperation.heading,
                AmendmentOperation.text,
            )
            .where(AmendmentOperation.amendment_id.in_(ids))
            .order_by(AmendmentOperation.amendment_id, AmendmentOperation.position)
        ):
            operations.setdefault(amendment_id, []).extend(filter(None, (heading, plain(text))))
        rows = connection.execute(
            sa.select(
                Amendment.id,
                Amendment.charter_id,
                Amendment.title,
                Amendment.justification,
                Amendment.council_id,
                Amendment.author_id,
                Amendment.state,
            ).where(condition)
        )
        _insert(
            connection,
            (
                _document(
                    charter_id,
                    "amendment",
                    amendment_id=amendment_id,
                    title=title,
                    body="\n".join([plain(justification), *operations.get(amendment_id, [])]),
                    council_id=council_id,
                    author_id=author_id,
                    amendment_state=_state(state),
                    amendment_author_id=author_id,
                )
                for (
                    amendment_id,
                    charter_id,
                    title,
                    justification,
                    council_id,
                    author_id,
                    state,
                ) in rows
            ),
        )
    # The amendment's document, and its comments': seen by whoever may see the amendment.
    source = sa.select(Amendment.id).where(Amendment.id == documents.c.amendment_id)
    connection.execute(
        documents.update()
        .where(documents.c.amendment_id.in_(ids))
        .values(
            amendment_state=source.with_only_columns(Amendment.state).scalar_subquery(),
            amendment_author_id=source.with_only_columns(Amendment.author_id).scalar_subquery(),
        )
    )


def index_comments(connection: Connection, condition: Any) -> None:
    """Rewrite the documents of the comments matching condition."""
    connection.execute(
        documents.delete().where(documents.c.comment_id.in_(sa.select(Comment.id).where(condition)))
    )
    rows = connection.execute(
        sa.select(
            Comment.id,
            Comment.charter_id,
            Comment.question_id,
            Comment.amendment_id,
            Comment.section_key,
            Comment.version_id,
            Comment.author_id,
            Comment.body,
            (Comment.hidden_at.is_not(None) | Comment.deleted_at.is_not(None)).label("hidden"),
            Amendment.state,
            Amendment.author_id,
        )
        .outerjoin(Amendment, Amendment.id == Comment.amendment_id)
        .where(condition)
    )
    _insert(
        connection,
        (
            _document(
                charter_id,
                "answer" if question_id is not None else "comment",
                comment_id=comment_id,
                amendment_id=amendment_id,
                section_key=section_key,
                version_id=version_id,
                author_id=author_id,
                body=plain(body),
                hidden=bool(hidden),
                amendment_state=_state(state),
                amendment_author_id=amendment_author_id,
            )
            for (
                comment_id,
                charter_id,
                question_id,
                amendment_id,
                section_key,
                version_id,
                author_id,
                body,
                hidden,
                state,
                amendment_author_id,
            ) in rows
        ),
    )


def reindex(charter_id: int | None = None, connection: Connection | None = None) -> int:
    """Rebuild the documents of one charter (or of all): after bulk inserts, or to repair.

    Returns the number of documents the charter (or the site) now has in the index.
    """
    if connection is None:
        from charter.extensions import db

        connection = db.session.connection()
    if charter_id is None:
        from charter.drafting.models import Charter

        charter_ids = list(connection.scalars(sa.select(Charter.id)))
        scope = sa.true()
    else:
        charter_ids = [charter_id]
        scope = documents.c.charter_id == charter_id
    connection.execute(documents.delete().where(scope))
    index_sections(connection, charter_ids)
    amendments = sa.true() if charter_id is None else Amendment.charter_id == charter_id
    index_amendments(connection, amendments)
    comments = sa.true() if charter_id is None else Comment.charter_id == charter_id
    index_comments(connection, comments)
    return connection.scalar(sa.select(sa.func.count()).select_from(documents).where(scope))


def _state(state: Any) -> str | None:
    return None if state is None else getattr(state, "value", state)


def _document(charter_id: int, kind: str, **values: Any) -> dict[str, Any]:
    row = dict.fromkeys(
        (
            "version_id",
            "section_key",
            "amendment_id",
            "comment_id",
            "council_id",
            "author_id",
            "amendment_state",
            "amendment_author_id",
        )
    )
    row.update(charter_id=charter_id, kind=kind, title="", body="", hidden=False)
    row.update(values)
    row["title"] = _CONTROL.sub(" ", row["title"] or "")
    return row


def _insert(connection: Connection, rows: Iterable[dict[str, Any]]) -> None:
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            connection.execute(documents.insert(), batch)
            batch = []
    if batch:
        connection.execute(documents.insert(), batch)


# Upkeep ------------------------------------------------------------------------------------


@dataclass
class _Changes:
    """What one flush changed that the index shows."""

    charters: set[int] = field(default_factory=set)
    amendments: set[int] = field(default_factory=set)  # content changed
    amendment_states: set[int] = field(default_factory=set)
    comments: set[int] = field(default_factory=set)
    publications: set[int] = field(default_factory=set)  # version ids

    def __bool__(self) -> bool:
        return any(self.__dict__.values())

    def apply(self, connection: Connection) -> None:
        if self.publications:
            self.charters |= set(
                connection.scalars(
                    sa.select(Version.charter_id).where(Version.id.in_(self.publications))
                )
            )
        if self.charters:
            index_sections(connection, self.charters)
        if self.amendments:
            index_amendments(connection, Amendment.id.in_(self.amendments))
        if states := self.amendment_states - self.amendments:
            index_amendments(connection, Amendment.id.in_(states), content=False)
        if self.comments:
            index_comments(connection, Comment.id.in_(self.comments))


_AMENDMENT_CONTENT = ("title", "justification", "operations", "section_keys", "council_id")
_AMENDMENT_ACCESS = ("state", "author_id")
_COMMENT_INDEXED = ("body", "hidden_at", "deleted_at", "version_id", "amendment_id")


def _changed(obj: object, names: Iterable[str]) -> bool:
    attrs = inspect(obj).attrs
    return any(attrs[name].history.has_changes() for name in names)


@event.listens_for(Session, "after_flush")
def _index_flushed(session: Session, _context: Any) -> None:
    changes = _Changes()
    for obj in session.new:
        if isinstance(obj, Version):
            changes.charters.add(obj.charter_id)
        elif isinstance(obj, Publication):
            changes.publications.add(obj.version_id)
        elif isinstance(obj, Amendment):
            changes.amendments.add(obj.id)
        elif isinstance(obj, AmendmentOperation):
            changes.amendments.add(obj.amendment_id)
        elif isinstance(obj, Comment):
            changes.comments.add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Amendment):
            if _changed(obj, _AMENDMENT_CONTENT):
                changes.amendments.add(obj.id)
            elif _changed(obj, _AMENDMENT_ACCESS):
                changes.amendment_states.add(obj.id)
        elif isinstance(obj, AmendmentOperation):
            changes.amendments.add(obj.amendment_id)
        elif isinstance(obj, Comment) and _changed(obj, _COMMENT_INDEXED):
            changes.comments.add(obj.id)
    for obj in session.deleted:
        if isinstance(obj, Publication):
            changes.publications.add(obj.version_id)
        elif isinstance(obj, AmendmentOperation):
            changes.amendments.add(obj.amendment_id)
        # Deleted comments and amendments take their documents along (ON DELETE CASCADE).
    changes.amendments.discard(None)  # an operation not yet attached
    if changes:
        changes.apply(session.connection())
