"""The app's own copy of the public's pages: served to the next anonymous reader, never late
after a write, never given to someone signed in, never holding what a reader may not see."""

import sqlalchemy as sa

from charter.consultation import services as comments
from charter.drafting import services
from charter.extensions import db
from charter.public import caching
from tests.factories import DOCUMENT, make_version

LATEST = "/charters/consult"
FIRST = "/charters/consult/versions/1"


def page(client, path: str, **headers: str) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def test_the_next_anonymous_reader_gets_the_kept_page_without_it_being_made(
    client, consultation, monkeypatch
):
    first = page(client, FIRST)
    made = []
    monkeypatch.setattr(
        "charter.public.views.render_template", lambda *a, **k: made.append(a) or "made again"
    )
    assert page(client, FIRST) == first
    assert made == []


def test_a_comment_is_counted_on_the_very_next_page(client, consultation):
    c = consultation
    assert "Comments (1)" not in page(client, LATEST)
    comments.comment_on_section(c.partner, c.charter, c.version, "article-1-dignity", "Yes.")
    db.session.commit()
    assert "Comments (1)" in page(client, LATEST)


def test_a_new_published_version_is_the_latest_at_once_and_a_draft_never(client, consultation):
    c = consultation
    assert "at home" not in page(client, LATEST)
    draft = make_version(c.charter, DOCUMENT.replace("welcome", "at home"), publish=False)
    assert "at home" not in page(client, LATEST)
    services.publish(draft, by="Secretariat")
    db.session.commit()
    assert "at home" in page(client, LATEST)


def test_a_write_rolled_back_leaves_the_kept_page_in_place(client, consultation, monkeypatch):
    c = consultation
    page(client, LATEST)
    c.charter.title = "Renamed, then rolled back"
    db.session.flush()
    db.session.rollback()
    monkeypatch.setattr("charter.public.views.render_template", lambda *a, **k: "made again")
    assert "Charter under consultation" in page(client, LATEST)


def test_signed_in_people_never_get_the_public_copy_nor_give_theirs(
    app, client, consultation, login_as
):
    c = consultation
    draft = make_version(c.charter, DOCUMENT.replace("welcome", "secret draft"), publish=False)
    public = page(client, LATEST)
    assert "Propose a change" not in public
    secretariat = app.test_client()
    login_as(c.secretariat, secretariat)
    own = page(secretariat, LATEST)
    assert "secret draft" in own  # the head, a draft, for those who may change the text
    assert "Propose a change" in own or "Edit" in own
    assert page(client, LATEST) == public
    assert "secret draft" not in page(client, f"/charters/consult/versions/{draft.number - 1}")


def test_each_language_has_its_own_copy(client, consultation):
    english = page(client, FIRST, **{"Accept-Language": "en"})
    french = page(client, FIRST, **{"Accept-Language": "fr"})
    assert english != french
    assert 'lang="fr"' in french
    assert page(client, FIRST, **{"Accept-Language": "en"}) == english


def test_a_page_with_a_message_for_one_browser_is_not_kept(client, consultation):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "You are signed out.")]
    assert "You are signed out." in page(client, FIRST)
    assert "You are signed out." not in page(client, FIRST)


def test_with_redis_a_kept_page_costs_no_database_round_trip(make_app, redis_url):
    app = make_app(REDIS_URL=redis_url)
    statements = []
    with app.app_context():
        charter = services.create_charter("shared", "Shared charter")
        make_version(charter, DOCUMENT)
        client = app.test_client()
        made = client.get("/charters/shared").get_data()
        sa.event.listen(db.engine, "before_cursor_execute", lambda *args: statements.append(1))
        assert client.get("/charters/shared").get_data() == made
    assert statements == []


def test_kept_pages_are_shared_through_redis_by_two_apps(make_app, redis_url, monkeypatch):
    first = make_app(REDIS_URL=redis_url)
    with first.app_context():
        charter = services.create_charter("shared", "Shared charter")
        make_version(charter, DOCUMENT)
        made = first.test_client().get("/charters/shared").get_data(as_text=True)
    caching._pages.clear()  # another process: nothing kept in memory
    second = make_app(REDIS_URL=redis_url)
    with second.app_context():
        monkeypatch.setattr("charter.public.views.render_template", lambda *a, **k: "made")
        assert second.test_client().get("/charters/shared").get_data(as_text=True) == made
        db.session.execute(sa.update(charter.__class__).values(title="Renamed"))
        db.session.commit()
        # The write made a new stamp: the page is made again, not taken from Redis.
        assert second.test_client().get("/charters/shared").get_data(as_text=True) == "made"
