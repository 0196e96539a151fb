"""Password resets by e-mail, sent through a real SMTP server on loopback."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from charter.accounts import services
from charter.accounts.models import PasswordReset, User
from charter.drafting.models import utcnow
from charter.extensions import db
from tests.factories import make_user

OLD_PASSWORD = "the old harbour passphrase"
NEW_PASSWORD = "a brand new harbour phrase"
SENT = (
    "If an account has this address, we have sent it a link to choose a new password. "
    "It works for 2 hours."
)
NOT_VALID = "This link is not valid any more"
LINK = re.compile(r"http://charter\.test(/password/reset/[\w-]+)")


@pytest.fixture
def site(mail_app):
    """The mail app, its inbox and Ana, who has an account with a password."""
    app, inbox = mail_app
    ana = make_user("sherpa", email="ana@example.org", password=OLD_PASSWORD, name="Ana")
    return {"app": app, "inbox": inbox, "ana": ana}


def ask_reset(test_client, email="ana@example.org"):
    return test_client.post("/password/reset", data={"email": email})


def choose(test_client, path, password=NEW_PASSWORD):
    return test_client.post(path, data={"password": password, "confirm": password})


def sign_in(test_client, email="ana@example.org", password=OLD_PASSWORD):
    return test_client.post("/login", data={"email": email, "password": password})


def link_in(message) -> str:
    links = LINK.findall(message.get_content())
    assert len(links) == 1, message.get_content()
    return links[0]


@pytest.fixture
def reset_link(site):
    """Ana asked for a reset; the path of the link she received."""
    assert ask_reset(site["app"].test_client()).status_code == 302
    [message] = site["inbox"]
    return link_in(message)


def answer_to(test_client, email) -> tuple[int, str, str]:
    """What someone asking for a reset sees: status, where it sends them, the message there."""
    response = ask_reset(test_client, email)
    location = urlsplit(response.headers.get("Location", "")).path
    page = test_client.get(location).get_data(as_text=True) if location else ""
    banners = re.findall(r'<div class="banner[^"]*" role="status">([^<]*)</div>', page)
    return response.status_code, location, " ".join(banners)


def test_password_reset_mails_a_link_to_the_account(site):
    client = site["app"].test_client()
    status, location, banner = answer_to(client, "Ana@Example.org")
    assert (status, location, banner) == (302, "/login", SENT)
    [message] = site["inbox"]
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == "Reset your Charter password"
    assert LINK.search(message.get_content())


@pytest.mark.parametrize("who", ["unknown", "deactivated", "invalid address"])
def test_password_reset_answers_the_same_whether_or_not_an_account_exists(site, who):
    make_user("partner", email="gone@example.org", password=OLD_PASSWORD, active=False)
    email = {
        "unknown": "nobody@example.org",
        "deactivated": "gone@example.org",
        "invalid address": "not an address",
    }[who]
    known = answer_to(site["app"].test_client(), "ana@example.org")
    other = answer_to(site["app"].test_client(), email)
    assert other == known == (302, "/login", SENT)
    assert [message["To"] for message in site["inbox"]] == ["ana@example.org"]


def test_password_reset_link_sets_the_new_password(site, reset_link):
    client = site["app"].test_client()
    form = client.get(reset_link)
    assert form.status_code == 200
    assert "Choose a new password" in form.get_data(as_text=True)

    response = choose(client, reset_link)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert "Your password is changed. Sign in with it now." in client.get("/login").get_data(
        as_text=True
    )

    old = sign_in(site["app"].test_client())
    assert old.status_code == 401
    assert "Email or password is wrong." in old.get_data(as_text=True)
    assert sign_in(site["app"].test_client(), password=NEW_PASSWORD).status_code == 302


def test_password_reset_link_works_only_once(site, reset_link):
    client = site["app"].test_client()
    assert choose(client, reset_link).status_code == 302
    for response in (client.get(reset_link), choose(client, reset_link, "a third long passphrase")):
        assert response.status_code == 404
        assert NOT_VALID in response.get_data(as_text=True)
        assert "Ask for a new link" in response.get_data(as_text=True)
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302


def test_password_reset_link_expired_is_not_valid(site, reset_link):
    reset = db.session.scalar(sa.select(PasswordReset))
    reset.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    client = site["app"].test_client()
    response = client.get(reset_link)
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)
    assert choose(client, reset_link).status_code == 404
    assert sign_in(client).status_code == 302  # the old password still works


def test_password_reset_link_of_a_deactivated_user_is_not_valid(site, reset_link):
    site["ana"].active = False
    db.session.commit()
    response = site["app"].test_client().get(reset_link)
    assert response.status_code == 404
    assert NOT_VALID in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "password, reason",
    [
        ("short1", "Use at least 10 characters."),
        ("password123", "This password is among the most common ones: choose another."),
        ("abababababab", "This password is among the most common ones: choose another."),
    ],
)
def test_password_reset_refuses_a_weak_password_saying_why(site, reset_link, password, reason):
    client = site["app"].test_client()
    response = choose(client, reset_link, password)
    assert response.status_code == 422
    assert reason in response.get_data(as_text=True)
    assert sign_in(site["app"].test_client(), password=password).status_code == 401
    # Nothing was used up: the link still works with a good password.
    assert choose(client, reset_link).status_code == 302


def test_password_reset_ends_the_other_sessions(site, reset_link):
    elsewhere = site["app"].test_client()
    assert sign_in(elsewhere).status_code == 302
    assert elsewhere.get("/account").status_code == 200

    assert choose(site["app"].test_client(), reset_link).status_code == 302

    response = elsewhere.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"


def test_password_reset_of_the_old_link_fails_once_a_newer_one_is_used(site):
    client = site["app"].test_client()
    ask_reset(client)
    ask_reset(client)
    first, second = (link_in(message) for message in site["inbox"])
    assert choose(client, second).status_code == 302
    # The password just chosen cannot be replaced through a link mailed before it.
    assert client.get(first).status_code == 404
    assert choose(client, first, "someone else's phrase").status_code == 404
    assert sign_in(client, password=NEW_PASSWORD).status_code == 302


def test_password_reset_cannot_bypass_a_pending_invitation(site):
    secretariat = make_user("secretariat", email="sec@example.org")
    services.invite(secretariat, "ines@example.org", "partner")
    db.session.commit()

    status, location, banner = answer_to(site["app"].test_client(), "ines@example.org")
    assert (status, location, banner) == (302, "/login", SENT)
    assert site["inbox"] == []
    assert db.session.scalar(sa.select(sa.func.count(PasswordReset.id))) == 0
    assert db.session.scalar(sa.select(User).where(User.email == "ines@example.org")) is None
