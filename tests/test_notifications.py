"""Notifications: e-mail after commit (each event or a daily digest), unsubscribing without
signing in, preferences, the notifications page, following."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from charter import notifications
from charter.accounts.models import Notification
from charter.amendments import services as amendments
from charter.audit import AuditEntry
from charter.consultation.models import Follow
from charter.drafting.models import utcnow
from charter.extensions import db
from charter.notices import n_
from charter.text.rebase import Operation
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

UNSUBSCRIBE = re.compile(r"http://charter\.test(/unsubscribe/[\w.-]+)\s")


def tell(users, text="Amendment 3 was accepted.", link="/charters/c/amendments/3"):
    """Notify users and commit, as a service and its view would."""
    notifications.notify([user.id for user in users], n_(text), link)
    db.session.commit()


def emailed(user) -> list[Notification]:
    return list(
        db.session.scalars(
            sa.select(Notification).where(
                Notification.user_id == user.id, Notification.emailed_at.is_not(None)
            )
        )
    )


def make_amendment(charter, author):
    """A submitted amendment of Article 1 (the charter is put in its proposing stage)."""
    charter.stage_position = 3
    amendment = amendments.propose(
        author,
        charter,
        charter_head_number(charter),
        [Operation("modify", "article-1-dignity", "Every person is welcome.")],
        justification="Shorter.",
        submit=True,
    )
    db.session.commit()
    return amendment


def charter_head_number(charter) -> int:
    from charter.drafting.queries import head_version

    return head_version(charter).number


# E-mail ----------------------------------------------------------------------------------


def test_event_mail_goes_out_after_the_request_with_links_and_unsubscribe_headers(mail_app):
    app, inbox = mail_app
    charter = make_charter("c", "Lampedusa Charter")
    ana = make_user("sherpa", email="ana@example.org")
    tell([ana])
    assert inbox == []  # committed, not yet delivered: the end of the request does it
    app.test_client().get("/")

    [message] = inbox
    assert message["To"] == "ana@example.org"
    assert message["Subject"] == f"[{charter.title}] Amendment 3 was accepted."
    body = message.get_content()
    assert "http://charter.test/charters/c/amendments/3" in body
    assert "http://charter.test/notifications" in body
    path = UNSUBSCRIBE.search(body).group(1)
    assert message["List-Unsubscribe"] == f"<http://charter.test{path}/one-click>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert len(emailed(ana)) == 1
    app.test_client().get("/")
    assert len(inbox) == 1  # sent once


def test_no_mail_for_a_change_that_was_rolled_back(mail_app):
    app, inbox = mail_app
    ana = make_user("sherpa", email="ana@example.org")
    notifications.notify([ana.id], n_("Never happened."), "/x")
    db.session.rollback()
    ana.display_name = "Ana"  # a later commit of something else
    db.session.commit()
    app.test_client().get("/")
    assert inbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 0


def test_review_tells_the_followers_of_the_amendment_by_mail(mail_app):
    _app, inbox = mail_app
    charter = make_charter("c")
    make_version(charter, DOCUMENT)
    council = make_council(charter)
    author = make_user("sherpa", councils=[council])
    follower = make_user("advisor", email="fola@example.org", councils=[council])
    amendment = make_amendment(charter, author)
    notifications.follow(follower, charter, "amendment", amendment.number)
    charter.stage_position = 4  # Executive Bureau: reviewing is open
    db.session.commit()
    amendments.review(make_user("secretariat"), amendment, True, "Clearer.")
    db.session.commit()
    notifications.deliver_pending()
    assert sorted(message["To"] for message in inbox) == sorted([author.email, follower.email])
    assert "was accepted: Clearer." in inbox[0]["Subject"]


def test_a_failing_mail_server_is_logged_and_the_digest_retries_with_exit_code_1(make_app):
    app = make_app(MAIL_SERVER="127.0.0.1", MAIL_PORT=1)  # nothing listens there
    with app.app_context():
        ana = make_user("sherpa")
        tell([ana])
        assert app.test_client().get("/").status_code == 200
        assert emailed(ana) == []
        db.session.execute(
            sa.update(Notification).values(created_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["digest"])
        assert result.exit_code == 1
        assert emailed(ana) == []


def test_digest_sends_one_message_with_all_the_news_and_nothing_the_second_time(mail_app):
    app, inbox = mail_app
    ana = make_user("sherpa", email="ana@example.org")
    ana.email_notifications = "daily"
    db.session.commit()
    tell([ana], "First news.")
    tell([ana], "Second news.")
    app.test_client().get("/")
    assert inbox == []  # daily: nothing per event

    runner = app.test_cli_runner()
    result = runner.invoke(args=["digest"])
    assert result.exit_code == 0, result.output
    assert "Sent 1 message(s)." in result.output
    [message] = inbox
    assert message["Subject"] == "[Charter] 2 new notifications"
    body = message.get_content()
    assert "First news." in body and "Second news." in body
    assert UNSUBSCRIBE.search(body)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    again = runner.invoke(args=["digest"])
    assert "Sent 0 message(s)." in again.output
    assert len(inbox) == 1


def test_never_and_inactive_users_get_no_mail(mail_app):
    app, inbox = mail_app
    quiet = make_user("sherpa")
    quiet.email_notifications = "never"
    gone = make_user("sherpa", active=False)
    db.session.commit()
    tell([quiet, gone])
    app.test_client().get("/")
    app.test_cli_runner().invoke(args=["digest"], catch_exceptions=False)
    assert inbox == []
    assert db.session.scalar(sa.select(sa.func.count(Notification.id))) == 2  # still listed


# Unsubscribing ---------------------------------------------------------------------------


@pytest.fixture
def guarded(make_app):
    """An app that checks CSRF tokens, as in production."""
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        yield app


def test_unsubscribe_link_asks_then_stops_the_mails_without_signing_in(app, client):
    ana = make_user("sherpa")
    path = f"/unsubscribe/{notifications.unsubscribe_token(ana.id)}"
    page = client.get(path)
    assert page.status_code == 200
    assert "Stop the e-mails" in page.get_data(as_text=True)
    assert ana.email_notifications == "each"  # a GET changes nothing

    done = client.post(path)
    assert "You will not receive e-mails any more" in done.get_data(as_text=True)
    db.session.refresh(ana)
    assert ana.email_notifications == "never"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "account.unsubscribe")
    )
    assert (entry.actor_id, entry.before, entry.after) == (ana.id, "each", "never")


@pytest.mark.parametrize("token", ["forged", "x" * 40])
def test_unsubscribe_with_a_bad_token_changes_nothing(app, client, token):
    ana = make_user("sherpa")
    assert client.get(f"/unsubscribe/{token}").status_code == 404
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    db.session.refresh(ana)
    assert ana.email_notifications == "each"


def test_unsubscribe_with_an_expired_token_changes_nothing(app, client, monkeypatch):
    ana = make_user("sherpa")
    token = notifications.unsubscribe_token(ana.id)
    monkeypatch.setattr(notifications, "UNSUBSCRIBE_VALID_FOR", timedelta(seconds=-1))
    assert client.post(f"/unsubscribe/{token}").status_code == 404
    db.session.refresh(ana)
    assert ana.email_notifications == "each"


def test_one_click_unsubscribe_works_without_csrf_but_the_page_form_needs_it(guarded):
    ana = make_user("sherpa")
    token = notifications.unsubscribe_token(ana.id)
    client = guarded.test_client()
    assert client.post(f"/unsubscribe/{token}").status_code == 400  # no CSRF token
    assert client.post(f"/unsubscribe/{token}/one-click").status_code == 400  # no RFC 8058 body
    db.session.refresh(ana)
    assert ana.email_notifications == "each"

    clicked = client.post(f"/unsubscribe/{token}/one-click", data={"List-Unsubscribe": "One-Click"})
    assert clicked.status_code == 200
    db.session.refresh(ana)
    assert ana.email_notifications == "never"


# Preferences and the page ----------------------------------------------------------------


def test_preferences_form_saves_a_choice_and_refuses_a_bad_one(app, client, login_as):
    ana = make_user("sherpa")
    login_as(ana)
    refused = client.post("/notifications/preferences", data={"email_notifications": "hourly"})
    assert refused.status_code == 422
    assert "Choose each event, a daily digest or never." in refused.get_data(as_text=True)

    saved = client.post(
        "/notifications/preferences", data={"email_notifications": "daily", "next": "/account"}
    )
    assert saved.headers["Location"] == "/account"
    db.session.refresh(ana)
    assert ana.email_notifications == "daily"
    assert (
        db.session.scalar(
            sa.select(AuditEntry.after).where(AuditEntry.action == "account.email_notifications")
        )
        == "daily"
    )


def test_notifications_page_marks_unread_and_marks_all_read(app, client, login_as):
    ana = make_user("sherpa")
    tell([ana], "Old news.")
    db.session.execute(sa.update(Notification).values(read_at=utcnow()))
    tell([ana], "Fresh news.")
    login_as(ana)
    page = client.get("/notifications").get_data(as_text=True)
    assert page.index("Fresh news.") < page.index("Old news.")  # newest first
    assert page.count("card--unread") == 1
    assert "Mark all as read" in page

    client.post("/notifications/read")
    page = client.get("/notifications").get_data(as_text=True)
    assert "card--unread" not in page and "Mark all as read" not in page


def test_notifications_are_their_owners_alone(app, client, login_as):
    ana = make_user("sherpa")
    tell([ana], "Ana's news.", "/charters/c/amendments/3")
    [mine] = db.session.scalars(sa.select(Notification)).all()
    assert client.get("/notifications").status_code == 302  # sign in first

    login_as(make_user("sherpa"))
    assert "Ana's news." not in client.get("/notifications").get_data(as_text=True)
    assert client.get(f"/notifications/{mine.id}").status_code == 404

    login_as(ana)
    opened = client.get(f"/notifications/{mine.id}")
    assert opened.headers["Location"] == "/charters/c/amendments/3"
    db.session.refresh(mine)
    assert mine.read_at is not None


# Following -------------------------------------------------------------------------------


def test_follow_and_unfollow_a_section_back_to_a_same_site_page(app, client, login_as):
    charter = make_charter("c")
    make_version(charter, DOCUMENT)
    ana = make_user("partner")
    login_as(ana)
    form = {"kind": "section", "ref": "article-1-dignity", "next": "/charters/c"}
    followed = client.post("/charters/c/follow", data=form)
    assert followed.headers["Location"] == "/charters/c"
    assert notifications.is_following(ana, charter, "section", "article-1-dignity")
    client.post("/charters/c/follow", data=form)  # twice: still one row
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 1

    left = client.post("/charters/c/unfollow", data={**form, "next": "//evil.example/x"})
    assert left.headers["Location"] == "/charters/c/sections/article-1-dignity"
    assert not notifications.is_following(ana, charter, "section", "article-1-dignity")


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example", "/\\evil.example"])
def test_follow_never_redirects_to_another_site(app, client, login_as, next_url):
    make_version(make_charter("c"), DOCUMENT)
    login_as(make_user("partner"))
    response = client.post(
        "/charters/c/follow", data={"kind": "section", "ref": "article-2-equity", "next": next_url}
    )
    assert response.headers["Location"] == "/charters/c/sections/article-2-equity"


def test_follow_refuses_hidden_or_foreign_targets(app, client, login_as):
    charter = make_charter("c")
    make_version(charter, DOCUMENT)
    make_version(charter, DOCUMENT + "\n## Article 3 — Secret\n\nNot yet.\n", publish=False)
    other = make_charter("other")
    make_version(other, DOCUMENT)
    council = make_council(other)
    sherpa = make_user("sherpa", councils=[council])
    make_amendment(other, sherpa)  # number 1 of the other charter; "c" has none

    login_as(make_user("partner"))
    draft_key = {"kind": "section", "ref": "article-3-secret"}
    assert client.post("/charters/c/follow", data=draft_key).status_code == 404
    assert client.post("/charters/c/follow", data={"kind": "planet", "ref": "1"}).status_code == 400
    login_as(sherpa)
    foreign = {"kind": "amendment", "ref": "1"}
    assert client.post("/charters/c/follow", data=foreign).status_code == 404
    assert client.post("/charters/other/follow", data=foreign).status_code == 302
    login_as(make_user("secretariat"))
    assert client.post("/charters/c/follow", data=draft_key).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(Follow.id))) == 2


def test_follow_button_shows_the_state_and_anonymous_visitors_cannot_follow(app, client):
    charter = make_charter("c")
    make_version(charter, DOCUMENT)
    assert (
        client.post("/charters/c/follow", data={"kind": "section", "ref": "x"}).status_code == 401
    )
    ana = make_user("partner")
    notifications.follow(ana, charter, "section", "article-1-dignity")
    db.session.commit()
    template = app.jinja_env.from_string(
        '{% from "notifications/_follow.html" import follow_button %}'
        '{{ follow_button(charter, "section", "article-1-dignity", what="Article 1") }}'
    )
    from flask_login import login_user

    with app.test_request_context("/charters/c"):
        assert template.render(charter=charter).strip() == ""  # the public may not follow
        login_user(ana)
        html = template.render(charter=charter)
    assert "/charters/c/unfollow" in html and "Stop following" in html


def test_following_a_digit_that_is_no_number_is_a_404(app, client, login_as):
    charter = make_charter("digits")
    make_version(charter)
    login_as(make_user("partner"))
    for kind in ("amendment", "question"):
        response = client.post("/charters/digits/follow", data={"kind": kind, "ref": "²"})
        assert response.status_code == 404
