"""Signing in and out: credentials, sessions, redirects, rate limits, CSRF, cookies."""

from urllib.parse import urlsplit

import pytest

from charter.extensions import db
from tests.factories import make_user

PASSWORD = "a long enough passphrase"
WRONG = "Email or password is wrong."


@pytest.fixture
def person(app):
    return make_user("sherpa", email="ana@example.org", password=PASSWORD, name="Ana")


def sign_in(client, email="ana@example.org", password=PASSWORD, **extra):
    return client.post(
        "/login",
        data={"email": email, "password": password, **extra},
        query_string=extra.pop("query", None),
    )


def test_sign_in_with_the_right_password(client, person):
    response = sign_in(client)
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/"
    assert "Ana" in client.get("/").get_data(as_text=True)


def test_the_sign_in_form_is_labelled_as_people_expect(client, app):
    page = client.get("/login").get_data(as_text=True)
    assert '<label for="email">Email</label>' in page
    assert '<label for="password">Password</label>' in page
    assert ">Sign in</button>" in page


def test_sign_in_is_case_insensitive_on_the_email(client, person):
    assert sign_in(client, email="  ANA@Example.org ").status_code == 302


@pytest.mark.parametrize(
    "email, password",
    [
        ("ana@example.org", "not the password"),
        ("nobody@example.org", PASSWORD),
        ("ana@example.org", ""),
    ],
)
def test_a_failed_sign_in_says_only_that_email_or_password_is_wrong(
    client, person, email, password
):
    response = sign_in(client, email=email, password=password)
    page = response.get_data(as_text=True)
    assert response.status_code in (401, 422)
    assert "Ana" not in page
    if password:
        assert WRONG in page
        assert f'value="{email}"' in page  # the typed e-mail is kept


def test_unknown_and_known_accounts_get_the_same_answer(client, person):
    known = sign_in(client, password="wrong password!")
    unknown = sign_in(client, email="ghost@example.org", password="wrong password!")
    assert known.status_code == unknown.status_code == 401
    strip = lambda r, email: r.get_data(as_text=True).replace(email, "")  # noqa: E731
    assert (
        strip(known, "ana@example.org").split("csrf")[0]
        == strip(unknown, "ghost@example.org").split("csrf")[0]
    )


def test_a_deactivated_user_cannot_sign_in(client, person):
    person.active = False
    db.session.commit()
    response = sign_in(client)
    assert response.status_code == 401
    assert WRONG in response.get_data(as_text=True)


def test_a_deactivated_user_loses_an_open_session(client, person):
    assert sign_in(client).status_code == 302
    assert client.get("/account").status_code == 200
    person.active = False
    db.session.commit()
    response = client.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_signing_out_ends_the_session_even_for_a_replayed_cookie(app, client, person):
    assert sign_in(client).status_code == 302
    stolen = client.get_cookie("session").value
    assert client.post("/logout").status_code == 302
    assert client.get("/account").status_code == 302
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_remember_me_sets_a_protected_cookie(client, person):
    sign_in(client, remember="y")
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only
    assert cookie.same_site == "Lax"


def test_session_cookie_flags(client, person):
    response = sign_in(client)
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_session_cookie_is_secure_when_https_is_preferred(make_app):
    app = make_app(PREFER_HTTPS=True)
    with app.app_context():
        make_user("partner", email="p@example.org", password=PASSWORD)
        client = app.test_client()
        response = client.post(
            "/login",
            data={"email": "p@example.org", "password": PASSWORD},
            base_url="https://localhost",
        )
        cookies = response.headers.getlist("Set-Cookie")
        # __Host-: the browser takes it only over HTTPS, for this host, with Path=/.
        header = next(h for h in cookies if h.startswith("__Host-session="))
        assert "Secure" in header and "HttpOnly" in header and "Path=/;" in header
        assert "Domain=" not in header
        assert client.get("/account", base_url="https://localhost").status_code == 200


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "http:/evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "/%0d%0aLocation: https://evil.example",
        "\t//evil.example",
        "https:evil.example",
    ],
)
def test_sign_in_never_redirects_to_another_site(client, person, target):
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": "ana@example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert "evil" not in location.netloc
    assert location.scheme in ("", "http")


def test_sign_in_returns_to_the_page_asked_for(client, person):
    first = client.get("/account")
    assert first.status_code == 302
    login_url = first.headers["Location"]
    assert "next=" in login_url
    response = client.post(login_url, data={"email": "ana@example.org", "password": PASSWORD})
    assert urlsplit(response.headers["Location"]).path == "/account"


def test_failed_sign_ins_are_limited_per_account(client, person):
    for _ in range(5):
        assert sign_in(client, password="wrong password!").status_code == 401
    blocked = sign_in(client)  # even the right password, now
    assert blocked.status_code == 429
    assert "Too many sign-in attempts" in blocked.get_data(as_text=True)
    other = make_user("partner", email="other@example.org", password=PASSWORD)
    assert sign_in(client, email=other.email).status_code == 302


def test_successful_sign_ins_do_not_count_against_the_limit(client, person):
    for _ in range(8):
        assert sign_in(client).status_code == 302
        client.post("/logout")


def test_failed_sign_ins_are_limited_per_address(make_app):
    app = make_app(LOGIN_LIMIT_PER_ADDRESS="3 per minute")
    with app.app_context():
        client = app.test_client()
        for number in range(3):
            response = client.post(
                "/login", data={"email": f"x{number}@example.org", "password": "wrong password!"}
            )
            assert response.status_code == 401
        response = client.post("/login", data={"email": "x9@example.org", "password": "x" * 12})
        assert response.status_code == 429


def test_forms_without_a_csrf_token_are_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("sherpa", email="ana@example.org", password=PASSWORD)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        assert 'name="csrf_token"' in page
        response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/account").status_code == 302  # not signed in


def test_sign_out_needs_the_csrf_token(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        make_user("sherpa", email="ana@example.org", password=PASSWORD)
        client = app.test_client()
        page = client.get("/login").get_data(as_text=True)
        token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        response = client.post(
            "/login", data={"email": "ana@example.org", "password": PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302
        assert client.post("/logout").status_code == 400
        assert client.get("/account").status_code == 200  # still signed in


def test_sign_out_is_not_a_get(client, person):
    sign_in(client)
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200
