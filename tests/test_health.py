"""Health checks answer without sign-in, and a real gunicorn serves them."""

import urllib.request

import sqlalchemy as sa
from flask_migrate import stamp

from charter.extensions import db
from tests.servers import gunicorn


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


def test_gunicorn_serves_healthz_with_the_repository_settings(database_uri):
    with gunicorn(database_uri) as server, urllib.request.urlopen(f"{server.url}/healthz") as r:
        assert r.status == 200
    assert server.process.returncode == 0, server.output.decode()
    # The access log (on only through gunicorn.conf.py), with the request time.
    assert b'"GET /healthz HTTP/1.1" 200' in server.output
    assert b"ms\n" in server.output
