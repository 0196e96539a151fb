"""The dossier pages: who may get a dossier, what the HTML shows, the PDF, bad addresses."""

import re

from charter.amendments import services as amendments
from charter.extensions import db
from charter.text.rebase import Operation

PUBLISHED = "/charters/amend/dossier/2/3.html"  # versions 2 and 3 are published
DRAFT = "/charters/amend/dossier/2/4.html"  # version 4 is a draft


def get(client, login_as, user, path):
    if user is not None:
        login_as(user)
    return client.get(path)


# Who gets what: (the dossier of two published versions, of a published and a draft one).
RULES = {
    "anonymous": (302, 404),  # sent to sign in; a draft does not exist for them
    "partner": (403, 404),
    "outsider": (403, 404),  # a sherpa of another charter's council
    "author": (200, 403),  # a council member: a draft's dossier is the secretariat's
    "cosigner": (200, 403),
    "secretariat": (200, 200),
}


def test_who_may_get_a_dossier(history, client, login_as):
    seen = {}
    for who in RULES:
        with client.session_transaction() as session:
            session.clear()
        if who != "anonymous":
            login_as(getattr(history.world, who))
        response = client.get(PUBLISHED)
        seen[who] = (response.status_code, client.get(DRAFT).status_code)
        if who == "anonymous":
            assert "/login" in response.headers["Location"]
        for fmt in ("pdf", "docx"):  # the same rule for every format
            if seen[who][0] != 200:
                assert client.get(PUBLISHED.replace("html", fmt)).status_code == seen[who][0]
    assert seen == RULES


def test_the_html_dossier_shows_the_tracked_text_and_the_amendments(history, client, login_as):
    page = get(client, login_as, history.world.secretariat, PUBLISHED).get_data(as_text=True)
    text, compiled = page.split('id="amendments"')
    assert re.search(r"<ins><span[^>]*>inserted: </span>and regions </ins>", text)
    assert re.search(r"<del><span[^>]*>deleted: </span>all residents</del>", text)
    assert "<ins><span" in compiled and "and safe" in compiled  # amendment 3's own diff
    # Per section, in the order of the text; amendment 6 (two sections) listed once.
    order = [compiled.index(f'id="amendment-{number}"') for number in (1, 3, 4, 6)]
    assert order == sorted(order)
    assert compiled.count('id="amendment-6"') == 1
    assert "Amendment 6 (Change to Article 2" in compiled  # named under the preamble
    for field in (
        "Safety is part of welcome.",  # justification
        "Salvatore",  # author
        "Right to the City",  # council
        "Lucas",  # co-signer
        "Free services are for each city to decide.",  # reason
        "into version 3",  # merged
        "awaiting review",  # state
    ):
        assert field in compiled


def test_drafts_and_amendments_outside_the_range_stay_out(history, client, login_as):
    for user in (history.world.author, history.world.secretariat):  # its author, the staff
        page = get(client, login_as, user, PUBLISHED).get_data(as_text=True)
        assert "SECRET DRAFT" not in page and "Not ready." not in page  # amendment 5
        assert "Superseded by later drafts." not in page  # amendment 2, made on version 1
        assert 'id="amendment-5"' not in page and 'id="amendment-2"' not in page


def test_the_pdf_is_printed_from_the_page(history, client, login_as):
    response = get(client, login_as, history.world.author, PUBLISHED.replace(".html", ".pdf"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    assert 'filename="amend-dossier-v2-v3.pdf"' in response.headers["Content-Disposition"]


def test_bad_addresses(history, client, login_as):
    login_as(history.world.secretariat)
    for path, status in (
        ("/charters/amend/dossier/2/3.txt", 404),  # unknown format
        ("/charters/amend/dossier/2/9.html", 404),  # no such version
        ("/charters/nowhere/dossier/2/3.html", 404),
        ("/charters/amend/dossier/3/2.html", 400),  # the earlier one must come first
        ("/charters/amend/dossier/3/3.html", 400),
    ):
        response = client.get(path)
        assert response.status_code == status, path
        if status == 400:
            assert "is not older than version" in response.get_data(as_text=True)


def test_the_chooser_offers_the_versions_the_viewer_may_get(history, client, login_as):
    page = get(client, login_as, history.world.author, "/charters/amend/dossier?to=3")
    options = re.findall(r'<option value="(\d)"', page.get_data(as_text=True))
    assert sorted(set(options)) == ["1", "2", "3"]  # no draft for a council member
    assert re.search(r'<option value="3" selected>', page.get_data(as_text=True))
    page = get(client, login_as, history.world.secretariat, "/charters/amend/dossier")
    assert '<option value="4" selected>' in page.get_data(as_text=True)
    assert (
        get(client, login_as, history.world.partner, "/charters/amend/dossier").status_code == 403
    )


def test_the_chooser_leads_to_the_dossier_or_says_what_is_wrong(history, client, login_as):
    login_as(history.world.secretariat)
    response = client.get("/charters/amend/dossier?from=2&to=4&format=docx")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/charters/amend/dossier/2/4.docx")
    response = client.get("/charters/amend/dossier?from=two&to=4&format=html")
    assert response.status_code == 400
    assert "Choose two versions" in response.get_data(as_text=True)
    response = client.get("/charters/amend/dossier?from=2&to=4&format=odt")
    assert response.status_code == 400


def test_the_version_page_links_to_the_dossier(history, client, login_as):
    for who, number, shown in (
        ("author", 3, True),
        ("author", 4, False),  # a draft: the secretariat's
        ("author", 1, False),  # nothing earlier to compare with
        ("partner", 3, False),
        ("secretariat", 4, True),
    ):
        login_as(getattr(history.world, who))
        page = client.get(f"/charters/amend/versions/{number}")
        assert page.status_code == 200
        link = f"/charters/amend/dossier?to={number}" in page.get_data(as_text=True)
        assert link is shown, (who, number)


def test_queries_do_not_grow_with_the_amendments(history, client, login_as, count_queries):
    world = history.world
    login_as(world.secretariat)
    client.get(DRAFT)  # a test's first request also sends the e-mails queued so far
    with count_queries() as few:
        assert client.get(DRAFT).status_code == 200
    for text in ("Every person is welcome.", "Every person is at home."):
        amendment = amendments.propose(
            world.cosigner,
            world.charter,
            4,
            [Operation("modify", "article-1-dignity", text=text)],
            justification="More.",
            submit=True,
        )
        amendments.endorse(world.author, amendment)
        amendments.review(world.secretariat, amendment, False, "No.")
    db.session.commit()
    client.get(DRAFT)
    with count_queries() as more:
        page = client.get(DRAFT).get_data(as_text=True)
    assert 'id="amendment-8"' in page
    assert more() == few() <= 10
