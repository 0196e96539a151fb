"""The secretariat's webhooks page: who sees it, adding, turning off, deleting, retrying."""

from __future__ import annotations

import sqlalchemy as sa

from charter.audit import AuditEntry
from charter.extensions import db
from charter.webhooks import delivery, services
from charter.webhooks.models import DELIVERED, FAILED, Webhook, WebhookDelivery
from tests.factories import make_charter, make_user
from tests.webhooks.conftest import add_webhook

PAGE = "/charters/hooked/webhooks"


def audit_actions() -> list[tuple[str, str, str]]:
    rows = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action.startswith("webhook.")).order_by("id")
    )
    return [(row.action, row.before, row.after) for row in rows]


def webhooks() -> list[Webhook]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Webhook).order_by(Webhook.id)))


def test_only_the_secretariat_may_open_the_page_or_change_webhooks(world, client, login_as):
    webhook = add_webhook(world, "http://127.0.0.1:9/hook")
    for role in ("partner", "sherpa", "admin"):
        login_as(make_user(role))
        assert client.get(PAGE).status_code == 403, role
        assert client.post(PAGE, data={"url": "http://127.0.0.1:9/x"}).status_code == 403, role
        assert client.post(f"{PAGE}/{webhook.id}/delete").status_code == 403, role
        page = client.get("/charters/hooked").get_data(as_text=True)
        assert PAGE not in page, role  # no tab either
    assert len(webhooks()) == 1


def test_signed_out_visitors_are_sent_to_sign_in(world, client):
    assert client.get(PAGE).status_code == 302
    assert "/login" in client.get(PAGE).location


def test_the_secretariat_adds_a_webhook_and_sees_its_secret(world, client, login_as):
    login_as(world.secretariat)
    assert f'href="{PAGE}"' in client.get("/charters/hooked").get_data(as_text=True)
    response = client.post(
        PAGE,
        data={
            "url": "https://93.184.215.14/hooks/token-in-path?key=abc",
            "events": ["version.published", "stage.changed"],
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    [webhook] = webhooks()
    assert webhook.event_list == ["version.published", "stage.changed"]
    assert webhook.created_by_id == world.secretariat.id
    page = response.get_data(as_text=True)
    assert "https://93.184.215.14/hooks/token-in-path?key=abc" in page
    assert webhook.secret in page
    assert "A version is published" in page
    # The log names the host only: a receiver's token often sits in its address.
    assert audit_actions() == [
        ("webhook.create", "", "https://93.184.215.14 (version.published, stage.changed)")
    ]


BAD_INPUT = [
    ({"url": "https://93.184.215.14/hook"}, "Choose at least one event."),
    ({"url": "ftp://example.org/x", "events": "stage.changed"}, "must start with https://"),
    ({"url": "http://169.254.169.254/latest/", "events": "stage.changed"}, "private"),
    ({"url": "https://93.184.215.14/hook", "events": "everything"}, "not a valid choice"),
]


def test_bad_input_keeps_the_text_and_says_why(world, client, login_as, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    login_as(world.secretariat)
    for data, message in BAD_INPUT:
        response = client.post(PAGE, data=data)
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert message in page, data
        assert f'value="{data["url"]}"' in page, data
    assert webhooks() == []


def test_the_secretariat_turns_a_webhook_off_and_on_and_deletes_it(world, client, login_as):
    webhook = add_webhook(world, "http://127.0.0.1:9/hook")
    login_as(world.secretariat)
    assert client.post(f"{PAGE}/{webhook.id}/deactivate").status_code == 302
    assert webhooks()[0].active is False
    assert "Turn on" in client.get(PAGE).get_data(as_text=True)
    assert client.post(f"{PAGE}/{webhook.id}/activate").status_code == 302
    assert webhooks()[0].active is True
    services.emit(world.charter, "stage.changed", {})
    db.session.commit()
    delivery.take_pending()  # left pending: it goes with the webhook
    assert client.post(f"{PAGE}/{webhook.id}/delete").status_code == 302
    assert webhooks() == []
    assert db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))) == 0
    assert [action for action, _before, _after in audit_actions()] == [
        "webhook.create",
        "webhook.deactivate",
        "webhook.activate",
        "webhook.delete",
    ]


def test_another_charters_webhook_is_not_found_here(world, client, login_as):
    other = make_charter("other")
    elsewhere = services.create(world.secretariat, other, "http://127.0.0.1:9/", ["stage.changed"])
    db.session.commit()
    login_as(world.secretariat)
    assert client.post(f"{PAGE}/{elsewhere.id}/delete").status_code == 404
    assert client.post(f"{PAGE}/deliveries/1/retry").status_code == 404
    assert len(webhooks()) == 1


def test_the_log_shows_a_failed_delivery_and_retry_now_sends_it(world, receiver, client, login_as):
    add_webhook(world, receiver.url)
    services.emit(world.charter, "stage.changed", {"example": True})
    db.session.commit()
    [delivery_id] = delivery.take_pending()
    row = db.session.get(WebhookDelivery, delivery_id)
    row.status, row.attempts, row.last_status_code, row.last_error = FAILED, 6, 500, "HTTP 500"
    row.next_attempt_at = None
    db.session.commit()
    login_as(world.secretariat)
    page = client.get(PAGE).get_data(as_text=True)
    assert "failed" in page and "HTTP 500" in page and "Retry now" in page

    response = client.post(f"{PAGE}/deliveries/{delivery_id}/retry", follow_redirects=True)
    assert response.status_code == 200
    [request] = receiver.requests
    assert request.headers["x-charter-delivery"] == str(delivery_id)
    db.session.expire_all()
    row = db.session.get(WebhookDelivery, delivery_id)
    assert (row.status, row.attempts) == (DELIVERED, 7)
    assert audit_actions()[-1] == ("webhook.retry", f"delivery {delivery_id}: failed", "pending")
    # A delivery that did not fail is not retried.
    assert client.post(f"{PAGE}/deliveries/{delivery_id}/retry").status_code == 409
