"""Search latency, Klartekst vs Datasette, on the same SQLite file (and Klartekst on PostgreSQL).

Called by scripts/bench.sh search. Sends every query in QUERIES one at a time (keep-alive, one
connection, so the figures are per-request latency, not throughput) to:
- Klartekst: GET /api/v1/search?q=… (count, relevance window, recency, snippets for 20 hits);
- Datasette: GET /corpus.json?sql=… with the same FTS5 match ordered by rank (20 rows with a
  snippet), on the same file, with Klartekst's tokenizer loaded as a SQLite extension.
Each server gets one unmeasured warm-up round first (WARMUP=0 to skip; its slowest request is
printed). Prints p50/p90/p99/max per server and the ratio.
"""
import http.client
import json
import os
import statistics
import sys
import time
import urllib.parse

QUERIES = [
    # rare to common single words, from the sample's vocabulary (Danish inflections on purpose)
    "hjemløse", "hjemløshed", "flagregulativ", "beredskabskoordinator", "udmøntningsplan", "fodbold", "grenhusene", "krogstenshave",
    "borgermøde", "regulativ", "strategi", "lokalplan", "byggetilladelse", "generalforsamling", "beredskab", "bevilling", "tilskud",
    "budget", "borgere", "kommunalbestyrelsen", "udvalget", "kommune",
    # two or three words, a phrase, a prefix
    "borgere beredskab", "budget bevilling", "lokalplan byggetilladelse stadion", "\"samlet permanent\"", "hjemløs*", "energi*",
]
ROUNDS = int(sys.argv[4]) if len(sys.argv) > 4 else 5
WARMUP = int(os.environ.get("WARMUP", "1"))

DATASETTE_SQL = (
    "select d.item_key, d.title, d.meeting_date, snippet(search_fts, 3, '[', ']', '…', 24) as snippet "
    "from search_fts cross join search_doc d on d.id = search_fts.rowid where search_fts match :q order by search_fts.rank limit 20"
)


def fts5(q):
    """The same FTS5 expression Klartekst builds (SearchQuery.fts5): quoted terms AND-ed."""
    terms = []
    rest = q
    while '"' in rest:
        before, _, after = rest.partition('"')
        phrase, _, rest = after.partition('"')
        terms += [f'"{w}"' for w in before.split()]
        terms.append(f'"{phrase}"')
    for w in rest.split():
        terms.append(f'"{w[:-1]}"*' if w.endswith("*") else f'"{w}"')
    return " AND ".join(terms)


def measure(host, port, path_for):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    times = {q: [] for q in QUERIES}
    errors = 0
    # One unmeasured round first (WARMUP=0 to skip): it reads the index from disk into memory
    # after a restart; its slowest request is printed, the steady state is what is measured.
    cold = []
    for _ in range(WARMUP):
        for q in QUERIES:
            start = time.perf_counter()
            conn.request("GET", path_for(q))
            conn.getresponse().read()
            cold.append((time.perf_counter() - start) * 1000)
    if cold:
        print(f"  {host}:{port} warm-up round (not counted): median {statistics.median(cold):.1f} ms, slowest {max(cold):.1f} ms", file=sys.stderr)
    for _ in range(ROUNDS):
        for q in QUERIES:
            start = time.perf_counter()
            conn.request("GET", path_for(q))
            r = conn.getresponse()
            body = r.read()
            elapsed = (time.perf_counter() - start) * 1000
            if r.status != 200:
                errors += 1
                print(f"  {r.status} for {q!r}: {body[:200]!r}", file=sys.stderr)
            times[q].append(elapsed)
    conn.close()
    return times, errors


def summary(name, times, errors):
    all_ms = sorted(t for ts in times.values() for t in ts)
    q = statistics.quantiles(all_ms, n=100)
    print(f"{name:28} n={len(all_ms):4}  p50 {q[49]:8.2f} ms  p90 {q[89]:8.2f} ms  p99 {q[98]:8.2f} ms  max {all_ms[-1]:8.2f} ms  errors {errors}")
    return q[49], q[98]


def per_query(times_a, times_b):
    print(f"{'query':36} {'klartekst p50':>14} {'datasette p50':>14}")
    for q in QUERIES:
        a = statistics.median(times_a[q])
        b = statistics.median(times_b[q]) if times_b else float("nan")
        print(f"{q[:36]:36} {a:12.2f} ms {b:12.2f} ms")


# Filtered searches (Klartekst only; Datasette has no equivalent here): the filters of the search
# page over the same corpus. Printed as a second table (FILTERED=0 to skip).
FILTERED = [
    ("budget", {"municipality": "faxe"}), ("budget", {"from": "2026-01-01"}), ("budget", {"from": "2025-01-01", "to": "2025-06-30"}),
    ("byggetilladelse", {"from": "2025-01-01", "to": "2025-06-30"}), ("stadion", {"from": "2020-01-01", "to": "2020-12-31"}),
    ("budget", {"to": "2019-12-31"}), ("budget", {"kind": "minutes"}), ("budget", {"decided": "true"}), ("hjemløse", {"topic": "hjemloeshed"}),
]


def filtered(host, port, rounds):
    conn = http.client.HTTPConnection(host, port, timeout=120)
    print(f"{'filtered query':64} {'p50':>9} {'max':>9}  total")
    for q, f in FILTERED:
        path = "/api/v1/search?" + urllib.parse.urlencode({"q": q, **f}, quote_via=urllib.parse.quote)
        times = []
        for n in range(rounds + 1):  # the first unmeasured
            start = time.perf_counter()
            conn.request("GET", path)
            r = conn.getresponse()
            body = json.loads(r.read())
            if n:
                times.append((time.perf_counter() - start) * 1000)
        total = f"{body['total']}{'+' if body.get('totalIsCapped') else ''}"
        print(f"{q + ' ' + json.dumps(f, ensure_ascii=False):64} {statistics.median(times):6.2f} ms {max(times):6.2f} ms  {total}")
    conn.close()


def main():
    klartekst, datasette, label = sys.argv[1], sys.argv[2], sys.argv[3]
    kh, kp = klartekst.split(":")
    # Spaces as %20, as a browser sends them in a link (a form sends "+", decoded the same since this run).
    k_times, k_err = measure(kh, int(kp), lambda q: "/api/v1/search?" + urllib.parse.urlencode({"q": q}, quote_via=urllib.parse.quote))
    d_times = None
    if datasette != "-":
        dh, dp = datasette.split(":")
        d_times, d_err = measure(dh, int(dp), lambda q: "/corpus.json?" + urllib.parse.urlencode({"sql": DATASETTE_SQL, "q": fts5(q), "_shape": "array"}))
    print(f"\n{label}: {len(QUERIES)} queries x {ROUNDS} rounds, one request at a time")
    k50, k99 = summary("Klartekst /api/v1/search", k_times, k_err)
    if d_times:
        d50, d99 = summary("Datasette FTS5 (same file)", d_times, d_err)
        print(f"ratio Datasette/Klartekst: p50 {d50 / k50:.1f}x, p99 {d99 / k99:.1f}x")
    per_query(k_times, d_times)
    if os.environ.get("FILTERED", "1") != "0":
        filtered(kh, int(kp), ROUNDS)


if __name__ == "__main__":
    main()
