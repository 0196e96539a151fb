"""The participation figures of a charter, as the viewer may see them: a few GROUP BY queries.

What is counted, for every viewer:
- amendments once proposed (submitted, and whatever came after; never drafts, nor those
  withdrawn before anyone saw them), accepted (accepted or merged) and merged: counts
  only, which are public information about a public process;
- comments and answers neither hidden nor deleted, on what the viewer may read: comments
  on a version only when the viewer may see that version; discussions of amendments only
  for those who may read amendments (council members and the secretariat), never on a
  draft amendment; answers to the guiding questions are public.

No figure is per person: people are counted into councils, regions, organisations, themes
and stages, and a region or organisation fewer than MIN_PEOPLE people contributed to is
added into "Other".
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _

from charter import permissions, writes
from charter.accounts.models import Council, User, council_membership
from charter.amendments.models import Amendment, AmendmentEvent, State, amendment_theme
from charter.cache import Shared
from charter.consultation.models import Comment, Theme, comment_theme
from charter.drafting import provenance
from charter.drafting.models import Charter
from charter.drafting.queries import VersionInfo
from charter.extensions import db
from charter.process.models import Stage, StageEvent

MEASURES = ("proposed", "accepted", "merged", "comments", "answers")
MIN_PEOPLE = 3  # a region or organisation shown by name gathers at least this many people
PROPOSED = (State.SUBMITTED, State.ACCEPTED, State.REJECTED, State.MERGED)
ACCEPTED = (State.ACCEPTED.value, State.MERGED.value)


@dataclass(frozen=True)
class Row:
    """The figures of one group (a council, a region, a theme…)."""

    label: str
    proposed: int = 0
    accepted: int = 0
    merged: int = 0
    comments: int = 0
    answers: int = 0


@dataclass(frozen=True)
class Dashboard:
    """Everything the participation page shows."""

    totals: Row
    people: int  # how many people made the counted contributions
    by_council: tuple[Row, ...]
    by_region: tuple[Row, ...]
    by_organisation: tuple[Row, ...]
    by_theme: tuple[Row, ...]
    by_stage: tuple[Row, ...]
    stages: tuple[tuple[int, str], ...]  # (position, name), for the filter
    themes: tuple[tuple[int, str], ...]  # (id, name), for the filter
    stage: int | None  # the filters applied (None: all)
    theme: int | None
    words_version: VersionInfo | None  # the version the merged words are of
    merged_words: tuple[provenance.Share, ...]


_cache: Shared[Dashboard] = Shared("dashboard", 256)


@dataclass
class _Tally:
    counts: list[int] = field(default_factory=lambda: [0] * len(MEASURES))
    people: set[int] = field(default_factory=set)

    def add(self, vector: Sequence[int], person: int | None = None) -> None:
        for index, value in enumerate(vector):
            self.counts[index] += value
        if person is not None:
            self.people.add(person)

    def row(self, label: str) -> Row:
        return Row(label, *self.counts)


def _amendment_vector(state: str, count: int) -> tuple[int, ...]:
    return (
        count,
        count if state in ACCEPTED else 0,
        count if state == State.MERGED.value else 0,
        0,
        0,
    )


def _comment_vector(answer: bool, count: int) -> tuple[int, ...]:
    return (0, 0, 0, 0, count) if answer else (0, 0, 0, count, 0)


def _stage_case(column: Any, events: Sequence[tuple[int, int, Any]], current: int) -> Any:
    """SQL for the stage position the charter was in at the time in column."""
    if not events:
        return sa.literal(current)
    whens = [(column < events[0][2], events[0][0])]
    whens += [(column < after[2], before[1]) for before, after in pairwise(events)]
    return sa.case(*whens, else_=events[-1][1])


def _proposed(charter: Charter) -> Any:
    """Amendments once submitted: never drafts, nor those withdrawn while still drafts."""
    submitted_once = (
        sa.select(AmendmentEvent.id)
        .where(
            AmendmentEvent.amendment_id == Amendment.id,
            AmendmentEvent.to_state == State.SUBMITTED.value,
        )
        .exists()
    )
    return (Amendment.charter_id == charter.id) & (
        Amendment.state.in_(PROPOSED) | ((Amendment.state == State.WITHDRAWN) & submitted_once)
    )


def _visible_comments(charter: Charter, version_ids: Iterable[int], reads_amendments: bool) -> Any:
    """Live comments and answers on what the viewer may read."""
    condition = (
        (Comment.charter_id == charter.id)
        & Comment.hidden_at.is_(None)
        & Comment.deleted_at.is_(None)
        & (Comment.version_id.is_(None) | Comment.version_id.in_(list(version_ids)))
    )
    if not reads_amendments:
        return condition & Comment.amendment_id.is_(None)
    discussed = sa.select(Amendment.id).where(
        Amendment.charter_id == charter.id, Amendment.state != State.DRAFT
    )
    return condition & (Comment.amendment_id.is_(None) | Comment.amendment_id.in_(discussed))


def participation(
    charter: Charter,
    user: Any,
    versions: Sequence[VersionInfo],
    stage: int | None = None,
    theme: int | None = None,
) -> Dashboard:
    """The figures of the charter for this viewer (versions: those they may see, newest
    first), optionally only for one stage (by position) or one theme (by id).

    Cached: the figures depend on the viewer only through the versions they see and
    whether they may read amendments, and the key holds both, the filters, the language
    and the write stamp (charter.writes): any write makes a new key.
    """
    reads_amendments = permissions.can(user, "read_amendment", charter)
    key = (
        charter.id,
        tuple((version.id, version.published) for version in versions),
        reads_amendments,
        stage,
        theme,
        str(get_locale()),
        writes.current(),
    )
    return _cache.get_or_set(
        key, lambda: _compute(charter, user, versions, reads_amendments, stage, theme)
    )


def clear_cache() -> None:
    """Forget every cached figure."""
    _cache.clear()


def _compute(
    charter: Charter,
    user: Any,
    versions: Sequence[VersionInfo],
    reads_amendments: bool,
    stage: int | None,
    theme: int | None,
) -> Dashboard:
    stages = tuple(
        tuple(row)
        for row in db.session.execute(
            sa.select(Stage.position, Stage.name)
            .where(Stage.charter_id == charter.id)
            .order_by(Stage.position)
        )
    )
    themes = tuple(
        tuple(row)
        for row in db.session.execute(
            sa.select(Theme.id, Theme.name)
            .where(Theme.charter_id == charter.id)
            .order_by(Theme.name)
        )
    )
    stage = stage if stage in {position for position, _name in stages} else None
    theme = theme if theme in {theme_id for theme_id, _name in themes} else None
    events = list(
        db.session.execute(
            sa.select(StageEvent.from_position, StageEvent.to_position, StageEvent.at)
            .where(StageEvent.charter_id == charter.id)
            .order_by(StageEvent.at, StageEvent.id)
        )
    )

    amendments = _amendment_rows(charter, events, stage, theme)
    comments = _comment_rows(
        charter,
        events,
        [version.id for version in versions],
        reads_amendments,
        stage,
        theme,
    )
    people = {row[0] for row in amendments.people} | {row[0] for row in comments.people}
    authors = _authors(charter, people)
    councils = dict(
        db.session.execute(
            sa.select(Council.id, Council.name)
            .where(Council.charter_id == charter.id)
            .order_by(Council.name)
        ).all()
    )

    totals, by_council, by_region, by_organisation, by_stage = (
        _Tally(),
        {key: _Tally() for key in councils},
        {},
        {},
        {position: _Tally() for position, _name in stages},
    )

    def count(person: int, councils_of: Iterable[int | None], at: int, vector) -> None:
        totals.add(vector, person)
        for council in councils_of:
            by_council.setdefault(council, _Tally()).add(vector, person)
        region, organisation, _councils = authors.get(person, ("", "", ()))
        by_region.setdefault(region, _Tally()).add(vector, person)
        by_organisation.setdefault(organisation, _Tally()).add(vector, person)
        by_stage.setdefault(at, _Tally()).add(vector, person)

    for person, council, at, state, number in amendments.people:
        count(person, [council], at, _amendment_vector(state, number))
    for person, at, answer, number in comments.people:
        councils_of = authors.get(person, ("", "", ()))[2] or (None,)
        count(person, councils_of, at, _comment_vector(bool(answer), number))

    by_theme = {theme_id: _Tally() for theme_id, _name in themes}
    for theme_id, state, number in amendments.themes:
        by_theme.setdefault(theme_id, _Tally()).add(_amendment_vector(state, number))
    for theme_id, answer, number in comments.themes:
        by_theme.setdefault(theme_id, _Tally()).add(_comment_vector(bool(answer), number))

    words_version = next((v for v in versions if v.published), versions[0] if versions else None)
    merged_words = (
        provenance.version_contributions(charter, words_version, user).by_council
        if words_version is not None
        else ()
    )
    stage_names = dict(stages)
    theme_names = dict(themes)
    return Dashboard(
        totals=totals.row(_("All")),
        people=len(totals.people),
        by_council=_named(by_council, councils, _("No council")),
        by_region=_folded(by_region, _("Region not given")),
        by_organisation=_folded(by_organisation, _("Organisation not given")),
        by_theme=_named(by_theme, theme_names, _("No theme")),
        by_stage=tuple(
            tally.row(stage_names.get(at) or _("Stage %(position)s", position=at))
            for at, tally in sorted(by_stage.items())
        ),
        stages=stages,
        themes=themes,
        stage=stage,
        theme=theme,
        words_version=words_version,
        merged_words=merged_words,
    )


def _named(tallies: dict[int | None, _Tally], names: dict[int, str], none: str) -> tuple[Row, ...]:
    """Rows in the order of names (every one, even at zero), then the group of None if any."""
    rows = [tallies[key].row(name) for key, name in names.items() if key in tallies]
    if None in tallies and any(tallies[None].counts):
        rows.append(tallies[None].row(none))
    return tuple(rows)


def _folded(tallies: dict[str, _Tally], unnamed: str) -> tuple[Row, ...]:
    """Rows by name, smaller groups than MIN_PEOPLE added into "Other", the blank one last."""
    rows, other = [], _Tally()
    for name in sorted(tallies, key=str.casefold):
        tally = tallies[name]
        if len(tally.people) < MIN_PEOPLE:
            other.add(tally.counts)
            other.people |= tally.people
        elif name:
            rows.append(tally.row(name))
    if "" in tallies and len(tallies[""].people) >= MIN_PEOPLE:
        rows.append(tallies[""].row(unnamed))
    if other.people:
        rows.append(other.row(_("Other (groups of fewer than %(count)s people)", count=MIN_PEOPLE)))
    return tuple(rows)


@dataclass(frozen=True)
class _Rows:
    people: list[tuple]  # per author: (author, [council,] stage, state | is-answer, count)
    themes: list[tuple]  # per theme (None: none): (theme, state | is-answer, count)


def _amendment_rows(
    charter: Charter, events: Sequence[tuple], stage: int | None, theme: int | None
) -> _Rows:
    """Counts of proposed amendments per author, council, stage and state; per theme."""
    condition = _proposed(charter)
    if theme is not None:
        condition &= (
            sa.select(amendment_theme.c.theme_id)
            .where(
                amendment_theme.c.amendment_id == Amendment.id,
                amendment_theme.c.theme_id == theme,
            )
            .exists()
        )
    stage_of = _stage_case(Amendment.created_at, events, charter.stage_position).label("stage")
    rows = (
        sa.select(
            Amendment.id,
            Amendment.author_id,
            Amendment.council_id,
            Amendment.state,
            stage_of,
        )
        .where(condition)
        .subquery()
    )
    where = [rows.c.stage == stage] if stage is not None else []
    people = db.session.execute(
        sa.select(rows.c.author_id, rows.c.council_id, rows.c.stage, rows.c.state, sa.func.count())
        .where(*where)
        .group_by(rows.c.author_id, rows.c.council_id, rows.c.stage, rows.c.state)
    ).all()
    themes = db.session.execute(
        sa.select(amendment_theme.c.theme_id, rows.c.state, sa.func.count())
        .select_from(rows)
        .outerjoin(amendment_theme, amendment_theme.c.amendment_id == rows.c.id)
        .where(*where)
        .group_by(amendment_theme.c.theme_id, rows.c.state)
    ).all()
    return _Rows(
        [(a, c, s, _state(state), n) for a, c, s, state, n in people],
        [(t, _state(state), n) for t, state, n in themes],
    )


def _state(value: Any) -> str:
    return value.value if isinstance(value, State) else str(value)


def _comment_rows(
    charter: Charter,
    events: Sequence[tuple],
    version_ids: list[int],
    reads_amendments: bool,
    stage: int | None,
    theme: int | None,
) -> _Rows:
    """Counts of visible comments and answers per author, stage and kind; per theme."""
    condition = _visible_comments(charter, version_ids, reads_amendments)
    if theme is not None:
        condition &= (
            sa.select(comment_theme.c.theme_id)
            .where(comment_theme.c.comment_id == Comment.id, comment_theme.c.theme_id == theme)
            .exists()
        )
    rows = (
        sa.select(
            Comment.id,
            Comment.author_id,
            Comment.question_id.is_not(None).label("answer"),
            _stage_case(Comment.created_at, events, charter.stage_position).label("stage"),
        )
        .where(condition)
        .subquery()
    )
    where = [rows.c.stage == stage] if stage is not None else []
    people = db.session.execute(
        sa.select(rows.c.author_id, rows.c.stage, rows.c.answer, sa.func.count())
        .where(*where)
        .group_by(rows.c.author_id, rows.c.stage, rows.c.answer)
    ).all()
    themes = db.session.execute(
        sa.select(comment_theme.c.theme_id, rows.c.answer, sa.func.count())
        .select_from(rows)
        .outerjoin(comment_theme, comment_theme.c.comment_id == rows.c.id)
        .where(*where)
        .group_by(comment_theme.c.theme_id, rows.c.answer)
    ).all()
    return _Rows([tuple(row) for row in people], [tuple(row) for row in themes])


def _authors(charter: Charter, ids: set[int]) -> dict[int, tuple[str, str, tuple[int, ...]]]:
    """Region, organisation and councils of the charter of each of these people."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(User.id, User.region, User.organisation, Council.id)
        .outerjoin(council_membership, council_membership.c.user_id == User.id)
        .outerjoin(
            Council,
            (Council.id == council_membership.c.council_id) & (Council.charter_id == charter.id),
        )
        .where(User.id.in_(sorted(ids)))
        .order_by(User.id)
    )
    authors: dict[int, tuple[str, str, tuple[int, ...]]] = {}
    for person, region, organisation, council in rows:
        _region, _organisation, councils = authors.get(person, ("", "", ()))
        authors[person] = (
            (region or "").strip(),
            (organisation or "").strip(),
            councils + ((council,) if council is not None else ()),
        )
    return authors
