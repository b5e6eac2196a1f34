#!/usr/bin/env bash
# Benchmarks on a release build. Results go into docs/benchmarks.md by hand, with the date.
#   scripts/bench.sh sections   section parsing of the Hvidovre agenda vs a bare libxml2 parse (5 runs)
#   scripts/bench.sh analyze    the analysis stage vs the backend's own throughput (scripted server, 3 runs)
#   scripts/bench.sh votes      answers per second and p99 through the real server, exact counts (3 runs)
#   scripts/bench.sh eval       prompt quality on the labelled set: fallback, then the embedded model (if installed)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product klartekst >/dev/null
swift build -c release --product klartekst-bench >/dev/null
what=${1:-sections}
case "$what" in
  sections)
    for i in 1 2 3 4 5; do
      taskset -c 0 .build/release/klartekst bench sections --seconds 5
    done
    ;;
  analyze)
    for i in 1 2 3; do .build/release/klartekst-bench analyze 10 4 100; done
    ;;
  votes)
    for i in 1 2 3; do .build/release/klartekst-bench votes 20000 500 32; done
    ;;
  eval)
    .build/release/klartekst eval --prompt summary@v1 --relevance relevance@v1 --vs summary@v2 --vs-relevance relevance@v2
    if [[ -x "${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/venv-llm/bin/python" ]]; then
      .build/release/klartekst eval --backend embedded --prompt summary@v1 --relevance relevance@v1 --vs summary@v2 --vs-relevance relevance@v2 --limit 6
    fi
    ;;
  *) echo "unknown benchmark: $what" >&2; exit 2 ;;
esac
