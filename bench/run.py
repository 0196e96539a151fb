"""Benchmarks of the text machinery and the reading pages, on SQLite and PostgreSQL, and a
load run against gunicorn.

    make bench                       # both engines (PostgreSQL when reachable), and the load
    .venv/bin/python bench/run.py --engines sqlite --repeat 30 --no-load

Prints the median (and p95) of each measure next to its target, and writes the table to
bench/RESULTS.md with the machine and the date. Page times are server times: a request
through the WSGI app in process, text caches warm as in production, the public's pages made
anew each time (the app's kept copy forgotten: what the first reader after a write waits).
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import Engine, event

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from bench import amendments  # noqa: E402
from bench.api import TARGETS_MS as API_TARGETS_MS  # noqa: E402
from bench.api import api_benchmarks  # noqa: E402
from bench.consultation import TARGETS_MS as CONSULTATION_TARGETS_MS  # noqa: E402
from bench.consultation import consultation_benchmarks  # noqa: E402
from bench.dashboard import TARGETS_MS as DASHBOARD_TARGETS_MS  # noqa: E402
from bench.dashboard import dashboard_benchmarks  # noqa: E402
from bench.generate import edit_document, make_document  # noqa: E402
from bench.history import LIMIT as HISTORY_LIMIT  # noqa: E402
from bench.history import history_benchmarks, ratios  # noqa: E402
from bench.merge import TARGETS_MS as MERGE_TARGETS_MS  # noqa: E402
from bench.merge import merge_benchmarks  # noqa: E402
from bench.provenance import provenance_benchmarks  # noqa: E402
from bench.search import TARGETS_MS as SEARCH_TARGETS_MS  # noqa: E402
from bench.search import search_benchmarks  # noqa: E402
from charter import create_app  # noqa: E402
from charter.amendments import present  # noqa: E402
from charter.drafting import queries, services  # noqa: E402
from charter.extensions import db  # noqa: E402
from charter.public import caching  # noqa: E402
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
    "page: version, kept for the next reader": 5,
    "page: amendment, 3 operations": 40,
}
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
INDEX = "/charters/big/amendments"
SWEEP = {
    "page: history of versions": "/charters/big/versions",
    "page: section across versions": "/charters/big/sections/{section}",
    "page: timeline": "/charters/big/timeline",
    "page: stages": "/charters/big/stages",
    "page: merge workspace": "/charters/big/merge",
    "page: download, Markdown": "/charters/big/versions/2/download.md",
    "page: download, JSON": "/charters/big/versions/2/download.json",
    "page: feed of published versions": "/charters/big/feed.atom",
    "api: charter": "/api/v1/charters/big",
    "api: versions": "/api/v1/charters/big/versions",
    "api: compare": "/api/v1/charters/big/compare/1/2",
    "api: amendments, first page": "/api/v1/charters/big/amendments",
    "api: amendments, one section": "/api/v1/charters/big/amendments?section={section}",
    "api: stages": "/api/v1/charters/big/stages",
    "api: audit log": "/api/v1/charters/big/audit",
}


class Measure(NamedTuple):
    median: float  # milliseconds
    p95: float
    queries: int  # SQL statements of the last run


_statements = [0]


@event.listens_for(Engine, "before_cursor_execute")
def _count(*_args) -> None:
    _statements[0] += 1


def measure(action: Callable[[], object], repeat: int) -> Measure:
    """Median and p95 in milliseconds, and the queries one run makes."""
    action()  # warm-up
    times = []
    for _ in range(repeat):
        before = _statements[0]
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    queries = _statements[0] - before
    times.sort()
    return Measure(
        statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.95))], queries
    )


def text_benchmarks(repeat: int) -> dict[str, tuple[float, float, int]]:
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


def page_benchmarks(database_uri: str, repeat: int) -> dict[str, tuple[float, float, int]]:
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
        widest = amendments.widest_amendment(charter)
        base, head, operations = amendments.setup_rebase(secretariat)
        user_id = secretariat.get_id()
    client, secretariat_client = app.test_client(), app.test_client()
    with secretariat_client.session_transaction() as session:
        session["_user_id"] = user_id

    def get(path: str, on=client, kept: bool = False) -> Callable[[], None]:
        def action() -> None:
            if not kept:
                caching._pages.clear()
            response = on.get(path)
            assert response.status_code == 200, (path, response.status_code)

        return action

    def compare_uncached() -> None:
        queries._compare_cache.clear()
        get("/charters/big/compare/1/2")()

    results = {
        "page: version": measure(get("/charters/big/versions/2"), repeat),
        "page: version, kept for the next reader": measure(
            get("/charters/big/versions/2", kept=True), repeat
        ),
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
    results["page: amendment, 3 operations"] = measure(
        get(f"/charters/big/amendments/{widest}", secretariat_client), repeat
    )
    # The other pages and API reads on the same charter, as the secretariat (who sees the most):
    # measured and shown, with no target of their own.
    for name, path in SWEEP.items():
        results[name] = measure(get(path.format(section=busiest), secretariat_client), repeat)
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


def cpu() -> str:
    """The processor's model name, as the kernel gives it."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--engines", default="sqlite,postgresql")
    parser.add_argument("--no-load", action="store_true", help="skip the load run (gunicorn)")
    args = parser.parse_args()

    suites = (
        page_benchmarks,
        provenance_benchmarks,
        lambda uri, repeat: merge_benchmarks(uri, repeat, measure),
        lambda uri, repeat: consultation_benchmarks(uri, repeat, measure),
        lambda uri, repeat: search_benchmarks(uri, repeat, measure),
        lambda uri, repeat: dashboard_benchmarks(uri, repeat, measure),
        lambda uri, repeat: api_benchmarks(uri, repeat, measure),
        lambda uri, repeat: history_benchmarks(uri, repeat, measure),
    )
    results: dict[str, dict[str, tuple[float, float, int]]] = {"any": text_benchmarks(args.repeat)}
    engines = args.engines.split(",")
    if "sqlite" in engines:
        with tempfile.TemporaryDirectory() as folder:
            results["sqlite"] = {}
            for suite in suites:
                results["sqlite"] |= suite(f"sqlite:///{folder}/bench.db", args.repeat)
    reachable = postgres_reachable()
    if "postgresql" in engines:
        if reachable:
            results["postgresql"] = {}
            for suite in suites:
                results["postgresql"] |= suite(PG_URL, args.repeat)
        else:
            print(f"PostgreSQL at {PG_URL} not reachable: skipped", file=sys.stderr)
    load_rows = []
    if not args.no_load:
        if reachable:
            from bench.load import load_benchmarks

            load_rows = load_benchmarks(PG_URL)
        else:
            print("The load run needs PostgreSQL: skipped", file=sys.stderr)

    title = (
        f"Charter benchmarks — {cpu()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {args.repeat} runs, {datetime.date.today().isoformat()}"
    )
    header = (
        f"{'measure':55} {'engine':11} {'median':>10} {'p95':>8} {'queries':>7} {'target':>8}  ok"
    )
    lines = []
    failed = False
    for engine, measures in results.items():
        for name, (median, p95, *counted) in measures.items():
            if name.startswith("history: "):
                continue
            target = TARGETS_MS.get(name)
            ok = target is None or median < target
            failed |= not ok
            count = str(counted[0]) if counted else ""
            lines.append(
                f"{name:55} {engine:11} {median:10.2f} {p95:8.2f} {count:>7} "
                f"{'< ' + str(target) if target else '—':>8}  {'yes' if ok else 'NO'}"
            )
        if engine != "any" and any(name.startswith("history: ") for name in measures):
            for name, (median, p95, *counted) in measures.items():
                if name.startswith("history: "):
                    count = str(counted[0]) if counted else ""
                    lines.append(f"{name:55} {engine:11} {median:10.2f} {p95:8.2f} {count:>7}")
            for page, ratio in ratios(measures).items():
                ok = ratio <= HISTORY_LIMIT
                failed |= not ok
                label = f"history: {page}, 1,000 over 2 versions"
                lines.append(
                    f"{label:55} {engine:11} {ratio:10.2f} {'':8} {'':7} "
                    f"{'<= ' + str(HISTORY_LIMIT):>8}"
                    f"  {'yes' if ok else 'NO'}"
                )
    for name, value, target, ok in load_rows:
        failed |= not ok
        lines.append(
            f"{name:55} {'postgresql':11} {value:10.2f} {'':8} {'':7} {target:>8}  "
            f"{'yes' if ok else 'NO'}"
        )
    print(title)
    print("Times in ms; history rows: the median with 1,000 versions over the one with 2.")
    print(header)
    print("\n".join(lines))
    RESULTS.write_text(
        f"# {title}\n\n"
        "Written by `make bench` (bench/run.py). Times are medians and p95 in milliseconds "
        "of server time, with the SQL statements of one request; history rows are ratios; "
        "load rows come from wrk against gunicorn on loopback (bench/load.py).\n\n"
        f"```\n{header}\n" + "\n".join(lines) + "\n```\n"
    )
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
