"""The search pages: the whole site, and one charter."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, render_template, request

from charter.accounts.models import Council
from charter.consultation.models import Theme
from charter.drafting import queries as drafting
from charter.drafting.models import Charter
from charter.extensions import db
from charter.permissions import authorize, current_user_or_none
from charter.search import index as _index  # noqa: F401 (its events keep the index current)
from charter.search import queries
from charter.search.models import KINDS
from charter.urls import query_int, query_text

bp = Blueprint("search", __name__)


@dataclass(frozen=True)
class Filters:
    """The search as URL arguments (for the form, the type links and the pages)."""

    q: str = ""
    charter: str = ""
    type: str = ""
    theme: int | None = None
    council: int | None = None
    page: int = 1

    @classmethod
    def from_request(cls, *, scoped: bool = False) -> Filters:
        args = request.args
        return cls(
            q=args.get("q", "")[:1000],
            charter="" if scoped else query_text(args.get("charter"), 80),
            type=args.get("type", "") if args.get("type") in KINDS else "",
            theme=_number(args.get("theme")),
            council=_number(args.get("council")),
            page=min(max(_number(args.get("page")) or 1, 1), queries.MAX_PAGE),
        )

    def query_args(self, **changes: Any) -> dict[str, Any]:
        values = {**self.__dict__, **changes}
        if values["page"] == 1:
            del values["page"]
        return {name: value for name, value in values.items() if value not in ("", None)}


def _number(value: str | None) -> int | None:
    try:
        return query_int(value) if value else None
    except ValueError:
        return None


@bp.get("/search")
def index():
    authorize("read_published")
    filters = Filters.from_request()
    charter = None
    if filters.charter:
        charter = db.session.scalar(sa.select(Charter).where(Charter.slug == filters.charter))
    if filters.charter and charter is None:
        results = queries.Results(queries.parse(filters.q))  # no such charter: nothing found
    else:
        results = _search(filters, charter)
    if charter is None and not filters.charter:
        choices = results.charters  # the charters searched: all those the viewer may read
    else:
        choices = [c for c, _n in drafting.visible_charters(current_user_or_none())]
    return _render(filters, results, charter, charters=choices)


@bp.get("/charters/<slug>/search")
def charter_search(slug: str):
    authorize("read_published")
    charter = drafting.charter_or_404(slug)
    if drafting.latest_visible(charter, current_user_or_none()) is None:
        abort(404)
    filters = Filters.from_request(scoped=True)
    return _render(filters, _search(filters, charter), charter)


def _search(filters: Filters, charter: Charter | None) -> queries.Results:
    return queries.search(
        current_user_or_none(),
        filters.q,
        charter=charter,
        kinds=[filters.type] if filters.type else [],
        theme=filters.theme if charter is not None else None,
        council=filters.council if charter is not None else None,
        page=filters.page,
    )


def _render(filters: Filters, results: queries.Results, charter: Charter | None, **extra: Any):
    themes = councils = []
    if charter is not None and results.charters:
        themes = db.session.execute(
            sa.select(Theme.id, Theme.name)
            .where(Theme.charter_id == charter.id)
            .order_by(Theme.name)
        ).all()
        councils = db.session.execute(
            sa.select(Council.id, Council.name)
            .where(Council.charter_id == charter.id)
            .order_by(Council.name)
        ).all()
    return render_template(
        "search/index.html",
        filters=filters,
        results=results,
        charter=charter,
        scoped=request.endpoint == "search.charter_search",
        themes=themes,
        councils=councils,
        kinds=KINDS,
        page_size=queries.PAGE_SIZE,
        max_results=queries.PAGE_SIZE * queries.MAX_PAGE,
        max_length=queries.MAX_LENGTH,
        **extra,
    )
