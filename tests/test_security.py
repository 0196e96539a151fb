"""Security properties that hold for every route, not one feature at a time."""

import pytest
from werkzeug.routing import IntegerConverter

from tests.factories import make_charter, make_council, make_user

PASSWORD = "a long enough passphrase"


def post_routes(app):
    """Every route that accepts POST, with placeholder values for its arguments."""
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods:
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
            for name in rule.arguments
        }
        yield rule.build(values)[1]


def test_there_are_state_changing_routes_to_check(app):
    assert len(list(post_routes(app))) >= 8


def test_every_post_route_refuses_a_request_without_a_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        admin = make_user("admin", email="admin@example.org", password=PASSWORD)
        make_council(make_charter())
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = admin.get_id()
        checked = []
        for path in post_routes(app):
            if path.endswith("/one-click"):
                continue  # RFC 8058 one-click unsubscribe: its signed token stands for CSRF
            if path.startswith("/api/"):
                continue  # the API: no cookie authenticates a write (tests/api/test_write.py)
            response = client.post(path, data={"email": "x@example.org", "name": "X"})
            assert response.status_code == 400, path
            assert "did not come from this site" in response.get_data(as_text=True)
            checked.append(path)
        assert "/login" in checked and "/admin/invitations" in checked


def test_no_form_is_exempt_from_csrf(app):
    from charter.extensions import csrf

    # Only mail clients' one-click unsubscribe (RFC 8058), which carries a signed token.
    assert csrf._exempt_views == {"charter.notifications_views.one_click"}
    # And the JSON API, where a cookie never authenticates a write (tests/api prove it).
    assert {getattr(bp, "name", bp) for bp in csrf._exempt_blueprints} == {"api"}


@pytest.mark.parametrize("path", ["/", "/login", "/charters/nope", "/admin/users"])
def test_every_response_carries_the_security_headers(client, app, path):
    headers = client.get(path).headers
    policy = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ):
        assert directive in policy
    assert "unsafe-inline" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_sign_in_limits_count_in_redis_across_two_app_instances(make_app, redis_url):
    url = redis_url
    first = make_app(RATELIMIT_STORAGE_URI=url, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    with first.app_context():
        make_user("partner", email="shared@example.org", password=PASSWORD)
        for _ in range(3):
            response = first.test_client().post(
                "/login", data={"email": "shared@example.org", "password": "wrong password!"}
            )
            assert response.status_code == 401
    second = make_app(RATELIMIT_STORAGE_URI=url, LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    with second.app_context():
        response = second.test_client().post(
            "/login", data={"email": "shared@example.org", "password": PASSWORD}
        )
        assert response.status_code == 429


def test_nul_characters_in_addresses_are_refused_not_crashing(client):
    assert client.get("/charters/%00").status_code == 404
    assert client.get("/api/v1/charters/x%00y").json["error"]["code"] == "not_found"


def test_the_visitors_address_comes_from_the_proxy_only_when_one_is_configured(make_app):
    from flask import request

    def seen(app) -> str:
        app.add_url_rule("/whoami-test", "whoami_test", lambda: request.remote_addr)
        return (
            app.test_client()
            .get(
                "/whoami-test",
                headers={"X-Forwarded-For": "203.0.113.7"},
                environ_base={"REMOTE_ADDR": "10.0.0.2"},
            )
            .text
        )

    assert seen(make_app()) == "10.0.0.2"  # a forged header is not believed
    assert seen(make_app(PROXY_COUNT=1)) == "203.0.113.7"
