"""OWL 2 RL materialization time and inferred triples, per reasoner, at the real graph's size and
at 10×, 100× and 1000× (synthetic data in brikg's own model from bench/gen_synthetic.py).

Why: the build's reasoner (kg/reason.py) was chosen by this measurement; it must not be the
slowest. Each cell runs `kg.reason.materialize` (the build's own code path: upstream axioms,
property-chain rounds, trivia filter) in a subprocess with a time and memory limit, so one slow
or huge cell cannot take the machine; a cell over the limit is reported as such and the larger
scales of that reasoner are skipped.

    python bench/bench_reasoning.py --corpus ../shared/papers [--scales 1,10,100,1000]
        [--reasoners reasonable,owlrl] [--limit 600] [--memory-gb 8] [--out bench/results/reasoning.md]
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import pyoxigraph as ox  # noqa: E402

from bench.gen_synthetic import generate  # noqa: E402
from kg import reason  # noqa: E402


def real_triples(corpus: Path, work: Path) -> Path:
    """The asserted triples of the real corpus (what `brikg build` assembles) as N-Triples."""
    from kg.build import assemble

    ds, *_ = assemble(corpus, progress=lambda _: None)
    out = work / "scale-1.nt"
    triples = set(ox.parse(ds.serialize(format="nquads", encoding="utf-8"), format=ox.RdfFormat.N_QUADS))
    ox.serialize({ox.Triple(q.subject, q.predicate, q.object) for q in triples}, output=str(out),
                 format=ox.RdfFormat.N_TRIPLES)
    return out


def synthetic_triples(scale: int, real: int, work: Path) -> Path:
    out = work / f"scale-{scale}.nt"
    if not out.exists():
        seen = {ox.Triple(q.subject, q.predicate, q.object) for q in generate(scale=scale, real_triples=real)}
        ox.serialize(seen, output=str(out), format=ox.RdfFormat.N_TRIPLES)
    return out


def _lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def cell(path: str, reasoner: str) -> dict:
    """One measurement (run in a child process): parse, materialize, count."""
    from rdflib import Graph

    t0 = time.perf_counter()
    g = Graph().parse(path, format="nt")
    asserted = len(g)
    g += reason.upstream_axioms()
    load = time.perf_counter() - t0
    t1 = time.perf_counter()
    mat = reason.materialize(g, reasoner, explain=False)
    total = time.perf_counter() - t1
    return {"asserted": asserted, "inferred": len(mat.inferred), "reason_s": round(mat.seconds, 2),
            "materialize_s": round(total, 2), "load_s": round(load, 2), "rounds": mat.rounds,
            "version": mat.version, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def run_cell(path: Path, reasoner: str, limit: float, memory_gb: float) -> dict:
    code = ("import json,resource,sys;"
            f"resource.setrlimit(resource.RLIMIT_AS, ({int(memory_gb * 2**30)}, {int(memory_gb * 2**30)}));"
            "from bench.bench_reasoning import cell;"
            f"print(json.dumps(cell({str(path)!r}, {reasoner!r})))")
    try:
        p = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=limit)
    except subprocess.TimeoutExpired:
        return {"error": f"over the {limit:.0f} s limit"}
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["?"])[-1]
        memory = "MemoryError" in p.stderr or "memory allocation" in p.stderr or "panicked" in p.stderr
        return {"error": f"over the {memory_gb:g} GB memory limit" if memory else last[:120]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "papers"))
    ap.add_argument("--scales", default="1,10,100,1000")
    ap.add_argument("--reasoners", default="reasonable,owlrl")
    ap.add_argument("--limit", type=float, default=600, help="seconds per cell (default 600)")
    ap.add_argument("--memory-gb", type=float, default=8, help="address-space limit per cell (default 8)")
    ap.add_argument("--work", help="folder for the data files (default: a temporary one)")
    ap.add_argument("--out", help="also write the Markdown table here")
    args = ap.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    reasoners = args.reasoners.split(",")
    with tempfile.TemporaryDirectory(prefix="brikg-bench-reasoning-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        real_path = real_triples(Path(args.corpus), work)
        real = _lines(real_path)
        print(f"real graph: {real} asserted triples (ontology included)", flush=True)
        results: dict[tuple[int, str], dict] = {}
        given_up: set[str] = set()
        for scale in scales:
            t0 = time.perf_counter()
            path = real_path if scale == 1 else synthetic_triples(scale, real, work)
            n = _lines(path)
            print(f"scale {scale}×: {n} triples ({time.perf_counter() - t0:.0f} s to generate)", flush=True)
            for r in reasoners:
                if r in given_up:
                    results[(scale, r)] = {"error": "skipped (a smaller scale was over the limit)"}
                    continue
                res = results[(scale, r)] = run_cell(path, r, args.limit, args.memory_gb)
                res.setdefault("asserted", n)
                if "error" in res:
                    given_up.add(r)
                print(f"  {r}: {res}", flush=True)
    lines = [f"Machine: {platform.machine()}, {platform.python_version()}, 2 shared cores. "
             f"Limits per cell: {args.limit:.0f} s, {args.memory_gb:g} GB.", "",
             "| scale | asserted triples | reasoner | materialize (s) | of which reasoner (s) | rounds | "
             "inferred triples | load (s) | peak RSS (MB) |", "|---|---|---|---|---|---|---|---|---|"]
    for (scale, r), res in results.items():
        if "error" in res:
            lines.append(f"| {scale}× | {res['asserted']:,} | {r} | {res['error']} | | | | | |")
        else:
            lines.append(f"| {scale}× | {res['asserted']:,} | {r} {res['version']} | {res['materialize_s']} | "
                         f"{res['reason_s']} | {res['rounds']} | {res['inferred']:,} | {res['load_s']} | "
                         f"{res['peak_rss_mb']:,} |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(table + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
