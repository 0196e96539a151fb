"""Invitations by e-mail, sent through a real SMTP server on loopback, then accepted."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from charter.accounts import passwords
from charter.accounts.models import Invitation, User
from charter.drafting.models import utcnow
from charter.extensions import db
from tests.factories import make_charter, make_council, make_user

GOOD_PASSWORD = "a walk along the harbour"
NOT_VALID = "This link is not valid any more"
LINK = re.compile(r"http://charter\.test(/invitations/[\w-]+)")


def common_password() -> str:
    """A password of the common list that only the list refuses (long, varied enough)."""
    listed = (Path(passwords.__file__).parent / "common_passwords.txt").read_text().split()
    return next(word for word in listed if len(word) >= 10 and len(set(word)) >= 4)


def sign_in(test_client, user) -> None:
    """Sign a user in on a client of any app (as Flask-Login would after a real sign-in)."""
    with test_client.session_transaction() as session:
        session["_user_id"] = user.get_id()
        session["_fresh"] = True


def link_in(message) -> str:
    """The path of the one invitation link in a received message."""
    links = LINK.findall(message.get_content())
    assert len(links) == 1, message.get_content()
    return links[0]


def invitations_of(email: str) -> list[Invitation]:
    return list(db.session.scalars(sa.select(Invitation).where(Invitation.email == email)))


def user_of(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def site(mail_app):
    """The mail app, its inbox, two councils and a signed-in secretariat's client."""
    app, inbox = mail_app
    charter = make_charter("lampedusa", "Lampedusa Charter")
    housing = make_council(charter, "Housing")
    health = make_council(charter, "Health")
    secretariat = make_user("secretariat", email="sec@example.org", name="Sofia Secretariat")
    staff = app.test_client()
    sign_in(staff, secretariat)
    return {
        "app": app,
        "inbox": inbox,
        "staff": staff,
        "secretariat": secretariat,
        "councils": (housing, health),
    }


def invite(test_client, email="ines@example.org", role="sherpa", councils=(), name="Inès"):
    return test_client.post(
        "/admin/invitations",
        data={
            "email": email,
            "display_name": name,
            "role": role,
            "councils": [council.id for council in councils],
        },
    )


def accept(test_client, path, password=GOOD_PASSWORD, name="Inès Ibarra", confirm=None):
    return test_client.post(
        path,
        data={
            "display_name": name,
            "password": password,
            "confirm": password if confirm is None else confirm,
        },
    )


@pytest.fixture
def invited(site):
    """An invitation sent through the form; yields the link's path."""
    response = invite(site["staff"], councils=site["councils"])
    assert response.status_code == 302
    return link_in(site["inbox"][-1])


def test_invitation_arrives_by_mail_to_the_invitee_with_a_link(site):
    response = invite(site["staff"], councils=site["councils"])
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/admin/invitations"

    [message] = site["inbox"]
    assert message["To"] == "ines@example.org"
    assert message["Subject"] == "Your invitation to Charter"
    body = message.get_content()
    assert "Sofia Secretariat invites you" in body
    assert "as Sherpa." in body
    councils_line = next(line for line in body.splitlines() if "Policy Councils" in line)
    assert "Housing" in councils_line and "Health" in councils_line
    assert LINK.search(body)

    page = site["staff"].get("/admin/invitations").get_data(as_text=True)
    assert "Invitation sent to ines@example.org." in page
    assert "ines@example.org" in page.split("Pending invitations")[1]


def test_invitation_link_shows_the_form_with_the_invited_details(site, invited):
    response = site["app"].test_client().get(invited)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "You are invited as Sherpa with the address ines@example.org." in page
    assert re.search(r"Your Policy Councils: (Housing, Health|Health, Housing)\.", page)
    assert 'value="Inès"' in page  # the name the secretariat typed, to correct if need be
    assert ">Create my account</button>" in page


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "Use at least 10 characters."),
        (common_password(), "This password is among the most common ones: choose another."),
    ],
)
def test_invitation_refuses_a_weak_password_saying_why(site, invited, password, reason):
    response = accept(site["app"].test_client(), invited, password=password, name="Inès Ibarra")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert reason in page
    assert 'value="Inès Ibarra"' in page  # the typed name is kept
    assert user_of("ines@example.org") is None


def test_invitation_refuses_two_different_passwords(site, invited):
    response = accept(site["app"].test_client(), invited, confirm="another long passphrase")
    assert response.status_code == 422
    assert "The two passwords differ." in response.get_data(as_text=True)
    assert user_of("ines@example.org") is None


def test_invitation_accepted_signs_the_new_user_in_with_the_invited_role(site, invited):
    invitee = site["app"].test_client()
    response = accept(invitee, invited)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/account"

    account = invitee.get("/account")
    page = account.get_data(as_text=True)
    assert account.status_code == 200
    assert "ines@example.org" in page
    assert "Welcome, Inès Ibarra: your account is ready." in page

    user = user_of("ines@example.org")
    assert user.role == "sherpa"
    assert user.display_name == "Inès Ibarra"
    assert sorted(council.name for council in user.councils) == ["Health", "Housing"]
    assert user.check_password(GOOD_PASSWORD)


def test_invitation_accepted_lets_the_user_sign_in_later(site, invited):
    accept(site["app"].test_client(), invited)
    stranger = site["app"].test_client()
    response = stranger.post(
        "/login", data={"email": "ines@example.org", "password": GOOD_PASSWORD}
    )
    assert response.status_code == 302


def test_invitation_link_works_only_once(site, invited):
    assert accept(site["app"].test_client(), invited).status_code == 302

    again = site["app"].test_client()
    for response in (again.get(invited), accept(again, invited, password="yet another passphrase")):
        assert response.status_code == 404
        assert NOT_VALID in response.get_data(as_text=True)
    assert user_of("ines@example.org").check_password(GOOD_PASSWORD)


def test_invitation_expired_is_not_valid(site, invited):
    [invitation] = invitations_of("ines@example.org")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    invitee = site["app"].test_client()
    response = invitee.get(invited)
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)
    assert accept(invitee, invited).status_code == 404
    assert user_of("ines@example.org") is None
    pending = site["staff"].get("/admin/invitations").get_data(as_text=True)
    assert "No pending invitation." in pending


def test_invitation_revoked_is_not_valid(site, invited):
    [invitation] = invitations_of("ines@example.org")
    response = site["staff"].post(f"/admin/invitations/{invitation.id}/revoke")
    assert response.status_code == 302
    page = site["staff"].get("/admin/invitations").get_data(as_text=True)
    assert "The invitation of ines@example.org is revoked." in page
    assert "No pending invitation." in page

    invitee = site["app"].test_client()
    response = invitee.get(invited)
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)
    assert accept(invitee, invited).status_code == 404
    assert user_of("ines@example.org") is None


def test_invitation_sent_again_replaces_the_earlier_link(site, invited):
    assert invite(site["staff"], role="advisor").status_code == 302
    assert len(site["inbox"]) == 2
    newer = link_in(site["inbox"][-1])
    assert newer != invited

    invitee = site["app"].test_client()
    assert invitee.get(invited).status_code == 404
    assert accept(invitee, invited).status_code == 404
    assert accept(invitee, newer).status_code == 302
    assert user_of("ines@example.org").role == "advisor"


def test_invitation_to_an_existing_account_is_refused_without_mail(site):
    make_user("partner", email="pat@example.org")
    response = invite(site["staff"], email="Pat@Example.org")
    assert response.status_code == 422
    assert "pat@example.org has an account already." in response.get_data(as_text=True)
    assert site["inbox"] == []
    assert invitations_of("pat@example.org") == []


def test_invitation_to_an_invalid_address_explains_and_keeps_the_form(site):
    housing, _health = site["councils"]
    response = invite(site["staff"], email="ines@", role="advisor", councils=[housing])
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "“ines@” is not a valid e-mail address." in page
    assert 'value="ines@"' in page
    assert 'value="Inès"' in page
    assert '<option selected value="advisor">' in page
    assert re.search(rf'checked[^>]*value="{housing.id}"|value="{housing.id}"[^>]*checked', page)
    assert site["inbox"] == []
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invitation_of_an_admin_by_the_secretariat_is_refused(site):
    response = invite(site["staff"], email="root@example.org", role="admin")
    assert response.status_code == 422
    assert "You may not give the role “admin”." in response.get_data(as_text=True)
    assert site["inbox"] == []
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invitation_of_an_admin_by_an_admin_works(site):
    admin = make_user("admin", email="root@example.org")
    client = site["app"].test_client()
    sign_in(client, admin)
    assert invite(client, email="second@example.org", role="admin").status_code == 302
    path = link_in(site["inbox"][-1])
    assert accept(site["app"].test_client(), path).status_code == 302
    assert user_of("second@example.org").role == "admin"


@pytest.mark.parametrize("role", ["partner", "sherpa", "advisor"])
def test_invitation_by_a_participant_is_forbidden(site, role):
    council, _ = site["councils"]
    client = site["app"].test_client()
    sign_in(client, make_user(role, councils=[council]))
    response = invite(client, role="partner")
    assert response.status_code == 403
    assert "You may not do this" in response.get_data(as_text=True)
    assert site["inbox"] == []
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invitations_page_sends_anonymous_visitors_to_sign_in(site):
    anonymous = site["app"].test_client()
    response = anonymous.get("/admin/invitations")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query)["next"] == ["/admin/invitations"]

    posted = invite(anonymous)
    assert posted.status_code == 401
    assert "Please sign in" in posted.get_data(as_text=True)
    assert site["inbox"] == []
    assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 0


def test_invitation_token_is_stored_only_as_a_hash(site, invited):
    token = invited.rsplit("/", 1)[1]
    rows = db.session.execute(sa.select(Invitation.__table__)).all()
    assert len(rows) == 1
    assert all(token not in str(value) for value in rows[0])


def test_an_unreachable_mail_server_keeps_the_invitation_and_gives_the_link(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    with app.app_context():
        secretariat = make_user("secretariat", email="sec@example.org")
        staff = app.test_client()
        sign_in(staff, secretariat)
        response = staff.post(
            "/admin/invitations",
            data={"email": "new@example.org", "role": "partner"},
            follow_redirects=True,
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "the e-mail could not be sent" in page
        assert "/invitations/" in page
        assert len(invitations_of("new@example.org")) == 1


def test_a_reset_with_an_unreachable_mail_server_answers_as_usual(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)
    with app.app_context():
        make_user("sherpa", email="ana@example.org", password=GOOD_PASSWORD)
        response = app.test_client().post(
            "/password/reset", data={"email": "ana@example.org"}, follow_redirects=True
        )
        assert response.status_code == 200
        assert "If an account has this address" in response.get_data(as_text=True)
