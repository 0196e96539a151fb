"""The audit log: append-only rows, one per state change of each service, and its page."""

# ruff: noqa: F811 (the amendments' `world` fixture is imported, then requested by name)

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from markupsafe import escape

from charter import audit, notifications
from charter.accounts import services as accounts
from charter.accounts.models import Invitation, User
from charter.amendments import services as amendments
from charter.amendments.models import State
from charter.audit import AuditEntry
from charter.consultation import services as consultation
from charter.database import ImmutableRowError
from charter.drafting.models import utcnow
from charter.errors import DomainError
from charter.extensions import db
from charter.text.rebase import Operation
from tests.amendments.conftest import World, world  # noqa: F401
from tests.factories import make_charter, make_council, make_user

CHANGE = Operation(
    "modify", "article-1-dignity", "Every person is welcome, with or without papers."
)


def rows(**where) -> list[AuditEntry]:
    """The committed-or-flushed audit rows matching these columns, oldest first."""
    query = sa.select(AuditEntry).filter_by(**where).order_by(AuditEntry.id)
    return list(db.session.scalars(query))


def new_rows(since: int) -> list[tuple]:
    """(action, actor id, object type, object id, before, after) of rows after id since."""
    query = sa.select(AuditEntry).where(AuditEntry.id > since).order_by(AuditEntry.id)
    return [
        (e.action, e.actor_id, e.object_type, e.object_id, e.before, e.after)
        for e in db.session.scalars(query)
    ]


def last_id() -> int:
    return db.session.scalar(sa.select(sa.func.max(AuditEntry.id))) or 0


def propose(world: World, *, submit: bool = True):
    amendment = amendments.propose(
        world.author,
        world.charter,
        world.version.number,
        [CHANGE],
        justification="Dignity does not depend on papers.",
        submit=submit,
    )
    db.session.commit()
    return amendment


# Append-only ------------------------------------------------------------------------------


@pytest.fixture
def entry(app) -> AuditEntry:
    row = audit.record(None, "council.create", None, after="Right to the City", object_id="7")
    db.session.commit()
    return row


def test_audit_entry_update_is_refused_and_the_row_stays(entry):
    entry.after = "Something else"
    with pytest.raises(ImmutableRowError):
        db.session.flush()
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(AuditEntry, entry.id).after == "Right to the City"


def test_audit_entry_delete_is_refused_and_the_row_stays(entry):
    entry_id = entry.id
    db.session.delete(entry)
    with pytest.raises(ImmutableRowError):
        db.session.flush()
    db.session.rollback()
    assert db.session.get(AuditEntry, entry_id).action == "council.create"


def test_audit_record_keeps_the_actor_name_and_the_request_address(app, world):
    with app.test_request_context("/", environ_base={"REMOTE_ADDR": "203.0.113.9"}):
        row = audit.record(world.secretariat, "amendment.accept", None, after="accepted")
    assert (row.actor_id, row.actor_name, row.address) == (
        world.secretariat.id,
        "Sofia",
        "203.0.113.9",
    )


# Amendments ------------------------------------------------------------------------------


def test_propose_records_the_state(world):
    since = last_id()
    draft = propose(world, submit=False)
    submitted = propose(world)
    assert new_rows(since) == [
        ("amendment.propose", world.author.id, "amendment", str(draft.id), "", "draft"),
        ("amendment.propose", world.author.id, "amendment", str(submitted.id), "", "submitted"),
    ]
    assert rows(action="amendment.propose")[0].charter_id == world.charter.id


def test_edit_records_what_changed(world):
    amendment = propose(world)
    since = last_id()
    amendments.edit(
        world.author,
        amendment,
        [CHANGE],
        justification="Dignity does not depend on papers.",
        title="Welcome without papers",
        themes=[],
        questions=[],
        revision=amendment.revision,
    )
    db.session.commit()
    [(action, actor, _kind, _id, before, after)] = new_rows(since)
    assert (action, actor) == ("amendment.edit", world.author.id)
    assert before == "title: Change to Article 1 — Dignity"
    assert after == "title: Welcome without papers"


def test_change_operations_names_the_changes(world):
    amendment = propose(world)
    since = last_id()
    other = Operation("modify", "article-2-equity", "Public services are open to everyone.")
    amendments.change_operations(world.author, amendment, [CHANGE, other], amendment.revision)
    db.session.commit()
    [(action, _actor, _kind, _id, before, after)] = new_rows(since)
    assert action == "amendment.edit_changes"
    assert before == "changes: modify article-1-dignity"
    assert after == "changes: modify article-1-dignity, modify article-2-equity"


def test_submit_and_withdraw_record_the_move(world):
    amendment = propose(world, submit=False)
    since = last_id()
    amendments.submit(world.author, amendment)
    amendments.withdraw(world.author, amendment, "  Merged into another one.  ")
    db.session.commit()
    assert [(a, before, after) for a, _u, _k, _i, before, after in new_rows(since)] == [
        ("amendment.submit", "draft", "submitted"),
        ("amendment.withdraw", "submitted", "withdrawn: Merged into another one."),
    ]


def test_endorse_and_retract_record_the_cosigner(world):
    amendment = propose(world)
    since = last_id()
    amendments.endorse(world.cosigner, amendment)
    amendments.retract(world.cosigner, amendment)
    db.session.commit()
    assert new_rows(since) == [
        (
            "amendment.endorse",
            world.cosigner.id,
            "amendment",
            str(amendment.id),
            "not co-signed",
            "co-signed",
        ),
        (
            "amendment.retract",
            world.cosigner.id,
            "amendment",
            str(amendment.id),
            "co-signed",
            "not co-signed",
        ),
    ]


@pytest.mark.parametrize(
    "accept, action", [(True, "amendment.accept"), (False, "amendment.reject")]
)
def test_review_records_the_decision_with_its_reason(world, accept, action):
    amendment = propose(world)
    since = last_id()
    amendments.review(world.secretariat, amendment, accept, "It fits the network's values.")
    db.session.commit()
    verdict = "accepted" if accept else "rejected"
    assert new_rows(since) == [
        (
            action,
            world.secretariat.id,
            "amendment",
            str(amendment.id),
            "submitted",
            f"{verdict}: It fits the network's values.",
        )
    ]


def test_discussion_records_a_comment(world):
    amendment = propose(world)
    since = last_id()
    comment = consultation.comment_on_amendment(world.cosigner, amendment, "What about  newcomers?")
    db.session.commit()
    assert new_rows(since) == [
        (
            "comment.amendment",
            world.cosigner.id,
            "comment",
            str(comment.id),
            "",
            "What about newcomers?",
        )
    ]


@pytest.mark.parametrize(
    "refused",
    [
        lambda w, a: amendments.review(w.secretariat, a, True, "   "),  # no reason
        lambda w, a: amendments.review(w.author, a, True, "Mine is good."),  # not the secretariat
        lambda w, a: amendments.endorse(w.author, a),  # one's own amendment
        lambda w, a: amendments.retract(w.cosigner, a),  # never co-signed
        lambda w, a: amendments.submit(w.author, a),  # submitted already
        lambda w, a: consultation.comment_on_amendment(w.outsider, a, "Hello"),  # not a member
    ],
)
def test_refused_action_writes_nothing(world, refused):
    amendment = propose(world)
    since = last_id()
    with pytest.raises(DomainError):
        refused(world, amendment)
    db.session.rollback()
    assert new_rows(since) == []
    assert db.session.get(type(amendment), amendment.id).state is State.SUBMITTED


# Accounts --------------------------------------------------------------------------------


def test_create_user_records_who_created_it(app):
    admin = make_user("admin", name="Ada")
    since = last_id()
    user = accounts.create_user("Nadia@Example.org", "partner", actor=admin)
    db.session.commit()
    assert new_rows(since) == [
        ("user.create", admin.id, "user", str(user.id), "", "nadia@example.org, partner")
    ]


def test_update_user_records_role_councils_and_activity(app):
    charter = make_charter()
    council = make_council(charter, "Right to the City")
    admin = make_user("admin", name="Ada")
    person = make_user("partner", name="Pia")
    since = last_id()
    accounts.update_user(admin, person, role="sherpa", councils=[council], active=False)
    db.session.commit()
    assert new_rows(since) == [
        ("user.role_change", admin.id, "user", str(person.id), "partner", "sherpa"),
        ("user.councils_change", admin.id, "user", str(person.id), "none", "Right to the City"),
        ("user.deactivate", admin.id, "user", str(person.id), "active", "inactive"),
    ]
    since = last_id()
    accounts.update_user(admin, person, role="sherpa", councils=[council], active=True)
    accounts.update_user(admin, person, role="sherpa", councils=[council], active=True)  # no-op
    db.session.commit()
    assert new_rows(since) == [
        ("user.reactivate", admin.id, "user", str(person.id), "inactive", "active")
    ]


def test_refused_role_change_writes_nothing(app):
    secretariat = make_user("secretariat")
    person = make_user("partner")
    since = last_id()
    with pytest.raises(DomainError):
        accounts.update_user(secretariat, person, role="admin", councils=[], active=True)
    db.session.rollback()
    assert new_rows(since) == []


def test_invitations_record_sent_replaced_revoked_and_accepted(app):
    secretariat = make_user("secretariat", name="Sofia")
    since = last_id()
    first, _token = accounts.invite(secretariat, "guest@example.org", "partner")
    second, token = accounts.invite(secretariat, "guest@example.org", "sherpa")
    db.session.commit()
    user = accounts.accept_invitation(token, "a long and unusual passphrase", "Guest")
    db.session.commit()
    third, _token = accounts.invite(secretariat, "other@example.org", "partner")
    accounts.revoke_invitation(third, actor=secretariat)
    db.session.commit()
    assert new_rows(since) == [
        (
            "invitation.send",
            secretariat.id,
            "invitation",
            str(first.id),
            "",
            "guest@example.org, partner",
        ),
        (
            "invitation.revoke",
            secretariat.id,
            "invitation",
            str(first.id),
            "pending",
            "replaced by a new one",
        ),
        (
            "invitation.send",
            secretariat.id,
            "invitation",
            str(second.id),
            "",
            "guest@example.org, sherpa",
        ),
        (
            "user.create",
            user.id,
            "user",
            str(user.id),
            "",
            "guest@example.org, sherpa, by invitation",
        ),
        ("invitation.accept", user.id, "invitation", str(second.id), "pending", "accepted"),
        (
            "invitation.send",
            secretariat.id,
            "invitation",
            str(third.id),
            "",
            "other@example.org, partner",
        ),
        ("invitation.revoke", secretariat.id, "invitation", str(third.id), "pending", "revoked"),
    ]
    assert_no_secret(token)


def assert_no_secret(*secrets: str) -> None:
    texts = " ".join(f"{e.before} {e.after}" for e in rows())
    for secret in secrets:
        assert secret not in texts
    for hashed in db.session.scalars(sa.select(Invitation.token_hash)):
        assert hashed not in texts


def test_password_reset_records_the_request_and_its_use_without_the_link(app):
    user = make_user("partner", email="pia@example.org", password="an old long passphrase")
    since = last_id()
    _user, token = accounts.request_password_reset("pia@example.org")
    assert accounts.request_password_reset("nobody@example.org") is None
    db.session.commit()
    accounts.reset_password(token, "a brand new long passphrase")
    db.session.commit()
    assert new_rows(since) == [
        ("user.password_reset_request", None, "user", str(user.id), "", "reset link sent"),
        ("user.password_reset", user.id, "user", str(user.id), "", "password changed"),
    ]
    assert_no_secret(token, "a brand new long passphrase")


def test_own_account_changes_are_recorded_without_the_password(app):
    user = make_user("partner", name="Pia", password="an old long passphrase")
    since = last_id()
    accounts.update_profile(
        user, display_name="Pia M.", language="fr", organisation="", country="", region=""
    )
    accounts.update_profile(  # nothing changes: nothing to record
        user, display_name="Pia M.", language="fr", organisation="", country="", region=""
    )
    accounts.change_password(user, "an old long passphrase", "a brand new long passphrase")
    db.session.commit()
    assert new_rows(since) == [
        (
            "user.profile_change",
            user.id,
            "user",
            str(user.id),
            "name: Pia; language: ",
            "name: Pia M.; language: fr",
        ),
        ("user.password_change", user.id, "user", str(user.id), "", "password changed"),
    ]
    assert_no_secret("an old long passphrase", "a brand new long passphrase")
    since = last_id()
    with pytest.raises(DomainError):
        accounts.change_password(user, "a wrong guess at it", "another long passphrase")
    db.session.rollback()
    assert new_rows(since) == []


def test_councils_record_creation_and_renaming(app):
    charter = make_charter()
    admin = make_user("admin")
    since = last_id()
    council = accounts.create_council(charter, " Right to the City ", actor=admin)
    accounts.update_council(council, "Right to the City", "", actor=admin)  # no change
    accounts.update_council(council, "Housing", "Homes for all.", actor=admin)
    db.session.commit()
    assert new_rows(since) == [
        ("council.create", admin.id, "council", str(council.id), "", "Right to the City"),
        ("council.rename", admin.id, "council", str(council.id), "Right to the City", "Housing"),
        ("council.describe", admin.id, "council", str(council.id), "", "Homes for all."),
    ]
    assert {e.charter_id for e in rows(object_type="council")} == {charter.id}


def test_sign_in_is_not_a_state_change(client, app):
    make_user("partner", email="pia@example.org", password="a long enough passphrase")
    since = last_id()
    response = client.post(
        "/login", data={"email": "pia@example.org", "password": "a long enough passphrase"}
    )
    assert response.status_code == 302
    assert new_rows(since) == []


# Views record through the services, with the address --------------------------------------


def test_admin_views_record_with_the_signed_in_actor_and_address(client, login_as, app):
    charter = make_charter()
    admin = make_user("admin", name="Ada")
    login_as(admin)
    since = last_id()
    response = client.post(
        "/admin/councils",
        data={"charter_id": charter.id, "name": "Right to the City", "description": ""},
        environ_base={"REMOTE_ADDR": "198.51.100.4"},
    )
    assert response.status_code == 302
    [entry] = [e for e in rows() if e.id > since]
    assert (entry.action, entry.actor_id, entry.actor_name, entry.address) == (
        "council.create",
        admin.id,
        "Ada",
        "198.51.100.4",
    )


# The page --------------------------------------------------------------------------------


def html(response) -> str:
    return response.get_data(as_text=True)


def listed_actions(page: str) -> list[str]:
    return re.findall(r"<td><a [^>]*><code>([^<]+)</code></a></td>", page)


def test_audit_page_sends_anonymous_visitors_to_sign_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


@pytest.mark.parametrize(
    "role, status",
    [("partner", 403), ("sherpa", 403), ("advisor", 403), ("secretariat", 200), ("admin", 200)],
)
def test_audit_page_is_for_the_secretariat_and_admins(client, login_as, app, role, status):
    login_as(make_user(role))
    assert client.get("/admin/audit").status_code == status


def test_audit_page_lists_changes_newest_first_and_filters_them(client, login_as, world):
    first = propose(world)
    amendments.endorse(world.cosigner, first)
    amendments.review(world.secretariat, first, True, "Welcome indeed.")
    other_charter = make_charter("elsewhere")
    accounts.create_council(other_charter, "Elsewhere too", actor=world.secretariat)
    db.session.commit()
    login_as(world.secretariat)

    page = html(client.get("/admin/audit"))
    assert listed_actions(page)[:4] == [
        "council.create",
        "amendment.accept",
        "amendment.endorse",
        "amendment.propose",
    ]
    assert "Welcome indeed." in page
    assert f'href="/charters/amend/amendments/{first.number}"' in page

    def actions(**query) -> list[str]:
        response = client.get("/admin/audit", query_string=query)
        assert response.status_code == 200
        return listed_actions(html(response))

    assert actions(action="amendment") == [
        "amendment.accept",
        "amendment.endorse",
        "amendment.propose",
    ]
    assert actions(action="amendment.accept") == ["amendment.accept"]
    assert actions(action="amend") == []  # a prefix of a domain is not a domain
    assert actions(actor=world.cosigner.id) == ["amendment.endorse"]
    assert actions(charter=other_charter.id) == ["council.create"]
    assert actions(charter=world.charter.id, actor=world.secretariat.id) == ["amendment.accept"]
    assert actions(object_type="amendment", object_id=first.id) == [
        "amendment.accept",
        "amendment.endorse",
        "amendment.propose",
    ]
    today = utcnow().date()
    assert len(actions(since=today.isoformat(), until=today.isoformat())) >= 4
    assert actions(since=(today + timedelta(days=2)).isoformat()) == []
    assert actions(until=(today - timedelta(days=2)).isoformat()) == []


def test_audit_page_paginates(client, login_as, app, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    admin = make_user("admin")
    for number in range(5):
        audit.record(admin, "council.create", None, after=f"Council {number}")
    db.session.commit()
    login_as(admin)
    first = html(client.get("/admin/audit"))
    third = html(client.get("/admin/audit?page=3"))
    assert "Council 4" in first and "Council 3" in first and "Council 2" not in first
    assert "Council 0" in third and "Council 1" not in third
    assert "page=2" in first
    assert "6 entries" in first  # five, and the account of the admin


def test_audit_page_escapes_what_people_wrote(client, login_as, world):
    payload = "<script>alert(1)</script>"
    accounts.update_profile(
        world.cosigner, display_name=payload, language="en", organisation="", country="", region=""
    )
    amendment = propose(world)
    consultation.comment_on_amendment(world.cosigner, amendment, payload)
    db.session.commit()
    login_as(world.secretariat)
    page = html(client.get("/admin/audit"))
    assert payload not in page
    assert str(escape(payload)) in page
    assert str(escape(f"name: {payload}")) in page


@pytest.mark.parametrize(
    "query",
    [
        "page=abc",
        "page=-3",
        "page=99999999999999",
        "actor=99999999999999",
        "actor=abc",
        "charter=1e9",
        "charter=99999999999999999999",
        "action=%25",
        "action=" + "a" * 500,
        "object_id=%00",
        "object_type=user&object_id=99999999999999",
        "since=yesterday",
        "until=9999-12-31",
        "since=0001-01-01",
        "until=2026-02-30",
    ],
)
def test_audit_page_ignores_filters_that_make_no_sense(client, login_as, app, query):
    admin = make_user("admin")
    login_as(admin)
    assert client.get("/admin/audit?" + query).status_code == 200


def test_audit_page_is_in_the_admin_menu(client, login_as, app):
    login_as(make_user("secretariat"))
    assert 'href="/admin/audit"' in html(client.get("/admin/users"))


def test_audit_page_queries_do_not_grow_with_the_rows(app, client, login_as, world, count_queries):
    app.config["COMMENT_LIMITS"] = ()  # ten messages in a row
    login_as(world.secretariat)
    for _number in range(3):
        consultation.comment_on_amendment(world.cosigner, propose(world), "First")
    db.session.commit()
    notifications.deliver_pending()
    with count_queries() as few:
        client.get("/admin/audit")
    for _number in range(10):
        amendment = propose(world)
        consultation.comment_on_amendment(world.cosigner, amendment, "More")
    db.session.commit()
    notifications.deliver_pending()  # not in the measured request
    with count_queries() as many:
        client.get("/admin/audit")
    assert many() == few()


def test_audit_keeps_the_name_a_person_had_then(app):
    admin = make_user("admin", name="Ada")
    audit.record(admin, "council.create", None)
    db.session.commit()
    admin.display_name = "Ada Lovelace"
    db.session.commit()
    assert rows(action="council.create")[-1].actor_name == "Ada"
    assert db.session.get(User, admin.id).display_name == "Ada Lovelace"
