#!/usr/bin/env bash
# Benchmarks on a release build. Results go into docs/benchmarks.md by hand, with the date.
#   scripts/bench.sh sections   section parsing of the Hvidovre agenda vs a bare libxml2 parse (5 runs)
#   scripts/bench.sh analyze    the analysis stage vs the backend's own throughput (scripted server, 3 runs)
#   scripts/bench.sh votes      answers per second and p99 through the real server, exact counts (3 runs)
#   scripts/bench.sh eval       prompt quality on the labelled set: fallback, then the embedded model (if installed)
#   scripts/bench.sh site       page latency p50/p99 under load with wrk: every page type vs a static file
#   scripts/bench.sh workers    pipeline throughput with 1, 2, 4 worker processes on a throw-away PostgreSQL; the cost of
#                               claiming + completing a job (PostgreSQL and SQLite)
#   scripts/bench.sh search [N] search latency on a synthetic N-item corpus (default 1,000,000): Klartekst on SQLite
#                               vs Datasette (PyPI) on the same file, then Klartekst on PostgreSQL; build time and size
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --bench
source scripts/lib-postgres.sh
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
  site)
    # The bundled sample, analysed without a model, served by the release build on loopback.
    # wrk runs on the same 2-core machine (1 thread, 8 connections, 10 s per page, 3 rounds).
    tmp=$(mktemp -d /tmp/klartekst-site-bench.XXXXXX)
    db="sqlite:$tmp/db.sqlite"
    export KLARTEKST_SECURITY_SECRETS=bench-secret-0123456789abcdef KLARTEKST_SYNC_SCHEDULE=off KLARTEKST_LOG_LEVEL=warning
    .build/release/klartekst import sample --database "$db" >/dev/null
    .build/release/klartekst analyze --database "$db" >/dev/null
    port=$((20000 + RANDOM % 20000))
    .build/release/klartekst serve --no-workers --database "$db" --port "$port" >"$tmp/serve.log" 2>&1 &
    server=$!
    trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
    base="http://127.0.0.1:$port"
    kalundborg=$(curl -fs "$base/api/v1/municipalities/kalundborg" | python3 -c 'import json,sys; print(json.load(sys.stdin)["meetings"][0]["slug"])')
    item="/kommune/kalundborg/moede/$kalundborg/punkt/4"
    audio=$(curl -fs "$base$item" | grep -o '/lyd/[0-9]*' | head -n 1)
    curl -fs "$base$audio" >/dev/null  # made once, then served from the store
    printf '%-44s %10s %8s %8s %8s %8s\n' page req/s p50_ms p90_ms p99_ms bytes
    for round in $(seq "${ROUNDS:-3}"); do
      for path in /healthz / "/kommuner?q=frederiks" /kommune/hvidovre /kommune/hvidovre/moede/oekonomiudvalget-2026-05-18 \
                  /kommune/hvidovre/moede/oekonomiudvalget-2026-05-18/punkt/10 "$item" /emne/hjemloeshed /kommune/kalundborg/borgersvar \
                  /api/v1/municipalities/hvidovre/meetings/oekonomiudvalget-2026-05-18/items/10 /static/klartekst.css "$audio"; do
        bytes=$(curl -fs "$base$path" | wc -c)
        wrk -t1 -c8 -d10s --latency "$base$path" | awk -v p="$path" -v b="$bytes" '
          function ms(x) { if (x ~ /us$/) return x / 1000; if (x ~ /ms$/) return x + 0; if (x ~ /s$/) return x * 1000; return x }
          /^ +50%/ {p50 = ms($2)} /^ +90%/ {p90 = ms($2)} /^ +99%/ {p99 = ms($2)} /^Requests\/sec/ {rps = $2}
          END { printf "%-44s %10.0f %8.2f %8.2f %8.2f %8d\n", substr(p, 1, 44), rps, p50, p90, p99, b }'
      done
      echo
    done
    ;;
  workers)
    start_throwaway_postgres
    trap stop_throwaway_postgres EXIT
    .build/release/klartekst-bench workers "$KLARTEKST_PG_URL" "$PWD/.build/release/klartekst" "${MEETINGS:-8}" 1,2,4 1
    .build/release/klartekst-bench workers "$KLARTEKST_PG_URL" "$PWD/.build/release/klartekst" "${MEETINGS:-8}" 1,2,4 2 | grep 'worker process'
    ;;
  search)
    n=${2:-1000000}
    dir=${KLARTEKST_BENCH_DIR:-${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/bench-search}
    mkdir -p "$dir"
    venv=${KLARTEKST_MODEL_HOME:-$HOME/.cache/klartekst}/venv-bench
    # Debian's Python: its sqlite3 module can load extensions (a pyenv or python.org build may not).
    if ! "$venv/bin/python" -c 'import datasette, sqlite3; sqlite3.connect(":memory:").enable_load_extension(True)' 2>/dev/null; then
      rm -rf "$venv"
      /usr/bin/python3 -m venv "$venv"
      "$venv/bin/pip" install -q 'datasette==0.65.5'
    fi
    # Klartekst's tokenizer as a SQLite extension, so Datasette reads the very same FTS5 index.
    gcc -O2 -shared -fPIC -DKLARTEKST_LOADABLE Sources/CKlartekstFTS/klartekst_fts.c -o "$dir/klartekst_fts.so" -lstemmer
    export KLARTEKST_SECURITY_SECRETS=bench-secret-0123456789abcdef KLARTEKST_SYNC_SCHEDULE=off KLARTEKST_LOG_LEVEL=warning KLARTEKST_SEARCH_INDEX_SECONDS=0
    db="$dir/corpus.db"
    if [[ ! -f "$dir/sqlite-$n.done" ]]; then
      rm -f "$dir"/corpus.db* "$dir"/sqlite-*.done
      echo "== building $n items on SQLite"
      /usr/bin/time -f "build: %e s wall, %M KB max RSS" .build/release/klartekst-bench search-corpus "$n" "sqlite:$db"
      touch "$dir/sqlite-$n.done"
    fi
    echo "SQLite file: $(du -h "$db" | cut -f1)"
    kport=$((20000 + RANDOM % 10000)); dport=$((30000 + RANDOM % 10000))
    .build/release/klartekst serve --no-workers --database "sqlite:$db" --port "$kport" >"$dir/serve.log" 2>&1 &
    kpid=$!
    "$venv/bin/datasette" serve "$db" --port "$dport" --load-extension "$dir/klartekst_fts.so" --setting sql_time_limit_ms 60000 \
      --setting default_cache_ttl 0 >"$dir/datasette.log" 2>&1 &
    dpid=$!
    trap 'kill $kpid $dpid 2>/dev/null || true; stop_throwaway_postgres' EXIT
    for _ in $(seq 600); do curl -fs "http://127.0.0.1:$kport/healthz" >/dev/null && curl -fs "http://127.0.0.1:$dport/-/versions.json" >/dev/null && break; sleep 0.5; done
    python3 scripts/bench_search.py "127.0.0.1:$kport" "127.0.0.1:$dport" "SQLite, $n items" "${ROUNDS:-5}"
    kill $kpid $dpid 2>/dev/null || true; wait $kpid $dpid 2>/dev/null || true

    if [[ -z "${SKIP_POSTGRES:-}" ]]; then
      # KLARTEKST_BENCH_POSTGRES_URL: an existing database to keep the corpus in between runs;
      # otherwise a throw-away server, built afresh.
      if [[ -n "${KLARTEKST_BENCH_POSTGRES_URL:-}" ]]; then
        KLARTEKST_PG_URL=$KLARTEKST_BENCH_POSTGRES_URL
      else
        KLARTEKST_PG_OPTIONS="-c shared_buffers=2GB -c work_mem=64MB -c maintenance_work_mem=1GB -c synchronous_commit=off" start_throwaway_postgres
      fi
      have=$(psql "$KLARTEKST_PG_URL" -Atc "SELECT count(*) FROM search_doc" 2>/dev/null || echo 0)
      if (( have < n )); then
        echo "== building $n items on PostgreSQL ($have there)"
        /usr/bin/time -f "build: %e s wall, %M KB max RSS" .build/release/klartekst-bench search-corpus "$n" "$KLARTEKST_PG_URL"
        psql "$KLARTEKST_PG_URL" -Atc "VACUUM ANALYZE search_doc" >/dev/null
      fi
      echo "PostgreSQL search_doc with indexes: $(psql "$KLARTEKST_PG_URL" -Atc "SELECT pg_size_pretty(pg_total_relation_size('search_doc'))")"
      .build/release/klartekst serve --no-workers --database "$KLARTEKST_PG_URL" --port "$kport" >"$dir/serve-pg.log" 2>&1 &
      kpid=$!
      for _ in $(seq 300); do curl -fs "http://127.0.0.1:$kport/healthz" >/dev/null && break; sleep 0.2; done
      python3 scripts/bench_search.py "127.0.0.1:$kport" - "PostgreSQL, $n items" "${ROUNDS:-5}"
      kill $kpid
    fi
    ;;
  *) echo "unknown benchmark: $what" >&2; exit 2 ;;
esac
