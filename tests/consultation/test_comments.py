"""Comments and annotations on a section, and moderation, through the pages."""

from datetime import timedelta

import sqlalchemy as sa

from charter.audit import AuditEntry
from charter.consultation.models import Comment, Flag
from charter.extensions import db
from tests.factories import DOCUMENT, make_version

URL = "/charters/consult/sections/article-1-dignity/comments"


def post(client, text, **extra):
    return client.post(URL, data={"body": text, **extra})


def only_comment() -> Comment:
    return db.session.scalars(sa.select(Comment)).one()


def test_a_partner_comments_beside_a_section_and_the_contents_count_it(
    client, login_as, consultation
):
    login_as(consultation.partner)
    response = post(client, "Say *who* is welcome.")
    comment = only_comment()
    assert response.status_code == 302
    assert response.location.endswith(f"#comment-{comment.id}")
    page = client.get(URL).get_data(as_text=True)
    assert "Every person is welcome in the city." in page  # the section beside it
    assert "Say <em>who</em> is welcome." in page
    version_page = client.get("/charters/consult").get_data(as_text=True)
    assert "Comments (1)" in version_page
    assert '1<span class="visually-hidden"> comment</span>' in version_page


def test_empty_and_oversized_comments_are_refused_and_the_text_kept(client, login_as, consultation):
    login_as(consultation.partner)
    response = post(client, "   ")
    assert response.status_code == 422
    assert "The comment is empty." in response.get_data(as_text=True)
    long = "word " * 2001
    response = post(client, long)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "the limit is 10,000" in page
    assert long.strip() in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Comment)) == 0


def test_an_annotation_quotes_a_passage_and_a_quote_not_in_the_section_is_refused(
    client, login_as, consultation
):
    login_as(consultation.sherpa)
    response = post(client, "Not only persons.", quote="the  city", position="25")
    assert response.status_code == 302
    comment = only_comment()
    assert (comment.quote, comment.quote_start) == ("the city", 27)
    page = client.get(URL).get_data(as_text=True)
    assert 'data-quote-start="27" data-quote-end="35"' in page

    response = post(client, "My remark stays here.", quote="the village")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The quoted passage is not in this section." in page
    assert "My remark stays here." in page
    assert "the village" in page


def test_annotations_follow_their_passage_into_later_versions_or_say_it_changed(
    client, login_as, consultation
):
    login_as(consultation.sherpa)
    post(client, "Welcome how?", quote="is welcome")
    post(client, "Which city?", quote="in the city")
    make_version(
        consultation.charter,
        DOCUMENT.replace("Every person is welcome in the city.", "Truly, every person is welcome."),
    )
    page = client.get(URL).get_data(as_text=True)
    welcome, city = db.session.scalars(sa.select(Comment).order_by(Comment.id)).all()
    assert f'id="comment-{welcome.id}"\n    data-quote-start="20"' in page
    assert page.count("passage changed") == 1
    assert "on version 1" in page
    old = client.get(URL + "?version=1").get_data(as_text=True)
    assert "passage changed" not in old


def test_commenting_is_refused_in_a_stage_that_does_not_open_it(client, login_as, consultation):
    consultation.charter.stage_position = 4  # Executive Bureau
    db.session.commit()
    login_as(consultation.partner)
    response = post(client, "Too late?")
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Commenting is not open in the current stage" in page
    assert "Too late?" in page
    page = client.get(URL).get_data(as_text=True)
    assert 'id="comment-form"' not in page
    assert "Commenting is not open in the current stage" in page


def test_comments_on_a_draft_never_reach_people_who_may_not_read_it(
    app, client, login_as, consultation
):
    make_version(consultation.charter, DOCUMENT.replace("welcome", "at home"), publish=False)
    login_as(consultation.sherpa)
    assert post(client, "Draft remark: at home is better.").status_code == 302
    comment = only_comment()
    public = app.test_client()
    assert "Draft remark" not in public.get(URL).get_data(as_text=True)
    assert "Comments (0)" in public.get("/charters/consult").get_data(as_text=True)
    assert public.get(f"/charters/consult/comments/{comment.id}").status_code == 404
    partner = app.test_client()
    login_as(consultation.partner, partner)
    assert "Draft remark" not in partner.get(URL).get_data(as_text=True)
    assert partner.get(URL + "?version=2").status_code == 404
    assert partner.get(f"/charters/consult/comments/{comment.id}/reply").status_code == 404
    assert "Draft remark" in client.get(URL).get_data(as_text=True)


def test_a_flagged_comment_is_hidden_with_a_reason_shown_to_all_and_restored(
    app, client, login_as, consultation
):
    login_as(consultation.partner)
    post(client, "Abusive words here.")
    comment = only_comment()
    flagger = app.test_client()
    login_as(consultation.sherpa, flagger)
    response = flagger.post(
        f"/charters/consult/comments/{comment.id}/flag", data={"reason": "Insult"}
    )
    assert response.status_code == 302
    assert (
        flagger.post(
            f"/charters/consult/comments/{comment.id}/flag", data={"reason": "Again"}
        ).status_code
        == 409
    )
    assert flagger.get("/charters/consult/moderation").status_code == 403

    secretariat = app.test_client()
    login_as(consultation.secretariat, secretariat)
    queue = secretariat.get("/charters/consult/moderation").get_data(as_text=True)
    assert "Abusive words here." in queue and "Insult" in queue
    hide = f"/charters/consult/comments/{comment.id}/hide"
    refused = secretariat.post(hide, data={"reason": "  "})
    assert refused.status_code == 422
    assert "Say why the comment is hidden" in refused.get_data(as_text=True)
    assert flagger.post(hide, data={"reason": "No"}).status_code == 403
    assert secretariat.post(hide, data={"reason": "Insults are not allowed."}).status_code == 302

    page = client.get(URL).get_data(as_text=True)  # the author's view
    assert "Hidden by the secretariat: Insults are not allowed." in page
    assert "Abusive words here." not in page
    assert db.session.get(Comment, comment.id).body == "Abusive words here."  # kept
    assert db.session.scalar(sa.select(Flag.resolved_at)) is not None
    assert (
        "Abusive words here."
        not in secretariat.get("/charters/consult/moderation")
        .get_data(as_text=True)
        .split("hidden-heading")[0]
    )

    secretariat.post(f"/charters/consult/comments/{comment.id}/restore")
    assert "Abusive words here." in client.get(URL).get_data(as_text=True)
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "comment")
    ).all()
    assert actions == ["comment.section", "comment.flag", "comment.hide", "comment.restore"]


def test_authors_edit_for_15_minutes_and_delete_their_own(app, client, login_as, consultation):
    login_as(consultation.partner)
    post(client, "Frist thought.")
    comment = only_comment()
    edit = f"/charters/consult/comments/{comment.id}/edit"
    other = app.test_client()
    login_as(consultation.sherpa, other)
    assert other.post(edit, data={"body": "Vandalised"}).status_code == 403
    assert client.post(edit, data={"body": "First thought."}).status_code == 302
    assert "First thought." in client.get(URL).get_data(as_text=True)

    comment.created_at -= timedelta(minutes=16)
    db.session.commit()
    late = client.post(edit, data={"body": "Second thought."})
    assert late.status_code == 409
    assert "Second thought." in late.get_data(as_text=True)

    assert client.post(f"/charters/consult/comments/{comment.id}/delete").status_code == 302
    page = client.get(URL).get_data(as_text=True)
    assert "Deleted by its author." in page and "First thought." not in page
    reply = other.post(f"/charters/consult/comments/{comment.id}/reply", data={"body": "But why?"})
    assert reply.status_code == 409
    assert "deleted by its author" in reply.get_data(as_text=True)
    assert "But why?" in reply.get_data(as_text=True)


def test_replies_nest_two_levels_and_notify_the_author_replied_to(
    app, client, login_as, consultation
):
    from charter.accounts.models import Notification

    login_as(consultation.partner)
    post(client, "Top.")
    top = only_comment()
    other = app.test_client()
    login_as(consultation.sherpa, other)
    other.post(f"/charters/consult/comments/{top.id}/reply", data={"body": "Level one."})
    one = db.session.scalar(sa.select(Comment).where(Comment.body == "Level one."))
    client.post(f"/charters/consult/comments/{one.id}/reply", data={"body": "Level two."})
    two = db.session.scalar(sa.select(Comment).where(Comment.body == "Level two."))
    other.post(f"/charters/consult/comments/{two.id}/reply", data={"body": "Level three?"})
    three = db.session.scalar(sa.select(Comment).where(Comment.body == "Level three?"))
    assert (one.parent_id, two.parent_id, three.parent_id) == (top.id, one.id, one.id)
    assert (one.depth, two.depth, three.depth) == (1, 2, 2)
    texts = db.session.scalars(
        sa.select(Notification.text).where(Notification.user_id == consultation.partner.id)
    ).all()
    assert "Salvatore replied to your comment." in texts


def test_a_flood_of_comments_is_slowed_down_with_the_text_kept(make_app, login_as, consultation):
    app = make_app(COMMENT_LIMITS=((2, 60),))
    client = app.test_client()
    login_as(consultation.partner, client)
    assert post(client, "One.").status_code == 302
    assert post(client, "Two.").status_code == 302
    response = post(client, "Three, too fast.")
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "please wait a little" in page and "Three, too fast." in page


def test_markdown_in_comments_cannot_run_script(client, login_as, consultation):
    login_as(consultation.partner)
    post(client, "<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>")
    page = client.get(URL).get_data(as_text=True)
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page
    assert "<img src=x" not in page and '<img src="x"' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_section_page_needs_the_same_queries_for_few_or_many_comments(
    client, login_as, consultation, count_queries
):
    def queries_for_page() -> int:
        db.session.expire_all()  # as in a new request: nothing loaded yet
        with count_queries() as count:
            assert client.get(URL).status_code == 200
        return count()

    login_as(consultation.sherpa)
    post(client, "By someone else.")
    login_as(consultation.partner)
    post(client, "First.", quote="Every person")
    few = queries_for_page()
    for number in range(30):
        db.session.add(
            Comment(
                charter_id=consultation.charter.id,
                author_id=consultation.sherpa.id if number % 2 else consultation.partner.id,
                section_key="article-1-dignity",
                version_id=consultation.version.id,
                body=f"Comment {number}",
                quote="welcome" if number % 3 == 0 else None,
            )
        )
    db.session.commit()
    assert queries_for_page() == few


def test_the_theme_filter_keeps_the_threads_of_that_theme(client, login_as, consultation):
    from charter.consultation.models import Theme

    housing = Theme(charter_id=consultation.charter.id, name="Housing")
    health = Theme(charter_id=consultation.charter.id, name="Health")
    db.session.add_all([housing, health])
    db.session.commit()
    login_as(consultation.partner)
    post(client, "About homes.", themes=[str(housing.id)])
    post(client, "About clinics.", themes=[str(health.id)])
    page = client.get(f"{URL}?theme={housing.id}").get_data(as_text=True)
    assert "About homes." in page and "About clinics." not in page
    assert f'<option value="{housing.id}" selected>' in page
    everything = client.get(f"{URL}?theme=nonsense").get_data(as_text=True)
    assert "About homes." in everything and "About clinics." in everything
    other = post(client, "Elsewhere.", themes=["999999"])
    assert other.status_code == 422
    assert "Elsewhere." in other.get_data(as_text=True)
