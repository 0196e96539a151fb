import re

import pytest
import sqlalchemy as sa

from charter.accounts.models import Notification
from charter.amendments.models import Amendment, Endorsement, State
from charter.extensions import db
from tests.amendments.conftest import propose_form
from tests.factories import DOCUMENT, make_version

NEW_TEXT = "\nEvery person is welcome in the city, whatever their status.\n"
INS = r'<ins><span class="visually-hidden">inserted: </span>'


def amendment(number: int = 1) -> Amendment:
    db.session.expire_all()
    return db.session.scalar(sa.select(Amendment).where(Amendment.number == number))


def test_propose_page_is_prefilled_with_the_current_text(client, login_as, world):
    login_as(world.author)
    page = client.get("/charters/amend/amendments/new?section=article-1-dignity")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<label for="text">Proposed text</label>' in html
    assert "Every person is welcome in the city." in html
    assert '<label for="justification">Justification</label>' in html
    assert 'data-preview-url="/charters/amend/amendments/preview"' in html


def test_a_sherpa_submits_an_amendment(client, login_as, world):
    login_as(world.author)
    response = client.post("/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/charters/amend/amendments/1")
    saved = amendment()
    assert saved.state is State.SUBMITTED
    assert saved.author_id == world.author.id
    assert saved.council.name == "Right to the City"
    assert [op.kind for op in saved.operations] == ["modify"]
    page = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert re.search(INS + r"[^<]*whatever their status", page)
    assert "Dignity does not depend on papers." in page


def test_save_draft_keeps_it_private(client, login_as, world):
    login_as(world.author)
    client.post(
        "/charters/amend/amendments/new",
        data=propose_form(world, NEW_TEXT, send="", save="Save draft"),
    )
    assert amendment().state is State.DRAFT
    assert "Only you can see" in client.get("/charters/amend/amendments/1").get_data(as_text=True)
    for other in (world.cosigner, world.secretariat):
        login_as(other)
        assert client.get("/charters/amend/amendments/1").status_code == 404
        assert "Change to" not in client.get("/charters/amend/amendments").get_data(as_text=True)


def test_the_preview_button_shows_the_diff_without_saving(client, login_as, world):
    login_as(world.author)
    response = client.post(
        "/charters/amend/amendments/new",
        data=propose_form(world, NEW_TEXT, send="", preview="Preview"),
    )
    assert response.status_code == 200
    assert re.search(INS + r"[^<]*whatever their status", response.get_data(as_text=True))
    assert amendment() is None


def test_the_live_preview_answers_json(client, login_as, world):
    login_as(world.author)
    response = client.post(
        "/charters/amend/amendments/preview", data=propose_form(world, NEW_TEXT, send="")
    )
    assert response.status_code == 200
    assert re.search(INS + r"[^<]*whatever their status", response.json["html"])
    same = client.post(
        "/charters/amend/amendments/preview",
        data=propose_form(world, "\nEvery person is welcome in the city.\n"),
    )
    assert "nothing changes" in same.json["error"]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"text": "\nEvery person is welcome in the city.\n"}, "nothing changes"),
        ({"text": "   "}, "The proposed text is empty"),
        ({"justification": " "}, "justification is required"),
        ({"text": "x" * (100 * 1024 + 1)}, "Field cannot be longer"),
        ({"text": "é" * (60 * 1024)}, "longer than 100 KB"),
    ],
)
def test_bad_proposals_are_refused_and_the_text_is_kept(client, login_as, world, changes, message):
    login_as(world.author)
    data = {**propose_form(world, NEW_TEXT), **changes}
    response = client.post("/charters/amend/amendments/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code in (409, 422)
    assert message in html
    if len(data["text"]) < 1000:
        assert data["text"].strip() in html  # what the person typed is still there
    assert amendment() is None


def test_a_stale_form_keeps_the_text_and_says_the_draft_moved(client, login_as, world):
    login_as(world.author)
    make_version(world.charter, DOCUMENT.replace("open to all residents", "open to everyone"))
    response = client.post("/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT))
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The draft changed while you were writing" in html
    assert "whatever their status" in html
    assert 'name="base" value="2"' in html
    again = client.post(
        "/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT, base=2)
    )
    assert again.status_code == 302


def test_a_change_to_a_section_that_no_longer_exists_is_explained(client, login_as, world):
    login_as(world.author)
    response = client.post(
        "/charters/amend/amendments/new",
        data=propose_form(world, NEW_TEXT, section="article-9-gone"),
    )
    assert response.status_code == 409
    assert "not in the current draft any more" in response.get_data(as_text=True)
    assert "whatever their status" in response.get_data(as_text=True)


@pytest.mark.parametrize("who", ["partner", "outsider"])
def test_only_council_members_may_propose(client, login_as, world, who):
    login_as(getattr(world, who))
    assert client.get("/charters/amend/amendments/new?section=preamble").status_code == 403
    response = client.post("/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT))
    assert response.status_code == 403
    assert amendment() is None


def test_proposing_is_closed_outside_the_policy_council_session(client, login_as, world):
    world.charter.stage_position = 4
    db.session.commit()
    login_as(world.author)
    response = client.post("/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT))
    assert response.status_code == 409
    assert (
        "Proposing amendments is not open in the current stage (Executive Bureau)."
        in response.get_data(as_text=True)
    )
    assert amendment() is None


def submit_one(client, login_as, world) -> None:
    login_as(world.author)
    assert (
        client.post(
            "/charters/amend/amendments/new", data=propose_form(world, NEW_TEXT)
        ).status_code
        == 302
    )


def test_co_signing_once_per_person_and_shown_with_the_council(client, login_as, world):
    submit_one(client, login_as, world)
    login_as(world.cosigner)
    assert client.post("/charters/amend/amendments/1/endorse").status_code == 302
    again = client.post("/charters/amend/amendments/1/endorse")
    assert again.status_code == 409
    assert "co-signed this amendment already" in again.get_data(as_text=True)
    page = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert "Lucas" in page and "(Right to the City)" in page
    assert amendment().endorsement_count == 1
    assert client.post("/charters/amend/amendments/1/retract").status_code == 302
    assert amendment().endorsement_count == 0


def test_the_author_cannot_co_sign_their_own_amendment(client, login_as, world):
    submit_one(client, login_as, world)
    assert client.post("/charters/amend/amendments/1/endorse").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Endorsement)) == 0


def test_the_secretariat_accepts_with_a_reason_and_people_are_told(client, login_as, world):
    submit_one(client, login_as, world)
    login_as(world.cosigner)
    client.post("/charters/amend/amendments/1/endorse")
    login_as(world.secretariat)
    empty = client.post(
        "/charters/amend/amendments/1/review", data={"decision": "accept", "reason": ""}
    )
    assert empty.status_code == 422
    assert amendment().state is State.SUBMITTED
    response = client.post(
        "/charters/amend/amendments/1/review",
        data={"decision": "accept", "reason": "Agreed by the Bureau."},
    )
    assert response.status_code == 302
    assert amendment().state is State.ACCEPTED
    notified = set(db.session.scalars(sa.select(Notification.user_id)))
    assert notified == {world.author.id, world.cosigner.id}
    login_as(world.author)
    assert "Agreed by the Bureau." in client.get("/account").get_data(as_text=True)
    # Co-signatures and edits are closed once reviewed.
    login_as(world.cosigner)
    assert client.post("/charters/amend/amendments/1/retract").status_code == 409


def test_only_the_secretariat_reviews(client, login_as, world):
    submit_one(client, login_as, world)
    for who in (world.author, world.cosigner):
        login_as(who)
        response = client.post(
            "/charters/amend/amendments/1/review", data={"decision": "accept", "reason": "Me!"}
        )
        assert response.status_code == 403
    assert amendment().state is State.SUBMITTED


def test_withdraw_then_nothing_more(client, login_as, world):
    submit_one(client, login_as, world)
    assert client.post("/charters/amend/amendments/1/withdraw").status_code == 302
    assert amendment().state is State.WITHDRAWN
    again = client.post("/charters/amend/amendments/1/withdraw")
    assert again.status_code == 409
    assert "withdrawn" in again.get_data(as_text=True)
    login_as(world.secretariat)
    response = client.post(
        "/charters/amend/amendments/1/review", data={"decision": "accept", "reason": "Too late"}
    )
    assert response.status_code == 409


def test_someone_else_cannot_edit_or_withdraw(client, login_as, world):
    submit_one(client, login_as, world)
    login_as(world.cosigner)
    assert client.get("/charters/amend/amendments/1/edit").status_code == 403
    assert client.post("/charters/amend/amendments/1/withdraw").status_code == 403
    assert amendment().state is State.SUBMITTED


def test_the_author_edits_while_awaiting_review(client, login_as, world):
    submit_one(client, login_as, world)
    page = client.get("/charters/amend/amendments/1/edit").get_data(as_text=True)
    assert "whatever their status" in page
    response = client.post(
        "/charters/amend/amendments/1/edit",
        data={
            "revision": amendment().revision,
            "op-0-text": "\nEveryone is welcome here.\n",
            "op-0-heading": "Article 1 — Dignity",
            "justification": "Shorter.",
            "save": "Save",
        },
    )
    assert response.status_code == 302
    assert amendment().operations[0].text == "\nEveryone is welcome here.\n\n"
    assert amendment().justification == "Shorter."


def test_an_edit_made_on_an_old_copy_is_refused_and_kept(client, login_as, world):
    submit_one(client, login_as, world)
    old_revision = amendment().revision
    client.post(
        "/charters/amend/amendments/1/edit",
        data={
            "revision": old_revision,
            "op-0-text": "\nFirst edit.\n",
            "justification": "One.",
            "save": "Save",
        },
    )
    response = client.post(
        "/charters/amend/amendments/1/edit",
        data={
            "revision": old_revision,
            "op-0-text": "\nSecond edit from an old tab.\n",
            "justification": "Two.",
            "save": "Save",
        },
    )
    assert response.status_code == 409
    assert "changed since you opened it" in response.get_data(as_text=True)
    assert "Second edit from an old tab." in response.get_data(as_text=True)
    assert amendment().operations[0].text == "\nFirst edit.\n\n"


def test_amendment_on_an_old_base_is_shown_rebased_on_the_head(client, login_as, world):
    submit_one(client, login_as, world)
    make_version(world.charter, DOCUMENT.replace("open to all residents", "open to everyone"))
    page = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert "On the current draft (version 2)" in page
    assert "still applies cleanly" in page


def test_a_conflict_with_the_head_is_shown_hunk_by_hunk(client, login_as, world):
    submit_one(client, login_as, world)
    make_version(world.charter, DOCUMENT.replace("welcome in the city", "at home in the town"))
    page = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert "Conflict." in page
    assert "The same words were changed since." in page
    assert "The amendment proposes" in page and "The current draft reads" in page
    assert re.search(INS + r"at home</ins>", page)  # the head's side, word by word
    assert re.search(INS + r"town</ins>", page)
    assert re.search(INS + r"[^<]*whatever their status", page)  # the amendment's side


def test_discussion_on_an_amendment(client, login_as, world):
    submit_one(client, login_as, world)
    login_as(world.cosigner)
    empty = client.post("/charters/amend/amendments/1/comments", data={"body": " "})
    assert empty.status_code == 422
    response = client.post(
        "/charters/amend/amendments/1/comments",
        data={"body": "Could we say *residents*? <script>x</script>"},
    )
    assert response.status_code == 302
    page = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert "<em>residents</em>" in page
    assert "<script>x" not in page


def test_the_public_and_partners_never_see_amendments(client, login_as, world):
    submit_one(client, login_as, world)
    client.post("/logout")
    assert client.get("/charters/amend/amendments/1").status_code == 302  # sign in first
    login_as(world.partner)
    assert client.get("/charters/amend/amendments").status_code == 403
    assert client.get("/charters/amend/amendments/1").status_code == 404


def test_a_whole_charter_amendment_holds_several_changes(client, login_as, world):
    submit_one(client, login_as, world)
    page = client.get(
        "/charters/amend/amendments/1/changes/new?kind=delete&section=article-2-equity"
    )
    assert page.status_code == 200
    response = client.post(
        "/charters/amend/amendments/1/changes/new",
        data={
            "kind": "delete",
            "section": "article-2-equity",
            "revision": amendment().revision,
            "save": "Add the change",
        },
    )
    assert response.status_code == 302
    assert [op.kind for op in amendment().operations] == ["modify", "delete"]
    html = client.get("/charters/amend/amendments/1").get_data(as_text=True)
    assert "badge--deleted" in html and "whatever their status" in html
    removed = client.post(
        "/charters/amend/amendments/1/changes/1/remove", data={"revision": amendment().revision}
    )
    assert removed.status_code == 302
    assert [op.kind for op in amendment().operations] == ["modify"]
    last = client.post(
        "/charters/amend/amendments/1/changes/0/remove", data={"revision": amendment().revision}
    )
    assert last.status_code == 422
    assert "withdraw it instead" in last.get_data(as_text=True)


def test_adding_a_change_that_does_nothing_is_refused(client, login_as, world):
    submit_one(client, login_as, world)
    response = client.post(
        "/charters/amend/amendments/1/changes/new",
        data={
            "kind": "move",
            "section": "article-1-dignity",
            "after": "preamble",
            "revision": amendment().revision,
            "save": "Add the change",
        },
    )
    assert response.status_code == 422
    assert "nothing changes" in response.get_data(as_text=True)
    assert len(amendment().operations) == 1
