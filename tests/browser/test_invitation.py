"""An invited person opens the link, chooses a password and lands on their account; sign-in."""

import pytest
from playwright.sync_api import expect

from charter.accounts import services
from charter.extensions import db
from tests.factories import make_charter, make_council, make_user

pytestmark = pytest.mark.browser

PASSWORD = "a walk along the harbour"


@pytest.fixture
def invitation_link(live_server):
    """A secretariat invited Inès as a sherpa of one council; the link of the invitation."""
    base, app = live_server
    with app.app_context():
        council = make_council(make_charter("lampedusa", "Lampedusa Charter"), "Housing")
        secretariat = make_user("secretariat", email="sec@example.org", name="Sofia")
        _invitation, token = services.invite(
            secretariat, "ines@example.org", "sherpa", [council], display_name="Inès"
        )
        db.session.commit()
    return f"{base}/invitations/{token}"


def test_invitee_creates_the_account_and_is_signed_in(page, invitation_link, screenshot):
    page.goto(invitation_link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome to Charter")
    expect(
        page.get_by_text("You are invited as Sherpa with the address ines@example.org.")
    ).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Inès")

    page.get_by_label("Your name").fill("Inès Ibarra")
    page.get_by_label("New password", exact=True).fill("short")
    page.get_by_label("Repeat the new password").fill("short")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Use at least 10 characters.")).to_be_visible()
    expect(page.get_by_label("Your name")).to_have_value("Inès Ibarra")
    screenshot(page, "invitation")

    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the new password").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("My account")
    expect(page.get_by_text("Welcome, Inès Ibarra: your account is ready.")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("ines@example.org")
    header = page.get_by_role("banner")
    expect(header.get_by_role("button", name="Sign out")).to_be_visible()
    expect(header.get_by_role("link", name="Inès Ibarra")).to_be_visible()
    screenshot(page, "account")

    page.goto(invitation_link)  # the link worked once
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid any more")


def test_sign_in_with_a_wrong_password_says_so_and_keeps_the_email(page, live_server, screenshot):
    base, app = live_server
    with app.app_context():
        make_user("partner", email="pat@example.org", password=PASSWORD, name="Pat")

    page.goto(base + "/login")
    page.get_by_label("Email").fill("pat@example.org")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_text("Email or password is wrong.")).to_be_visible()
    expect(page.get_by_label("Email")).to_have_value("pat@example.org")
    expect(page.get_by_label("Password")).to_have_value("")
    screenshot(page, "sign-in-wrong")

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("banner").get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.get_by_role("banner").get_by_role("link", name="Pat")).to_be_visible()
