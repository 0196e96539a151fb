"""Health checks for the proxy and the process manager: no sign-in, never cached."""

from __future__ import annotations

from functools import cache

import redis
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, Response, current_app, jsonify

from charter.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    """200 while the database answers, 503 otherwise."""
    problems = {}
    try:
        with db.engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError as error:
        problems["database"] = _reason(error)
    return _answer(problems)


@bp.get("/readyz")
def readyz() -> Response:
    """200 when the database answers at the latest migration and Redis (if used) answers."""
    problems = {}
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except sa.exc.SQLAlchemyError as error:
        problems["database"] = _reason(error)
    else:
        expected = _heads(current_app.extensions["migrate"].directory)
        if current != expected:
            found = ", ".join(sorted(current)) or "none"
            problems["schema"] = f"at {found}, expected {', '.join(sorted(expected))}"
    if url := current_app.config.get("REDIS_URL"):
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        try:
            client.ping()
        except redis.RedisError as error:
            problems["redis"] = _reason(error)
        finally:
            client.close()
    return _answer(problems)


@cache
def _heads(directory: str) -> set[str]:
    # The migrations a process runs with never change under it: read them once.
    return set(ScriptDirectory(directory).get_heads())


def _reason(error: Exception) -> str:
    # The class name only: the message may hold the database address or its user.
    return type(getattr(error, "orig", None) or error).__name__


def _answer(problems: dict[str, str]) -> Response:
    if problems:
        response = jsonify(status="unavailable", **problems)
        response.status_code = 503
    else:
        response = jsonify(status="ok")
    response.headers["Cache-Control"] = "no-store"
    return response
