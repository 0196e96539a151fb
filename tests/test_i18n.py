"""English, French and Spanish: complete catalogues, and the language each reader gets."""

from __future__ import annotations

import re
from datetime import datetime
from html import unescape
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from charter.audit import AuditEntry
from charter.extensions import db
from tests.factories import make_charter, make_user, make_version

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "n_": None,
}


@pytest.fixture(scope="module")
def extracted() -> dict[str, object]:
    """Every string the code and templates ask to translate, as `make messages` finds them."""
    method_map = [("charter/**.py", "python"), ("templates/**.html", "jinja2")]
    found = {}
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, keywords=KEYWORDS
    ):
        key = message if isinstance(message, str) else message[0]
        found[key] = message
    return found


@pytest.mark.parametrize("language", ["fr", "es"])
def test_every_string_is_translated(extracted, language):
    path = ROOT / "charter" / "translations" / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    problems = []
    for key, message in sorted(extracted.items()):
        entry = catalog.get(message if isinstance(message, str) else message[0])
        strings = (
            []
            if entry is None
            else [entry.string]
            if isinstance(entry.string, str)
            else list(entry.string)
        )
        if entry is None or not all(strings) or entry.fuzzy:
            problems.append(f"untranslated: {key!r}")
            continue
        expected = set(PLACEHOLDER.findall(key))
        for string in strings:
            if set(PLACEHOLDER.findall(string)) - expected:
                problems.append(f"placeholders differ: {key!r} -> {string!r}")
    assert not problems, (
        f"{len(problems)} problems in {language} (run `make messages`):\n"
        + "\n".join(problems[:40])
    )
    assert len(extracted) > 900


@pytest.fixture
def charter(app):
    charter = make_charter("cities", "Charter of Cities")
    make_version(charter, created_at=datetime(2026, 3, 5, 10, 0))
    return charter


def page(client, path="/charters/cities", **headers):
    return client.get(path, headers=headers).get_data(as_text=True)


def test_the_browser_language_is_used_with_dates_in_its_words(client, charter):
    french = page(client, **{"Accept-Language": "fr-CH, fr;q=0.9, en;q=0.8"})
    assert '<html lang="fr">' in french
    assert "Se connecter" in french and "Sommaire" in french
    assert "5 mars 2026" in french
    spanish = page(client, **{"Accept-Language": "es-MX"})
    assert '<html lang="es">' in spanish and "Iniciar sesión" in spanish
    assert "5 mar 2026" in spanish
    assert '<html lang="en">' in page(client, **{"Accept-Language": "de-DE"})
    assert "Mar 5, 2026" in page(client)


def test_the_switcher_remembers_an_anonymous_choice_over_the_browser(client, charter):
    response = client.get("/language/es?next=/charters/cities")
    assert response.status_code == 302
    assert response.headers["Location"] == "/charters/cities"
    assert "language=es" in response.headers["Set-Cookie"]
    assert '<html lang="es">' in page(client, **{"Accept-Language": "fr"})
    # Unknown languages change nothing; a foreign `next` goes home, not away.
    client.get("/language/de")
    assert '<html lang="es">' in page(client)
    assert client.get("/language/es?next=//evil.example/x").headers["Location"] == "/"
    # The page offers the switch, each language named in itself.
    html = page(client)
    assert 'href="/language/fr?next=/charters/cities" lang="fr" hreflang="fr"' in html
    assert re.search(r'lang="es" hreflang="es"\s+aria-current="true">Español</a>', html)


def test_a_signed_in_choice_is_kept_on_the_account(client, app, charter, login_as):
    sherpa = make_user("sherpa")
    login_as(sherpa)
    # Nothing chosen yet: the browser's language, as for anyone.
    assert '<html lang="es">' in page(client, **{"Accept-Language": "es"})
    html = page(client)
    assert 'name="language" value="fr"' in html  # a form: the choice is a change of account
    response = client.post("/language", data={"language": "fr", "next": "/charters/cities"})
    assert response.headers["Location"] == "/charters/cities"
    assert db.session.get(type(sherpa), sherpa.id).language == "fr"
    french = page(client, **{"Accept-Language": "es"})
    assert '<html lang="fr">' in french and "Le site parle désormais français." in french
    entry = db.session.scalars(db.select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert (entry.action, entry.before, entry.after) == (
        "user.profile_change",
        "language: ",
        "language: fr",
    )
    refused = client.post("/language", data={"language": "xx"}, follow_redirects=True)
    assert "Cette langue n’est pas proposée." in refused.get_data(as_text=True)
    assert db.session.get(type(sherpa), sherpa.id).language == "fr"


def test_a_notification_is_read_in_its_readers_language(app, client, login_as):
    from charter import notifications
    from charter.notices import n_

    french = make_user("partner")
    french.language = "fr"
    english = make_user("partner")
    what = n_("amendment %(number)s", number=3)
    notice = n_("%(name)s commented on %(what)s.", name="Ana", what=what)
    notifications.notify([french.id, english.id], notice, "/charters/x/amendments/3")
    db.session.commit()
    login_as(french)
    assert "Ana a commenté l'amendement 3." in unescape(client.get("/notifications").text)
    login_as(english)
    assert "Ana commented on amendment 3." in client.get("/notifications").text


@pytest.mark.parametrize(
    ("accept", "written"), [("en", "12,345"), ("fr", "12\u202f345"), ("es", "12.345")]
)
def test_numbers_are_written_the_readers_way(app, accept, written):
    with app.test_request_context(headers={"Accept-Language": accept}):
        assert app.jinja_env.filters["number"](12345) == written
