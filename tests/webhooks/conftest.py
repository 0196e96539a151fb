"""A loopback HTTP receiver, an app that may send to it, and a charter with its people."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from charter.accounts.models import User
from charter.drafting.models import Charter, Version
from charter.extensions import db
from charter.webhooks import services
from charter.webhooks.models import Webhook
from tests.factories import make_charter, make_council, make_user, make_version


@dataclass
class Received:
    """One request the receiver got."""

    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on loopback that records what it receives and answers `status`."""

    port: int = 0
    status: int = 204
    delay: float = 0.0  # seconds before answering
    requests: list[Received] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver():
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            time.sleep(state.delay)
            headers = {name.lower(): value for name, value in self.headers.items()}
            state.requests.append(Received(self.path, headers, body))
            self.send_response(state.status)
            if 300 <= state.status < 400:
                self.send_header("Location", state.url + "/moved")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def app(make_app):
    """The tests' app may send to the loopback receiver."""
    app = make_app(shared=True, WEBHOOK_ALLOW_PRIVATE=True, SITE_URL="https://charter.example.org")
    with app.app_context():
        yield app


@dataclass
class World:
    charter: Charter
    version: Version
    secretariat: User
    sherpa: User
    partner: User


@pytest.fixture
def world(app) -> World:
    """A published charter in its Policy Council session (amendments and review open)."""
    charter = make_charter("hooked", "Charter with webhooks")
    version = make_version(charter)
    council = make_council(charter, "Right to the City")
    charter.stage_position = 3
    db.session.commit()
    return World(
        charter=charter,
        version=version,
        secretariat=make_user("secretariat", name="Sofia"),
        sherpa=make_user("sherpa", name="Salvatore", councils=[council]),
        partner=make_user("partner", name="Priya"),
    )


def add_webhook(world: World, url: str, events=None) -> Webhook:
    """A webhook of the world's charter, committed."""
    from charter.webhooks.models import EVENTS

    webhook = services.create(world.secretariat, world.charter, url, events or EVENTS)
    db.session.commit()
    return webhook
