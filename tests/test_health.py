"""Health checks answer without sign-in, and a real gunicorn serves them."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import sqlalchemy as sa
from flask_migrate import stamp

from charter.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def test_healthz_is_ok_when_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers


def test_healthz_is_unavailable_when_the_database_is_unreachable(make_app):
    app = make_app(SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none")
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "OperationalError"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_waits_for_the_latest_migration(app, client):
    # The test schema comes from create_all: no migration recorded.
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["status"] == "unavailable"
    assert response.json["schema"].startswith("at none, expected ")
    stamp()
    try:
        response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json == {"status": "ok"}
        assert response.headers["Cache-Control"] == "no-store"
        assert "Set-Cookie" not in response.headers
    finally:
        # PostgreSQL test databases outlive the test, and only the models' tables are emptied.
        db.session.execute(sa.text("DROP TABLE alembic_version"))
        db.session.commit()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_serves_healthz_with_the_repository_settings(database_uri):
    port = free_port()
    env = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": database_uri,
        "SECRET_KEY": "test-secret-key",
    }
    env.pop("REDIS_URL", None)
    server = subprocess.Popen(  # gunicorn.conf.py is found in the working directory
        [sys.executable, "-m", "gunicorn", "charter:create_app()"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        status = None
        while status != 200 and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        assert status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            output, _ = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.communicate()
            raise
    assert server.returncode == 0, output.decode()
    # The access log (on only through gunicorn.conf.py), with the request time.
    assert b'"GET /healthz HTTP/1.1" 200' in output
    assert b"ms\n" in output
