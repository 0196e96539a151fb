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

run_pytest "SQLite" "$@" || exit 1

if "$BIN/python" - "$PG_URL" <<'PY' 2>/tmp/charter-pg-check.txt
import sys, psycopg
psycopg.connect(sys.argv[1], connect_timeout=3).close()
PY
then
  TEST_DATABASE_URL="$PG_URL" run_pytest "PostgreSQL ($PG_URL)" "$@" || exit 1
else
  echo "PostgreSQL at $PG_URL is not reachable: $(tail -n 1 /tmp/charter-pg-check.txt)"
  if [ "$CI" = "true" ]; then
    echo "CI=true: the PostgreSQL run is required."
    exit 1
  fi
  echo "Skipping the PostgreSQL run (set TEST_DATABASE_URL, or start PostgreSQL)."
fi
