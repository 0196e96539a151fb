"""The policy: who may do what. Views, templates and the API ask here and nowhere else."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l

# action -> the roles that may perform it. Until accounts exist every visitor is "public".
POLICY: dict[str, frozenset[str]] = {
    "read_published": frozenset({"public"}),
    "read_draft": frozenset(),
}

DESCRIPTIONS = {
    "read_published": _l("read published versions"),
    "read_draft": _l("read draft versions"),
}


def role_of(user: Any) -> str:
    """The role a user acts in; anyone not signed in is the public."""
    return getattr(user, "role", None) or "public"


def can(user: Any, action: str, target: Any = None) -> bool:
    """True when user may perform action (on target)."""
    if action not in POLICY:
        raise KeyError(f"unknown action {action!r}")
    return role_of(user) in POLICY[action]


def current_user_or_none() -> Any:
    """The signed-in user, or None before accounts exist."""
    return None


def authorize(action: str, target: Any = None, *, hide: bool = False) -> None:
    """Abort with 403 (or 404 when hide is set) unless the current user may act."""
    if not can(current_user_or_none(), action, target):
        abort(404 if hide else 403)


def requires(action: str) -> Callable:
    """View decorator: the current user must be allowed action."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            authorize(action)
            return view(*args, **kwargs)

        return wrapper

    return decorator
