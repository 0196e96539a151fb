"""The read operations: what the pages show, as JSON, to the same people."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from charter.accounts.models import User
from charter.amendments import services as amendments
from charter.amendments.models import Amendment
from charter.api.core import encode_cursor
from charter.consultation import manage
from charter.consultation import services as consultation
from charter.consultation.models import Comment
from charter.drafting import queries
from charter.drafting.models import Charter
from charter.extensions import db
from charter.text import hashing, rebase
from charter.translating import services as translating
from tests.api.conftest import bearer
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

API = "/api/v1/charters/cities"
SECOND = DOCUMENT.replace("welcome in the city", "welcome and at home in the city")
DRAFT = SECOND.replace("open to all residents", "open to every resident")


@dataclass
class Reading:
    charter: Charter
    sherpa: User  # sits on the charter's council
    cosigner: User
    outsider: User  # a sherpa of another charter's council
    partner: User
    secretariat: User


@pytest.fixture
def reading(app) -> Reading:
    """Versions 1 and 2 published, 3 a draft; the Policy Council session (everything open)."""
    charter = make_charter("cities", "Charter of Cities")
    make_version(charter, DOCUMENT, note="First")
    make_version(charter, SECOND, note="Second")
    make_version(charter, DRAFT, publish=False, note="Draft")
    charter.stage_position = 3
    council = make_council(charter, "Right to the City")
    other = make_council(make_charter("other"), "Elsewhere")
    db.session.commit()
    return Reading(
        charter=charter,
        sherpa=make_user("sherpa", name="Salvatore", councils=[council]),
        cosigner=make_user("advisor", name="Lucas", councils=[council]),
        outsider=make_user("sherpa", name="Olga", councils=[other]),
        partner=make_user("partner", name="Priya", email="priya@example.org"),
        secretariat=make_user("secretariat", name="Sofia"),
    )


@pytest.fixture
def as_(client, token_for):
    """GET as someone: as_(user, path, **query) (None: the public)."""

    def get(user, path, headers=None, **query):
        sent = {**(bearer(token_for(user)) if user else {}), **(headers or {})}
        return client.get(path, headers=sent, query_string=query)

    return get


def walk(as_, user, path, **query) -> list[dict]:
    """Every item of a paginated list, following next_cursor to the end."""
    items, cursor = [], None
    while True:
        page = as_(user, path, **query, **({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.json
        items += page.json["items"]
        cursor = page.json["next_cursor"]
        if cursor is None:
            return items


# Versions ---------------------------------------------------------------------------------


def test_a_draft_version_is_read_by_council_members_only(reading, as_):
    public = as_(None, f"{API}/versions")
    assert [v["number"] for v in public.json["items"]] == [2, 1]
    assert as_(None, f"{API}/versions/3").status_code == 404
    assert as_(reading.outsider, f"{API}/versions/3").status_code == 404
    assert as_(None, f"{API}/compare/2/3").status_code == 404

    listed = as_(reading.sherpa, f"{API}/versions").json["items"]
    assert [(v["number"], v["published"]) for v in listed] == [(3, False), (2, True), (1, True)]
    assert listed[0]["parent_hash"] == listed[1]["digest"]
    draft = as_(reading.sherpa, f"{API}/versions/3")
    assert draft.status_code == 200 and "ETag" not in draft.headers  # a draft is not cached
    sections = draft.json["sections"]
    assert [s["key"] for s in sections] == ["preamble", "article-1-dignity", "article-2-equity"]
    assert sections[2]["body"].strip() == "Public services are open to every resident."
    assert all(s["text_hash"] == hashing.text_hash(s["body"]) for s in sections)
    assert sections[1] | {"body": None} == {
        "key": "article-1-dignity",
        "level": 2,
        "heading": "Article 1 — Dignity",
        "body": None,
        "text_hash": sections[1]["text_hash"],
        "translation": None,
    }


def test_a_published_version_answers_304_to_its_etag(reading, as_):
    first = as_(None, f"{API}/versions/2")
    tag = first.headers["ETag"]
    again = as_(None, f"{API}/versions/2", headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == tag
    # The same version, read by a sherpa with a token, is the same resource.
    assert as_(reading.sherpa, f"{API}/versions/2", {"If-None-Match": tag}).status_code == 304
    assert as_(None, f"{API}/versions/1", {"If-None-Match": tag}).status_code == 200

    compared = as_(None, f"{API}/compare/1/2")
    changes = {change["key"]: change for change in compared.json["sections"]}
    assert changes["article-1-dignity"]["kind"] == "modified"
    assert [1, "and at home "] in changes["article-1-dignity"]["ops"]
    assert changes["article-2-equity"]["kind"] == "unchanged"
    etag = {"If-None-Match": compared.headers["ETag"]}
    assert as_(None, f"{API}/compare/1/2", etag).status_code == 304
    assert "ETag" not in as_(reading.sherpa, f"{API}/compare/2/3").headers


def test_lang_gives_each_sections_translation_beside_the_source(reading, as_):
    version = queries.version_or_404(reading.charter, 2, None)
    translating.translate_section(
        reading.secretariat,
        reading.charter,
        version,
        "fr",
        "article-2-equity",
        heading="Article 2 — Équité",
        body="Les services publics sont ouverts à tous les habitants.\n",
    )
    db.session.commit()
    english = as_(None, f"{API}/versions/2")
    french = as_(None, f"{API}/versions/2", lang="fr")
    assert french.json["translation_language"] == "fr"
    assert french.headers["ETag"] != english.headers["ETag"]
    by_key = {section["key"]: section for section in french.json["sections"]}
    translated = by_key["article-2-equity"]["translation"]
    assert translated["status"] == "current" and translated["made_for_version"] == 2
    assert translated["heading"] == "Article 2 — Équité"
    assert translated["body"].strip() == "Les services publics sont ouverts à tous les habitants."
    assert by_key["article-1-dignity"]["translation"]["status"] == "missing"
    assert by_key["article-1-dignity"]["translation"]["body"] is None
    assert english.json["sections"] == [
        {**section, "translation": None} for section in french.json["sections"]
    ]
    assert as_(None, f"{API}/versions/2", lang="en").json["translation_language"] is None

    # A new translation changes what ?lang=fr shows: the old ETag no longer holds.
    translating.translate_section(
        reading.secretariat,
        reading.charter,
        version,
        "fr",
        "article-1-dignity",
        heading="Article 1 — Dignité",
        body="Toute personne est bienvenue.\n",
    )
    db.session.commit()
    etag = {"If-None-Match": french.headers["ETag"]}
    assert as_(None, f"{API}/versions/2", etag, lang="fr").status_code == 200
    unchanged = {"If-None-Match": english.headers["ETag"]}
    assert as_(None, f"{API}/versions/2", unchanged).status_code == 304


def test_pagination_walks_every_version_exactly_once(reading, as_):
    for number in range(4, 10):
        make_version(reading.charter, DRAFT + f"\n## Article {number}\n\nMore.\n")
    walked = walk(as_, None, f"{API}/versions", limit=2)
    # Version 3 is a draft published by none: the public never sees it.
    assert [v["number"] for v in walked] == [9, 8, 7, 6, 5, 4, 2, 1]
    assert len(walk(as_, reading.sherpa, f"{API}/versions", limit=3)) == 9


# Amendments -------------------------------------------------------------------------------


def _propose(reading: Reading, author: User, text: str, *, submit: bool = True) -> Amendment:
    head = queries.head_version(reading.charter)
    amendment = amendments.propose(
        author,
        reading.charter,
        head.number,
        [rebase.Operation("modify", "article-1-dignity", text=text + "\n")],
        justification="Because.",
        submit=submit,
    )
    db.session.commit()
    return amendment


def test_a_draft_amendment_is_its_authors_alone(reading, as_):
    draft = _propose(reading, reading.sherpa, "Everyone is welcome.", submit=False)
    submitted = _propose(reading, reading.sherpa, "Every person is at home.")
    amendments.endorse(reading.cosigner, submitted)
    db.session.commit()

    mine = as_(reading.sherpa, f"{API}/amendments").json["items"]
    assert [a["number"] for a in mine] == [submitted.number, draft.number]
    theirs = as_(reading.cosigner, f"{API}/amendments").json["items"]
    assert [a["number"] for a in theirs] == [submitted.number]
    assert as_(reading.sherpa, f"/api/v1/amendments/{draft.id}").json["state"] == "draft"
    for user in (reading.cosigner, reading.secretariat, reading.outsider):
        assert as_(user, f"/api/v1/amendments/{draft.id}").status_code == 404
    assert as_(None, f"/api/v1/amendments/{draft.id}").status_code == 401
    assert as_(None, f"{API}/amendments").status_code == 401
    assert as_(reading.partner, f"{API}/amendments").status_code == 403
    assert as_(reading.outsider, f"{API}/amendments").status_code == 403

    shown = as_(reading.secretariat, f"/api/v1/amendments/{submitted.id}").json
    assert shown["charter"] == "cities" and shown["base_version"] == 3
    assert shown["author"] == "Salvatore" and shown["council"] == "Right to the City"
    assert shown["operations"][0]["kind"] == "modify"
    assert shown["changes"][0]["key"] == "article-1-dignity"
    proposed = "".join(text for op, text in shown["changes"][0]["ops"] if op >= 0)
    assert proposed.strip() == "Every person is at home."
    assert [(e["from_state"], e["to_state"]) for e in shown["history"]] == [
        (None, "draft"),
        ("draft", "submitted"),
    ]
    assert shown["endorsements"] == 1
    assert shown["cosigners"][0]["name"] == "Lucas"
    assert shown["cosigners"][0]["councils"] == ["Right to the City"]


def test_amendment_filters_and_sorts_page_through_every_amendment_once(app, reading, as_):
    made = [_propose(reading, reading.sherpa, f"Text number {n}.") for n in range(7)]
    for amendment in made[:3]:
        amendments.endorse(reading.cosigner, amendment)
    amendments.withdraw(reading.sherpa, made[5])
    db.session.commit()
    path = f"{API}/amendments"
    newest = [a["number"] for a in walk(as_, reading.secretariat, path, limit=2)]
    assert newest == [a.number for a in reversed(made)]
    oldest = walk(as_, reading.secretariat, path, limit=3, sort="oldest")
    assert [a["number"] for a in oldest] == [a.number for a in made]
    most = walk(as_, reading.secretariat, path, limit=2, sort="cosigners")
    assert [a["endorsements"] for a in most] == [1, 1, 1, 0, 0, 0, 0]
    assert sorted(a["number"] for a in most) == sorted(a.number for a in made)
    withdrawn = as_(reading.secretariat, path, state="withdrawn").json["items"]
    assert [a["number"] for a in withdrawn] == [made[5].number]
    assert as_(reading.secretariat, path, section="article-2-equity").json["items"] == []
    assert len(as_(reading.secretariat, path, section="article-1-dignity").json["items"]) == 7


# Consultation -----------------------------------------------------------------------------


def test_hidden_comment_text_never_reaches_the_json(app, reading, as_):
    app.config["COMMENT_LIMITS"] = ()
    version = queries.version_or_404(reading.charter, 2, None)
    first = consultation.comment_on_section(
        reading.partner, reading.charter, version, "article-1-dignity", "Abusive words here."
    )
    reply = consultation.reply_to(reading.sherpa, first, "A calm reply.")
    gone = consultation.comment_on_section(
        reading.partner, reading.charter, version, "article-1-dignity", "Second thoughts."
    )
    consultation.delete(reading.partner, gone)
    consultation.hide(reading.secretariat, first, "Insults are not allowed.")
    draft = queries.version_or_404(reading.charter, 3, reading.sherpa)
    consultation.comment_on_section(
        reading.sherpa, reading.charter, draft, "article-1-dignity", "On the draft."
    )
    db.session.commit()

    path = f"{API}/sections/article-1-dignity/comments"
    for user in (None, reading.secretariat):
        answer = as_(user, path)
        assert "Abusive words here." not in answer.text
        assert "Second thoughts." not in answer.text
    comments = as_(None, path).json["items"]
    assert [(c["id"], c["parent_id"], c["depth"]) for c in comments] == [
        (first.id, None, 0),
        (reply.id, first.id, 1),
        (gone.id, None, 0),
    ]
    assert comments[0]["hidden"] and comments[0]["body"] is None
    assert comments[0]["hidden_reason"] == "Insults are not allowed."
    assert comments[1]["body"] == "A calm reply." and comments[1]["version"] == 2
    assert comments[2]["deleted"] and comments[2]["body"] is None
    # The comment on the draft is for those who may read the draft.
    assert len(as_(reading.sherpa, path).json["items"]) == 4
    assert as_(None, f"{API}/sections/no-such-section/comments").status_code == 404


def test_questions_and_their_answers_page_by_thread(app, reading, as_):
    app.config["COMMENT_LIMITS"] = ()
    question = manage.create_question(reading.secretariat, reading.charter, "What is **home**?")
    closed = manage.create_question(reading.secretariat, reading.charter, "Closed one?")
    manage.set_question_open(reading.secretariat, closed, False)
    roots = [consultation.answer(reading.partner, question, f"Answer {n}.") for n in range(5)]
    replies = [consultation.reply_to(reading.sherpa, root, "Agreed.") for root in roots[::2]]
    db.session.commit()

    listed = as_(None, f"{API}/questions").json
    assert [(q["id"], q["answers"], q["open"]) for q in listed] == [
        (question.id, 8, True),
        (closed.id, 0, False),
    ]
    path = f"{API}/questions/{question.id}/answers"
    pages = [as_(None, path, limit=2)]
    while pages[-1].json["next_cursor"]:
        pages.append(as_(None, path, limit=2, cursor=pages[-1].json["next_cursor"]))
    assert [len(page.json["items"]) for page in pages] == [3, 3, 2]  # two threads a page
    walked = [item["id"] for page in pages for item in page.json["items"]]
    assert sorted(walked) == sorted(c.id for c in roots + replies)
    assert as_(None, f"{API}/questions/{question.id + 100}/answers").status_code == 404
    assert as_(None, "/api/v1/charters/other/questions").status_code == 404  # no version


def test_stages_say_which_is_current(reading, as_):
    process = as_(None, f"{API}/stages").json
    assert process["current"] == 3
    assert [s["position"] for s in process["stages"] if s["current"]] == [3]
    assert process["stages"][2]["capabilities"] == ["comment", "answer", "propose", "edit"]
    assert process["events"] == []


def test_the_audit_log_is_for_the_secretariat(reading, as_):
    for n in range(3):
        _propose(reading, reading.sherpa, f"Text number {n}.")
    assert as_(None, f"{API}/audit").status_code == 401
    assert as_(reading.partner, f"{API}/audit").status_code == 403
    assert as_(reading.sherpa, f"{API}/audit").status_code == 403
    entries = walk(as_, reading.secretariat, f"{API}/audit", limit=2)
    # Newest first, down to the fixture's council.
    assert [e["action"] for e in entries] == ["amendment.propose"] * 3 + ["council.create"]
    assert [e["id"] for e in entries] == sorted((e["id"] for e in entries), reverse=True)
    assert entries[0]["actor"] == "Salvatore"
    assert as_(make_user("admin"), f"{API}/audit").status_code == 200


# Bad input --------------------------------------------------------------------------------


BAD_QUERIES = [
    ("/versions", {"limit": 0}),
    ("/versions", {"limit": 201}),
    ("/versions", {"limit": "ten"}),
    ("/versions", {"cursor": "not a cursor!"}),
    ("/versions", {"cursor": encode_cursor(["nine"])}),
    ("/versions", {"cursor": encode_cursor([2**40])}),
    ("/versions", {"cursor": encode_cursor({"n": 1})}),
    ("/versions", {"unknown": "1"}),
    ("/versions/2", {"lang": "de"}),
    ("/amendments", {"state": "lost"}),
    ("/amendments", {"sort": "random"}),
    ("/amendments", {"council": 0}),
    ("/amendments", {"section": "a\x00b"}),
    ("/amendments", {"cursor": encode_cursor(["2024-01-01T00:00:00+05:00", 1])}),
    ("/amendments", {"sort": "cosigners", "cursor": encode_cursor(["2024-01-01", 1])}),
    ("/sections/preamble/comments", {"cursor": encode_cursor(["yesterday", 1])}),
    ("/audit", {"limit": -1}),
]
ODD_PATHS = [
    f"{API}/versions/2147483648",
    f"{API}/compare/1/99999999999999999999",
    "/api/v1/amendments/2147483648",
    "/api/v1/amendments/7",
    "/api/v1/charters/no%00such/versions",
    f"{API}/sections/pre%00amble/comments",
    f"{API}/questions/99999999999/answers",
    "/api/v1/charters/%F0%9F%8C%8D/stages",
]


def test_bad_input_is_a_400_and_odd_paths_a_404_in_the_one_error_shape(reading, as_):
    for path, query in BAD_QUERIES:
        answer = as_(reading.secretariat, API + path, **query)
        assert answer.status_code == 400, (path, query, answer.json)
        assert answer.json["error"]["code"] == "bad_request"
        assert set(answer.json["error"]) == {"code", "message", "details"}
    for path in ODD_PATHS:
        answer = as_(reading.sherpa, path)
        assert answer.status_code == 404, path
        assert answer.json["error"]["code"] == "not_found"


def test_the_openapi_document_lists_what_each_read_may_answer(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    version = paths["/api/v1/charters/{slug}/versions/{number}"]["get"]["responses"]
    assert {"200", "304", "400", "404"} <= set(version)
    audit = paths["/api/v1/charters/{slug}/audit"]["get"]["responses"]
    assert {"401", "403"} <= set(audit)
    parameters = paths["/api/v1/charters/{slug}/amendments"]["get"]["parameters"]
    assert {"state", "section", "council", "theme", "sort", "limit", "cursor"} <= {
        p["name"] for p in parameters
    }


def test_a_comment_body_is_never_sent_for_a_hidden_comment_even_to_its_author(app, reading, as_):
    version = queries.version_or_404(reading.charter, 2, None)
    comment = consultation.comment_on_section(
        reading.partner, reading.charter, version, "preamble", "Words to hide."
    )
    consultation.hide(reading.secretariat, comment, "Off topic.")
    db.session.commit()
    assert db.session.get(Comment, comment.id).body == "Words to hide."  # kept
    answer = as_(reading.partner, f"{API}/sections/preamble/comments")
    assert "Words to hide." not in answer.text and "Off topic." in answer.text
