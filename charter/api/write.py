"""Write operations: what the pages' forms do, for a personal token. Each loads its target
under the pages' policy, calls the same service as the page, and commits once; a refusal
rolls everything back (charter.api.core) and answers in the API's error shape."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from charter import permissions
from charter.amendments import services as amendments
from charter.amendments.models import Amendment
from charter.api.core import ApiError, caller, operation
from charter.api.requests import (
    AdvanceBody,
    AmendmentResult,
    AnswerBody,
    CommentResult,
    EditBody,
    MergeBody,
    MessageBody,
    ProposeBody,
    ReviewBody,
    RevisionQuery,
    SectionCommentBody,
    StageResult,
    VersionResult,
    WithdrawBody,
    operations_from,
)
from charter.consultation import manage
from charter.consultation import queries as consultation_queries
from charter.consultation import services as consultation
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.drafting import idempotency, merge, queries
from charter.drafting.models import Charter, Version
from charter.extensions import db
from charter.process import services as process
from charter.text.sections import fit_body

AMENDMENT_ERRORS = (403, 404, 409, 422)
COMMENT_ERRORS = (403, 404, 409, 422, 429)


# Targets, loaded as the pages load them -----------------------------------------------------


def _charter(slug: str) -> Charter:
    return queries.charter_or_404(slug)


def _amendment(amendment_id: int) -> Amendment:
    """An amendment the caller may read; others' drafts and unknown ids are both 404."""
    amendment = db.session.get(Amendment, amendment_id)
    if amendment is None or not permissions.can(caller(), "read_amendment", amendment):
        abort(404)
    return amendment


def _of_charter(model: Any, charter: Charter, ids: list[int], field: str) -> list[Any]:
    """The themes or guiding questions with these ids; 422 unless all are the charter's."""
    if not ids:
        return []
    found = list(
        db.session.scalars(
            sa.select(model).where(model.charter_id == charter.id, model.id.in_(ids))
        )
    )
    if len(found) != len(set(ids)):
        problem = {"field": field, "problem": f"Only {field} of this charter may be chosen."}
        raise ApiError(422, _("Some fields are missing or wrong."), {"fields": [problem]})
    return found


def _version_with(charter: Charter, key: str, number: int | None) -> queries.VersionInfo:
    """The version commented on: that number, or the newest the caller may read that holds
    the section (as the section's page shows it)."""
    for version in queries.visible_versions(charter, caller()):
        if number is not None and version.number != number:
            continue
        if any(section.key == key for section in queries.sections_of(version)):
            return version
    abort(404)


# What the operations answer ---------------------------------------------------------------


def _amendment_result(amendment: Amendment) -> AmendmentResult:
    slug = amendment.charter.slug
    return AmendmentResult(
        id=amendment.id,
        charter=slug,
        number=amendment.number,
        state=amendment.state.value,
        revision=amendment.revision,
        title=amendment.title,
        endorsements=amendment.endorsement_count,
        url=url_for("amendments.show", slug=slug, number=amendment.number, _external=True),
    )


def _comment_result(comment: Comment) -> CommentResult:
    return CommentResult(
        id=comment.id,
        kind=comment.kind,
        url=url_for(
            "consultation.permalink",
            slug=comment.charter.slug,
            comment_id=comment.id,
            _external=True,
        ),
    )


def _version_result(charter: Charter, version: Version, published: bool) -> VersionResult:
    return VersionResult(
        charter=charter.slug,
        number=version.number,
        published=published,
        url=url_for("public.version", slug=charter.slug, number=version.number, _external=True),
    )


# Amendments -------------------------------------------------------------------------------


@operation(
    "POST",
    "/charters/<slug>/amendments",
    summary="Propose an amendment: a private draft, or submitted for review at once",
    body=ProposeBody,
    response=AmendmentResult,
    status=201,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def propose_amendment(slug: str, body: ProposeBody):
    charter = _charter(slug)
    head = queries.head_version(charter)
    amendment = amendments.propose(
        current_user,
        charter,
        body.base_version,
        operations_from(body.operations, queries.sections_of(head) if head else ()),
        justification=body.justification,
        title=body.title,
        themes=_of_charter(Theme, charter, body.themes, "themes"),
        questions=_of_charter(GuidingQuestion, charter, body.questions, "questions"),
        submit=body.submit,
    )
    db.session.commit()
    return _amendment_result(amendment)


@operation(
    "PATCH",
    "/amendments/<int:amendment_id>",
    summary="Edit one's draft or submitted amendment",
    body=EditBody,
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def edit_amendment(amendment_id: int, body: EditBody):
    """Send the revision the edit was made on; fields left out stay as they are."""
    amendment = _amendment(amendment_id)
    operations = (
        amendment.text_operations()
        if body.operations is None
        else operations_from(body.operations, queries.sections_of(amendment.base_version))
    )
    if body.model_fields_set == {"revision", "operations"}:
        amendments.change_operations(current_user, amendment, operations, body.revision)
    else:
        charter = amendment.charter
        amendments.edit(
            current_user,
            amendment,
            operations,
            justification=_or(body.justification, amendment.justification),
            title=_or(body.title, amendment.title),
            themes=amendment.themes
            if body.themes is None
            else _of_charter(Theme, charter, body.themes, "themes"),
            questions=amendment.questions
            if body.questions is None
            else _of_charter(GuidingQuestion, charter, body.questions, "questions"),
            revision=body.revision,
        )
    db.session.commit()
    return _amendment_result(amendment)


def _or(sent: str | None, kept: str) -> str:
    return kept if sent is None else sent


@operation(
    "POST",
    "/amendments/<int:amendment_id>/submit",
    summary="Submit one's draft amendment for review",
    query=RevisionQuery,
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def submit_amendment(amendment_id: int, query: RevisionQuery):
    amendment = _amendment(amendment_id)
    amendments.submit(current_user, amendment, query.revision)
    db.session.commit()
    return _amendment_result(amendment)


@operation(
    "POST",
    "/amendments/<int:amendment_id>/withdraw",
    summary="Withdraw one's amendment before it is reviewed",
    body=WithdrawBody,
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def withdraw_amendment(amendment_id: int, body: WithdrawBody):
    amendment = _amendment(amendment_id)
    amendments.withdraw(current_user, amendment, body.reason)
    db.session.commit()
    return _amendment_result(amendment)


@operation(
    "POST",
    "/amendments/<int:amendment_id>/endorse",
    summary="Co-sign an amendment awaiting review",
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def endorse_amendment(amendment_id: int):
    amendment = _amendment(amendment_id)
    amendments.endorse(current_user, amendment)
    db.session.commit()
    return _amendment_result(amendment)


@operation(
    "DELETE",
    "/amendments/<int:amendment_id>/endorsement",
    summary="Take back one's co-signature before the review",
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def retract_endorsement(amendment_id: int):
    amendment = _amendment(amendment_id)
    amendments.retract(current_user, amendment)
    db.session.commit()
    return _amendment_result(amendment)


@operation(
    "POST",
    "/amendments/<int:amendment_id>/review",
    summary="Accept or reject a submitted amendment, saying why (secretariat)",
    body=ReviewBody,
    response=AmendmentResult,
    errors=AMENDMENT_ERRORS,
    tags=("amendments",),
)
def review_amendment(amendment_id: int, body: ReviewBody):
    amendment = _amendment(amendment_id)
    amendments.review(current_user, amendment, body.decision == "accept", body.reason)
    db.session.commit()
    return _amendment_result(amendment)


# Consultation -----------------------------------------------------------------------------


@operation(
    "POST",
    "/charters/<slug>/sections/<key>/comments",
    summary="Comment on a section, or annotate a passage of it (with quote)",
    body=SectionCommentBody,
    response=CommentResult,
    status=201,
    errors=COMMENT_ERRORS,
    tags=("consultation",),
)
def comment_on_section(slug: str, key: str, body: SectionCommentBody):
    charter = _charter(slug)
    comment = consultation.comment_on_section(
        current_user,
        charter,
        _version_with(charter, key, body.version),
        key,
        body.body,
        themes=body.themes,
        quote=body.quote,
        position=body.position,
    )
    db.session.commit()
    return _comment_result(comment)


@operation(
    "POST",
    "/amendments/<int:amendment_id>/comments",
    summary="Write in an amendment's discussion",
    body=MessageBody,
    response=CommentResult,
    status=201,
    errors=COMMENT_ERRORS,
    tags=("consultation",),
)
def comment_on_amendment(amendment_id: int, body: MessageBody):
    comment = consultation.comment_on_amendment(current_user, _amendment(amendment_id), body.body)
    db.session.commit()
    return _comment_result(comment)


@operation(
    "POST",
    "/charters/<slug>/questions/<int:question_id>/answers",
    summary="Answer a guiding question",
    body=AnswerBody,
    response=CommentResult,
    status=201,
    errors=COMMENT_ERRORS,
    tags=("consultation",),
)
def answer_question(slug: str, question_id: int, body: AnswerBody):
    charter = _charter(slug)
    question = manage.question_or_none(charter, question_id)
    if question is None or queries.latest_visible(charter, caller()) is None:
        abort(404)
    comment = consultation.answer(current_user, question, body.body, themes=body.themes)
    db.session.commit()
    return _comment_result(comment)


@operation(
    "POST",
    "/charters/<slug>/comments/<int:comment_id>/replies",
    summary="Reply to a comment, an answer or a message of a discussion",
    body=MessageBody,
    response=CommentResult,
    status=201,
    errors=COMMENT_ERRORS,
    tags=("consultation",),
)
def reply_to_comment(slug: str, comment_id: int, body: MessageBody):
    charter = _charter(slug)
    parent = consultation_queries.comment_or_404(charter, comment_id, caller())
    comment = consultation.reply_to(current_user, parent, body.body)
    db.session.commit()
    return _comment_result(comment)


# The secretariat's drafting and the process -------------------------------------------------


@operation(
    "POST",
    "/charters/<slug>/merges",
    summary="Merge accepted amendments into the next draft version (secretariat)",
    body=MergeBody,
    response=VersionResult,
    status=201,
    errors=(403, 404, 409, 422),
    tags=("drafting",),
)
def merge_amendments(slug: str, body: MergeBody):
    """Send the head the merge was prepared on: when another version came first, the answer
    is 409 and nothing changes. Conflicting amendments need a resolution each.

    An `Idempotency-Key` header (1 to 64 letters, digits, "-" or "_") makes a retry safe:
    the same key again, for the same amendments, answers the version the first request made
    (with `Idempotent-Replayed: true`) instead of merging twice; for other amendments, 409."""
    charter = _charter(slug)
    head = queries.head_version(charter)
    bodies = {section.key: section.body for section in queries.sections_of(head)} if head else {}
    resolutions = {
        (number, key): fit_body(text, like=bodies.get(key, "\n\n"))
        for number, texts in body.resolutions.items()
        for key, text in texts.items()
    }
    try:
        version = merge.merge_amendments(
            current_user,
            charter,
            body.amendments,
            resolutions=resolutions,
            note=body.note,
            expected_head=body.expected_head,
            idempotency_key=request.headers.get("Idempotency-Key"),
        )
    except idempotency.MergedAlready as answer:
        version = answer.version
        result = _version_result(charter, version, published=version.publication is not None)
        db.session.rollback()
        return result, {"Idempotent-Replayed": "true"}
    db.session.commit()
    return _version_result(charter, version, published=False)


@operation(
    "POST",
    "/charters/<slug>/versions/<int:number>/publish",
    summary="Publish a version: everyone can read it (secretariat)",
    response=VersionResult,
    errors=(403, 404, 409),
    tags=("drafting",),
)
def publish_version(slug: str, number: int):
    charter = _charter(slug)
    version = db.session.get(Version, queries.version_or_404(charter, number, caller()).id)
    merge.publish(current_user, version)
    db.session.commit()
    return _version_result(charter, version, published=True)


@operation(
    "POST",
    "/charters/<slug>/stage/advance",
    summary="Move the charter to its next stage (secretariat)",
    body=AdvanceBody,
    response=StageResult,
    errors=(403, 404, 409, 422),
    tags=("process",),
)
def advance_stage(slug: str, body: AdvanceBody):
    charter = _charter(slug)
    process.advance(current_user, charter, body.note, body.expected_position)
    db.session.commit()
    stage = charter.stage
    return StageResult(
        charter=slug, position=stage.position, name=stage.name, capabilities=stage.capabilities
    )
