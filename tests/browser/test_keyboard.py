"""Keyboard only: a sherpa signs in, proposes an amendment with its live preview and submits
it, then comments on a passage of a section; every focus stop on the way is visible.

Nothing here clicks or fills: locators only name the element the focus should reach.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from charter.extensions import db
from tests.factories import make_charter, make_council, make_user, make_version

pytestmark = pytest.mark.browser

PASSWORD = "a long walk along the harbour"
EMAIL = "salvatore@example.org"
DOCUMENT = """The cities of the network adopt this charter to welcome every person who arrives.

## Article 1 — Dignity

Every person who arrives in the city is welcome in it. Local governments guarantee shelter, food
and first medical care from the first day of arrival.

## Article 2 — Equity

Public services are open to all residents on equal terms.
"""
MAX_STOPS = 80

# The focused element, and whether its focus can be seen: an outline or a box shadow.
FOCUS = """target => {
    const element = document.activeElement;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return {
        reached: element === target,
        // Past the last stop the focus leaves the page (the browser's own controls).
        left: element === document.body,
        visible: element.matches(":focus-visible") && (outline || style.boxShadow !== "none"),
        element: element.outerHTML.slice(0, 120),
    };
}"""


@pytest.fixture
def site(live_server) -> str:
    """A charter in its Policy Council session and a sherpa of its council."""
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        make_version(charter, DOCUMENT)
        charter.stage_position = 3  # Policy Council session: proposing and commenting open
        council = make_council(charter, "Right to the City")
        db.session.commit()
        make_user("sherpa", email=EMAIL, password=PASSWORD, name="Salvatore", councils=[council])
    return base


def tab_to(page, target, *, backwards: bool = False) -> None:
    """Press Tab (or Shift+Tab) until target has the focus; each stop must show its focus."""
    for _ in range(MAX_STOPS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focus = target.evaluate(FOCUS)
        assert focus["visible"] or focus["left"], f"focus not visible on {focus['element']}"
        if focus["reached"]:
            return
    raise AssertionError(f"{target} not reached in {MAX_STOPS} presses of Tab")


def sign_in(page, base: str) -> None:
    page.goto(base + "/login")
    # The first stop is the skip link, shown when focused; it leads to the main content.
    skip = page.get_by_role("link", name="Skip to content")
    tab_to(page, skip)
    expect(skip).to_be_in_viewport()
    page.keyboard.press("Enter")
    tab_to(page, page.get_by_label("Email"))
    page.keyboard.type(EMAIL)
    tab_to(page, page.get_by_label("Password"))
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()


def test_propose_an_amendment_with_the_keyboard_only(page, site):
    sign_in(page, site)
    page.goto(site + "/charters/harbour")
    tab_to(page, page.get_by_role("link", name="Propose a change to Article 1 — Dignity"))
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Propose a change to “Article 1 — Dignity”"
    )

    text = page.get_by_label("Proposed text")
    tab_to(page, text)
    page.keyboard.press("ControlOrMeta+End")
    page.keyboard.type(" Nobody is asked for papers at the door.")
    preview = page.locator("#change-preview")
    expect(preview.locator("ins").first).to_contain_text("Nobody is asked for papers")
    expect(preview.locator("del")).to_have_count(0)

    justification = page.get_by_label("Justification")
    tab_to(page, justification)
    page.keyboard.type("Dignity does not depend on papers.")
    # Back and forth: Shift+Tab returns to the text, which kept the change.
    tab_to(page, text, backwards=True)
    expect(text).to_have_value(
        "Every person who arrives in the city is welcome in it. Local governments guarantee "
        "shelter, food\nand first medical care from the first day of arrival. Nobody is asked "
        "for papers at the door."
    )
    tab_to(page, justification)
    tab_to(page, page.get_by_role("button", name="Submit", exact=True))
    page.keyboard.press("Space")

    expect(page.get_by_text("Amendment 1 is submitted for review.")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change to Article 1 — Dignity")
    expect(page.locator(".diff ins").first).to_contain_text("Nobody is asked for papers")
    expect(page.get_by_text("Dignity does not depend on papers.")).to_be_visible()


def test_comment_on_a_passage_with_the_keyboard_only(page, site):
    sign_in(page, site)
    page.goto(site + "/charters/harbour/sections/article-1-dignity/comments")
    tab_to(page, page.get_by_role("region", name="Text of the section"))
    # Select "Every person" (two words) with Shift+Ctrl+Right, then Tab to the button.
    page.keyboard.press("Shift+Control+ArrowRight")
    page.keyboard.press("Shift+Control+ArrowRight")
    button = page.get_by_role("button", name="Comment on this passage")
    expect(button).to_be_visible()
    tab_to(page, button)
    page.keyboard.press("Enter")

    expect(page.get_by_label("Passage you comment on (optional)")).to_have_value("Every person")
    comment = page.get_by_label("Your comment")
    expect(comment).to_be_focused()
    page.keyboard.type("Every person, whatever their papers.")
    tab_to(page, page.get_by_role("button", name="Publish"))
    page.keyboard.press("Enter")

    mark = page.locator("mark.annotation")
    expect(mark).to_have_text("Every person")
    # The highlighted passage leads to its comment, by keyboard too.
    tab_to(page, mark)
    page.keyboard.press("Enter")
    expect(page.locator(".comment:target")).to_contain_text("whatever their papers")
