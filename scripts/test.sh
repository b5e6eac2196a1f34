#!/usr/bin/env bash
# Sets up and runs every test: installs dependencies, starts a throw-away PostgreSQL on
# loopback for the store's contract tests, runs `swift test`, then the browser tests (headless
# Chromium), and stops PostgreSQL again. The embedded-model test runs when scripts/setup-model.sh
# has installed the model (it is skipped with a note otherwise).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests

source scripts/lib-postgres.sh
trap stop_throwaway_postgres EXIT
start_throwaway_postgres
export KLARTEKST_TEST_POSTGRES_URL=$KLARTEKST_PG_URL
echo "test: PostgreSQL at $KLARTEKST_PG_URL"

swift build --build-tests
swift build --product klartekst
if [ $# -gt 0 ]; then
  swift test --skip-build "$@"
else
  # Two tests run on their own after the other suites: the scale-out test keeps both cores busy
  # with worker processes for minutes (other suites' timeouts would race its load), and the
  # 200-concurrent-answers test gives each HTTP request 20 s, which two cores shared by every
  # other suite (OCR, PostgreSQL, the search corpus) have exceeded.
  swift test --skip-build --skip ScaleOutTests --skip 'AnswerTests/concurrency'
  swift test --skip-build --filter 'AnswerTests/concurrency'
  swift test --skip-build --filter ScaleOutTests
fi

# The browser tests: the debug binary on loopback, headless Chromium through Selenium.
echo "test: browser tests (headless Chromium)"
"${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/venv-browser/bin/python" -m pytest -q -p no:cacheprovider Tests/browser
