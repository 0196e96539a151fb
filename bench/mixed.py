"""Mixed load: readers, sherpas and the secretariat at once against gunicorn, then an
account of every write.

A fresh database is migrated (`flask db upgrade`) and given the demo charter, a large
generated one, a secretariat and sherpas of a Policy Council (`flask users create`). Then
gunicorn (gunicorn.conf.py, Redis when reachable) serves it on a free loopback port while,
over real HTTP, anonymous readers read versions, comparisons, search, feeds, downloads and
the API; sherpas sign in and comment, propose, co-sign and withdraw amendments; the
secretariat signs in (with its second factor), reviews, merges through the merge workspace
and publishes. Afterwards: no 5xx answer, no traceback or lock error in the server's
output, every write the clients saw confirmed is in the database and nothing else, every
merged amendment is in exactly one version, and `flask verify` passes.

    .venv/bin/python bench/mixed.py                              # PostgreSQL, 120 s
    .venv/bin/python bench/mixed.py --engine sqlite --seconds 20

Prints a table (requests by kind, answers, p50/p99 latency, requests/s) and the checks;
exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import make_document  # noqa: E402
from bench.load import redis_url  # noqa: E402
from bench.mixed_clients import (  # noqa: E402
    CHARTER,
    SLUG,
    Ledger,
    Reader,
    Run,
    Secretariat,
    Sherpa,
    Stats,
    by_kind,
)

DATABASE = "charter_mixed_load"
DOMAIN = "mixed-load.example.org"
SECRETARIAT = (f"secretariat@{DOMAIN}", "mixed load secretariat passphrase")
COUNCIL = f"{SLUG}:Right to the City"
LOG_PROBLEMS = re.compile(
    r"Traceback|database is locked|deadlock detected|\[ERROR\]|\[CRITICAL\]|WORKER TIMEOUT"
    r"|Unhandled error"
)


def sherpa_account(index: int) -> tuple[str, str]:
    return f"sherpa{index}@{DOMAIN}", f"mixed load sherpa {index} passphrase"


def flask(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "charter", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"flask {' '.join(args[:2])} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def sqlalchemy_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


@contextmanager
def fresh_database(engine: str, server: str, keep: bool) -> Iterator[str]:
    """An empty database of the engine, dropped afterwards (unless kept)."""
    if engine == "sqlite":
        folder = tempfile.mkdtemp(prefix="charter-mixed-")
        try:
            yield f"sqlite:///{folder}/charter.db"
        finally:
            if not keep:
                shutil.rmtree(folder, ignore_errors=True)
        return
    admin = sa.create_engine(sqlalchemy_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        connection.execute(sa.text(f"CREATE DATABASE {DATABASE}"))
    try:
        yield sa.make_url(server).set(database=DATABASE).render_as_string(hide_password=False)
    finally:
        if not keep:
            with admin.connect() as connection:
                connection.execute(sa.text(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"))
        admin.dispose()


def prepare(env: dict[str, str], sherpas: int, folder: Path) -> None:
    """Migrate, load the demo and a large charter, create the accounts of the run."""
    flask(env, "db", "upgrade")
    flask(env, "demo")
    big = folder / "big.md"
    big.write_text(make_document(seed=1), encoding="utf-8")
    flask(env, "import", str(big), "--title", "A large charter", "--slug", "big", "--publish")
    email, password = SECRETARIAT
    flask(env, "users", "create", email, "--role", "secretariat", "--password", password)
    for index in range(1, sherpas + 1):
        email, password = sherpa_account(index)
        flask(
            env,
            "users",
            "create",
            email,
            "--role",
            "sherpa",
            "--password",
            password,
            "--council",
            COUNCIL,
        )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def gunicorn(env: dict[str, str], log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn 'charter:create_app()' with gunicorn.conf.py on a free port, its output in
    log; stopped with SIGTERM."""
    port = free_port()
    with log.open("wb") as output:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "charter:create_app()"],
            cwd=ROOT,
            env={**env, "BIND": f"127.0.0.1:{port}"},
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        else:
            raise SystemExit(f"gunicorn did not start:\n{log.read_text()[-3000:]}")
        yield url, process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def workers_of(process: subprocess.Popen) -> int:
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
    return len(children.read_text().split()) if children.exists() else 0


def section_keys(url: str) -> list[str]:
    """The sections of the latest published version (none is deleted during the run)."""
    with urllib.request.urlopen(f"{url}/api/v1{CHARTER}", timeout=30) as response:
        latest = json.load(response)["latest_published"]
    with urllib.request.urlopen(f"{url}/api/v1{CHARTER}/versions/{latest}", timeout=30) as answer:
        return [section["key"] for section in json.load(answer)["sections"]]


def drive(url: str, seconds: float, readers: int, sherpas: int) -> tuple[Run, float]:
    """The people, each in a thread, for `seconds`; the time they took in all."""
    run = Run(url, Stats(), Ledger(), time.monotonic() + seconds, section_keys(url))
    people = [Reader(run, f"reader {i}", seed=i) for i in range(1, readers + 1)]
    people += [
        Sherpa(run, f"Sherpa {i}", 100 + i, *sherpa_account(i)) for i in range(1, sherpas + 1)
    ]
    people.append(Secretariat(run, "Secretariat", 1000, *SECRETARIAT))
    threads = [threading.Thread(target=person.live, daemon=True) for person in people]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return run, time.monotonic() - started


# --- the account ------------------------------------------------------------------------------


def _rows(connection, query: str, **params) -> list[tuple]:
    return [tuple(row) for row in connection.execute(sa.text(query), params)]


def account(database_url: str, ledger: Ledger, first_new_version: int) -> list[tuple[bool, str]]:
    """Each write the clients saw confirmed against the rows of the database."""
    checks: list[tuple[bool, str]] = []

    def check(name: str, seen, stored) -> None:
        detail = "" if seen == stored else f" — seen {sorted(seen)} / stored {sorted(stored)}"
        checks.append(
            (seen == stored, f"{name}: {len(seen)} confirmed, {len(stored)} stored" + detail)
        )

    engine = sa.create_engine(sqlalchemy_url(database_url))
    like = f"%@{DOMAIN}"
    with engine.connect() as connection:
        (charter_id,) = _rows(connection, "SELECT id FROM charter WHERE slug = :s", s=SLUG)[0]
        comments = Counter(
            dict(
                _rows(
                    connection,
                    'SELECT u.email, count(*) FROM comment c JOIN "user" u ON u.id = c.author_id'
                    " WHERE u.email LIKE :like GROUP BY u.email",
                    like=like,
                )
            )
        )
        seen = Counter({email: n for email, n in ledger.comments.items() if n})
        ok = seen == comments
        checks.append(
            (
                ok,
                f"comments: {sum(seen.values())} confirmed, {sum(comments.values())} stored"
                + ("" if ok else f" — seen {dict(seen)} / stored {dict(comments)}"),
            )
        )
        proposed = dict(
            _rows(
                connection,
                'SELECT a.number, u.email FROM amendment a JOIN "user" u ON u.id = a.author_id'
                " WHERE a.charter_id = :c AND u.email LIKE :like",
                c=charter_id,
                like=like,
            )
        )
        check("amendments proposed", set(ledger.proposed.items()), set(proposed.items()))
        endorsed = _rows(
            connection,
            "SELECT a.number, u.email FROM endorsement e JOIN amendment a ON a.id = e.amendment_id"
            ' JOIN "user" u ON u.id = e.user_id WHERE a.charter_id = :c AND u.email LIKE :like',
            c=charter_id,
            like=like,
        )
        check("co-signatures", ledger.endorsed, set(endorsed))

        def moved_to(state: str) -> set[int]:
            return {
                number
                for (number,) in _rows(
                    connection,
                    "SELECT a.number FROM amendment_event e JOIN amendment a"
                    ' ON a.id = e.amendment_id JOIN "user" u ON u.id = e.actor_id'
                    " WHERE a.charter_id = :c AND e.to_state = :state AND u.email LIKE :like",
                    c=charter_id,
                    state=state,
                    like=like,
                )
            }

        check("withdrawals", ledger.withdrawn, moved_to("withdrawn"))
        check("acceptances", ledger.accepted, moved_to("accepted"))
        check("rejections", ledger.rejected, moved_to("rejected"))
        new_versions = {
            number
            for (number,) in _rows(
                connection,
                "SELECT number FROM version WHERE charter_id = :c AND number >= :n",
                c=charter_id,
                n=first_new_version,
            )
        }
        check("merges (new versions)", set(ledger.merged), new_versions)
        merged_into = _rows(
            connection,
            "SELECT v.number, a.number FROM amendment a JOIN version v"
            " ON v.id = a.merged_version_id WHERE a.charter_id = :c AND v.number >= :n",
            c=charter_id,
            n=first_new_version,
        )
        seen_merged = {(v, a) for v, numbers in ledger.merged.items() for a in numbers}
        check("amendments merged", seen_merged, set(merged_into))
        published = {
            number
            for (number,) in _rows(
                connection,
                "SELECT v.number FROM publication p JOIN version v ON v.id = p.version_id"
                " WHERE v.charter_id = :c AND v.number >= :n",
                c=charter_id,
                n=first_new_version,
            )
        }
        check("publications", ledger.published, published)
        # Every merged amendment in exactly one version, and no other amendment in any.
        wrong = []
        for number, state, merged_version, steps, first, last in _rows(
            connection,
            "SELECT a.number, a.state, a.merged_version_id, count(DISTINCT s.version_id),"
            " min(s.version_id), max(s.version_id) FROM amendment a"
            " LEFT JOIN merge_step s ON s.amendment_id = a.id WHERE a.charter_id = :c"
            " GROUP BY a.number, a.state, a.merged_version_id",
            c=charter_id,
        ):
            if state == "merged":
                fine = merged_version is not None and steps <= 1
                fine = fine and (steps == 0 or first == last == merged_version)
            else:
                fine = merged_version is None and steps == 0
            if not fine:
                wrong.append(number)
        (merged,) = _rows(
            connection,
            "SELECT count(*) FROM amendment WHERE charter_id = :c AND state = 'merged'",
            c=charter_id,
        )[0]
        checks.append(
            (
                not wrong,
                f"each merged amendment in exactly one version: {merged} merged"
                + (f" — wrong: {wrong}" if wrong else ""),
            )
        )
    engine.dispose()
    return checks


def server_problems(log: str) -> list[str]:
    """The lines that tell of an error; the first of them with what follows, up to the next
    access log line (its traceback)."""
    lines = log.splitlines()
    found = [index for index, line in enumerate(lines) if LOG_PROBLEMS.search(line)]
    if not found:
        return []
    shown = [lines[found[0]]]
    for line in lines[found[0] + 1 : found[0] + 80]:
        if line.startswith("127.0.0.1 "):
            break
        shown.append(line)
    return [*shown, f"({len(found)} such lines in all)"]


# --- the table --------------------------------------------------------------------------------


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


def table(run: Run, elapsed: float) -> str:
    lines = [
        f"{'kind':34} {'requests':>8} {'ok':>6}  {'other answers':24} {'p50 ms':>7} {'p99 ms':>7}"
    ]
    everything: list[float] = []
    for kind, rows in by_kind(run.stats).items():
        times = [seconds * 1000 for _, seconds, _ in rows]
        everything += times
        others = Counter(str(status) for status, _, ok in rows if not ok)
        other = ", ".join(f"{status}: {n}" for status, n in sorted(others.items())) or "-"
        lines.append(
            f"{kind:34} {len(rows):8} {sum(ok for *_, ok in rows):6}  {other:24}"
            f" {statistics.median(times):7.1f} {_percentile(times, 0.99):7.1f}"
        )
    total = len(run.stats.rows)
    ok = sum(row[3] for row in run.stats.rows)
    if everything:
        lines.append(
            f"{'all':34} {total:8} {ok:6}  {'':24} {statistics.median(everything):7.1f}"
            f" {_percentile(everything, 0.99):7.1f}"
        )
    lines.append(f"{total / elapsed:.1f} requests/s over {elapsed:.1f} s")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--engine", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument(
        "--postgresql",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/test"),
        help=f"a database of the server where {DATABASE} is created and dropped",
    )
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"))
    parser.add_argument("--readers", type=int, default=6)
    parser.add_argument("--sherpas", type=int, default=3)
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: gunicorn.conf.py)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--log", type=Path, help="write the server's output to this file")
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="charter-mixed-") as scratch,
        fresh_database(args.engine, args.postgresql, args.keep) as database_url,
    ):
        folder = Path(scratch)
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "mixed-load"}
        env.pop("REDIS_URL", None)
        redis = redis_url(args.redis)
        if redis:
            env["REDIS_URL"] = redis
        if args.workers:
            env["WEB_CONCURRENCY"] = str(args.workers)
        prepare(env, args.sherpas, folder)
        engine = sa.create_engine(sqlalchemy_url(database_url))
        with engine.connect() as connection:
            (head,) = connection.execute(
                sa.text(
                    "SELECT max(v.number) FROM version v JOIN charter c ON c.id = v.charter_id"
                    " WHERE c.slug = :s"
                ),
                {"s": SLUG},
            ).one()
        engine.dispose()
        log = folder / "gunicorn.log"
        with gunicorn(env, log) as (url, process):
            workers = workers_of(process)
            run, elapsed = drive(url, args.seconds, args.readers, args.sherpas)
        output = log.read_text(errors="replace")
        if args.log:
            args.log.write_text(output)
        checks = account(database_url, run.ledger, head + 1)
        verified = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "charter", "verify"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )

    statuses = [status for _, status, _, _ in run.stats.rows]
    server_errors = sum(1 for s in statuses if isinstance(s, int) and s >= 500)
    network = sum(1 for s in statuses if isinstance(s, str))
    logged_5xx = len(re.findall(r'" 5\d\d ', output))
    problems = server_problems(output)
    checks = [
        (
            server_errors == 0,
            f"no 5xx answer: {server_errors} seen, {logged_5xx} in the access log",
        ),
        (network == 0, f"no request failed on the network or timed out: {network}"),
        (
            not problems,
            "server output: no traceback, lock error or worker timeout"
            + "".join(f"\n      {line}" for line in problems),
        ),
        (
            not run.errors,
            "clients found every form they looked for"
            + "".join(f"\n      {error}" for error in run.errors[:10]),
        ),
        *checks,
        (
            verified.returncode == 0,
            "flask verify: " + " / ".join(verified.stdout.strip().splitlines()),
        ),
    ]
    setting = (
        f"{args.engine}, {workers} gunicorn workers, {'Redis' if redis else 'no Redis'}; "
        f"{args.readers} readers, {args.sherpas} sherpas, 1 secretariat; {args.seconds:g} s"
    )
    print(f"Mixed load — {setting}\n")
    print(table(run, elapsed))
    print()
    for ok, text in checks:
        print(f"  {'ok  ' if ok else 'FAIL'} {text}")
    if args.keep:
        print(f"  (the database is kept: {database_url})")
    failed = [text for ok, text in checks if not ok]
    print(f"\n{'All checks pass.' if not failed else f'{len(failed)} check(s) failed.'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
