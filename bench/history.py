"""History length: the same text read in a charter of 1,000 versions and in one of 2.

The long charter's versions each change one section (every tenth one published, and the
last); the short one holds only its last two texts. The version, latest and compare pages
must not slow down with the history behind them (within 20%).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from bench.generate import edit_document, make_document
from charter import create_app
from charter.drafting import queries, services
from charter.extensions import db
from charter.public import caching
from charter.text import sections

VERSIONS = 1000
PAGES = {
    "version page": "/charters/{slug}/versions/{last}",
    "latest page": "/charters/{slug}",
    "compare page": "/charters/{slug}/compare/{previous}/{last}",
}
LIMIT = 1.20  # the long history's median over the short one's


def _seed() -> None:
    long = services.create_charter("long", "A charter with a long history")
    current = sections.split(make_document(seed=1))
    texts = []
    for number in range(1, VERSIONS + 1):
        if number > 1:
            index = number % len(current)
            changed = current[index]
            body = edit_document(changed.body, edits=1, seed=number)
            current = [*current[:index], replace(changed, body=body), *current[index + 1 :]]
        version = services.commit_version(long, current, note=str(number), author="bench")
        if number % 10 == 0 or number >= VERSIONS - 1:
            services.publish(version, by="bench")
        if number >= VERSIONS - 1:
            texts.append(list(current))
    short = services.create_charter("short", "The same text, two versions")
    for text in texts:
        services.publish(services.commit_version(short, text, note="", author="b"), by="b")
    db.session.commit()


def history_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    """Median and p95 (ms) of each page for both charters, made anew for each request
    (the app's kept copy forgotten; the text caches warm, as after any write)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        _seed()
        assert queries.head_version(queries.charter_or_404("long")).number == VERSIONS
    client = app.test_client()

    def get(path: str) -> Callable[[], None]:
        def action() -> None:
            caching._pages.clear()
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return action

    results = {}
    for name, pattern in PAGES.items():
        for slug, last in (("long", VERSIONS), ("short", 2)):
            path = pattern.format(slug=slug, last=last, previous=last - 1)
            label = (
                f"history: {name}, {VERSIONS:,} versions"
                if slug == "long"
                else (f"history: {name}, 2 versions")
            )
            results[label] = measure(get(path), repeat)
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    return results


def ratios(results: dict[str, tuple[float, float, int]]) -> dict[str, float]:
    """Per page, the long history's median over the short one's."""
    return {
        name: results[f"history: {name}, {VERSIONS:,} versions"][0]
        / results[f"history: {name}, 2 versions"][0]
        for name in PAGES
    }
