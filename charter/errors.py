"""Domain errors and the error pages: explain, never show internals."""

from __future__ import annotations

from typing import Any

from flask import (
    Flask,
    Response,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from charter.extensions import db


class DomainError(Exception):
    """A use case refused: the message is for the user."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field  # the form field the message is about, when it is about one


class InvalidInput(DomainError):
    status = 422


class Conflict(DomainError):
    status = 409


class Forbidden(DomainError):
    status = 403


class TooMany(DomainError):
    status = 429


def _titles() -> dict[int, str]:
    return {
        400: _("This request could not be understood"),
        401: _("Please sign in"),
        403: _("You may not do this"),
        404: _("Page not found"),
        405: _("This action is not available here"),
        409: _("This could not be done now"),
        413: _("This is too large"),
        422: _("Please check what you sent"),
        429: _("Too many requests"),
        500: _("Something went wrong on our side"),
    }


def _explanations() -> dict[int, str]:
    return {
        404: _("There is no such page. It may have moved, or the address may be mistyped."),
        403: _("Your account does not allow this action at this stage of the process."),
        500: _("The error was logged. Nothing you sent was half-saved; please try again."),
    }


# The API's error codes: stable words for programs, beside the message for people.
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "too_many_requests",
    500: "server_error",
}


def json_error(status: int, message: str, details: Any = None) -> Response:
    """An error in the API's one shape: {"error": {"code", "message", "details"}}."""
    error = {"code": ERROR_CODES.get(status, "error"), "message": message, "details": details or {}}
    response = jsonify(error=error)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="charter"'
    return response


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/")


def error_page(status: int, message: str | None = None):
    """Render the error page (or a JSON error for JSON callers)."""
    title = _titles().get(status, _("Error"))
    message = message or _explanations().get(status, "")
    if _wants_json():
        return json_error(status, message or title)
    return render_template("errors/error.html", status=status, title=title, message=message), status


def init_app(app: Flask) -> None:
    """Register the handlers."""

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        if error.code == 401 and request.method == "GET" and not _wants_json():
            return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
        shown = getattr(error, "explained", False) or isinstance(error, RateLimitExceeded)
        message = error.description if shown else None
        response = make_response(error_page(error.code, message))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(CSRFError)
    def _csrf_error(_error: CSRFError):
        return error_page(
            400,
            _(
                "The form had expired or did not come from this site, so nothing was done. "
                "Go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        db.session.rollback()
        return error_page(error.status, error.message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        db.session.rollback()
        if app.testing and app.config.get("PROPAGATE_EXCEPTIONS") is not False:
            raise error  # let the test see the real failure
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return error_page(500)


def explained(exception_class: type[HTTPException], message: str) -> HTTPException:
    """An HTTP error whose message is meant to be shown to the user."""
    error = exception_class(message)
    error.explained = True  # type: ignore[attr-defined]
    return error
