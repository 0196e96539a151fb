"""A merge sent twice (a double click, a retry after a timeout) is made once: the merge page
and the API carry a key, kept with the version the merge made."""

from __future__ import annotations

import re
import threading

import pytest
import sqlalchemy as sa

from charter.amendments.models import Amendment, State
from charter.api import tokens
from charter.drafting import idempotency, merge, queries
from charter.drafting.models import Version
from charter.extensions import db
from tests.api.conftest import bearer
from tests.drafting.test_merge import (
    DIGNITY,
    EQUITY,
    MERGE,
    accepted,
    audit_actions,
    merge_form,
    versions,
)

API_MERGE = "/api/v1/charters/amend/merges"
KEY = re.compile(r'name="idempotency_key" type="hidden" value="([^"]*)"')
SENT_TWICE = "This merge was sent twice: it was made once, as version 2."
OTHER_MERGE = "This merge key was used already for a different merge: review the draft again."
STALE = "The draft changed while you were working on it: review it again."
BAD_KEY = "The merge key of this request is not valid"


@pytest.fixture
def two_accepted(world):
    accepted(world, DIGNITY, "welcome", "warmly welcome")
    accepted(world, EQUITY, "open to all residents", "open to every resident")
    return world


@pytest.fixture
def token(two_accepted) -> dict[str, str]:
    """The secretariat's API token, as request headers."""
    _token, secret = tokens.create(two_accepted.secretariat, "merges")
    db.session.commit()
    return bearer(secret)


def page_key(client) -> str:
    """The key of the merge page as the browser gets it."""
    return KEY.search(client.get(MERGE).get_data(as_text=True)).group(1)


def merged_once(numbers: list[int], version: int = 2) -> None:
    """Each of these amendments is merged, once, into that version, and nothing else is."""
    db.session.expire_all()
    for number in numbers:
        amendment = db.session.scalar(sa.select(Amendment).where(Amendment.number == number))
        assert amendment.state is State.MERGED
        assert amendment.merged_version.number == version
    actions = audit_actions()
    assert actions.count("version.merge") == 1
    assert actions.count("amendment.merge") == len(numbers)


def test_the_merge_page_sent_twice_merges_once(client, login_as, two_accepted):
    login_as(two_accepted.secretariat)
    key = page_key(client)
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key)
    assert page_key(client) != key  # each showing of the page is a merge of its own
    form = merge_form([1, 2], idempotency_key=key)

    first = client.post(MERGE, data=form)
    assert first.status_code == 302
    again = client.post(MERGE, data=form)
    assert again.status_code == 302
    assert again.headers["Location"] == first.headers["Location"]
    assert SENT_TWICE in client.get(again.headers["Location"]).get_data(as_text=True)
    assert versions() == [1, 2]
    merged_once([1, 2])
    assert queries.head_version(two_accepted.charter).idempotency_key == key


def test_a_page_shown_before_keys_existed_still_merges(client, login_as, two_accepted):
    login_as(two_accepted.secretariat)
    response = client.post(MERGE, data=merge_form([1, 2]))  # no idempotency_key field
    assert response.status_code == 302
    assert client.post(MERGE, data=merge_form([1, 2], idempotency_key="")).status_code == 409
    assert versions() == [1, 2]
    merged_once([1, 2])
    assert queries.head_version(two_accepted.charter).idempotency_key is None


def test_two_pages_on_the_same_head_still_conflict(client, login_as, two_accepted):
    login_as(two_accepted.secretariat)
    first, second = page_key(client), page_key(client)
    assert client.post(MERGE, data=merge_form([1], idempotency_key=first)).status_code == 302
    for numbers in ([2], [1]):  # another amendment, or the same from an older page
        response = client.post(MERGE, data=merge_form(numbers, idempotency_key=second))
        assert response.status_code == 409
        html = response.get_data(as_text=True)
        assert STALE in html
        assert 'name="head" value="2"' in html
        assert KEY.search(html).group(1) not in (first, second)  # the page shown anew
    assert versions() == [1, 2]
    assert db.session.get(Amendment, 2).state is State.ACCEPTED


def test_a_key_sent_again_for_other_amendments_is_a_conflict(client, login_as, two_accepted):
    login_as(two_accepted.secretariat)
    key = page_key(client)
    assert client.post(MERGE, data=merge_form([1], idempotency_key=key)).status_code == 302
    # Back in the browser, another choice on the same page, on the new head.
    response = client.post(MERGE, data=merge_form([2], head=2, idempotency_key=key))
    assert response.status_code == 409
    assert OTHER_MERGE in response.get_data(as_text=True)
    assert versions() == [1, 2]
    db.session.expire_all()
    assert db.session.get(Amendment, 2).state is State.ACCEPTED
    # The page shown again carries a new key: sent, it merges.
    fresh = KEY.search(response.get_data(as_text=True)).group(1)
    assert (
        client.post(MERGE, data=merge_form([2], head=2, idempotency_key=fresh)).status_code == 302
    )
    assert versions() == [1, 2, 3]


@pytest.mark.parametrize(
    "key",
    ["k" * 65, "two words", "<script>", "clé", "a/b", "x\x00y"],
)
def test_a_bad_key_is_refused_clearly(client, login_as, two_accepted, token, key):
    login_as(two_accepted.secretariat)
    response = client.post(MERGE, data=merge_form([1, 2], idempotency_key=key))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert BAD_KEY in html
    assert KEY.search(html).group(1) != key  # shown again with a good one
    if "\x00" not in key:  # not a character a header can carry
        api = client.post(
            API_MERGE,
            json={"amendments": [1, 2], "expected_head": 1},
            headers={**token, "Idempotency-Key": key},
        )
        assert api.status_code == 400
        assert BAD_KEY in api.get_json()["error"]["message"]
    assert versions() == [1]
    assert "version.merge" not in audit_actions()


def test_the_same_page_sent_at_once_from_two_connections_merges_once(
    app, login_as, two_accepted, monkeypatch
):
    login_as(two_accepted.secretariat)
    clients = [app.test_client() for _ in range(2)]
    for each in clients:
        login_as(two_accepted.secretariat, each)
    form = merge_form([1, 2], idempotency_key=page_key(clients[0]))
    locked = merge.lock_head

    def lock_and_hold(charter) -> None:
        locked(charter)
        threading.Event().wait(0.3)  # whoever locks first holds it: the other one waits

    monkeypatch.setattr(merge, "lock_head", lock_and_hold)
    start = threading.Barrier(len(clients))
    answers: list[str] = [""] * len(clients)

    def send(index: int) -> None:
        start.wait(10)
        response = clients[index].post(MERGE, data=form)
        assert response.status_code == 302
        answers[index] = clients[index].get(response.headers["Location"]).get_data(as_text=True)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    created = "Version 2 is created from the merged amendments."
    assert sorted(created in page for page in answers) == [False, True]
    assert sorted(SENT_TWICE in page for page in answers) == [False, True]
    assert versions() == [1, 2]
    merged_once([1, 2])


def test_the_api_merges_once_per_idempotency_key(client, two_accepted, token):
    keyed = {**token, "Idempotency-Key": "retry-1"}
    body = {"amendments": [1], "expected_head": 1}
    first = client.post(API_MERGE, json=body, headers=keyed)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(API_MERGE, json=body, headers=keyed)
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert versions() == [1, 2]
    # The same key for another merge, and another key on a stale head: both 409.
    other = client.post(API_MERGE, json={"amendments": [2], "expected_head": 2}, headers=keyed)
    assert other.status_code == 409
    assert other.get_json()["error"]["message"] == OTHER_MERGE
    fresh = {**token, "Idempotency-Key": "retry-2"}
    stale = client.post(API_MERGE, json={"amendments": [2], "expected_head": 1}, headers=fresh)
    assert stale.status_code == 409
    assert stale.get_json()["error"]["message"] == STALE
    assert versions() == [1, 2]
    merged_once([1])


def test_the_key_belongs_to_who_merged(two_accepted):
    from tests.factories import make_user

    world = two_accepted
    colleague = make_user("secretariat", name="Carmen")
    merge.merge_amendments(
        world.secretariat,
        world.charter,
        [1],
        resolutions={},
        note="",
        expected_head=1,
        idempotency_key="shared",
    )
    db.session.commit()
    with pytest.raises(idempotency.MergedAlready) as answer:
        merge.merge_amendments(
            world.secretariat,
            world.charter,
            [1],
            resolutions={},
            note="",
            expected_head=1,
            idempotency_key="shared",
        )
    assert answer.value.version.number == 2
    db.session.rollback()
    with pytest.raises(merge.Conflict, match="used already for a different merge"):
        merge.merge_amendments(
            colleague,
            world.charter,
            [1],
            resolutions={},
            note="",
            expected_head=1,
            idempotency_key="shared",
        )
    db.session.rollback()
    keys = db.session.scalars(sa.select(Version.idempotency_key).order_by(Version.number)).all()
    assert keys == [None, "shared"]
