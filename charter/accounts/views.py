"""Sign-in, sign-out, invitations, password resets and the account page."""

from __future__ import annotations

import time

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
from flask_babel import ngettext
from flask_login import (
    current_user,
    login_required,
    login_user,
    logout_user,
    user_loaded_from_cookie,
)

from charter import mail
from charter.accounts import forms, services, two_factor
from charter.accounts.models import User
from charter.errors import DomainError
from charter.extensions import db, limiter, login_manager
from charter.i18n import current_language
from charter.urls import same_site

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
    return same_site(target) or url_for("public.index")


def _failed(response) -> bool:
    """Only failed sign-in attempts count against the limits."""
    return response.status_code != 302


def _account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


def sign_in_limits(account_key):
    """Failed attempts of a sign-in step are limited per address and per account (the
    answer is 429 once either is spent); those that succeed (a redirect) never count."""
    too_many = lambda: _("Too many sign-in attempts. Wait a few minutes and try again.")  # noqa: E731
    per_address = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
        methods=["POST"],
        deduct_when=_failed,
        error_message=too_many,
    )
    per_account = limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"],
        key_func=account_key,
        methods=["POST"],
        deduct_when=_failed,
        error_message=too_many,
    )
    return lambda view: per_address(per_account(view))


@bp.route("/login", methods=["GET", "POST"])
@sign_in_limits(_account_key)
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = forms.LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is not None:
            return password_proven(user, form.remember.data, request.args.get("next"))
        form.password.errors.append(_("Email or password is wrong."))
        return render_template("accounts/login.html", form=form), 401
    return render_template("accounts/login.html", form=form), 422 if form.errors else 200


# Sign-in in steps: the password, then (when the account has it or its role needs it) the
# second factor. Between the two, the session holds only who proved their password, when,
# and where they were going.
PENDING_FOR = 10 * 60  # seconds to type the code


def password_proven(user: User, remember: bool, target: str | None):
    if not two_factor.enabled(user) and not two_factor.required(user):
        return signed_in(user, remember, target)
    session.clear()  # nothing from before signing in carries over
    session["pending"] = {
        "user": user.get_id(),
        "remember": bool(remember),
        "next": safe_next(target),
        "at": int(time.time()),
    }
    if two_factor.enabled(user):
        return redirect(url_for("accounts.second_factor"))
    return redirect(url_for("accounts.second_factor_setup"))


def signed_in(user: User, remember: bool, target: str | None):
    session.clear()  # a new session: nothing from before signing in carries over
    login_user(user, remember=remember)
    session["signed_in_at"] = session["seen_at"] = int(time.time())
    session["remember"] = bool(remember)
    return redirect(safe_next(target))


def pending_user() -> User | None:
    """Who proved their password in this session, within the last ten minutes."""
    pending = session.get("pending")
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_FOR:
        return None
    return load_user(str(pending.get("user", "")))


def _pending_key() -> str:
    pending = session.get("pending")
    return "login-code:" + str(pending.get("user") if isinstance(pending, dict) else "")


def _start_again():
    session.pop("pending", None)
    flash(_("Sign in again: the time to type the code ran out."), "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@sign_in_limits(_pending_key)
def second_factor():
    user = pending_user()
    if user is None or not two_factor.enabled(user):
        return _start_again()
    form = forms.CodeForm()
    if form.validate_on_submit():
        used_before = two_factor.recovery_codes_left(user)
        if two_factor.check(user, form.code.data):
            db.session.commit()
            pending = session["pending"]
            response = signed_in(user, pending["remember"], pending["next"])
            left = two_factor.recovery_codes_left(user)
            if left < used_before:  # after signed_in(), which starts a new session
                flash(
                    ngettext(
                        "You used a recovery code: %(num)d is left. Make new ones on your "
                        "account page.",
                        "You used a recovery code: %(num)d are left. Make new ones on your "
                        "account page.",
                        left,
                    ),
                    "warning",
                )
            return response
        db.session.rollback()
        form.code.errors.append(_("This code is wrong or was already used."))
        return render_template("accounts/second_factor.html", form=form), 401
    status = 422 if form.errors else 200
    return render_template("accounts/second_factor.html", form=form), status


@bp.route("/login/setup", methods=["GET", "POST"])
def second_factor_setup():
    """A role that needs a second factor sets it up before its first session starts."""
    user = pending_user()
    if user is None or two_factor.enabled(user) or not two_factor.required(user):
        return _start_again()
    pending = session["pending"]
    if "secret" not in pending:
        pending["secret"] = two_factor.new_secret()
        session.modified = True
    form = forms.CodeForm()
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, pending["secret"], form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            target = signed_in(user, pending["remember"], pending["next"]).location
            return render_template("accounts/recovery_codes.html", codes=codes, target=target)
    status = 422 if form.errors else 200
    return render_setup(user, pending["secret"], form, status, url_for(".second_factor_setup"))


def render_setup(user: User, secret: str, form, status: int, action: str):
    uri = two_factor.setup_uri(user, secret)
    form.code.description = _("The six digits the app shows now.")  # no recovery codes yet
    return (
        render_template(
            "accounts/two_factor_setup.html",
            form=form,
            secret=secret,
            qr_code=two_factor.qr_code(uri),
            action=action,
            required=two_factor.required(user),
        ),
        status,
    )


@user_loaded_from_cookie.connect
def _remembered(app, user) -> None:
    """A session restored by "Remember me" starts now, and stays until that cookie ends."""
    session["signed_in_at"] = session["seen_at"] = int(time.time())
    session["remember"] = True


@bp.before_app_request
def _session_limits():
    """End a session after SESSION_IDLE_MINUTES without a request or SESSION_MAX_HOURS in
    all, unless "Remember me" keeps it."""
    if request.blueprint == "api" or request.endpoint == "static":
        return None
    if not current_user.is_authenticated or session.get("remember"):
        return None
    now = int(time.time())
    config = current_app.config
    started = session.setdefault("signed_in_at", now)
    seen = session.setdefault("seen_at", now)
    if now - seen > config["SESSION_IDLE_MINUTES"] * 60 or (
        now - started > config["SESSION_MAX_HOURS"] * 3600
    ):
        logout_user()
        session.clear()
        flash(_("You were signed out after a while. Sign in again to go on."), "info")
        target = request.full_path if request.method == "GET" else None
        return redirect(url_for("accounts.login", next=target))
    if now - seen >= 60:  # a cookie per minute at most, not one per request
        session["seen_at"] = now
    return None


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
    if services.mark_read(current_user):  # a commit only when something changed: a
        db.session.commit()  # write would renew the stamp, and every kept public page
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


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor_page():
    """Set up two-factor sign-in, or (once on) renew the recovery codes or turn it off."""
    user = current_user._get_current_object()
    form = forms.CodeForm()
    if two_factor.enabled(user):
        return _two_factor_on(user, 200)
    secret = session.setdefault("totp_setup", two_factor.new_secret())
    if form.validate_on_submit():
        try:
            codes = two_factor.enable(user, secret, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            session.pop("totp_setup", None)
            target = url_for("accounts.two_factor_page")
            return render_template("accounts/recovery_codes.html", codes=codes, target=target)
    status = 422 if form.errors else 200
    return render_setup(user, secret, form, status, url_for("accounts.two_factor_page"))


def _two_factor_on(user: User, status: int, renew=None, off=None):
    page = render_template(
        "accounts/two_factor.html",
        renew=renew or forms.CodeForm(formdata=None),
        off=off or forms.CodeForm(prefix="off", formdata=None),
        left=two_factor.recovery_codes_left(user),
        required=two_factor.required(user),
    )
    return page, status


@bp.post("/account/two-factor/recovery-codes")
@login_required
def renew_recovery_codes():
    user = current_user._get_current_object()
    form = forms.CodeForm()
    if form.validate_on_submit() and two_factor.enabled(user):
        try:
            codes = two_factor.renew_recovery_codes(user, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            target = url_for("accounts.two_factor_page")
            return render_template("accounts/recovery_codes.html", codes=codes, target=target)
    return _two_factor_on(user, 422, renew=form)


@bp.post("/account/two-factor/off")
@login_required
def two_factor_off():
    user = current_user._get_current_object()
    form = forms.CodeForm(prefix="off")
    if form.validate_on_submit() and two_factor.enabled(user):
        try:
            two_factor.disable(user, form.code.data)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.code.errors.append(error.message)
        else:
            flash(_("Two-factor sign-in is off."), "success")
            return redirect(url_for("accounts.two_factor_page"))
    return _two_factor_on(user, 422, off=form)
