"""A bounded load generator: N concurrent keep-alive clients on loopback, or N threads calling
pyoxigraph directly (the floor, no HTTP). Both report the same numbers.

Two HTTP clients: `run_wrk` drives wrk (C, epoll; Debian package `wrk`) with N connections, so
the client takes little of the 2 cores and the server's own cost is what is measured;
`run_http` is the pure-Python fallback (threads with `http.client`), whose CPU shares the cores
with the server. They pace requests differently: with Python clients each connection waits for
its thread to be scheduled, which hides how a server behaves under back-to-back requests.

Why threads with `http.client`: the servers run in other processes, so the client threads only
send requests and read bytes; their CPU is measured (`client_cpu_s`) so a reader can see how
much of the 2 shared cores the client itself took. Every run is bounded by a request count and
a wall-clock cap, and only loopback URLs are accepted.
"""

from __future__ import annotations

import http.client
import itertools
import json
import re
import resource
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

ACCEPT = "application/sparql-results+json"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class RunStats:
    """What one bounded run measured."""

    target: str
    shape: str
    ok: int = 0
    errors: int = 0
    wall_s: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    client_cpu_s: float = 0.0
    server_cpu_s: float | None = None
    rows: dict[str, int] = field(default_factory=dict)  # rows answered per distinct query (first answer)
    first_error: str | None = None
    #: percentiles reported by wrk (it keeps no per-request list); over several rounds, the
    #: request-weighted mean of each round's value
    wrk_percentiles: dict[int, float] = field(default_factory=dict)
    load: str = ""  # what generated the load: wrk, python (threads with http.client) or direct

    def merge(self, other: RunStats) -> None:
        if other.wrk_percentiles:
            w0, w1 = self.ok, other.ok
            self.wrk_percentiles = {q: (self.wrk_percentiles.get(q, 0.0) * w0 + v * w1) / max(1, w0 + w1)
                                    for q, v in other.wrk_percentiles.items()}
        self.ok += other.ok
        self.errors += other.errors
        self.wall_s += other.wall_s
        self.latencies_ms += other.latencies_ms
        self.client_cpu_s += other.client_cpu_s
        if other.server_cpu_s is not None:
            self.server_cpu_s = (self.server_cpu_s or 0.0) + other.server_cpu_s
        for k, v in other.rows.items():
            self.rows.setdefault(k, v)
        self.first_error = self.first_error or other.first_error

    @property
    def rps(self) -> float:
        return self.ok / self.wall_s if self.wall_s else 0.0

    def pct(self, q: float) -> float:
        if not self.latencies_ms and int(q) in self.wrk_percentiles:
            return self.wrk_percentiles[int(q)]
        if not self.latencies_ms:
            return float("nan")
        if len(self.latencies_ms) == 1:
            return self.latencies_ms[0]
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[int(q) - 1]

    def row(self) -> dict:
        return {"target": self.target, "shape": self.shape, "load": self.load, "ok": self.ok, "errors": self.errors,
                "wall_s": round(self.wall_s, 3), "rps": round(self.rps, 1), "p50_ms": round(self.pct(50), 2),
                "p99_ms": round(self.pct(99), 2), "client_cpu_s": round(self.client_cpu_s, 2),
                "server_cpu_s": None if self.server_cpu_s is None else round(self.server_cpu_s, 2),
                "rows": self.rows, "first_error": self.first_error}


def _count_rows(body: bytes) -> int:
    doc = json.loads(body)
    return len(doc["results"]["bindings"]) if "results" in doc else 1


def _drive(run: RunStats, queries: list[str], clients: int, max_requests: int, time_cap: float, call) -> None:
    """Run `call(client_state, i, query) -> (ok, body|error)` from `clients` threads."""
    counter = itertools.count()
    lock = threading.Lock()
    deadline = time.monotonic() + time_cap
    seen: dict[str, int] = {}

    def client(cid: int) -> None:
        state: dict = {}
        local: list[float] = []
        ok = err = 0
        first_error = None
        try:
            while time.monotonic() < deadline:
                i = next(counter)
                if i >= max_requests:
                    break
                q = queries[i % len(queries)]
                t0 = time.perf_counter()
                good, payload = call(state, q)
                local.append((time.perf_counter() - t0) * 1000)
                if good:
                    ok += 1
                    key = f"q{i % len(queries)}"
                    if key not in seen and len(seen) < 3:
                        rows = _count_rows(payload)
                        with lock:
                            if len(seen) < 3:
                                seen.setdefault(key, rows)
                else:
                    err += 1
                    first_error = first_error or str(payload)[:300]
        finally:
            conn = state.get("conn")
            if conn is not None:
                conn.close()
            with lock:
                run.ok += ok
                run.errors += err
                run.latencies_ms += local
                run.first_error = run.first_error or first_error

    threads = [threading.Thread(target=client, args=(c,), name=f"client-{c}") for c in range(clients)]
    cpu0, t0 = time.process_time(), time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join(time_cap + 120)
    run.wall_s = time.perf_counter() - t0
    run.client_cpu_s = time.process_time() - cpu0
    run.rows = dict(sorted(seen.items()))


def run_http(target: str, url: str, shape: str, queries: list[str], *, clients: int = 8, max_requests: int = 400,
             time_cap: float = 30.0, timeout: float = 120.0) -> RunStats:
    """GET `url?query=…` with Accept SPARQL JSON from `clients` keep-alive connections."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"benchmarks only send traffic to loopback, not {parts.hostname}")
    paths = {q: f"{parts.path}?{urllib.parse.urlencode({'query': q})}" for q in queries}
    headers = {"Accept": ACCEPT}

    def call(state: dict, q: str):
        for attempt in range(2):  # one reconnect if the server closed an idle keep-alive connection
            conn = state.get("conn")
            if conn is None:
                conn = state["conn"] = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
            try:
                conn.request("GET", paths[q], headers=headers)
                resp = conn.getresponse()
                body = resp.read()
            except (http.client.HTTPException, OSError) as exc:
                conn.close()
                state["conn"] = None
                if attempt:
                    return False, f"{type(exc).__name__}: {exc}"
                continue
            if resp.status == 200:
                return True, body
            return False, f"HTTP {resp.status}: {body[:200]!r}"
        return False, "unreachable"

    run = RunStats(target, shape)
    _drive(run, queries, clients, max_requests, time_cap, call)
    return run


#: wrk asks for the paths in turn, round-robin over the file named by its first argument.
WRK_SCRIPT = """
local paths, n = {}, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
request = function()
  n = n + 1
  return wrk.format("GET", paths[(n % #paths) + 1], {["Accept"] = "%s"})
end
"""


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(target: str, url: str, shape: str, queries: list[str], *, clients: int = 8, seconds: float = 10.0,
            timeout: float = 120.0) -> RunStats:
    """`wrk` with `clients` keep-alive connections on 2 threads for `seconds`: requests per second,
    p50/p99 (wrk's `--latency` distribution) and non-2xx answers as errors."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in LOOPBACK:
        raise ValueError(f"benchmarks only send traffic to loopback, not {parts.hostname}")
    with tempfile.TemporaryDirectory(prefix="brikg-wrk-") as tmp:
        script, paths = Path(tmp, "paths.lua"), Path(tmp, "paths.txt")
        script.write_text(WRK_SCRIPT.replace("%s", ACCEPT))
        paths.write_text("".join(f"{parts.path}?{urllib.parse.urlencode({'query': q})}\n" for q in queries))
        base = f"{parts.scheme}://{parts.netloc}"
        cmd = ["wrk", "-t", str(min(2, clients)), "-c", str(clients), "-d", f"{max(1, round(seconds))}s",
               "--timeout", f"{round(timeout)}s", "--latency", "-s", str(script), base, "--", str(paths)]
        cpu0 = _children_cpu()
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + timeout + 30)
        client_cpu = _children_cpu() - cpu0
    out = done.stdout
    run = RunStats(target, shape)
    if done.returncode:
        run.errors, run.first_error = 1, (done.stderr or out)[-300:]
        return run
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if total is None:
        run.errors, run.first_error = 1, out[-300:]
        return run
    count, wall, unit = int(total.group(1)), float(total.group(2)), total.group(3)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(x) for x in socket_errors.groups())
    run.ok, run.errors = count - (int(bad.group(1)) if bad else 0), errors
    run.wall_s = wall / 1000 if unit == "ms" else wall
    run.client_cpu_s = client_cpu
    run.wrk_percentiles = {q: _ms(re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s)", out, re.M)) for q in (50, 99)}
    if errors and run.first_error is None:
        run.first_error = f"wrk: {errors} errors"
    return run


def _ms(match: re.Match | None) -> float:
    if match is None:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_direct(target: str, store_path: str, shape: str, queries: list[str], *, clients: int = 8,
               max_requests: int = 400, time_cap: float = 30.0, store: ox.Store | None = None,
               union: bool = True) -> RunStats:
    """The floor: `clients` threads calling `Store.query` on the same on-disk store and
    serializing to SPARQL JSON with pyoxigraph's own serializer (no HTTP, no checks).
    `union=False` queries the store's own default graph (for the query view, kg/view.py)."""
    st = store if store is not None else ox.Store.read_only(store_path)

    def call(state: dict, q: str):
        try:
            res = st.query(q, use_default_graph_as_union=union)
            return True, res.serialize(format=ox.QueryResultsFormat.JSON)
        except (SyntaxError, OSError, ValueError) as exc:
            return False, f"{type(exc).__name__}: {exc}"

    run = RunStats(target, shape)
    _drive(run, queries, clients, max_requests, time_cap, call)
    return run
