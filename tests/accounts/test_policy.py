"""The whole policy table walked: every role x every action x every stage.

The expectations are written out here by hand from DESIGN.md, independently of the table
in charter/permissions.py, so a change to either one shows up as a failure.
"""

from datetime import datetime, timedelta

import pytest

from charter import permissions
from charter.amendments.models import Amendment, State
from charter.extensions import db
from charter.permissions import can
from tests.factories import make_charter, make_council, make_user, make_version

STAGES = [
    "Drafting",
    "Partner consultation",
    "Policy Council session",
    "Executive Bureau",
    "Launch",
]
EVERYONE = {"public", "partner", "sherpa", "advisor", "secretariat", "admin"}
ALL_STAGES = set(STAGES)
OPEN_TEXT = {"Drafting", "Partner consultation", "Policy Council session", "Executive Bureau"}
CONSULTING = {"Partner consultation", "Policy Council session"}

COUNCILS = {"sherpa", "advisor"}
# Actions on an amendment are asked about an amendment written by the member sherpa:
# action -> (roles allowed, stages, membership needed, author: True only / False never)
ON_AMENDMENT = {
    "read_amendment": (COUNCILS | {"secretariat"}, ALL_STAGES, True, None),
    "edit_amendment": (COUNCILS | {"secretariat"}, {"Policy Council session"}, True, True),
    "withdraw_amendment": (COUNCILS | {"secretariat"}, ALL_STAGES, True, True),
    "endorse_amendment": (COUNCILS, {"Policy Council session"}, True, False),
    "discuss_amendment": (COUNCILS | {"secretariat"}, CONSULTING, True, None),
}
# action -> (roles allowed, stages where allowed, council membership needed for sherpas/advisors)
EXPECTED = {
    "read_published": (EVERYONE, ALL_STAGES, False),
    "read_draft": ({"sherpa", "advisor", "secretariat"}, ALL_STAGES, True),
    "comment": ({"partner", "sherpa", "advisor", "secretariat"}, CONSULTING, False),
    "answer_question": ({"partner", "sherpa", "advisor", "secretariat"}, CONSULTING, False),
    "propose_amendment": ({"sherpa", "advisor", "secretariat"}, {"Policy Council session"}, True),
    "review_amendment": ({"secretariat"}, OPEN_TEXT, False),
    "merge": ({"secretariat"}, OPEN_TEXT, False),
    "edit_draft": ({"secretariat"}, OPEN_TEXT, False),
    "publish": ({"secretariat"}, ALL_STAGES, False),
    "advance_stage": ({"secretariat"}, ALL_STAGES, False),
    "manage_stages": ({"secretariat"}, ALL_STAGES, False),
    "record_decision": ({"secretariat"}, ALL_STAGES, False),
    "read_dossier": ({"secretariat"}, ALL_STAGES, False),
    "read_audit": ({"secretariat", "admin"}, ALL_STAGES, False),
    "moderate": ({"secretariat"}, ALL_STAGES, False),
    "flag": (EVERYONE - {"public"}, ALL_STAGES, False),
    "follow": (EVERYONE - {"public"}, ALL_STAGES, False),
    "manage_questions": ({"secretariat"}, ALL_STAGES, False),
    "manage_themes": ({"secretariat"}, ALL_STAGES, False),
    "manage_webhooks": ({"secretariat"}, ALL_STAGES, False),
    "translate": ({"secretariat"}, ALL_STAGES, False),  # and whoever has the translator flag
    "manage_users": ({"secretariat", "admin"}, ALL_STAGES, False),
    "manage_admins": ({"admin"}, ALL_STAGES, False),
    "manage_councils": ({"secretariat", "admin"}, ALL_STAGES, False),
}


def test_the_expectations_cover_every_action_of_the_policy():
    assert set(EXPECTED) | set(ON_AMENDMENT) == set(permissions.POLICY)
    assert not set(EXPECTED) & set(ON_AMENDMENT)


@pytest.fixture
def world(app):
    """A charter with a council; a member and a non-member of every council role."""
    charter = make_charter("walk")
    council = make_council(charter)
    other = make_council(make_charter("elsewhere"))
    people = {"public": None}
    for role in ("partner", "secretariat", "admin"):
        people[role] = make_user(role)
    for role in ("sherpa", "advisor"):
        people[role] = make_user(role, councils=[council])
        people[f"{role} (other charter)"] = make_user(role, councils=[other])
    people["deactivated secretariat"] = make_user("secretariat", active=False)
    version = make_version(charter)
    amendment = Amendment(
        charter=charter,
        number=1,
        base_version=version,
        author=people["sherpa"],
        title="A change",
        justification="Because.",
        state=State.SUBMITTED,
    )
    db.session.add(amendment)
    db.session.commit()
    return charter, people, amendment


def expected(action: str, who: str, stage: str) -> bool:
    roles, stages, member, author = (
        (*EXPECTED[action], None) if action in EXPECTED else ON_AMENDMENT[action]
    )
    if who == "deactivated secretariat":
        who = "public"
    role = who.split(" ")[0]
    if role not in roles or stage not in stages:
        return False
    if author is not None and (who == "sherpa") != author:
        return False
    return not (member and "other charter" in who)


def test_policy_table_walked(world):
    charter, people, amendment = world
    checked = 0
    mismatches = []
    for position, stage in enumerate(STAGES, start=1):
        charter.stage_position = position
        db.session.flush()
        db.session.expire(charter, ["stage"])
        assert charter.stage.name == stage
        for action in [*EXPECTED, *ON_AMENDMENT]:
            target = amendment if action in ON_AMENDMENT else charter
            for who, user in people.items():
                checked += 1
                if can(user, action, target) != expected(action, who, stage):
                    mismatches.append((action, who, stage, can(user, action, target)))
    assert mismatches == []
    assert checked == len(STAGES) * len(permissions.POLICY) * len(people)


def test_a_draft_amendment_is_its_authors_alone(world):
    charter, people, amendment = world
    amendment.state = State.DRAFT
    db.session.flush()
    readers = [who for who, user in people.items() if can(user, "read_amendment", amendment)]
    assert readers == ["sherpa"]


def test_without_a_target_the_policy_answers_for_the_role(world):
    _charter, people, _amendment = world
    assert can(people["sherpa (other charter)"], "propose_amendment")
    assert not can(people["partner"], "propose_amendment")
    assert not can(None, "manage_users")


def test_only_admins_may_grant_the_admin_role(world):
    _charter, people, _amendment = world
    assert permissions.may_grant(people["admin"], "admin")
    assert not permissions.may_grant(people["secretariat"], "admin")
    assert permissions.may_grant(people["secretariat"], "sherpa")
    assert not permissions.may_grant(people["sherpa"], "partner")


def test_an_unknown_action_is_an_error_not_a_refusal(world):
    with pytest.raises(KeyError):
        can(None, "launch_rockets")


# Actions that need the stage to open them: everything not allowed in every stage.
STAGE_BOUND = {
    action
    for action, expectation in {**EXPECTED, **ON_AMENDMENT}.items()
    if expectation[1] != ALL_STAGES
}
NOW = datetime(2025, 5, 15, 12)
# Dates of a stage -> whether they leave the stage open at NOW.
DATES = {
    "no dates": (None, None, True),
    "opens later": (NOW + timedelta(minutes=1), None, False),
    "opened": (NOW - timedelta(days=1), None, True),
    "closes later": (None, NOW + timedelta(minutes=1), True),
    "closed": (None, NOW, False),
    "within its dates": (NOW - timedelta(days=1), NOW + timedelta(days=1), True),
    "before its dates": (NOW + timedelta(days=1), NOW + timedelta(days=2), False),
    "after its dates": (NOW - timedelta(days=2), NOW - timedelta(days=1), False),
}


def test_stage_bound_actions_are_the_ones_the_table_ties_to_a_stage():
    tied = {action for action, rule in permissions.POLICY.items() if rule.stage is not None}
    assert tied == STAGE_BOUND


@pytest.mark.parametrize("dates", list(DATES))
def test_policy_table_walked_with_stage_dates(world, dates, monkeypatch):
    """Dates close what the stage opens by themselves; actions not tied to a stage ignore them."""
    charter, people, amendment = world
    opens_at, closes_at, open_now = DATES[dates]
    monkeypatch.setattr("charter.process.models.utcnow", lambda: NOW)
    mismatches = []
    for position, stage in enumerate(STAGES, start=1):
        charter.stage_position = position
        db.session.flush()
        db.session.expire(charter, ["stage"])
        charter.stage.opens_at, charter.stage.closes_at = opens_at, closes_at
        for action in [*EXPECTED, *ON_AMENDMENT]:
            target = amendment if action in ON_AMENDMENT else charter
            for who, user in people.items():
                wanted = expected(action, who, stage) and (open_now or action not in STAGE_BOUND)
                if can(user, action, target) != wanted:
                    mismatches.append((action, who, stage, not wanted))
    assert mismatches == []


def test_the_translator_flag_opens_translating_to_members_but_not_to_the_public(app):
    charter = make_charter()
    partner = make_user("partner")
    assert not permissions.can(partner, "translate", charter)
    partner.translator = True
    assert permissions.can(partner, "translate", charter)
    partner.active = False  # deactivated: the public again
    assert not permissions.can(partner, "translate", charter)
