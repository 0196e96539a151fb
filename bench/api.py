"""API benchmark: one version of the large generated charter (60 sections, ~15,000 words)
as JSON, through the WSGI app, for the public; in French with half its sections translated;
and the 304 a client holding its ETag gets.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.generate import edit_document, make_document
from charter import create_app
from charter.drafting import queries, services
from charter.extensions import db
from charter.text import hashing, sections
from charter.translating.models import SectionTranslation

TARGETS_MS = {
    "api: version, large charter": 20,
    "api: version, large charter, ?lang=fr": 30,
    "api: version, 304 (If-None-Match)": 10,
}
URL = "/api/v1/charters/big/versions/2"


def _seed() -> None:
    """Two published versions of the large charter; every other section of the second one
    translated into French."""
    document = make_document(seed=1)
    charter = services.create_charter("big", "A large charter")
    first = sections.split(document)
    services.publish(services.commit_version(charter, first, note="1", author="b"), by="b")
    second = sections.carry_keys(sections.split(edit_document(document, 30, seed=2)), first)
    version = services.commit_version(charter, second, note="2", author="b")
    services.publish(version, by="b")
    for section in queries.sections_of(version)[::2]:
        db.session.add(
            SectionTranslation(
                charter_id=charter.id,
                language="fr",
                section_key=section.key,
                version_number=version.number,
                source_heading=section.heading,
                source_hash=hashing.text_hash(section.body),
                heading=f"{section.heading} (fr)",
                body=section.body.replace(" the ", " le "),
            )
        )
    db.session.commit()


def api_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        _seed()
    client = app.test_client()
    etag = client.get(URL).headers["ETag"]

    def get(path: str, status: int = 200, **headers: str) -> Callable[[], None]:
        def action() -> None:
            response = client.get(path, headers=headers)
            assert response.status_code == status, (path, response.status_code)

        return action

    results = {
        "api: version, large charter": measure(get(URL), repeat),
        "api: version, large charter, ?lang=fr": measure(get(URL + "?lang=fr"), repeat),
        "api: version, 304 (If-None-Match)": measure(
            get(URL, 304, **{"If-None-Match": etag}), repeat
        ),
    }
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return results
