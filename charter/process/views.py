"""The stages of a charter's process: read them, move between them, edit them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.drafting import queries
from charter.errors import DomainError
from charter.extensions import db
from charter.permissions import authorize, can, current_user_or_none
from charter.process import forms, services
from charter.process.models import Stage

bp = Blueprint("process", __name__)

MOVES = ("advance", "back")


@bp.app_template_global("stage_banner")
def stage_banner(charter) -> services.Banner:
    """The current stage and what the viewer may do now, for the charter pages."""
    return services.banner(charter, current_user_or_none())


@bp.app_template_filter("capability_label")
def capability_label(capability: str) -> str:
    return str(services.CAPABILITY_LABELS.get(capability, capability))


def _stage_form(stage: Stage) -> forms.StageForm:
    return forms.StageForm(
        formdata=None,
        prefix=f"stage-{stage.position}",
        data={
            "name": stage.name,
            "description": stage.description,
            "opens": stage.capabilities,
            "opens_at": stage.opens_at,
            "closes_at": stage.closes_at,
        },
    )


def _page(charter, *, sent=None, error: str | None = None, status: int = 200):
    """The stages page; `sent` is the (key, form) the user sent, shown with its errors."""
    user = current_user_or_none()
    stages = services.stages_of(charter)
    edit_forms, move_forms = {}, {}
    if can(user, "manage_stages", charter):
        edit_forms = {stage.position: _stage_form(stage) for stage in stages}
    if can(user, "advance_stage", charter):
        move_forms = {move: forms.MoveForm(formdata=None, prefix=move) for move in MOVES}
    if sent is not None:
        key, form = sent
        (move_forms if key in MOVES else edit_forms)[key] = form
    return render_template(
        "process/stages.html",
        charter=charter,
        stages=stages,
        names={stage.position: stage.name for stage in stages},
        events=services.events_of(charter),
        edit_forms=edit_forms,
        move_forms=move_forms,
        sent=sent[0] if sent else None,
        error=error,
    ), status


@bp.get("/charters/<slug>/stages")
def stages(slug: str):
    authorize("read_published")
    charter = queries.charter_or_404(slug)
    user = current_user_or_none()
    if queries.latest_visible(charter, user) is None and not can(user, "manage_stages", charter):
        abort(404)
    return _page(charter)


@bp.post("/charters/<slug>/stages/advance")
@login_required
def advance(slug: str):
    return _move(slug, "advance")


@bp.post("/charters/<slug>/stages/back")
@login_required
def back(slug: str):
    return _move(slug, "back")


def _move(slug: str, move: str):
    charter = queries.charter_or_404(slug)
    authorize("advance_stage", charter)
    form = forms.MoveForm(prefix=move)
    if not form.validate_on_submit():
        return _page(charter, sent=(move, form), status=422)
    service = services.advance if move == "advance" else services.step_back
    try:
        service(current_user, charter, form.note.data or "", form.expected.data)
    except DomainError as refused:
        db.session.rollback()
        return _page(charter, sent=(move, form), error=refused.message, status=refused.status)
    db.session.commit()
    flash(_("The charter is now in the stage “%(stage)s”.", stage=charter.stage.name), "success")
    return redirect(url_for(".stages", slug=charter.slug))


@bp.post("/charters/<slug>/stages/<int:position>/edit")
@login_required
def edit(slug: str, position: int):
    charter = queries.charter_or_404(slug)
    authorize("manage_stages", charter)
    stage = services.stage_at(charter, position) or abort(404)
    form = forms.StageForm(prefix=f"stage-{position}")
    if not form.validate_on_submit():
        return _page(charter, sent=(position, form), status=422)
    try:
        changed = services.edit_stage(
            current_user,
            stage,
            form.name.data,
            form.description.data,
            form.opens.data or [],
            form.opens_at.data,
            form.closes_at.data,
        )
    except DomainError as refused:
        db.session.rollback()
        return _page(charter, sent=(position, form), error=refused.message, status=refused.status)
    db.session.commit()
    flash(
        _("The stage “%(stage)s” was saved.", stage=stage.name)
        if changed
        else _("Nothing changed."),
        "success" if changed else "info",
    )
    return redirect(url_for(".stages", slug=charter.slug, _anchor=f"stage-{position}"))
