"""Schemathesis against the OpenAPI document: every operation, as the public and with a
sherpa's token, on the demo charter — no 5xx, and every answer as the document says."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from charter.accounts.services import user_by_email
from charter.demo.loader import load_demo
from charter.extensions import db
from tests.api.conftest import bearer

CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
    content_type_conformance,
]
EXAMPLES = 8  # per operation and caller: ~70 operations, twice, in seconds
# Aim the generated cases at the demo charter, so they reach real versions, amendments,
# comments and questions rather than 404s (other tests cover unknown charters).
ON_DEMO = {"slug": "lampedusa", "key": "article-1-dignity"}


def on_demo(case):
    for name, value in ON_DEMO.items():
        if case.path_parameters and name in case.path_parameters:
            case.path_parameters[name] = value
    return case


@pytest.fixture
def demo_app(app):
    load_demo()
    db.session.commit()
    return app


@pytest.mark.parametrize("caller", ["public", "sherpa"])
def test_every_operation_keeps_to_the_document(demo_app, token_for, caller):
    headers = {}
    if caller == "sherpa":
        headers = bearer(token_for(user_by_email("sherpa.city@demo.charter.example.org")))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", demo_app)
    failures: list[str] = []
    operations = calls = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy().map(on_demo))
        def check(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            check()
        except Exception as error:  # noqa: BLE001 (collected, all reported below)
            failures.append(f"{operation.label}: {str(error)[:1500]}")
        db.session.rollback()
    assert operations >= 60 and calls >= 4 * operations
    assert not failures, f"{len(failures)} operations broke the document:\n\n" + "\n\n".join(
        failures
    )
