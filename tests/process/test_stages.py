"""Consultation stages: moves between them, their dates, the stages page and the banner."""

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from charter.accounts.models import User
from charter.audit import AuditEntry
from charter.database import ImmutableRowError
from charter.drafting.models import Charter, utcnow
from charter.errors import Conflict, InvalidInput
from charter.extensions import db
from charter.process import services
from charter.process.models import Stage, StageEvent
from tests.factories import make_charter, make_council, make_user, make_version

PAGE = "/charters/process/stages"


@dataclass
class World:
    charter: Charter
    secretariat: User
    sherpa: User
    partner: User


@pytest.fixture
def world(app) -> World:
    """A published charter in its partner consultation (stage 2 of 5)."""
    charter = make_charter("process", "Charter in process")
    make_version(charter)
    council = make_council(charter, "Right to the City")
    charter.stage_position = 2
    db.session.commit()
    return World(
        charter=charter,
        secretariat=make_user("secretariat", name="Sofia"),
        sherpa=make_user("sherpa", name="Salvatore", councils=[council]),
        partner=make_user("partner", name="Priya"),
    )


def events() -> list[StageEvent]:
    return list(db.session.scalars(sa.select(StageEvent).order_by(StageEvent.id)))


def audit_rows(prefix: str = "stage.") -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry)
            .where(AuditEntry.action.startswith(prefix))
            .order_by(AuditEntry.id)
        )
    )


def stage(world: World, position: int) -> Stage:
    return services.stage_at(world.charter, position)


def current(world: World) -> int:
    db.session.expire_all()
    return db.session.get(Charter, world.charter.id).stage_position


# Services ---------------------------------------------------------------------------------


def test_advance_moves_to_the_next_stage_and_records_who_when_why(world):
    event = services.advance(world.secretariat, world.charter, " Consultation over. ", 2)
    db.session.commit()
    assert current(world) == 3
    assert world.charter.stage.name == "Policy Council session"
    [saved] = events()
    assert (saved.from_position, saved.to_position) == (2, 3)
    assert saved.actor_id == world.secretariat.id
    assert saved.note == "Consultation over."
    assert abs(saved.at - utcnow()) < timedelta(minutes=1)
    assert saved.id == event.id
    [entry] = audit_rows()
    assert entry.action == "stage.advance"
    assert entry.actor_name == "Sofia"
    assert entry.charter_id == world.charter.id
    assert (entry.before, entry.after) == ("2. Partner consultation", "3. Policy Council session")


def test_step_back_returns_to_the_previous_stage(world):
    services.step_back(world.secretariat, world.charter, "Not ready yet.", 2)
    db.session.commit()
    assert current(world) == 1
    assert [(e.from_position, e.to_position) for e in events()] == [(2, 1)]
    assert [e.action for e in audit_rows()] == ["stage.back"]


def test_advance_past_the_last_stage_is_refused(world):
    world.charter.stage_position = 5
    db.session.commit()
    with pytest.raises(Conflict, match="last stage"):
        services.advance(world.secretariat, world.charter, "", 5)
    db.session.rollback()
    assert current(world) == 5
    assert events() == [] and audit_rows() == []


def test_step_back_before_the_first_stage_is_refused(world):
    world.charter.stage_position = 1
    db.session.commit()
    with pytest.raises(Conflict, match="first stage"):
        services.step_back(world.secretariat, world.charter, "", 1)
    db.session.rollback()
    assert current(world) == 1
    assert events() == []


def test_a_stale_expected_position_is_refused(world):
    with pytest.raises(Conflict, match="stage changed while you were looking"):
        services.advance(world.secretariat, world.charter, "", 1)
    db.session.rollback()
    assert current(world) == 2
    assert events() == [] and audit_rows() == []


def test_a_move_made_meanwhile_by_someone_else_is_not_overwritten(world):
    assert world.charter.stage_position == 2  # loaded here, then another request moves it
    with db.engine.begin() as other:
        other.execute(
            sa.update(Charter.__table__)
            .where(Charter.__table__.c.id == world.charter.id)
            .values(stage_position=3)
        )
    with pytest.raises(Conflict, match="stage changed"):
        services.advance(world.secretariat, world.charter, "", None)
    db.session.rollback()
    assert current(world) == 3
    assert events() == [] and audit_rows() == []


def test_a_move_can_be_dated_in_the_past(world):
    at = datetime(2025, 3, 1, 9, 30)
    event = services.advance(world.secretariat, world.charter, "Opened in Lampedusa.", at=at)
    db.session.commit()
    assert event.at == at
    assert audit_rows()[0].at == at


def test_only_the_policy_lets_someone_move_stages(world):
    with pytest.raises(services.Forbidden):
        services.advance(world.sherpa, world.charter, "", 2)
    assert current(world) == 2


def test_stage_events_are_never_rewritten(world):
    event = services.advance(world.secretariat, world.charter, "", 2)
    db.session.commit()
    event.note = "Rewritten"
    with pytest.raises(ImmutableRowError):
        db.session.flush()
    db.session.rollback()


def test_edit_stage_changes_it_and_audits_the_change(world):
    opens_at, closes_at = datetime(2025, 5, 1, 9), datetime(2025, 5, 30, 18)
    changed = services.edit_stage(
        world.secretariat,
        stage(world, 3),
        " Policy Council, Barcelona ",
        "Sherpas meet in Barcelona.",
        ["propose", "comment", "propose"],
        opens_at,
        closes_at,
    )
    db.session.commit()
    assert changed
    saved = stage(world, 3)
    assert saved.name == "Policy Council, Barcelona"
    assert saved.opens == "comment,propose"
    assert (saved.opens_at, saved.closes_at) == (opens_at, closes_at)
    [entry] = audit_rows()
    assert entry.action == "stage.edit"
    assert entry.object_type == "stage"
    assert entry.charter_id == world.charter.id
    assert "name: Policy Council session" in entry.before
    assert "name: Policy Council, Barcelona" in entry.after
    assert "opens: comment,propose" in entry.after
    assert "closes_at: 2025-05-30 18:00" in entry.after
    assert "closes_at: —" in entry.before


def test_edit_stage_without_a_change_writes_nothing(world):
    before = stage(world, 2)
    changed = services.edit_stage(
        world.secretariat,
        before,
        before.name,
        before.description,
        before.capabilities,
        None,
        None,
    )
    assert not changed
    assert audit_rows() == []


@pytest.mark.parametrize(
    ("name", "opens", "dates", "message"),
    [
        ("  ", ["comment"], (None, None), "A stage needs a name."),
        ("x" * 121, ["comment"], (None, None), "The name is too long"),
        ("Session", ["comment", "vote"], (None, None), "cannot open “vote”"),
        (
            "Session",
            ["comment"],
            (datetime(2025, 5, 30), datetime(2025, 5, 1)),
            "The closing date must come after the opening date.",
        ),
        (
            "Session",
            ["comment"],
            (datetime(2025, 5, 1), datetime(2025, 5, 1)),
            "The closing date must come after the opening date.",
        ),
    ],
)
def test_edit_stage_refuses_bad_input(world, name, opens, dates, message):
    with pytest.raises(InvalidInput, match=message):
        services.edit_stage(world.secretariat, stage(world, 3), name, "", opens, *dates)
    db.session.rollback()
    assert stage(world, 3).name == "Policy Council session"
    assert audit_rows() == []


def test_edit_stage_is_for_the_secretariat(world):
    with pytest.raises(services.Forbidden):
        services.edit_stage(world.sherpa, stage(world, 3), "Mine", "", [], None, None)


def test_dates_open_and_close_a_stage_by_themselves(world):
    session = stage(world, 3)
    session.opens_at, session.closes_at = datetime(2025, 5, 1), datetime(2025, 5, 30)
    assert not session.allows("propose", datetime(2025, 4, 30, 23, 59))
    assert session.allows("propose", datetime(2025, 5, 1))
    assert session.allows("propose", datetime(2025, 5, 29, 23, 59))
    assert not session.allows("propose", datetime(2025, 5, 30))
    assert not session.allows("vote", datetime(2025, 5, 10))


# Dates, through the policy, in the pages ------------------------------------------------------

PROPOSAL = {
    "kind": "modify",
    "section": "article-1-dignity",
    "base": 1,
    "heading": "Article 1 — Dignity",
    "text": "\nEvery person is welcome in the city, whatever their status.\n",
    "justification": "Dignity does not depend on papers.",
    "send": "Submit",
}


def proposals() -> int:
    from charter.amendments.models import Amendment

    return db.session.scalar(sa.select(sa.func.count(Amendment.id)))


def test_a_passed_closing_date_closes_proposing_by_itself(client, login_as, world):
    world.charter.stage_position = 3
    stage(world, 3).closes_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    login_as(world.sherpa)
    response = client.post("/charters/process/amendments/new", data=PROPOSAL)
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Proposing amendments closed on" in page
    assert "in the current stage (Policy Council session)" in page
    assert proposals() == 0


def test_a_future_opening_date_keeps_proposing_closed(client, login_as, world):
    world.charter.stage_position = 3
    stage(world, 3).opens_at = utcnow() + timedelta(days=2)
    db.session.commit()
    login_as(world.sherpa)
    response = client.post("/charters/process/amendments/new", data=PROPOSAL)
    assert response.status_code == 409
    assert "Proposing amendments opens on" in response.get_data(as_text=True)
    assert proposals() == 0


def test_within_its_dates_the_stage_lets_sherpas_propose(client, login_as, world):
    world.charter.stage_position = 3
    stage(world, 3).opens_at = utcnow() - timedelta(days=1)
    stage(world, 3).closes_at = utcnow() + timedelta(days=1)
    db.session.commit()
    login_as(world.sherpa)
    assert client.post("/charters/process/amendments/new", data=PROPOSAL).status_code == 302
    assert proposals() == 1


# The stages page ----------------------------------------------------------------------------


def test_anyone_sees_the_stages_and_the_timeline_but_no_forms(client, world):
    services.advance(world.secretariat, world.charter, "Partners have spoken.", 2)
    db.session.commit()
    response = client.get(PAGE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for name in ("Drafting", "Partner consultation", "Policy Council session", "Launch"):
        assert name in page
    assert 'id="stage-3" class="stage-list__item is-current" aria-current="step"' in page
    assert "current stage" in page
    assert "Opens: comments, answers to the guiding questions, amendments" in page
    assert "Moved from “Partner consultation” to “Policy Council session”" in page
    assert "Partners have spoken." in page
    assert "Sofia" in page
    assert '<form method="post" action="/charters/process/stages' not in page
    assert "Advance to" not in page and "Save this stage" not in page


def test_the_stages_page_of_an_unpublished_charter_is_not_found(client, login_as, app):
    make_charter("hidden")
    assert client.get("/charters/hidden/stages").status_code == 404
    login_as(make_user("secretariat"))
    assert client.get("/charters/hidden/stages").status_code == 200


def test_the_secretariat_sees_the_forms(client, login_as, world):
    login_as(world.secretariat)
    page = client.get(PAGE).get_data(as_text=True)
    assert "Advance to “Policy Council session”" in page
    assert "Step back to “Drafting”" in page
    assert 'name="advance-expected" type="hidden" value="2"' in page
    assert page.count("Save this stage") == 5
    assert 'name="stage-3-name"' in page


@pytest.mark.parametrize("path", [PAGE + "/advance", PAGE + "/back", PAGE + "/3/edit"])
def test_a_sherpa_may_not_move_or_edit_stages(client, login_as, world, path):
    login_as(world.sherpa)
    response = client.post(path, data={"advance-expected": 2, "back-expected": 2})
    assert response.status_code == 403
    assert current(world) == 2
    assert events() == [] and audit_rows() == []


@pytest.mark.parametrize("path", [PAGE + "/advance", PAGE + "/3/edit"])
def test_signed_out_visitors_may_not_move_or_edit_stages(client, world, path):
    response = client.post(path, data={"advance-expected": 2})
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert current(world) == 2
    assert events() == []


def test_the_secretariat_advances_with_a_note(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        PAGE + "/advance", data={"advance-expected": 2, "advance-note": "Session opens."}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(PAGE)
    assert current(world) == 3
    page = client.get(PAGE).get_data(as_text=True)
    assert "The charter is now in the stage “Policy Council session”." in page
    assert "Moved from “Partner consultation” to “Policy Council session”" in page
    assert "Session opens." in page
    assert [e.action for e in audit_rows()] == ["stage.advance"]


def test_the_secretariat_steps_back(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(PAGE + "/back", data={"back-expected": 2, "back-note": "Oops."})
    assert response.status_code == 302
    assert current(world) == 1


def test_a_stale_move_is_refused_and_the_note_kept(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        PAGE + "/advance", data={"advance-expected": 1, "advance-note": "My careful note"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "The stage changed while you were looking" in page
    assert "My careful note" in page
    assert 'name="advance-expected" type="hidden" value="2"' in page  # what the page shows
    assert current(world) == 2
    assert events() == [] and audit_rows() == []


def test_a_move_past_the_last_stage_is_refused(client, login_as, world):
    world.charter.stage_position = 5
    db.session.commit()
    login_as(world.secretariat)
    response = client.post(PAGE + "/advance", data={"advance-expected": 5})
    assert response.status_code == 409
    assert "there is no next stage" in response.get_data(as_text=True)
    assert current(world) == 5
    assert events() == []


def test_a_move_without_the_expected_stage_is_bad_input(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(PAGE + "/advance", data={"advance-note": "Kept"})
    assert response.status_code == 422
    assert "Kept" in response.get_data(as_text=True)
    assert current(world) == 2


def edit_form(position: int = 3, **changes) -> dict:
    values = {
        "name": "Policy Council, Barcelona",
        "description": "Sherpas meet in Barcelona.",
        "opens": ["comment", "propose"],
        "opens_at": "2025-05-01T09:00",
        "closes_at": "2025-05-30T18:00",
        **changes,
    }
    return {f"stage-{position}-{name}": value for name, value in values.items()}


def test_the_secretariat_edits_a_stage(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(PAGE + "/3/edit", data=edit_form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith(PAGE + "#stage-3")
    db.session.expire_all()
    saved = stage(world, 3)
    assert saved.name == "Policy Council, Barcelona"
    assert saved.opens == "comment,propose"
    assert saved.opens_at == datetime(2025, 5, 1, 9)
    assert saved.closes_at == datetime(2025, 5, 30, 18)
    page = client.get(PAGE).get_data(as_text=True)
    assert "The stage “Policy Council, Barcelona” was saved." in page
    assert "Closed by its date." in page
    assert [e.action for e in audit_rows()] == ["stage.edit"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"name": ""}, "This field is required."),
        ({"name": "x" * 121}, "Field cannot be longer than 120 characters."),
        ({"opens": ["comment", "vote"]}, "not a valid choice"),
        ({"closes_at": "2025-04-01T09:00"}, "The closing date must come after the opening date."),
        ({"opens_at": "tomorrow"}, "Not a valid datetime value."),
    ],
)
def test_a_bad_stage_edit_is_shown_back_and_writes_nothing(
    client, login_as, world, changes, message
):
    login_as(world.secretariat)
    response = client.post(
        PAGE + "/3/edit", data=edit_form(description="My words, kept", **changes)
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message.lower() in page.lower()
    assert "My words, kept" in page
    assert '<details class="stage-edit" open>' in page
    db.session.expire_all()
    assert stage(world, 3).name == "Policy Council session"
    assert stage(world, 3).closes_at is None
    assert audit_rows() == []


def test_editing_a_stage_that_does_not_exist_is_not_found(client, login_as, world):
    login_as(world.secretariat)
    assert client.post(PAGE + "/9/edit", data=edit_form(9)).status_code == 404


# The banner on every charter page -------------------------------------------------------------


def banner(client) -> str:
    page = client.get("/charters/process").get_data(as_text=True)
    start = page.index('<p class="stage-banner">')
    return page[start : page.index("</p>", start)]


def test_the_banner_names_the_stage_and_what_the_public_may_do(client, world):
    shown = banner(client)
    assert "Stage 2 of 5:" in shown
    assert "<strong>Partner consultation</strong>" in shown
    assert "You may read the published text." in shown
    assert 'href="/charters/process/stages"' in shown


def test_the_banner_tells_each_person_what_they_may_do_now(client, login_as, world):
    login_as(world.partner)
    shown = banner(client)
    assert "comment on the draft" in shown
    assert "answer the guiding questions" in shown
    assert "propose amendments" not in shown

    world.charter.stage_position = 3
    db.session.commit()
    login_as(world.sherpa)
    shown = banner(client)
    assert "<strong>Policy Council session</strong>" in shown
    assert "You may now propose amendments, co-sign amendments" in shown
    assert "review amendments" not in shown

    login_as(world.secretariat)
    shown = banner(client)
    assert "propose amendments" in shown
    assert "review amendments" in shown
    assert "co-sign amendments" not in shown


def test_the_banner_shows_the_dates_and_closes_by_itself(client, login_as, world):
    world.charter.stage_position = 3
    stage(world, 3).closes_at = datetime(2025, 5, 30, 18)
    db.session.commit()
    login_as(world.sherpa)
    shown = banner(client)
    assert "closed since May 30, 2025" in shown
    assert "propose amendments" not in shown
    assert "You may read the published text." in shown


def test_the_banner_is_on_the_other_charter_pages(client, world):
    for path in ("/charters/process/versions", "/charters/process/compare", PAGE):
        assert "Stage 2 of 5:" in client.get(path).get_data(as_text=True), path


def test_someone_the_role_keeps_out_is_refused_whatever_the_stage(client, login_as, world):
    world.charter.stage_position = 4
    db.session.commit()
    login_as(world.partner)
    assert client.post("/charters/process/amendments/new", data=PROPOSAL).status_code == 403
    login_as(world.sherpa)
    response = client.post("/charters/process/amendments/new", data=PROPOSAL)
    assert response.status_code == 409
    assert "is not open in the current stage (Executive Bureau)" in response.get_data(as_text=True)
