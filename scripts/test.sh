#!/usr/bin/env bash
# The whole suite on SQLite, then on PostgreSQL. Called by `make test`.
# Under CI=true a missing PostgreSQL or Chromium is a failure; elsewhere a skip that says why.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
PG_URL="${TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1/test}"
CI="${CI:-false}"

if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = "0" ]; then
    echo "Installing Chromium for the browser tests (apt-get)…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
      || { echo "Could not install chromium with apt-get."; [ "$CI" = "true" ] && exit 1; }
  else
    echo "Chromium is missing: install it with 'apt-get install chromium' (as root)."
    [ "$CI" = "true" ] && exit 1
  fi
fi

echo "== bandit: no high-severity finding in charter/"
if ! "$BIN/bandit" -q -r charter --severity-level high; then
  echo "bandit found a high-severity issue (above)."
  exit 1
fi

# Tests that never touch the database, or check what does not depend on it (the pure text
# functions, the accessibility of the rendered pages), run once, in the SQLite run.
ENGINE_FREE=(--ignore=tests/text --ignore=tests/browser/test_accessibility.py)

run_pytest() {  # label, then pytest arguments
  local label=$1; shift
  echo "== $label"
  "$BIN/python" -m pytest "$@"
  local status=$?
  if [ $status -eq 5 ]; then
    echo "$label: pytest collected no tests — that is a failure."
    return 1
  fi
  return $status
}

if "$BIN/python" - "$PG_URL" <<'PY' 2>/tmp/charter-pg-check.txt
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
then
  POSTGRES=yes
else
  echo "PostgreSQL at $PG_URL is not reachable: $(tail -n 1 /tmp/charter-pg-check.txt)"
  if [ "$CI" = "true" ]; then
    echo "CI=true: the PostgreSQL run is required."
    exit 1
  fi
  echo "Skipping the PostgreSQL run (set TEST_DATABASE_URL, or start PostgreSQL)."
  POSTGRES=no
fi

# The two engines' runs share nothing (each has its own database files or PostgreSQL
# database), so on a machine with two cores or more they run side by side, each into its own
# log, printed when it ends. PARALLEL=0 runs them one after the other, live.
if [ "$POSTGRES" = "yes" ] && [ "${PARALLEL:-1}" != "0" ] && [ "$(nproc)" -ge 2 ]; then
  LOGS=$(mktemp -d)
  echo "Running the suite on SQLite and on PostgreSQL side by side (PARALLEL=0 for one at a time)…"
  run_pytest "SQLite" "$@" >"$LOGS/sqlite.log" 2>&1 &
  SQLITE_PID=$!
  TEST_DATABASE_URL="$PG_URL" run_pytest "PostgreSQL ($PG_URL)" -p no:cacheprovider \
    "${ENGINE_FREE[@]}" "$@" \
    >"$LOGS/postgresql.log" 2>&1 &
  POSTGRES_PID=$!
  wait $SQLITE_PID; SQLITE_STATUS=$?
  cat "$LOGS/sqlite.log"
  wait $POSTGRES_PID; POSTGRES_STATUS=$?
  cat "$LOGS/postgresql.log"
  rm -rf "$LOGS"
  [ $SQLITE_STATUS -eq 0 ] && [ $POSTGRES_STATUS -eq 0 ]
  exit $?
fi

run_pytest "SQLite" "$@" || exit 1
if [ "$POSTGRES" = "yes" ]; then
  TEST_DATABASE_URL="$PG_URL" run_pytest "PostgreSQL ($PG_URL)" "${ENGINE_FREE[@]}" "$@" || exit 1
fi
