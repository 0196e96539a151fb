"""The secretariat's process and drafting actions that charter.api.write leaves: step back a
stage, edit a stage, record the Bureau's decision, edit the draft directly; translating a
section; previewing a proposed change. Loaded, authorised and committed as the pages do."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import abort, current_app, url_for
from flask_babel import gettext as _

from charter.amendments import present
from charter.amendments import services as amendment_services
from charter.api.core import caller, operation
from charter.api.manage import WRITE, charter_or_404
from charter.api.manage_models import (
    DecisionBody,
    DecisionResult,
    DraftEditBody,
    PreviewBody,
    PreviewResult,
    StageEditBody,
    StageSettingsResult,
    StepBackBody,
    TranslationBody,
    TranslationResult,
)
from charter.api.read import section_change
from charter.api.requests import StageResult, VersionResult, operations_from
from charter.drafting import merge, queries
from charter.drafting.models import Charter, Version
from charter.errors import InvalidInput
from charter.extensions import db
from charter.permissions import authorize
from charter.process import services as process_services
from charter.process.models import Stage
from charter.text.sections import Section
from charter.translating import services as translating_services

# Stages -----------------------------------------------------------------------------------


def _utc(moment: datetime | None, field: str) -> datetime | None:
    """A date as the stages hold it: naive UTC, to the second."""
    if moment is None:
        return None
    try:
        if moment.tzinfo is not None:
            moment = moment.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:
        raise InvalidInput(_("This date is out of range."), field=field) from None
    return moment.replace(microsecond=0)


@operation(
    "POST",
    "/charters/<slug>/stage/back",
    summary="Move the charter back to its previous stage (secretariat)",
    body=StepBackBody,
    response=StageResult,
    errors=WRITE,
    tags=("process",),
)
def step_back_stage(slug: str, body: StepBackBody):
    """A recorded event, as a move forward is."""
    charter = charter_or_404(slug)
    authorize("advance_stage", charter)
    process_services.step_back(caller(), charter, body.note, body.expected_position)
    db.session.commit()
    stage = charter.stage
    return StageResult(
        charter=slug, position=stage.position, name=stage.name, capabilities=stage.capabilities
    )


def _settings(stage: Stage) -> StageSettingsResult:
    return StageSettingsResult(
        position=stage.position,
        name=stage.name,
        description=stage.description,
        capabilities=stage.capabilities,
        opens_at=stage.opens_at,
        closes_at=stage.closes_at,
    )


@operation(
    "PATCH",
    "/charters/<slug>/stages/<int:position>",
    summary="Change a stage's name, description, what it opens and its dates (secretariat)",
    body=StageEditBody,
    response=StageSettingsResult,
    errors=WRITE,
    tags=("process",),
)
def edit_stage(slug: str, position: int, body: StageEditBody):
    charter = charter_or_404(slug)
    authorize("manage_stages", charter)
    stage = process_services.stage_at(charter, position) or abort(404)
    sent = body.model_fields_set
    process_services.edit_stage(
        caller(),
        stage,
        body.name if body.name is not None else stage.name,
        body.description if body.description is not None else stage.description,
        body.capabilities if body.capabilities is not None else stage.capabilities,
        _utc(body.opens_at, "opens_at") if "opens_at" in sent else stage.opens_at,
        _utc(body.closes_at, "closes_at") if "closes_at" in sent else stage.closes_at,
    )
    db.session.commit()
    return _settings(stage)


# Drafting ---------------------------------------------------------------------------------


@operation(
    "POST",
    "/charters/<slug>/versions/<int:number>/decision",
    summary="Record the Executive Bureau's decision on a version (secretariat)",
    body=DecisionBody,
    response=DecisionResult,
    status=201,
    errors=WRITE,
    tags=("drafting",),
)
def record_decision(slug: str, number: int, body: DecisionBody):
    charter = charter_or_404(slug)
    version = db.session.scalar(
        db.select(Version).where(Version.charter_id == charter.id, Version.number == number)
    )
    if version is None:
        abort(404)
    authorize("record_decision", charter)
    entry = merge.record_decision(caller(), version, body.decision, body.note)
    db.session.commit()
    return DecisionResult(
        id=entry.id,
        version=version.number,
        decision=entry.decision,
        note=entry.note,
        decided_at=entry.decided_at,
    )


def _head(charter: Charter) -> tuple[Version, tuple[Section, ...]]:
    """The draft head and its sections, or 404 for a charter with no version yet."""
    head = queries.head_version(charter)
    if head is None:
        abort(404)
    return head, queries.sections_of(head)


@operation(
    "POST",
    "/charters/<slug>/draft/edits",
    summary="Change the draft itself: a new draft version (secretariat)",
    body=DraftEditBody,
    response=VersionResult,
    status=201,
    errors=WRITE,
    tags=("drafting",),
)
def edit_draft(slug: str, body: DraftEditBody):
    """Modify, insert, delete or move sections of the head, as the direct-edit page does;
    409 when the head is not `expected_head` any more."""
    charter = charter_or_404(slug)
    authorize("edit_draft", charter)
    _version, sections = _head(charter)
    version = merge.direct_edit(
        caller(),
        charter,
        operations_from(body.operations, sections),
        note=body.note,
        expected_head=body.expected_head,
    )
    db.session.commit()
    return VersionResult(
        charter=slug,
        number=version.number,
        published=False,
        url=url_for("public.version", slug=slug, number=version.number, _external=True),
    )


@operation(
    "POST",
    "/charters/<slug>/amendments/preview",
    summary="The word diff proposed changes would make to the current draft (nothing saved)",
    body=PreviewBody,
    response=PreviewResult,
    errors=WRITE,
    tags=("amendments",),
)
def preview_amendment(slug: str, body: PreviewBody):
    """What the proposal page shows while a change is typed; a change that does not fit the
    draft is 422, one whose section left the draft 409."""
    charter = charter_or_404(slug)
    authorize("propose_amendment", charter)
    head, sections = _head(charter)
    operations = operations_from(body.operations, sections)
    amendment_services.check_operations(sections, operations)
    return PreviewResult(
        head=head.number,
        sections=[section_change(change) for change in present.changes_on(sections, operations)],
    )


# Translations -----------------------------------------------------------------------------


@operation(
    "PUT",
    "/charters/<slug>/versions/<int:number>/translations/<language>/<key>",
    summary="Save the translation of one section of a version (secretariat, translators)",
    body=TranslationBody,
    response=TranslationResult,
    errors=WRITE,
    tags=("translations",),
)
def translate_section(slug: str, number: int, language: str, key: str, body: TranslationBody):
    """It replaces the section's earlier translation; readers of the language see it."""
    charter = charter_or_404(slug)
    authorize("translate", charter, hide=True)
    if language not in current_app.config["LANGUAGES"] or language == charter.language:
        abort(404)
    version = queries.version_or_404(charter, number, caller())
    if not any(section.key == key for section in queries.sections_of(version)):
        abort(404)
    translation = translating_services.translate_section(
        caller(), charter, version, language, key, heading=body.heading, body=body.body
    )
    db.session.commit()
    url = url_for("public.version", slug=slug, number=number, lang=language, _external=True)
    return TranslationResult(
        language=language,
        key=key,
        version=version.number,
        heading=translation.heading,
        url=f"{url}#{key}",
    )
