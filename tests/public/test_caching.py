"""HTTP caching of the public's pages of published versions: strong ETags, 304s, and
nothing cached for signed-in people."""

import pytest

from charter.drafting import merge
from charter.extensions import db
from charter.public import caching
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

PAGES = [
    "/charters/cities/versions/1",
    "/charters/cities/compare/1/2",
    "/charters/cities/versions/1/provenance",
    "/charters/cities/versions/1/provenance/article-1-dignity",
    "/charters/cities/versions/1/download.md",
    "/charters/cities/versions/1/download.html",
    "/charters/cities/versions/1/download.json",
    "/charters/cities/feed.atom",
]


@pytest.fixture
def charter(app):
    charter = make_charter("cities", "Charter of Cities")
    make_version(charter, note="First")
    make_version(charter, DOCUMENT.replace("welcome", "at home"), note="Second")
    make_version(charter, DOCUMENT.replace("welcome", "secret"), publish=False, note="Draft")
    return charter


@pytest.mark.parametrize("path", PAGES)
def test_public_pages_of_published_versions_answer_304_to_their_etag(client, charter, path):
    first = client.get(path)
    assert first.status_code == 200
    tag, weak = first.get_etag()
    assert tag and not weak
    assert first.cache_control.public
    assert first.cache_control.max_age > 0
    assert "Cookie" in first.vary  # a signed-in browser never reuses the public's copy
    again = client.get(path, headers={"If-None-Match": f'"{tag}"'})
    assert again.status_code == 304
    assert again.data == b""
    assert again.get_etag() == (tag, False)
    other = client.get(path, headers={"If-None-Match": '"something-else"'})
    assert other.status_code == 200
    assert other.data == first.data


def test_the_same_page_keeps_its_etag_and_another_page_has_another(client, charter):
    one = client.get("/charters/cities/versions/1").get_etag()[0]
    assert client.get("/charters/cities/versions/1").get_etag()[0] == one
    assert client.get("/charters/cities/versions/2").get_etag()[0] != one
    html = client.get("/charters/cities/versions/1/download.html").get_etag()[0]
    assert client.get("/charters/cities/versions/1/download.md").get_etag()[0] != html


def test_the_etag_changes_when_a_moving_part_of_the_page_changes(client, charter):
    """The version page shows the newest version and the Bureau's decisions: when those
    change, a client holding the old page gets the new one, not a 304."""
    before = client.get("/charters/cities/versions/1").get_etag()[0]
    make_version(charter, DOCUMENT.replace("welcome", "home"), note="Third")
    after = client.get("/charters/cities/versions/1", headers={"If-None-Match": f'"{before}"'})
    assert after.status_code == 200
    assert "Read the latest version (4)" in after.get_data(as_text=True)

    merge.record_decision(make_user("secretariat"), charter_version(charter, 1), "adopted", "")
    db.session.commit()
    tag = after.get_etag()[0]
    decided = client.get("/charters/cities/versions/1", headers={"If-None-Match": f'"{tag}"'})
    assert decided.status_code == 200
    assert "adopted by the Executive Bureau" in decided.get_data(as_text=True)


def charter_version(charter, number):
    from charter.drafting.models import Version

    return db.session.scalar(
        db.select(Version).where(Version.charter_id == charter.id, Version.number == number)
    )


def test_download_etags_cover_the_build(client, charter, app):
    tag = client.get("/charters/cities/versions/1/download.json").get_etag()[0]
    app.config["BUILD_ID"] = "another-build"
    response = client.get(
        "/charters/cities/versions/1/download.json", headers={"If-None-Match": f'"{tag}"'}
    )
    assert response.status_code == 200
    assert response.get_etag()[0] != tag


def test_the_build_id_is_a_hash_of_the_files(app):
    app.config.pop("BUILD_ID", None)
    build = caching.build_id(app)
    assert len(build) == 16 and build == caching.build_id(app)


@pytest.mark.parametrize(
    "path", ["/charters/cities/versions/1", "/charters/cities/versions/1/download.json"]
)
def test_signed_in_people_get_no_etag_and_no_store(client, charter, login_as, path):
    public_tag = client.get(path).get_etag()[0]
    login_as(make_user("sherpa", councils=[make_council(charter)]))
    response = client.get(path, headers={"If-None-Match": f'"{public_tag}"'})
    assert response.status_code == 200
    assert response.get_etag() == (None, None)
    assert response.headers["Cache-Control"] == "no-store"


def test_drafts_are_never_cached(client, charter, login_as):
    login_as(make_user("secretariat"))
    for path in ("/charters/cities/versions/3", "/charters/cities/versions/3/download.md"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        assert "ETag" not in response.headers


def test_a_page_showing_a_message_to_one_browser_is_not_cached(client, charter):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are signed out.")]
    response = client.get("/charters/cities/versions/1")
    assert "You are signed out." in response.get_data(as_text=True)
    assert "ETag" not in response.headers
    assert not response.cache_control.public
    # The next visit, message gone, is cacheable again.
    assert client.get("/charters/cities/versions/1").get_etag()[0]


def test_the_latest_version_and_errors_are_not_marked_cacheable(client, charter):
    assert "ETag" not in client.get("/charters/cities").headers
    missing = client.get("/charters/cities/versions/3")
    assert missing.status_code == 404
    assert "ETag" not in missing.headers
    assert not missing.cache_control.public


def test_a_304_skips_making_the_pdf(client, charter, monkeypatch):
    from charter.public import downloads

    tag = client.get("/charters/cities/versions/1/download.pdf").get_etag()[0]
    downloads._pdf_cache.clear()
    monkeypatch.setattr(downloads, "_pdf", lambda html: pytest.fail("the PDF was made again"))
    response = client.get(
        "/charters/cities/versions/1/download.pdf", headers={"If-None-Match": f'"{tag}"'}
    )
    assert response.status_code == 304
    assert response.cache_control.max_age == caching.DOWNLOAD_MAX_AGE


@pytest.mark.parametrize("path", PAGES[:3] + ["/charters/cities/versions/1/download.json"])
def test_a_first_visit_with_csrf_on_sets_no_cookie_and_is_cacheable(charter, make_app, path):
    """The public's copy may go to a shared cache only if it gives no one a cookie."""
    app = make_app(WTF_CSRF_ENABLED=True)  # on the same database
    with app.app_context():
        response = app.test_client().get(path)
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.get_etag()[0]
    assert response.cache_control.public
