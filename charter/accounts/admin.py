"""Secretariat and admin pages: people, invitations, Policy Councils and the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from charter import audit, mail
from charter.accounts import forms, services, two_factor
from charter.accounts.models import ROLES, Council, Invitation, User
from charter.drafting.models import Charter, utcnow
from charter.errors import DomainError
from charter.extensions import db
from charter.permissions import can, requires
from charter.urls import MAX_INT, query_int, query_text

bp = Blueprint("admin", __name__, url_prefix="/admin")

PAGE_SIZE = 50


def council_options() -> list[tuple[int, str]]:
    """(id, "Charter — Council") of every council."""
    rows = db.session.execute(
        sa.select(Council.id, Charter.title, Council.name)
        .join(Charter, Charter.id == Council.charter_id)
        .order_by(Charter.title, Council.name)
    )
    return [(council_id, f"{title} — {name}") for council_id, title, name in rows]


def council_choices():
    return forms.options(council_options())


def councils_by_id(ids: list[int]) -> list[Council]:
    return list(db.session.scalars(sa.select(Council).where(Council.id.in_(ids)))) if ids else []


@bp.get("/users")
@requires("manage_users")
def users():
    role = request.args.get("role", "")
    council = request.args.get("council", type=query_int)
    status = request.args.get("status", "")
    search = query_text(request.args.get("q"), 100).strip()
    page = max(request.args.get("page", 1, type=query_int), 1)
    query = sa.select(User).options(selectinload(User.councils))
    if role in ROLES:
        query = query.filter_by(role=role)
    if council:
        query = query.where(User.councils.any(Council.id == council))
    if status in ("active", "inactive"):
        query = query.where(User.active.is_(status == "active"))
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            sa.or_(
                User.email.ilike(pattern, escape="\\"),
                User.display_name.ilike(pattern, escape="\\"),
                User.organisation.ilike(pattern, escape="\\"),
            )
        )
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    people = db.session.scalars(
        query.order_by(User.display_name, User.id).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    return render_template(
        "admin/users.html",
        users=people,
        total=total,
        page=page,
        page_size=PAGE_SIZE,
        roles=forms.role_labels(),
        councils=council_options(),
        filters={"role": role, "council": council, "status": status, "q": search},
    )


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@requires("manage_users")
def user(user_id: int):
    person = db.get_or_404(User, user_id)
    form = forms.UserForm(obj=person)
    form.councils.choices = council_choices()
    if request.method == "GET":
        form.councils.data = [council.id for council in person.councils]
    if form.validate_on_submit():
        try:
            services.update_user(
                current_user,
                person,
                role=form.role.data,
                councils=councils_by_id(form.councils.data),
                active=form.active.data,
                translator=form.translator.data,
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.role.errors.append(error.message)
        else:
            flash(_("%(name)s's account is saved.", name=person.display_name), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    status = 422 if form.errors else 200
    page = render_template("admin/user.html", person=person, form=form, confirm=forms.ConfirmForm())
    return page, status


@bp.post("/users/<int:user_id>/two-factor/reset")
@requires("manage_users")
def reset_two_factor(user_id: int):
    person = db.get_or_404(User, user_id)
    if forms.ConfirmForm().validate_on_submit():
        try:
            two_factor.reset(current_user, person)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "error")
        else:
            flash(_("%(name)s's two-factor sign-in is reset.", name=person.display_name), "success")
    return redirect(url_for("admin.user", user_id=person.id))


@bp.route("/invitations", methods=["GET", "POST"])
@requires("manage_users")
def invitations():
    form = forms.InviteForm()
    form.councils.choices = council_choices()
    if form.validate_on_submit():
        try:
            invitation, token = services.invite(
                current_user,
                form.email.data,
                form.role.data,
                councils_by_id(form.councils.data),
                form.display_name.data or "",
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.email.errors.append(error.message)
        else:
            _send(invitation, token)
            return redirect(url_for("admin.invitations"))
    pending = db.session.scalars(
        sa.select(Invitation)
        .options(selectinload(Invitation.councils), selectinload(Invitation.invited_by))
        .where(
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > utcnow(),
        )
        .order_by(Invitation.created_at.desc())
    ).all()
    status = 422 if form.errors else 200
    return render_template(
        "admin/invitations.html", form=form, pending=pending, confirm=forms.ConfirmForm()
    ), status


def _send(invitation: Invitation, token: str) -> None:
    """Mail a saved invitation; if mail fails, the secretariat gets the link to pass on."""
    try:
        services.send_invitation(invitation, token)
    except mail.DeliveryError:
        current_app.logger.exception("Could not e-mail an invitation")
        link = url_for("accounts.accept_invitation", token=token, _external=True)
        flash(
            _(
                "The invitation is saved, but the e-mail could not be sent. Give %(email)s this "
                "link yourself (it works once, for 7 days): %(link)s",
                email=invitation.email,
                link=link,
            ),
            "warning",
        )
    else:
        flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")


@bp.post("/invitations/<int:invitation_id>/revoke")
@requires("manage_users")
def revoke_invitation(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if forms.ConfirmForm().validate_on_submit():
        services.revoke_invitation(invitation, actor=current_user)
        db.session.commit()
        flash(_("The invitation of %(email)s is revoked.", email=invitation.email), "success")
    return redirect(url_for("admin.invitations"))


@bp.route("/councils", methods=["GET", "POST"])
@requires("manage_councils")
def councils():
    form = forms.CouncilForm()
    charters = db.session.execute(sa.select(Charter.id, Charter.title).order_by(Charter.title))
    form.charter_id.choices = forms.options(charters)
    if form.validate_on_submit():
        charter = db.get_or_404(Charter, form.charter_id.data)
        try:
            council = services.create_council(
                charter, form.name.data, form.description.data or "", actor=current_user
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            flash(_("The council “%(name)s” is created.", name=council.name), "success")
            return redirect(url_for("admin.councils"))
    rows = db.session.execute(
        sa.select(Council, sa.func.count(User.id))
        .options(selectinload(Council.charter))
        .outerjoin(Council.members)
        .group_by(Council.id)
        .order_by(Council.charter_id, Council.name)
    ).all()
    status = 422 if form.errors else 200
    return render_template("admin/councils.html", form=form, councils=rows), status


@bp.route("/councils/<int:council_id>", methods=["GET", "POST"])
@requires("manage_councils")
def council(council_id: int):
    council = db.get_or_404(Council, council_id)
    form = forms.CouncilForm(obj=council)
    form.charter_id.choices = forms.options([(council.charter_id, council.charter.title)])
    if form.validate_on_submit():
        if form.charter_id.data != council.charter_id:
            abort(400)
        try:
            services.update_council(
                council, form.name.data, form.description.data or "", actor=current_user
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.name.errors.append(error.message)
        else:
            flash(_("The council is saved."), "success")
            return redirect(url_for("admin.councils"))
    status = 422 if form.errors else 200
    return render_template("admin/council.html", council=council, form=form), status


@bp.get("/audit")
@requires("read_audit")
def audit_log():
    filters = audit.Filters.from_args(request.args)
    entries, total = audit.entries(filters)
    actions = audit.actions()
    objects = [(entry.object_type, entry.object_id) for entry in entries]
    if filters.object_type and filters.object_id:
        objects.append((filters.object_type, filters.object_id))
    return render_template(
        "admin/audit.html",
        entries=entries,
        total=total,
        filters=filters,
        page_size=audit.PAGE_SIZE,
        objects=_describe(objects),
        actions={
            domain: [action for action in actions if action.startswith(domain + ".")]
            for domain in audit.domains(actions)
        },
        actors=audit.actors(),
        charters=audit.charters(),
    )


def _describe(objects: list[tuple[str, str]]) -> dict[tuple[str, str], tuple[str, str | None]]:
    """(label, link) of the objects of the log that have one: a query per kind of object."""
    from charter.amendments.models import Amendment
    from charter.consultation.models import Comment

    def may(action: str) -> bool:
        return can(current_user, action)

    ids: dict[str, set[int]] = {}
    for kind, object_id in objects:
        if object_id.isdigit() and int(object_id) <= MAX_INT:
            ids.setdefault(kind, set()).add(int(object_id))
    found: dict[tuple[str, str], tuple[str, str | None]] = {}
    if ids.get("amendment"):
        rows = db.session.execute(
            sa.select(Amendment.id, Amendment.number, Charter.slug)
            .join(Charter, Charter.id == Amendment.charter_id)
            .where(Amendment.id.in_(ids["amendment"]))
        )
        for amendment_id, number, slug in rows:
            link = url_for("amendments.show", slug=slug, number=number)
            found["amendment", str(amendment_id)] = (_("Amendment %(number)s", number=number), link)
    if ids.get("user"):
        rows = db.session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(ids["user"]))
        )
        for user_id, name in rows:
            link = url_for("admin.user", user_id=user_id) if may("manage_users") else None
            found["user", str(user_id)] = (name, link)
    if ids.get("council"):
        rows = db.session.execute(
            sa.select(Council.id, Council.name).where(Council.id.in_(ids["council"]))
        )
        for council_id, name in rows:
            link = (
                url_for("admin.council", council_id=council_id) if may("manage_councils") else None
            )
            found["council", str(council_id)] = (name, link)
    if ids.get("comment"):
        rows = db.session.execute(
            sa.select(Comment.id, Charter.slug)
            .join(Charter, Charter.id == Comment.charter_id)
            .where(Comment.id.in_(ids["comment"]))
        )
        for comment_id, slug in rows:
            link = url_for("consultation.permalink", slug=slug, comment_id=comment_id)
            found["comment", str(comment_id)] = (_("Comment %(id)s", id=comment_id), link)
    if ids.get("invitation"):
        rows = db.session.execute(
            sa.select(Invitation.id, Invitation.email).where(Invitation.id.in_(ids["invitation"]))
        )
        for invitation_id, email in rows:
            found["invitation", str(invitation_id)] = (
                _("Invitation of %(email)s", email=email),
                None,
            )
    return found
