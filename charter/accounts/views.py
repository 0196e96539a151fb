"""Sign-in, sign-out, invitations, password resets and the account page."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from charter import mail
from charter.accounts import forms, services
from charter.accounts.models import User
from charter.errors import DomainError
from charter.extensions import db, limiter, login_manager
from charter.i18n import current_language

bp = Blueprint("accounts", __name__)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session, unless it ended (sign-out, new password, deactivation)."""
    user_id, _sep, epoch = session_id.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or str(user.session_epoch) != epoch:
        return None
    return user


def safe_next(target: str | None) -> str:
    """A same-site path to go to after signing in; anything else goes home."""
    if not target or any(ch in target for ch in "\\\r\n\t") or not target.startswith("/"):
        return url_for("public.index")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return url_for("public.index")
    return target


def _failed(response) -> bool:
    """Only failed sign-in attempts count against the limits."""
    return response.status_code != 302


def _account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_failed,
    error_message=lambda: _("Too many sign-in attempts. Wait a few minutes and try again."),
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
    key_func=_account_key,
    methods=["POST"],
    deduct_when=_failed,
    error_message=lambda: _("Too many sign-in attempts. Wait a few minutes and try again."),
)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            session.clear()  # nothing from before signing in carries over
            login_user(user, remember=form.remember.data)
            return redirect(safe_next(request.args.get("next")))
        form.password.errors.append(_("Email or password is wrong."))
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


@bp.post("/logout")
@login_required
def logout():
    form = forms.ConfirmForm()
    if form.validate_on_submit():
        services.end_sessions(current_user)
        db.session.commit()
        logout_user()
        session.clear()
        flash(_("You are signed out."), "success")
    return redirect(url_for("public.index"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = services.pending_invitation(token)
    if invitation is None:
        return render_template("accounts/link_invalid.html", kind="invitation"), 404
    form = forms.AcceptInvitationForm(display_name=invitation.display_name or None)
    if form.validate_on_submit():
        try:
            user = services.accept_invitation(
                token, form.password.data, form.display_name.data, current_language()
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            session.clear()
            login_user(user)
            flash(_("Welcome, %(name)s: your account is ready.", name=user.display_name), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if form.errors else 200
    return render_template("accounts/invitation.html", form=form, invitation=invitation), status


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10 per 15 minutes", methods=["POST"])
def request_reset():
    form = forms.ResetRequestForm()
    if form.validate_on_submit():
        reset = services.request_password_reset(form.email.data)
        db.session.commit()
        if reset is not None:
            try:
                services.send_reset(*reset)
            except mail.DeliveryError:
                # Said to nobody: the answer must not tell whether the account exists.
                current_app.logger.exception("Could not e-mail a password reset link")
        # The same answer whether or not an account exists.
        flash(
            _(
                "If an account has this address, we have sent it a link to choose a new "
                "password. It works for 2 hours."
            ),
            "info",
        )
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form), 422 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.usable_reset(token) is None:
        return render_template("accounts/link_invalid.html", kind="reset"), 404
    form = forms.NewPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.password.errors.append(error.message)
        else:
            logout_user()
            flash(_("Your password is changed. Sign in with it now."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 422 if form.errors else 200


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    profile = forms.ProfileForm(obj=current_user)
    password = forms.ChangePasswordForm(prefix="pw")
    if profile.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                display_name=profile.display_name.data,
                language=profile.language.data or None,
                organisation=profile.organisation.data or "",
                country=profile.country.data or "",
                region=profile.region.data or "",
            )
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            profile.display_name.errors.append(error.message)
        else:
            flash(_("Your details are saved."), "success")
            return redirect(url_for("accounts.account"))
    status = 422 if profile.errors else 200
    return render_account(profile, password, status)


def render_account(profile, password, status: int):
    notifications = services.notifications_of(current_user)
    page = render_template(
        "accounts/account.html", profile=profile, password=password, notifications=notifications
    )
    services.mark_read(current_user)
    db.session.commit()
    return page, status


@bp.post("/account/password")
@login_required
def change_password():
    profile = forms.ProfileForm(obj=current_user, formdata=None)
    password = forms.ChangePasswordForm(prefix="pw")
    if password.validate_on_submit():
        try:
            services.change_password(current_user, password.current.data, password.password.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            password.password.errors.append(error.message)
        else:
            login_user(current_user._get_current_object())  # this session follows; others end
            flash(_("Your password is changed. Other sessions are signed out."), "success")
            return redirect(url_for("accounts.account"))
    return render_account(profile, password, 422)
