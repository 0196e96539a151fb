"""A visitor searches a word, opens the hit, downloads the Markdown and the JSON of the
version, and the JSON verifies with the published script."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_amendment import DOCUMENT
from tests.factories import make_charter, make_version

pytestmark = pytest.mark.browser

VERIFY = Path(__file__).resolve().parents[2] / "scripts" / "verify_charter.py"


@pytest.fixture
def site(live_server) -> str:
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        make_version(charter, DOCUMENT)
        make_version(charter, DOCUMENT.replace("first day", "very first day"))
        make_version(charter, DOCUMENT.replace("shelter", "a secret shelter"), publish=False)
    return base


def test_search_open_the_hit_download_and_verify(page, site, tmp_path, screenshot):
    page.goto(site + "/")
    page.get_by_role("searchbox", name="Search").fill("shelter")
    page.get_by_role("searchbox", name="Search").press("Enter")
    hits = page.locator("main").get_by_role("link", name="Article 1 — Dignity")
    expect(hits.first).to_be_visible()
    expect(page.locator("mark", has_text="shelter").first).to_be_visible()
    expect(page.get_by_text("a secret shelter")).to_have_count(0)  # the draft stays hidden
    screenshot(page, "public-search")
    hits.first.click()
    expect(page.get_by_text("from the very first day of arrival").first).to_be_visible()

    with page.expect_download() as markdown:
        page.get_by_role("link", name="Markdown").click()
    text = Path(markdown.value.path()).read_text(encoding="utf-8")
    assert "## Article 1 — Dignity" in text and "very first day" in text

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON with hashes").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert json.loads(saved.read_text(encoding="utf-8"))["version"]["number"] == 2
    checked = subprocess.run(
        [sys.executable, str(VERIFY), str(saved)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
