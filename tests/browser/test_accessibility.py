"""Every kind of page passes axe-core's WCAG 2.1 A and AA rules, in English and in French,
for a reader, a sherpa and the secretariat; motion stops for who asks the browser for less.

axe-core comes from npm (`npm ci`, which `make test` runs): package.json pins its version.
One context per role and language visits all its pages, so the file stays fast. The
keyboard-only journeys are in test_keyboard.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from werkzeug.security import generate_password_hash

from charter.accounts import models
from charter.accounts.models import User
from charter.demo import SLUG
from charter.demo.loader import load_demo
from charter.drafting.models import Charter
from charter.extensions import db
from tests.factories import make_charter, make_version

pytestmark = pytest.mark.browser

AXE = Path(__file__).parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
# axe's best practices for a page's structure, on top of the WCAG rules: landmarks, a skip
# link, one h1 and headings that skip no level.
STRUCTURE_RULES = [
    "region",
    "landmark-one-main",
    "landmark-unique",
    "landmark-no-duplicate-banner",
    "landmark-no-duplicate-contentinfo",
    "landmark-no-duplicate-main",
    "landmark-banner-is-top-level",
    "landmark-contentinfo-is-top-level",
    "landmark-main-is-top-level",
    "landmark-complementary-is-top-level",
    "skip-link",
    "page-has-heading-one",
    "heading-order",
    "empty-heading",
]
LOCALES = ("en-GB", "fr-FR")
VIEWPORT = {"width": 1280, "height": 900}

SHERPA = ("sherpa.city@demo.charter.example.org", "demo-sherpa-city-lampedusa")
SECRETARIAT = ("secretariat@demo.charter.example.org", "demo-secretariat-lampedusa")

CHARTER = f"/charters/{SLUG}"
# One path per kind of page (each answers 200, but the "no-such" error page: 404).
PUBLIC_PAGES = [
    "/",
    CHARTER,
    f"{CHARTER}/versions",
    f"{CHARTER}/versions/3",
    f"{CHARTER}/sections/article-1-dignity",
    f"{CHARTER}/compare",
    f"{CHARTER}/compare/1/3",
    f"{CHARTER}/compare/1/3?view=side",
    f"{CHARTER}/versions/4/provenance",
    f"{CHARTER}/versions/4/provenance/article-1-dignity",
    f"{CHARTER}/timeline",
    f"{CHARTER}/stages",
    f"{CHARTER}/dashboard",
    "/search?q=dignity",
    f"{CHARTER}/search?q=city",
    f"{CHARTER}/sections/article-3-recognition/comments",
    f"{CHARTER}/questions",
    f"{CHARTER}/questions/1",
    f"{CHARTER}?lang=es",  # translated, with outdated sections marked
    "/api/v1/docs",
    "/login",
    "/password/reset",
    "/charters/no-such-charter",
]
SHERPA_PAGES = [
    CHARTER,
    f"{CHARTER}/versions/5",
    f"{CHARTER}/amendments",
    f"{CHARTER}/amendments/1",
    f"{CHARTER}/amendments/3",
    f"{CHARTER}/amendments/3/edit",
    f"{CHARTER}/sections/article-3-recognition/comments",
    f"{CHARTER}/questions/1",
    f"{CHARTER}/comments/1/reply",
    f"{CHARTER}/comments/1/flag",
    f"{CHARTER}/dossier",
    f"{CHARTER}/dossier/1/4.html",
    "/notifications",
    "/account",
]
SECRETARIAT_PAGES = [
    f"{CHARTER}/amendments/1",
    f"{CHARTER}/merge",
    f"{CHARTER}/draft/edit?section=article-2-equity",
    f"{CHARTER}/versions/5/decision",
    f"{CHARTER}/moderation",
    f"{CHARTER}/comments/1/hide",
    f"{CHARTER}/questions",
    f"{CHARTER}/themes",
    f"{CHARTER}/stages",
    f"{CHARTER}/versions/4/translations/es",
    f"{CHARTER}/versions/4/translations/es/article-1-dignity",
    f"{CHARTER}/webhooks",
    "/admin/users",
    "/admin/users/3",
    "/admin/invitations",
    "/admin/councils",
    "/admin/councils/1",
    "/admin/audit",
    "/account/two-factor",
]


@pytest.fixture(scope="session")
def axe() -> Path:
    if not AXE.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"axe-core is required in CI and was not found at {AXE}: npm ci")
        pytest.skip(f"axe-core not found at {AXE}: run `npm ci` (or `make test`)")
    return AXE


def quick_hash(password: str, method: str = "") -> str:
    """A password hash that costs nothing: the demo's seven scrypt hashes would take a
    second of each test, and no password strength is tested here."""
    return generate_password_hash(password, method="pbkdf2:sha256:1")


@pytest.fixture
def demo_site(live_server, monkeypatch) -> str:
    """The demo charter with its accounts, amendments and consultation."""
    base, app = live_server
    monkeypatch.setattr(models, "generate_password_hash", quick_hash)
    # The services translate their messages: give them a request to take the language from.
    with app.app_context(), app.test_request_context():
        load_demo()
        db.session.commit()
    return base


def set_up(app, language: str, *, stage: int | None = None) -> None:
    """Make the demo accounts speak the language; move the demo charter to a stage."""
    with app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.language = language
        if stage is not None:
            charter = db.session.scalar(sa.select(Charter).where(Charter.slug == SLUG))
            charter.stage_position = stage
        db.session.commit()


def new_context(browser, locale: str, axe: Path):
    """A context whose pages all carry axe-core, under the site's own Content-Security-Policy.

    The script is given once to the context, which runs it in each page before the page's
    own scripts (page.add_script_tag would send it again for every page and needs the CSP
    bypassed, as it inserts an inline script)."""
    context = browser.new_context(viewport=VIEWPORT, locale=locale)
    context.add_init_script(path=str(axe))
    return context


def sign_in(page, base: str, account: tuple[str, str], *, succeeds: bool = True) -> None:
    """Sign in through the form (named by its fields: the labels depend on the language)."""
    email, password = account
    page.goto(base + "/login")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    expect(page.locator("input[name=password]")).to_have_count(0 if succeeds else 1)


def set_up_two_factor(page) -> None:
    """The secretariat's first sign-in goes on with setting up the second factor: that page,
    then the recovery codes, pass too."""
    expect(page).to_have_url(re.compile(r"/login/setup$"))
    assert violations(page) == []
    assert page.locator("img.qr-code").evaluate("image => image.naturalWidth") > 100  # shown
    key = page.locator("code.secret-key").inner_text()
    page.locator("input[name=code]").fill(pyotp.TOTP(key).now())
    page.locator("form:has(input[name=code]) button[type=submit]").click()
    expect(page.locator(".recovery-codes li")).to_have_count(10)
    assert violations(page) == []


def violations(page) -> list[str]:
    """axe-core's WCAG 2.1 A/AA violations on the page (and those of the structure rules),
    one readable line per element."""
    result = page.evaluate(
        """([tags, rules]) => axe.run(document, {
            runOnly: {type: "tag", values: tags},
            rules: Object.fromEntries(rules.map(rule => [rule, {enabled: true}])),
            resultTypes: ["violations"],
        })""",
        [WCAG_TAGS, STRUCTURE_RULES],
    )
    return [
        f"  {rule['id']} ({rule['impact']}) at {node['target']}: {rule['help']}"
        for rule in result["violations"]
        for node in rule["nodes"]
    ]


def audit(page, base: str, paths: list[str]) -> None:
    """Visit each path and fail with every violation of every page."""
    found = []
    for path in paths:
        response = page.goto(base + path)
        status = response.status if response else None
        expected = 404 if "no-such" in path else 200
        if status != expected:
            found.append(f"{path}: answered {status}, not {expected}")
            continue
        found += [f"{path}\n{line}" for line in violations(page)]
    assert not found, "Accessibility violations:\n" + "\n".join(found)


@pytest.mark.parametrize("locale", LOCALES)
def test_public_pages_pass_axe(browser, live_server, demo_site, axe, locale):
    context = new_context(browser, locale, axe)
    try:
        page = context.new_page()
        audit(page, demo_site, PUBLIC_PAGES)
        # A form showing its errors: a wrong password.
        sign_in(page, demo_site, (SHERPA[0], "not the password"), succeeds=False)
        expect(page.locator(".banner--error, .field__error").first).to_be_visible()
        assert violations(page) == []
    finally:
        context.close()


def test_reduced_motion_stops_transitions_and_smooth_scrolling(page, live_server):
    base, app = live_server
    with app.app_context():
        make_version(make_charter("harbour", "Charter of the Harbour Cities"))
    for motion, moving in (("no-preference", True), ("reduce", False)):
        page.emulate_media(reduced_motion=motion)
        page.goto(base + "/charters/harbour")
        page.keyboard.press("Tab")  # html:focus-within
        motion_of = page.evaluate(
            """() => ({
                scroll: getComputedStyle(document.documentElement).scrollBehavior,
                transition: parseFloat(getComputedStyle(document.querySelector(".permalink"))
                    .transitionDuration),
            })"""
        )
        assert (motion_of["scroll"] == "smooth") is moving, motion_of
        assert (motion_of["transition"] >= 0.1) is moving, motion_of


@pytest.mark.parametrize("locale", LOCALES)
def test_sherpa_pages_pass_axe(browser, live_server, demo_site, axe, locale):
    set_up(live_server[1], locale[:2])
    context = new_context(browser, locale, axe)
    try:
        page = context.new_page()
        sign_in(page, demo_site, SHERPA)
        audit(page, demo_site, SHERPA_PAGES)
        # The proposal form, with the live diff preview showing a change.
        page.goto(f"{demo_site}{CHARTER}/amendments/new?section=article-2-equity")
        text = page.locator("textarea[name=text]")
        text.press("ControlOrMeta+End")
        text.press_sequentially(" For everyone.")
        expect(page.locator("#change-preview ins").first).to_contain_text("For everyone")
        assert violations(page) == []
    finally:
        context.close()


@pytest.mark.parametrize("locale", LOCALES)
def test_secretariat_pages_pass_axe(browser, live_server, demo_site, axe, locale):
    set_up(live_server[1], locale[:2], stage=4)  # Executive Bureau: review and merge
    context = new_context(browser, locale, axe)
    try:
        page = context.new_page()
        sign_in(page, demo_site, SECRETARIAT)
        set_up_two_factor(page)
        audit(page, demo_site, SECRETARIAT_PAGES)
    finally:
        context.close()
