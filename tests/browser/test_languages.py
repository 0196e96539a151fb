"""A French-speaking sherpa proposes in French; a Spanish visitor reads the charter in Spanish."""

import re

import pytest
from playwright.sync_api import expect

from charter.accounts.models import User
from charter.amendments import services as amendments
from charter.amendments.models import Amendment
from charter.drafting import queries
from charter.extensions import db
from charter.translating import services as translating
from tests.factories import make_charter, make_council, make_user, make_version

pytestmark = pytest.mark.browser

PASSWORD = "a long walk along the harbour"
DOCUMENT = """The cities of the network adopt this charter.

## Article 1 — Dignity

Every person who arrives in the city is welcome in it.

## Article 2 — Equity

Public services are open to all residents on equal terms.
"""


@pytest.fixture
def site(live_server):
    base, app = live_server
    with app.app_context():
        charter = make_charter("harbour", "Charter of the Harbour Cities")
        make_version(charter, DOCUMENT)
        charter.stage_position = 3  # Policy Council session: proposing is open
        council = make_council(charter, "Right to the City")
        db.session.commit()
        make_user(
            "sherpa", email="lea@example.org", password=PASSWORD, name="Léa", councils=[council]
        )
        make_user("secretariat", email="sofia@example.org", name="Sofia")
    return base, app


def test_a_french_sherpa_proposes_in_french_and_is_told_in_french(browser, site, screenshot):
    base, app = site
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/login")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.get_by_label("E-mail").fill("lea@example.org")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()

    page.goto(base + "/charters/harbour")
    page.get_by_role("link", name="Proposer une modification de Article 1 — Dignity").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Proposer une modification de “Article 1 — Dignity”"
    )
    page.get_by_label("Texte proposé").fill(
        "Every person who arrives in the city is welcome in it, whatever their papers."
    )
    expect(page.locator("#change-preview ins").first).to_contain_text("whatever their papers")
    page.get_by_label("Justification").fill("La dignité ne dépend pas des papiers.")
    page.get_by_role("button", name="Soumettre", exact=True).click()
    expect(page.get_by_text("L'amendement 1 est soumis pour examen.")).to_be_visible()
    expect(page.locator(".badge--state-submitted").first).to_have_text("en attente d'examen")
    screenshot(page, "amendment-fr")

    # Sofia, who reads the site in English, accepts it: Léa is told in French.
    with app.app_context():
        sofia = db.session.scalar(db.select(User).where(User.email == "sofia@example.org"))
        amendment = db.session.scalar(db.select(Amendment))
        amendments.review(sofia, amendment, True, "Clear.")
        db.session.commit()
    page.goto(base + "/notifications")
    expect(page.get_by_text(re.compile("L'amendement 1 .* a été accepté : Clear."))).to_be_visible()
    context.close()


def test_a_spanish_visitor_reads_the_charter_in_spanish_with_outdated_sections_marked(
    browser, site, screenshot
):
    base, app = site
    with app.app_context():
        charter = queries.charter_or_404("harbour")
        secretariat = db.session.scalar(db.select(User).where(User.role == "secretariat"))
        first = queries.head_version(charter)
        for key, heading, body in (
            ("article-1-dignity", "Artículo 1 — Dignidad", "Toda persona que llega es bienvenida."),
            ("article-2-equity", "Artículo 2 — Equidad", "Los servicios públicos están abiertos."),
        ):
            translating.translate_section(
                secretariat, charter, first, "es", key, heading=heading, body=body
            )
        db.session.commit()
        make_version(charter, DOCUMENT.replace("is welcome in it", "is at home in it"))

    context = browser.new_context(locale="es-ES", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(base + "/charters/harbour")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    dignity = page.locator("#article-1-dignity")
    expect(dignity.get_by_role("heading", level=2)).to_contain_text("Artículo 1 — Dignidad")
    expect(dignity).to_contain_text("Traducción desactualizada.")
    dignity.get_by_text("Qué cambió en el original").click()
    expect(dignity.locator("ins")).to_contain_text("at home")
    equity = page.locator("#article-2-equity")
    expect(equity).to_contain_text("Los servicios públicos están abiertos.")
    expect(equity).not_to_contain_text("desactualizada")
    screenshot(page, "charter-es")
    dignity.get_by_role("link", name="Leer el original").click()
    expect(page.locator("#article-1-dignity")).to_contain_text("is at home in it")
    context.close()
