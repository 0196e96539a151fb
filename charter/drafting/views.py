"""The secretariat's drafting pages: merge workspace, direct edit, publish, Bureau decision."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.amendments import forms as change_forms
from charter.amendments import present
from charter.amendments import services as amendment_services
from charter.drafting import forms, idempotency, merge, queries
from charter.drafting.models import Version
from charter.errors import DomainError, InvalidInput
from charter.extensions import db
from charter.permissions import authorize
from charter.text import diff, rebase
from charter.text.sections import Section, fit_body
from charter.urls import query_int

bp = Blueprint("drafting", __name__)

RESOLUTION = "resolution-"  # form fields resolution-<amendment number>-<section key>


def _head_or_404(charter) -> Version:
    head = queries.head_version(charter)
    if head is None:
        abort(404)
    return head


def _selection() -> list[int]:
    """The amendment numbers ticked in the merge form, in the order the secretariat gave
    (order-<number> fields; ties and blanks keep the listed order)."""
    numbers = []
    for value in request.form.getlist("amendment"):
        try:
            numbers.append(query_int(value))
        except ValueError:
            raise InvalidInput(_("Choose amendments from the list.")) from None
    numbers = list(dict.fromkeys(numbers))

    def order(item: tuple[int, int]) -> tuple[int, int]:
        index, number = item
        try:
            return query_int(request.form.get(f"order-{number}", "")), index
        except ValueError:
            return index + 1, index

    return [number for _index, number in sorted(enumerate(numbers), key=order)]


def _resolutions(head: tuple[Section, ...]) -> dict[tuple[int, str], str]:
    """The section texts the secretariat wrote to settle conflicts."""
    bodies = {section.key: section.body for section in head}
    found = {}
    for name, text in request.form.items():
        if not name.startswith(RESOLUTION):
            continue
        number, _sep, key = name[len(RESOLUTION) :].partition("-")
        try:
            found[(query_int(number), key)] = fit_body(text, like=bodies.get(key, "\n\n"))
        except ValueError:
            continue
    return found


def _merge_page(charter, head, form, numbers, resolutions, status=200, error=None):
    candidates = merge.accepted_amendments(charter)
    status_on_head = {
        amendment.number: present.status_on_head(
            amendment.base_version,
            head,
            amendment.text_operations(),
            (amendment.id, amendment.revision),
        )
        for amendment in candidates
    }
    plan = changes = None
    if numbers:
        try:
            plan = merge.combine(head, merge.chosen(charter, numbers), resolutions)
            changes = [
                change
                for change in diff.compare(queries.sections_of(head), plan.sections)
                if change.changed
            ]
        except DomainError as problem:  # e.g. an amendment merged by someone else meanwhile
            error = error or problem.message
            status = problem.status if status == 200 else status
    form.idempotency_key.data = idempotency.new_key()  # a new page: a new merge to send
    return render_template(
        "drafting/merge.html",
        charter=charter,
        head=head,
        form=form,
        candidates=candidates,
        status_on_head=status_on_head,
        selected=numbers,
        plan=plan,
        changes=changes,
        error=error,
        reason_of=present.reason,
    ), status


@bp.route("/charters/<slug>/merge", methods=["GET", "POST"])
@login_required
def merge_workspace(slug: str):
    """Pick accepted amendments, see them combined on the head, settle conflicts, merge."""
    charter = queries.charter_or_404(slug)
    authorize("merge", charter)
    head = _head_or_404(charter)
    form = forms.MergeForm()
    if request.method == "GET":
        form.head.data = head.number
        return _merge_page(charter, head, form, [], {})
    try:
        numbers = _selection()
    except DomainError as error:
        return _merge_page(charter, head, form, [], {}, error.status, error.message)
    resolutions = _resolutions(queries.sections_of(head))
    if not form.validate_on_submit():  # e.g. a note too long: the choices are kept
        return _merge_page(charter, head, form, numbers, resolutions, 422)
    if not form.merge.data:  # a preview: of the head as it is now
        form.head.data = head.number
        return _merge_page(charter, head, form, numbers, resolutions)
    try:
        version = merge.merge_amendments(
            current_user,
            charter,
            numbers,
            resolutions=resolutions,
            note=form.note.data or "",
            expected_head=form.head.data,
            idempotency_key=form.idempotency_key.data,  # none on pages shown before keys
        )
        db.session.commit()
    except idempotency.MergedAlready as answer:  # the same page sent twice
        number = answer.version.number
        db.session.rollback()
        flash(
            _("This merge was sent twice: it was made once, as version %(number)s.", number=number),
            "info",
        )
        return redirect(url_for("public.version", slug=slug, number=number))
    except DomainError as error:
        db.session.rollback()
        head = _head_or_404(charter)
        if error.status == 409:
            form.head.data = head.number  # review the new head, then send again
        return _merge_page(charter, head, form, numbers, resolutions, error.status, error.message)
    flash(
        _("Version %(number)s is created from the merged amendments.", number=version.number),
        "success",
    )
    return redirect(url_for("public.version", slug=slug, number=version.number))


@bp.route("/charters/<slug>/draft/edit", methods=["GET", "POST"])
@login_required
def direct_edit(slug: str):
    """The secretariat changes a section of the draft (or adds, deletes, moves one)."""
    charter = queries.charter_or_404(slug)
    authorize("edit_draft", charter)
    head = _head_or_404(charter)
    sections = queries.sections_of(head)
    kind = request.values.get("kind", "modify")
    if kind not in rebase.KINDS:
        abort(404)
    form = forms.DirectEditForm()
    form.after.choices = change_forms.after_choices(sections)
    if request.method == "GET":
        change_forms.prefill(form, sections, kind, request.args.get("section", ""))
        form.base.data = head.number
    preview, status = None, 200
    if form.validate_on_submit():
        try:
            operation = change_forms.operation_from(form, sections)
            if form.preview.data:
                amendment_services.check_operations(sections, [operation])
                preview = present.changes_on(sections, [operation])
            else:
                version = merge.direct_edit(
                    current_user,
                    charter,
                    [operation],
                    note=form.note.data or "",
                    expected_head=form.base.data,
                )
                db.session.commit()
                flash(
                    _("Version %(number)s is created with your edit.", number=version.number),
                    "success",
                )
                return redirect(url_for("public.version", slug=slug, number=version.number))
        except DomainError as error:
            db.session.rollback()
            form.note.errors.append(error.message)
            status = error.status
            form.base.data = head.number  # the text is kept; the next try is on the head
    elif form.errors:
        status = 422
    section = next((s for s in sections if s.key == form.section.data), None)
    return render_template(
        "drafting/edit.html",
        charter=charter,
        head=head,
        form=form,
        section=section,
        preview=preview,
    ), status


def _version(slug: str, number: int):
    charter = queries.charter_or_404(slug)
    version = db.session.scalar(
        db.select(Version).where(Version.charter_id == charter.id, Version.number == number)
    )
    if version is None:
        abort(404)
    return charter, version


@bp.post("/charters/<slug>/versions/<int:number>/publish")
@login_required
def publish(slug: str, number: int):
    charter, version = _version(slug, number)
    authorize("publish", charter)
    if not change_forms.ConfirmForm().validate_on_submit():
        abort(400)
    merge.publish(current_user, version)
    db.session.commit()
    flash(_("Version %(number)s is published: everyone can read it.", number=number), "success")
    return redirect(url_for("public.version", slug=slug, number=number))


@bp.route("/charters/<slug>/versions/<int:number>/decision", methods=["GET", "POST"])
@login_required
def decision(slug: str, number: int):
    """Record the Executive Bureau's decision on a version."""
    charter, version = _version(slug, number)
    authorize("record_decision", charter)
    form = forms.DecisionForm()
    status = 200
    if form.validate_on_submit():
        try:
            merge.record_decision(current_user, version, form.decision.data, form.note.data or "")
            db.session.commit()
            flash(_("The Executive Bureau's decision is recorded."), "success")
            return redirect(url_for("public.version", slug=slug, number=number) + "#changelog")
        except DomainError as error:
            db.session.rollback()
            form.note.errors.append(error.message)
            status = error.status
    elif form.errors:
        status = 422
    return render_template(
        "drafting/decision.html", charter=charter, version=version, form=form
    ), status
