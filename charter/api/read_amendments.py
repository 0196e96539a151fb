"""Read operations on amendments: the index page's list, filters and sorts, and one
amendment with its changes, co-signers and history."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import abort
from sqlalchemy.orm import joinedload

from charter.amendments import present
from charter.amendments import queries as amendment_queries
from charter.amendments.models import Amendment, AmendmentOperation
from charter.api.core import Page, caller, cursor_position, operation, paginate
from charter.api.read import section_change
from charter.api.schemas import (
    AmendmentEventOut,
    AmendmentOut,
    AmendmentQuery,
    AmendmentSummary,
    CosignerOut,
    OperationOut,
)
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.extensions import db
from charter.permissions import authorize


def _amendment_summary(amendment: Amendment) -> dict[str, Any]:
    return {
        "id": amendment.id,
        "number": amendment.number,
        "title": amendment.title,
        "state": amendment.state,
        "author": amendment.author.display_name,
        "council": amendment.council.name if amendment.council else None,
        "sections": amendment.section_keys.split(),
        "endorsements": amendment.endorsement_count,
        "created_at": amendment.created_at,
        "updated_at": amendment.updated_at,
    }


@operation(
    "GET",
    "/charters/<slug>/amendments",
    summary="The amendments the caller may read, filtered and sorted as on the index page",
    response=Page[AmendmentSummary],
    query=AmendmentQuery,
    errors=(401, 403),
    tags=("amendments",),
)
def amendments(slug: str, query: AmendmentQuery):
    """Sherpas, advisors (of the charter's councils) and the secretariat read the submitted
    amendments and later ones, and their own drafts."""
    authorize("read_amendment")
    charter = queries.charter_or_404(slug)
    authorize("read_amendment", charter)
    filters = amendment_queries.Filters(
        section=query.section, council=query.council, author=query.author, theme=query.theme
    )
    select = amendment_queries.matching(charter, caller(), filters)
    if query.state is not None:
        select = select.where(Amendment.state == query.state)
    by_count = query.sort == "cosigners"
    limit, after = cursor_position(query, int if by_count else datetime, int)
    rows = _amendment_rows(select, query.sort, limit, after)
    shown, cursor = paginate(
        rows,
        limit,
        lambda a: [a.endorsement_count if by_count else a.created_at.isoformat(), a.id],
    )
    return Page[AmendmentSummary](
        items=[AmendmentSummary(**_amendment_summary(a)) for a in shown], next_cursor=cursor
    )


def _amendment_rows(
    select: sa.Select, sort: str, limit: int, after: list[Any] | None
) -> list[Amendment]:
    """limit + 1 amendments after the position, in the order of the index page's sort."""
    column = Amendment.endorsement_count if sort == "cosigners" else Amendment.created_at
    if after is not None:
        value, last = after
        if sort == "oldest":
            later = (column > value) | ((column == value) & (Amendment.id > last))
        else:
            later = (column < value) | ((column == value) & (Amendment.id < last))
        select = select.where(later)
    return list(
        db.session.scalars(
            select.options(joinedload(Amendment.author), joinedload(Amendment.council))
            .order_by(*amendment_queries.SORTS[sort])
            .limit(limit + 1)
        )
    )


@operation(
    "GET",
    "/amendments/<int:amendment_id>",
    summary="One amendment: its changes, co-signers, history and themes",
    response=AmendmentOut,
    errors=(401, 403),
    tags=("amendments",),
)
def amendment(amendment_id: int):
    """A draft is its author's alone: for anyone else it is not found."""
    authorize("read_amendment")
    found = db.session.execute(
        sa.select(Amendment.charter_id, Amendment.number).where(Amendment.id == amendment_id)
    ).first()
    if found is None:
        abort(404)
    charter = db.session.get(Charter, found.charter_id)
    amendment = amendment_queries.amendment_or_404(charter, found.number, caller())
    return AmendmentOut(
        **_amendment_summary(amendment),
        charter=charter.slug,
        justification=amendment.justification,
        base_version=amendment.base_version.number,
        merged_version=amendment.merged_version.number if amendment.merged_version else None,
        operations=[_operation(operation) for operation in amendment.operations],
        changes=[
            section_change(change)
            for change in present.against_base(amendment.base_version, amendment.text_operations())
        ],
        cosigners=[
            CosignerOut(
                name=endorsement.user.display_name,
                organisation=endorsement.user.organisation,
                councils=[c.name for c in endorsement.user.councils if c.charter_id == charter.id],
                at=endorsement.created_at,
            )
            for endorsement in amendment.endorsements
        ],
        history=[
            AmendmentEventOut(
                from_state=event.from_state,
                to_state=event.to_state,
                actor=event.actor.display_name,
                reason=event.reason,
                at=event.at,
            )
            for event in amendment.events
        ],
        themes=[theme.name for theme in amendment.themes],
    )


def _operation(operation: AmendmentOperation) -> OperationOut:
    return OperationOut(
        kind=operation.kind,
        section=operation.section_key,
        heading=operation.heading,
        level=operation.level,
        after=operation.after_key,
        text=operation.text,
    )
