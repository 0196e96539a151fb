"""Two-factor sign-in (TOTP and recovery codes) and the limits of a session's life."""

import re
import time

import pyotp
import pytest
import sqlalchemy as sa

from charter.accounts.models import RecoveryCode, User
from charter.audit import AuditEntry
from charter.extensions import db
from tests.factories import make_user, set_up_two_factor

PASSWORD = "a long enough passphrase"


def password_step(client, email: str, **extra):
    return client.post(
        "/login", data={"email": email, "password": PASSWORD}, query_string=extra or None
    )


def signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def next_code(secret: str) -> str:
    """The app's next code (accepted a step early): the current one went to the setup."""
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + 1)


def codes_of(page: str) -> list[str]:
    return re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", page)


@pytest.fixture
def secretariat(app):
    return make_user("secretariat", email="sec@example.org", password=PASSWORD, name="Sam")


@pytest.fixture
def enrolled(app, client, secretariat):
    """The secretariat with two-factor sign-in set up; its key; signed out again."""
    password_step(client, "sec@example.org")
    secret = set_up_two_factor(client)
    client.post("/logout")
    db.session.expire_all()
    return secretariat, secret


def test_a_role_that_needs_it_sets_up_the_second_factor_before_its_first_session(
    client, secretariat
):
    response = password_step(client, "sec@example.org", next="/admin/users")
    assert response.headers["Location"] == "/login/setup"
    assert not signed_in(client)  # the password alone opened nothing
    page = client.get("/login/setup").get_data(as_text=True)
    assert "Set up two-factor sign-in" in page
    assert 'src="data:image/svg+xml;charset=utf-8,%3Csvg%20xmlns' in page  # the QR code
    secret = re.search(r'<code class="secret-key">([A-Z2-7]+)</code>', page).group(1)

    wrong = client.post("/login/setup", data={"code": "123456"})
    assert wrong.status_code == 422
    assert "This code does not match" in wrong.get_data(as_text=True)
    assert secret in wrong.get_data(as_text=True)  # the same key: the app needs no rescan
    assert db.session.get(User, secretariat.id).totp_secret is None

    done = client.post("/login/setup", data={"code": pyotp.TOTP(secret).now()})
    page = done.get_data(as_text=True)
    assert len(set(codes_of(page))) == 10
    assert 'href="/admin/users"' in page  # on to where they were going
    assert signed_in(client)
    assert client.get("/admin/users").status_code == 200
    stored = db.session.get(User, secretariat.id)
    assert stored.totp_secret == secret
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10
    hashes = db.session.scalars(sa.select(RecoveryCode.code_hash)).all()
    assert not set(codes_of(page)) & set(hashes)  # only hashes are stored
    assert db.session.scalar(
        sa.select(AuditEntry.action).where(AuditEntry.action == "user.two_factor_on")
    )


def test_signing_in_takes_the_code_of_the_moment(client, enrolled):
    user, secret = enrolled
    response = password_step(client, "sec@example.org", next="/admin/users")
    assert response.headers["Location"] == "/login/code"
    assert not signed_in(client)
    wrong = client.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 401
    assert "This code is wrong or was already used." in wrong.get_data(as_text=True)
    assert not signed_in(client)
    right = client.post("/login/code", data={"code": next_code(secret)})
    assert right.headers["Location"] == "/admin/users"
    assert signed_in(client)


def test_a_code_works_once(client, enrolled):
    user, secret = enrolled
    code = next_code(secret)
    password_step(client, "sec@example.org")
    assert client.post("/login/code", data={"code": code}).status_code == 302
    client.post("/logout")
    password_step(client, "sec@example.org")
    replay = client.post("/login/code", data={"code": code})
    assert replay.status_code == 401  # seen over a shoulder, it is worth nothing now
    assert not signed_in(client)


def test_a_recovery_code_stands_in_for_the_phone_once(client, secretariat):
    password_step(client, "sec@example.org")
    page = client.get("/login/setup").get_data(as_text=True)
    secret = re.search(r'<code class="secret-key">([A-Z2-7]+)</code>', page).group(1)
    codes = codes_of(
        client.post("/login/setup", data={"code": pyotp.TOTP(secret).now()}).get_data(as_text=True)
    )
    client.post("/logout")

    password_step(client, "sec@example.org")
    used = client.post("/login/code", data={"code": codes[3].upper().replace("-", " ")})
    assert used.status_code == 302
    assert "9 are left" in client.get("/account").get_data(as_text=True)
    client.post("/logout")
    password_step(client, "sec@example.org")
    assert client.post("/login/code", data={"code": codes[3]}).status_code == 401


def test_guessing_codes_is_limited(make_app):
    app = make_app(LOGIN_LIMIT_PER_ACCOUNT="3 per minute")
    with app.app_context():
        user = make_user("sherpa", email="s@example.org", password=PASSWORD)
        user.totp_secret = pyotp.random_base32()
        db.session.commit()
        client = app.test_client()
        password_step(client, "s@example.org")
        answers = [client.post("/login/code", data={"code": "111111"}).status_code for _ in "abcd"]
        assert answers == [401, 401, 401, 429]
        right = client.post("/login/code", data={"code": pyotp.TOTP(user.totp_secret).now()})
        assert right.status_code == 429


def test_the_code_step_lasts_ten_minutes(client, enrolled):
    user, secret = enrolled
    password_step(client, "sec@example.org")
    with client.session_transaction() as session:
        session["pending"] = {**session["pending"], "at": session["pending"]["at"] - 11 * 60}
    response = client.post("/login/code", data={"code": pyotp.TOTP(secret).now()})
    assert response.headers["Location"] == "/login"
    assert "the time to type the code ran out" in client.get("/login").get_data(as_text=True)
    assert not signed_in(client)


def test_the_code_pages_need_a_password_first(client, enrolled):
    assert client.get("/login/code").headers["Location"] == "/login"
    assert client.get("/login/setup").headers["Location"] == "/login"


def test_anyone_else_may_turn_it_on_and_off(client, app):
    make_user("sherpa", email="she@example.org", password=PASSWORD)
    assert password_step(client, "she@example.org").headers["Location"] == "/"  # optional
    assert "Off: your password alone signs you in." in client.get("/account").text
    page = client.get("/account/two-factor").text
    secret = re.search(r'<code class="secret-key">([A-Z2-7]+)</code>', page).group(1)
    codes = codes_of(
        client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).text
    )
    client.post("/logout")
    assert password_step(client, "she@example.org").headers["Location"] == "/login/code"
    client.post("/login/code", data={"code": next_code(secret)})
    assert "10 unused recovery codes are left." in client.get("/account/two-factor").text

    wrong = client.post("/account/two-factor/off", data={"off-code": "000000"})
    assert wrong.status_code == 422
    assert "This code is wrong or was already used." in wrong.text
    off = client.post("/account/two-factor/off", data={"off-code": codes[0]})
    assert off.headers["Location"] == "/account/two-factor"
    client.post("/logout")
    assert password_step(client, "she@example.org").headers["Location"] == "/"


def test_a_role_that_needs_it_cannot_turn_it_off(client, enrolled):
    user, secret = enrolled
    password_step(client, "sec@example.org")
    client.post("/login/code", data={"code": next_code(secret)})
    page = client.get("/account/two-factor").text
    assert "Your role needs two-factor sign-in: it cannot be turned off." in page
    assert "/account/two-factor/off" not in page
    refused = client.post("/account/two-factor/off", data={"off-code": "123456"})
    assert refused.status_code == 422
    assert db.session.get(User, user.id).totp_secret == secret


def test_new_recovery_codes_replace_the_old_ones(client, app):
    make_user("advisor", email="adv@example.org", password=PASSWORD)
    password_step(client, "adv@example.org")
    page = client.get("/account/two-factor").text
    secret = re.search(r'<code class="secret-key">([A-Z2-7]+)</code>', page).group(1)
    first = codes_of(
        client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()}).text
    )
    refused = client.post("/account/two-factor/recovery-codes", data={"code": "nope"})
    assert refused.status_code == 422
    second = codes_of(
        client.post("/account/two-factor/recovery-codes", data={"code": first[0]}).text
    )
    assert len(second) == 10 and not set(first) & set(second)
    client.post("/logout")
    password_step(client, "adv@example.org")
    assert client.post("/login/code", data={"code": first[1]}).status_code == 401
    assert client.post("/login/code", data={"code": second[1]}).status_code == 302


def test_the_secretariat_resets_a_lost_second_factor(client, app, login_as, enrolled):
    user, secret = enrolled
    other = make_user("secretariat", email="other@example.org", name="Olga")
    admin = make_user("admin", email="adm@example.org", name="Ada")
    admin.totp_secret = pyotp.random_base32()
    db.session.commit()
    login_as(other)
    assert "Reset two-factor sign-in" in client.get(f"/admin/users/{user.id}").text
    client.post(f"/admin/users/{user.id}/two-factor/reset")
    assert db.session.get(User, user.id).totp_secret is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 0
    # ... but not an administrator's.
    response = client.post(f"/admin/users/{admin.id}/two-factor/reset", follow_redirects=True)
    assert "Only an administrator may change an administrator" in response.text
    assert db.session.get(User, admin.id).totp_secret is not None
    client.post("/logout")
    # Sam sets it up again at the next sign-in.
    assert password_step(client, "sec@example.org").headers["Location"] == "/login/setup"


def test_a_sherpa_cannot_reset_anyones_second_factor(client, login_as, enrolled):
    user, secret = enrolled
    login_as(make_user("sherpa", email="x@example.org"))
    assert client.post(f"/admin/users/{user.id}/two-factor/reset").status_code == 403
    assert db.session.get(User, user.id).totp_secret == secret


# The life of a session --------------------------------------------------------------------


def test_a_session_ends_after_two_hours_without_a_request(client, app):
    make_user("sherpa", email="she@example.org", password=PASSWORD)
    password_step(client, "she@example.org")
    assert signed_in(client)
    with client.session_transaction() as session:
        session["seen_at"] -= 119 * 60
    assert signed_in(client)  # still there, and the clock restarts
    with client.session_transaction() as session:
        assert time.time() - session["seen_at"] < 5
        session["seen_at"] -= 121 * 60
    response = client.get("/account")
    assert response.headers["Location"] == "/login?next=/account?"
    assert "You were signed out after a while" in client.get("/login").text
    assert not signed_in(client)


def test_a_session_ends_after_twelve_hours_however_busy(client, app):
    make_user("sherpa", email="she@example.org", password=PASSWORD)
    password_step(client, "she@example.org")
    with client.session_transaction() as session:
        session["signed_in_at"] -= 12 * 3600 + 1
    assert not signed_in(client)


def test_remember_me_keeps_a_session_past_those_limits(client, app):
    make_user("sherpa", email="she@example.org", password=PASSWORD)
    client.post("/login", data={"email": "she@example.org", "password": PASSWORD, "remember": "y"})
    with client.session_transaction() as session:
        session["seen_at"] -= 3 * 24 * 3600
        session["signed_in_at"] -= 3 * 24 * 3600
    assert signed_in(client)


# Production headers and cookies ------------------------------------------------------------


def test_https_sites_send_hsts_on_every_answer(make_app):
    app = make_app(PREFER_HTTPS=True)
    client = app.test_client()
    for path in ("/", "/nowhere", "/login"):
        response = client.get(path, base_url="https://localhost")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    plain = make_app().test_client().get("/")
    assert "Strict-Transport-Security" not in plain.headers


def test_an_unexpected_error_keeps_the_headers_and_hides_the_internals(make_app):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("secret internals: postgresql://user:pw@db/prod")

    app.add_url_rule("/broken-for-test", "broken_for_test", broken)
    response = app.test_client().get("/broken-for-test")
    assert response.status_code == 500
    assert "object-src 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "secret internals" not in response.text and "Traceback" not in response.text
