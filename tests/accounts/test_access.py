"""Every page hit as every role: the status each one gets, and no draft text leaking."""

import pytest

from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

DRAFT_TEXT = "a clause only council members may read"
WHO = ["public", "partner", "sherpa", "sherpa (other charter)", "advisor", "secretariat", "admin"]


@pytest.fixture
def world(app):
    charter = make_charter("access", "Access charter")
    make_version(charter)
    make_version(charter, DOCUMENT.replace("Every person", "Each person"))
    make_version(charter, DOCUMENT.replace("open to all residents", DRAFT_TEXT), publish=False)
    council = make_council(charter, "Right to the City")
    other = make_council(make_charter("other"), "Elsewhere")
    people = {
        "public": None,
        "partner": make_user("partner"),
        "sherpa": make_user("sherpa", councils=[council]),
        "sherpa (other charter)": make_user("sherpa", councils=[other]),
        "advisor": make_user("advisor", councils=[council]),
        "secretariat": make_user("secretariat"),
        "admin": make_user("admin"),
    }
    return people, council


MEMBERS = {"sherpa", "advisor", "secretariat"}
STAFF = {"secretariat", "admin"}


def expected_status(path: str, who: str) -> int:
    signed_in = who != "public"
    if path in (
        "/",
        "/charters/access",
        "/charters/access/versions",
        "/password/reset",
        "/charters/access/versions/2",
        "/charters/access/compare/1/2",
        "/charters/access/sections/article-2-equity",
    ):
        return 200
    if path in ("/charters/access/versions/3", "/charters/access/compare/1/3"):
        return 200 if who in MEMBERS else 404
    if path == "/login":
        return 302 if signed_in else 200
    if path == "/account":
        return 200 if signed_in else 302
    if path.startswith("/admin/"):
        if not signed_in:
            return 302
        return 200 if who in STAFF else 403
    raise AssertionError(path)


PATHS = [
    "/",
    "/charters/access",
    "/charters/access/versions",
    "/charters/access/versions/2",
    "/charters/access/versions/3",
    "/charters/access/compare/1/2",
    "/charters/access/compare/1/3",
    "/charters/access/sections/article-2-equity",
    "/login",
    "/password/reset",
    "/account",
    "/admin/users",
    "/admin/invitations",
    "/admin/councils",
    "/admin/users/{user}",
    "/admin/councils/{council}",
]


@pytest.mark.parametrize("who", WHO)
def test_every_page_as_every_role(app, client, login_as, world, who):
    people, council = world
    if people[who] is not None:
        login_as(people[who])
    target_user = people["partner"]
    for template in PATHS:
        path = template.format(user=target_user.id, council=council.id)
        response = client.get(path)
        want = expected_status(template.split("{")[0].rstrip("/") if "{" in template else path, who)
        assert response.status_code == want, (who, path, response.status_code)
        if want == 302 and who == "public":
            assert "/login?next=" in response.headers["Location"]
        body = response.get_data(as_text=True)
        if who not in MEMBERS:
            assert DRAFT_TEXT not in body, (who, path)


@pytest.mark.parametrize("who", ["sherpa", "advisor", "secretariat"])
def test_council_members_and_the_secretariat_read_the_draft(client, login_as, world, who):
    people, _council = world
    login_as(people[who])
    page = client.get("/charters/access").get_data(as_text=True)
    assert DRAFT_TEXT in page
    assert "Draft." in page
    history = client.get("/charters/access/versions").get_data(as_text=True)
    assert "Version 3" in history


@pytest.mark.parametrize("who", ["public", "partner", "sherpa (other charter)", "admin"])
def test_others_see_only_the_published_version(client, login_as, world, who):
    people, _council = world
    if people[who] is not None:
        login_as(people[who])
    page = client.get("/charters/access").get_data(as_text=True)
    assert DRAFT_TEXT not in page
    assert "Each person" in page
    assert "Version 3" not in client.get("/charters/access/versions").get_data(as_text=True)


def test_a_charter_with_only_a_draft_is_listed_for_its_members_only(client, login_as, world):
    people, council = world
    secret = make_charter("secret", "Secret charter")
    make_version(secret, publish=False)
    assert "Secret charter" not in client.get("/").get_data(as_text=True)
    login_as(people["sherpa"])  # a member of another charter's council
    assert "Secret charter" not in client.get("/").get_data(as_text=True)
    login_as(people["secretariat"])
    assert "Secret charter" in client.get("/").get_data(as_text=True)


def test_signed_in_pages_are_never_cached(client, login_as, world):
    people, _council = world
    assert "no-store" not in client.get("/charters/access").headers.get("Cache-Control", "")
    login_as(people["sherpa"])
    assert client.get("/charters/access").headers["Cache-Control"] == "no-store"
