"""docs/api.md: its shell examples run as written against a server with the demo charter."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from charter.demo.loader import load_demo
from charter.extensions import db

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs" / "api.md"


def examples() -> str:
    return "\n".join(re.findall(r"```sh\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S))


@pytest.fixture
def demo_server(make_app, database_uri):
    if shutil.which("curl") is None:
        pytest.fail("curl is needed to run the documented examples")
    app = make_app(SERVER_NAME=None, WEBHOOK_ALLOW_PRIVATE=True)
    with app.app_context():
        load_demo()
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", database_uri
    finally:
        server.shutdown()
        thread.join(timeout=5)


def test_the_documented_examples_work_as_written(demo_server):
    base, database_uri = demo_server
    script = "set -euo pipefail\n" + examples().replace("http://127.0.0.1:5000", base)
    # The documented `.venv/bin/flask` is this interpreter's, on this test's database.
    script = script.replace(".venv/bin/flask", f"{sys.executable} -m flask")
    environment = {**os.environ, "DATABASE_URL": database_uri, "SECRET_KEY": "test-secret-key"}
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    out = done.stdout
    assert '"slug":"lampedusa"' in out
    assert re.search(r"304$", out, re.M)  # the ETag example (printed after a JSON body)
    assert '"code":"unauthorized"' in out  # amendments without a token
    assert '"state":"accepted"' in out and '"published":true' in out
    assert out.count('"code":"conflict"') == 1  # the second merge from the old head
    assert '"url":"http://127.0.0.1:8000/charter-hook"' in out
