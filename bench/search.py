"""Search benchmark: the large generated charter with 10,000 amendments and 50,000 comments.

Versions 1 and 2 are published, version 3 is a draft; the amendments and comments are bulk
inserted (bench.amendments), then indexed in bulk by charter.search.index.reindex. Each
measure is one search page (/search?q=…) served through the WSGI app, as the public and as
a signed-in sherpa (who also reads the draft, the amendments and their discussions).
"""

from __future__ import annotations

import time
from collections.abc import Callable

import sqlalchemy as sa

from bench import amendments
from bench.generate import edit_document, make_document
from charter import create_app
from charter.accounts.models import User
from charter.drafting import services
from charter.extensions import db
from charter.search import index
from charter.text import sections

# Typical searches: a word found in about one comment in eight, two words, a phrase.
SEARCHES = {
    "one word": "housing",
    "two words": "health services",
    "phrase": '"legal advice"',
}
# A stress case, not a typical search: a word in four comments in ten (15,000 documents to
# rank), close to a stop word. Measured to watch it, with its own target.
STRESS = {"frequent word (stress)": "public"}
TARGETS_MS = {
    **{f"page: search, {name}, {who}": 50 for name in SEARCHES for who in ("public", "sherpa")},
    **{f"page: search, {name}, {who}": 120 for name in STRESS for who in ("public", "sherpa")},
}


def _seed() -> tuple[str, float]:
    """The charter, its amendments and comments, indexed; a sherpa's id and the seconds
    the bulk indexing took."""
    document = make_document(seed=1)
    charter = services.create_charter("big", "A large charter")
    first = sections.split(document)
    services.publish(services.commit_version(charter, first, note="1", author="b"), by="b")
    second = sections.carry_keys(sections.split(edit_document(document, 30, seed=2)), first)
    version = services.commit_version(charter, second, note="2", author="b")
    services.publish(version, by="b")
    third = sections.carry_keys(sections.split(edit_document(document, 30, seed=3)), second)
    services.commit_version(charter, third, note="3", author="b")
    db.session.commit()
    amendments.seed_index(charter, version)
    amendments.seed_comments(charter, version)
    start = time.perf_counter()
    index.reindex(charter.id)
    db.session.commit()
    seconds = time.perf_counter() - start
    if db.engine.dialect.name == "postgresql":
        # As autovacuum would have done long before a charter has 60,000 documents (and so
        # that it does not run during the measures).
        db.session.remove()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            for table in ("search_document", "comment", "amendment"):
                connection.execute(sa.text(f"VACUUM ANALYZE {table}"))
    sherpa = db.session.scalar(sa.select(User).where(User.email == "sherpa-0@bench.org"))
    return sherpa.get_id(), seconds


def search_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        sherpa_id, seconds = _seed()
        print(f"search: indexed 60,000 documents in {seconds:.1f} s ({db.engine.dialect.name})")
        public, sherpa = app.test_client(), app.test_client()
        with sherpa.session_transaction() as session:
            session["_user_id"] = sherpa_id
            session["_fresh"] = True

        def get(client, text: str) -> Callable[[], None]:
            def action() -> None:
                response = client.get("/search", query_string={"q": text})
                assert response.status_code == 200, response.status_code
                assert b"<mark>" in response.data, text

            return action

        results = {}
        for name, text in {**SEARCHES, **STRESS}.items():
            results[f"page: search, {name}, public"] = measure(get(public, text), repeat)
            results[f"page: search, {name}, sherpa"] = measure(get(sherpa, text), repeat)
        db.session.remove()  # the requests ran in this app context: end their transaction
        db.drop_all()
        db.engine.dispose()
    return results
