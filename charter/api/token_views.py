"""Personal API tokens on the account page: create one (its secret shown once, in the answer
to the form, never stored) and revoke one's own."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, g, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField

from charter.accounts import forms as account_forms
from charter.accounts import views as account_views
from charter.api import tokens
from charter.api.models import ApiToken
from charter.errors import DomainError
from charter.extensions import db

bp = Blueprint("api_tokens", __name__)


class TokenForm(FlaskForm):
    """A new token's name; tokens.create says what is wrong with it, in words."""

    name = StringField(
        _l("Name"), description=_l("What will use the token, e.g. “council newsletter script”.")
    )

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("prefix", "token")  # the account page holds other forms
        super().__init__(*args, **kwargs)


@dataclass(frozen=True)
class TokensSection:
    tokens: list[ApiToken]
    form: TokenForm
    confirm: FlaskForm
    secret: str | None  # a token just created: shown in this answer only


@bp.app_template_global("api_tokens_section")
def tokens_section() -> TokensSection:
    """The account page's tokens: the active ones, the form, and a secret just created (taken
    from `g` as it is shown, so it is shown once)."""
    return TokensSection(
        tokens=tokens.active_tokens(current_user),
        form=g.pop("token_form", None) or TokenForm(formdata=None),
        confirm=account_forms.ConfirmForm(),
        secret=g.pop("token_secret", None),
    )


@bp.post("/account/tokens")
@login_required
def create():
    form = g.token_form = TokenForm()
    status = 422
    if form.validate_on_submit():
        try:
            _token, g.token_secret = tokens.create(current_user, form.name.data or "")
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            form.name.errors = [*form.name.errors, error.message]
            status = error.status
        else:
            g.token_form, status = TokenForm(formdata=None), 200
    # The account page, with the new secret or the form's error: never from a cache.
    page, status = account_views.render_account(
        account_forms.ProfileForm(obj=current_user, formdata=None),
        account_forms.ChangePasswordForm(prefix="pw", formdata=None),
        status,
    )
    return page, status, {"Cache-Control": "no-store"}


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke(token_id: int):
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)  # only one's own tokens, and others' are not even named
    if not account_forms.ConfirmForm().validate_on_submit():
        abort(400)
    tokens.revoke(current_user, token)
    db.session.commit()
    flash(_("The token “%(name)s” is revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for("accounts.account", _anchor="api-tokens"))
