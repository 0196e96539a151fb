"""The public timeline of a charter's process."""

import re
from datetime import datetime

import pytest

from charter.drafting import merge, services
from charter.extensions import db
from charter.process import services as process
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

SECRET = "a clause still under negotiation"


@pytest.fixture
def charter(app):
    """v1 published, a move to consultation, v2 a draft returned by the Bureau, v3 published
    and adopted."""
    charter = make_charter("cities", "Charter of Cities")
    secretariat = make_user("secretariat", name="Sofia")
    first = make_version(
        charter, publish=False, note="Draft proposal", created_at=datetime(2024, 1, 10, 9)
    )
    services.publish(first, by="Sofia", at=datetime(2024, 1, 11, 9))
    process.advance(secretariat, charter, "The consultation opens.", at=datetime(2024, 2, 1, 9))
    draft = make_version(
        charter, DOCUMENT + SECRET, publish=False, note="Internal draft",
        created_at=datetime(2024, 3, 1, 9),
    )  # fmt: skip
    merge.record_decision(secretariat, draft, "returned", "Not yet: " + SECRET)
    adopted = make_version(
        charter, DOCUMENT.replace("welcome", "at home"), publish=False,
        note="Consolidated text", created_at=datetime(2024, 4, 1, 9),
    )  # fmt: skip
    services.publish(adopted, by="Sofia", at=datetime(2024, 4, 2, 9))
    merge.record_decision(secretariat, adopted, "adopted", "Adopted unanimously.")
    db.session.commit()
    return charter


def entries(page: str) -> list[str]:
    """The text of each entry of the timeline, in order, spaces collapsed."""
    items = re.findall(r'<li id="[^"]+" class="timeline__item.*?</li>', page, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", item).split()) for item in items]


def test_the_public_timeline_tells_the_published_story_in_order(client, charter):
    response = client.get("/charters/cities/timeline")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    story = entries(page)
    expected = [
        "Version 1 made published Secretariat · Jan 10, 2024, 9:00:00 AM Draft proposal",
        "Version 1 published Jan 11, 2024, 9:00:00 AM",
        "Moved from “Drafting” to “Partner consultation” Sofia · Feb 1, 2024, 9:00:00 AM "
        "The consultation opens.",
        "Version 3 made published Secretariat · Apr 1, 2024, 9:00:00 AM Consolidated text "
        "What changed since version 1",
        "Version 3 published Apr 2, 2024, 9:00:00 AM",
        "The Executive Bureau adopted version 3",
    ]
    assert len(story) == len(expected)
    for entry, start in zip(story, expected, strict=True):
        assert entry.startswith(start)
    assert story[-1].endswith("Adopted unanimously.")
    assert 'href="/charters/cities/versions/3"' in page
    assert 'href="/charters/cities/compare/1/3"' in page
    assert 'href="/charters/cities/stages#stage-2"' in page
    assert 'href="/charters/cities/versions/3#changelog"' in page


def test_the_public_timeline_hides_drafts_and_decisions_on_them(client, charter):
    page = client.get("/charters/cities/timeline").get_data(as_text=True)
    assert "Internal draft" not in page
    assert "Version 2" not in page
    assert "returned" not in page
    assert SECRET not in page


def test_a_sherpa_sees_the_drafts_in_the_timeline(client, charter, login_as):
    login_as(make_user("sherpa", councils=[make_council(charter)]))
    page = client.get("/charters/cities/timeline").get_data(as_text=True)
    story = entries(page)
    assert len(story) == 8
    assert any(entry.startswith("Version 2 made draft") for entry in story)
    assert any("The Executive Bureau returned version 2" in entry for entry in story)
    assert 'href="/charters/cities/compare/2/3"' in page


def test_the_timeline_of_an_unpublished_charter_is_404_for_the_public(client, app):
    make_version(make_charter("secret"), publish=False)
    assert client.get("/charters/secret/timeline").status_code == 404
    assert client.get("/charters/nowhere/timeline").status_code == 404


def test_charter_pages_have_a_timeline_tab(client, charter):
    page = client.get("/charters/cities").get_data(as_text=True)
    assert 'href="/charters/cities/timeline"' in page
    timeline = client.get("/charters/cities/timeline").get_data(as_text=True)
    assert re.search(r'href="/charters/cities/timeline"\s+aria-current="page"', timeline)


def test_the_timeline_takes_a_fixed_number_of_queries(client, charter, count_queries):
    client.get("/charters/cities/timeline")
    with count_queries() as few:
        client.get("/charters/cities/timeline")
    for number in range(5):
        make_version(charter, DOCUMENT + f"\nMore {number}.\n", note=f"More {number}")
    with count_queries() as many:
        client.get("/charters/cities/timeline")
    assert many() == few()


def test_a_version_published_as_it_was_made_is_one_entry(client, app):
    charter = make_charter("towns", "Charter of Towns")
    make_version(charter, note="Imported and published")
    story = entries(client.get("/charters/towns/timeline").get_data(as_text=True))
    assert len(story) == 1
    assert story[0].startswith("Version 1 made and published Secretariat")
