"""OWL 2 RL materialization time and inferred triples, per reasoner, at the real graph's size and
at 10×, 100× and 1000× (synthetic data in brikg's own model from bench/gen_synthetic.py).

Why: the build's reasoner (kg/reason.py) was chosen by this measurement; it must not be the
slowest. Three runs per scale, all in the same invocation:

- `reasonable/graph`: `kg.reason.materialize` with reasonable, the build's own code path (an
  rdflib graph in, upstream axioms, property-chain and prp-fp rounds, trivia filter);
- `reasonable/files`: `kg.reason.materialize_files`, the same reasoner and rules with the same
  result (tests/test_reasoning.py checks it) from the N-Triples file, without rdflib sets;
- `owlrl/graph`: `kg.reason.materialize` with owlrl (pure Python; it needs an rdflib graph).

Each cell is a child process with a wall-clock limit and an address-space limit
(`RLIMIT_AS`); the parent samples the child's peak RSS (VmHWM) and keeps its last progress line,
so a cell that fails says where and at what size; it also stops a cell when the machine's
available memory runs low (other people's processes share it). A run over a limit is not tried at
larger scales. The 1-minute load average (the machine is shared) is recorded at the start of each
cell.

    python bench/bench_reasoning.py --corpus ../shared/papers [--scales 1,10,100,1000]
        [--runs reasonable/files,reasonable/graph,owlrl/graph] [--limit 1800] [--memory-gb 16]
        [--min-available-gb 1.5] [--work DIR] [--json FILE] [--out bench/results/reasoning.md]
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
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

from bench.gen_synthetic import write_ntriples  # noqa: E402
from kg import reason  # noqa: E402

RUNS = ("reasonable/files", "reasonable/graph", "owlrl/graph")


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
        tmp = out.with_suffix(".partial")
        write_ntriples(tmp, scale, real_triples=real)
        tmp.rename(out)
    return out


def _lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for _ in f)


def _rss_mb() -> int:
    with open("/proc/self/status") as f:
        return next(int(ln.split()[1]) // 1024 for ln in f if ln.startswith("VmRSS"))


def _progress(t0: float):
    def say(msg: str) -> None:
        print(f"[{time.perf_counter() - t0:7.1f} s, {_rss_mb():,} MB] {msg}", file=sys.stderr, flush=True)
    return say


def cell(path: str, run: str) -> dict:
    """One measurement (run in a child process): materialize and count, timing the whole of it."""
    reasoner, how = run.split("/")
    t0 = time.perf_counter()
    say = _progress(t0)
    if how == "files":
        fm = reason.materialize_files([Path(path), reason.UPSTREAM_AXIOMS], progress=say)
        out = {"inferred": fm.inferred, "closure": fm.closure, "reason_s": fm.seconds["reason"],
               "rounds": fm.rounds, "version": fm.version, "phases": fm.seconds}
    else:
        from rdflib import Graph

        g = Graph().parse(path, format="nt")
        g += reason.upstream_axioms()
        load = time.perf_counter() - t0
        say(f"rdflib graph of {len(g)} triples")
        mat = reason.materialize(g, reasoner, explain=False)
        out = {"inferred": len(mat.inferred), "reason_s": round(mat.seconds, 2), "rounds": mat.rounds,
               "version": mat.version, "phases": {"load": round(load, 2)}}
    out["total_s"] = round(time.perf_counter() - t0, 2)
    say("done")
    return out


def _hwm_mb(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(ln.split()[1]) // 1024 for ln in f if ln.startswith("VmHWM"))
    except (OSError, StopIteration):
        return None


def _loadavg() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def _available_mb() -> int:
    with open("/proc/meminfo") as f:
        return next(int(ln.split()[1]) // 1024 for ln in f if ln.startswith("MemAvailable"))


def run_cell(path: Path, run: str, limit: float, memory_gb: float, min_available_gb: float = 0) -> dict:
    """`cell` in a child process under the limits; the result, or what stopped it and where.

    With `min_available_gb`, the child is also stopped when the machine's available memory falls
    under it: on a shared machine the kernel's OOM killer would otherwise pick someone else."""
    cap = int(memory_gb * 2**30)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    code = f"import json; from bench.bench_reasoning import cell; print(json.dumps(cell({str(path)!r}, {run!r})))"
    started = {"load_avg": _loadavg(), "started": datetime.datetime.now().isoformat(timespec="seconds")}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as err:
        p = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, stderr=err,
                             text=True, preexec_fn=limits)
        peak, stopped = 0, ""
        while p.poll() is None:
            peak = max(peak, _hwm_mb(p.pid) or 0)
            if time.perf_counter() - t0 > limit:
                stopped = f"over the {limit:.0f} s limit"
            elif min_available_gb and (avail := _available_mb()) < min_available_gb * 1024:
                stopped = f"stopped: the machine had {avail:,} MB available (guard {min_available_gb:g} GB)"
            if stopped:
                p.kill()  # this child only, by its own handle
                break
            time.sleep(0.5)
        stdout = p.communicate()[0]
        wall = round(time.perf_counter() - t0, 1)
        err.seek(0)
        stderr = err.read()
    progress = [ln for ln in stderr.splitlines() if ln.startswith("[")]
    res = started | {"wall_s": wall, "peak_rss_mb": peak, "last_progress": progress[-1] if progress else "",
                     "progress": progress}
    if stopped:
        return res | {"error": stopped}
    if p.returncode != 0:
        tail = [ln for ln in stderr.splitlines() if not ln.startswith("[")][-3:]
        memory = any(s in stderr for s in ("MemoryError", "memory allocation", "Cannot allocate"))
        why = f"over the {memory_gb:g} GB address-space limit" if memory else f"exit {p.returncode}"
        return res | {"error": why, "stderr_tail": tail}
    return res | json.loads(stdout.strip().splitlines()[-1])


def _versions() -> str:
    return ", ".join(f"{n} {importlib.metadata.version(n)}" for n in ("reasonable", "owlrl", "rdflib", "pyoxigraph"))


def table(results: list[dict], args: argparse.Namespace) -> str:
    lines = [f"Run of {datetime.date.today().isoformat()}: `python bench/bench_reasoning.py --scales {args.scales} "
             f"--runs {args.runs} --limit {args.limit:g} --memory-gb {args.memory_gb:g}`. "
             f"{platform.machine()}, {os.cpu_count()} cores shared with other work, Python "
             f"{platform.python_version()}, {_versions()}. Limits per cell: {args.limit:g} s wall clock, "
             f"{args.memory_gb:g} GB address space.", "",
             "| scale | asserted triples | run | total (s) | of which reasoner (s) | inferred triples | "
             "peak RSS (MB) | load avg at start |", "|---|---:|---|---:|---:|---:|---:|---:|"]
    for r in results:
        head = f"| {r['scale']}× | {r['asserted']:,} | {r['run']}"
        if "error" in r:
            where = f" after {r['wall_s']} s" if "wall_s" in r else ""
            lines.append(f"{head} | {r['error']}{where} | | | {r.get('peak_rss_mb', 0):,} | {r.get('load_avg', '')} |")
        else:
            lines.append(f"{head} {r['version']} | {r['total_s']} | {r['reason_s']} | {r['inferred']:,} | "
                         f"{r['peak_rss_mb']:,} | {r['load_avg']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=str(ROOT.parent / "shared" / "papers"))
    ap.add_argument("--scales", default="1,10,100,1000")
    ap.add_argument("--runs", default=",".join(RUNS), help=f"any of {', '.join(RUNS)}")
    ap.add_argument("--limit", type=float, default=1800, help="wall-clock seconds per cell (default 1800)")
    ap.add_argument("--memory-gb", type=float, default=16, help="address-space limit per cell (default 16)")
    ap.add_argument("--min-available-gb", type=float, default=1.5,
                    help="stop a cell when the machine's available memory falls under this (default 1.5; 0: off)")
    ap.add_argument("--work", help="folder for the data files, kept for a later run (default: a temporary one)")
    ap.add_argument("--json", help="write every cell's result (phases, last progress line) here")
    ap.add_argument("--out", help="also write the Markdown table here")
    args = ap.parse_args(argv)
    scales = [int(s) for s in args.scales.split(",")]
    runs = args.runs.split(",")
    if unknown := set(runs) - set(RUNS):
        ap.error(f"unknown run(s): {', '.join(sorted(unknown))}")
    results: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="brikg-bench-reasoning-") as tmp:
        work = Path(args.work) if args.work else Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        real_path = real_triples(Path(args.corpus), work)
        real = _lines(real_path)
        print(f"real graph: {real} asserted triples (ontology included)", flush=True)
        given_up: dict[str, int] = {}
        for scale in scales:
            t0 = time.perf_counter()
            path = real_path if scale == 1 else synthetic_triples(scale, real, work)
            n = _lines(path)
            print(f"scale {scale}×: {n} triples ({time.perf_counter() - t0:.0f} s to generate)", flush=True)
            for run in runs:
                if run in given_up:
                    res = {"error": f"not run (over a limit at {given_up[run]}×)"}
                else:
                    res = run_cell(path, run, args.limit, args.memory_gb, args.min_available_gb)
                    if "error" in res:
                        given_up[run] = scale
                res = {"scale": scale, "asserted": n, "run": run} | res
                results.append(res)
                print(f"  {json.dumps(res, ensure_ascii=False)}", flush=True)
                if args.json:
                    Path(args.json).write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
    out = table(results, args)
    print(out)
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(out + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
