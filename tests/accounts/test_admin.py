"""The secretariat and admin pages: people, invitations and Policy Councils."""

from __future__ import annotations

import re
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from markupsafe import escape

from charter.accounts import services
from charter.accounts.models import Council, Invitation, User, council_membership
from charter.drafting.models import Charter
from charter.extensions import db
from tests.factories import make_charter, make_council, make_user

XSS = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
ADMIN_PAGES = [
    "/admin/users",
    "/admin/users/{user}",
    "/admin/invitations",
    "/admin/councils",
    "/admin/councils/{council}",
]


def html(response) -> str:
    return response.get_data(as_text=True)


def shows(page: str, text: str) -> bool:
    """Whether the page shows this text (as the browser would render it)."""
    return str(escape(text)) in page


def listed_emails(page: str) -> set[str]:
    """The e-mail column of the people list."""
    return set(re.findall(r"<td>([^<@]+@[^<]+)</td>", page))


def row_of(page: str, text: str) -> str:
    """The table row holding this text."""
    rows = [row for row in re.findall(r"<tr>(.*?)</tr>", page, re.S) if text in row]
    assert len(rows) == 1, (text, rows)
    return rows[0]


def link_to_page(page: str, number: int) -> str:
    """The address of the pagination link to this page number."""
    links = re.findall(r'href="(/admin/users\?[^"]*)"', page)
    links = [link.replace("&amp;", "&") for link in links]
    wanted = [link for link in links if re.search(rf"[?&]page={number}(&|$)", link)]
    assert len(wanted) == 1, links
    return wanted[0]


def stored_account(user_id: int) -> tuple[str, bool, set[str]]:
    """(role, active, council names) as committed in the database."""
    with db.engine.connect() as connection:
        role, active = connection.execute(
            sa.select(User.role, User.active).where(User.id == user_id)
        ).one()
        names = connection.scalars(
            sa.select(Council.name)
            .join(council_membership, council_membership.c.council_id == Council.id)
            .where(council_membership.c.user_id == user_id)
        ).all()
    return role, bool(active), set(names)


def stored_councils() -> set[tuple[str, str, str]]:
    """(charter slug, name, description) of every committed council."""
    with db.engine.connect() as connection:
        rows = connection.execute(
            sa.select(Charter.slug, Council.name, Council.description).join(Council.charter)
        ).all()
    return {tuple(row) for row in rows}


@pytest.fixture
def world(app):
    lisbon = make_charter("lisbon", "Lisbon charter")
    quito = make_charter("quito", "Quito charter")
    city = make_council(lisbon, "Right to the City")
    climate = make_council(lisbon, "Climate")
    commons = make_council(quito, "Commons")
    admin = make_user("admin", email="root@example.org", name="Root Admin")
    secretariat = make_user("secretariat", email="sec@example.org", name="Sam Secretariat")
    ana = make_user("sherpa", email="ana@example.org", name="Ana Lima", councils=[city])
    ben = make_user("advisor", email="ben@example.org", name="Ben Okafor", councils=[city, commons])
    carla = make_user("partner", email="carla@example.org", name="Carla Ruiz", active=False)
    ana.organisation = "Lisbon City Hall"
    ben.organisation = "UCLG Africa"
    invitation, _token = services.invite(secretariat, "guest@example.org", "partner", [city])
    db.session.commit()
    return SimpleNamespace(
        lisbon=lisbon,
        quito=quito,
        city=city,
        climate=climate,
        commons=commons,
        admin=admin,
        secretariat=secretariat,
        ana=ana,
        ben=ben,
        carla=carla,
        invitation=invitation,
    )


def address(path: str, world) -> str:
    return path.format(user=world.ana.id, council=world.city.id, invitation=world.invitation.id)


def invitation_pending(invitation_id: int) -> bool:
    with db.engine.connect() as connection:
        return (
            connection.scalar(
                sa.select(Invitation.revoked_at).where(Invitation.id == invitation_id)
            )
            is None
        )


EVERYBODY = {
    "root@example.org",
    "sec@example.org",
    "ana@example.org",
    "ben@example.org",
    "carla@example.org",
}


# The people list ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretariat", "admin"])
def test_people_list_is_shown_to_secretariat_and_admin(client, login_as, world, who):
    login_as(getattr(world, who))
    response = client.get("/admin/users")
    assert response.status_code == 200
    page = html(response)
    assert listed_emails(page) == EVERYBODY
    assert "5 people" in page
    ben = row_of(page, "ben@example.org")
    assert "Ben Okafor" in ben and "Advisor" in ben and "UCLG Africa" in ben
    assert "Commons" in ben and "Right to the City" in ben
    assert "Deactivated" in row_of(page, "carla@example.org")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("role=sherpa", {"ana@example.org"}),
        ("role=partner", {"carla@example.org"}),
        ("role=admin", {"root@example.org"}),
        ("status=inactive", {"carla@example.org"}),
        ("status=active", EVERYBODY - {"carla@example.org"}),
        ("role=advisor&status=inactive", set()),
        ("q=lima", {"ana@example.org"}),
        ("q=BEN%40EXAMPLE", {"ben@example.org"}),
        ("q=city+hall", {"ana@example.org"}),
        ("q=uclg", {"ben@example.org"}),
        ("q=example.org", EVERYBODY),
        ("q=nobody-has-this", set()),
        ("role=nonsense&status=whatever&page=abc", EVERYBODY),
    ],
)
def test_people_list_filters(client, login_as, world, query, expected):
    login_as(world.secretariat)
    response = client.get(f"/admin/users?{query}")
    assert response.status_code == 200
    page = html(response)
    assert listed_emails(page) == expected
    if not expected:
        assert "Nobody matches these filters." in page


def test_people_list_filters_by_council(client, login_as, world):
    login_as(world.secretariat)
    in_city = html(client.get(f"/admin/users?council={world.city.id}"))
    assert listed_emails(in_city) == {"ana@example.org", "ben@example.org"}
    assert re.search(rf'<option value="{world.city.id}" selected>', in_city)
    in_commons = html(client.get(f"/admin/users?council={world.commons.id}"))
    assert listed_emails(in_commons) == {"ben@example.org"}
    empty = html(client.get(f"/admin/users?council={world.climate.id}"))
    assert listed_emails(empty) == set()
    both = html(client.get(f"/admin/users?council={world.city.id}&role=sherpa"))
    assert listed_emails(both) == {"ana@example.org"}


def test_people_list_search_matches_percent_and_underscore_literally(client, login_as, world):
    login_as(world.secretariat)
    make_user("partner", email="rate@example.org", name="Rate 50% Group")
    make_user("partner", email="other-rate@example.org", name="Rate 500 Group")
    make_user("partner", email="a_b@example.org", name="Underscore")
    make_user("partner", email="axb@example.org", name="No underscore")
    backslash = make_user("partner", email="rd@example.org", name="Backslash")
    backslash.organisation = "R\\D unit"
    db.session.commit()
    assert listed_emails(html(client.get("/admin/users?q=50%25"))) == {"rate@example.org"}
    assert listed_emails(html(client.get("/admin/users?q=%25"))) == {"rate@example.org"}
    assert listed_emails(html(client.get("/admin/users?q=a_b"))) == {"a_b@example.org"}
    assert listed_emails(html(client.get("/admin/users?q=_"))) == {"a_b@example.org"}
    assert listed_emails(html(client.get("/admin/users?q=R%5CD"))) == {"rd@example.org"}
    assert listed_emails(html(client.get("/admin/users?q=%5C"))) == {"rd@example.org"}


@pytest.mark.parametrize(
    "search", ["' OR 1=1 --", '\'; DROP TABLE "user"; --', '" OR ""="', "%' OR '1'='1"]
)
def test_people_list_search_with_sql_finds_nobody(client, login_as, world, search):
    login_as(world.secretariat)
    response = client.get("/admin/users", query_string={"q": search})
    assert response.status_code == 200
    page = html(response)
    assert listed_emails(page) == set()
    assert "Nobody matches these filters." in page
    assert shows(page, search)  # the search box keeps what was typed
    assert listed_emails(html(client.get("/admin/users"))) == EVERYBODY


def test_people_list_paginates_after_fifty_people(client, login_as, app):
    admin = make_user("admin", email="zed@example.org", name="Zed Admin")
    for number in range(60):
        make_user("partner", email=f"person{number:02}@example.org", name=f"Person {number:02}")
    login_as(admin)
    first = html(client.get("/admin/users"))
    assert "61 people" in first
    assert listed_emails(first) == {f"person{n:02}@example.org" for n in range(50)}
    assert parse_qs(urlsplit(link_to_page(first, 2)).query) == {"page": ["2"]}
    second = html(client.get("/admin/users?page=2"))
    assert listed_emails(second) == {f"person{n:02}@example.org" for n in range(50, 60)} | {
        "zed@example.org"
    }
    assert parse_qs(urlsplit(link_to_page(second, 1)).query) == {"page": ["1"]}
    assert "page=3" not in second
    # The pages keep the filters.
    partners = html(client.get("/admin/users?role=partner&q=person"))
    assert "60 people" in partners
    next_link = link_to_page(partners, 2)
    assert parse_qs(urlsplit(next_link).query) == {
        "page": ["2"],
        "role": ["partner"],
        "q": ["person"],
    }
    rest = html(client.get(next_link))
    assert listed_emails(rest) == {f"person{n:02}@example.org" for n in range(50, 60)}


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=-3",
        "page=99999",
        "page=99999999999999999999",
        "council=99999999999999999999",
        "council=abc",
    ],
)
def test_people_list_odd_page_or_council_is_not_an_error(client, login_as, world, query):
    login_as(world.secretariat)
    response = client.get(f"/admin/users?{query}")
    assert response.status_code == 200


def fresh_request_count(client, count_queries, url: str) -> tuple[int, str]:
    """Statements run by one request that starts, as in production, with an empty session."""
    db.session.close()
    with count_queries() as count:
        page = html(client.get(url))
    return count(), page


def test_people_list_runs_the_same_number_of_queries_whatever_the_number_of_people(
    client, login_as, app, count_queries
):
    charters = [make_charter(f"charter-{n}", f"Charter {n}") for n in range(3)]
    for n in range(8):
        make_council(charters[n % 3], f"Council {n}")
    admin = make_user("admin", email="zed@example.org", name="Zed Admin")
    login_as(admin)
    councils = db.session.scalars(sa.select(Council).order_by(Council.name)).all()
    for number in range(5):
        make_user("sherpa", councils=councils[:2], name=f"Person {number:02}")
    few, page = fresh_request_count(client, count_queries, "/admin/users")
    assert "6 people" in page
    councils = db.session.scalars(sa.select(Council).order_by(Council.name)).all()
    for number in range(5, 60):
        picked = [councils[number % 8], councils[(number + 3) % 8]]
        make_user("advisor", councils=picked, name=f"Person {number:02}")
    many, page = fresh_request_count(client, count_queries, "/admin/users")
    assert "61 people" in page
    assert "Council 7" in page
    assert many == few
    # the signed-in user, the count, one page of people, their councils, the council filter,
    # the unread notifications in the header
    assert few <= 6


def test_councils_list_runs_the_same_number_of_queries_whatever_the_number_of_councils(
    client, login_as, app, count_queries
):
    charters = [make_charter(f"charter-{n}", f"Charter {n}") for n in range(3)]
    admin = make_user("admin")
    login_as(admin)
    make_council(charters[0], "Council 0")
    few, _page = fresh_request_count(client, count_queries, "/admin/councils")
    charters = db.session.scalars(sa.select(Charter).order_by(Charter.id)).all()
    for number in range(1, 12):
        council = make_council(charters[number % 3], f"Council {number}")
        make_user("sherpa", councils=[council])
    many, page = fresh_request_count(client, count_queries, "/admin/councils")
    assert "Council 11" in page and "Charter 2" in page
    assert many == few


# Editing a person ------------------------------------------------------------------------


def edit(client, user, role, councils=(), active=True):
    data = {"role": role, "councils": [str(council.id) for council in councils]}
    if active:
        data["active"] = "y"
    return client.post(f"/admin/users/{user.id}", data=data)


@pytest.mark.parametrize("who", ["secretariat", "admin"])
def test_person_edit_changes_role_and_councils(client, login_as, world, who):
    login_as(getattr(world, who))
    ana_id = world.ana.id
    response = edit(client, world.ana, "advisor", [world.climate, world.commons])
    assert response.status_code == 302
    assert response.headers["Location"] == f"/admin/users/{ana_id}"
    assert stored_account(ana_id) == ("advisor", True, {"Climate", "Commons"})
    page = html(client.get(f"/admin/users/{ana_id}"))
    assert shows(page, "Ana Lima's account is saved.")
    assert re.search(
        rf'<input checked id="[^"]*" name="councils" type="checkbox" '
        rf'value="{world.climate.id}">',
        page,
    )
    assert f'value="{world.city.id}">' in page
    assert not re.search(rf'checked [^>]*value="{world.city.id}"', page)
    listed = row_of(html(client.get("/admin/users")), "ana@example.org")
    assert "Advisor" in listed and "Climate, Commons" in listed


def test_person_edit_removes_every_council(client, login_as, world):
    login_as(world.secretariat)
    assert edit(client, world.ben, "advisor", []).status_code == 302
    assert stored_account(world.ben.id) == ("advisor", True, set())


def test_person_deactivation_ends_their_session_and_sign_in(app, client, login_as, world):
    person = make_user(
        "sherpa", email="dina@example.org", password="a long and quiet river", name="Dina"
    )
    their_client = app.test_client()
    login_as(person, their_client)
    assert their_client.get("/account").status_code == 200
    login_as(world.secretariat)
    assert edit(client, person, "sherpa", active=False).status_code == 302
    assert stored_account(person.id)[1] is False
    response = their_client.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    signing_in = app.test_client().post(
        "/login", data={"email": "dina@example.org", "password": "a long and quiet river"}
    )
    assert signing_in.status_code == 401
    assert "Deactivated" in row_of(html(client.get("/admin/users")), "dina@example.org")
    # Reactivated, they may sign in again (the old session stays ended).
    assert edit(client, person, "sherpa", active=True).status_code == 302
    assert their_client.get("/account").status_code == 302
    again = app.test_client().post(
        "/login", data={"email": "dina@example.org", "password": "a long and quiet river"}
    )
    assert again.status_code == 302


def test_secretariat_cannot_make_someone_admin(client, login_as, world):
    login_as(world.secretariat)
    response = edit(client, world.ana, "admin", [world.city])
    assert response.status_code == 422
    assert shows(html(response), "You may not give or take the role “admin”.")
    assert stored_account(world.ana.id) == ("sherpa", True, {"Right to the City"})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"role": "admin", "active": False},
            "Only an administrator may change an administrator's account.",
        ),
        ({"role": "partner", "active": True}, "You may not give or take the role “partner”."),
        (
            {"role": "admin", "active": True, "councils": True},
            "Only an administrator may change an administrator's account.",
        ),
    ],
)
def test_secretariat_cannot_edit_an_admins_account(client, login_as, world, change, message):
    login_as(world.secretariat)
    councils = [world.city] if change.get("councils") else []
    response = edit(client, world.admin, change["role"], councils, active=change["active"])
    assert response.status_code == 422
    assert shows(html(response), message)
    assert stored_account(world.admin.id) == ("admin", True, set())


def test_admin_can_make_someone_admin_and_edit_an_admin(client, login_as, world):
    other_admin = make_user("admin", email="other-root@example.org")
    login_as(world.admin)
    assert edit(client, world.ana, "admin").status_code == 302
    assert stored_account(world.ana.id) == ("admin", True, set())
    assert edit(client, other_admin, "secretariat", [world.city]).status_code == 302
    assert stored_account(other_admin.id) == ("secretariat", True, {"Right to the City"})
    assert edit(client, world.ana, "admin", active=False).status_code == 302
    assert stored_account(world.ana.id) == ("admin", False, set())


@pytest.mark.parametrize("who", ["secretariat", "admin"])
@pytest.mark.parametrize("change", ["deactivate", "role"])
def test_nobody_can_deactivate_or_change_the_role_of_themselves(
    client, login_as, world, who, change
):
    me = getattr(world, who)
    login_as(me)
    role = "partner" if change == "role" else who
    response = edit(client, me, role, active=change != "deactivate")
    assert response.status_code == 422
    assert shows(html(response), "You cannot change your own role or deactivate yourself.")
    assert stored_account(me.id) == (who, True, set())
    assert client.get("/admin/users").status_code == 200  # still signed in, still staff


def test_person_may_change_their_own_councils(client, login_as, world):
    login_as(world.secretariat)
    assert edit(client, world.secretariat, "secretariat", [world.city]).status_code == 302
    assert stored_account(world.secretariat.id) == ("secretariat", True, {"Right to the City"})


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("user_id", ["999999", "99999999999999999999"])
def test_person_page_of_an_unknown_user_is_404(client, login_as, world, method, user_id):
    login_as(world.admin)
    response = getattr(client, method)(f"/admin/users/{user_id}", data={"role": "partner"})
    assert response.status_code == 404


def test_person_edit_with_an_unknown_council_changes_nothing(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        f"/admin/users/{world.ana.id}",
        data={"role": "advisor", "councils": ["999999"], "active": "y"},
    )
    assert response.status_code == 422
    assert stored_account(world.ana.id) == ("sherpa", True, {"Right to the City"})


# Councils -----------------------------------------------------------------------------


def create_council(client, charter, name, description=""):
    return client.post(
        "/admin/councils",
        data={"charter_id": str(charter.id), "name": name, "description": description},
    )


@pytest.mark.parametrize("who", ["secretariat", "admin"])
def test_council_create_appears_in_the_list_with_its_charter(client, login_as, world, who):
    login_as(getattr(world, who))
    response = create_council(client, world.quito, "Housing", "Affordable homes for all.")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/councils"
    page = html(client.get("/admin/councils"))
    assert shows(page, "The council “Housing” is created.")
    row = row_of(page, "Housing")
    assert "Quito charter" in row and "Affordable homes for all." in row
    assert ("quito", "Housing", "Affordable homes for all.") in stored_councils()


def test_council_duplicate_name_in_the_same_charter_is_refused(client, login_as, world):
    login_as(world.secretariat)
    before = stored_councils()
    response = create_council(client, world.lisbon, "Right to the City", "A second one")
    assert response.status_code == 422
    page = html(response)
    assert shows(page, "This charter has a council named “Right to the City” already.")
    assert 'value="Right to the City"' in page  # what was typed is kept
    assert "A second one</textarea>" in page
    assert re.search(rf'<option selected value="{world.lisbon.id}">', page)
    assert stored_councils() == before


def test_council_duplicate_name_ignores_surrounding_spaces(client, login_as, world):
    login_as(world.secretariat)
    before = stored_councils()
    response = create_council(client, world.lisbon, "  Climate  ")
    assert response.status_code == 422
    assert shows(html(response), "This charter has a council named “Climate” already.")
    assert stored_councils() == before


def test_council_same_name_in_another_charter_is_accepted(client, login_as, world):
    login_as(world.secretariat)
    assert create_council(client, world.quito, "Right to the City").status_code == 302
    councils = stored_councils()
    assert ("lisbon", "Right to the City", "") in councils
    assert ("quito", "Right to the City", "") in councils


def test_council_edit_changes_name_and_description(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        f"/admin/councils/{world.climate.id}",
        data={
            "charter_id": str(world.lisbon.id),
            "name": "Climate and Energy",
            "description": "Adaptation, transition.",
        },
    )
    assert response.status_code == 302
    assert ("lisbon", "Climate and Energy", "Adaptation, transition.") in stored_councils()
    page = html(client.get("/admin/councils"))
    assert shows(page, "The council is saved.")
    assert "Adaptation, transition." in row_of(page, "Climate and Energy")
    edit_page = html(client.get(f"/admin/councils/{world.climate.id}"))
    assert 'value="Climate and Energy"' in edit_page
    assert "Adaptation, transition.</textarea>" in edit_page


def test_council_edit_keeps_its_name_when_only_the_description_changes(client, login_as, world):
    login_as(world.secretariat)
    response = client.post(
        f"/admin/councils/{world.city.id}",
        data={
            "charter_id": str(world.lisbon.id),
            "name": "Right to the City",
            "description": "Housing, public space.",
        },
    )
    assert response.status_code == 302
    assert ("lisbon", "Right to the City", "Housing, public space.") in stored_councils()


def test_council_edit_to_a_taken_name_is_refused(client, login_as, world):
    login_as(world.secretariat)
    before = stored_councils()
    response = client.post(
        f"/admin/councils/{world.climate.id}",
        data={"charter_id": str(world.lisbon.id), "name": "Right to the City"},
    )
    assert response.status_code == 422
    page = html(response)
    assert shows(page, "This charter has a council named “Right to the City” already.")
    assert 'value="Right to the City"' in page
    assert stored_councils() == before


@pytest.mark.parametrize("name", ["", "   "])
def test_council_empty_name_is_refused(client, login_as, world, name):
    login_as(world.secretariat)
    before = stored_councils()
    created = create_council(client, world.lisbon, name, "Some description")
    assert created.status_code == 422
    assert "This field is required." in html(created)
    assert "Some description</textarea>" in html(created)
    edited = client.post(
        f"/admin/councils/{world.climate.id}",
        data={"charter_id": str(world.lisbon.id), "name": name, "description": "x"},
    )
    assert edited.status_code == 422
    assert "This field is required." in html(edited)
    assert stored_councils() == before


def test_council_page_lists_its_members(client, login_as, world):
    login_as(world.secretariat)
    page = html(client.get(f"/admin/councils/{world.city.id}"))
    assert "Ana Lima" in page and "Lisbon City Hall" in page
    assert "Ben Okafor" in page
    assert "Carla Ruiz" not in page
    row = row_of(html(client.get("/admin/councils")), "Right to the City")
    assert re.search(r'<td class="num"><a href="[^"]*">2</a></td>', row)


@pytest.mark.parametrize("council_id", ["999999", "99999999999999999999"])
def test_council_page_of_an_unknown_council_is_404(client, login_as, world, council_id):
    login_as(world.secretariat)
    assert client.get(f"/admin/councils/{council_id}").status_code == 404
    response = client.post(f"/admin/councils/{council_id}", data={"name": "x"})
    assert response.status_code == 404


# Role gates -----------------------------------------------------------------------------


def post_data(path: str, world) -> dict:
    if path.startswith("/admin/users/"):
        return {"role": "admin", "active": "y"}
    if path == "/admin/invitations":
        return {"email": "new@example.org", "role": "admin"}
    return {"charter_id": str(world.lisbon.id), "name": "Intruders"}


ADMIN_REQUESTS = (
    [("get", path) for path in ADMIN_PAGES]
    + [("post", path) for path in ADMIN_PAGES if path != "/admin/users"]
    + [("post", "/admin/invitations/{invitation}/revoke")]
)


@pytest.mark.parametrize("who", ["partner", "sherpa", "advisor"])
@pytest.mark.parametrize(("method", "path"), ADMIN_REQUESTS)
def test_admin_pages_are_forbidden_to_participants(client, login_as, world, who, method, path):
    person = make_user(who, councils=[world.city] if who != "partner" else [])
    login_as(person)
    url = address(path, world)
    before = stored_councils()
    response = getattr(client, method)(url, data=post_data(path, world))
    assert response.status_code == 403
    assert "You may not do this" in html(response)
    assert stored_councils() == before
    assert stored_account(world.ana.id) == ("sherpa", True, {"Right to the City"})
    assert invitation_pending(world.invitation.id)


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_anonymous_visitors_to_sign_in(client, world, path):
    url = address(path, world)
    response = client.get(url + "?page=2")
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.path == "/login"
    assert parse_qs(location.query) == {"next": [url + "?page=2"]}


@pytest.mark.parametrize("path", [path for method, path in ADMIN_REQUESTS if method == "post"])
def test_admin_pages_refuse_anonymous_posts(client, world, path):
    url = address(path, world)
    before = stored_councils()
    response = client.post(url, data=post_data(path, world))
    assert response.status_code == 401
    assert stored_councils() == before
    assert stored_account(world.ana.id) == ("sherpa", True, {"Right to the City"})
    assert invitation_pending(world.invitation.id)


@pytest.mark.parametrize("who", ["secretariat", "admin"])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_show_people_invitations_and_councils_to_staff(
    client, login_as, world, who, path
):
    login_as(getattr(world, who))
    response = client.get(address(path, world))
    assert response.status_code == 200
    page = html(response)
    for link in ("/admin/users", "/admin/invitations", "/admin/councils"):
        assert f'href="{link}"' in page
    for label in ("People", "Invitations", "Policy Councils"):
        assert f">{label}</a>" in page


@pytest.mark.parametrize("who", ["secretariat", "admin"])
def test_invitations_page_lists_pending_invitations_and_revokes_them(client, login_as, world, who):
    login_as(getattr(world, who))
    page = html(client.get("/admin/invitations"))
    row = row_of(page, "guest@example.org")
    assert "Partner" in row and "Right to the City" in row and "Sam Secretariat" in row
    response = client.post(f"/admin/invitations/{world.invitation.id}/revoke")
    assert response.status_code == 302
    page = html(client.get("/admin/invitations"))
    assert shows(page, "The invitation of guest@example.org is revoked.")
    assert "<td>guest@example.org</td>" not in page
    assert not invitation_pending(world.invitation.id)


@pytest.mark.parametrize("who", ["partner", "sherpa", "advisor"])
def test_participants_see_no_link_to_the_admin_pages(client, login_as, world, who):
    login_as(make_user(who))
    page = html(client.get("/account"))
    assert "/admin/" not in page


# Stored XSS -----------------------------------------------------------------------------


@pytest.mark.parametrize("payload", XSS)
def test_admin_pages_escape_names_organisations_and_councils(client, login_as, world, payload):
    council = services.create_council(world.lisbon, "Council " + payload, "About " + payload)
    person = make_user("sherpa", email="x@example.org", name="Name " + payload, councils=[council])
    person.organisation = "Org " + payload
    inviter = make_user("secretariat", email="inviter@example.org", name="Inviter " + payload)
    services.invite(inviter, "guest@example.org", "partner", [council])
    db.session.commit()
    login_as(world.admin)
    pages = [
        ("/admin/users", {}, ["Name ", "Org ", "Council "]),
        ("/admin/users", {"council": council.id}, ["Name ", "Org ", "Council "]),
        ("/admin/users", {"q": payload}, [""]),  # the search box
        (f"/admin/users/{person.id}", {}, ["Name ", "Org ", "Council "]),
        ("/admin/invitations", {}, ["Inviter ", "Council "]),
        ("/admin/councils", {}, ["Council ", "About "]),
        (f"/admin/councils/{council.id}", {}, ["Council ", "About ", "Name ", "Org "]),
    ]
    for url, query, prefixes in pages:
        response = client.get(url, query_string=query)
        assert response.status_code == 200, url
        page = html(response)
        assert payload not in page, url
        for prefix in prefixes:
            assert str(escape(prefix + payload)) in page, (url, prefix)


@pytest.mark.parametrize("payload", XSS)
def test_admin_error_messages_escape_what_was_typed(client, login_as, world, payload):
    login_as(world.secretariat)
    services.create_council(world.lisbon, payload)
    db.session.commit()
    response = create_council(client, world.lisbon, payload)
    assert response.status_code == 422
    page = html(response)
    assert payload not in page
    assert shows(page, f"This charter has a council named “{payload}” already.")
