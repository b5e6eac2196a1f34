#!/usr/bin/env bash
# Benchmarks on a release build. Results go into docs/benchmarks.md by hand, with the date.
#   scripts/bench.sh sections   section parsing of the Hvidovre agenda vs a bare libxml2 parse (5 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product klartekst >/dev/null
what=${1:-sections}
case "$what" in
  sections)
    for i in 1 2 3 4 5; do
      taskset -c 0 .build/release/klartekst bench sections --seconds 5
    done
    ;;
  *) echo "unknown benchmark: $what" >&2; exit 2 ;;
esac
