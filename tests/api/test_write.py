"""Writing through the API: the pages' use cases for a personal token, one transaction each."""

import sqlalchemy as sa
from werkzeug.routing import IntegerConverter

from charter.amendments.models import Amendment, State
from charter.audit import AuditEntry
from charter.consultation.models import GuidingQuestion, Theme
from charter.drafting.models import Version
from charter.extensions import db
from tests.amendments import conftest as amendments
from tests.api.conftest import bearer
from tests.factories import make_charter

API = "/api/v1"
PROPOSE = f"{API}/charters/amend/amendments"
MERGE = f"{API}/charters/amend/merges"
world = amendments.world  # the fixture: a charter in its Policy Council session, and its people
ACCEPT = {"decision": "accept", "reason": "Clear, and it fits the draft."}


def change(text="Every person is welcome, whatever their status.", **extra) -> dict:
    """A proposal to change Article 1 of the world's version 1."""
    return {
        "base_version": 1,
        "operations": [{"kind": "modify", "section": "article-1-dignity", "text": text}],
        "justification": "Dignity does not depend on papers.",
        **extra,
    }


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def state(number: int) -> State:
    db.session.expire_all()
    return db.session.scalar(sa.select(Amendment.state).where(Amendment.number == number))


def test_an_amendment_goes_from_proposal_to_a_published_version(client, world, token_for):
    author, cosigner, secretariat = (
        bearer(token_for(user)) for user in (world.author, world.cosigner, world.secretariat)
    )
    draft = client.post(PROPOSE, json=change(), headers=author)
    assert draft.status_code == 201, draft.json
    assert (draft.json["number"], draft.json["state"]) == (1, "draft")
    assert draft.json["url"].endswith("/charters/amend/amendments/1")
    first = f"{API}/amendments/{draft.json['id']}"
    assert client.post(f"{first}/submit", headers=author).json["state"] == "submitted"
    assert client.post(f"{first}/endorse", headers=cosigner).json["endorsements"] == 1
    second = client.post(
        PROPOSE,
        json={
            "base_version": 1,
            "operations": [{"kind": "delete", "section": "article-2-equity"}],
            "justification": "Said in Article 1 already.",
            "submit": True,
        },
        headers=author,
    ).json
    for amendment in (first, f"{API}/amendments/{second['id']}"):
        reviewed = client.post(f"{amendment}/review", json=ACCEPT, headers=secretariat)
        assert reviewed.json["state"] == "accepted"

    merged = client.post(MERGE, json={"amendments": [1], "expected_head": 1}, headers=secretariat)
    assert merged.status_code == 201, merged.json
    assert (merged.json["number"], merged.json["published"]) == (2, False)
    late = client.post(MERGE, json={"amendments": [2], "expected_head": 1}, headers=secretariat)
    assert late.status_code == 409 and late.json["error"]["code"] == "conflict"
    assert count(Version) == 2 and state(1) is State.MERGED and state(2) is State.ACCEPTED

    published = client.post(f"{API}/charters/amend/versions/2/publish", headers=secretariat)
    assert published.status_code == 200 and published.json["published"]
    assert client.get(f"{API}/charters/amend").json["latest_published"] == 2
    again = client.post(f"{API}/charters/amend/versions/2/publish", headers=secretariat)
    assert again.status_code == 409


def test_only_the_secretariat_reviews(client, world, token_for):
    submitted = client.post(
        PROPOSE, json=change(submit=True), headers=bearer(token_for(world.author))
    )
    review = f"{API}/amendments/{submitted.json['id']}/review"
    refused = client.post(review, json=ACCEPT, headers=bearer(token_for(world.cosigner)))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    # Partners may not read amendments at all: to them it does not exist, as on the pages.
    hidden = client.post(review, json=ACCEPT, headers=bearer(token_for(world.partner)))
    assert hidden.status_code == 404
    assert state(1) is State.SUBMITTED


def test_an_author_edits_from_the_revision_seen_and_cosigners_change_their_minds(
    client, world, token_for
):
    author, cosigner = bearer(token_for(world.author)), bearer(token_for(world.cosigner))
    created = client.post(PROPOSE, json=change(), headers=author).json
    amendment = f"{API}/amendments/{created['id']}"
    assert client.patch(amendment, json={"revision": 1}, headers=cosigner).status_code == 404
    edited = client.patch(
        amendment, json={"revision": created["revision"], "title": "Welcome"}, headers=author
    )
    assert edited.status_code == 200 and edited.json["title"] == "Welcome"
    assert edited.json["revision"] == created["revision"] + 1
    stale = client.patch(
        amendment, json={"revision": created["revision"], "title": "Old"}, headers=author
    )
    assert stale.status_code == 409
    operations = [{"kind": "move", "section": "article-2-equity", "after": None}]
    moved = client.patch(
        amendment,
        json={"revision": edited.json["revision"], "operations": operations},
        headers=author,
    )
    assert moved.status_code == 200, moved.json
    assert [op.kind for op in db.session.get(Amendment, created["id"]).operations] == ["move"]

    client.post(f"{amendment}/submit", headers=author)
    assert client.post(f"{amendment}/endorse", headers=cosigner).json["endorsements"] == 1
    retracted = client.delete(f"{amendment}/endorsement", headers=cosigner)
    assert retracted.status_code == 200 and retracted.json["endorsements"] == 0
    assert client.delete(f"{amendment}/endorsement", headers=cosigner).status_code == 409
    withdrawn = client.post(f"{amendment}/withdraw", json={"reason": "Too soon."}, headers=author)
    assert withdrawn.json["state"] == "withdrawn"


def test_people_comment_answer_and_reply(client, world, token_for):
    question = GuidingQuestion(charter_id=world.charter.id, position=1, text="Who is left out?")
    housing = Theme(charter_id=world.charter.id, name="Housing")
    db.session.add_all([question, housing])
    db.session.commit()
    partner, sherpa = bearer(token_for(world.partner)), bearer(token_for(world.author))
    annotation = client.post(
        f"{API}/charters/amend/sections/article-1-dignity/comments",
        json={"body": "Say *everyone*.", "quote": "welcome in the city", "themes": [housing.id]},
        headers=partner,
    )
    assert annotation.status_code == 201, annotation.json
    assert annotation.json["kind"] == "annotation"
    assert annotation.json["url"].endswith(f"/charters/amend/comments/{annotation.json['id']}")
    answer = client.post(
        f"{API}/charters/amend/questions/{question.id}/answers",
        json={"body": "People without papers."},
        headers=partner,
    )
    assert answer.status_code == 201 and answer.json["kind"] == "answer"
    reply = client.post(
        f"{API}/charters/amend/comments/{answer.json['id']}/replies",
        json={"body": "And their children."},
        headers=sherpa,
    )
    assert reply.status_code == 201 and reply.json["kind"] == "answer"
    amendment = client.post(PROPOSE, json=change(submit=True), headers=sherpa).json
    discussion = f"{API}/amendments/{amendment['id']}/comments"
    said = client.post(discussion, json={"body": "Co-signing soon."}, headers=sherpa)
    assert said.status_code == 201 and said.json["kind"] == "amendment"
    assert client.post(discussion, json={"body": "Me too?"}, headers=partner).status_code == 404
    nowhere = client.post(
        f"{API}/charters/amend/sections/no-such-section/comments",
        json={"body": "Lost."},
        headers=partner,
    )
    assert nowhere.status_code == 404


def test_the_secretariat_moves_the_stage_from_the_one_it_saw(client, world, token_for):
    secretariat = bearer(token_for(world.secretariat))
    advance = f"{API}/charters/amend/stage/advance"
    moved = client.post(
        advance, json={"expected_position": 3, "note": "Done."}, headers=secretariat
    )
    assert moved.status_code == 200, moved.json
    assert (moved.json["position"], moved.json["name"]) == (4, "Executive Bureau")
    assert (
        client.post(advance, json={"expected_position": 3}, headers=secretariat).status_code == 409
    )
    sherpa = bearer(token_for(world.author))
    assert client.post(advance, json={"expected_position": 4}, headers=sherpa).status_code == 403


def write_routes(app):
    """Every write of the API, with placeholder values for its path."""
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not rule.endpoint.startswith("api.") or not methods:
            continue
        values = {
            name: 1 if isinstance(rule._converters[name], IntegerConverter) else "x"
            for name in rule.arguments
        }
        for method in sorted(methods):
            yield method, rule.build(values)[1]


def test_every_write_takes_a_token_never_a_session(app, client, login_as, world):
    routes = list(write_routes(app))
    assert len(routes) >= 14
    logged = count(AuditEntry)
    for method, path in routes:
        anonymous = client.open(path, method=method, json={})
        assert anonymous.status_code == 401, (method, path)
        assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    login_as(world.secretariat)
    for method, path in routes:
        assert client.open(path, method=method, json={}).status_code == 401, (method, path)
    assert count(AuditEntry) == logged


def test_a_bad_request_is_refused_whole(client, world, token_for):
    author = bearer(token_for(world.author))
    logged = count(AuditEntry)
    garbled = client.post(
        PROPOSE, data='{"base_version": 1,', headers={**author, "Content-Type": "application/json"}
    )
    assert garbled.status_code == 400 and garbled.json["error"]["code"] == "bad_request"
    assert client.post(PROPOSE, data="base_version=1", headers=author).status_code == 415
    wrong = client.post(
        PROPOSE,
        json={**change(), "operations": [{"kind": "rewrite", "section": "x"}], "colour": "red"},
        headers=author,
    )
    assert wrong.status_code == 422 and wrong.json["error"]["code"] == "invalid"
    fields = {problem["field"] for problem in wrong.json["error"]["details"]["fields"]}
    assert {"operations.0.kind", "colour"} <= fields
    unsaid = client.post(PROPOSE, json=change(justification="  "), headers=author)
    assert unsaid.status_code == 422
    assert "justification is required" in unsaid.json["error"]["message"]
    assert client.post(PROPOSE, json=change(text="a\x00b"), headers=author).status_code == 422
    stale = client.post(PROPOSE, json=change(base_version=7), headers=author)
    assert stale.status_code == 409
    elsewhere = Theme(charter_id=make_charter("elsewhere").id, name="Health")
    db.session.add(elsewhere)
    db.session.commit()
    foreign = client.post(PROPOSE, json=change(themes=[elsewhere.id]), headers=author)
    assert foreign.status_code == 422
    assert foreign.json["error"]["details"]["fields"][0]["field"] == "themes"
    assert count(Amendment) == 0 and count(AuditEntry) == logged
