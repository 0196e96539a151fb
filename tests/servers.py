"""Real gunicorn servers on loopback for the tests, with the repository's gunicorn.conf.py."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    output: bytes = field(default=b"")


@contextmanager
def gunicorn(database_uri: str, **env: str) -> Iterator[Server]:
    """gunicorn 'charter:create_app()' on a free port, once /healthz answers; stopped with
    SIGTERM (its output and exit code are on the Server afterwards)."""
    port = free_port()
    environment = {
        **os.environ,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": "1",
        "DATABASE_URL": database_uri,
        "SECRET_KEY": "test-secret-key",
        **env,
    }
    if "REDIS_URL" not in env:
        environment.pop("REDIS_URL", None)
    process = subprocess.Popen(  # gunicorn.conf.py is found in the working directory
        [sys.executable, "-m", "gunicorn", "charter:create_app()"],
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", process)
    try:
        deadline = time.monotonic() + 30
        status = None
        while status != 200 and time.monotonic() < deadline and process.poll() is None:
            try:
                with urllib.request.urlopen(f"{server.url}/healthz", timeout=5) as response:
                    status = response.status
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.1)
        assert status == 200, f"gunicorn did not start: {process.poll()}"
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            server.output, _ = process.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            server.output, _ = process.communicate()
            raise
