"""Amendment pages: propose with a live diff, read, co-sign, discuss, review."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.amendments import forms, present, services
from charter.amendments import queries as amendment_queries
from charter.amendments.models import Amendment, State
from charter.consultation import queries as consultation_queries
from charter.consultation import services as consultation_services
from charter.consultation.models import GuidingQuestion, Theme
from charter.consultation.views import Rights
from charter.drafting import queries
from charter.errors import Conflict, DomainError
from charter.extensions import db
from charter.permissions import authorize, can, current_user_or_none
from charter.text import rebase
from charter.text.sections import Section, fit_body
from charter.urls import query_int, query_text

bp = Blueprint("amendments", __name__)


def _head_or_404(charter):
    head = queries.head_version(charter)
    if head is None:
        abort(404)
    return head


def _setup(form: forms.ChangeForm, charter, sections: tuple[Section, ...]) -> None:
    """Fill the choices of a change form from the charter."""
    form.themes.choices = forms.options(
        db.session.execute(
            sa.select(Theme.id, Theme.name)
            .where(Theme.charter_id == charter.id)
            .order_by(Theme.name)
        )
    )
    form.questions.choices = forms.options(
        db.session.execute(
            sa.select(GuidingQuestion.id, GuidingQuestion.text)
            .where(GuidingQuestion.charter_id == charter.id)
            .order_by(GuidingQuestion.position)
        )
    )
    form.after.choices = forms.after_choices(sections)


def _change_form(charter, sections: tuple[Section, ...]) -> forms.ChangeForm:
    """The change form for ?kind=…&section=…, filled from the section on first display."""
    kind = request.values.get("kind", "modify")
    if kind not in rebase.KINDS:
        abort(404)
    form = forms.ChangeForm()
    _setup(form, charter, sections)
    if request.method == "GET":
        forms.prefill(form, sections, kind, request.args.get("section", ""))
    return form


def _change_page(charter, base, sections, form, preview, status: int, adding=None):
    """The change form page, with the section it is about (even one gone from the draft)."""
    section = next((s for s in sections if s.key == form.section.data), None)
    if section is None and form.kind.data != "insert":
        # Gone from the draft since the form was made: the page says so, the text is kept.
        section = Section(
            key=form.section.data or "", heading=form.heading.data or "", level=2, body=""
        )
    return render_template(
        "amendments/propose.html",
        charter=charter,
        head=base,
        form=form,
        section=section,
        preview=preview,
        adding=adding,
    ), status


def _selected(model, ids) -> list:
    return list(db.session.scalars(sa.select(model).where(model.id.in_(ids)))) if ids else []


@bp.route("/charters/<slug>/amendments/new", methods=["GET", "POST"])
@login_required
def propose(slug: str):
    charter = queries.charter_or_404(slug)
    authorize("propose_amendment", charter)
    head = _head_or_404(charter)
    sections = queries.sections_of(head)
    form = _change_form(charter, sections)
    if request.method == "GET":
        form.base.data = head.number
    preview, status = None, 200
    if form.validate_on_submit():
        try:
            operation = forms.operation_from(form, sections)
            if form.preview.data:
                services.check_operations(sections, [operation])
                preview = present.changes_on(sections, [operation])
            else:
                amendment = services.propose(
                    current_user,
                    charter,
                    form.base.data,
                    [operation],
                    justification=form.justification.data or "",
                    title=form.title.data or "",
                    themes=_selected(Theme, form.themes.data),
                    questions=_selected(GuidingQuestion, form.questions.data),
                    submit=bool(form.send.data),
                )
                db.session.commit()
                flash(
                    _("Amendment %(number)s is submitted for review.", number=amendment.number)
                    if amendment.state is State.SUBMITTED
                    else _(
                        "Amendment %(number)s is saved as a draft: only you can see it.",
                        number=amendment.number,
                    ),
                    "success",
                )
                return redirect(url_for(".show", slug=slug, number=amendment.number))
        except DomainError as error:
            db.session.rollback()
            form.justification.errors.append(error.message)
            status = error.status
            form.base.data = head.number  # the text is kept; the next try is against the head
    elif form.errors:
        status = 422
    return _change_page(charter, head, sections, form, preview, status)


@bp.post("/charters/<slug>/amendments/preview")
@login_required
def preview(slug: str):
    """The live diff of a change being typed (JSON, for the page's script)."""
    charter = queries.charter_or_404(slug)
    authorize("propose_amendment", charter)
    sections = queries.sections_of(_head_or_404(charter))
    form = forms.ChangeForm()
    _setup(form, charter, sections)
    if not form.validate_on_submit():
        return jsonify(error=_("The text is too long.")), 422
    try:
        operation = forms.operation_from(form, sections)
        services.check_operations(sections, [operation])
    except DomainError as error:
        return jsonify(error=error.message), 200
    changes = present.changes_on(sections, [operation])
    return jsonify(html=render_template("amendments/_changes.html", changes=changes))


@bp.get("/charters/<slug>/amendments")
@login_required
def index(slug: str):
    charter = queries.charter_or_404(slug)
    authorize("read_amendment", charter)
    args = request.args
    filters = amendment_queries.Filters(
        state=args.get("state", "") if args.get("state") in set(State) else "",
        section=query_text(args.get("section"), 80),
        council=args.get("council", type=query_int),
        author=args.get("author", type=query_int),
        theme=args.get("theme", type=query_int),
        sort=args.get("sort", "newest")
        if args.get("sort") in amendment_queries.SORTS
        else "newest",
        page=max(args.get("page", 1, type=query_int), 1),
    )
    amendments, total, counts = amendment_queries.index(charter, current_user, filters)
    return render_template(
        "amendments/index.html",
        charter=charter,
        amendments=amendments,
        total=total,
        counts=counts,
        filters=filters,
        states=list(State),
        page_size=amendment_queries.PAGE_SIZE,
        choices=amendment_queries.filter_choices(charter),
        sections=queries.sections_of(_head_or_404(charter)),
    )


@bp.get("/charters/<slug>/amendments/<int:number>")
@login_required
def show(slug: str, number: int):
    charter = queries.charter_or_404(slug)
    amendment = amendment_queries.amendment_or_404(charter, number, current_user)
    return _render_show(charter, amendment)


def _render_show(charter, amendment: Amendment, status: int = 200, **forms_in_error):
    head = _head_or_404(charter)
    operations = amendment.text_operations()
    on_head = None
    if amendment.state in (State.DRAFT, State.SUBMITTED, State.ACCEPTED):
        on_head = present.against_head(
            amendment.base_version, head, operations, (amendment.id, amendment.revision)
        )
    comments = consultation_queries.threads(consultation_queries.amendment_comments(amendment.id))
    return render_template(
        "amendments/show.html",
        charter=charter,
        amendment=amendment,
        head=head,
        base_changes=present.against_base(amendment.base_version, operations),
        on_head=on_head,
        reason_of=present.reason,
        comments=comments,
        rights=Rights.on(charter, can(current_user_or_none(), "discuss_amendment", amendment)),
        endorsed=amendment_queries.endorsed_by(amendment, current_user_or_none()),
        sections=queries.sections_of(head),
        base_sections=queries.sections_of(amendment.base_version),
        review_form=forms_in_error.get("review_form") or forms.ReasonForm(),
        message_form=forms_in_error.get("message_form") or forms.MessageForm(),
        confirm=forms.ConfirmForm(revision=amendment.revision),
    ), status


def _load(slug: str, number: int):
    charter = queries.charter_or_404(slug)
    return charter, amendment_queries.amendment_or_404(charter, number, current_user)


def _act(slug: str, number: int, action, success: str):
    """Run a POST-only action on an amendment and go back to its page."""
    charter, amendment = _load(slug, number)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action(amendment)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _render_show(charter, amendment, error.status)
    flash(success, "success")
    return redirect(url_for(".show", slug=slug, number=number))


def _revision() -> int | None:
    return request.form.get("revision", type=query_int)


@bp.post("/charters/<slug>/amendments/<int:number>/submit")
@login_required
def submit(slug: str, number: int):
    return _act(
        slug,
        number,
        lambda a: services.submit(current_user, a, _revision()),
        _("The amendment is submitted for review."),
    )


@bp.post("/charters/<slug>/amendments/<int:number>/withdraw")
@login_required
def withdraw(slug: str, number: int):
    return _act(
        slug, number, lambda a: services.withdraw(current_user, a), _("The amendment is withdrawn.")
    )


@bp.post("/charters/<slug>/amendments/<int:number>/endorse")
@login_required
def endorse(slug: str, number: int):
    return _act(
        slug, number, lambda a: services.endorse(current_user, a), _("You co-signed the amendment.")
    )


@bp.post("/charters/<slug>/amendments/<int:number>/retract")
@login_required
def retract(slug: str, number: int):
    return _act(
        slug,
        number,
        lambda a: services.retract(current_user, a),
        _("Your co-signature is withdrawn."),
    )


@bp.post("/charters/<slug>/amendments/<int:number>/review")
@login_required
def review(slug: str, number: int):
    charter, amendment = _load(slug, number)
    authorize("review_amendment", amendment)
    form = forms.ReasonForm()
    decision = request.form.get("decision")
    if decision not in ("accept", "reject"):
        abort(400)
    if form.validate_on_submit():
        try:
            services.review(current_user, amendment, decision == "accept", form.reason.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.reason.errors.append(error.message)
            return _render_show(charter, amendment, error.status, review_form=form)
        flash(
            _("The amendment is accepted.")
            if decision == "accept"
            else _("The amendment is rejected."),
            "success",
        )
        return redirect(url_for(".show", slug=slug, number=number))
    return _render_show(charter, amendment, 422, review_form=form)


@bp.post("/charters/<slug>/amendments/<int:number>/comments")
@login_required
def discuss(slug: str, number: int):
    charter, amendment = _load(slug, number)
    form = forms.MessageForm()
    if form.validate_on_submit():
        try:
            consultation_services.comment_on_amendment(current_user, amendment, form.body.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.body.errors.append(error.message)
            return _render_show(charter, amendment, error.status, message_form=form)
        return redirect(url_for(".show", slug=slug, number=number) + "#discussion")
    return _render_show(charter, amendment, 422, message_form=form)


@bp.route("/charters/<slug>/amendments/<int:number>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, number: int):
    charter, amendment = _load(slug, number)
    authorize("edit_amendment", amendment)
    if amendment.state not in (State.DRAFT, State.SUBMITTED):
        raise Conflict(_("Only a draft or an amendment awaiting review can be edited."))
    sections = queries.sections_of(amendment.base_version)
    form = forms.ChangeForm(obj=amendment)
    _setup(form, charter, sections)
    if request.method == "GET":
        form.revision.data = amendment.revision
        form.themes.data = [theme.id for theme in amendment.themes]
        form.questions.data = [question.id for question in amendment.questions]
    operations = _edited_operations(amendment, sections)
    preview, status = None, 200
    if form.validate_on_submit():
        try:
            services.check_operations(sections, operations)
            if form.preview.data:
                preview = present.changes_on(sections, operations)
            else:
                services.edit(
                    current_user,
                    amendment,
                    operations,
                    justification=form.justification.data or "",
                    title=form.title.data or "",
                    themes=_selected(Theme, form.themes.data),
                    questions=_selected(GuidingQuestion, form.questions.data),
                    revision=form.revision.data,
                )
                db.session.commit()
                flash(_("Your changes are saved."), "success")
                return redirect(url_for(".show", slug=slug, number=number))
        except DomainError as error:
            db.session.rollback()
            form.justification.errors.append(error.message)
            status = error.status
    elif form.errors:
        status = 422
    return render_template(
        "amendments/edit.html",
        charter=charter,
        amendment=amendment,
        form=form,
        operations=operations,
        sections={s.key: s for s in sections},
        preview=preview,
    ), status


def _edited_operations(
    amendment: Amendment, sections: tuple[Section, ...]
) -> list[rebase.Operation]:
    """The amendment's operations with the texts and headings typed in the edit form."""
    operations = amendment.text_operations()
    if request.method != "POST":
        return operations
    base_headings = {section.key: section.heading for section in sections}
    bodies = {section.key: section.body for section in sections}
    edited = []
    for position, operation in enumerate(operations):
        text = request.form.get(f"op-{position}-text", operation.text)
        if text is not None and operation.kind in ("modify", "insert"):
            text = fit_body(text, like=bodies.get(operation.key, "\n\n"))
        heading = request.form.get(f"op-{position}-heading", operation.heading)
        after = request.form.get(f"op-{position}-after", operation.after)
        if operation.kind == "modify" and heading == base_headings.get(operation.key):
            heading = None
        edited.append(
            rebase.Operation(
                operation.kind,
                operation.key,
                text=text if operation.kind in ("modify", "insert") else None,
                heading=(heading or None) if operation.kind in ("modify", "insert") else None,
                level=operation.level,
                after=None if after in ("", forms.START) else after,
            )
        )
    return edited


@bp.route("/charters/<slug>/amendments/<int:number>/changes/new", methods=["GET", "POST"])
@login_required
def add_change(slug: str, number: int):
    """Add one more change (to another section) to a whole-charter amendment."""
    charter, amendment = _load(slug, number)
    authorize("edit_amendment", amendment)
    base = amendment.base_version
    sections = queries.sections_of(base)
    form = _change_form(charter, sections)
    if request.method == "GET":
        form.revision.data = amendment.revision
    preview, status = None, 200
    if form.validate_on_submit():
        try:
            operations = [*amendment.text_operations(), forms.operation_from(form, sections)]
            if form.preview.data:
                services.check_operations(sections, operations)
                preview = present.changes_on(sections, operations)
            else:
                services.change_operations(current_user, amendment, operations, form.revision.data)
                db.session.commit()
                flash(_("The change is added to the amendment."), "success")
                return redirect(url_for(".show", slug=slug, number=number))
        except DomainError as error:
            db.session.rollback()
            form.justification.errors.append(error.message)
            status = error.status
    elif form.errors:
        status = 422
    return _change_page(charter, base, sections, form, preview, status, adding=amendment)


@bp.post("/charters/<slug>/amendments/<int:number>/changes/<int:position>/remove")
@login_required
def remove_change(slug: str, number: int, position: int):
    def remove(amendment: Amendment) -> None:
        operations = amendment.text_operations()
        if position >= len(operations):
            abort(404)
        del operations[position]
        services.change_operations(current_user, amendment, operations, _revision())

    return _act(slug, number, remove, _("The change is removed from the amendment."))
