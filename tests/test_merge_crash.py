"""A gunicorn worker killed (SIGKILL: no cleanup of any kind) in the middle of a merge, its
version rows flushed but not committed, leaves the database as it was: on a SQLite file
(write-ahead log) and, in the PostgreSQL run, on PostgreSQL. Retried afterwards, the merge
goes through once.

The worker stops at the test-only pause of charter.testing, which the server's environment
arms (TESTING_PAUSE_MERGE_FILE)."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

from charter import testing
from charter.accounts.models import Notification
from charter.amendments.models import Amendment, State
from charter.api import tokens
from charter.drafting.models import MergeStep, Version
from charter.extensions import db
from tests.amendments.conftest import world  # noqa: F401 (a fixture)
from tests.conftest import ON_POSTGRES
from tests.drafting.test_merge import DIGNITY, EQUITY, MERGE, accepted, audit_actions
from tests.servers import Server, gunicorn

FIELD = re.compile(r'name="(csrf_token|idempotency_key)" type="hidden" value="([^"]+)"')


@pytest.fixture
def crashing(app, world, database_uri, tmp_path):  # noqa: F811
    """A real server on the test's database, whose next merge pauses, with two amendments
    accepted; yields the server, the pause's file, a browser signed in as the secretariat
    and the secretariat's API token."""
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    _token, secret = tokens.create(world.secretariat, "crash")
    db.session.commit()
    signed_in = app.test_client()  # a session cookie, as signing in would give
    with signed_in.session_transaction() as session:
        session["_user_id"] = world.secretariat.get_id()
        session["_fresh"] = True
    cookie = signed_in.get_cookie(app.config["SESSION_COOKIE_NAME"])
    marker = tmp_path / "merge-paused"
    with gunicorn(database_uri, **{testing.PAUSE_MERGE: str(marker)}) as server:
        browser = requests.Session()
        browser.cookies.set(cookie.key, cookie.value, domain="127.0.0.1", path="/")
        yield server, marker, browser, secret


def kill_inside_the_merge(server: Server, marker: Path, send: Callable[[], object]) -> object:
    """Send a merge, wait until its worker pauses inside the transaction, SIGKILL that worker,
    and wait for the one gunicorn starts instead; returns what the client got."""
    marker.unlink(missing_ok=True)  # the pause happens once per file
    got: list[object] = []

    def run() -> None:
        try:
            got.append(send())
        except requests.ConnectionError as error:
            got.append(error)

    client = threading.Thread(target=run)
    client.start()
    deadline = time.monotonic() + 20
    while not (marker.exists() and marker.read_text().isdigit()):
        assert time.monotonic() < deadline and client.is_alive(), f"no pause: {got}"
        time.sleep(0.02)
    worker = int(marker.read_text())
    assert worker != server.process.pid  # the worker, not gunicorn's arbiter
    os.kill(worker, signal.SIGKILL)
    client.join(20)
    # gunicorn itself lives on, with a new worker.
    assert requests.get(f"{server.url}/healthz", timeout=20).status_code == 200
    assert server.process.poll() is None
    return got[0]


def nothing_half_done(runner, database_uri: str, notifications: int) -> None:
    """The database is sound, its chains verify, and the merge left no trace."""
    if not ON_POSTGRES:
        path = database_uri.removeprefix("sqlite:///")
        with sqlite3.connect(path) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchall() == [("wal",)]
            assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        connection.close()
    verified = runner.invoke(args=["verify"])
    assert verified.exit_code == 0, verified.output
    assert "amend: 1 version(s), chain verified" in verified.output
    db.session.rollback()
    assert db.session.scalars(sa.select(Version.number)).all() == [1]
    assert db.session.execute(
        sa.select(Amendment.state, Amendment.merged_version_id).order_by(Amendment.number)
    ).all() == [(State.ACCEPTED, None), (State.ACCEPTED, None)]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MergeStep)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == notifications
    actions = audit_actions()
    assert "version.merge" not in actions and "amendment.merge" not in actions


def test_a_worker_killed_inside_a_merge_leaves_nothing_and_the_retry_merges_once(
    crashing, runner, database_uri
):
    server, marker, browser, secret = crashing
    notifications = db.session.scalar(sa.select(sa.func.count()).select_from(Notification))
    page = dict(FIELD.findall(browser.get(f"{server.url}{MERGE}").text))
    form = {
        "amendment": ["1", "2"],
        "order-1": "1",
        "order-2": "2",
        "head": "1",
        "note": "",
        "merge": "Create the new draft version",
        **page,
    }

    def send_form() -> requests.Response:
        return browser.post(f"{server.url}{MERGE}", data=form, allow_redirects=False, timeout=30)

    def send_api() -> requests.Response:
        return requests.post(
            f"{server.url}/api/v1/charters/amend/merges",
            json={"amendments": [1, 2], "expected_head": 1},
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": "after-a-crash"},
            timeout=30,
        )

    # Twice: killed in a merge from the page, then in one through the API.
    for send in (send_form, send_api):
        got = kill_inside_the_merge(server, marker, send)
        assert isinstance(got, requests.ConnectionError), got
        nothing_half_done(runner, database_uri, notifications)

    # The browser sends the page again (its key was never kept): merged, once.
    retried = send_form()
    assert retried.status_code == 302, retried.text
    assert retried.headers["Location"].endswith("/charters/amend/versions/2")
    again = send_form()  # and once more: the answer of the first
    assert again.status_code == 302
    shown = browser.get(f"{server.url}{again.headers['Location']}").text
    assert "This merge was sent twice: it was made once, as version 2." in shown

    verified = runner.invoke(args=["verify"])
    assert "amend: 2 version(s), chain verified" in verified.output
    db.session.rollback()
    assert db.session.scalars(sa.select(Version.number).order_by(Version.number)).all() == [1, 2]
    merged = db.session.execute(
        sa.select(Amendment.state, Version.number)
        .join(Version, Version.id == Amendment.merged_version_id)
        .order_by(Amendment.number)
    ).all()
    assert merged == [(State.MERGED, 2), (State.MERGED, 2)]
    actions = audit_actions()
    assert actions.count("amendment.merge") == 2 and actions.count("version.merge") == 1
