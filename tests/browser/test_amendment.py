"""A sherpa proposes a change with a live preview, another co-signs, the secretariat accepts."""

import re
from dataclasses import dataclass

import pyotp
import pytest
from playwright.sync_api import expect

from charter.extensions import db
from tests.factories import make_charter, make_council, make_user, make_version

pytestmark = pytest.mark.browser

PASSWORD = "a long walk along the harbour"
APP_KEY = pyotp.random_base32()  # the secretariat's authenticator app
VIEWPORT = {"width": 1280, "height": 900}

DOCUMENT = """The cities of the network adopt this charter to welcome every person who arrives.

## Article 1 — Dignity

Every person who arrives in the city is welcome in it. Local governments guarantee shelter, food
and first medical care from the first day of arrival.

## Article 2 — Equity

Public services are open to all residents on equal terms, and extending them to newcomers never
lowers their level for the others.
"""

ADDED = "whatever their papers"


@dataclass
class Site:
    base: str
    slug: str
    author: str
    cosigner: str
    secretariat: str


@pytest.fixture
def site(live_server) -> Site:
    """A charter in its Policy Council session, two sherpas of its council, a secretariat."""
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        make_version(charter, DOCUMENT)
        charter.stage_position = 3  # Policy Council session: proposing is open
        council = make_council(charter, "Right to the City")
        db.session.commit()
        for email, name in (("salvatore@example.org", "Salvatore"), ("amina@example.org", "Amina")):
            make_user("sherpa", email=email, password=PASSWORD, name=name, councils=[council])
        sofia = make_user("secretariat", email="sofia@example.org", password=PASSWORD, name="Sofia")
        sofia.totp_secret = APP_KEY
        db.session.commit()
    return Site(base, "harbour", "salvatore@example.org", "amina@example.org", "sofia@example.org")


def sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    if page.url.endswith("/login/code"):  # the secretariat's second factor
        page.get_by_label("Code").fill(pyotp.TOTP(APP_KEY).now())
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()


def test_propose_with_live_preview_cosign_and_accept(page, browser, site, screenshot):
    # Salvatore proposes a change to Article 1 and sees it word by word as he types.
    sign_in(page, site.base, site.author)
    page.goto(f"{site.base}/charters/{site.slug}")
    page.get_by_role("link", name="Propose a change to Article 1 — Dignity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Propose a change to “Article 1 — Dignity”"
    )
    text = page.get_by_label("Proposed text")
    expect(text).to_have_value(re.compile(r"^\s*Every person who arrives in the city is welcome"))
    text.fill(
        f"Every person who arrives in the city is welcome in it, {ADDED}. Local governments "
        "guarantee shelter, food\nand first medical care from the first day of arrival."
    )
    # No button pressed: the script asks the server for the diff as the text changes.
    expect(page.locator("#change-preview ins").first).to_contain_text(ADDED)
    expect(page.locator("#change-preview del")).to_have_count(0)
    screenshot(page, "propose-preview")

    page.get_by_label("Justification").fill("Dignity does not depend on papers.")
    page.get_by_role("button", name="Submit", exact=True).click()

    expect(page.get_by_text("Amendment 1 is submitted for review.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change to Article 1 — Dignity")
    expect(page.locator(".badge--state-submitted").first).to_have_text("awaiting review")
    expect(page.locator(".diff ins").first).to_contain_text(ADDED)
    expect(page.get_by_text("Dignity does not depend on papers.")).to_be_visible()
    amendment_url = page.url
    assert amendment_url.endswith(f"/charters/{site.slug}/amendments/1")
    screenshot(page, "amendment")

    # Amina, of the same council, co-signs it.
    cosigner = browser.new_context(viewport=VIEWPORT)
    amina = cosigner.new_page()
    sign_in(amina, site.base, site.cosigner)
    amina.goto(amendment_url)
    co_signers = amina.get_by_role("complementary", name="Status and actions").locator(
        "section", has=amina.get_by_role("heading", name="Co-signers")
    )
    expect(co_signers).to_contain_text("Nobody yet.")
    amina.get_by_role("button", name="Co-sign").click()
    expect(amina.get_by_text("You co-signed the amendment.")).to_be_visible()
    expect(co_signers.get_by_role("listitem")).to_have_text(["Amina (Right to the City)"])
    expect(co_signers.get_by_role("button", name="Withdraw my co-signature")).to_be_visible()
    screenshot(amina, "amendment-cosigned")
    cosigner.close()

    # Sofia, of the secretariat, accepts it with a reason.
    reviewer = browser.new_context(viewport=VIEWPORT)
    sofia = reviewer.new_page()
    sign_in(sofia, site.base, site.secretariat)
    sofia.goto(amendment_url)
    sofia.get_by_label("Reason").fill("Clear, and in the spirit of Article 1.")
    sofia.get_by_role("button", name="Accept").click()
    expect(sofia.get_by_text("The amendment is accepted.")).to_be_visible()
    expect(sofia.locator(".page-header .badge--state-accepted")).to_have_text("accepted")
    expect(sofia.get_by_role("button", name="Accept")).to_have_count(0)
    history = sofia.locator("section", has=sofia.get_by_role("heading", name="History"))
    expect(history).to_contain_text("Clear, and in the spirit of Article 1.")
    expect(history).to_contain_text("Sofia")
    screenshot(sofia, "amendment-accepted")
    reviewer.close()


def test_preview_works_without_javascript(browser, site, screenshot):
    context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, site.base, site.author)
        page.goto(f"{site.base}/charters/{site.slug}/amendments/new?section=article-2-equity")
        expect(page.locator("#change-preview")).to_contain_text("Press “Preview”")
        text = page.get_by_label("Proposed text")
        text.fill(text.input_value().replace("equal terms", "equal and fair terms"))
        page.get_by_role("button", name="Preview").click()
        expect(page.locator("#change-preview ins")).to_contain_text("and fair")
        expect(page.get_by_label("Proposed text")).to_have_value(re.compile("equal and fair terms"))
        screenshot(page, "propose-preview-no-js")
    finally:
        context.close()


def test_text_typed_before_the_script_loads_is_previewed(browser, site):
    """On a slow connection the change is typed before amend.js runs: it shows it anyway."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    held = []
    try:
        sign_in(page, site.base, site.author)
        page.route("**/static/js/amend.js*", lambda route: held.append(route))
        page.goto(
            f"{site.base}/charters/{site.slug}/amendments/new?section=article-2-equity",
            wait_until="commit",  # deferred scripts hold DOMContentLoaded back
        )
        text = page.get_by_label("Proposed text")
        text.fill(text.input_value().replace("equal terms", "equal and fair terms"))
        page.wait_for_timeout(200)
        assert len(held) == 1  # the script has not run yet
        held[0].continue_()
        expect(page.locator("#change-preview ins")).to_contain_text("and fair")
    finally:
        context.close()
