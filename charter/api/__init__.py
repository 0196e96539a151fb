"""The JSON API under /api/v1: the same policy as the pages, an OpenAPI description,
personal tokens for writing, and webhooks."""

from flask import Flask


def register(app: Flask) -> None:
    """Declare the operations (importing their modules) and serve them."""
    from charter.api import read, spec  # noqa: F401 (the operations declare themselves)
    from charter.api.core import bp

    app.register_blueprint(bp)
