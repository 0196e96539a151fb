"""The consultation's remaining actions, as API operations: correct and moderate comments,
manage guiding questions and themes, follow. Each loads its target and asks the policy as
the page does, calls the same service, and commits once."""

from __future__ import annotations

from flask import Response, abort, request, url_for
from flask_babel import gettext as _

from charter import notifications
from charter.api.core import caller, operation
from charter.api.manage_models import (
    CommentEditBody,
    CommentStateResult,
    FlagBody,
    FlagResult,
    FollowResult,
    FollowTarget,
    HideBody,
    QuestionBody,
    QuestionEditBody,
    QuestionMoveBody,
    QuestionResult,
    ThemeBody,
    ThemeResult,
)
from charter.consultation import manage as consultation_manage
from charter.consultation import queries as consultation_queries
from charter.consultation import services as consultation_services
from charter.consultation.models import Comment, GuidingQuestion
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.errors import InvalidInput
from charter.extensions import db
from charter.permissions import authorize, can
from charter.process import services as process_services

WRITE = (401, 403, 404, 409, 422)


def charter_or_404(slug: str) -> Charter:
    """The charter with this short name, or 404."""
    return queries.charter_or_404(slug)


# Comments ---------------------------------------------------------------------------------


def _comment(slug: str, comment_id: int) -> tuple[Charter, Comment]:
    charter = charter_or_404(slug)
    return charter, consultation_queries.comment_or_404(charter, comment_id, caller())


def _status(comment: Comment) -> CommentStateResult:
    state = "hidden" if comment.hidden else "deleted" if comment.deleted else "live"
    moderator = can(caller(), "moderate", comment.charter)
    return CommentStateResult(
        id=comment.id,
        state=state,
        hidden_reason=comment.hidden_reason if comment.hidden else None,
        open_flags=comment.open_flags if moderator else None,
        edited_at=comment.edited_at,
        url=url_for(
            "consultation.permalink",
            slug=comment.charter.slug,
            comment_id=comment.id,
            _external=True,
        ),
    )


@operation(
    "POST",
    "/charters/<slug>/comments/<int:comment_id>/flag",
    summary="Ask the secretariat to look at a comment",
    body=FlagBody,
    response=FlagResult,
    status=201,
    errors=WRITE,
    tags=("moderation",),
)
def flag_comment(slug: str, comment_id: int, body: FlagBody):
    charter, comment = _comment(slug, comment_id)
    authorize("flag", charter)
    consultation_services.flag(caller(), comment, body.reason)
    db.session.commit()
    return FlagResult(comment=comment.id, reason=body.reason.strip())


@operation(
    "PATCH",
    "/charters/<slug>/comments/<int:comment_id>",
    summary="Correct your own comment (within 15 minutes of writing it)",
    body=CommentEditBody,
    response=CommentStateResult,
    errors=WRITE,
    tags=("consultation",),
)
def edit_comment(slug: str, comment_id: int, body: CommentEditBody):
    _charter_, comment = _comment(slug, comment_id)
    consultation_services.edit(caller(), comment, body.body)
    db.session.commit()
    return _status(comment)


@operation(
    "DELETE",
    "/charters/<slug>/comments/<int:comment_id>",
    summary="Delete your own comment (it shows as deleted by its author; replies stay)",
    status=204,
    errors=WRITE,
    tags=("consultation",),
)
def delete_comment(slug: str, comment_id: int):
    _charter_, comment = _comment(slug, comment_id)
    consultation_services.delete(caller(), comment)
    db.session.commit()
    return Response(status=204)


@operation(
    "POST",
    "/charters/<slug>/comments/<int:comment_id>/hide",
    summary="Hide a comment, with the reason shown in its place (secretariat)",
    body=HideBody,
    response=CommentStateResult,
    errors=WRITE,
    tags=("moderation",),
)
def hide_comment(slug: str, comment_id: int, body: HideBody):
    charter, comment = _comment(slug, comment_id)
    authorize("moderate", charter)
    consultation_services.hide(caller(), comment, body.reason)
    db.session.commit()
    return _status(comment)


@operation(
    "POST",
    "/charters/<slug>/comments/<int:comment_id>/restore",
    summary="Show a hidden comment again (secretariat)",
    response=CommentStateResult,
    errors=WRITE,
    tags=("moderation",),
)
def restore_comment(slug: str, comment_id: int):
    charter, comment = _comment(slug, comment_id)
    authorize("moderate", charter)
    consultation_services.restore(caller(), comment)
    db.session.commit()
    return _status(comment)


@operation(
    "POST",
    "/charters/<slug>/comments/<int:comment_id>/dismiss-flags",
    summary="Keep a flagged comment as it is (secretariat)",
    response=CommentStateResult,
    errors=WRITE,
    tags=("moderation",),
)
def dismiss_flags(slug: str, comment_id: int):
    charter, comment = _comment(slug, comment_id)
    authorize("moderate", charter)
    consultation_services.dismiss_flags(caller(), comment)
    db.session.commit()
    return _status(comment)


# Guiding questions ------------------------------------------------------------------------


def _managed(slug: str, question_id: int | None = None):
    charter = charter_or_404(slug)
    authorize("manage_questions", charter)
    if question_id is None:
        return charter, None
    question = consultation_manage.question_or_none(charter, question_id)
    if question is None:
        abort(404)
    return charter, question


def _stage_id(charter: Charter, position: int | None) -> int | None:
    """The id of the charter's stage at position (None: any stage)."""
    if position is None:
        return None
    stage = process_services.stage_at(charter, position)
    if stage is None:
        raise InvalidInput(_("Choose a stage of this charter."), field="stage")
    return stage.id


def _question(question: GuidingQuestion) -> QuestionResult:
    return QuestionResult(
        id=question.id,
        position=question.position,
        text=question.text,
        open=question.open,
        stage=question.stage.position if question.stage is not None else None,
        url=url_for(
            "questions.question",
            slug=question.charter.slug,
            question_id=question.id,
            _external=True,
        ),
    )


@operation(
    "POST",
    "/charters/<slug>/questions",
    summary="Ask the network a new guiding question, placed last (secretariat)",
    body=QuestionBody,
    response=QuestionResult,
    status=201,
    errors=WRITE,
    tags=("questions",),
)
def create_question(slug: str, body: QuestionBody):
    charter, _none = _managed(slug)
    question = consultation_manage.create_question(
        caller(), charter, body.text, _stage_id(charter, body.stage)
    )
    db.session.commit()
    return _question(question)


@operation(
    "PATCH",
    "/charters/<slug>/questions/<int:question_id>",
    summary="Change a guiding question's text or stage (secretariat)",
    body=QuestionEditBody,
    response=QuestionResult,
    errors=WRITE,
    tags=("questions",),
)
def edit_question(slug: str, question_id: int, body: QuestionEditBody):
    charter, question = _managed(slug, question_id)
    stage_id = question.stage_id
    if "stage" in body.model_fields_set:
        stage_id = _stage_id(charter, body.stage)
    text = body.text if body.text is not None else question.text
    consultation_manage.edit_question(caller(), question, text, stage_id)
    db.session.commit()
    return _question(question)


def _set_open(slug: str, question_id: int, open_: bool) -> QuestionResult:
    _charter_, question = _managed(slug, question_id)
    consultation_manage.set_question_open(caller(), question, open_)
    db.session.commit()
    return _question(question)


@operation(
    "POST",
    "/charters/<slug>/questions/<int:question_id>/open",
    summary="Let a guiding question take answers again (secretariat)",
    response=QuestionResult,
    errors=WRITE,
    tags=("questions",),
)
def open_question(slug: str, question_id: int):
    return _set_open(slug, question_id, True)


@operation(
    "POST",
    "/charters/<slug>/questions/<int:question_id>/close",
    summary="Close a guiding question to answers (secretariat)",
    response=QuestionResult,
    errors=WRITE,
    tags=("questions",),
)
def close_question(slug: str, question_id: int):
    return _set_open(slug, question_id, False)


@operation(
    "POST",
    "/charters/<slug>/questions/<int:question_id>/move",
    summary="Move a guiding question up, down, or to a position (secretariat)",
    body=QuestionMoveBody,
    response=QuestionResult,
    errors=WRITE,
    tags=("questions",),
)
def move_question(slug: str, question_id: int, body: QuestionMoveBody):
    charter, question = _managed(slug, question_id)
    if body.direction is not None:
        consultation_manage.move_question(caller(), question, body.direction)
    else:
        # The same swaps the page makes, one place at a time (each one audited).
        count = len(consultation_manage.questions_of(charter))
        if body.position > count:
            raise InvalidInput(
                _("There are %(count)s questions: choose a position up to that.", count=count),
                field="position",
            )
        for _step in range(count):
            current = consultation_manage.questions_of(charter).index(question) + 1
            if current == body.position:
                break
            direction = "up" if body.position < current else "down"
            consultation_manage.move_question(caller(), question, direction)
    db.session.commit()
    return _question(question)


# Themes -----------------------------------------------------------------------------------


def _themes(slug: str, theme_id: int | None = None):
    charter = charter_or_404(slug)
    authorize("manage_themes", charter)
    if theme_id is None:
        return charter, None
    theme = consultation_manage.theme_or_none(charter, theme_id)
    if theme is None:
        abort(404)
    return charter, theme


@operation(
    "POST",
    "/charters/<slug>/themes",
    summary="Add a theme people can tag their contributions with (secretariat)",
    body=ThemeBody,
    response=ThemeResult,
    status=201,
    errors=WRITE,
    tags=("themes",),
)
def create_theme(slug: str, body: ThemeBody):
    charter, _none = _themes(slug)
    theme = consultation_manage.create_theme(caller(), charter, body.name)
    db.session.commit()
    return ThemeResult(id=theme.id, name=theme.name)


@operation(
    "PATCH",
    "/charters/<slug>/themes/<int:theme_id>",
    summary="Rename a theme everywhere it is used (secretariat)",
    body=ThemeBody,
    response=ThemeResult,
    errors=WRITE,
    tags=("themes",),
)
def rename_theme(slug: str, theme_id: int, body: ThemeBody):
    _charter_, theme = _themes(slug, theme_id)
    consultation_manage.rename_theme(caller(), theme, body.name)
    db.session.commit()
    return ThemeResult(id=theme.id, name=theme.name)


@operation(
    "DELETE",
    "/charters/<slug>/themes/<int:theme_id>",
    summary="Delete a theme no one has used yet (secretariat; a used one is 409)",
    status=204,
    errors=WRITE,
    tags=("themes",),
)
def delete_theme(slug: str, theme_id: int):
    _charter_, theme = _themes(slug, theme_id)
    consultation_manage.delete_theme(caller(), theme)
    db.session.commit()
    return Response(status=204)


# Following --------------------------------------------------------------------------------


@operation(
    "POST",
    "/charters/<slug>/follows",
    summary="Follow a section, an amendment or a question: be notified of what happens",
    body=FollowTarget,
    response=FollowResult,
    status=201,
    errors=WRITE,
    tags=("notifications",),
)
def follow(slug: str, body: FollowTarget):
    charter = charter_or_404(slug)
    authorize("follow", charter)
    if body.kind != "section" and not (body.ref.isascii() and body.ref.isdigit()):
        abort(404)  # no such amendment or question
    user = caller()
    target = notifications.follow_target(charter, body.kind, body.ref, user)
    if target is None:
        abort(404)
    notifications.follow(user, charter, body.kind, body.ref)
    db.session.commit()
    url = request.url_root.rstrip("/") + target
    return FollowResult(kind=body.kind, ref=body.ref, following=True, url=url)


@operation(
    "DELETE",
    "/charters/<slug>/follows",
    summary="Stop following a section, an amendment or a question",
    query=FollowTarget,
    status=204,
    errors=WRITE,
    tags=("notifications",),
)
def unfollow(slug: str, query: FollowTarget):
    """Also what the caller may no longer see."""
    charter = charter_or_404(slug)
    authorize("follow", charter)
    notifications.unfollow(caller(), charter, query.kind, query.ref)
    db.session.commit()
    return Response(status=204)
