"""The API's frame: errors in one shape, tokens, and the OpenAPI document."""

import re

from charter.extensions import db
from tests.api.conftest import bearer
from tests.factories import make_charter, make_user, make_version


def test_errors_have_one_shape(client):
    for response, status, code in (
        (client.get("/api/v1/charters/nope"), 404, "not_found"),
        (client.get("/api/v1/no-such-thing"), 404, "not_found"),
        (client.delete("/api/v1/charters"), 405, "method_not_allowed"),
        (client.get("/api/v1/charters", headers=bearer("chr_wrong")), 401, "unauthorized"),
    ):
        assert response.status_code == status
        assert response.mimetype == "application/json"
        assert set(response.json["error"]) == {"code", "message", "details"}
        assert response.json["error"]["code"] == code
    assert client.delete("/api/v1/charters").headers["Allow"] == "GET, HEAD, OPTIONS"


def test_a_token_authenticates_reads_until_it_is_revoked(app, client, token_for):
    from charter.api import tokens
    from charter.api.models import ApiToken

    charter = make_charter("cities")
    make_version(charter, publish=False)
    secretariat = make_user("secretariat")
    secret = token_for(secretariat)
    assert client.get("/api/v1/charters/cities").status_code == 404  # only a draft
    answer = client.get("/api/v1/charters/cities", headers=bearer(secret))
    assert answer.status_code == 200 and answer.json["head"] == 1
    assert "Set-Cookie" not in answer.headers  # a token request never opens a session
    tokens.revoke(secretariat, db.session.scalar(db.select(ApiToken)))
    db.session.commit()
    assert client.get("/api/v1/charters/cities", headers=bearer(secret)).status_code == 401


def test_the_openapi_document_describes_every_operation(client):
    spec = client.get("/api/v1/openapi.json").json
    assert spec["openapi"] == "3.1.0"
    assert spec["paths"]["/api/v1/charters/{slug}"]["get"]["responses"]["200"]
    assert "CharterOut" in spec["components"]["schemas"]
    page = client.get("/api/v1/docs").text
    assert "GET /api/v1/charters/{slug}" in page and "<script" not in page


def test_a_session_cookie_never_authenticates_a_write(app, client, login_as):
    charter = make_charter("cities")
    make_version(charter)
    login_as(make_user("secretariat"))
    assert client.get("/api/v1/charters/cities").status_code == 200  # reads may use it
    refused = client.post("/api/v1/charters", json={})
    assert refused.status_code in (401, 405)
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api.") and rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            path = re.sub(
                r"<(?:\w+:)?(\w+)>", lambda m: "cities" if m[1] == "slug" else "1", rule.rule
            )
            for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
                response = client.open(path, method=method, json={})
                assert response.status_code == 401, (method, path)
