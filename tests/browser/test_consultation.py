"""The consultation in a browser: a partner answers a guiding question, a sherpa annotates a
passage by selecting it, the secretariat hides an abusive comment and its author sees why."""

import pytest
from playwright.sync_api import expect

from charter.consultation import services as consultation
from charter.consultation.models import GuidingQuestion
from charter.drafting import queries
from charter.extensions import db
from tests.browser.test_amendment import APP_KEY, DOCUMENT, PASSWORD, sign_in
from tests.factories import make_charter, make_council, make_user, make_version

pytestmark = pytest.mark.browser

PASSAGE = "is welcome in it"


@pytest.fixture
def site(live_server) -> str:
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        make_version(charter, DOCUMENT)
        charter.stage_position = 2  # partner consultation
        council = make_council(charter, "Right to the City")
        db.session.add(
            GuidingQuestion(
                charter_id=charter.id, position=1, text="Which key questions must it address?"
            )
        )
        db.session.commit()
        make_user("partner", email="priya@example.org", password=PASSWORD, name="Priya")
        make_user(
            "sherpa",
            email="salvatore@example.org",
            password=PASSWORD,
            name="Salvatore",
            councils=[council],
        )
        sofia = make_user("secretariat", email="sofia@example.org", password=PASSWORD, name="Sofia")
        sofia.totp_secret = APP_KEY  # her authenticator app
        tom = make_user("partner", email="tom@example.org", password=PASSWORD, name="Tom")
        consultation.comment_on_section(
            tom,
            charter,
            queries.latest_visible(charter, tom),
            "article-1-dignity",
            "You are all idiots.",
        )
        db.session.commit()
    return base


def test_answer_annotate_hide_and_see_why(browser, page, site, screenshot):
    # Priya, a partner, answers the guiding question.
    sign_in(page, site, "priya@example.org")
    page.goto(site + "/charters/harbour")
    page.get_by_role("link", name="Guiding questions").click()
    page.get_by_role("link", name="Open question 1").click()
    page.get_by_label("Your answer").fill("Housing for people in **informal settlements**.")
    page.get_by_role("button", name="Publish the answer").click()
    answer = page.locator(".comment").filter(has_text="Housing for people in")
    expect(answer.locator("strong", has_text="informal settlements")).to_be_visible()

    # Salvatore, a sherpa, selects a passage of Article 1 and comments on it.
    sherpa = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(sherpa, site, "salvatore@example.org")
    sherpa.goto(site + "/charters/harbour")
    sherpa.locator("#article-1-dignity").get_by_role("link", name="Comments (1)").click()
    expect(sherpa.get_by_role("heading", name="Comments on “Article 1 — Dignity”")).to_be_visible()
    sherpa.wait_for_load_state()  # annotate.js is deferred: its listeners come after the heading
    sherpa.evaluate(
        """passage => {
            const text = document.querySelector("[data-annotatable]");
            const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
            while (walker.nextNode()) {
                const at = walker.currentNode.nodeValue.indexOf(passage);
                if (at < 0) continue;
                const range = document.createRange();
                range.setStart(walker.currentNode, at);
                range.setEnd(walker.currentNode, at + passage.length);
                getSelection().removeAllRanges();
                getSelection().addRange(range);
                text.dispatchEvent(new MouseEvent("mouseup", {bubbles: true}));
                return;
            }
        }""",
        PASSAGE,
    )
    sherpa.get_by_role("button", name="Comment on this passage").click()
    expect(sherpa.get_by_label("Passage you comment on (optional)")).to_have_value(PASSAGE)
    expect(sherpa.get_by_label("Your comment")).to_be_focused()
    sherpa.get_by_label("Your comment").fill("Welcome *as a neighbour*, say it.")
    sherpa.get_by_role("button", name="Publish").click()
    expect(sherpa.locator("mark.annotation")).to_have_text(PASSAGE)
    sherpa.locator("mark.annotation").click()
    expect(sherpa.locator(".comment:target")).to_contain_text("as a neighbour")
    screenshot(sherpa, "consultation-annotation")

    # Sofia, the secretariat, hides Tom's abusive comment with a reason.
    secretariat = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(secretariat, site, "sofia@example.org")
    secretariat.goto(site + "/charters/harbour/sections/article-1-dignity/comments")
    abusive = secretariat.locator(".comment").filter(has_text="You are all idiots.")
    abusive.get_by_role("link", name="Hide").click()
    secretariat.get_by_role("button", name="Hide").click()
    expect(secretariat.get_by_text("Say why the comment is hidden")).to_be_visible()
    secretariat.get_by_label("Reason").fill("Insults have no place in the consultation.")
    secretariat.get_by_role("button", name="Hide").click()
    expect(
        secretariat.get_by_text("The comment is hidden; its author is told why.")
    ).to_be_visible()

    # Tom signs in: his comment shows the reason in its place, and he was told.
    author = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in(author, site, "tom@example.org")
    author.goto(site + "/charters/harbour/sections/article-1-dignity/comments")
    expect(
        author.get_by_text("Hidden by the secretariat: Insults have no place in the consultation.")
    ).to_be_visible()
    expect(author.get_by_text("You are all idiots.")).to_have_count(0)
    author.goto(site + "/notifications")
    expect(author.get_by_text("The secretariat hid your comment")).to_be_visible()
    screenshot(author, "consultation-hidden")
