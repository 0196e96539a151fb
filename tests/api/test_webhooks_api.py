"""The secretariat's webhooks through the API: adding, listing, turning off, deleting, the
delivery log and retrying, and who may do it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from charter.accounts.models import User
from charter.audit import AuditEntry
from charter.drafting.models import Charter
from charter.extensions import db
from charter.webhooks import delivery, services
from charter.webhooks.models import FAILED, PENDING, WebhookDelivery
from tests.api.conftest import bearer
from tests.factories import make_charter, make_user

HOOKS = "/api/v1/charters/hooked/webhooks"
PUBLIC = "https://93.184.215.14/hooks?key=abc"  # an address literal: no DNS in the tests
CLOSED = "http://127.0.0.1:9/hook"  # nothing listens: a delivery fails at once


@dataclass
class Hooked:
    charter: Charter
    secretariat: User


@pytest.fixture
def hooked(app) -> Hooked:
    """A charter and its secretariat; webhooks may send to loopback unless a test says not."""
    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    return Hooked(make_charter("hooked"), make_user("secretariat", name="Sofia"))


@pytest.fixture
def secretariat(hooked, token_for) -> dict[str, str]:
    """The secretariat's token, as headers."""
    return bearer(token_for(hooked.secretariat))


def audit_actions() -> list[str]:
    rows = db.session.scalars(
        sa.select(AuditEntry.action)
        .where(AuditEntry.action.startswith("webhook."))
        .order_by(AuditEntry.id)
    )
    return list(rows)


def test_the_secretariat_adds_lists_turns_off_and_deletes_a_webhook(client, secretariat):
    created = client.post(
        HOOKS,
        json={"url": f" {PUBLIC} ", "events": ["stage.changed", "version.published"]},
        headers=secretariat,
    )
    assert created.status_code == 201, created.json
    webhook = created.json
    assert webhook["url"] == PUBLIC
    assert webhook["events"] == ["version.published", "stage.changed"]  # in the page's order
    assert webhook["active"] is True
    assert len(webhook["secret"]) == 64
    assert client.get(HOOKS, headers=secretariat).json == [webhook]
    again = client.post(
        HOOKS, json={"url": PUBLIC, "events": ["stage.changed"]}, headers=secretariat
    )
    assert again.status_code == 409

    url = f"{HOOKS}/{webhook['id']}"
    off = client.patch(url, json={"active": False}, headers=secretariat)
    assert off.status_code == 200
    assert off.json == webhook | {"active": False}
    assert client.patch(url, json={"active": True}, headers=secretariat).json["active"] is True
    assert client.delete(url, headers=secretariat).status_code == 204
    assert client.get(HOOKS, headers=secretariat).json == []
    assert client.delete(url, headers=secretariat).status_code == 404
    assert audit_actions() == [
        "webhook.create",
        "webhook.deactivate",
        "webhook.activate",
        "webhook.delete",
    ]


def test_only_the_secretariat_manages_webhooks(client, hooked, token_for):
    elsewhere = make_charter("elsewhere")
    webhook = services.create(hooked.secretariat, elsewhere, CLOSED, ["stage.changed"])
    mine = services.create(hooked.secretariat, hooked.charter, CLOSED, ["stage.changed"])
    db.session.commit()
    url = f"{HOOKS}/{mine.id}"
    for role in ("partner", "sherpa", "admin"):
        other = bearer(token_for(make_user(role)))
        assert client.get(HOOKS, headers=other).status_code == 403, role
        assert (
            client.post(HOOKS, json={"url": PUBLIC, "events": []}, headers=other).status_code == 403
        )
        assert client.patch(url, json={"active": False}, headers=other).status_code == 403, role
        assert client.delete(url, headers=other).status_code == 403, role
        assert client.get(f"{url}/deliveries", headers=other).status_code == 403, role
        assert client.post(f"{HOOKS}/deliveries/1/retry", headers=other).status_code == 403, role
    assert client.get(HOOKS).status_code == 401
    assert client.post(HOOKS, json={"url": PUBLIC, "events": ["stage.changed"]}).status_code == 401
    assert client.delete(url).status_code == 401
    # Another charter's webhook is not found through this one.
    secretariat = bearer(token_for(hooked.secretariat))
    assert client.delete(f"{HOOKS}/{webhook.id}", headers=secretariat).status_code == 404
    assert client.get(f"{HOOKS}/{webhook.id}/deliveries", headers=secretariat).status_code == 404
    assert [hook["id"] for hook in client.get(HOOKS, headers=secretariat).json] == [mine.id]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"url": "ftp://example.org/x", "events": ["stage.changed"]}, "url", "https://"),
        ({"url": "https://a b/", "events": ["stage.changed"]}, "url", "spaces"),
        ({"url": PUBLIC, "events": []}, "events", "at least one event"),
        ({"url": PUBLIC, "events": ["everything"]}, "events.0", None),
        ({"url": PUBLIC}, "events", None),
    ],
)
def test_bad_input_is_422_and_says_which_field(client, secretariat, body, field, says):
    response = client.post(HOOKS, json=body, headers=secretariat)
    assert response.status_code == 422
    error = response.json["error"]
    if says is None:  # the body's shape: pydantic's list of fields
        assert [problem["field"] for problem in error["details"]["fields"]] == [field]
    else:  # what the service checks, as the page says it
        assert error["details"] == {"field": field}
        assert says in error["message"]
    assert client.get(HOOKS, headers=secretariat).json == []


def test_a_private_address_is_refused_unless_allowed(app, client, secretariat):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    body = {"url": "http://169.254.169.254/latest/", "events": ["stage.changed"]}
    refused = client.post(HOOKS, json=body, headers=secretariat)
    assert refused.status_code == 422
    assert refused.json["error"]["details"] == {"field": "url"}
    assert "private" in refused.json["error"]["message"]
    assert client.get(HOOKS, headers=secretariat).json == []

    app.config["WEBHOOK_ALLOW_PRIVATE"] = True
    assert client.post(HOOKS, json=body, headers=secretariat).status_code == 201


def test_the_deliveries_come_page_by_page_and_a_failed_one_is_retried(client, hooked, secretariat):
    webhook = services.create(hooked.secretariat, hooked.charter, CLOSED, ["stage.changed"])
    for number in range(3):
        services.emit(hooked.charter, "stage.changed", {"number": number})
    db.session.commit()
    first, second, third = sorted(delivery.take_pending())  # not sent: the log is what matters here
    failed = db.session.get(WebhookDelivery, first)
    failed.status, failed.attempts, failed.last_status_code = FAILED, 6, 500
    db.session.commit()

    url = f"{HOOKS}/{webhook.id}/deliveries"
    page = client.get(f"{url}?limit=2", headers=secretariat).json
    assert [item["id"] for item in page["items"]] == [third, second]
    rest = client.get(f"{url}?limit=2&cursor={page['next_cursor']}", headers=secretariat).json
    assert rest["next_cursor"] is None
    [item] = rest["items"]
    assert (item["id"], item["status"], item["last_status_code"]) == (first, FAILED, 500)

    retry = f"{HOOKS}/deliveries/{first}/retry"
    retried = client.post(retry, headers=secretariat)
    assert retried.status_code == 200, retried.json
    assert retried.json["status"] == PENDING
    retried.close()  # the delivery is attempted once the answer has gone out
    db.session.expire_all()
    again = db.session.get(WebhookDelivery, first)
    assert (again.status, again.attempts) == (FAILED, 7)  # nothing listens there
    # Only a failed delivery is retried.
    assert client.post(f"{HOOKS}/deliveries/{second}/retry", headers=secretariat).status_code == 409
    assert client.post(f"{HOOKS}/deliveries/999999/retry", headers=secretariat).status_code == 404
