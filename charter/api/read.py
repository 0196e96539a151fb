"""Read operations: what the pages show, as JSON, under the same policy.

Each operation asks the policy and the queries the pages ask, so a draft version, a draft
amendment or a comment on a draft reaches no one the page would not show it to.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, url_for

from charter.api.core import (
    Page,
    PageQuery,
    caller,
    cursor_position,
    immutable,
    json_response,
    operation,
    paginate,
)
from charter.api.schemas import (
    AuditEntryOut,
    CharterOut,
    CharterSummary,
    CompareOut,
    ProcessOut,
    SectionChangeOut,
    SectionOut,
    SectionTranslationOut,
    StageDetail,
    StageEventOut,
    StageOut,
    VersionOut,
    VersionQuery,
    VersionSummary,
)
from charter.audit import AuditEntry
from charter.cache import LRU
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.extensions import db
from charter.permissions import authorize, can
from charter.process import services as process_services
from charter.text import diff, hashing
from charter.text.translation import Localized
from charter.translating import queries as translating_queries

# Versions are immutable: the hashes of their section texts are kept by digest.
_text_hashes: LRU[tuple[str, ...]] = LRU(512)


def charter_for_readers(slug: str) -> Charter:
    """The charter, for anyone who may read published texts (the versions decide the rest)."""
    authorize("read_published")
    return queries.charter_or_404(slug)


def charter_and_versions(slug: str) -> tuple[Charter, list[queries.VersionInfo]]:
    """The charter and the versions the caller may read; 404 when they may read none."""
    charter = charter_for_readers(slug)
    versions = queries.visible_versions(charter, caller())
    if not versions:
        abort(404)
    return charter, versions


def charter_readable(slug: str, manager_action: str) -> Charter:
    """The charter, for whoever sees one of its versions (and for its managers, who prepare
    stages and questions before the first version), as the pages decide."""
    charter = charter_for_readers(slug)
    user = caller()
    if queries.latest_visible(charter, user) is None and not can(user, manager_action, charter):
        abort(404)
    return charter


# Charters ---------------------------------------------------------------------------------


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
    charter, versions = charter_and_versions(slug)
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


@operation(
    "GET",
    "/charters/<slug>/stages",
    summary="The charter's process: its stages, the current one, the moves between them",
    response=ProcessOut,
    errors=(401,),
    tags=("charters",),
)
def stages(slug: str):
    charter = charter_readable(slug, "manage_stages")
    return ProcessOut(
        current=charter.stage.position if charter.stage else None,
        stages=[
            StageDetail(
                position=stage.position,
                name=stage.name,
                description=stage.description,
                capabilities=stage.capabilities,
                opens_at=stage.opens_at,
                closes_at=stage.closes_at,
                current=stage.position == charter.stage_position,
            )
            for stage in process_services.stages_of(charter)
        ],
        events=[
            StageEventOut(
                from_position=event.from_position,
                to_position=event.to_position,
                actor=event.actor.display_name if event.actor else None,
                note=event.note,
                at=event.at,
            )
            for event in process_services.events_of(charter)
        ],
    )


@operation(
    "GET",
    "/charters/<slug>/audit",
    summary="The charter's audit log, newest first (secretariat and admins)",
    response=Page[AuditEntryOut],
    query=PageQuery,
    errors=(401, 403),
    tags=("charters",),
)
def audit_log(slug: str, query: PageQuery):
    authorize("read_audit")
    charter = queries.charter_or_404(slug)
    limit, after = cursor_position(query, int)
    select = sa.select(AuditEntry).where(AuditEntry.charter_id == charter.id)
    if after is not None:
        select = select.where(AuditEntry.id < after[0])
    rows = db.session.scalars(select.order_by(AuditEntry.id.desc()).limit(limit + 1)).all()
    entries, cursor = paginate(list(rows), limit, lambda entry: [entry.id])
    return Page[AuditEntryOut](
        items=[
            AuditEntryOut(
                id=entry.id,
                at=entry.at,
                actor=entry.actor_name,
                action=entry.action,
                object_type=entry.object_type,
                object_id=entry.object_id,
                before=entry.before,
                after=entry.after,
                address=entry.address,
            )
            for entry in entries
        ],
        next_cursor=cursor,
    )


# Versions ---------------------------------------------------------------------------------


def _summary(version: queries.VersionInfo) -> VersionSummary:
    return VersionSummary(**_summary_fields(version))


def _summary_fields(version: queries.VersionInfo) -> dict[str, Any]:
    return {
        "number": version.number,
        "published": version.published,
        "published_at": version.published_at,
        "created_at": version.created_at,
        "note": version.note,
        "author": version.author,
        "digest": version.digest,
        "parent_hash": version.parent_hash,
    }


@operation(
    "GET",
    "/charters/<slug>/versions",
    summary="The versions the caller may read, newest first",
    response=Page[VersionSummary],
    query=PageQuery,
    errors=(401,),
    tags=("versions",),
)
def versions(slug: str, query: PageQuery):
    _charter_found, versions = charter_and_versions(slug)
    limit, after = cursor_position(query, int)
    if after is not None:
        versions = [version for version in versions if version.number < after[0]]
    shown, cursor = paginate(versions, limit, lambda version: [version.number])
    return Page[VersionSummary](items=[_summary(v) for v in shown], next_cursor=cursor)


@operation(
    "GET",
    "/charters/<slug>/versions/<int:number>",
    summary="One version: its sections, their Markdown and hashes; with ?lang=, translations",
    response=VersionOut,
    query=VersionQuery,
    errors=(304, 401),
    tags=("versions",),
)
def version(slug: str, number: int, query: VersionQuery):
    """A published version answers with a strong ETag: send it back in If-None-Match and
    the answer is 304 while neither the version nor the translations shown changed."""
    charter = charter_for_readers(slug)
    version = queries.version_or_404(charter, number, caller())
    language = query.lang if query.lang != charter.language else None
    localized = translating_queries.localized(charter, version, language) if language else None

    def answer():
        return json_response(_version_out(charter, version, language, localized))

    if not version.published:
        return answer()
    return immutable(answer, "version", version.digest, language, *_translation_tag(localized))


def _version_out(
    charter: Charter,
    version: queries.VersionInfo,
    language: str | None,
    localized: list[Localized] | None,
) -> VersionOut:
    sections = queries.sections_of(version)
    text_hashes = _text_hashes.get_or_set(
        version.digest, lambda: tuple(hashing.text_hash(section.body) for section in sections)
    )
    translations = [_translation(item) for item in localized] if localized else None
    return VersionOut(
        **_summary_fields(version),
        language=charter.language,
        translation_language=language,
        sections=[
            SectionOut(
                key=section.key,
                level=section.level,
                heading=section.heading,
                body=section.body,
                text_hash=text_hashes[index],
                translation=translations[index] if translations else None,
            )
            for index, section in enumerate(sections)
        ],
    )


def _translation(item: Localized) -> SectionTranslationOut:
    made = item.translation
    return SectionTranslationOut(
        status=item.status,
        heading=item.section.heading if made else None,
        body=item.section.body if made else None,
        made_for_version=made.version_number if made else None,
    )


def _translation_tag(localized: list[Localized] | None) -> list[str]:
    """What a translated answer's ETag must cover: every translation shown (as downloads)."""
    return [
        hashing.text_hash(
            f"{item.status}\x1f{item.translation.version_number if item.translation else ''}"
            f"\x1f{item.section.heading}\x1f{item.section.body}"
        )
        for item in localized or ()
    ]


def section_change(change: diff.SectionChange) -> SectionChangeOut:
    return SectionChangeOut(
        key=change.key,
        kind=change.kind,
        moved=change.moved,
        renamed=change.renamed,
        old_heading=change.old.heading if change.old else None,
        new_heading=change.new.heading if change.new else None,
        old_level=change.old.level if change.old else None,
        new_level=change.new.level if change.new else None,
        ops=list(change.ops),
    )


@operation(
    "GET",
    "/charters/<slug>/compare/<int:old>/<int:new>",
    summary="What changed from one version to another, section by section and word by word",
    response=CompareOut,
    errors=(304, 401),
    tags=("versions",),
)
def compare(slug: str, old: int, new: int):
    """Between two published versions, the answer has a strong ETag (If-None-Match: 304)."""
    charter = charter_for_readers(slug)
    user = caller()
    old_version = queries.version_or_404(charter, old, user)
    new_version = queries.version_or_404(charter, new, user)

    def answer():
        changes = queries.compare(old_version, new_version)
        return json_response(
            CompareOut(
                old=_summary(old_version),
                new=_summary(new_version),
                sections=[section_change(change) for change in changes],
            )
        )

    if not (old_version.published and new_version.published):
        return answer()
    return immutable(answer, "compare", old_version.digest, new_version.digest)


# Amendments and the consultation add their operations here.
from charter.api import read_amendments, read_consultation  # noqa: E402, F401
