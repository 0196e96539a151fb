"""Test-only pauses, for tests that kill a real server at a chosen point and check what the
database kept (tests/test_merge_crash.py).

Each pause is named by an environment variable holding a file path. Nothing sets these
variables but such a test, in the environment of the gunicorn it starts: in production they
are unset and a pause returns at once.
"""

from __future__ import annotations

import os
import time

# Inside a merge's transaction, everything flushed, nothing committed yet.
PAUSE_MERGE = "TESTING_PAUSE_MERGE_FILE"


def pause(variable: str) -> None:
    """When the variable names a file that does not exist yet: create it holding this
    process's id, then wait to be killed. Once only: while the file exists, nothing waits."""
    path = os.environ.get(variable)
    if not path:
        return
    try:
        marker = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.write(marker, str(os.getpid()).encode())
    os.close(marker)
    time.sleep(60)  # gunicorn's worker timeout (30 s) ends it first if the test does not
    raise RuntimeError(f"paused at {variable} and never killed")
