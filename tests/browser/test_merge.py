"""The secretariat merges two accepted amendments (settling a conflict), publishes the new
version, and the public reads the new text and who wrote its changed words."""

import pytest
from playwright.sync_api import expect

from charter.amendments import services as amendments
from charter.drafting import queries
from charter.extensions import db
from charter.text import rebase
from tests.browser.test_amendment import APP_KEY, DOCUMENT, PASSWORD, sign_in
from tests.factories import make_charter, make_council, make_user, make_version

pytestmark = pytest.mark.browser

KEY = "article-1-dignity"
FIRST = ("is welcome in it.", "is welcome in it, whatever their papers.")
SECOND = ("is welcome in it.", "is welcome in it as a neighbour.")
SETTLED = (
    "Every person who arrives in the city is welcome in it as a neighbour, whatever their "
    "papers. Local governments guarantee shelter, food\nand first medical care from the first "
    "day of arrival."
)


@pytest.fixture
def site(live_server) -> str:
    """Two accepted amendments on Article 1: the second touches the words of the first."""
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        version = make_version(charter, DOCUMENT)
        charter.stage_position = 3
        council = make_council(charter, "Right to the City")
        db.session.commit()
        salvatore = make_user(
            "sherpa", email="salvatore@example.org", name="Salvatore", councils=[council]
        )
        amina = make_user("sherpa", email="amina@example.org", name="Amina", councils=[council])
        sofia = make_user("secretariat", email="sofia@example.org", password=PASSWORD, name="Sofia")
        sofia.totp_secret = APP_KEY  # her authenticator app
        body = next(s.body for s in queries.sections_of(version) if s.key == KEY)
        for author, (old, new) in ((salvatore, FIRST), (amina, SECOND)):
            amendment = amendments.propose(
                author,
                charter,
                version.number,
                [rebase.Operation("modify", KEY, text=body.replace(old, new))],
                justification="Say who is welcome.",
                submit=True,
            )
            amendments.review(sofia, amendment, True, "Agreed in the session.")
        db.session.commit()
    return base


def test_merge_with_a_conflict_publish_and_read_who_wrote_it(page, site, screenshot):
    sign_in(page, site, "sofia@example.org")
    page.goto(site + "/charters/harbour")
    page.get_by_role("link", name="Merge amendments").click()
    page.get_by_role("checkbox", name="Amendment 1", exact=True).check()
    page.get_by_role("checkbox", name="Amendment 2", exact=True).check()
    page.get_by_role("button", name="Preview the merge").first.click()

    expect(page.get_by_role("heading", name="Conflicts to settle")).to_be_visible()
    expect(page.locator(".conflict-hunks")).to_contain_text("as a neighbour")
    screenshot(page, "merge-conflict")
    page.get_by_label("Text of “Article 1 — Dignity” after amendment 2").fill(SETTLED)
    page.get_by_label("Note for the changelog").fill("Results of the Policy Council session.")
    page.get_by_role("button", name="Create the new draft version").click()

    expect(page.get_by_text("Version 2 is created from the merged amendments.")).to_be_visible()
    expect(page.locator("#changelog")).to_contain_text("Amendment 1")
    expect(page.locator("#changelog")).to_contain_text("proposed by Amina (Right to the City)")
    page.get_by_role("button", name="Publish this version").click()
    expect(page.get_by_text("Version 2 is published: everyone can read it.")).to_be_visible()
    screenshot(page, "merge-published")

    # A visitor reads the new text and sees whose words it holds.
    visitor = page.context.browser.new_context()
    public = visitor.new_page()
    try:
        public.goto(site + "/charters/harbour")
        expect(public.locator("#article-1-dignity")).to_contain_text(
            "welcome in it as a neighbour, whatever their papers"
        )
        public.locator("#article-1-dignity").get_by_role("link", name="Who wrote this").click()
        papers = public.locator("mark.prov", has_text="papers")
        expect(papers.first).to_contain_text("From amendment 1 by Salvatore, Right to the City")
        neighbour = public.locator("mark.prov", has_text="neighbour")
        expect(neighbour.first).to_contain_text("From amendment 2 by Amina, Right to the City")
        expect(public.locator(".prov-legend")).to_contain_text("Salvatore")
        screenshot(public, "merge-provenance")
    finally:
        visitor.close()
