import re

import pytest

from charter.drafting import queries
from charter.extensions import db
from tests.factories import DOCUMENT, make_charter, make_version

SECRET = "a clause still under negotiation"
# Insertions and deletions carry a label for screen readers.
INS = r'<ins><span class="visually-hidden">inserted: </span>'
DEL = r'<del><span class="visually-hidden">deleted: </span>'


@pytest.fixture
def charter(app):
    """A charter with two published versions and an unpublished draft on top."""
    charter = make_charter("cities", "Charter of Cities", summary="Cities drafting together.")
    make_version(charter, note="First draft")
    make_version(
        charter,
        DOCUMENT.replace("Every person is welcome", "Every person is at home"),
        note="After consultation",
    )
    make_version(
        charter,
        DOCUMENT.replace("open to all residents", SECRET),
        publish=False,
        note="Internal draft",
    )
    return charter


def text(response) -> str:
    return response.get_data(as_text=True)


def test_home_lists_charters_with_a_published_version(client, charter):
    make_version(make_charter("hidden", "Unpublished charter"), publish=False)
    page = text(client.get("/"))
    assert "Charter of Cities" in page
    assert "Cities drafting together." in page
    assert "Unpublished charter" not in page


def test_home_says_when_nothing_is_published(client, app):
    assert "No charter has been published yet" in text(client.get("/"))


def test_charter_page_shows_the_latest_published_version(client, charter):
    response = client.get("/charters/cities")
    page = text(response)
    assert response.status_code == 200
    assert "Every person is at home" in page
    assert "Version 2" in page
    assert SECRET not in page
    # Table of contents and section permalinks
    assert 'href="#article-1-dignity"' in page
    assert 'id="article-2-equity"' in page
    assert "/charters/cities/versions/2#article-1-dignity" in page


def test_any_published_version_can_be_read(client, charter):
    page = text(client.get("/charters/cities/versions/1"))
    assert "Every person is welcome" in page
    assert "An older version" in page


@pytest.mark.parametrize(
    "path",
    [
        "/charters/cities/versions/3",
        "/charters/cities/compare/2/3",
        "/charters/cities/compare/3/1",
        "/charters/cities/compare?from=1&to=3",
    ],
)
def test_drafts_are_never_shown_to_the_public(client, charter, path):
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
    assert SECRET not in text(response)


def test_history_lists_published_versions_with_hashes(client, charter):
    page = text(client.get("/charters/cities/versions"))
    assert "After consultation" in page
    assert "First draft" in page
    assert "Internal draft" not in page
    assert re.search(r'<code class="hash" title="[0-9a-f]{64}">[0-9a-f]{12}</code>', page)


def test_section_history_shows_each_change(client, charter):
    page = text(client.get("/charters/cities/sections/article-1-dignity"))
    assert "<del>" in page and "welcome" in page
    assert "<ins>" in page and "at home" in page
    assert SECRET not in text(client.get("/charters/cities/sections/article-2-equity"))


def test_compare_shows_insertions_and_deletions(client, charter):
    page = text(client.get("/charters/cities/compare/1/2"))
    assert re.search(DEL + r"[^<]*welcome[^<]*</del>", page)
    assert re.search(INS + r"[^<]*at home[^<]*</ins>", page)
    assert "1 section modified" in page
    # Unchanged sections are collapsed.
    assert (
        '<details class="diff-section diff-section--unchanged" id="change-article-2-equity"' in page
    )


def test_compare_in_reverse_order_works(client, charter):
    page = text(client.get("/charters/cities/compare/2/1"))
    assert re.search(INS + r"[^<]*welcome[^<]*</ins>", page)
    assert re.search(DEL + r"[^<]*at home[^<]*</del>", page)
    assert "Going back in time" in page


def test_compare_side_by_side(client, charter):
    page = text(client.get("/charters/cities/compare/1/2?view=side"))
    assert 'class="diff-side"' in page
    assert 'aria-current="true">Side by side' in page


def test_compare_with_an_unknown_view_falls_back_to_inline(client, charter):
    response = client.get("/charters/cities/compare/1/2?view=<script>")
    assert response.status_code == 200
    assert "<script>" not in text(response)
    assert 'aria-current="true">Inline' in text(response)


def test_compare_a_version_with_itself_says_no_changes(client, charter):
    page = text(client.get("/charters/cities/compare/2/2"))
    assert "No changes." in page


def test_compare_form_redirects_to_the_comparison(client, charter):
    response = client.get("/charters/cities/compare?from=1&to=2&view=side")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/charters/cities/compare/1/2?view=side")


def test_compare_form_with_bad_numbers_explains(client, charter):
    response = client.get("/charters/cities/compare?from=one&to=2")
    assert response.status_code == 400
    assert "Choose two versions to compare" in text(response)


def test_compare_form_with_a_version_the_reader_may_not_see_explains(client, charter):
    for number in ("3", "99"):  # a draft, and a version that does not exist
        response = client.get(f"/charters/cities/compare?from=1&to={number}")
        assert response.status_code == 404
        assert f"There is no version {number} to compare." in text(response)


def test_compare_form_page_offers_the_published_versions(client, charter):
    page = text(client.get("/charters/cities/compare"))
    assert '<option value="2" selected>' in page
    assert '<option value="1" selected>' in page
    assert '<option value="3"' not in page


@pytest.mark.parametrize(
    "path",
    [
        "/charters/nope",
        "/charters/cities/versions/99",
        "/charters/cities/versions/0",
        "/charters/cities/compare/1/99",
        "/charters/cities/sections/no-such-section",
        "/charters/cities/versions/abc",
        "/no/such/page",
    ],
)
def test_unknown_things_get_a_helpful_404(client, charter, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "Page not found" in text(response)
    assert "Traceback" not in text(response)


def test_a_charter_with_only_drafts_is_404_for_the_public(client, app):
    make_version(make_charter("secret"), publish=False)
    assert client.get("/charters/secret").status_code == 404
    assert client.get("/charters/secret/versions").status_code == 404
    assert client.get("/charters/secret/compare").status_code == 404


def test_markdown_in_a_section_is_rendered_safely(client, app):
    charter = make_charter("xss")
    make_version(charter, "Intro <script>alert(1)</script>\n\n## A\n\n[x](javascript:alert(1))\n")
    page = text(client.get("/charters/xss"))
    assert "<script>alert" not in page
    assert not re.search(r"href=\"\s*javascript", page, re.I)
    assert "[x](javascript:alert(1))" in page  # left as plain text


def test_every_page_sends_security_headers(client, charter):
    for path in ["/", "/charters/cities", "/charters/nope"]:
        headers = client.get(path).headers
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_an_unexpected_error_shows_a_page_without_internals(app, client, charter, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("internal detail: password=hunter2")

    monkeypatch.setattr("charter.drafting.queries.visible_charters", explode)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.get("/")
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)
    assert "hunter2" not in text(response)


def test_version_page_queries_do_not_grow_with_sections(app, client, count_queries):
    small = make_charter("small")
    make_version(small)
    big_document = DOCUMENT + "".join(f"\n## Article {n}\n\nText {n}.\n" for n in range(3, 60))
    big = make_charter("big")
    make_version(big, big_document)
    db.session.remove()
    with count_queries() as small_count:
        assert client.get("/charters/small").status_code == 200
    with count_queries() as big_count:
        assert client.get("/charters/big").status_code == 200
    # The write stamp (the key of the app's own copy), the charter, the latest version, the
    # numbers it links to (newest, previous, first), the head, the sections, the stage
    # banner, the changelog, the languages the text is translated into.
    assert big_count() == small_count() <= 9
    # The next reader gets the app's copy: one query, for the write stamp.
    with count_queries() as again:
        assert client.get("/charters/big").status_code == 200
    assert again() == 1


def test_a_published_version_shows_its_publication(client, charter):
    version = queries.head_version(charter)
    assert version.number == 3
    page = text(client.get("/charters/cities/versions/2"))
    assert "published" in page


@pytest.mark.parametrize(
    "path",
    [
        "/charters/cities/versions/99999999999999999999",
        "/charters/cities/compare/1/99999999999999999999",
        "/charters/cities/compare?from=99999999999999999999&to=1",
    ],
)
def test_huge_numbers_are_a_404_not_a_crash(client, charter, path):
    assert client.get(path, follow_redirects=True).status_code == 404
