"""The JSON API under /api/v1: the same policy as the pages, an OpenAPI description,
personal tokens for writing, and webhooks."""

from flask import Flask


def register(app: Flask) -> None:
    """Declare the operations (importing their modules) and serve them."""
    from charter.api import (  # noqa: F401 (the operations declare themselves)
        admin,
        drafting,
        manage,
        read,
        spec,
        webhooks,
        write,
    )
    from charter.api.core import bp
    from charter.api.token_views import bp as token_bp

    app.register_blueprint(bp)
    app.register_blueprint(token_bp)
