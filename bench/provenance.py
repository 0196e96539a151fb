"""Provenance benchmarks: who wrote a section of a charter with 200 versions.

A 60-section generated charter; its measured section changes in most of the 200 versions,
every third version is a merge of two amendments (merge steps), every other one is
published, the rest are edited directly.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bench.generate import edit_document, make_document
from charter import create_app
from charter.accounts import services as accounts
from charter.amendments.models import Amendment, State
from charter.drafting import provenance, queries, services
from charter.drafting.models import Charter, MergeStep, SectionText, VersionOrigin
from charter.extensions import db
from charter.public import caching
from charter.text import hashing, sections

VERSIONS = 200
SLUG = "blame"
START = datetime(2024, 1, 1, 8, 0)


def _store(texts: list[str]) -> None:
    """Section texts not stored yet."""
    for text in texts:
        text_hash = hashing.text_hash(text)
        if db.session.get(SectionText, text_hash) is None:
            db.session.add(SectionText(hash=text_hash, body=text))


def seed_history(count: int = VERSIONS, seed: int = 11) -> tuple[Charter, str]:
    """A charter of `count` versions; the key of the section that changes in most of them."""
    rng = random.Random(seed)
    charter = services.create_charter(SLUG, "A charter with many authors")
    councils = [accounts.create_council(charter, f"Council {n}") for n in range(8)]
    authors = [
        accounts.create_user(
            f"blame-{n}@bench.org", "sherpa", display_name=f"Delegate {n:02d}", councils=[council]
        )
        for n, council in enumerate(councils * 2)
    ]
    secretariat = accounts.create_user("blame-secretariat@bench.org", "secretariat")
    document = make_document(seed=1)
    current = sections.split(document)
    key = current[len(current) // 3].key
    services.publish(services.commit_version(charter, current, note="1", author="bench"), by="b")
    amendment_number = 0
    for number in range(2, count + 1):
        document = edit_document(document, edits=3, seed=number)
        parsed = sections.carry_keys(sections.split(document), current)
        measured = next(s for s in parsed if s.key == key)
        steps: list[tuple[int | None, str]] = []
        if number % 3 == 0:
            # Two amendments change the measured section, then the secretariat's own edit.
            text = measured.body
            for _ in range(2):
                text = edit_document(text, edits=2, seed=rng.randrange(10**6))
                amendment_number += 1
                author = rng.choice(authors)
                amendment = Amendment(
                    charter_id=charter.id,
                    number=amendment_number,
                    base_version_id=queries.head_version(charter).id,
                    author_id=author.id,
                    council_id=author.councils[0].id,
                    title=f"Amendment {amendment_number}",
                    justification="Because the network asked for it.",
                    state=State.MERGED,
                )
                db.session.add(amendment)
                db.session.flush()
                steps.append((amendment.id, text))
            text = edit_document(text, edits=1, seed=rng.randrange(10**6))
            steps.append((None, text))
            measured = sections.Section(key, measured.heading, measured.level, text)
        elif number % 4 != 1:
            text = edit_document(measured.body, edits=2, seed=rng.randrange(10**6))
            measured = sections.Section(key, measured.heading, measured.level, text)
        current = [measured if s.key == key else s for s in parsed]
        version = services.commit_version(
            charter,
            current,
            note=str(number),
            author="bench",
            created_at=START + timedelta(days=number),
        )
        if steps:
            _store([text for _, text in steps])
            db.session.add(VersionOrigin(version_id=version.id, kind="merge", actor_id=None))
            for position, (amendment_id, text) in enumerate(steps):
                db.session.add(
                    MergeStep(
                        version_id=version.id,
                        position=position,
                        amendment_id=amendment_id,
                        section_key=key,
                        text_hash=hashing.text_hash(text),
                    )
                )
        if number % 2 == 0 or number == count:
            services.publish(version, by=secretariat.display_name)
    db.session.commit()
    return charter, key


def provenance_benchmarks(database_uri: str, repeat: int) -> dict[str, tuple[float, float, int]]:
    """Median and p95 (ms) of provenance, uncached, and of its pages."""
    from bench.run import measure  # bench.run imports this module

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        charter, key = seed_history()
        charter_id = charter.id
    client = app.test_client()

    def get(path: str) -> Callable[[], None]:
        def action() -> None:
            caching._pages.clear()  # made anew, as for the first reader after a write
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return action

    section_page = f"/charters/{SLUG}/versions/{VERSIONS}/provenance/{key}"
    results = {}
    with app.app_context():
        charter = db.session.get(Charter, charter_id)
        version = queries.version_or_404(charter, VERSIONS, None)

        def uncached() -> None:
            provenance.clear_caches()
            provenance.section_provenance(charter, version, key, None)

        uncached()
        steps = provenance.section_provenance(charter, version, key, None).contributors
        assert len(steps) > 50, len(steps)  # the section really has a long history
        results["provenance: section across 200 versions"] = measure(uncached, repeat)
    results["page: provenance of a section, 200 versions"] = measure(get(section_page), repeat)
    results["page: provenance overview, 200 versions"] = measure(
        get(f"/charters/{SLUG}/versions/{VERSIONS}/provenance"), repeat
    )
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return results
