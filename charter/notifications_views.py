"""The notifications page, e-mail preferences, unsubscribing, following; and the hook that
e-mails committed notifications after each request."""

from __future__ import annotations

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
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, StringField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from charter import notifications
from charter.accounts import services as accounts
from charter.accounts.forms import ConfirmForm, options
from charter.consultation.models import FOLLOW_KINDS
from charter.drafting.queries import charter_or_404
from charter.extensions import csrf, db
from charter.permissions import authorize, current_user_or_none
from charter.urls import query_int, same_site

bp = Blueprint("notifications", __name__)


class PreferencesForm(FlaskForm):
    email_notifications = RadioField(
        _l("E-mail me about my notifications"),
        choices=options(notifications.EMAIL_CHOICES.items()),
        validate_choice=False,  # AnyOf says what is wrong in the users' words
        validators=[
            InputRequired(_l("Choose how often you get e-mail.")),
            AnyOf(notifications.EMAIL_CHOICES, _l("Choose each event, a daily digest or never.")),
        ],
    )
    next = HiddenField()


class FollowForm(FlaskForm):
    kind = StringField(validators=[DataRequired(), AnyOf(FOLLOW_KINDS)])
    ref = StringField(validators=[DataRequired(), Length(max=80)])
    next = HiddenField()


@bp.after_app_request
def _deliver(response):
    """E-mail the notifications this request committed (never those of a rollback)."""
    try:
        notifications.deliver_pending()
    except Exception:  # the change is saved: a mail problem must not turn it into a 500
        db.session.rollback()
        if current_app.testing and current_app.config.get("PROPAGATE_EXCEPTIONS") is not False:
            raise  # let the test see the real failure
        current_app.logger.exception("Could not e-mail the notifications of a request")
    return response


# The list --------------------------------------------------------------------------------


@bp.get("/notifications")
@login_required
def index():
    return _render_index(PreferencesForm(formdata=None, obj=current_user))


def _render_index(preferences: PreferencesForm, status: int = 200):
    try:
        number = max(query_int(request.args.get("page", "1")), 1)
    except ValueError:
        number = 1
    page = notifications.Page(number)
    items, total = notifications.page_of(current_user, page)
    page_html = render_template(
        "notifications/index.html",
        notifications=items,
        total=total,
        page=page,
        page_size=notifications.PAGE_SIZE,
        preferences=preferences,
        confirm=ConfirmForm(),
    )
    return page_html, status


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    if ConfirmForm().validate_on_submit():
        accounts.mark_read(current_user)
        db.session.commit()
        flash(_("All your notifications are marked as read."), "success")
    return redirect(url_for(".index"))


@bp.get("/notifications/<int:notification_id>")
@login_required
def show(notification_id: int):
    """Open a notification: it is read now, and its page comes next."""
    notification = notifications.open_notification(current_user, notification_id)
    if notification is None:
        abort(404)
    db.session.commit()
    return redirect(same_site(notification.link) or url_for(".index"))


@bp.post("/notifications/preferences")
@login_required
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        notifications.set_email_preference(current_user, form.email_notifications.data)
        db.session.commit()
        flash(_("Your e-mail preference is saved."), "success")
        return redirect(same_site(form.next.data) or url_for(".index"))
    return _render_index(form, 422)


# Unsubscribing, signed in or not ---------------------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    user = notifications.user_of_token(token)
    if user is None:
        return render_template("notifications/link_invalid.html"), 404
    form = ConfirmForm()
    if form.validate_on_submit():
        notifications.unsubscribe(user)
        db.session.commit()
        return render_template("notifications/unsubscribed.html", user=user)
    status = 400 if form.errors else 200
    return render_template("notifications/unsubscribe.html", user=user, form=form), status


@bp.route("/unsubscribe/<token>/one-click", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail clients POST here without a page, so without a CSRF token
def one_click(token: str):
    """The List-Unsubscribe address: mail clients POST "List-Unsubscribe=One-Click"; a
    browser that opens it (GET) sees the page with the button instead."""
    if request.method == "GET":
        return redirect(url_for(".unsubscribe", token=token))
    if request.form.get("List-Unsubscribe") != "One-Click":
        abort(400)
    user = notifications.user_of_token(token)
    if user is None:
        return render_template("notifications/link_invalid.html"), 404
    notifications.unsubscribe(user)
    db.session.commit()
    return render_template("notifications/unsubscribed.html", user=user)


# Following -------------------------------------------------------------------------------


@bp.post("/charters/<slug>/follow")
def follow(slug: str):
    return _change_following(slug, follow=True)


@bp.post("/charters/<slug>/unfollow")
def unfollow(slug: str):
    return _change_following(slug, follow=False)


def _change_following(slug: str, *, follow: bool):
    charter = charter_or_404(slug)
    authorize("follow", charter)
    form = FollowForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user_or_none()
    kind, ref = form.kind.data, form.ref.data
    target = notifications.follow_target(charter, kind, ref, user)
    if follow:
        if target is None:
            abort(404)
        notifications.follow(user, charter, kind, ref)
        flash(_("You follow this now: you will be notified of what happens to it."), "success")
    else:  # even what they may not see any more
        notifications.unfollow(user, charter, kind, ref)
        flash(_("You no longer follow this."), "success")
    db.session.commit()
    return redirect(same_site(form.next.data) or target or f"/charters/{charter.slug}")
