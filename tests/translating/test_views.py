"""Translating a version section by section, and reading it in another language."""

import json

import pytest

from charter.extensions import db
from charter.translating.models import SectionTranslation
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

CHANGED = DOCUMENT.replace("Every person is welcome", "Every person is at home")
SECRET = DOCUMENT.replace("Public services", "Secret services")


@pytest.fixture
def charter(app):
    charter = make_charter("cities", "Charter of Cities")
    make_version(charter)
    return charter


@pytest.fixture
def secretariat(app):
    return make_user("secretariat")


def translate(client, key, body, heading="Article", number=1, language="es", **extra):
    return client.post(
        f"/charters/cities/versions/{number}/translations/{language}/{key}",
        data={"heading": heading, "body": body, **extra},
    )


def test_the_secretariat_translates_and_a_spanish_visitor_reads_it(
    client, app, charter, secretariat, login_as
):
    login_as(secretariat)
    form = client.get("/charters/cities/versions/1/translations/es/article-1-dignity")
    assert form.status_code == 200
    assert "Every person is welcome in the city." in form.get_data(as_text=True)
    response = translate(
        client, "article-1-dignity", "Toda persona es bienvenida.", "Artículo 1 — Dignidad"
    )
    assert response.status_code == 302
    overview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 of 3 sections translated, 0 outdated" in overview

    visitor = app.test_client()
    page = visitor.get("/charters/cities", headers={"Accept-Language": "es-ES,es;q=0.9"})
    html = page.get_data(as_text=True)
    assert '<html lang="es">' in html
    assert "Artículo 1 — Dignidad" in html and "Toda persona es bienvenida." in html
    assert 'lang="es"' in html
    # Untranslated sections show the original, in its own language, and say so.
    assert "Public services are open to all residents." in html
    assert 'id="article-2-equity" aria-labelledby="article-2-equity-heading" lang="en"' in html
    # The original stays one click away.
    original = visitor.get("/charters/cities?lang=en", headers={"Accept-Language": "es"})
    assert "Every person is welcome in the city." in original.get_data(as_text=True)


def test_a_changed_source_marks_the_translation_outdated_with_the_changes(
    client, app, charter, secretariat, login_as
):
    login_as(secretariat)
    translate(client, "article-1-dignity", "Toda persona es bienvenida.", "Artículo 1 — Dignidad")
    make_version(charter, CHANGED)

    page = app.test_client().get("/charters/cities/versions/2?lang=es").get_data(as_text=True)
    assert "Toda persona es bienvenida." in page
    assert "The original text of this section changed after version 1" in page
    assert 'href="?lang=en#article-1-dignity"' in page
    assert "<ins>" in page and "at home" in page

    editing = client.get("/charters/cities/versions/2/translations/es/article-1-dignity")
    text = editing.get_data(as_text=True)
    assert "What changed in the source since version 1" in text
    assert "Toda persona es bienvenida." in text  # the old translation, to bring up to date
    translate(client, "article-1-dignity", "Toda persona está en casa.", "Artículo 1", number=2)
    page = app.test_client().get("/charters/cities?lang=es").get_data(as_text=True)
    assert "Toda persona está en casa." in page
    assert "changed after version" not in page
    # Version 1 keeps its own, still current translation.
    old = app.test_client().get("/charters/cities/versions/1?lang=es").get_data(as_text=True)
    assert "Toda persona es bienvenida." in old


def test_bad_input_keeps_the_text_and_writes_nothing(client, charter, secretariat, login_as):
    login_as(secretariat)
    response = translate(client, "article-1-dignity", "   ", "Artículo 1 — Dignidad")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Write the text in this language." in html
    assert "Artículo 1 — Dignidad" in html
    response = translate(client, "article-1-dignity", "Texto.", "")
    assert response.status_code == 422
    assert "Write the heading in this language." in response.get_data(as_text=True)
    assert translate(client, "no-such-section", "Texto.").status_code == 404
    assert translate(client, "article-1-dignity", "Text.", language="en").status_code == 404
    assert translate(client, "article-1-dignity", "Text.", language="de").status_code == 404
    assert SectionTranslation.query.count() == 0


def test_only_the_secretariat_and_translators_translate(app, client, charter, login_as):
    council = make_council(charter)
    sherpa = make_user("sherpa", councils=[council])
    login_as(sherpa)
    assert translate(client, "article-1-dignity", "Texto.").status_code == 404
    assert b"Translate:" not in client.get("/charters/cities").data

    partner = make_user("partner")
    partner.translator = True
    db.session.commit()
    login_as(partner)
    assert b"Translate:" in client.get("/charters/cities").data
    assert translate(client, "article-1-dignity", "Texto.", "Artículo").status_code == 302
    # A translator who may not read drafts cannot reach one to translate.
    make_version(charter, SECRET, publish=False)
    assert client.get("/charters/cities/versions/2/translations/es").status_code == 404
    assert SectionTranslation.query.count() == 1


def test_the_public_never_sees_a_draft_through_a_translation(
    app, client, charter, secretariat, login_as
):
    make_version(charter, SECRET, publish=False)
    login_as(secretariat)
    translate(client, "article-2-equity", "Servicios secretos.", "Artículo 2", number=2)
    public = app.test_client()
    page = public.get("/charters/cities?lang=es").get_data(as_text=True)
    assert "Servicios secretos" not in page
    for fmt in ("md", "json", "html"):
        body = public.get(f"/charters/cities/versions/1/download.{fmt}?lang=es").data
        assert b"Servicios secretos" not in body


def test_downloads_take_a_language_and_the_json_still_verifies(
    app, client, charter, secretariat, login_as
):
    login_as(secretariat)
    translate(client, "article-1-dignity", "Toda persona es bienvenida.", "Artículo 1 — Dignidad")
    public = app.test_client()
    markdown = public.get("/charters/cities/versions/1/download.md?lang=es")
    assert markdown.headers["Content-Disposition"] == 'attachment; filename="cities-v1-es.md"'
    assert "## Artículo 1 — Dignidad\n\nToda persona es bienvenida." in markdown.text
    record = json.loads(public.get("/charters/cities/versions/1/download.json?lang=es").text)
    dignity = next(s for s in record["sections"] if s["key"] == "article-1-dignity")
    assert dignity["body"].strip() == "Every person is welcome in the city."  # the hashed source
    assert dignity["translation"]["status"] == "current"
    assert dignity["translation"]["heading"] == "Artículo 1 — Dignidad"
    assert record["translation"] == {"language": "es"}
    html = public.get("/charters/cities/versions/1/download.html?lang=es").text
    assert "Toda persona es bienvenida." in html and "Not translated yet" in html
    # The ETag covers the translation: a new one changes it.
    tag = public.get("/charters/cities/versions/1/download.md?lang=es").headers["ETag"]
    translate(client, "article-1-dignity", "Todas las personas.", "Artículo 1")
    assert public.get("/charters/cities/versions/1/download.md?lang=es").headers["ETag"] != tag
