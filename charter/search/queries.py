"""Searching what the viewer may see, on either engine, from whatever text they typed.

The text is cut to 200 characters and read as words, "quoted phrases" and -excluded words;
nothing else of it reaches the engine: every term goes to SQLite's FTS5 as a quoted string
and to PostgreSQL through plainto_tsquery / phraseto_tsquery, so no input is a syntax error.

Who may see what is decided in SQL, from the policy's answers for this viewer and charter
(charter.permissions, charter.drafting.queries) and the visibility columns of the index;
the page's rows are then checked once more against the live rows (fail closed).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy.orm import selectinload

from charter import permissions
from charter.accounts.models import council_membership
from charter.amendments.models import Amendment, amendment_theme
from charter.consultation import services as consultation
from charter.consultation.models import Comment, comment_theme
from charter.drafting import queries as drafting
from charter.drafting.models import Charter, Publication
from charter.extensions import db
from charter.search.models import FTS_TABLE, KINDS, PG_CONFIG, VECTOR_COLUMN, SearchDocument

log = logging.getLogger(__name__)

PAGE_SIZE = 20
MAX_PAGE = 50
MAX_LENGTH = 200
MAX_TERMS = 12
# Markers the engines put around matched words (and LT, which stands for "<" on its way
# through ts_headline): control characters, which the index never holds (charter.search.index
# strips them), so no indexed text can forge a highlight.
START, STOP, LT = "\x02", "\x03", "\x01"
documents = SearchDocument.__table__
d = documents.c

_TOKEN = re.compile(r'(?P<minus>(?:^|(?<=\s))-)?(?:"(?P<phrase>[^"]*)"|(?P<word>[^\W_]+))')
_WORD = re.compile(r"[^\W_]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Query:
    """What the viewer looks for, read from their text."""

    text: str = ""
    words: tuple[str, ...] = ()
    phrases: tuple[tuple[str, ...], ...] = ()
    excluded: tuple[tuple[str, ...], ...] = ()
    truncated: bool = False

    def __bool__(self) -> bool:
        return bool(self.words or self.phrases)

    def fts5(self) -> str:
        """An FTS5 query: every term a quoted string (never the viewer's syntax)."""
        quote = lambda words: '"' + " ".join(words).replace('"', '""') + '"'  # noqa: E731
        parts = [quote([word]) for word in self.words] + [quote(p) for p in self.phrases]
        return " ".join(parts) + "".join(f" NOT {quote(words)}" for words in self.excluded)

    def tsquery(self) -> Any:
        """A PostgreSQL tsquery built by functions that take any text."""
        config = sa.literal_column(f"'{PG_CONFIG}'::regconfig")
        query = None
        parts = [sa.func.plainto_tsquery(config, " ".join(self.words))] if self.words else []
        parts += [sa.func.phraseto_tsquery(config, " ".join(p)) for p in self.phrases]
        parts += [
            sa.func.tsquery_not(sa.func.phraseto_tsquery(config, " ".join(words)))
            for words in self.excluded
        ]
        for part in parts:
            query = part if query is None else sa.func.tsquery_and(query, part)
        return query


def parse(text: str | None) -> Query:
    """Words, "phrases" and -exclusions of what the viewer typed, cut to 200 characters."""
    text = " ".join(_CONTROL.sub(" ", text or "").split())
    truncated = len(text) > MAX_LENGTH
    text = text[:MAX_LENGTH]
    words: list[str] = []
    phrases: list[tuple[str, ...]] = []
    excluded: list[tuple[str, ...]] = []
    for match in _TOKEN.finditer(text):
        if len(words) + len(phrases) + len(excluded) >= MAX_TERMS:
            break
        terms = _WORD.findall(match["phrase"]) if match["phrase"] is not None else [match["word"]]
        if not terms:
            continue
        if match["minus"]:
            excluded.append(tuple(terms))
        elif len(terms) == 1:
            words.append(terms[0])
        else:
            phrases.append(tuple(terms))
    return Query(text, tuple(words), tuple(phrases), tuple(excluded), truncated)


# Who sees what ------------------------------------------------------------------------------


@dataclass
class Scope:
    """The policy's answers for one viewer, over the charters searched."""

    user: Any
    charters: dict[int, Charter]
    latest: dict[int, drafting.VersionInfo]  # by version id: the newest each charter shows
    drafts: set[int]  # charters whose drafts the viewer may read
    amendments: set[int]  # charters whose amendments the viewer may read
    charter_of: dict[int, int] = field(default_factory=dict)  # the latest versions' charters

    @classmethod
    def of(cls, user: Any, charter: Charter | None = None) -> Scope:
        candidates = (
            [charter] if charter is not None else [c for c, _n in drafting.visible_charters(user)]
        )
        charters, latest, charter_of = {}, {}, {}
        for candidate in candidates:
            version = drafting.latest_visible(candidate, user)
            if version is not None:
                charters[candidate.id] = candidate
                latest[version.id] = version
                charter_of[version.id] = candidate.id
        return cls(
            user=user,
            charters=charters,
            latest=latest,
            drafts={i for i, c in charters.items() if permissions.can(user, "read_draft", c)},
            amendments={
                i for i, c in charters.items() if permissions.can(user, "read_amendment", c)
            },
            charter_of=charter_of,
        )

    def condition(self) -> Any:
        """The SQL condition for the documents this viewer may see."""
        user_id = getattr(self.user, "id", None) if self.amendments else None
        own = (d.amendment_author_id == user_id) if user_id is not None else sa.false()
        comment = d.kind.in_(("answer", "comment")) & d.amendment_id.is_(None)
        return sa.and_(
            d.charter_id.in_(list(self.charters)),
            d.hidden.is_(sa.false()),
            sa.or_(
                (d.kind == "section") & d.version_id.in_(list(self.latest)),
                # Amendments, and the comments discussing them, as read_amendment allows.
                (d.kind != "section")
                & d.amendment_id.is_not(None)
                & d.charter_id.in_(list(self.amendments))
                & ((d.amendment_state != "draft") | own),
                # Comments made on a version: who may read the version.
                comment
                & d.version_id.is_not(None)
                & (
                    d.charter_id.in_(list(self.drafts))
                    | d.version_id.in_(sa.select(Publication.version_id))
                ),
                # Answers to guiding questions: whoever may read the charter.
                comment & d.version_id.is_(None),
            ),
        )


# Results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    """One result as the page shows it."""

    kind: str
    charter: Charter
    title: Markup
    snippet: Markup
    context: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        """Where the result is read (built at rendering time, inside a request)."""
        slug = self.charter.slug
        if self.kind == "section":
            number = self.context["version"].number
            return url_for("public.version", slug=slug, number=number, _anchor=self.context["key"])
        if self.kind == "amendment":
            return url_for("amendments.show", slug=slug, number=self.context["amendment"].number)
        return url_for("consultation.permalink", slug=slug, comment_id=self.context["comment"].id)


@dataclass
class Results:
    query: Query
    page: int = 1
    hits: list[Hit] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)  # by kind, before the type filter
    total: int = 0  # with the type filter
    charters: list[Charter] = field(default_factory=list)  # the charters searched


def search(
    user: Any,
    text: str | None,
    *,
    charter: Charter | None = None,
    kinds: tuple[str, ...] | list[str] = (),
    theme: int | None = None,
    council: int | None = None,
    page: int = 1,
) -> Results:
    """One page of what the viewer may see that matches text, best first, with snippets."""
    query = parse(text)
    page = min(max(page, 1), MAX_PAGE)
    scope = Scope.of(user, charter)
    results = Results(query, page, charters=list(scope.charters.values()))
    if not query or not scope.charters:
        return results
    engine = _Engine.for_dialect(db.engine.dialect.name, query)
    # One statement: the visible matches, ranked once, give both the page and the counts.
    matches = engine.matches([scope.condition(), *_filters(theme, council)])
    kinds = [kind for kind in kinds if kind in KINDS]
    page_rows = (
        sa.select(matches.c.id, matches.c.kind, matches.c.score)
        .where(matches.c.kind.in_(kinds) if kinds else sa.true())
        .order_by(matches.c.score, matches.c.id)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
        .subquery("page")
    )
    located = (d.charter_id, d.version_id, d.section_key, d.amendment_id, d.comment_id)
    rows = db.session.execute(
        sa.union_all(
            sa.select(page_rows, *located).join(documents, d.id == page_rows.c.id),
            sa.select(
                sa.null(),
                matches.c.kind,
                sa.cast(sa.func.count(), sa.Float),
                *(sa.null() for _column in located),
            ).group_by(matches.c.kind),
        )
    ).all()
    results.counts = {row.kind: int(row.score) for row in rows if row.id is None}
    results.total = sum(n for kind, n in results.counts.items() if not kinds or kind in kinds)
    found = sorted((row for row in rows if row.id is not None), key=lambda r: (r.score, r.id))
    if found:
        results.hits = _hits(scope, found, engine.snippets([row.id for row in found]))
    return results


def _filters(theme: int | None, council: int | None) -> list[Any]:
    conditions = []
    comment = d.kind.in_(("answer", "comment"))
    if theme is not None:
        conditions.append(
            sa.or_(
                (d.kind == "amendment")
                & sa.exists().where(
                    amendment_theme.c.amendment_id == d.amendment_id,
                    amendment_theme.c.theme_id == theme,
                ),
                comment
                & sa.exists().where(
                    comment_theme.c.comment_id == d.comment_id, comment_theme.c.theme_id == theme
                ),
            )
        )
    if council is not None:
        # A council's contributions: its amendments, and what its members wrote.
        members = sa.select(council_membership.c.user_id).where(
            council_membership.c.council_id == council
        )
        conditions.append(
            sa.or_(
                (d.kind == "amendment") & (d.council_id == council),
                comment & d.author_id.in_(members),
            )
        )
    return conditions


class _Engine:
    """The engine's way to match, rank and highlight."""

    @staticmethod
    def for_dialect(name: str, query: Query) -> _Engine:
        return _Postgres(query) if name == "postgresql" else _SQLite(query)

    def matches(self, conditions: list[Any]) -> Any:
        """The documents matching the query and conditions: id, kind, score (lower first)."""
        raise NotImplementedError

    def snippets(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        """The marked title and snippet of each document."""
        raise NotImplementedError


class _SQLite(_Engine):
    def __init__(self, query: Query) -> None:
        self.fts = sa.table(FTS_TABLE, sa.column("rowid"))
        self.match = sa.text(f"{FTS_TABLE} MATCH :match").bindparams(match=query.fts5())

    def matches(self, conditions: list[Any]) -> Any:
        # bm25: lower is better; a word in the title counts five times one in the text.
        # Materialized, so that SQLite walks the full-text matches and looks each document
        # up, rather than walk a charter's documents and ask the full-text index each time.
        rank = sa.func.bm25(sa.literal_column(FTS_TABLE), 5.0, 1.0)
        hits = (
            sa.select(self.fts.c.rowid.label("id"), rank.label("score"))
            .select_from(self.fts)
            .where(self.match)
            .cte("hits")
            .prefix_with("MATERIALIZED")
        )
        return (
            sa.select(d.id, d.kind, hits.c.score)
            .select_from(hits.join(documents, d.id == hits.c.id))
            .where(*conditions)
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )

    def snippets(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        table = sa.literal_column(FTS_TABLE)
        rows = db.session.execute(
            sa.select(
                self.fts.c.rowid,
                sa.func.highlight(table, 0, START, STOP),
                sa.func.snippet(table, 1, START, STOP, "…", 32),
            )
            .select_from(self.fts)
            .where(self.match, self.fts.c.rowid.in_(ids))
        )
        return {rowid: (title, snippet) for rowid, title, snippet in rows}


class _Postgres(_Engine):
    FRAGMENTS = (
        f"StartSel={START}, StopSel={STOP}, MaxWords=35, MinWords=15, "
        'MaxFragments=2, FragmentDelimiter=" … "'
    )
    WHOLE = f"StartSel={START}, StopSel={STOP}, HighlightAll=true"
    SHORT = 240  # characters: a text this short is shown whole

    def __init__(self, query: Query) -> None:
        self.query = query.tsquery()

    def matches(self, conditions: list[Any]) -> Any:
        vector = sa.literal_column(f"search_document.{VECTOR_COLUMN}")
        return (
            sa.select(d.id, d.kind, (-sa.func.ts_rank(vector, self.query)).label("score"))
            .where(vector.op("@@")(self.query), *conditions)
            .cte("matches")
            .prefix_with("MATERIALIZED")
        )

    def snippets(self, ids: list[int]) -> dict[int, tuple[str, str]]:
        config = sa.literal_column(f"'{PG_CONFIG}'::regconfig")

        def headline(column: Any, options: str) -> Any:
            # ts_headline drops what looks like an HTML tag: hide "<" from it (LT).
            text = sa.func.replace(column, "<", LT)
            return sa.func.ts_headline(config, text, self.query, options)

        rows = db.session.execute(
            sa.select(
                d.id,
                headline(d.title, self.WHOLE),
                sa.case(
                    (sa.func.char_length(d.body) <= self.SHORT, headline(d.body, self.WHOLE)),
                    else_=headline(d.body, self.FRAGMENTS),
                ),
            ).where(d.id.in_(ids))
        )
        return {row_id: (title, snippet) for row_id, title, snippet in rows}


def marked(raw: str | None) -> Markup:
    """Engine output as safe HTML: everything escaped, then the markers made <mark>."""
    escaped = str(escape((raw or "").replace(LT, "<")))
    if escaped.count(START) != escaped.count(STOP):
        return Markup(escaped.replace(START, "").replace(STOP, ""))  # noqa: S704 (escaped)
    return Markup(escaped.replace(START, "<mark>").replace(STOP, "</mark>"))  # noqa: S704


def _hits(scope: Scope, found: list[Any], snippets: dict[int, tuple[str, str]]) -> list[Hit]:
    """The page's documents as hits, each checked again against its live rows."""
    rows = {row.id: row for row in found}
    amendment_ids = [r.amendment_id for r in rows.values() if r.kind == "amendment"]
    amendments = (
        {
            a.id: a
            for a in db.session.scalars(sa.select(Amendment).where(Amendment.id.in_(amendment_ids)))
        }
        if amendment_ids
        else {}
    )
    comment_ids = [r.comment_id for r in rows.values() if r.comment_id is not None]
    comments = (
        {
            c.id: c
            for c in db.session.scalars(
                sa.select(Comment)
                .where(Comment.id.in_(comment_ids))
                .options(selectinload(Comment.author), selectinload(Comment.amendment))
            )
        }
        if comment_ids
        else {}
    )
    # may_read depends on the comment's target only, so it is asked once per target; what
    # the scope already learnt from drafting.latest_visible (each charter's newest version
    # the viewer may see) answers for answers and for comments on that version.
    readable: dict[tuple, bool] = {(c, None, None): True for c in scope.charters}
    readable |= {(scope.charter_of[v], None, v): True for v in scope.latest}
    hits = []
    for document_id, row in rows.items():
        charter = scope.charters[row.charter_id]
        title, snippet = snippets.get(document_id, ("", ""))
        hit = _hit(scope, row, charter, amendments, comments, readable, title, snippet)
        if hit is None:
            log.warning("search: document %s is stale for its viewer; skipped", document_id)
            continue
        hits.append(hit)
    return hits


def _hit(scope, row, charter, amendments, comments, readable, title, snippet) -> Hit | None:
    """A hit, or None when the live rows say the viewer may not see it."""
    user = scope.user
    if row.kind == "section":
        version = scope.latest.get(row.version_id)
        if version is None:
            return None
        context = {"version": version, "key": row.section_key}
    elif row.kind == "amendment":
        amendment = amendments.get(row.amendment_id)
        if amendment is None or not permissions.can(user, "read_amendment", amendment):
            return None
        context = {"amendment": amendment}
    else:
        comment = comments.get(row.comment_id)
        if comment is None or not comment.live:
            return None
        target = (comment.charter_id, comment.amendment_id, comment.version_id)
        if target not in readable:
            readable[target] = consultation.may_read(user, comment)
        if not readable[target]:
            return None
        context = {"comment": comment}
    return Hit(row.kind, charter, marked(title), marked(snippet), context)
