"""Password rules: long enough and not one everybody tries first."""

from __future__ import annotations

from functools import cache
from importlib import resources

MIN_LENGTH = 10


@cache
def _common() -> frozenset[str]:
    text = resources.files("charter.accounts").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def weakness(password: str) -> str | None:
    """Why a password is too weak, or None when it will do (message key for the form)."""
    if len(password) < MIN_LENGTH:
        return "short"
    lowered = password.lower()
    if lowered in _common() or len(set(lowered)) < 4:
        return "common"
    return None
