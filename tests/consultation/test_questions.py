"""Guiding questions: answering them in the right stage, threads, refusals that keep the text,
the theme filter, the secretariat's management of questions and themes, who may read."""

import re
from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from charter.accounts.models import User
from charter.audit import AuditEntry
from charter.consultation import manage, services
from charter.consultation.models import Comment, GuidingQuestion, Theme
from charter.drafting.models import Charter
from charter.errors import Conflict, Forbidden, InvalidInput
from charter.extensions import db
from charter.process.services import stage_at
from tests.factories import make_charter, make_user, make_version

SLUG = "asked"
QUESTIONS = f"/charters/{SLUG}/questions"
THEMES = f"/charters/{SLUG}/themes"


@dataclass
class World:
    charter: Charter
    question: GuidingQuestion
    housing: Theme
    health: Theme
    secretariat: User
    partner: User
    other_partner: User


@pytest.fixture
def world(app) -> World:
    """A published charter in its partner consultation (answers open), one open question."""
    charter = make_charter(SLUG, "Charter with questions")
    make_version(charter)
    charter.stage_position = 2
    question = GuidingQuestion(
        charter_id=charter.id, position=1, text="How do *your* services reach everyone?"
    )
    housing = Theme(charter_id=charter.id, name="Housing")
    health = Theme(charter_id=charter.id, name="Health")
    db.session.add_all([question, housing, health])
    db.session.commit()
    return World(
        charter=charter,
        question=question,
        housing=housing,
        health=health,
        secretariat=make_user("secretariat", name="Sofia"),
        partner=make_user("partner", name="Priya"),
        other_partner=make_user("partner", name="Pablo"),
    )


def url(world: World, question: GuidingQuestion | None = None) -> str:
    return f"{QUESTIONS}/{(question or world.question).id}"


def answers() -> list[Comment]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(Comment).where(Comment.question_id.is_not(None)).order_by("id")
        )
    )


def audited(action: str) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def html(response) -> str:
    return response.get_data(as_text=True)


def answer(world: World, body: str, user: User | None = None, parent=None, themes=()) -> Comment:
    comment = services.answer(
        user or world.partner, world.question, body, parent=parent, themes=themes
    )
    db.session.commit()
    return comment


# Answering --------------------------------------------------------------------------------


def test_a_partner_answers_while_the_stage_opens_answers(client, login_as, world):
    login_as(world.partner)
    page = client.get(url(world))
    assert page.status_code == 200
    assert "<em>your</em>" in html(page)  # the question is Markdown
    assert 'name="kind" value="question"' in html(page)  # the follow button
    assert f'name="ref" value="{world.question.id}"' in html(page)
    assert 'name="quote"' not in html(page)
    response = client.post(
        url(world), data={"body": "Through **mobile** offices.", "themes": [world.housing.id]}
    )
    [saved] = answers()
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{url(world)}#comment-{saved.id}")
    assert saved.author_id == world.partner.id and saved.charter_id == world.charter.id
    assert [theme.name for theme in saved.themes] == ["Housing"]
    shown = html(client.get(url(world)))
    assert "<strong>mobile</strong>" in shown and f'id="comment-{saved.id}"' in shown
    assert "1 answer" in html(client.get(QUESTIONS))


def test_an_answer_outside_an_answering_stage_is_refused_naming_the_stage(client, login_as, world):
    world.charter.stage_position = 4  # Executive Bureau: opens editing only
    db.session.commit()
    login_as(world.partner)
    page = html(client.get(url(world)))
    assert "not open in the current stage (Executive Bureau)" in page
    assert 'id="answer-form"' not in page
    response = client.post(url(world), data={"body": "Too late, but kept."})
    assert response.status_code == 409
    assert "not open in the current stage (Executive Bureau)" in html(response)
    assert "Too late, but kept." in html(response)
    assert answers() == []


def test_a_closed_question_refuses_answers(client, login_as, world):
    world.question.open = False
    db.session.commit()
    login_as(world.partner)
    assert "This question is closed" in html(client.get(url(world)))
    response = client.post(url(world), data={"body": "Still want to say this."})
    assert response.status_code == 409
    assert "This question is closed" in html(response)
    assert "Still want to say this." in html(response)
    assert answers() == []


def test_a_question_of_another_stage_refuses_answers(client, login_as, world):
    world.question.stage = stage_at(world.charter, 3)
    db.session.commit()
    login_as(world.partner)
    response = client.post(url(world), data={"body": "Early answer."})
    assert response.status_code == 409
    assert "during the stage “Policy Council session”" in html(response)
    assert "the charter is now in “Partner consultation”" in html(response)
    assert answers() == []
    world.charter.stage_position = 3
    db.session.commit()
    assert client.post(url(world), data={"body": "In its stage."}).status_code == 302
    assert [a.body for a in answers()] == ["In its stage."]


def test_replies_nest_two_levels_and_the_third_attaches_as_a_sibling(client, login_as, world):
    first = answer(world, "First answer.")
    login_as(world.other_partner)
    bodies = ["Reply one.", "Reply two.", "Reply three."]
    parent = first
    for body in bodies:
        response = client.post(f"/charters/{SLUG}/comments/{parent.id}/reply", data={"body": body})
        assert response.status_code == 302
        assert response.headers["Location"].startswith(url(world) + "#comment-")
        parent = answers()[-1]
    _, one, two, three = answers()
    assert (one.parent_id, one.depth) == (first.id, 1)
    assert (two.parent_id, two.depth) == (one.id, 2)
    assert (three.parent_id, three.depth) == (one.id, 2)  # beside two, not under it
    page = html(client.get(url(world)))
    nested = re.search(
        rf'id="comment-{one.id}".*?comments--replies.*?id="comment-{two.id}".*?'
        rf'id="comment-{three.id}"',
        page,
        re.S,
    )
    assert nested is not None
    assert "comments--replies" not in page.split(f'id="comment-{two.id}"')[1].split("</li>")[0]


@pytest.mark.parametrize("state", ["hidden", "deleted"])
def test_replies_to_hidden_or_deleted_answers_are_refused_with_the_text_kept(
    client, login_as, world, state
):
    first = answer(world, "An answer.")
    if state == "hidden":
        services.hide(world.secretariat, first, "Off topic.")
    else:
        services.delete(world.partner, first)
    db.session.commit()
    login_as(world.other_partner)
    response = client.post(
        f"/charters/{SLUG}/comments/{first.id}/reply", data={"body": "My careful reply."}
    )
    assert response.status_code == 409
    assert f"was {state} by" in html(response)
    assert "My careful reply." in html(response)
    assert len(answers()) == 1


@pytest.mark.parametrize(
    ("body", "message"),
    [("   ", "The comment is empty."), ("x" * 10_001, "10001 characters long")],
)
def test_empty_and_too_long_answers_are_refused_with_the_text_kept(
    client, login_as, world, body, message
):
    login_as(world.partner)
    response = client.post(url(world), data={"body": body, "themes": [world.health.id]})
    assert response.status_code == 422
    page = html(response)
    assert message in page
    assert f"{body}</textarea>" in page
    assert re.search(
        rf'value="{world.health.id}"[^>]*checked|checked[^>]*value="{world.health.id}"', page
    )
    assert answers() == []


def test_answers_past_the_rate_limit_are_refused_with_the_text_kept(app, client, login_as, world):
    app.config["COMMENT_LIMITS"] = ((2, 60),)
    login_as(world.partner)
    for number in (1, 2):
        assert client.post(url(world), data={"body": f"Answer {number}."}).status_code == 302
    response = client.post(url(world), data={"body": "A third, too soon."})
    assert response.status_code == 429
    assert "please wait a little" in html(response)
    assert "A third, too soon." in html(response)
    assert len(answers()) == 2


def test_the_theme_filter_shows_only_threads_with_that_theme(client, world):
    on_housing = answer(world, "About homes.", themes=[world.housing.id])
    reply = answer(world, "A reply without a theme.", user=world.other_partner, parent=on_housing)
    answer(world, "About clinics.", themes=[world.health.id])
    page = html(client.get(f"{url(world)}?theme={world.housing.id}"))
    assert "About homes." in page and "A reply without a theme." in page
    assert "About clinics." not in page
    assert f'<option value="{world.housing.id}" selected>' in page
    everything = html(client.get(url(world)))
    assert all(text in everything for text in ("About homes.", "About clinics.", reply.body))
    assert "No answer on this theme yet." in html(client.get(f"{url(world)}?theme=999"))


# Reading ----------------------------------------------------------------------------------


def test_the_public_reads_questions_and_answers_of_a_published_charter(client, world):
    answer(world, "A public answer.")
    closed = GuidingQuestion(
        charter_id=world.charter.id, position=2, text="Second question?", open=False
    )
    db.session.add(closed)
    db.session.commit()
    listing = html(client.get(QUESTIONS))
    assert listing.index("How do <em>your</em>") < listing.index("Second question?")
    assert "1 answer" in listing and "closed" in listing
    assert "Ask a new question" not in listing and "Move up" not in listing
    assert 'aria-current="page">Guiding questions</a>' in listing
    page = html(client.get(url(world)))
    assert "A public answer." in page
    assert "Sign in to answer" in page and 'id="answer-form"' not in page
    assert client.post(url(world), data={"body": "Anonymous."}).status_code == 401
    assert len(answers()) == 1


def test_questions_of_a_charter_with_no_published_version_are_not_found(client, login_as, world):
    hidden = make_charter("unpublished", "Draft only")
    make_version(hidden, publish=False)
    question = GuidingQuestion(charter_id=hidden.id, position=1, text="Secret?")
    db.session.add(question)
    db.session.commit()
    for user in (None, world.partner):
        if user:
            login_as(user)
        assert client.get("/charters/unpublished/questions").status_code == 404
        assert client.get(f"/charters/unpublished/questions/{question.id}").status_code == 404
    assert client.get(f"{QUESTIONS}/{question.id}").status_code == 404  # another charter's
    login_as(world.secretariat)
    assert client.get(f"/charters/unpublished/questions/{question.id}").status_code == 200


def test_the_questions_page_runs_the_same_queries_for_more_questions(
    client, login_as, world, count_queries
):
    login_as(world.secretariat)
    answer(world, "One answer.")

    def queries_for_page() -> int:
        with count_queries() as counted:
            assert client.get(QUESTIONS).status_code == 200
        return counted()

    few = queries_for_page()
    stage = stage_at(world.charter, 2)
    db.session.add_all(
        GuidingQuestion(charter_id=world.charter.id, position=n, text=f"Q{n}?", stage=stage)
        for n in range(2, 7)
    )
    db.session.commit()
    assert queries_for_page() <= few + 1  # + the questions' stages, loaded together


# The secretariat manages the questions ----------------------------------------------------


def test_the_secretariat_adds_edits_and_closes_questions(client, login_as, world):
    login_as(world.secretariat)
    page = html(client.get(QUESTIONS))
    assert "Ask a new question" in page and "Close to answers" in page
    stage = stage_at(world.charter, 3)
    response = client.post(
        QUESTIONS, data={"new-text": "  What is missing?  ", "new-stage": stage.id}
    )
    assert response.status_code == 302
    added = db.session.scalar(sa.select(GuidingQuestion).where(GuidingQuestion.position == 2))
    assert (added.text, added.stage_id, added.open) == ("What is missing?", stage.id, True)
    assert "Takes answers during “Policy Council session”" in html(client.get(QUESTIONS))

    prefix = f"question-{added.id}"
    response = client.post(
        f"{QUESTIONS}/{added.id}/edit", data={f"{prefix}-text": "What is still missing?"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (added.text, added.stage_id) == ("What is still missing?", None)

    assert client.post(f"{QUESTIONS}/{added.id}/close").status_code == 302
    db.session.expire_all()
    assert added.open is False
    assert client.post(f"{QUESTIONS}/{added.id}/open").status_code == 302
    db.session.expire_all()
    assert added.open is True

    [created] = audited("question.create")
    assert created.actor_name == "Sofia" and created.object_id == str(added.id)
    assert "Policy Council session" in created.after
    [edited] = audited("question.edit")
    assert "What is missing?" in edited.before and "What is still missing?" in edited.after
    assert [e.after for e in audited("question.close") + audited("question.open")] == [
        "closed",
        "open",
    ]


@pytest.mark.parametrize(
    ("text", "stage", "status", "message"),
    [
        ("   ", "", 422, "Write the question."),
        ("y" * 5_001, "", 422, "5001 characters long; the limit is 5,000"),
        ("Which stage?", "other", 422, "Choose a stage of this charter."),
    ],
)
def test_bad_questions_are_refused_with_the_text_kept(
    client, login_as, world, text, stage, status, message
):
    if stage == "other":
        stage = stage_at(make_charter("elsewhere"), 2).id
    login_as(world.secretariat)
    response = client.post(QUESTIONS, data={"new-text": text, "new-stage": stage})
    assert response.status_code == status
    assert message in html(response)
    assert f"{text}</textarea>" in html(response)
    edit = client.post(
        f"{url(world)}/edit",
        data={
            f"question-{world.question.id}-text": text,
            f"question-{world.question.id}-stage": stage,
        },
    )
    assert edit.status_code == status and message in html(edit)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(GuidingQuestion.id))) == 1
    assert world.question.text == "How do *your* services reach everyone?"
    assert audited("question.create") == audited("question.edit") == []


def test_the_secretariat_reorders_questions(client, login_as, world):
    second, third = (
        GuidingQuestion(charter_id=world.charter.id, position=n, text=f"Question {n}?")
        for n in (2, 3)
    )
    db.session.add_all([second, third])
    db.session.commit()
    login_as(world.secretariat)
    assert client.post(f"{QUESTIONS}/{third.id}/up").status_code == 302
    db.session.expire_all()
    assert [q.id for q in manage.questions_of(world.charter)] == [
        world.question.id,
        third.id,
        second.id,
    ]
    assert [q.position for q in manage.questions_of(world.charter)] == [1, 2, 3]
    [moved] = audited("question.move")
    assert (moved.object_id, moved.before, moved.after) == (str(third.id), "3", "2")
    response = client.post(f"{url(world)}/up")
    assert response.status_code == 409 and "already the first" in html(response)
    page = html(client.get(QUESTIONS))
    assert page.index("Question 3?") < page.index("Question 2?")


def test_moving_renumbers_questions_with_gaps_or_ties(world):
    second, third = (
        GuidingQuestion(charter_id=world.charter.id, position=n, text=f"Question {n}?")
        for n in (7, 7)
    )
    db.session.add_all([second, third])
    db.session.commit()
    manage.move_question(world.secretariat, second, "down")
    db.session.commit()
    ordered = manage.questions_of(world.charter)
    assert [(q.id, q.position) for q in ordered] == [
        (world.question.id, 1),
        (third.id, 2),
        (second.id, 3),
    ]
    with pytest.raises(Conflict, match="already the last"):
        manage.move_question(world.secretariat, second, "down")


# The secretariat manages the themes -------------------------------------------------------


def test_the_secretariat_adds_renames_and_deletes_themes(client, login_as, world):
    login_as(world.secretariat)
    assert client.post(THEMES, data={"new-name": "  Education "}).status_code == 302
    education = db.session.scalar(sa.select(Theme).where(Theme.name == "Education"))
    assert education is not None and education.charter_id == world.charter.id
    response = client.post(
        f"{THEMES}/{education.id}/rename", data={f"theme-{education.id}-name": "Schools"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert education.name == "Schools"
    assert client.post(f"{THEMES}/{education.id}/delete").status_code == 302
    assert db.session.get(Theme, education.id) is None
    assert [e.after for e in audited("theme.create")] == ["Education"]
    assert [(e.before, e.after) for e in audited("theme.rename")] == [("Education", "Schools")]
    assert [e.before for e in audited("theme.delete")] == ["Schools"]


@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("housing", 409, "There is already a theme “Housing”."),
        ("", 422, "Give the theme a name."),
        ("z" * 81, 422, "81 characters long; the limit is 80"),
    ],
)
def test_bad_theme_names_are_refused_with_the_name_kept(
    client, login_as, world, name, status, message
):
    login_as(world.secretariat)
    response = client.post(THEMES, data={"new-name": name})
    assert response.status_code == status
    assert message in html(response)
    assert f'value="{name}"' in html(response)
    field = f"theme-{world.health.id}-name"
    renamed = client.post(f"{THEMES}/{world.health.id}/rename", data={field: name})
    assert renamed.status_code == status and message in html(renamed)
    db.session.expire_all()
    assert sorted(t.name for t in db.session.scalars(sa.select(Theme))) == ["Health", "Housing"]


def test_a_theme_in_use_is_not_deleted(client, login_as, world):
    answer(world, "One.", themes=[world.housing.id])
    answer(world, "Two.", user=world.other_partner, themes=[world.housing.id])
    login_as(world.secretariat)
    page = html(client.get(THEMES))
    assert re.search(r"<th scope=\"row\">Housing</th>\s*<td>2</td>\s*<td>0</td>", page)
    response = client.post(f"{THEMES}/{world.housing.id}/delete")
    assert response.status_code == 409
    assert "“Housing” is used by 2 comments and 0 amendments" in html(response)
    assert db.session.get(Theme, world.housing.id) is not None
    assert audited("theme.delete") == []


def test_a_partner_may_not_manage_questions_or_themes(client, login_as, world):
    login_as(world.partner)
    qid, tid = world.question.id, world.housing.id
    posts = {
        QUESTIONS: {"new-text": "Mine?"},
        f"{QUESTIONS}/{qid}/edit": {f"question-{qid}-text": "Changed?"},
        f"{QUESTIONS}/{qid}/down": {},
        f"{QUESTIONS}/{qid}/close": {},
        THEMES: {"new-name": "Mine"},
        f"{THEMES}/{tid}/rename": {f"theme-{tid}-name": "Homes"},
        f"{THEMES}/{tid}/delete": {},
    }
    for path, data in posts.items():
        assert client.post(path, data=data).status_code == 403, path
    assert client.get(THEMES).status_code == 403
    assert "Ask a new question" not in html(client.get(QUESTIONS))
    db.session.expire_all()
    assert world.question.text.startswith("How do") and world.question.open
    assert sorted(t.name for t in db.session.scalars(sa.select(Theme))) == ["Health", "Housing"]
    managed = AuditEntry.action.startswith("question.") | AuditEntry.action.startswith("theme.")
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(managed)) == 0


def test_the_services_ask_the_policy(world):
    with pytest.raises(Forbidden):
        manage.create_question(world.partner, world.charter, "Mine?")
    with pytest.raises(Forbidden):
        manage.set_question_open(world.partner, world.question, False)
    with pytest.raises(Forbidden):
        manage.delete_theme(world.partner, world.housing)
    with pytest.raises(InvalidInput, match="A question moves up or down"):
        manage.move_question(world.secretariat, world.question, "sideways")


# CSRF -------------------------------------------------------------------------------------


def test_a_post_without_the_csrf_token_is_refused(make_app):
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        charter = make_charter(SLUG)
        make_version(charter)
        charter.stage_position = 2
        question = GuidingQuestion(charter_id=charter.id, position=1, text="Why?")
        db.session.add(question)
        db.session.commit()
        partner = make_user("partner")
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"] = partner.get_id()
            session["_fresh"] = True
        path = f"{QUESTIONS}/{question.id}"
        refused = client.post(path, data={"body": "No token."})
        assert refused.status_code == 400
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 0
        token = re.search(
            r'name="csrf_token" type="hidden" value="([^"]+)"', html(client.get(path))
        )
        sent = client.post(path, data={"body": "With a token.", "csrf_token": token.group(1)})
        assert sent.status_code == 302
        assert db.session.scalar(sa.select(sa.func.count(Comment.id))) == 1
