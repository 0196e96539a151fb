"""The search index: one row per searchable thing, and the engine's full-text structure.

`search_document` holds the plain text of each section of the indexed versions, each
amendment and each comment or answer, with the columns the search filters on in SQL.
On SQLite an FTS5 table (external content: the text is read from `search_document`) is
kept in step by triggers; on PostgreSQL a stored, generated tsvector column has a GIN
index. Both are created by `create_all` (the DDL below) and by migration 0006.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import DDL, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from charter.extensions import db

KINDS = ("section", "amendment", "answer", "comment")
# PostgreSQL's text search configuration; SQLite's FTS5 tokenizer does the same work.
PG_CONFIG = "english"
FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
VECTOR_INDEX = "ix_search_document_search_vector"


class SearchDocument(db.Model):
    """One searchable text, where it comes from, and what deciding who sees it needs."""

    __tablename__ = "search_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    charter_id: Mapped[int] = mapped_column(ForeignKey("charter.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))  # one of KINDS
    # A section: its version and key. A comment on a section: the version it was made on.
    version_id: Mapped[int | None] = mapped_column(ForeignKey("version.id", ondelete="CASCADE"))
    section_key: Mapped[str | None] = mapped_column(String(80))
    # An amendment, or the amendment a comment discusses.
    amendment_id: Mapped[int | None] = mapped_column(ForeignKey("amendment.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comment.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text)  # plain text, no Markdown
    # Filters: the amendment's council, the comment's or amendment's author.
    council_id: Mapped[int | None]
    author_id: Mapped[int | None]
    # Visibility, copied from the amendment (its state, its author) and the comment (hidden
    # or deleted) by charter.search.index in the transaction that changes them.
    amendment_state: Mapped[str | None] = mapped_column(String(20))
    amendment_author_id: Mapped[int | None]
    hidden: Mapped[bool] = mapped_column(default=False)

    __table_args__ = (
        Index("ix_search_document_charter_kind", "charter_id", "kind"),
        Index("ix_search_document_version", "version_id"),
        Index("ix_search_document_amendment", "amendment_id"),
        Index("ix_search_document_comment", "comment_id"),
    )


# The full-text structures, one statement each (DDL runs them one by one).
SQLITE_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(title, body, "
    "content='search_document', content_rowid='id', "
    "tokenize='porter unicode61 remove_diacritics 2')",
    "CREATE TRIGGER search_document_ai AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER search_document_ad AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER search_document_au AFTER UPDATE OF title, body ON search_document BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO search_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
)
SQLITE_DROP = ("DROP TABLE IF EXISTS search_fts",)
POSTGRES_DDL = (
    f"ALTER TABLE search_document ADD COLUMN {VECTOR_COLUMN} tsvector GENERATED ALWAYS AS ("
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, title), 'A') || "
    f"setweight(to_tsvector('{PG_CONFIG}'::regconfig, body), 'B')) STORED",
    f"CREATE INDEX {VECTOR_INDEX} ON search_document USING gin ({VECTOR_COLUMN})",
)

for _statement in SQLITE_DDL:
    event.listen(
        SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in SQLITE_DROP:  # the FTS table is no model's: drop it with its content table
    event.listen(
        SearchDocument.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite")
    )
for _statement in POSTGRES_DDL:
    event.listen(
        SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """For Alembic's comparisons: the FTS5 table and its shadow tables are no model's."""
    return not (type_ == "table" and name is not None and name.startswith(FTS_TABLE))


def include_object(_object: Any, name: str | None, type_: str, reflected: bool, _compare: Any):
    """For Alembic's comparisons: the tsvector column and its index exist only as raw DDL."""
    if reflected and type_ == "column" and name == VECTOR_COLUMN:
        return False
    return not (reflected and type_ == "index" and name == VECTOR_INDEX)
