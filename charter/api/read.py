"""Read operations: what the pages show, as JSON, under the same policy."""

from __future__ import annotations

from flask import abort, url_for

from charter.api.core import caller, operation
from charter.api.schemas import CharterOut, CharterSummary, StageOut
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.permissions import authorize
from charter.translating import queries as translating_queries


def _charter(slug: str) -> tuple[Charter, list[queries.VersionInfo]]:
    """The charter and the versions the caller may read; 404 when they may read none."""
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    versions = queries.visible_versions(charter, caller())
    if not versions:
        abort(404)
    return charter, versions


def _stage(charter: Charter) -> StageOut | None:
    stage = charter.stage
    if stage is None:
        return None
    return StageOut(
        position=stage.position,
        name=stage.name,
        capabilities=sorted(stage.capabilities),
        opens_at=stage.opens_at,
        closes_at=stage.closes_at,
    )


@operation(
    "GET",
    "/charters",
    summary="The charters the caller may read",
    response=list[CharterSummary],
    tags=("charters",),
)
def charters():
    return [
        CharterSummary(
            slug=charter.slug,
            title=charter.title,
            language=charter.language,
            url=url_for("public.charter", slug=charter.slug, _external=True),
            versions=count,
        )
        for charter, count in queries.visible_charters(caller())
    ]


@operation(
    "GET",
    "/charters/<slug>",
    summary="A charter: title, stage, latest published and head versions",
    response=CharterOut,
    tags=("charters",),
)
def charter(slug: str):
    charter, versions = _charter(slug)
    published = [version.number for version in versions if version.published]
    return CharterOut(
        slug=charter.slug,
        title=charter.title,
        summary=charter.summary,
        language=charter.language,
        url=url_for("public.charter", slug=charter.slug, _external=True),
        stage=_stage(charter),
        latest_published=published[0] if published else None,
        head=versions[0].number,
        translations=translating_queries.languages_of(charter)[1:],
    )
