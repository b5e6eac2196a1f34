#!/usr/bin/env bash
# Sets up and runs every test: installs dependencies, starts a throw-away PostgreSQL on
# loopback for the store's contract tests, runs `swift test`, then the browser tests (headless
# Chromium), and stops PostgreSQL again. The embedded-model test runs when scripts/setup-model.sh
# has installed the model (it is skipped with a note otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests

pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -x "$pgbin/initdb" ]] || { echo "test: PostgreSQL server binaries not found" >&2; exit 1; }
pgdir=$(mktemp -d /tmp/klartekst-pg.XXXXXX)
port=${KLARTEKST_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
  chown postgres "$pgdir"
  as_pg=(runuser -u postgres --)
fi
cleanup() {
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap cleanup EXIT
"${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
"${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c max_connections=200" start >/dev/null
export KLARTEKST_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
echo "test: PostgreSQL on 127.0.0.1:$port"

swift build --build-tests
swift build --product klartekst
swift test --skip-build "$@"

# The browser tests: the debug binary on loopback, headless Chromium through Selenium.
echo "test: browser tests (headless Chromium)"
"${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/venv-browser/bin/python" -m pytest -q -p no:cacheprovider Tests/browser
