"""Issue 7: brikg against its Python peer (rdflib-endpoint) and the floor (direct pyoxigraph calls).

The same data, in the same run, through three targets, at the real graph's size and at a
synthetic multiple of it:

- `brikg`: `brikg serve` as shipped (granian with the HTTP front, Flask, the default 2 isolated
  query workers, the default answer cache) in a subprocess;
- `brikg-nocache`: the same with `--cache-mb 0`, so every request reaches a query worker (the
  shapes repeat a few queries, which the cache answers after the first time; this target shows
  what a query nobody asked before costs);
- `brikg-waitress`: `brikg serve --http waitress`, the pure-Python HTTP server brikg used before
  (decision 0011), with the cache;
- `oxigraph-server` (when the `oxigraph` command is installed, `pip install -e '.[bench]'`):
  Oxigraph's own compiled server, read-only, on the generation's query view; a reference for
  what a Rust HTTP stack over the same engine and data costs;
- `rdflib-endpoint`: its own `serve` command on an N-Quads export of the same store;
- `direct`: 8 threads calling `pyoxigraph.Store.query` on the same on-disk store (its union
  default graph) and serializing to SPARQL JSON (no HTTP, no checks): the floor as the issue
  defines it;
- `direct-view`: the same calls on the generation's query view (kg/view.py: the union written
  once at publish, which is what brikg's workers query): the floor of brikg's own data layout,
  so brikg / direct-view is what HTTP, the checks and the isolation cost.

Each target gets the same bounded load (8 keep-alive loopback connections from wrk, or from
Python threads with `--load python`; a time cap per shape, and a request count for the Python
clients), split in rounds whose target order rotates so drift on the shared machine falls on
everyone. Row counts come from one answer per distinct query fetched before the load. Prints
Markdown tables; `--json` keeps every number.

    python bench/bench_endpoint.py --scales real,100 --requests 400 --time-cap 30 --json /tmp/endpoint.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.loadgen import RunStats, run_direct, run_http, run_wrk, wrk_available  # noqa: E402

SHAPES = ("lookup", "join", "aggregate", "text")
BRIKG = ("brikg", "brikg-nocache", "brikg-waitress")
PEERS = ("oxigraph-server", "rdflib-endpoint", "direct", "direct-view")


def prepare(scale: str, work: Path, corpus: Path, real_triples: int, validate: bool) -> tuple[Path, int]:
    store_dir = work / f"store-{scale}"
    if scale == "real":
        common.build_real(store_dir, corpus)
    else:
        common.build_synthetic(store_dir, float(scale), real_triples, validate)
    return store_dir, common.count_triples(str(common.current_generation(store_dir)))


def run_scale(scale: str, store_dir: Path, work: Path, args) -> dict:
    gen = str(common.current_generation(store_dir))
    shapes = common.shapes(gen)
    nq = common.export_nquads(store_dir, work / f"{scale}.nq")
    common.log(f"[{scale}] starting servers")
    import pyoxigraph as ox

    from kg.view import open_view

    direct_store = ox.Store.read_only(gen)
    view_store = open_view(Path(gen))
    oxigraph = common.oxigraph_command()
    targets = ["brikg", "brikg-nocache", "brikg-waitress", "rdflib-endpoint", "direct"] + (
        ["direct-view"] if view_store is not None else []) + (
        ["oxigraph-server"] if oxigraph and view_store is not None else [])
    stores = {"direct": direct_store, "direct-view": view_store}
    results: dict[tuple[str, str], RunStats] = {}
    servers: dict[str, common.Server] = {}
    try:
        procs = ("--processes", str(args.processes))
        servers["brikg"] = common.start_brikg(store_dir, work, workers=args.workers, threads=args.threads,
                                              extra=procs)
        servers["brikg-nocache"] = common.start_brikg(store_dir, work, workers=args.workers, threads=args.threads,
                                                      name="brikg-nocache", extra=("--cache-mb", "0", *procs))
        servers["brikg-waitress"] = common.start_brikg(store_dir, work, workers=args.workers, threads=args.threads,
                                                       name="brikg-waitress", extra=("--http", "waitress", *procs))
        if "oxigraph-server" in targets:
            servers["oxigraph-server"] = common.start_oxigraph(oxigraph, view_store_path(gen), work)
        servers["rdflib-endpoint"] = common.start_rdflib_endpoint(nq, work, ready_timeout=args.ready_timeout)
        common.log(f"[{scale}] ready: " + ", ".join(f"{n} {s.ready_s:.1f} s" for n, s in servers.items()))
        for shape in args.shapes:
            queries = shapes[shape]
            load = {}
            for t in targets:  # warm-up, and the row counts: every distinct query once per target
                slowest = 0.0
                for q in queries[: min(len(queries), 3)]:
                    warm = _one(t, servers, gen, shape, [q], 1, 1, 60, stores, "python")
                    key = f"q{queries.index(q)}"
                    results.setdefault((t, shape), RunStats(t, shape)).rows.setdefault(key, warm.rows.get("q0", -1))
                    slowest = max(slowest, *warm.latencies_ms, 0.0)
                # wrk counts only requests that end within its run: a target whose requests, with
                # `clients` of them sharing the 2 cores, would take over a quarter of a round gets the
                # Python clients, which wait for the requests they started
                contended_ms = slowest * max(1, args.clients / 2)
                load[t] = args.load if contended_ms < 250 * args.time_cap / args.rounds else "python"
                results[(t, shape)].load = "direct" if t in stores else load[t]
            per_round = max(1, args.requests // args.rounds)
            for r in range(args.rounds):
                order = targets[r % len(targets):] + targets[: r % len(targets)]
                for t in order:
                    cpu0 = servers[t].cpu_s() if t in servers else None
                    # with wrk (time-bounded), the direct floor runs for the same time too
                    n = per_round if load[t] == "python" and args.load == "python" else 10**9
                    st = _one(t, servers, gen, shape, queries, args.clients, n, args.time_cap / args.rounds,
                              stores, load[t])
                    if cpu0 is not None:
                        st.server_cpu_s = servers[t].cpu_s() - cpu0
                    results.setdefault((t, shape), RunStats(t, shape)).merge(st)
                    common.log(f"[{scale}] {shape:9} round {r + 1} {t:16} {st.ok:5} ok {st.errors} err "
                               f"{st.rps:8.1f} req/s p50 {st.pct(50):8.2f} ms p99 {st.pct(99):8.2f} ms")
        rss = {name: round(s.rss_mb(), 1) for name, s in servers.items()}
        ready = {name: round(s.ready_s, 2) for name, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()
    return {"scale": scale, "rows": [st.row() for st in results.values()], "server_rss_mb": rss, "ready_s": ready}


def _one(t: str, servers, gen: str, shape: str, queries: list[str], clients: int, n: int, cap: float,
         stores: dict, load: str) -> RunStats:
    if t in stores:
        return run_direct(t, gen, shape, queries, clients=clients, max_requests=n, time_cap=cap, store=stores[t],
                          union=t == "direct")
    if load == "wrk":
        return run_wrk(t, servers[t].url, shape, queries, clients=clients, seconds=cap)
    return run_http(t, servers[t].url, shape, queries, clients=clients, max_requests=n, time_cap=cap)


def view_store_path(gen: str) -> Path:
    from kg.view import view_dir

    return view_dir(Path(gen))


def tables(report: dict) -> str:
    out = []
    for sc in report["scales"]:
        rows = {(r["target"], r["shape"]): r for r in sc["rows"]}
        out.append(f"\n#### {sc['label']} ({sc['triples']:,} triples)\n")
        out.append("| shape | target | load | requests | errors | req/s | p50 ms | p99 ms | server CPU s | rows |")
        out.append("|---|---|---|---|---|---|---|---|---|---|")
        for shape in report["shapes"]:
            for t in BRIKG + PEERS:
                r = rows.get((t, shape))
                if r:
                    rowsn = ",".join(str(v) for v in r["rows"].values())
                    cpu = "" if r["server_cpu_s"] is None else r["server_cpu_s"]
                    rps = r["ok"] / r["wall_s"] if r["wall_s"] else 0.0
                    out.append(f"| {shape} | {t} | {r.get('load', '')} | {r['ok']} | {r['errors']} | {rps:,.2f} | "
                               f"{r['p50_ms']} | {r['p99_ms']} | {cpu} | {rowsn} |")
        out.append("\n| shape | brikg | cost / direct cost (target ≤ 1.3) | cost / direct-view cost "
                   "| throughput / rdflib-endpoint's (target ≥ 10) | answers agree |")
        out.append("|---|---|---|---|---|---|")
        for shape in report["shapes"]:
            p, d, v = (rows.get((t, shape)) for t in ("rdflib-endpoint", "direct", "direct-view"))
            for variant in (*BRIKG, "oxigraph-server"):
                b = rows.get((variant, shape))
                if not (b and p and d):
                    continue
                rb, rp, rd = (x["ok"] / x["wall_s"] if x["wall_s"] else 0.0 for x in (b, p, d))
                rv = v["ok"] / v["wall_s"] if v and v["wall_s"] else 0.0
                cost = rd / rb if rb else float("inf")
                vcost = f"{rv / rb:.2f}×" if v and rb else "—"
                thr = rb / rp if rp else float("inf")
                common_q = set(b["rows"]) & set(p["rows"]) & set(d["rows"])  # queries all three answered
                same = all(b["rows"][q] == p["rows"][q] == d["rows"][q] for q in common_q)
                agree = ("yes" if same else f"no {b['rows']} {p['rows']} {d['rows']}") if common_q else "—"
                out.append(f"| {shape} | {variant} | {cost:.2f}× {'✓' if cost <= 1.3 else '✗'} | {vcost} | "
                           f"{thr:.1f}× {'✓' if thr >= 10 else '✗'} | {agree} |")
        out.append(f"\nServer RSS at the end (MB): {sc['server_rss_mb']}; time to ready (s): {sc['ready_s']}")
    return "\n".join(out)


def render(path: str) -> None:
    """Print the tables of a `--json` report again (after a change to the tables only)."""
    print(tables(json.loads(Path(path).read_text())))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="real,100", help="comma list: real and/or multiples (default real,100)")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--load", choices=["wrk", "python"], default="wrk" if wrk_available() else "python",
                    help="HTTP load generator: wrk (default when installed) or Python threads")
    ap.add_argument("--requests", type=int, default=400, help="requests per target per shape (default 400)")
    ap.add_argument("--time-cap", type=float, default=30.0, help="seconds per target per shape (default 30)")
    ap.add_argument("--rounds", type=int, default=2, help="rounds per shape, target order rotating (default 2)")
    ap.add_argument("--workers", type=int, default=2, help="brikg query workers (default 2, as `brikg serve`)")
    ap.add_argument("--threads", type=int, default=8, help="brikg HTTP threads (default 8, as `brikg serve`)")
    ap.add_argument("--processes", type=int, default=1, help="brikg web processes (default 1, as `brikg serve`)")
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "papers"))
    ap.add_argument("--real-store", help="serve this already built store as the real graph instead of building one")
    ap.add_argument("--synthetic-store", action="append", default=[], metavar="SCALE=DIR",
                    help="serve this already published store as the synthetic SCALE (e.g. 100=/tmp/store-100) "
                         "instead of generating it again")
    ap.add_argument("--no-validate", action="store_true", help="skip the SHACL gate for the synthetic store")
    ap.add_argument("--ready-timeout", type=float, default=1200, help="seconds the peer may take to load")
    ap.add_argument("--workdir", help="keep stores and logs here (default: a temporary folder, removed)")
    ap.add_argument("--json", help="write every number to this file")
    args = ap.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="brikg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"bench": "endpoint", "machine": common.machine(), "argv": sys.argv, "shapes": args.shapes,
              "load": args.load,
              "clients": args.clients, "requests": args.requests, "time_cap": args.time_cap, "scales": []}
    try:
        t0 = time.perf_counter()
        if args.real_store:  # a graph built before (when the corpus does not build right now)
            real_store = Path(args.real_store)
            real_triples = common.count_triples(str(common.current_generation(real_store)))
        else:
            real_store, real_triples = prepare("real", work, Path(args.corpus), 0, True)
        reuse = dict(item.split("=", 1) for item in args.synthetic_store)
        for scale in args.scales.split(","):
            if scale == "real":
                store_dir, triples = real_store, real_triples
            elif scale in reuse:
                store_dir = Path(reuse[scale])
                triples = common.count_triples(str(common.current_generation(store_dir)))
            else:
                store_dir, triples = prepare(scale, work, Path(args.corpus), real_triples, not args.no_validate)
            common.log(f"[{scale}] store ready: {triples} triples")
            try:
                res = run_scale(scale, store_dir, work, args)
            except RuntimeError as exc:  # a server that did not start: keep the other scales' numbers
                common.log(f"[{scale}] skipped: {exc}")
                report.setdefault("skipped", {})[scale] = str(exc)
                continue
            res["triples"] = triples
            res["label"] = "real graph" if scale == "real" else f"synthetic {scale}× (bench/gen_synthetic.py, seed 42)"
            report["scales"].append(res)
        report["seconds"] = round(time.perf_counter() - t0, 1)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print(tables(report))
    for scale, why in report.get("skipped", {}).items():
        print(f"\nScale {scale} skipped: {why}")
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
