#!/usr/bin/env bash
# The main job: set up, build, import the bundled real sample and serve it on
# http://127.0.0.1:8080 (Ctrl-C stops). Data is kept in data/klartekst.sqlite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product klartekst
exec .build/release/klartekst demo --database "${KLARTEKST_DATABASE_URL:-sqlite:data/klartekst.sqlite}" --sample sample "$@"
