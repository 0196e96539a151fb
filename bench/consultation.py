"""Consultation benchmark: a section page with 500 comments and 100 annotations.

The comments are threaded (a third are replies), carry themes, and the annotations quote
passages of the section; a tenth of them quote a passage since changed, so the fuzzy
re-anchoring runs too. Measured for the public and for a signed-in participant (whose
page has the comment form and the actions on every comment).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from bench.generate import make_document
from charter import create_app
from charter.accounts import services as accounts
from charter.consultation.models import Comment, Theme
from charter.drafting import queries, services
from charter.extensions import db
from charter.text import anchor, sections

TARGETS_MS = {
    "page: section comments, 500 + 100 annotated": 80,
    "page: section comments, signed in": 80,
}
COMMENTS, ANNOTATIONS = 500, 100


def _seed(charter, version, authors, themes) -> str:
    """The comments and annotations on the longest section; its key."""
    section = max(queries.sections_of(version), key=lambda s: len(s.body))
    text = anchor.plain_text(section.body)
    words = text.split(" ")
    rng = random.Random(5)
    start = datetime(2026, 1, 1)
    made: list[Comment] = []
    for index in range(COMMENTS + ANNOTATIONS):
        comment = Comment(
            charter_id=charter.id,
            author_id=authors[index % len(authors)].id,
            section_key=section.key,
            version_id=version.id,
            body=f"Comment {index}: *this* matters for [the network](https://example.org).\n\n"
            + " ".join(rng.choices(words, k=40)),
            created_at=start + timedelta(minutes=index),
        )
        if index >= COMMENTS:
            at = rng.randrange(0, len(words) - 8)
            quote = " ".join(words[at : at + 6])
            if index % 10 == 0:
                quote = quote + " changed"
            found = anchor.find(text, quote)
            comment.quote = quote
            comment.quote_start = found.start if found else text.find(words[at])
        elif index % 3 == 2 and made:
            parent = rng.choice(made[-30:])
            if parent.depth < Comment.MAX_DEPTH and parent.quote is None:
                comment.parent_id, comment.depth = parent.id, parent.depth + 1
        if index % 4 == 0:
            comment.themes = [themes[index % len(themes)]]
        db.session.add(comment)
        db.session.flush()
        made.append(comment)
    db.session.commit()
    return section.key


def consultation_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        charter = services.create_charter("consult", "A charter under consultation")
        charter.stage_position = 2
        version = services.commit_version(
            charter, sections.split(make_document(seed=4)), note="1", author="bench"
        )
        services.publish(version, by="bench")
        db.session.commit()
        authors = [
            accounts.create_user(f"bench-partner-{n}@example.org", "partner", display_name=f"P{n}")
            for n in range(20)
        ]
        themes = [Theme(charter_id=charter.id, name=name) for name in ("Housing", "Health")]
        db.session.add_all(themes)
        db.session.commit()
        key = _seed(charter, version, authors, themes)
        url = f"/charters/consult/sections/{key}/comments"
        public = app.test_client()
        member = app.test_client()
        with member.session_transaction() as session:
            session["_user_id"] = authors[0].get_id()
            session["_fresh"] = True

        def get(client) -> Callable[[], None]:
            def action() -> None:
                response = client.get(url)
                assert response.status_code == 200, response.status_code
                assert response.data.count(b'class="comment') >= COMMENTS + ANNOTATIONS

            return action

        results = {
            "page: section comments, 500 + 100 annotated": measure(get(public), repeat),
            "page: section comments, signed in": measure(get(member), repeat),
        }
        db.session.remove()  # the requests ran in this app context: end their transaction
        db.drop_all()
        db.engine.dispose()
    return results
