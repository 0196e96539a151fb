"""Benchmarks of the text machinery and the reading pages, on SQLite and PostgreSQL.

    make bench                       # both engines (PostgreSQL when reachable)
    .venv/bin/python bench/run.py --engines sqlite --repeat 30

Prints the median (and p95) of each measure next to its target. Page times are server
times: a request through the WSGI app in process, caches warm as in production.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import amendments  # noqa: E402
from bench.api import TARGETS_MS as API_TARGETS_MS  # noqa: E402
from bench.api import api_benchmarks  # noqa: E402
from bench.consultation import TARGETS_MS as CONSULTATION_TARGETS_MS  # noqa: E402
from bench.consultation import consultation_benchmarks  # noqa: E402
from bench.dashboard import TARGETS_MS as DASHBOARD_TARGETS_MS  # noqa: E402
from bench.dashboard import dashboard_benchmarks  # noqa: E402
from bench.generate import edit_document, make_document  # noqa: E402
from bench.merge import TARGETS_MS as MERGE_TARGETS_MS  # noqa: E402
from bench.merge import merge_benchmarks  # noqa: E402
from bench.provenance import provenance_benchmarks  # noqa: E402
from bench.search import TARGETS_MS as SEARCH_TARGETS_MS  # noqa: E402
from bench.search import search_benchmarks  # noqa: E402
from charter import create_app  # noqa: E402
from charter.amendments import present  # noqa: E402
from charter.drafting import queries, services  # noqa: E402
from charter.extensions import db  # noqa: E402
from charter.text import diff, markdown, sections  # noqa: E402

PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
TARGETS_MS = {
    "diff: whole charter, 30 scattered edits": 50,
    "render: whole charter Markdown (uncached)": 40,
    "page: version": 30,
    "page: compare (inline)": 80,
    "page: compare (side by side)": 80,
    "page: compare (inline, diff not cached)": 80,
    "rebase: amendment across 20 versions": 20,
    "page: amendments index, 10,000 amendments": 60,
    "page: amendments index, submitted, cosigners": 60,
    "page: amendments index, one section": 60,
    "provenance: section across 200 versions": 100,
    "page: provenance of a section, 200 versions": 60,
    "page: provenance overview, 200 versions": 60,
    **MERGE_TARGETS_MS,
    **CONSULTATION_TARGETS_MS,
    **SEARCH_TARGETS_MS,
    **DASHBOARD_TARGETS_MS,
    **API_TARGETS_MS,
}
INDEX = "/charters/big/amendments"


def measure(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and p95 in milliseconds."""
    action()  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))]


def text_benchmarks(repeat: int) -> dict[str, tuple[float, float]]:
    old_doc = make_document(seed=1)
    new_doc = edit_document(old_doc, edits=30, seed=2)
    old, new = sections.split(old_doc), sections.carry_keys(sections.split(new_doc), [])
    new = sections.carry_keys(sections.split(new_doc), old)

    def render_all() -> None:
        markdown.clear_cache()
        for section in old:
            markdown.render(section.body, section.key + "-")

    return {
        "diff: whole charter, 30 scattered edits": measure(lambda: diff.compare(old, new), repeat),
        "render: whole charter Markdown (uncached)": measure(render_all, repeat),
    }


def page_benchmarks(database_uri: str, repeat: int) -> dict[str, tuple[float, float]]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        old_doc = make_document(seed=1)
        charter = services.create_charter("big", "A large charter")
        first = sections.split(old_doc)
        services.publish(services.commit_version(charter, first, note="1", author="b"), by="b")
        second = sections.carry_keys(sections.split(edit_document(old_doc, 30, seed=2)), first)
        version = services.commit_version(charter, second, note="2", author="b")
        services.publish(version, by="b")
        db.session.commit()
        secretariat = amendments.seed_index(charter, version)
        busiest = amendments.busiest_section(charter)
        base, head, operations = amendments.setup_rebase(secretariat)
        user_id = secretariat.get_id()
    client, secretariat_client = app.test_client(), app.test_client()
    with secretariat_client.session_transaction() as session:
        session["_user_id"] = user_id

    def get(path: str, on=client) -> Callable[[], None]:
        def action() -> None:
            response = on.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return action

    def compare_uncached() -> None:
        queries._compare_cache.clear()
        get("/charters/big/compare/1/2")()

    results = {
        "page: version": measure(get("/charters/big/versions/2"), repeat),
        "page: compare (inline)": measure(get("/charters/big/compare/1/2"), repeat),
        "page: compare (side by side)": measure(get("/charters/big/compare/1/2?view=side"), repeat),
        "page: compare (inline, diff not cached)": measure(compare_uncached, repeat),
        "page: amendments index, 10,000 amendments": measure(
            get(INDEX, secretariat_client), repeat
        ),
        "page: amendments index, submitted, cosigners": measure(
            get(INDEX + "?state=submitted&sort=cosigners", secretariat_client), repeat
        ),
        "page: amendments index, one section": measure(
            get(f"{INDEX}?section={busiest}", secretariat_client), repeat
        ),
    }
    with app.app_context():
        # What the amendment page does: the versions' sections are cached, the rebase is not.
        results["rebase: amendment across 20 versions"] = measure(
            lambda: present._against_head(base, head, operations), repeat
        )
    with app.app_context():
        db.drop_all()
        db.engine.dispose()
    return results


def postgres_reachable() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_URL, connect_timeout=3).close()
        return True
    except Exception:  # noqa: BLE001
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()

    results: dict[str, dict[str, tuple[float, float]]] = {"any": text_benchmarks(args.repeat)}
    engines = args.engines.split(",")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = page_benchmarks(f"sqlite:///{folder}/bench.db", args.repeat)
            results["sqlite"] |= provenance_benchmarks(f"sqlite:///{folder}/bench.db", args.repeat)
            results["sqlite"] |= merge_benchmarks(
                f"sqlite:///{folder}/bench.db", args.repeat, measure
            )
            results["sqlite"] |= consultation_benchmarks(
                f"sqlite:///{folder}/bench.db", args.repeat, measure
            )
            results["sqlite"] |= search_benchmarks(
                f"sqlite:///{folder}/bench.db", args.repeat, measure
            )
            results["sqlite"] |= dashboard_benchmarks(
                f"sqlite:///{folder}/bench.db", args.repeat, measure
            )
            results["sqlite"] |= api_benchmarks(
                f"sqlite:///{folder}/bench.db", args.repeat, measure
            )
    if "postgresql" in engines:
        if postgres_reachable():
            results["postgresql"] = page_benchmarks(PG_URL, args.repeat)
            results["postgresql"] |= provenance_benchmarks(PG_URL, args.repeat)
            results["postgresql"] |= merge_benchmarks(PG_URL, args.repeat, measure)
            results["postgresql"] |= consultation_benchmarks(PG_URL, args.repeat, measure)
            results["postgresql"] |= search_benchmarks(PG_URL, args.repeat, measure)
            results["postgresql"] |= dashboard_benchmarks(PG_URL, args.repeat, measure)
            results["postgresql"] |= api_benchmarks(PG_URL, args.repeat, measure)
        else:
            print(f"PostgreSQL at {PG_URL} not reachable: skipped", file=sys.stderr)

    print(
        f"Charter benchmarks — {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {args.repeat} runs"
    )
    print(f"{'measure':45} {'engine':11} {'median ms':>10} {'p95 ms':>8} {'target':>8}  ok")
    failed = False
    for engine, measures in results.items():
        for name, (median, p95) in measures.items():
            target = TARGETS_MS[name]
            ok = median < target
            failed |= not ok
            print(
                f"{name:45} {engine:11} {median:10.2f} {p95:8.2f} {'< ' + str(target):>8}  "
                f"{'yes' if ok else 'NO'}"
            )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
