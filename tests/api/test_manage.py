"""The API's management operations: moderation, questions, themes, stages, drafting,
translations, follows and administration, for a personal token."""

import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from charter.accounts.models import Invitation
from charter.audit import AuditEntry
from charter.consultation import services as comments
from charter.consultation.models import Follow, Theme
from charter.extensions import db
from tests.api.conftest import bearer

API = "/api/v1"
CHARTER = f"{API}/charters/consult"
MINE = ("charter.api.manage", "charter.api.drafting", "charter.api.admin")


def a_comment(world, author=None):
    comment = comments.comment_on_section(
        author or world.partner, world.charter, world.version, "article-1-dignity", "Too vague."
    )
    db.session.commit()
    return comment


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_secretariat_hides_a_flagged_comment_with_a_reason_and_restores_it(
    client, consultation, token_for
):
    comment = a_comment(consultation)
    url = f"{CHARTER}/comments/{comment.id}"
    sherpa = bearer(token_for(consultation.sherpa))
    flagged = client.post(f"{url}/flag", json={"reason": "Off topic."}, headers=sherpa)
    assert flagged.status_code == 201, flagged.json
    assert client.post(f"{url}/flag", json={}, headers=sherpa).status_code == 409  # once
    assert client.post(f"{url}/hide", json={"reason": "No."}, headers=sherpa).status_code == 403

    secretariat = bearer(token_for(consultation.secretariat))
    unsaid = client.post(f"{url}/hide", json={}, headers=secretariat)
    assert unsaid.status_code == 422
    assert unsaid.json["error"]["details"]["fields"][0]["field"] == "reason"
    assert client.post(f"{url}/hide", json={"reason": "  "}, headers=secretariat).status_code == 422
    hidden = client.post(f"{url}/hide", json={"reason": "Insulting."}, headers=secretariat)
    assert hidden.status_code == 200, hidden.json
    assert hidden.json | {"url": None} == {
        "id": comment.id,
        "state": "hidden",
        "hidden_reason": "Insulting.",
        "open_flags": 0,  # hiding deals with the flags
        "edited_at": None,
        "url": None,
    }
    restored = client.post(f"{url}/restore", headers=secretariat)
    assert restored.json["state"] == "live"
    assert client.post(f"{url}/restore", headers=secretariat).status_code == 409
    assert client.post(f"{url}/dismiss-flags", headers=secretariat).status_code == 409


def test_an_author_edits_then_deletes_their_own_comment(client, consultation, token_for):
    comment = a_comment(consultation)
    url = f"{CHARTER}/comments/{comment.id}"
    other = bearer(token_for(consultation.sherpa))
    assert client.patch(url, json={"body": "Mine now."}, headers=other).status_code == 403
    author = bearer(token_for(consultation.partner))
    edited = client.patch(url, json={"body": "Too vague: say who."}, headers=author)
    assert edited.status_code == 200 and edited.json["edited_at"] is not None
    assert edited.json["open_flags"] is None  # for moderators only
    assert client.delete(url, headers=other).status_code == 403
    assert client.delete(url, headers=author).status_code == 204
    assert client.delete(url, headers=author).status_code == 409


def test_the_secretariat_asks_closes_and_orders_guiding_questions(client, consultation, token_for):
    secretariat = bearer(token_for(consultation.secretariat))
    questions = f"{CHARTER}/questions"
    made = [
        client.post(questions, json={"text": text, "stage": 2}, headers=secretariat)
        for text in ("Who is welcome?", "What is a service?", "What is missing?")
    ]
    assert [answer.status_code for answer in made] == [201, 201, 201]
    first, _second, third = (answer.json for answer in made)
    assert (first["position"], first["stage"], first["open"]) == (1, 2, True)
    assert client.post(questions, json={"text": "?", "stage": 9}, headers=secretariat).json[
        "error"
    ]["details"] == {"field": "stage"}

    closed = client.post(f"{questions}/{first['id']}/close", headers=secretariat)
    assert closed.json["open"] is False
    anywhere = client.patch(f"{questions}/{first['id']}", json={"stage": None}, headers=secretariat)
    assert (anywhere.json["stage"], anywhere.json["text"]) == (None, "Who is welcome?")

    up = client.post(
        f"{questions}/{third['id']}/move", json={"direction": "up"}, headers=secretariat
    )
    assert up.json["position"] == 2
    top = client.post(f"{questions}/{third['id']}/move", json={"position": 1}, headers=secretariat)
    assert top.json["position"] == 1
    beyond = client.post(
        f"{questions}/{third['id']}/move", json={"position": 4}, headers=secretariat
    )
    assert beyond.status_code == 422
    both = {"direction": "down", "position": 2}
    assert (
        client.post(f"{questions}/{third['id']}/move", json=both, headers=secretariat).status_code
        == 422
    )
    sherpa = bearer(token_for(consultation.sherpa))
    assert client.post(questions, json={"text": "Mine?"}, headers=sherpa).status_code == 403


def test_a_theme_in_use_cannot_be_deleted_but_renamed(client, consultation, token_for):
    secretariat = bearer(token_for(consultation.secretariat))
    themes = f"{CHARTER}/themes"
    housing = client.post(themes, json={"name": "Housing"}, headers=secretariat)
    assert housing.status_code == 201
    assert client.post(themes, json={"name": "housing"}, headers=secretariat).status_code == 409
    unused = client.post(themes, json={"name": "Health"}, headers=secretariat).json
    theme_id = housing.json["id"]
    comment = a_comment(consultation)
    comment.themes = [db.session.get(Theme, theme_id)]
    db.session.commit()

    refused = client.delete(f"{themes}/{theme_id}", headers=secretariat)
    assert refused.status_code == 409 and "Rename it instead" in refused.json["error"]["message"]
    renamed = client.patch(f"{themes}/{theme_id}", json={"name": "Shelter"}, headers=secretariat)
    assert renamed.json == {"id": theme_id, "name": "Shelter"}
    assert client.delete(f"{themes}/{unused['id']}", headers=secretariat).status_code == 204
    assert client.delete(f"{themes}/{unused['id']}", headers=secretariat).status_code == 404


def test_the_secretariat_edits_stages_drafts_and_records_the_decision(
    client, consultation, token_for
):
    secretariat = bearer(token_for(consultation.secretariat))
    stage = client.patch(
        f"{CHARTER}/stages/2",
        json={"capabilities": ["comment", "propose", "edit"], "closes_at": "2999-01-01T10:00:00Z"},
        headers=secretariat,
    )
    assert stage.status_code == 200, stage.json
    assert stage.json["capabilities"] == ["comment", "propose", "edit"]
    assert (stage.json["name"], stage.json["closes_at"]) == (
        "Partner consultation",
        "2999-01-01T10:00:00Z",
    )
    backwards = {"opens_at": "3000-01-01T00:00:00"}
    assert (
        client.patch(f"{CHARTER}/stages/2", json=backwards, headers=secretariat).status_code == 422
    )

    change = {"kind": "modify", "section": "article-1-dignity", "text": "All are welcome."}
    preview = client.post(
        f"{CHARTER}/amendments/preview", json={"operations": [change]}, headers=secretariat
    )
    assert preview.status_code == 200, preview.json
    assert preview.json["head"] == 1 and preview.json["sections"][0]["key"] == "article-1-dignity"
    assert [1, "All are welcome"] in preview.json["sections"][0]["ops"]

    edit = {"operations": [change], "note": "Shorter.", "expected_head": 1}
    edited = client.post(f"{CHARTER}/draft/edits", json=edit, headers=secretariat)
    assert edited.status_code == 201, edited.json
    assert edited.json["number"] == 2
    assert client.post(f"{CHARTER}/draft/edits", json=edit, headers=secretariat).status_code == 409

    decision = f"{CHARTER}/versions/2/decision"
    unsaid = client.post(decision, json={"decision": "returned"}, headers=secretariat)
    assert unsaid.status_code == 422
    adopted = client.post(decision, json={"decision": "adopted"}, headers=secretariat)
    assert adopted.status_code == 201 and adopted.json["version"] == 2

    back = client.post(f"{CHARTER}/stage/back", json={"expected_position": 2}, headers=secretariat)
    assert (back.status_code, back.json["position"]) == (200, 1)
    again = client.post(f"{CHARTER}/stage/back", json={"expected_position": 2}, headers=secretariat)
    assert again.status_code == 409
    partner = bearer(token_for(consultation.partner))
    assert client.post(decision, json={"decision": "adopted"}, headers=partner).status_code == 403


def test_a_translation_put_through_the_api_is_read_on_the_public_page(
    app, client, consultation, token_for
):
    secretariat = bearer(token_for(consultation.secretariat))
    url = f"{CHARTER}/versions/1/translations/es/article-1-dignity"
    spanish = {"heading": "Artículo 1 — Dignidad", "body": "Toda persona es bienvenida."}
    saved = client.put(url, json=spanish, headers=secretariat)
    assert saved.status_code == 200, saved.json
    assert saved.json["url"].endswith("/charters/consult/versions/1?lang=es#article-1-dignity")
    page = app.test_client().get("/charters/consult", headers={"Accept-Language": "es"}).text
    assert "Artículo 1 — Dignidad" in page and "Toda persona es bienvenida." in page

    partner = bearer(token_for(consultation.partner))
    assert client.put(url, json=spanish, headers=partner).status_code == 404  # hidden from them
    own = f"{CHARTER}/versions/1/translations/en/article-1-dignity"
    assert client.put(own, json=spanish, headers=secretariat).status_code == 404
    assert (
        client.put(url, json={"heading": "", "body": "x"}, headers=secretariat).status_code == 422
    )


def test_people_follow_and_unfollow_what_they_may_see(client, consultation, token_for):
    partner = bearer(token_for(consultation.partner))
    follows = f"{CHARTER}/follows"
    section = {"kind": "section", "ref": "article-1-dignity"}
    followed = client.post(follows, json=section, headers=partner)
    assert followed.status_code == 201
    assert followed.json["url"].endswith("/charters/consult/sections/article-1-dignity")
    assert client.post(follows, json=section, headers=partner).status_code == 201  # still one
    assert count(Follow) == 1
    for nowhere in ({"kind": "amendment", "ref": "7"}, {"kind": "question", "ref": "²"}):
        assert client.post(follows, json=nowhere, headers=partner).status_code == 404
    assert (
        client.post(follows, json={"kind": "vote", "ref": "1"}, headers=partner).status_code == 422
    )
    assert client.delete(follows, query_string=section, headers=partner).status_code == 204
    assert count(Follow) == 0
    assert client.delete(follows, headers=partner).status_code == 400


def test_the_secretariat_manages_people_invitations_and_councils(client, consultation, token_for):
    person = f"{API}/users/{consultation.partner.id}"
    sherpa = bearer(token_for(consultation.sherpa))
    assert client.get(person, headers=sherpa).status_code == 403
    assert client.patch(person, json={"role": "sherpa"}, headers=sherpa).status_code == 403
    secretariat = bearer(token_for(consultation.secretariat))
    council = client.post(
        f"{API}/councils", json={"charter": "consult", "name": "Housing"}, headers=secretariat
    )
    assert council.status_code == 201, council.json
    council_id = council.json["id"]
    renamed = client.patch(
        f"{API}/councils/{council_id}", json={"description": "Homes."}, headers=secretariat
    )
    assert renamed.json == {
        "id": council_id,
        "charter": "consult",
        "name": "Housing",
        "description": "Homes.",
    }

    promoted = client.patch(
        person, json={"role": "sherpa", "councils": [council_id]}, headers=secretariat
    )
    assert promoted.status_code == 200, promoted.json
    assert (promoted.json["role"], promoted.json["councils"]) == ("sherpa", [council_id])
    assert client.get(person, headers=secretariat).json["role"] == "sherpa"
    assert client.patch(person, json={"role": "admin"}, headers=secretariat).status_code == 403
    assert client.patch(person, json={"councils": [99]}, headers=secretariat).status_code == 422
    me = f"{API}/users/{consultation.secretariat.id}"
    assert client.patch(me, json={"active": False}, headers=secretariat).status_code == 409

    invited = client.post(
        f"{API}/invitations",
        json={"email": "Nadia@Example.org", "role": "advisor", "councils": [council_id]},
        headers=secretariat,
    )
    assert invited.status_code == 201, invited.json
    assert (invited.json["email"], invited.json["state"]) == ("nadia@example.org", "pending")
    invitation_id = invited.json["id"]
    revoked = client.post(f"{API}/invitations/{invitation_id}/revoke", headers=secretariat)
    assert revoked.json["state"] == "revoked"
    assert (
        client.post(f"{API}/invitations/{invitation_id}/revoke", headers=secretariat).status_code
        == 409
    )
    assert count(Invitation) == 1
    odd = {"email": "not an address", "role": "advisor"}
    assert client.post(f"{API}/invitations", json=odd, headers=secretariat).status_code == 422


def my_routes(app):
    """Every operation of these modules, with placeholder values for its path."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not rule.endpoint.startswith("api.") or view.__module__ not in MINE:
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "consult"
            for name in rule.arguments
        }
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, rule.build(values)[1]


def test_anonymous_callers_get_401_on_every_operation(app, client, consultation):
    routes = list(my_routes(app))
    assert len(routes) == 28
    logged = count(AuditEntry)
    for method, path in routes:
        response = client.open(path, method=method, json={})
        assert response.status_code == 401, (method, path)
    assert count(AuditEntry) == logged


def test_odd_input_is_refused_never_a_server_error(client, consultation, token_for):
    secretariat = bearer(token_for(consultation.secretariat))
    huge = 2**80
    for method, path, body in (
        ("POST", f"{CHARTER}/questions", {"text": "Why?", "stage": huge}),
        ("POST", f"{CHARTER}/questions", {"text": "Why\x00?"}),
        ("POST", f"{CHARTER}/questions/{huge}/move", {"position": 1}),
        ("PATCH", f"{CHARTER}/stages/2", {"opens_at": "9999-12-31T23:59:59-05:00"}),
        ("PATCH", f"{CHARTER}/stages/2", {"capabilities": ["fly"]}),
        ("PATCH", f"{CHARTER}/stages/2", {"name": "x" * 121}),
        ("POST", f"{CHARTER}/draft/edits", {"operations": [], "note": "x", "expected_head": 1}),
        ("POST", f"{API}/councils", {"charter": "consult", "name": "x" * 500}),
        ("POST", f"{API}/councils", {"charter": "nowhere", "name": "X"}),
        ("PATCH", f"{API}/users/1", {"councils": [huge]}),
        ("POST", f"{API}/charters/%00/themes", {"name": "X"}),
        ("POST", f"{CHARTER}/follows", {"kind": "section", "ref": "a" * 81}),
        ("POST", f"{CHARTER}/themes", ["a list"]),
    ):
        response = client.open(path, method=method, json=body, headers=secretariat)
        assert 400 <= response.status_code < 500, (method, path, body, response.status_code)
        assert set(response.json["error"]) == {"code", "message", "details"}
    assert count(Theme) == 0
