"""The amendments index: filters, order, pages, counts per state, and who sees what."""

import re
from datetime import datetime, timedelta

import pytest

from charter.accounts.models import User
from charter.amendments.models import Amendment, AmendmentOperation, Endorsement, State
from charter.consultation.models import Theme
from charter.extensions import db
from tests.amendments.conftest import World
from tests.factories import make_council, make_user

INDEX = "/charters/amend/amendments"
START = datetime(2024, 3, 1, 9, 0)
LISTED = re.compile(r'<a href="/charters/amend/amendments/(\d+)">')
COUNT = re.compile(r'badge--state-(\w+)">[^<]*</span> <span class="badge">(\d+)</span>')


def add_amendment(
    world: World,
    number: int,
    *,
    state: State = State.SUBMITTED,
    author: User | None = None,
    council=None,
    keys: str = "article-1-dignity",
    cosigners: int = 0,
    themes: tuple[Theme, ...] = (),
) -> Amendment:
    """An amendment stored as it would be after proposing (no HTTP round trip)."""
    author = author or world.author
    amendment = Amendment(
        charter_id=world.charter.id,
        number=number,
        base_version_id=world.version.id,
        author_id=author.id,
        council_id=council.id if council else None,
        title=f"Proposal {number:03d}",
        justification="Because.",
        state=state,
        endorsement_count=cosigners,
        section_keys=keys,
        created_at=START + timedelta(minutes=number),
        themes=list(themes),
    )
    amendment.operations = [
        AmendmentOperation(position=i, kind="modify", section_key=key, text="New words.\n")
        for i, key in enumerate(keys.split())
    ]
    db.session.add(amendment)
    db.session.commit()
    return amendment


def listed(response) -> list[int]:
    """The numbers of the amendments the page lists, in order."""
    assert response.status_code == 200
    return [int(number) for number in LISTED.findall(response.get_data(as_text=True))]


def state_counts(response) -> dict[str, int]:
    """The count shown next to each state link, and next to "All"."""
    html = response.get_data(as_text=True)
    counts = {state: int(count) for state, count in COUNT.findall(html)}
    counts["all"] = int(re.search(r'>All <span class="badge">(\d+)</span>', html).group(1))
    return counts


@pytest.fixture
def viewer(world, login_as) -> User:
    """The secretariat, signed in: sees every amendment but others' drafts."""
    login_as(world.secretariat)
    return world.secretariat


def test_index_is_for_council_members_and_the_secretariat(client, login_as, world):
    add_amendment(world, 1)
    for reader in (world.author, world.cosigner, world.secretariat):
        login_as(reader)
        assert listed(client.get(INDEX)) == [1]
    for stranger in (world.partner, world.outsider):
        login_as(stranger)
        assert client.get(INDEX).status_code == 403


def test_index_sends_the_public_to_sign_in(client, world):
    response = client.get(INDEX)
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_index_filters_by_state_and_shows_counts_per_state(client, viewer, world):
    for number, state in enumerate(
        [State.SUBMITTED, State.SUBMITTED, State.ACCEPTED, State.REJECTED, State.MERGED], 1
    ):
        add_amendment(world, number, state=state)
    assert listed(client.get(INDEX + "?state=submitted")) == [2, 1]
    assert listed(client.get(INDEX + "?state=merged")) == [5]
    response = client.get(INDEX)
    assert listed(response) == [5, 4, 3, 2, 1]
    assert state_counts(response) == {
        "submitted": 2,
        "accepted": 1,
        "rejected": 1,
        "merged": 1,
        "all": 5,
    }


def test_index_counts_follow_the_other_filters(client, viewer, world):
    add_amendment(world, 1, keys="article-1-dignity")
    add_amendment(world, 2, keys="article-2-equity", state=State.ACCEPTED)
    add_amendment(world, 3, keys="article-2-equity")
    response = client.get(INDEX + "?section=article-2-equity&state=submitted")
    assert listed(response) == [3]
    assert state_counts(response) == {"submitted": 1, "accepted": 1, "all": 2}


def test_index_filters_by_whole_section_key(client, viewer, world):
    add_amendment(world, 1, keys="article-1-dignity")
    add_amendment(world, 2, keys="article-2-equity")
    add_amendment(world, 3, keys="article-2-equity article-1-dignity")
    assert listed(client.get(INDEX + "?section=article-1-dignity")) == [3, 1]
    assert listed(client.get(INDEX + "?section=article-2-equity")) == [3, 2]
    assert listed(client.get(INDEX + "?section=article-1")) == []  # not a prefix match


@pytest.mark.parametrize(
    "section",
    [
        "%",
        "article-1%",
        "article_1-dignity",
        "%dignity%",
        "_",
        "article-1-dignity%",
        "article-1-dignity\\",
    ],
)
def test_index_section_wildcards_match_nothing(client, viewer, world, section):
    add_amendment(world, 1, keys="article-1-dignity")
    response = client.get(INDEX, query_string={"section": section})
    assert listed(response) == []
    assert "No amendment matches." in response.get_data(as_text=True)


def test_index_filters_by_council(client, viewer, world):
    council = world.author.councils[0]
    elsewhere = make_council(world.charter, "Housing")
    add_amendment(world, 1, council=council)
    add_amendment(world, 2, council=elsewhere)
    add_amendment(world, 3, council=council)
    assert listed(client.get(INDEX + f"?council={council.id}")) == [3, 1]
    assert listed(client.get(INDEX + f"?council={elsewhere.id}")) == [2]
    html = client.get(INDEX + f"?council={elsewhere.id}").get_data(as_text=True)
    assert f'<option value="{elsewhere.id}" selected>Housing</option>' in html


def test_index_filters_by_author(client, viewer, world):
    add_amendment(world, 1, author=world.author)
    add_amendment(world, 2, author=world.cosigner)
    add_amendment(world, 3, author=world.author)
    assert listed(client.get(INDEX + f"?author={world.author.id}")) == [3, 1]
    response = client.get(INDEX + f"?author={world.cosigner.id}")
    assert listed(response) == [2]
    assert f'<option value="{world.cosigner.id}" selected>Lucas</option>' in response.get_data(
        as_text=True
    )


def test_index_filters_by_theme(client, viewer, world):
    housing = Theme(charter_id=world.charter.id, name="Housing")
    health = Theme(charter_id=world.charter.id, name="Health")
    db.session.add_all([housing, health])
    db.session.commit()
    add_amendment(world, 1, themes=(housing,))
    add_amendment(world, 2, themes=(health,))
    add_amendment(world, 3, themes=(housing, health))
    add_amendment(world, 4)
    assert listed(client.get(INDEX + f"?theme={housing.id}")) == [3, 1]
    assert listed(client.get(INDEX + f"?theme={health.id}")) == [3, 2]
    assert listed(client.get(INDEX)) == [4, 3, 2, 1]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [("newest", [4, 3, 2, 1]), ("oldest", [1, 2, 3, 4]), ("cosigners", [3, 1, 4, 2])],
)
def test_index_sorts(client, viewer, world, sort, expected):
    for number, cosigners in zip([1, 2, 3, 4], [2, 0, 5, 1], strict=True):
        add_amendment(world, number, cosigners=cosigners)
    response = client.get(INDEX + f"?sort={sort}")
    assert listed(response) == expected
    assert f'<option value="{sort}" selected>' in response.get_data(as_text=True)


def test_index_cosigners_ties_list_the_newest_first(client, viewer, world):
    for number in (1, 2, 3):
        add_amendment(world, number, cosigners=1)
    assert listed(client.get(INDEX + "?sort=cosigners")) == [3, 2, 1]


def test_index_pages_by_25(client, viewer, world):
    for number in range(1, 31):
        add_amendment(world, number)
    first = client.get(INDEX)
    assert listed(first) == list(range(30, 5, -1))
    assert "Page 1 of 2" in first.get_data(as_text=True)
    second = client.get(INDEX + "?page=2")
    html = second.get_data(as_text=True)
    assert listed(second) == [5, 4, 3, 2, 1]
    assert "Page 2 of 2" in html
    assert ">Previous</a>" in html
    assert ">Next</a>" not in html
    assert state_counts(second)["all"] == 30


def test_index_pages_keep_the_filters(client, viewer, world):
    for number in range(1, 61):
        add_amendment(world, number, state=State.ACCEPTED if number % 2 else State.SUBMITTED)
    html = client.get(INDEX + "?state=submitted&sort=oldest").get_data(as_text=True)
    assert "Page 1 of 2" in html
    next_link = re.search(r'<a href="([^"]+)">Next</a>', html).group(1).replace("&amp;", "&")
    assert "state=submitted" in next_link and "sort=oldest" in next_link
    assert listed(client.get(next_link)) == [52, 54, 56, 58, 60]


def test_index_never_lists_nor_counts_other_peoples_drafts(client, login_as, world):
    add_amendment(world, 1, state=State.SUBMITTED)
    add_amendment(world, 2, state=State.DRAFT, author=world.author)
    add_amendment(world, 3, state=State.DRAFT, author=world.cosigner)
    for viewer in (world.cosigner, world.author):
        login_as(viewer)
        own = 2 if viewer is world.author else 3
        response = client.get(INDEX)
        assert listed(response) == [own, 1]
        assert state_counts(response) == {"submitted": 1, "draft": 1, "all": 2}
        assert listed(client.get(INDEX + "?state=draft")) == [own]
    login_as(world.secretariat)
    response = client.get(INDEX)
    assert listed(response) == [1]
    assert state_counts(response) == {"submitted": 1, "all": 1}
    assert listed(client.get(INDEX + "?state=draft")) == []


def test_index_author_choices_leave_out_draft_only_authors(client, viewer, world):
    add_amendment(world, 1, author=world.author)
    add_amendment(world, 2, author=world.cosigner, state=State.DRAFT)
    html = client.get(INDEX).get_data(as_text=True)
    assert f'<option value="{world.author.id}">Salvatore</option>' in html
    assert "Lucas" not in html


@pytest.mark.parametrize(
    "query",
    [
        "state=bogus",
        "council=abc",
        "author=-1",
        "theme=1.5",
        "page=-3",
        "page=0",
        "page=abc",
        "page=99999999999999999999",
        "council=99999999999999999999",
        "sort=random",
        "section=%25",
        "section=_",
        "section=it%27s",
        "section=%22quoted%22",
        "section=back%5Cslash%5C",
        "section=" + "x" * 500,
    ],
)
def test_index_survives_bad_query_values(client, viewer, world, query):
    add_amendment(world, 1)
    response = client.get(INDEX + "?" + query)
    assert response.status_code == 200
    if not query.startswith(("section", "author", "page=abc")):
        assert listed(response) == [1]  # a bad value is ignored, not an error


def test_index_far_past_the_last_page_is_empty_not_an_error(client, viewer, world):
    add_amendment(world, 1)
    response = client.get(INDEX + "?page=2147483647")
    assert listed(response) == []
    assert "No amendment matches." in response.get_data(as_text=True)


@pytest.mark.parametrize("name", ["section", "sort", "state", "council", "page"])
def test_index_never_echoes_markup_from_the_query(client, viewer, world, name):
    add_amendment(world, 1)
    payload = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    html = client.get(INDEX, query_string={name: payload}).get_data(as_text=True)
    assert "<script>alert(1)" not in html
    assert "<img src=x" not in html


def test_index_runs_the_same_queries_for_3_or_60_amendments(client, viewer, world, count_queries):
    councils = [world.author.councils[0], make_council(world.charter, "Housing")]
    authors = [world.author, world.cosigner] + [
        make_user("sherpa", name=f"Sherpa {n}", councils=[councils[n % 2]]) for n in range(4)
    ]
    themes = [Theme(charter_id=world.charter.id, name=name) for name in ("Housing", "Health")]
    db.session.add_all(themes)

    def add(numbers: range) -> None:
        for number in numbers:
            amendment = add_amendment(
                world,
                number,
                author=authors[number % len(authors)],
                council=councils[number % 2],
                keys="article-1-dignity article-2-equity" if number % 3 else "article-1-dignity",
                cosigners=number % 3,
                themes=(themes[number % 2],),
                state=[State.SUBMITTED, State.ACCEPTED, State.MERGED][number % 3],
            )
            signers = [a for a in authors if a.id != amendment.author_id][: number % 3]
            db.session.add_all(
                Endorsement(amendment_id=amendment.id, user_id=u.id) for u in signers
            )
        db.session.commit()

    def statements(query: str) -> int:
        db.session.expire_all()
        with count_queries() as counted:
            assert len(listed(client.get(INDEX + query))) > 0
        return counted()

    add(range(1, 4))
    client.get(INDEX)  # the head's sections are cached from now on, as in production
    few = {query: statements(query) for query in ("", "?sort=cosigners&state=accepted")}
    add(range(4, 61))
    many = {query: statements(query) for query in few}
    assert many == few
    # The signed-in user (1), the charter (1), the counts per state (1), the page of
    # amendments joined with their authors and councils (1), the council, author and theme
    # choices (3), the head version (1), the unread notifications in the layout (1), the
    # current stage and the number of stages for the banner (1).
    assert few == {"": 10, "?sort=cosigners&state=accepted": 10}
