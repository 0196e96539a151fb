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
    # Rendered HTML, sections and diffs are cached by immutable hashes.
    "TEXT_CACHE_SIZE": 2048,
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
    if "SECRET_KEY" not in overrides:
        config["SECRET_KEY"] = secret_key(instance_path)
    config.update(overrides)
    config["SQLALCHEMY_DATABASE_URI"] = database_url(config["SQLALCHEMY_DATABASE_URI"])
    return config
