"""Events reach a real HTTP receiver on loopback, signed; failures are retried, then given up."""

from __future__ import annotations

import hashlib
import hmac
import shutil
import ssl
import subprocess
import threading
import urllib.error
import urllib.request
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from charter.amendments import services as amendments
from charter.drafting.models import utcnow
from charter.extensions import db
from charter.process import services as process
from charter.text.rebase import Operation
from charter.webhooks import delivery, services
from charter.webhooks.models import DELIVERED, FAILED, PENDING, WebhookDelivery
from tests.factories import DOCUMENT, make_version
from tests.webhooks.conftest import Received, add_webhook

CHANGE = Operation("modify", "article-1-dignity", "Every person is welcome, whatever their papers.")


def verified(request: Received, secret: str) -> dict:
    """The JSON body of a request, once its signature is checked as a receiver would."""
    expected = "sha256=" + hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-charter-signature"], expected)
    assert request.headers["content-type"] == "application/json"
    return request.json


def deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def advance(world) -> None:
    """Move the charter on, outside a request; then attempt as a request would after it."""
    process.advance(world.secretariat, world.charter)
    db.session.commit()
    delivery.deliver(delivery.take_pending())


def due_now(row: WebhookDelivery) -> None:
    """Let time pass until the delivery's next attempt."""
    row.next_attempt_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def propose(world, *, submit: bool):
    amendment = amendments.propose(
        world.sherpa,
        world.charter,
        world.version.number,
        [CHANGE],
        justification="Dignity does not depend on papers.",
        submit=submit,
    )
    db.session.commit()
    return amendment


def test_publishing_a_version_sends_a_signed_event(world, receiver, client, login_as):
    webhook = add_webhook(world, receiver.url)
    draft = make_version(world.charter, DOCUMENT + "\nA new paragraph.\n", publish=False)
    login_as(world.secretariat)
    response = client.post("/charters/hooked/versions/2/publish", follow_redirects=True)
    assert response.status_code == 200
    [request] = receiver.requests
    body = verified(request, webhook.secret)
    assert request.path == "/hook"
    assert request.headers["x-charter-event"] == "version.published"
    assert body["event"] == "version.published"
    assert body["charter"] == "hooked"
    assert body["occurred_at"].endswith("Z")
    assert body["data"] == {
        "number": 2,
        "digest": draft.digest,
        "url": "https://charter.example.org/charters/hooked/versions/2",
    }
    [row] = deliveries()
    assert request.headers["x-charter-delivery"] == str(row.id)
    assert (row.status, row.attempts, row.last_status_code) == (DELIVERED, 1, 204)
    assert row.delivered_at is not None and row.next_attempt_at is None


def test_advancing_the_stage_sends_where_from_and_where_to(world, receiver, client, login_as):
    webhook = add_webhook(world, receiver.url, ["stage.changed"])
    login_as(world.secretariat)
    response = client.post(
        "/charters/hooked/stages/advance",
        data={"advance-expected": 3, "advance-note": "To the Bureau"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    [request] = receiver.requests
    body = verified(request, webhook.secret)
    assert request.headers["x-charter-event"] == "stage.changed"
    assert body["data"]["from"] == {"position": 3, "name": "Policy Council session"}
    assert body["data"]["to"] == {"position": 4, "name": "Executive Bureau"}


def test_accepting_an_amendment_sends_its_new_state(world, receiver, client, login_as):
    propose(world, submit=True)  # before the webhook exists: only the review is sent
    webhook = add_webhook(world, receiver.url, ["amendment.state_changed"])
    login_as(world.secretariat)
    response = client.post(
        "/charters/hooked/amendments/1/review",
        data={"decision": "accept", "reason": "Clearer."},
    )
    assert response.status_code == 302
    assert receiver.requests == []  # never while the secretariat waits for the page
    response.close()  # the response is sent: now the delivery is attempted
    [request] = receiver.requests
    body = verified(request, webhook.secret)
    assert body["event"] == "amendment.state_changed"
    assert body["data"] == {
        "number": 1,
        "from": "submitted",
        "to": "accepted",
        "url": "https://charter.example.org/charters/hooked/amendments/1",
    }
    assert "Clearer" not in request.body.decode()  # the reason is for the author


def test_a_draft_amendment_is_never_sent_until_submitted(world, receiver):
    add_webhook(world, receiver.url)
    draft = propose(world, submit=False)
    amendments.withdraw(world.sherpa, draft, "Changed my mind")
    db.session.commit()
    assert deliveries() == []
    submitted = propose(world, submit=True)
    delivery.deliver(delivery.take_pending())
    [request] = receiver.requests
    assert request.json["data"]["number"] == submitted.number == 2
    assert (request.json["data"]["from"], request.json["data"]["to"]) == ("draft", "submitted")


def test_only_active_webhooks_subscribed_to_the_event_get_it(world, receiver):
    add_webhook(world, receiver.url, ["version.published"])
    off = add_webhook(world, receiver.url + "/off", ["stage.changed"])
    off.active = False
    db.session.commit()
    advance(world)
    assert deliveries() == [] and receiver.requests == []


def test_nothing_is_sent_for_a_change_rolled_back(world, receiver):
    add_webhook(world, receiver.url)
    process.advance(world.secretariat, world.charter)
    db.session.rollback()
    assert delivery.take_pending() == []
    assert deliveries() == []


def test_a_failed_attempt_is_retried_later_by_the_command(world, receiver, runner):
    webhook = add_webhook(world, receiver.url)
    receiver.status = 500
    advance(world)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        PENDING,
        1,
        500,
        "HTTP 500",
    )
    wait = row.next_attempt_at - utcnow()
    assert timedelta(seconds=50) < wait <= timedelta(minutes=1)
    assert "Delivered 0" in runner.invoke(args=["webhooks", "deliver"]).output  # not due yet
    assert len(receiver.requests) == 1

    receiver.status = 200
    due_now(row)
    result = runner.invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0
    assert "Delivered 1, to retry 0, failed 0." in result.output
    first, second = receiver.requests
    assert second.body == first.body  # the very same event, signed the same way
    assert second.headers["x-charter-delivery"] == first.headers["x-charter-delivery"]
    verified(second, webhook.secret)
    [row] = deliveries()
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == (
        DELIVERED,
        2,
        200,
        "",
    )


def test_a_delivery_fails_after_the_last_attempt(world, receiver):
    add_webhook(world, receiver.url)
    receiver.status = 503
    advance(world)
    waits = []
    for _ in range(delivery.MAX_ATTEMPTS - 1):
        [row] = deliveries()
        waits.append(round((row.next_attempt_at - utcnow()).total_seconds() / 60))
        due_now(row)
        delivery.deliver_due()
    assert waits == [1, 5, 30, 120, 720]
    [row] = deliveries()
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, 6, None)
    assert len(receiver.requests) == 6
    assert delivery.deliver_due().delivered == 0 and len(receiver.requests) == 6


def test_an_answer_other_than_2xx_is_not_a_delivery(world, receiver):
    add_webhook(world, receiver.url)
    for status in (302, 404):
        receiver.status = status
        receiver.requests.clear()
        advance(world)
        assert len(receiver.requests) == 1, status  # a redirect is not followed
        row = deliveries()[-1]
        assert (row.status, row.last_status_code) == (PENDING, status)


def test_a_delivery_claimed_by_one_runner_is_not_sent_by_another(world, receiver):
    add_webhook(world, receiver.url)
    process.advance(world.secretariat, world.charter)
    db.session.commit()
    [delivery_id] = delivery.take_pending()
    assert delivery._claim(delivery_id, utcnow()) == 1  # a runner took it
    assert delivery._claim(delivery_id, utcnow()) is None
    assert delivery.deliver_due().delivered == 0
    assert receiver.requests == []


def test_two_runners_at_once_send_each_delivery_once(world, receiver, app):
    add_webhook(world, receiver.url)
    for number in range(12):
        services.emit(world.charter, "stage.changed", {"n": number})
    db.session.commit()
    delivery.take_pending()  # left to the runners
    receiver.delay = 0.01  # so that the runners overlap

    def runner() -> None:
        with app.app_context():  # a session and connection of its own
            delivery.deliver_due()

    threads = [threading.Thread(target=runner) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    sent = sorted(int(request.headers["x-charter-delivery"]) for request in receiver.requests)
    assert sent == [row.id for row in deliveries()]
    assert {row.status for row in deliveries()} == {DELIVERED}


def test_the_address_is_checked_again_when_sending(world, receiver, app):
    add_webhook(world, receiver.url)
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False  # as if its name now led to loopback
    advance(world)
    assert receiver.requests == []
    [row] = deliveries()
    assert row.status == PENDING and row.attempts == 1
    assert "private or reserved network (127.0.0.1)" in row.last_error


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_https_goes_to_the_checked_address_and_still_verifies_the_name(tmp_path):
    """A delivery connects to the address the guard checked (no second DNS answer), while
    TLS checks the certificate against the host name of the webhook's address."""
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-keyout", tmp_path / "key.pem", "-out", tmp_path / "cert.pem"]
        + ["-subj", "/CN=hooks.example.test", "-addext", "subjectAltName=DNS:hooks.example.test"],
        check=True,
        capture_output=True,
    )
    hosts = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            hosts.append(self.headers["Host"])
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = tls.wrap_socket(server.socket, server_side=True)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()

    def post(host: str) -> int:
        handler = delivery._PinnedHTTPSHandler("127.0.0.1")  # the names do not even resolve
        handler._context = ssl.create_default_context(cafile=tmp_path / "cert.pem")
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), handler)
        request = urllib.request.Request(f"https://{host}:{port}/", data=b"{}", method="POST")
        with opener.open(request, timeout=5) as answer:
            return answer.status

    try:
        assert post("hooks.example.test") == 204
        assert hosts == [f"hooks.example.test:{port}"]
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            post("other.example.test")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
