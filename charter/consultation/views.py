"""Consultation pages: a section's comments and annotations, and what can be done to any
comment (reply, edit, delete, flag, hide, restore), and the moderation queue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.consultation import forms, queries, services
from charter.consultation.models import Comment
from charter.drafting import queries as drafting_queries
from charter.drafting.models import utcnow
from charter.errors import DomainError
from charter.extensions import db
from charter.permissions import authorize, can, current_user_or_none, refusal
from charter.urls import query_int, same_site

bp = Blueprint("consultation", __name__)


@dataclass(frozen=True)
class Rights:
    """What the viewer may do to the comments of one page (asked once, used per comment)."""

    user_id: int | None
    reply: bool
    flag: bool
    moderate: bool
    now: datetime

    @classmethod
    def on(cls, charter, may_reply: bool) -> Rights:
        user = current_user_or_none()
        return cls(
            user_id=user.id if user else None,
            reply=may_reply,
            flag=can(user, "flag", charter),
            moderate=can(user, "moderate", charter),
            now=utcnow(),
        )


def theme_filter() -> int | None:
    try:
        return query_int(request.args.get("theme", ""))
    except ValueError:
        return None


def field_error(form, error: DomainError, default: str = "body") -> None:
    """Show a refused use case's message beside the field it is about."""
    field = getattr(form, error.field or default, None) or getattr(form, default)
    field.errors = [*field.errors, error.message]


# A section's discussion -------------------------------------------------------------------


def _shown_version(charter, key: str, versions):
    """The version to show: ?version=N when it holds the section, else the newest that does."""
    wanted = request.args.get("version")
    candidates = versions
    if wanted is not None:
        try:
            number = query_int(wanted)
        except ValueError:
            abort(404)
        candidates = [version for version in versions if version.number == number]
    for version in candidates:
        section = next((s for s in drafting_queries.sections_of(version) if s.key == key), None)
        if section is not None:
            return version, section
    abort(404)


@bp.route("/charters/<slug>/sections/<key>/comments", methods=["GET", "POST"])
def section(slug: str, key: str):
    authorize("read_published")
    charter = drafting_queries.charter_or_404(slug)
    user = current_user_or_none()
    versions = drafting_queries.visible_versions(charter, user)
    version, shown = _shown_version(charter, key, versions)
    themes = queries.themes_of(charter)
    form = forms.CommentForm().with_themes(themes)
    status = 200
    if request.method == "POST":
        if user is None:
            abort(401)
        if form.validate_on_submit():
            try:
                comment = services.comment_on_section(
                    current_user,
                    charter,
                    version,
                    key,
                    form.body.data,
                    themes=form.themes.data or (),
                    quote=form.quote.data or "",
                    position=form.position.data,
                )
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                field_error(form, error)
                status = error.status
            else:
                flash(_("Your comment is published."), "success")
                return redirect(
                    url_for(".section", slug=slug, key=key, version=request.args.get("version"))
                    + f"#comment-{comment.id}"
                )
        else:
            status = 422
    comments = queries.section_comments(charter, key, [v.id for v in versions])
    placed = queries.place([c for c in comments if c.quote], shown.body)
    return render_template(
        "consultation/section.html",
        charter=charter,
        key=key,
        version=version,
        section=shown,
        is_latest=version.number == versions[0].number,
        threads=queries.threads(comments, theme_filter()),
        count=sum(1 for c in comments if c.live),
        anchors={p.comment.id: p.anchor for p in placed},
        version_numbers={v.id: v.number for v in versions},
        themes=themes,
        theme=theme_filter(),
        form=form,
        rights=Rights.on(charter, can(user, "comment", charter)),
        why_not=refusal(user, "comment", charter),
    ), status


# Any comment ------------------------------------------------------------------------------


def _load(slug: str, comment_id: int) -> tuple:
    charter = drafting_queries.charter_or_404(slug)
    return charter, queries.comment_or_404(charter, comment_id, current_user_or_none())


def comment_url(comment: Comment) -> str:
    """Where a comment is shown, with its anchor."""
    slug, anchor = comment.charter.slug, f"#comment-{comment.id}"
    if comment.question_id is not None:
        return url_for("questions.question", slug=slug, question_id=comment.question_id) + anchor
    if comment.amendment_id is not None:
        return url_for("amendments.show", slug=slug, number=comment.amendment.number) + anchor
    return url_for(".section", slug=slug, key=comment.section_key) + anchor


@bp.get("/charters/<slug>/comments/<int:comment_id>")
def permalink(slug: str, comment_id: int):
    _charter, comment = _load(slug, comment_id)
    return redirect(comment_url(comment))


def _single(template: str, charter, comment: Comment, form, status: int = 200):
    return render_template(
        template,
        charter=charter,
        comment=comment,
        form=form,
        back=comment_url(comment),
        rights=Rights.on(charter, services.may_write(current_user_or_none(), comment)),
    ), status


def _form_page(template, charter, comment, form, act, done: str, then, field="body"):
    """A page about one comment with a form: a valid POST does act(form) in one
    transaction, says done and goes to then(result); a refusal shows the form again, with
    the text kept and the reason beside the field."""
    if form.validate_on_submit():
        try:
            result = act(form)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            field_error(form, error, field)
            return _single(template, charter, comment, form, error.status)
        flash(done, "success")
        return redirect(then(result))
    return _single(template, charter, comment, form, 422 if form.errors else 200)


@bp.route("/charters/<slug>/comments/<int:comment_id>/reply", methods=["GET", "POST"])
@login_required
def reply(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    return _form_page(
        "consultation/reply.html",
        charter,
        comment,
        forms.ReplyForm(),
        lambda form: services.reply_to(current_user, comment, form.body.data),
        _("Your reply is published."),
        then=comment_url,
    )


@bp.route("/charters/<slug>/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    if request.method == "GET" and not services.may_edit(current_user, comment):
        abort(403)
    return _form_page(
        "consultation/edit.html",
        charter,
        comment,
        forms.EditForm(data={"body": comment.body} if request.method == "GET" else None),
        lambda form: services.edit(current_user, comment, form.body.data),
        _("Your comment is updated."),
        then=lambda _result: comment_url(comment),
    )


@bp.post("/charters/<slug>/comments/<int:comment_id>/delete")
@login_required
def delete(slug: str, comment_id: int):
    _charter, comment = _load(slug, comment_id)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.delete(current_user, comment)
    db.session.commit()
    flash(_("Your comment is deleted."), "success")
    return redirect(comment_url(comment))


@bp.route("/charters/<slug>/comments/<int:comment_id>/flag", methods=["GET", "POST"])
@login_required
def flag(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    authorize("flag", charter)
    return _form_page(
        "consultation/flag.html",
        charter,
        comment,
        forms.ReasonForm(),
        lambda form: services.flag(current_user, comment, form.reason.data or ""),
        _("Thank you: the secretariat will look at this comment."),
        then=lambda _result: comment_url(comment),
        field="reason",
    )


@bp.route("/charters/<slug>/comments/<int:comment_id>/hide", methods=["GET", "POST"])
@login_required
def hide(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    authorize("moderate", charter)
    return _form_page(
        "consultation/hide.html",
        charter,
        comment,
        forms.ReasonForm(),
        lambda form: services.hide(current_user, comment, form.reason.data or ""),
        _("The comment is hidden; its author is told why."),
        then=lambda _result: _next_or(comment_url(comment)),
        field="reason",
    )


@bp.post("/charters/<slug>/comments/<int:comment_id>/restore")
@login_required
def restore(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    authorize("moderate", charter)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.restore(current_user, comment)
    db.session.commit()
    flash(_("The comment is shown again."), "success")
    return redirect(_next_or(comment_url(comment)))


@bp.post("/charters/<slug>/comments/<int:comment_id>/dismiss")
@login_required
def dismiss(slug: str, comment_id: int):
    charter, comment = _load(slug, comment_id)
    authorize("moderate", charter)
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)
    services.dismiss_flags(current_user, comment)
    db.session.commit()
    flash(_("The flags are dismissed; the comment stays as it is."), "success")
    return redirect(url_for(".moderation", slug=slug))


def _next_or(default: str) -> str:
    """A same-site path sent with the form, or default."""
    return same_site(request.form.get("next")) or default


@bp.get("/charters/<slug>/moderation")
@login_required
def moderation(slug: str):
    charter = drafting_queries.charter_or_404(slug)
    authorize("moderate", charter)
    flagged = queries.flagged(charter)
    return render_template(
        "consultation/moderation.html",
        charter=charter,
        flagged=flagged,
        flags=queries.open_flags(flagged),
        hidden=queries.hidden(charter),
        confirm=forms.ConfirmForm(),
    )
