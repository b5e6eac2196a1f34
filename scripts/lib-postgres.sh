# Sourced by test.sh and bench.sh: starts a throw-away PostgreSQL on loopback (data in a temp
# folder, removed again on exit) and exports its URL in KLARTEKST_PG_URL.
start_throwaway_postgres() {
  pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [[ -x "$pgbin/initdb" ]] || { echo "PostgreSQL server binaries not found (scripts/setup.sh --tests installs them)" >&2; return 1; }
  pgdir=$(mktemp -d /tmp/klartekst-pg.XXXXXX)
  local port=${KLARTEKST_TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
  as_pg=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres "$pgdir"
    as_pg=(runuser -u postgres --)
  fi
  "${as_pg[@]}" "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c max_connections=200 ${KLARTEKST_PG_OPTIONS:-}" start >/dev/null
  export KLARTEKST_PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

stop_throwaway_postgres() {
  [[ -n "${pgdir:-}" ]] || return 0
  "${as_pg[@]}" "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
