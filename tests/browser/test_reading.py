"""A visitor reads the demo charter and compares its first and third versions."""

import pytest
from playwright.sync_api import expect

from charter.demo.loader import load_demo
from charter.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def demo_site(live_server):
    base, app = live_server
    with app.app_context():
        load_demo()
        db.session.commit()
    return base


def test_visitor_compares_version_one_with_three(page, demo_site, screenshot):
    page.goto(demo_site + "/")
    screenshot(page, "home")
    page.get_by_role("link", name="Charter of Lampedusa for dignified human mobility").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Charter of Lampedusa")
    expect(page.get_by_role("navigation", name="Contents")).to_be_visible()
    screenshot(page, "charter")

    page.get_by_role("link", name="Compare versions").first.click()
    page.get_by_label("From version").select_option("1")
    page.get_by_label("To version").select_option("3")
    page.get_by_role("button", name="Compare").click()

    expect(page).to_have_url(demo_site + "/charters/lampedusa/compare/1/3?view=inline")
    expect(page.locator(".diff ins").first).to_be_visible()
    expect(page.locator(".diff del").first).to_be_visible()
    expect(page.get_by_text("Changes from version 1 to version 3")).to_be_visible()
    screenshot(page, "compare-inline")

    page.get_by_role("link", name="Side by side").click()
    expect(page.locator(".diff-side").first).to_be_visible()
    screenshot(page, "compare-side")


def test_visitor_reads_on_a_phone(browser, demo_site, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(demo_site + "/charters/lampedusa")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Nothing wider than the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "charter-phone")
    page.goto(demo_site + "/charters/lampedusa/compare/1/3?view=side")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "compare-phone")
    context.close()


def test_history_and_section_pages(page, demo_site, screenshot):
    page.goto(demo_site + "/charters/lampedusa/versions")
    expect(page.get_by_role("table")).to_contain_text("Version 3")
    screenshot(page, "history")
    page.goto(demo_site + "/charters/lampedusa")
    page.get_by_role("link", name="History of this section").nth(1).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("History of")
    screenshot(page, "section-history")
