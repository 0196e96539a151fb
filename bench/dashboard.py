"""Participation dashboard benchmark: the large generated charter with 10,000 amendments
and 50,000 comments (answers, section comments, annotations, amendment discussions),
made over three stages. Measured for the public (the target of the issue) and for the
secretariat, who also counts amendment discussions and comments on drafts, with the
figures cached as between two writes; and for the first view after a write, which
computes them again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from bench import amendments
from bench.generate import make_document
from charter import create_app
from charter.dashboard import queries as dashboard_queries
from charter.drafting import services
from charter.extensions import db
from charter.process.models import StageEvent
from charter.text import sections

TARGETS_MS = {
    "page: dashboard, 10,000 amendments, 50,000 comments": 150,
    "page: dashboard, signed in (secretariat)": 150,
    # The first view after a write recomputes the figures (two scans of the comments).
    "page: dashboard, after a write (recomputed)": 400,
}
URL = "/charters/big/dashboard"


def dashboard_benchmarks(
    database_uri: str, repeat: int, measure: Callable
) -> dict[str, tuple[float, float, int]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        charter = services.create_charter("big", "A large charter")
        version = services.commit_version(
            charter, sections.split(make_document(seed=1)), note="1", author="bench"
        )
        services.publish(version, by="bench")
        # Three stages over the seeded contributions' weeks: the figures split by stage.
        for before, after, days in ((1, 2, 10), (2, 3, 30)):
            db.session.add(
                StageEvent(
                    charter_id=charter.id,
                    from_position=before,
                    to_position=after,
                    at=amendments.START + timedelta(days=days),
                )
            )
        charter.stage_position = 3
        db.session.commit()
        secretariat = amendments.seed_index(charter, version)
        amendments.seed_comments(charter, version)
        user_id = secretariat.get_id()
    public, signed_in = app.test_client(), app.test_client()
    with signed_in.session_transaction() as session:
        session["_user_id"] = user_id
        session["_fresh"] = True

    def get(client, *, recompute: bool = False) -> Callable[[], None]:
        def action() -> None:
            if recompute:
                dashboard_queries.clear_cache()
            response = client.get(URL)
            assert response.status_code == 200, response.status_code
            assert b'role="img"' in response.data

        return action

    results = {
        "page: dashboard, 10,000 amendments, 50,000 comments": measure(get(public), repeat),
        "page: dashboard, signed in (secretariat)": measure(get(signed_in), repeat),
        "page: dashboard, after a write (recomputed)": measure(
            get(public, recompute=True), max(repeat // 3, 5)
        ),
    }
    with app.app_context():
        db.session.remove()  # the requests ran in app contexts: end any open transaction
        db.drop_all()
        db.engine.dispose()
    return results
