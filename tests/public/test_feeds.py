"""Atom feeds: published versions per charter and site-wide, stage moves per charter."""

import re
from datetime import datetime
from xml.etree import ElementTree as ET

import pytest

from charter.extensions import db
from charter.process import services as process
from tests.factories import DOCUMENT, make_charter, make_user, make_version

A = "{http://www.w3.org/2005/Atom}"
SECRET = "a clause still under negotiation"


@pytest.fixture
def charter(app):
    charter = make_charter("cities", "Charter of Cities <& Towns>")
    make_version(charter, note="First <b>draft</b>", created_at=datetime(2024, 3, 1, 9))
    make_version(charter, DOCUMENT.replace("welcome", "at home"), note="After consultation")
    make_version(charter, DOCUMENT + SECRET, publish=False, note="Internal draft")
    return charter


def parse(response) -> ET.Element:
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{A}feed"
    return feed


def assert_valid_atom(feed: ET.Element) -> None:
    """The elements RFC 4287 requires, in the forms it requires."""
    for element in (feed, *feed.iter(f"{A}entry")):
        ident = element.findtext(f"{A}id")
        assert ident.startswith(("tag:", "http://", "https://")), ident
        assert element.findtext(f"{A}title")
        updated = element.findtext(f"{A}updated")
        assert datetime.fromisoformat(updated.replace("Z", "+00:00")).tzinfo is not None
        for link in element.findall(f"{A}link"):
            assert link.get("href").startswith("http")
    assert feed.find(f"{A}link[@rel='self']") is not None
    entries = feed.findall(f"{A}entry")
    assert all(entry.find(f"{A}author/{A}name").text for entry in entries)
    assert len({entry.findtext(f"{A}id") for entry in entries}) == len(entries)


def test_charter_feed_lists_published_versions_only(client, charter):
    response = client.get("/charters/cities/feed.atom")
    feed = parse(response)
    assert_valid_atom(feed)
    assert feed.findtext(f"{A}title") == "Charter of Cities <& Towns> — published versions"
    titles = [entry.findtext(f"{A}title") for entry in feed.iter(f"{A}entry")]
    assert titles == [
        "Charter of Cities <& Towns> — version 2",
        "Charter of Cities <& Towns> — version 1",
    ]
    assert b"Internal draft" not in response.data
    assert SECRET.encode() not in response.data
    first = feed.findall(f"{A}entry")[1]
    # The note is escaped HTML inside an escaped element: it reads as text, not markup.
    assert first.find(f"{A}content").get("type") == "html"
    assert first.findtext(f"{A}content") == "<p>First &lt;b&gt;draft&lt;/b&gt;</p>"
    assert first.find(f"{A}link").get("href") == "http://localhost/charters/cities/versions/1"


def test_feed_ids_are_tag_uris_of_the_site(client, make_app):
    app = make_app(SITE_URL="https://charters.example.org")
    with app.app_context():
        charter = make_charter("towns")
        make_version(charter)
        feed = parse(app.test_client().get("/charters/towns/feed.atom"))
    created = f"{charter.created_at:%Y-%m-%d}"
    assert feed.findtext(f"{A}id") == f"tag:charters.example.org,{created}:towns/versions"
    entry = feed.find(f"{A}entry")
    assert entry.findtext(f"{A}id") == f"tag:charters.example.org,{created}:towns/version/1"


def test_site_feed_lists_published_versions_of_every_charter(client, charter):
    other = make_charter("towns", "Charter of Towns")
    make_version(other, note="Towns first")
    make_version(make_charter("hidden", "Hidden charter"), publish=False, note="Hidden draft")
    response = client.get("/feed.atom")
    feed = parse(response)
    assert_valid_atom(feed)
    titles = {entry.findtext(f"{A}title") for entry in feed.iter(f"{A}entry")}
    assert titles == {
        "Charter of Cities <& Towns> — version 1",
        "Charter of Cities <& Towns> — version 2",
        "Charter of Towns — version 1",
    }
    assert b"Hidden" not in response.data
    assert b"Internal draft" not in response.data


def test_site_feed_is_valid_when_nothing_is_published(client, app):
    feed = parse(client.get("/feed.atom"))
    assert feed.findall(f"{A}entry") == []
    assert feed.findtext(f"{A}updated")


def test_stages_feed_lists_the_moves(client, charter):
    secretariat = make_user("secretariat", name="Sofia")
    process.advance(secretariat, charter, "Consultation opens <today>")
    process.advance(secretariat, charter, "")
    db.session.commit()
    feed = parse(client.get("/charters/cities/stages.atom"))
    assert_valid_atom(feed)
    entries = feed.findall(f"{A}entry")
    assert [entry.findtext(f"{A}title") for entry in entries] == [
        "Charter of Cities <& Towns> is now in the stage “Policy Council session”",
        "Charter of Cities <& Towns> is now in the stage “Partner consultation”",
    ]
    content = entries[1].findtext(f"{A}content")
    assert "Moved from “Drafting” to “Partner consultation”." in content
    assert "Consultation opens &lt;today&gt;" in content
    assert entries[1].findtext(f"{A}author/{A}name") == "Sofia"
    assert "/charters/cities/timeline#stage-event-" in entries[1].find(f"{A}link").get("href")


@pytest.mark.parametrize("feed", ["feed.atom", "stages.atom"])
def test_feeds_of_an_unpublished_charter_are_404(client, app, feed):
    make_version(make_charter("secret"), publish=False)
    assert client.get(f"/charters/secret/{feed}").status_code == 404
    assert client.get(f"/charters/nowhere/{feed}").status_code == 404


def test_pages_announce_their_feeds(client, charter):
    page = client.get("/charters/cities/versions/1").get_data(as_text=True)
    announced = re.findall(
        r'<link rel="alternate" type="application/atom\+xml"[^>]*href="([^"]+)"', page
    )
    assert sorted(announced) == [
        "/charters/cities/feed.atom",
        "/charters/cities/stages.atom",
        "/feed.atom",
    ]
    assert 'href="/feed.atom"' in client.get("/").get_data(as_text=True)
