"""The secretariat's webhooks page: add, turn off and on, delete, read the delivery log."""

from __future__ import annotations

from functools import partial

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
from flask_login import current_user, login_required

from charter.drafting import queries
from charter.errors import DomainError
from charter.extensions import db
from charter.permissions import authorize
from charter.webhooks import delivery, forms, services
from charter.webhooks.models import Webhook, WebhookDelivery  # noqa: F401 (the schema)

bp = Blueprint("webhooks", __name__)


@bp.after_app_request
def _deliver_after_response(response):
    """Attempt the deliveries this request committed once the response has gone out (a slow
    receiver must not keep the secretariat waiting); `flask webhooks deliver` retries."""
    ids = delivery.take_pending()
    if ids:
        response.call_on_close(
            partial(delivery.attempt_later, current_app._get_current_object(), ids)
        )
    return response


def _page(charter, *, form: forms.WebhookForm | None = None, error: str | None = None, status=200):
    return render_template(
        "webhooks/index.html",
        charter=charter,
        webhooks=services.webhooks_of(charter),
        log=services.log_of(charter),
        labels=services.EVENT_LABELS,
        form=form or forms.WebhookForm(formdata=None),
        confirm=forms.ConfirmForm(),
        error=error,
    ), status


def _charter(slug: str):
    charter = queries.charter_or_404(slug)
    authorize("manage_webhooks", charter)
    return charter


@bp.route("/charters/<slug>/webhooks", methods=["GET", "POST"])
@login_required
def index(slug: str):
    charter = _charter(slug)
    if request.method == "GET":
        return _page(charter)
    form = forms.WebhookForm()
    if not form.validate_on_submit():
        return _page(charter, form=form, status=422)
    try:
        services.create(current_user, charter, form.url.data or "", form.events.data or [])
    except DomainError as refused:
        db.session.rollback()
        field = getattr(form, refused.field or "", None)
        if field is None:
            return _page(charter, form=form, error=refused.message, status=refused.status)
        field.errors = [*field.errors, refused.message]
        return _page(charter, form=form, status=refused.status)
    db.session.commit()
    flash(_("The webhook is added: give its secret to the receiver."), "success")
    return redirect(url_for(".index", slug=slug))


def _webhook(charter, webhook_id: int):
    webhook = services.webhook_or_none(charter, webhook_id)
    if webhook is None:
        abort(404)
    return webhook


def _confirmed() -> None:
    if not forms.ConfirmForm().validate_on_submit():
        abort(400)


def _change(slug: str, webhook_id: int, action, done: str):
    charter = _charter(slug)
    webhook = _webhook(charter, webhook_id)
    _confirmed()
    try:
        action(webhook)
    except DomainError as refused:
        db.session.rollback()
        return _page(charter, error=refused.message, status=refused.status)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for(".index", slug=slug))


@bp.post("/charters/<slug>/webhooks/<int:webhook_id>/deactivate")
@login_required
def deactivate(slug: str, webhook_id: int):
    return _change(
        slug,
        webhook_id,
        lambda webhook: services.set_active(current_user, webhook, False),
        _("The webhook is off: it receives no new events."),
    )


@bp.post("/charters/<slug>/webhooks/<int:webhook_id>/activate")
@login_required
def activate(slug: str, webhook_id: int):
    return _change(
        slug,
        webhook_id,
        lambda webhook: services.set_active(current_user, webhook, True),
        _("The webhook is on again."),
    )


@bp.post("/charters/<slug>/webhooks/<int:webhook_id>/delete")
@login_required
def delete(slug: str, webhook_id: int):
    return _change(
        slug,
        webhook_id,
        lambda webhook: services.delete(current_user, webhook),
        _("The webhook and its deliveries are deleted."),
    )


@bp.post("/charters/<slug>/webhooks/deliveries/<int:delivery_id>/retry")
@login_required
def retry(slug: str, delivery_id: int):
    charter = _charter(slug)
    failed = services.delivery_or_none(charter, delivery_id)
    if failed is None:
        abort(404)
    _confirmed()
    try:
        services.retry(current_user, failed)
    except DomainError as refused:
        db.session.rollback()
        return _page(charter, error=refused.message, status=refused.status)
    db.session.commit()
    flash(_("The delivery is being sent again: reload the page to see how it went."), "success")
    return redirect(url_for(".index", slug=slug, _anchor="deliveries"))
