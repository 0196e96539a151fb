"""`flask users create` and `flask users list`."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from charter.accounts.models import User, council_membership
from charter.extensions import db
from tests.factories import make_charter, make_council, make_user, set_up_two_factor

PASSWORD = "a long and quiet river"


@pytest.fixture
def councils(app):
    lisbon = make_charter("lisbon", "Lisbon charter")
    quito = make_charter("quito", "Quito charter")
    return {
        "lisbon:city": make_council(lisbon, "Right to the City"),
        "quito:city": make_council(quito, "Right to the City"),
        "lisbon:climate": make_council(lisbon, "Climate"),
        "quito:commons": make_council(quito, "Commons"),
    }


def create(runner, email, *, role="sherpa", password=PASSWORD, name="", councils=()):
    args = ["users", "create", email, "--role", role, "--password", password]
    if name:
        args += ["--name", name]
    for council in councils:
        args += ["--council", council]
    return runner.invoke(args=args)


def stored_users() -> dict[str, tuple[str, str, set[int]]]:
    """e-mail -> (role, display name, council ids), as committed in the database."""
    with db.engine.connect() as connection:
        users = connection.execute(sa.select(User.id, User.email, User.role, User.display_name))
        memberships = connection.execute(sa.select(council_membership)).all()
        return {
            email: (role, name, {c for u, c in memberships if u == user_id})
            for user_id, email, role, name in users
        }


def assert_refused(result, *phrases: str) -> None:
    """Exit status 2, one line on stderr starting with "Error:" and saying why."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("Error: ")
    for phrase in phrases:
        assert phrase in lines[0]
    assert "Traceback" not in result.output
    assert "Created" not in result.stdout


def sign_in(app, email: str, password: str):
    return app.test_client().post("/login", data={"email": email, "password": password})


def test_users_create_makes_an_account_that_can_sign_in(app, runner):
    result = create(runner, "ana@example.org", role="secretariat", name="Ana Lima")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == "Created secretariat ana@example.org."
    assert stored_users() == {"ana@example.org": ("secretariat", "Ana Lima", set())}
    client = app.test_client()
    response = client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/login/setup"  # the role needs a second factor
    set_up_two_factor(client)
    assert client.get("/account").status_code == 200
    assert client.get("/admin/users").status_code == 200  # a secretariat at once
    assert sign_in(app, "ana@example.org", PASSWORD + "x").status_code == 401


def test_users_create_without_a_name_uses_the_start_of_the_email(runner):
    assert create(runner, "bo.rui@example.org").exit_code == 0
    assert stored_users()["bo.rui@example.org"][1] == "bo.rui"


def test_users_create_stores_the_email_in_lowercase(app, runner):
    result = create(runner, "  Ana.Lima@Example.ORG ", role="partner")
    assert result.exit_code == 0, result.output
    assert "ana.lima@example.org" in result.stdout
    assert set(stored_users()) == {"ana.lima@example.org"}
    assert sign_in(app, "ANA.LIMA@example.org", PASSWORD).status_code == 302


def test_users_create_puts_the_user_in_councils_by_name(runner, councils):
    result = create(runner, "ana@example.org", councils=["Climate", "Commons"])
    assert result.exit_code == 0, result.output
    assert stored_users()["ana@example.org"][2] == {
        councils["lisbon:climate"].id,
        councils["quito:commons"].id,
    }


def test_users_create_puts_the_user_in_councils_by_charter_slug_and_name(runner, councils):
    result = create(runner, "ana@example.org", councils=["quito:Right to the City", "Climate"])
    assert result.exit_code == 0, result.output
    assert stored_users()["ana@example.org"][2] == {
        councils["quito:city"].id,
        councils["lisbon:climate"].id,
    }


def test_users_create_refuses_a_council_name_several_charters_share(runner, councils):
    result = create(runner, "ana@example.org", councils=["Right to the City"])
    assert_refused(result, "Right to the City", "charter-slug:name")
    assert stored_users() == {}


@pytest.mark.parametrize("council", ["Nowhere", "lisbon:Commons", "nowhere:Climate", "climate"])
def test_users_create_refuses_an_unknown_council(runner, councils, council):
    result = create(runner, "ana@example.org", councils=["Climate", council])
    assert_refused(result, "Unknown council", council)
    assert stored_users() == {}


def test_users_create_refuses_an_email_that_has_an_account(runner):
    make_user("partner", email="ana@example.org", name="First Ana")
    result = create(runner, "ANA@example.org", role="admin", name="Second Ana")
    assert_refused(result, "exists already")
    assert stored_users() == {"ana@example.org": ("partner", "First Ana", set())}


@pytest.mark.parametrize(
    "email",
    [
        "ana",
        "ana@",
        "@example.org",
        "ana@example",
        "ana example@example.org",
        "ana@@example.org",
        "",
    ],
)
def test_users_create_refuses_an_invalid_email(runner, email):
    result = create(runner, email)
    assert_refused(result, "is not a valid e-mail address")
    assert stored_users() == {}


@pytest.mark.parametrize("role", ["superuser", "Admin", "public", ""])
def test_users_create_refuses_an_unknown_role(runner, role):
    result = create(runner, "ana@example.org", role=role)
    assert_refused(result, "Unknown role")
    assert stored_users() == {}


@pytest.mark.parametrize("password", ["", "short", "123456789", "nine char"])
def test_users_create_refuses_a_short_password(runner, councils, password):
    result = create(runner, "ana@example.org", password=password, councils=["Climate"])
    assert_refused(result, "at least 10 characters")
    assert stored_users() == {}


@pytest.mark.parametrize("password", ["password123", "Password123", "AZERTYUIOP", "aaaaaaaaaaaa"])
def test_users_create_refuses_a_common_password(runner, councils, password):
    result = create(runner, "ana@example.org", password=password, councils=["Climate"])
    assert_refused(result, "most common")
    assert stored_users() == {}


def test_users_create_after_a_refusal_still_works(app, runner, councils):
    assert create(runner, "ana@example.org", password="password123").exit_code == 2
    result = create(runner, "ana@example.org", councils=["Climate"])
    assert result.exit_code == 0, result.output
    assert stored_users()["ana@example.org"][2] == {councils["lisbon:climate"].id}
    assert sign_in(app, "ana@example.org", PASSWORD).status_code == 302


def test_users_list_shows_email_role_councils_and_deactivated(runner, councils):
    make_user(
        "sherpa",
        email="ana@example.org",
        name="Ana Lima",
        councils=[councils["lisbon:climate"], councils["quito:commons"]],
    )
    make_user("partner", email="carla@example.org", name="Carla Ruiz", active=False)
    make_user("admin", email="root@example.org", name="Root")
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 3
    ana, carla, root = lines  # sorted by e-mail
    assert ana.split()[:2] == ["ana@example.org", "sherpa"]
    assert "Ana Lima" in ana and "Climate" in ana and "Commons" in ana
    assert "(deactivated)" not in ana
    assert carla.split()[:2] == ["carla@example.org", "partner"]
    assert "(deactivated)" in carla
    assert root.split()[:2] == ["root@example.org", "admin"]
    assert "(deactivated)" not in root


def test_users_list_shows_an_account_just_created(runner, councils):
    create(runner, "Ben@Example.org", role="advisor", councils=["lisbon:Right to the City"])
    lines = runner.invoke(args=["users", "list"]).stdout.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].split()[:2] == ["ben@example.org", "advisor"]
    assert "Right to the City" in lines[0]


def test_users_list_of_an_empty_database_prints_nothing(runner):
    result = runner.invoke(args=["users", "list"])
    assert result.exit_code == 0
    assert result.stdout == ""
