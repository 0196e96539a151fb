"""Reading amendments, as the viewer may see them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload, selectinload

from charter import permissions
from charter.accounts.models import Council, User
from charter.amendments.models import (
    Amendment,
    AmendmentEvent,
    Endorsement,
    State,
    amendment_theme,
)
from charter.drafting.models import Charter
from charter.extensions import db

PAGE_SIZE = 25
SORTS = {
    "newest": (Amendment.created_at.desc(), Amendment.id.desc()),
    "oldest": (Amendment.created_at.asc(), Amendment.id.asc()),
    "cosigners": (Amendment.endorsement_count.desc(), Amendment.id.desc()),
}


@dataclass(frozen=True)
class Filters:
    state: str = ""
    section: str = ""
    council: int | None = None
    author: int | None = None
    theme: int | None = None
    sort: str = "newest"
    page: int = 1

    def query_args(self, **changes: Any) -> dict[str, Any]:
        """The filters as URL arguments (empty ones left out), with some changed."""
        values = {**self.__dict__, **changes}
        return {name: value for name, value in values.items() if value not in ("", None)}


def amendment_or_404(charter: Charter, number: int, user: Any) -> Amendment:
    """One amendment the user may read; others' drafts and unknown numbers are both 404."""
    amendment = db.session.scalar(
        sa.select(Amendment)
        .options(
            joinedload(Amendment.author),
            joinedload(Amendment.council),
            selectinload(Amendment.operations),
            selectinload(Amendment.themes),
            selectinload(Amendment.questions),
            # The co-signers with their councils, and the history with its actors: the page
            # shows them all, so load them in a few queries rather than one per person.
            selectinload(Amendment.endorsements)
            .joinedload(Endorsement.user)
            .selectinload(User.councils),
            selectinload(Amendment.events).joinedload(AmendmentEvent.actor),
        )
        .where(Amendment.charter_id == charter.id, Amendment.number == number)
    )
    if amendment is None or not permissions.can(user, "read_amendment", amendment):
        abort(404)
    return amendment


def _visible(charter: Charter, user: Any):
    """Submitted and later amendments, and the viewer's own drafts."""
    condition = (Amendment.charter_id == charter.id) & (Amendment.state != State.DRAFT)
    if user is not None:
        condition = (Amendment.charter_id == charter.id) & (
            (Amendment.state != State.DRAFT) | (Amendment.author_id == user.id)
        )
    return condition


def matching(charter: Charter, user: Any, filters: Filters) -> sa.Select:
    """The amendments the user may read that match the filters, the state aside."""
    query = sa.select(Amendment).where(_visible(charter, user))
    if filters.section:
        padded = sa.literal(" ") + Amendment.section_keys + sa.literal(" ")
        pattern = "% " + _like_literal(filters.section) + " %"
        query = query.where(padded.like(pattern, escape="\\"))
    if filters.council:
        query = query.where(Amendment.council_id == filters.council)
    if filters.author:
        query = query.where(Amendment.author_id == filters.author)
    if filters.theme:
        query = query.where(
            sa.exists().where(
                amendment_theme.c.amendment_id == Amendment.id,
                amendment_theme.c.theme_id == filters.theme,
            )
        )
    return query


def index(charter: Charter, user: Any, filters: Filters) -> tuple[list[Amendment], int, dict]:
    """One page of the amendments matching the filters, their total, and counts per state."""
    query = matching(charter, user, filters)
    counts = _counts(query)
    if filters.state:
        query = query.where(Amendment.state == filters.state)
    total = counts.get(filters.state, 0) if filters.state else sum(counts.values())
    page = db.session.scalars(
        query.options(joinedload(Amendment.author), joinedload(Amendment.council))
        .order_by(*SORTS.get(filters.sort, SORTS["newest"]))
        .limit(PAGE_SIZE)
        .offset((filters.page - 1) * PAGE_SIZE)
    ).all()
    return list(page), total, counts


def _like_literal(text: str) -> str:
    """Text that LIKE (escape character a backslash) matches only as written."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _counts(query) -> dict[str, int]:
    inner = query.with_only_columns(Amendment.state).subquery()
    rows = db.session.execute(
        sa.select(inner.c.state, sa.func.count()).group_by(inner.c.state)
    ).all()
    return {State(state).value: count for state, count in rows}


def filter_choices(charter: Charter) -> dict[str, list[tuple[int, str]]]:
    """The councils, authors and themes one can filter the index by."""
    from charter.consultation.models import Theme

    councils = db.session.execute(
        sa.select(Council.id, Council.name)
        .where(Council.charter_id == charter.id)
        .order_by(Council.name)
    ).all()
    authors = db.session.execute(
        sa.select(User.id, User.display_name)
        .where(
            User.id.in_(
                sa.select(Amendment.author_id).where(
                    Amendment.charter_id == charter.id, Amendment.state != State.DRAFT
                )
            )
        )
        .order_by(User.display_name)
    ).all()
    themes = db.session.execute(
        sa.select(Theme.id, Theme.name).where(Theme.charter_id == charter.id).order_by(Theme.name)
    ).all()
    return {"councils": list(councils), "authors": list(authors), "themes": list(themes)}


def endorsed_by(amendment: Amendment, user: Any) -> bool:
    """Whether the user co-signed the amendment."""
    if user is None:
        return False
    return db.session.get(Endorsement, (amendment.id, user.id)) is not None
