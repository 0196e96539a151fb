"""The reader's language: chosen, remembered, or asked of the browser.

In order: a signed-in person's own choice (kept on their account), then the choice an
anonymous reader made with the switcher (a cookie: their pages stay cacheable, since a
shared cache varies on Cookie and Accept-Language), then the browser's Accept-Language.
"""

from __future__ import annotations

from babel import Locale
from flask import Blueprint, Flask, current_app, flash, has_request_context, redirect, request
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from charter.extensions import babel, db

bp = Blueprint("i18n", __name__)

COOKIE = "language"
COOKIE_MAX_AGE = 365 * 24 * 3600

# Each language named in itself: whoever cannot read the page can still find their own.
NAMES = {"en": "English", "fr": "Français", "es": "Español"}


def languages() -> list[str]:
    return list(current_app.config["LANGUAGES"])


def select_locale() -> str | None:
    """The language a request is answered in (outside a request: the default, English)."""
    if not has_request_context():
        return None
    offered = languages()
    if current_user and current_user.is_authenticated and current_user.language in offered:
        return current_user.language
    chosen = request.cookies.get(COOKIE)
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or offered[0]


def current_language() -> str:
    return str(get_locale() or languages()[0])


def language_name(code: str) -> str:
    """A language as the reader's language calls it ("espagnol" to a French reader)."""
    return Locale.parse(code).get_display_name(get_locale() or code) or code


def _back() -> str:
    from charter.accounts.views import safe_next

    return safe_next(request.values.get("next"))


@bp.get("/language/<code>")
def choose(code: str):
    """The switcher for anonymous readers: remember the choice in a cookie, go back."""
    if code not in languages():
        return redirect(_back())
    response = redirect(_back())
    response.set_cookie(
        COOKIE,
        code,
        max_age=COOKIE_MAX_AGE,
        samesite="Lax",
        httponly=True,
        secure=request.is_secure,
    )
    return response


@bp.post("/language")
@login_required
def choose_for_account():
    """The switcher for people signed in: the choice is kept on their account."""
    from charter.accounts.services import choose_language
    from charter.errors import DomainError

    try:
        choose_language(current_user, request.form.get("language", ""))
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        with force_locale(current_user.language):
            flash(_("The site now speaks English."), "success")
    return redirect(_back())


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["language_names"] = NAMES
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["language_name"] = language_name
    app.register_blueprint(bp)
