"""Charter: a network of local and regional governments drafts a charter together."""

from __future__ import annotations

import os
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from charter import config as config_module
from charter.extensions import csrf, db, limiter, login_manager, migrate
from charter.urls import BoundedIntConverter


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Create and configure an application instance."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(config_module.load(app.instance_path, config))
    app.url_map.converters["int"] = BoundedIntConverter
    if proxies := app.config["PROXY_COUNT"]:
        # Behind nginx: the visitor's address and scheme come from the proxies' headers.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "..", "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)

    from charter import (  # noqa: F401
        api,
        audit,
        cache,
        database,
        errors,
        i18n,
        security,
        templating,
        writes,
    )
    from charter.accounts import admin, views
    from charter.amendments.views import bp as amendments_bp
    from charter.cli import register_commands
    from charter.consultation.questions import bp as questions_bp
    from charter.consultation.views import bp as consultation_bp
    from charter.dashboard.views import bp as dashboard_bp
    from charter.dossier.views import bp as dossier_bp
    from charter.drafting.views import bp as drafting_bp
    from charter.health import bp as health_bp
    from charter.notifications_views import bp as notifications_bp
    from charter.process.views import bp as process_bp
    from charter.public.views import bp as public_bp
    from charter.search.views import bp as search_bp
    from charter.translating.views import bp as translating_bp
    from charter.webhooks.views import bp as webhooks_bp

    with app.app_context():
        database.configure_engine(db.engine)
    cache.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    templating.init_app(app)
    errors.init_app(app)
    register_commands(app)
    app.register_blueprint(public_bp)
    app.register_blueprint(views.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(amendments_bp)
    app.register_blueprint(drafting_bp)
    app.register_blueprint(dossier_bp)
    app.register_blueprint(process_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(consultation_bp)
    app.register_blueprint(questions_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(translating_bp)
    app.register_blueprint(webhooks_bp)
    app.register_blueprint(health_bp)
    api.register(app)
    return app
