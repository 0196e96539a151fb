"""Throughput under load: wrk against gunicorn (gunicorn.conf.py) on loopback.

Each page's requests per second is set against a bare "hello" endpoint of the same app
under the same gunicorn (bench/wsgi.py): the ceiling of the stack before any page work.
Also the p99 latency at 32 connections, and each worker's memory after the run.

    .venv/bin/python bench/load.py                 # PostgreSQL at BENCH_DATABASE_URL
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api import _seed  # noqa: E402
from charter import create_app  # noqa: E402
from charter.extensions import db  # noqa: E402

CONNECTIONS = 32
SECONDS = 10
PORT = 8731
PAGES = {
    "hello (the ceiling)": "/bench/hello",
    "published version page": "/charters/big/versions/2",
    "latest version page": "/charters/big",
}


@dataclass
class Run:
    requests_per_second: float
    p99_ms: float
    errors: int


def _milliseconds(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


def wrk(url: str, seconds: int = SECONDS) -> Run:
    output = subprocess.run(
        ["wrk", "-t2", f"-c{CONNECTIONS}", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: (.*)", output)
    return Run(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p99_ms=_milliseconds(re.search(r"\s99%\s+(\S+)", output).group(1)),
        errors=(int(errors.group(1)) if errors else 0) + (1 if socket_errors else 0),
    )


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def redis_url(url: str | None) -> str | None:
    """The Redis database of a run, emptied; None when Redis does not answer."""
    if not url:
        return None
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
        return url
    except Exception:  # noqa: BLE001
        return None


@contextmanager
def _serving(env: dict[str, str]) -> Iterator[tuple[str, subprocess.Popen]]:
    """gunicorn with the repository's settings (bench/wsgi.py adds the hello endpoint)."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "bench.wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{PORT}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2).close()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        yield base, server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def load_benchmarks(database_uri: str) -> list[tuple[str, float, str, bool]]:
    """Rows of (measure, value, target, met)."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk")
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_uri, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        _seed()
        db.session.remove()
        db.engine.dispose()
    env = {**os.environ, "DATABASE_URL": database_uri, "SECRET_KEY": "bench"}
    env["BIND"] = f"127.0.0.1:{PORT}"
    redis = redis_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/13"))
    if redis:
        env["REDIS_URL"] = redis
    # Each page on a server of its own, warmed for 2 s then measured for 10: run one after
    # the other on one server, the workers would reach max_requests (gunicorn.conf.py)
    # during the last page's run and restart there, which is paid once per 10,000 requests
    # in production, not once per 10 seconds.
    runs, workers, biggest = {}, [], 0.0
    for name, path in PAGES.items():
        with _serving(env) as (base, server):
            wrk(base + path, seconds=2)  # every worker warm
            runs[name] = wrk(base + path)
            workers = _workers(server.pid)
            biggest = max([biggest, *(_rss_mb(pid) for pid in workers)])
    ceiling = runs["hello (the ceiling)"].requests_per_second
    setting = f"{len(workers)} workers, {'Redis' if redis else 'no Redis'}"
    rows = []
    for name, run in runs.items():
        rows.append((f"load: {name}, req/s ({setting})", run.requests_per_second, "", True))
        rows.append((f"load: {name}, answers other than 2xx", run.errors, "0", not run.errors))
        if name == "hello (the ceiling)":
            continue
        share = run.requests_per_second / ceiling
        rows.append((f"load: {name}, share of the ceiling", share, ">= 0.5", share >= 0.5))
        p99 = run.p99_ms
        rows.append((f"load: {name}, p99 ms, {CONNECTIONS} connections", p99, "< 100", p99 < 100))
    rows.append(("load: largest worker RSS after the run, MB", biggest, "< 200", biggest < 200))
    return rows


if __name__ == "__main__":
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    for name, value, target, met in load_benchmarks(url):
        print(f"{name:70} {value:10.2f} {target:>8}  {'yes' if met else 'NO'}")
