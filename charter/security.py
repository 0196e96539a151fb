"""Security headers on every response, error pages included."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request
from flask_login import current_user

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def init_app(app: Flask) -> None:
    """Refuse NUL characters in addresses (no page has one, and PostgreSQL cannot compare
    them; the views clean their query strings), and add the headers."""

    @app.before_request
    def _refuse_nul() -> None:
        if "\x00" in request.path:
            abort(404)

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if current_app.config.get("PREFER_HTTPS"):
            # Browsers come back over HTTPS only, for a year (ignored on plain HTTP).
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user and current_user.is_authenticated:
            # Pages of a signed-in person may hold drafts: never keep them in a shared cache.
            response.headers["Cache-Control"] = "no-store"
            response.vary.add("Cookie")
        return response
