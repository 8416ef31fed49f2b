"""Issue 11: what query isolation costs.

The same store served twice in one run by `brikg serve`: with `--workers 0` (queries run in the
web process) and with `--workers 2` (the default: queries run in spawned worker processes, see
kg/workers.py). The lookup and aggregate shapes, 8 keep-alive loopback clients, bounded request
count and time cap, rounds with a rotating order. Prints a Markdown table; `--json` keeps all.

    python bench/bench_isolation.py --scales real,100 --requests 1000 --time-cap 30 --json /tmp/isolation.json
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
from bench.bench_endpoint import prepare  # noqa: E402
from bench.loadgen import RunStats, run_http  # noqa: E402


def run_scale(scale: str, store_dir: Path, work: Path, args) -> dict:
    shapes = common.shapes(str(common.current_generation(store_dir)))
    names = [f"workers={w}" for w in args.workers]
    servers = {}
    try:
        for w, name in zip(args.workers, names, strict=True):
            # the answer cache off: otherwise repeated queries never reach the workers being compared
            servers[name] = common.start_brikg(store_dir, work, workers=w, name=f"brikg-w{w}",
                                               extra=("--cache-mb", "0"))
        results: dict[tuple[str, str], RunStats] = {}
        for shape in args.shapes:
            queries = shapes[shape]
            for name in names:
                for q in queries[:3]:
                    run_http(name, servers[name].url, shape, [q], clients=1, max_requests=1, time_cap=60)
            per_round = max(1, args.requests // args.rounds)
            for r in range(args.rounds):
                order = names[r % len(names):] + names[: r % len(names)]
                for name in order:
                    cpu0 = servers[name].cpu_s()
                    st = run_http(name, servers[name].url, shape, queries, clients=args.clients,
                                  max_requests=per_round, time_cap=args.time_cap / args.rounds)
                    st.server_cpu_s = servers[name].cpu_s() - cpu0
                    results.setdefault((name, shape), RunStats(name, shape)).merge(st)
                    common.log(f"[{scale}] {shape:9} round {r + 1} {name:10} {st.ok:5} ok {st.errors} err "
                               f"{st.rps:8.1f} req/s p50 {st.pct(50):8.2f} ms p99 {st.pct(99):8.2f} ms")
        rss = {name: round(s.rss_mb(), 1) for name, s in servers.items()}
    finally:
        for s in servers.values():
            s.stop()
    return {"scale": scale, "rows": [st.row() for st in results.values()], "server_rss_mb": rss}


def tables(report: dict) -> str:
    out = []
    base, iso = report["targets"][0], report["targets"][-1]
    for sc in report["scales"]:
        rows = {(r["target"], r["shape"]): r for r in sc["rows"]}
        out.append(f"\n#### {sc['label']} ({sc['triples']:,} triples)\n")
        out.append("| shape | brikg | requests | errors | req/s | p50 ms | p99 ms | server CPU ms/request | rows |")
        out.append("|---|---|---|---|---|---|---|---|---|")
        for shape in report["shapes"]:
            for t in report["targets"]:
                r = rows.get((t, shape))
                if r:
                    per = r["server_cpu_s"] * 1000 / r["ok"] if r["ok"] else float("nan")
                    out.append(f"| {shape} | {t} | {r['ok']} | {r['errors']} | {r['rps']:,} | {r['p50_ms']} | "
                               f"{r['p99_ms']} | {per:.2f} | {','.join(str(v) for v in r['rows'].values())} |")
        out.append(f"\n| shape | throughput {iso} / {base} | p99 {iso} − {base} |")
        out.append("|---|---|---|")
        for shape in report["shapes"]:
            a, b = rows.get((base, shape)), rows.get((iso, shape))
            if a and b and a["rps"]:
                out.append(f"| {shape} | {b['rps'] / a['rps']:.2f}× | {b['p99_ms'] - a['p99_ms']:+.2f} ms |")
        out.append(f"\nServer RSS incl. workers at the end (MB): {sc['server_rss_mb']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", default="real,100")
    ap.add_argument("--shapes", default="lookup,aggregate")
    ap.add_argument("--workers", default="0,2", help="worker counts to compare, the baseline first (default 0,2)")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--requests", type=int, default=1000, help="requests per server per shape (default 1000)")
    ap.add_argument("--time-cap", type=float, default=30.0, help="seconds per server per shape (default 30)")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "papers"))
    ap.add_argument("--real-store", help="serve this already built store as the real graph instead of building one")
    ap.add_argument("--no-validate", action="store_true")
    ap.add_argument("--workdir")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    args.shapes = [s for s in args.shapes.split(",") if s]
    args.workers = [int(w) for w in args.workers.split(",")]
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="brikg-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report = {"bench": "isolation", "machine": common.machine(), "argv": sys.argv, "shapes": args.shapes,
              "targets": [f"workers={w}" for w in args.workers], "clients": args.clients, "scales": []}
    try:
        t0 = time.perf_counter()
        if args.real_store:  # a graph built before (when the corpus does not build right now)
            real_store = Path(args.real_store)
            real_triples = common.count_triples(str(common.current_generation(real_store)))
        else:
            real_store, real_triples = prepare("real", work, Path(args.corpus), 0, True)
        for scale in args.scales.split(","):
            store_dir, triples = (real_store, real_triples) if scale == "real" else \
                prepare(scale, work, Path(args.corpus), real_triples, not args.no_validate)
            res = run_scale(scale, store_dir, work, args)
            res["triples"] = triples
            res["label"] = "real graph" if scale == "real" else f"synthetic {scale}×"
            report["scales"].append(res)
        report["seconds"] = round(time.perf_counter() - t0, 1)
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print(tables(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
