"""The secretariat edits the draft directly, publishes a version, records the Bureau's decision."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from charter.audit import AuditEntry
from charter.drafting import queries
from charter.drafting.models import BureauDecision, MergeStep, Publication, VersionOrigin
from charter.extensions import db
from tests.amendments.conftest import World

EDIT = "/charters/amend/draft/edit"


def head_sections(world: World):
    db.session.expire_all()
    return queries.sections_of(queries.head_version(world.charter))


def edit_form(**fields) -> dict:
    return {"base": "1", "note": "Tidied by the secretariat.", "save": "Create", **fields}


def test_the_edit_page_is_prefilled(client, login_as, world):
    login_as(world.secretariat)
    page = client.get(EDIT + "?section=article-1-dignity")
    assert page.status_code == 200
    assert "Every person is welcome in the city." in page.get_data(as_text=True)


def test_a_direct_edit_makes_a_version_recorded_as_such(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        EDIT,
        data=edit_form(
            kind="modify",
            section="article-1-dignity",
            heading="Article 1 — Human dignity",
            text="Every person is welcome in the city, from the first day.",
        ),
    )
    assert response.status_code == 302
    sections = {s.key: s for s in head_sections(world)}
    dignity = sections["article-1-dignity"]
    assert dignity.heading == "Article 1 — Human dignity"
    assert dignity.body.strip() == "Every person is welcome in the city, from the first day."
    head = queries.head_version(world.charter)
    assert head.number == 2 and head.note == "Tidied by the secretariat."
    assert db.session.get(VersionOrigin, head.id).kind == "direct_edit"
    steps = db.session.scalars(sa.select(MergeStep).where(MergeStep.version_id == head.id)).all()
    assert [(step.amendment_id, step.section_key) for step in steps] == [
        (None, "article-1-dignity")
    ]
    assert db.session.scalar(sa.select(AuditEntry.action).order_by(AuditEntry.id.desc())) == (
        "version.direct_edit"
    )


@pytest.mark.parametrize(
    ("fields", "keys"),
    [
        (
            {
                "kind": "insert",
                "after": "article-1-dignity",
                "heading": "Article 1a — Rescue",
                "text": "No one is left at sea.",
            },
            ["preamble", "article-1-dignity", "article-1a-rescue", "article-2-equity"],
        ),
        ({"kind": "delete", "section": "article-2-equity"}, ["preamble", "article-1-dignity"]),
        (
            {"kind": "move", "section": "article-2-equity", "after": "__start__"},
            ["article-2-equity", "preamble", "article-1-dignity"],
        ),
    ],
)
def test_sections_are_added_deleted_and_moved(client, login_as, world, fields, keys):
    login_as(world.secretariat)
    assert client.post(EDIT, data=edit_form(**fields)).status_code == 302
    assert [s.key for s in head_sections(world)] == keys


def test_a_direct_edit_needs_a_note_and_keeps_the_text(client, login_as, world):
    login_as(world.secretariat)
    typed = "Every person is welcome, always."
    response = client.post(
        EDIT, data=edit_form(kind="modify", section="article-1-dignity", text=typed, note="")
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Say what you changed and why" in html
    assert typed in html
    assert queries.head_version(world.charter).number == 1


def test_a_direct_edit_on_a_stale_draft_is_refused(client, login_as, world):
    login_as(world.secretariat)
    first = edit_form(kind="modify", section="article-1-dignity", text="First edit.")
    assert client.post(EDIT, data=first).status_code == 302
    typed = "A second edit made on version 1."
    response = client.post(
        EDIT, data=edit_form(kind="modify", section="article-2-equity", text=typed)
    )
    assert response.status_code == 409
    assert typed in response.get_data(as_text=True)
    assert queries.head_version(world.charter).number == 2


def test_sherpas_may_not_edit_the_draft(client, login_as, world):
    login_as(world.author)
    assert client.get(EDIT + "?section=article-1-dignity").status_code == 403
    data = edit_form(kind="modify", section="article-1-dignity", text="Mine.")
    assert client.post(EDIT, data=data).status_code == 403
    assert queries.head_version(world.charter).number == 1


def test_publishing_makes_a_draft_public(client, login_as, world):
    login_as(world.secretariat)
    client.post(EDIT, data=edit_form(kind="modify", section="article-1-dignity", text="New."))
    login_as(world.author)
    assert client.post("/charters/amend/versions/2/publish").status_code == 403
    login_as(world.secretariat)
    response = client.post("/charters/amend/versions/2/publish")
    assert response.status_code == 302
    assert db.session.get(Publication, queries.head_version(world.charter).id) is not None
    again = client.post("/charters/amend/versions/2/publish")
    assert again.status_code == 409
    assert "published already" in again.get_data(as_text=True)
    client.post("/logout")
    assert client.get("/charters/amend/versions/2").status_code == 200


def test_the_bureau_decision_is_recorded(client, login_as, world):
    login_as(world.secretariat)
    page = client.get("/charters/amend/versions/1/decision")
    assert page.status_code == 200
    refused = client.post("/charters/amend/versions/1/decision", data={"decision": "returned"})
    assert refused.status_code == 422
    assert "Say why the Bureau returned the text" in refused.get_data(as_text=True)
    assert client.post("/charters/amend/versions/1/decision", data={}).status_code == 422
    response = client.post(
        "/charters/amend/versions/1/decision",
        data={"decision": "returned", "note": "Strengthen Article 2 on services."},
    )
    assert response.status_code == 302
    decision = db.session.scalar(sa.select(BureauDecision))
    assert (decision.decision, decision.note) == ("returned", "Strengthen Article 2 on services.")
    login_as(world.author)
    assert client.get("/charters/amend/versions/1/decision").status_code == 403
