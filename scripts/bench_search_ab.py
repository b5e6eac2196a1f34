"""Search latency of several `klartekst` binaries, interleaved: A/B comparisons on a drifting machine.

usage: python3 scripts/bench_search_ab.py ROUNDS BINARY [BINARY ...]
       (DB=sqlite:PATH or DB=postgres://… ; default: the PostgreSQL corpus of docs/benchmarks.md)

Starts `BINARY serve --no-workers` for each binary on ports 18091, 18092, … against the same
database, then sends every query of scripts/bench_search.py to each server in turn (the order
reversed every round), one request at a time. Machine drift — on this shared VM the same binary's
p50 moves by ±1 ms between minutes — then falls on all binaries alike, which separate runs of
bench_search.py cannot promise. One unmeasured round first. Prints p50/p90/p99/mean per binary
(PERQ=1: the median per query, too).
"""
import http.client
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
_argv, sys.argv = sys.argv, sys.argv[:1]
from bench_search import QUERIES  # noqa: E402

sys.argv = _argv


def wait_for(port, server, binary):
    """Until the server answers on `port` (20 s at most); a clear error if it stopped or never answers."""
    deadline = time.time() + 20
    while time.time() < deadline:
        if server.poll() is not None:
            sys.exit(f"{binary} stopped (exit {server.returncode}) before serving on port {port}: is the database reachable, the port free?")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"{binary} does not answer on port {port} after 20 s")


def main():
    if len(sys.argv) < 3 or not sys.argv[1].isdigit():
        sys.exit("usage: bench_search_ab.py ROUNDS BINARY [BINARY ...]")
    rounds, binaries = int(sys.argv[1]), sys.argv[2:]
    env = dict(os.environ, KLARTEKST_SECURITY_SECRETS="bench-secret-0123456789abcdef", KLARTEKST_SYNC_SCHEDULE="off",
               KLARTEKST_LOG_LEVEL="warning", KLARTEKST_SEARCH_INDEX_SECONDS="0")
    db = os.environ.get("DB", "postgres://postgres@127.0.0.1:25432/bench2")
    servers = [subprocess.Popen([b, "serve", "--no-workers", "--database", db, "--port", str(18091 + i)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i, b in enumerate(binaries)]
    try:
        for i, b in enumerate(binaries):
            wait_for(18091 + i, servers[i], b)
        conns = [http.client.HTTPConnection("127.0.0.1", 18091 + i, timeout=60) for i in range(len(binaries))]
        times = [{q: [] for q in QUERIES} for _ in binaries]
        for r in range(rounds + 1):
            order = list(range(len(binaries)))
            if r % 2:
                order.reverse()
            for q in QUERIES:
                path = "/api/v1/search?" + urllib.parse.urlencode({"q": q}, quote_via=urllib.parse.quote)
                for i in order:
                    start = time.perf_counter()
                    conns[i].request("GET", path)
                    response = conns[i].getresponse()
                    response.read()
                    ms = (time.perf_counter() - start) * 1000
                    if response.status != 200:
                        sys.exit(f"{binaries[i]}: HTTP {response.status} for {q!r}")
                    if r > 0:
                        times[i][q].append(ms)
    finally:
        for s in servers:
            s.terminate()
    for i, b in enumerate(binaries):
        all_ms = [t for ts in times[i].values() for t in ts]
        qs = statistics.quantiles(all_ms, n=100)
        print(f"{os.path.basename(b):20} p50 {qs[49]:6.2f}  p90 {qs[89]:6.2f}  p99 {qs[98]:6.2f}  mean {statistics.mean(all_ms):6.2f} ms")
    if os.environ.get("PERQ"):
        for q in QUERIES:
            print(f"{q[:34]:34}", "  ".join(f"{statistics.median(times[i][q]):6.2f}" for i in range(len(binaries))))


if __name__ == "__main__":
    main()
