"""Helpers for the API tests: tokens, and requests that carry them."""

from __future__ import annotations

import pytest

from charter.api import tokens
from charter.extensions import db

# The charter in partner consultation, with its people (tests/consultation's own fixture).
from tests.consultation.conftest import consultation  # noqa: F401


@pytest.fixture
def token_for(app):
    """A personal token for a user, as `flask users token` would print it."""

    def make(user, name: str = "tests") -> str:
        _token, secret = tokens.create(user, name)
        db.session.commit()
        return secret

    return make


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}
