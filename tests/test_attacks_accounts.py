"""Attacks on signing in and on where the site sends people: open redirects through every
`next` and through the Referer, and telling which accounts exist (sign-in, reset requests,
dead invitation and reset links, the sign-in limit).

Covered elsewhere, not repeated here: /login?next= with eleven foreign targets and a known
versus an unknown address (tests/accounts/test_login.py), the sign-in limits per account and
per address (test_login.py, and across two app instances in tests/test_security.py), a reset
asked for a deactivated, unknown or invalid address, or for the address of a pending
invitation (tests/accounts/test_password_reset.py).
"""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa

from charter.accounts import services as accounts
from charter.accounts.models import Invitation, PasswordReset, User
from charter.consultation import services as consultation
from charter.drafting.models import utcnow
from charter.extensions import db
from tests.attacks import (
    REFLECTED,
    check_response,
    fetch,
    form_field_names,
    paths_to_walk,
    seed,
    sign_in,
)
from tests.factories import make_charter, make_user, make_version

PASSWORD = "a long enough passphrase"
EVIL = "evil.example"
# Each way a same-site check has been fooled into sending people elsewhere.
TARGETS = (
    f"//{EVIL}",
    f"///{EVIL}",
    f"https://{EVIL}",
    f"/\\{EVIL}",
    f"\\\\{EVIL}",
    f"/\t/{EVIL}",
    f"/\n/{EVIL}",
    f" //{EVIL}",
    f"https:/\\{EVIL}",
    f"http:{EVIL}",
    f"%2F%2F{EVIL}",  # encoded twice on the way: the view reads %2F%2F
    f"/%2F{EVIL}",
    "javascript:alert(document.domain)",
    f"/\r\nLocation: https://{EVIL}",
    f"\r\n//{EVIL}",
)


def where_a_browser_goes(location: str) -> tuple[str, str]:
    """(scheme, host) a browser reaches from this Location, read from a page of the site:
    it drops tabs and line breaks, trims spaces and controls, reads \\ as /."""
    cleaned = re.sub(r"[\t\n\r]", "", location).strip("".join(map(chr, range(33))))
    parts = urlsplit(urljoin("http://localhost/charters/page", cleaned.replace("\\", "/")))
    return parts.scheme, parts.netloc


def stays_on_site(response) -> bool:
    location = response.headers.get("Location")
    return location is None or where_a_browser_goes(location) == ("http", "localhost")


@pytest.fixture
def site(app):
    """A published charter in consultation with a comment; a partner with a password."""
    charter = make_charter("cities", "Charter of Cities")
    version = make_version(charter)
    charter.stage_position = 2
    partner = make_user("partner", email="pat@example.org", password=PASSWORD)
    secretariat = make_user("secretariat", email="sec@example.org")
    comment = consultation.comment_on_section(
        partner, charter, version, "article-1-dignity", "A comment."
    )
    db.session.commit()
    return {"partner": partner, "secretariat": secretariat, "comment": comment.id}


def test_no_next_parameter_sends_anyone_to_another_site(app, client, site):
    """Every form and link that takes people on afterwards, with each foreign target."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    comment = f"/charters/cities/comments/{site['comment']}"

    def entry_points(target: str):
        sign_in(client, None)
        yield (
            "sign-in",
            client.post(
                "/login",
                query_string={"next": target},
                data={"email": "pat@example.org", "password": PASSWORD},
            ),
        )
        sign_in(client, site["partner"].id)
        yield "sign-in page, signed in", client.get("/login", query_string={"next": target})
        yield "language link", client.get("/language/fr", query_string={"next": target})
        yield "language form", client.post("/language", data={"language": "fr", "next": target})
        yield (
            "e-mail preference",
            client.post(
                "/notifications/preferences", data={"email_notifications": "never", "next": target}
            ),
        )
        yield (
            "follow",
            client.post(
                "/charters/cities/follow",
                data={"kind": "section", "ref": "article-1-dignity", "next": target},
            ),
        )
        sign_in(client, site["secretariat"].id)
        yield "hide", client.post(f"{comment}/hide", data={"reason": "Off-topic.", "next": target})
        yield "restore", client.post(f"{comment}/restore", data={"next": target})

    problems, requests = [], 0
    for target in TARGETS:
        for name, response in entry_points(target):
            requests += 1
            if response.status_code >= 500:
                problems.append(f"{name} with {target!r}: answered {response.status_code}")
            elif response.status_code != 302:
                problems.append(f"{name} with {target!r}: {response.status_code}, no redirect")
            elif not stays_on_site(response):
                problems.append(f"{name} with {target!r}: to {response.headers['Location']!r}")
    assert not problems, f"{len(TARGETS)} targets, {requests} requests\n" + "\n".join(problems)


def test_no_route_follows_a_foreign_referer_nor_echoes_a_form_as_html(app):
    """Every GET and POST route, with the seeded values, sent from another site; each POST
    with every field of every form of the app holding an attack."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # a crash is a 500 page, as in production
    world = seed()
    client = app.test_client()
    referer = {"Referer": f"https://{EVIL}/page"}
    form = dict.fromkeys(form_field_names(), REFLECTED)
    routes = [
        (method, target)
        for method in ("GET", "POST")
        for target in paths_to_walk(app, world, every_value=False, method=method)
        if not target.path.endswith((".pdf", ".docx"))
    ]
    problems = []
    for role in ("anonymous", "secretariat"):
        for method, target in routes:
            sign_in(client, world.users.get(role))  # again: a POST may have signed out
            if method == "GET":
                response = fetch(client, target.path, headers=referer)
            else:
                response = client.post(target.path, headers=referer, data=form)
            found = check_response(response, target.endpoint)
            if not stays_on_site(response) or EVIL in response.headers.get("Location", ""):
                found.append(f"sent to {response.headers['Location']!r}")
            problems += [f"{role} {method} {target.path}: {problem}" for problem in found]
    figures = f"{len(routes)} routes as 2 roles, POSTs with {len(form)} form fields"
    assert not problems, figures + "\n" + "\n".join(problems[:40])


def _answer(response, *echoed: str) -> tuple[int, str]:
    """What a visitor can compare: the status and the page, without what they typed and
    the form's one-time token."""
    page = response.get_data(as_text=True)
    for text in echoed:
        page = page.replace(text, "…")
    return response.status_code, re.sub(r'name="csrf_token"[^>]*', "", page)


def test_sign_in_answers_alike_for_every_address_that_cannot_sign_in(app, client):
    make_user("partner", email="known@example.org", password=PASSWORD)
    make_user("partner", email="gone@example.org", password=PASSWORD, active=False)
    make_user("partner", email="nopassword@example.org")  # made by the command line
    secretariat = make_user("secretariat", email="sec@example.org")
    accounts.invite(secretariat, "invited@example.org", "partner")
    expired, _token = accounts.invite(secretariat, "expired@example.org", "partner")
    expired.expires_at = utcnow() - timedelta(days=1)
    db.session.commit()

    def attempt(email: str, password: str = "a wrong passphrase!"):
        sign_in(client, None)
        return _answer(client.post("/login", data={"email": email, "password": password}), email)

    unknown = attempt("nobody@example.org")
    assert unknown[0] == 401
    for email, password in [
        ("known@example.org", "a wrong passphrase!"),
        ("gone@example.org", PASSWORD),  # the right password of a deactivated account
        ("nopassword@example.org", PASSWORD),
        ("invited@example.org", PASSWORD),
        ("expired@example.org", PASSWORD),
    ]:
        assert attempt(email, password) == unknown, email


def test_the_sign_in_limit_blocks_unknown_addresses_as_it_blocks_accounts(make_app):
    """The 429 itself must not tell which addresses have an account."""
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    with app.app_context():
        make_user("partner", email="known@example.org", password=PASSWORD)
        answers = {}
        for email in ("known@example.org", "nobody@example.org"):
            client = app.test_client()
            for _ in range(3):
                assert client.post("/login", data={"email": email, "password": "wrong!" * 3})
            blocked = client.post("/login", data={"email": email, "password": PASSWORD})
            answers[email] = _answer(blocked, email)
        assert answers["known@example.org"] == answers["nobody@example.org"]
        assert answers["nobody@example.org"][0] == 429


def test_dead_invitation_links_look_exactly_like_unknown_ones(app, client):
    secretariat = make_user("secretariat", email="sec@example.org")
    tokens = {}
    for state in ("expired", "revoked", "used", "replaced"):
        invitation, tokens[state] = accounts.invite(secretariat, f"{state}@example.org", "partner")
        if state == "expired":
            invitation.expires_at = utcnow() - timedelta(seconds=1)
        elif state == "revoked":
            accounts.revoke_invitation(invitation, actor=secretariat)
        elif state == "used":
            accounts.accept_invitation(tokens[state], PASSWORD)
        else:
            accounts.invite(secretariat, f"{state}@example.org", "partner")
    db.session.commit()
    tokens["unknown"] = "x" * len(tokens["used"])
    form = {"display_name": "Someone", "password": PASSWORD, "confirm": PASSWORD}

    def answers(token: str):
        sign_in(client, None)
        got = client.get(f"/invitations/{token}"), client.post(f"/invitations/{token}", data=form)
        return [_answer(response, token) for response in got]

    unknown = answers(tokens.pop("unknown"))
    assert [status for status, _page in unknown] == [404, 404]
    for state, token in tokens.items():
        assert answers(token) == unknown, state
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2  # the secretariat, used


def test_dead_reset_links_look_exactly_like_unknown_ones(app, client):
    person = make_user("partner", email="pat@example.org", password=PASSWORD)
    gone = make_user("partner", email="gone@example.org", password=PASSWORD)
    tokens = {}
    for state in ("used", "expired", "of a deactivated account"):  # using one ends the older
        user = gone if state == "of a deactivated account" else person
        _user, tokens[state] = accounts.request_password_reset(user.email)
        db.session.commit()
        if state == "expired":
            reset = db.session.scalar(sa.select(PasswordReset).order_by(PasswordReset.id.desc()))
            reset.expires_at = utcnow() - timedelta(seconds=1)
        elif state == "used":
            accounts.reset_password(tokens[state], "another long passphrase")
    gone.active = False
    db.session.commit()
    form = {"password": "yet another passphrase", "confirm": "yet another passphrase"}

    def answers(token: str):
        got = (
            client.get(f"/password/reset/{token}"),
            client.post(f"/password/reset/{token}", data=form),
        )
        return [_answer(response, token) for response in got]

    unknown = answers("x" * len(tokens["used"]))
    assert [status for status, _page in unknown] == [404, 404]
    for state, token in tokens.items():
        assert answers(token) == unknown, state
    assert accounts.authenticate("pat@example.org", "another long passphrase") is not None


def test_a_reset_cannot_open_an_account_for_an_expired_invitation(app, client):
    """(A pending invitation's address: tests/accounts/test_password_reset.py.)"""
    secretariat = make_user("secretariat", email="sec@example.org")
    invitation, token = accounts.invite(secretariat, "late@example.org", "partner")
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    asked = client.post("/password/reset", data={"email": "late@example.org"})
    unknown = client.post("/password/reset", data={"email": "nobody@example.org"})
    assert (asked.status_code, asked.headers["Location"]) == (
        unknown.status_code,
        unknown.headers["Location"],
    )
    assert db.session.scalar(sa.select(sa.func.count(PasswordReset.id))) == 0
    assert accounts.user_by_email("late@example.org") is None
    assert client.get(f"/invitations/{token}").status_code == 404
    assert db.session.get(Invitation, invitation.id).accepted_at is None
