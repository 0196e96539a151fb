"""Configuration: defaults, then the environment, then explicit overrides."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "LANGUAGES": ["en", "fr", "es"],
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # Sign-in
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
    "LOGIN_LIMIT_PER_ACCOUNT": "5 per 15 minutes",
    "LOGIN_LIMIT_PER_ADDRESS": "30 per 15 minutes",
    "RATELIMIT_HEADERS_ENABLED": True,
    # Roles that sign in with a second factor (an authenticator app); optional for others.
    "TWO_FACTOR_ROLES": ["secretariat", "admin"],
    # A session not kept by "Remember me" ends after this long without a request, and
    # after this long in all; "Remember me" keeps one for REMEMBER_COOKIE_DURATION.
    "SESSION_IDLE_MINUTES": 120,
    "SESSION_MAX_HOURS": 12,
    # E-mail: SMTP when MAIL_SERVER is set, the log otherwise.
    "MAIL_SERVER": "",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_SENDER": "Charter <no-reply@localhost>",
    # The site's address in e-mails (sent without a request, e.g. by `flask digest`); when
    # neither set nor given in the environment, from SERVER_NAME if that is set.
    "SITE_URL": "http://127.0.0.1:5000",
    # Webhooks may send to loopback and private addresses (development and tests only).
    "WEBHOOK_ALLOW_PRIVATE": False,
    # How many reverse proxies stand in front of the app: their X-Forwarded-For, -Proto and
    # -Host are then believed (the visitor's address for rate limits and the audit log).
    "PROXY_COUNT": 0,
}

# Read from the environment when set: name -> type.
FROM_ENVIRONMENT = {
    "MAIL_SERVER": str,
    "MAIL_PORT": int,
    "MAIL_USE_TLS": lambda value: value.lower() in ("1", "true", "yes"),
    "MAIL_USERNAME": str,
    "MAIL_PASSWORD": str,
    "MAIL_SENDER": str,
    "SITE_URL": str,
    "PREFER_HTTPS": lambda value: value.lower() in ("1", "true", "yes"),
    "WEBHOOK_ALLOW_PRIVATE": lambda value: value.lower() in ("1", "true", "yes"),
    "PROXY_COUNT": int,
    "TWO_FACTOR_ROLES": lambda value: [role.strip() for role in value.split(",") if role.strip()],
    "SESSION_IDLE_MINUTES": int,
    "SESSION_MAX_HOURS": int,
}


def database_url(url: str) -> str:
    """Normalise a DATABASE_URL: PostgreSQL URLs use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def secret_key(instance_path: str) -> str:
    """SECRET_KEY from the environment, or one generated once into the instance folder."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def load(instance_path: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build the configuration for one application instance."""
    overrides = overrides or {}
    config = dict(DEFAULTS)
    default_db = "sqlite:///" + str(Path(instance_path) / "charter.db")
    config["SQLALCHEMY_DATABASE_URI"] = database_url(os.environ.get("DATABASE_URL", default_db))
    for name, kind in FROM_ENVIRONMENT.items():
        if name in os.environ:
            config[name] = kind(os.environ[name])
    redis_url = os.environ.get("REDIS_URL")
    config["REDIS_URL"] = redis_url
    config["RATELIMIT_STORAGE_URI"] = redis_url or "memory://"
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = secret_key(instance_path)
    config.update(overrides)
    if config.get("PREFER_HTTPS"):
        # HTTPS only, and names the browser binds to this host and path (the __Host- prefix):
        # a neighbouring subdomain cannot plant or overwrite them.
        config["SESSION_COOKIE_SECURE"] = config["REMEMBER_COOKIE_SECURE"] = True
        config.setdefault("SESSION_COOKIE_NAME", "__Host-session")
        config.setdefault("REMEMBER_COOKIE_NAME", "__Host-remember_token")
        config["SESSION_COOKIE_DOMAIN"] = config["REMEMBER_COOKIE_DOMAIN"] = None
        config["SESSION_COOKIE_PATH"] = config["REMEMBER_COOKIE_PATH"] = "/"
        config["PREFERRED_URL_SCHEME"] = "https"
    if config.get("SERVER_NAME") and "SITE_URL" not in overrides and "SITE_URL" not in os.environ:
        scheme = config.get("PREFERRED_URL_SCHEME", "http")
        config["SITE_URL"] = f"{scheme}://{config['SERVER_NAME']}"
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    return config
