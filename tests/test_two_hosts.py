"""Two app hosts, two gunicorn instances on two loopback ports, on one database and one
Redis: whatever one of them does, the other knows."""

import re

import pyotp
import pytest
import requests

from charter.amendments import services as amendments
from charter.api import tokens
from charter.extensions import db
from charter.text import rebase
from tests.amendments.conftest import world  # noqa: F401
from tests.factories import make_user
from tests.servers import gunicorn

PASSWORD = "correct horse battery staple"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


KEY = pyotp.random_base32()  # the secretariat's authenticator app


def sign_in(browser: requests.Session, server, email: str, password: str) -> requests.Response:
    page = browser.get(f"{server.url}/login")
    token = TOKEN.search(page.text).group(1)
    response = browser.post(
        f"{server.url}/login",
        data={"email": email, "password": password, "csrf_token": token},
        allow_redirects=False,
    )
    if response.headers.get("Location") == "/login/code":  # the second factor
        token = TOKEN.search(browser.get(f"{server.url}/login/code").text).group(1)
        response = browser.post(
            f"{server.url}/login/code",
            data={"code": pyotp.TOTP(KEY).now(), "csrf_token": token},
            allow_redirects=False,
        )
    return response


@pytest.fixture
def hosts(world, database_uri, redis_url):  # noqa: F811
    """Both servers, on the world's charter with one accepted amendment (in this database)."""
    head = world.version
    body = "Every person is welcome in our cities, whatever their status."
    amendment = amendments.propose(
        world.author,
        world.charter,
        head.number,
        [rebase.Operation("modify", "article-1-dignity", text=body)],
        justification="Clearer.",
        submit=True,
    )
    amendments.review(world.secretariat, amendment, True, "Agreed.")
    world.secretariat.set_password(PASSWORD)
    world.secretariat.totp_secret = KEY
    make_user("partner", email="guessed@example.org", password=PASSWORD)
    db.session.commit()
    _token, secret = tokens.create(world.secretariat, "two hosts")
    db.session.commit()
    with (
        gunicorn(database_uri, REDIS_URL=redis_url) as one,
        gunicorn(database_uri, REDIS_URL=redis_url) as two,
    ):
        yield one, two, world, secret


def test_two_hosts_share_sessions_limits_merges_and_caches(hosts):
    one, two, people, secret = hosts
    email = people.secretariat.email

    # A sign-in on one host is valid on the other.
    browser = requests.Session()
    assert sign_in(browser, one, email, PASSWORD).status_code == 302
    account = browser.get(f"{two.url}/account", allow_redirects=False)
    assert account.status_code == 200 and "Sofia" in account.text

    # Failed sign-ins count across both hosts: five allowed in all, then even the right
    # password is refused for a while.
    guessed = "guessed@example.org"
    for server in (one, two, one, two, one):
        assert sign_in(requests.Session(), server, guessed, "wrong").status_code == 401
    assert sign_in(requests.Session(), two, guessed, PASSWORD).status_code == 429

    # Both hosts read the draft head and the public's latest page, warming their caches.
    api = {"Authorization": f"Bearer {secret}"}
    draft = f"{two.url}/api/v1/charters/amend/versions/1"
    assert "welcome in our cities" not in requests.get(draft, headers=api).text
    public_before = requests.get(f"{two.url}/charters/amend").text
    assert "welcome in our cities" not in public_before

    # A merge on one host is the head on the other, at once.
    merged = requests.post(
        f"{one.url}/api/v1/charters/amend/merges",
        json={"amendments": [1], "expected_head": 1},
        headers=api,
    )
    assert merged.status_code == 201, merged.text
    charter = requests.get(f"{two.url}/api/v1/charters/amend", headers=api).json()
    assert charter["head"] == 2
    head = requests.get(f"{two.url}/api/v1/charters/amend/versions/2", headers=api)
    assert "welcome in our cities" in head.text
    assert "welcome in our cities" in browser.get(f"{two.url}/charters/amend").text
    # The public still reads the published version: the draft is not theirs to see.
    assert requests.get(f"{two.url}/charters/amend").text == public_before

    # Published on one host: the public's kept page on the other shows it on the next visit.
    published = requests.post(f"{one.url}/api/v1/charters/amend/versions/2/publish", headers=api)
    assert published.status_code == 200, published.text
    assert "welcome in our cities" in requests.get(f"{two.url}/charters/amend").text
