"""What the service benchmarks share: the stores, the query shapes, the servers they start.

Every server binds 127.0.0.1 on a free port, runs in a subprocess this module started, and is
stopped by its own PID.
"""

from __future__ import annotations

import contextlib
import os
import platform
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil
import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.gen_synthetic import load_store  # noqa: E402
from kg.store import current_generation  # noqa: E402

PREFIXES = """PREFIX bri: <https://w3id.org/brikg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX fabio: <http://purl.org/spar/fabio/>
"""

# DISTINCT everywhere: pyoxigraph's union default graph repeats a triple held by two paper
# graphs (a person's name, a journal), rdflib's does not; DISTINCT makes the answers equal.
LOOKUP = "SELECT DISTINCT ?p ?o WHERE { <%s> ?p ?o }"
JOIN = """SELECT DISTINCT ?paper ?year ?name WHERE {
  ?paper bri:hasAuthorship ?a ; fabio:hasPublicationYear ?year .
  ?a bri:authorPosition 1 ; bri:author ?person .
  ?person foaf:name ?name FILTER(LANG(?name) = "en")
}"""
AGGREGATE = """SELECT ?year (COUNT(DISTINCT ?paper) AS ?papers) (COUNT(DISTINCT ?person) AS ?authors) WHERE {
  ?paper a bri:Paper ; bri:hasAuthorship/bri:author ?person .
  OPTIONAL { ?paper fabio:hasPublicationYear ?year }
} GROUP BY ?year ORDER BY ?year"""
TEXT = """SELECT DISTINCT ?s ?label WHERE {
  ?s rdfs:label ?label FILTER(CONTAINS(LCASE(STR(?label)), "security"))
}"""


def shapes(store_path: str) -> dict[str, list[str]]:
    """The four query shapes; the lookup goes round every paper of the store."""
    st = ox.Store.read_only(store_path)
    papers = sorted(s["p"].value for s in st.query(
        PREFIXES + "SELECT DISTINCT ?p WHERE { ?p a bri:Paper }", use_default_graph_as_union=True))
    return {
        "lookup": [PREFIXES + LOOKUP % p for p in papers],
        "join": [PREFIXES + JOIN],
        "aggregate": [PREFIXES + AGGREGATE],
        "text": [PREFIXES + TEXT],
    }


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def brikg(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "service.cli", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=900)
    if done.returncode:
        raise RuntimeError(f"brikg {args[0]} failed:\n{done.stderr[-3000:]}")
    return done


def build_real(store_dir: Path, corpus: Path) -> Path:
    """The real graph, built the way a user builds it."""
    brikg("build", "--corpus", str(corpus), "--store", str(store_dir))
    return current_generation(store_dir)


def build_synthetic(store_dir: Path, scale: float, real_triples: int, validate: bool = True) -> Path:
    """The synthetic graph at `scale` × the real graph's size, published through `kg.store.publish`."""
    load_store(store_dir, scale=scale, real_triples=real_triples, validate=validate)
    return current_generation(store_dir)


def export_nquads(store_dir: Path, out: Path) -> Path:
    brikg("export", "--store", str(store_dir), "--format", "nquads", "--out", str(out))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    """A server in a subprocess on a loopback port."""

    name: str
    proc: subprocess.Popen
    url: str
    log_path: Path
    ready_s: float = 0.0

    def cpu_s(self) -> float:
        """CPU seconds used so far by the server and its children (query workers)."""
        try:
            p = psutil.Process(self.proc.pid)
            total = sum(p.cpu_times()[:2])
            for c in p.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += sum(c.cpu_times()[:2])
            return total
        except psutil.Error:
            return float("nan")

    def rss_mb(self) -> float:
        try:
            p = psutil.Process(self.proc.pid)
            return (p.memory_info().rss + sum(c.memory_info().rss for c in p.children(recursive=True))) / 2**20
        except psutil.Error:
            return float("nan")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=15)


def _start(name: str, cmd: list[str], port: int, log_dir: Path, path: str = "/sparql",
           ready_timeout: float = 300) -> Server:
    log_path = log_dir / f"{name}-{port}.log"
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, cwd=ROOT)
    url = f"http://127.0.0.1:{port}{path}"
    t0 = time.monotonic()
    server = Server(name, proc, url, log_path)
    while time.monotonic() - t0 < ready_timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited early:\n{log_path.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=5) as r:
                if r.status == 200:
                    server.ready_s = time.monotonic() - t0
                    return server
        except urllib.error.HTTPError as exc:  # it answers, but not there: give up at once
            server.stop()
            raise RuntimeError(f"{name} answers {exc.code} at {url}") from None
        except OSError:
            pass
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name} not ready after {ready_timeout} s")


def start_brikg(store_dir: Path, log_dir: Path, workers: int = 2, threads: int = 8, name: str = "brikg",
                extra: tuple[str, ...] = ()) -> Server:
    """`brikg serve` exactly as a user starts it, plus the worker count under test and
    any `extra` options (such as `--cache-mb 0`)."""
    port = free_port()
    return _start(name, [sys.executable, "-m", "service.cli", "serve", "--store", str(store_dir),
                         "--port", str(port), "--workers", str(workers), "--threads", str(threads),
                         "--log-level", "WARNING", *extra], port, log_dir)


def oxigraph_command() -> str | None:
    """Oxigraph's own server (PyPI `oxigraph`, in the `bench` extra), if installed."""
    exe = Path(sys.executable).with_name("oxigraph")
    return str(exe) if exe.exists() else shutil.which("oxigraph")


def start_oxigraph(exe: str, store: Path, log_dir: Path) -> Server:
    """`oxigraph serve-read-only` on an on-disk store; queries at `/query`."""
    port = free_port()
    return _start("oxigraph-server", [exe, "serve-read-only", "--location", str(store), "--bind",
                                      f"127.0.0.1:{port}"], port, log_dir, path="/query")


def start_rdflib_endpoint(nquads: Path, log_dir: Path, ready_timeout: float = 1200) -> Server:
    """rdflib-endpoint's own command: an rdflib Dataset (default union) served by uvicorn at `/`."""
    port = free_port()
    exe = Path(sys.executable).with_name("rdflib-endpoint")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "rdflib_endpoint"]
    return _start("rdflib-endpoint", [*cmd, "serve", str(nquads), "--host", "127.0.0.1", "--port", str(port)],
                  port, log_dir, path="/", ready_timeout=ready_timeout)


def machine() -> dict:
    import importlib.metadata as md

    versions = {}
    for pkg in ("pyoxigraph", "oxigraph", "rdflib", "rdflib-endpoint", "flask", "waitress", "granian", "uvicorn",
                "fastapi"):
        with contextlib.suppress(md.PackageNotFoundError):
            versions[pkg] = md.version(pkg)
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {"date": time.strftime("%Y-%m-%d %H:%M %Z"), "python": platform.python_version(),
            "cpus": os.cpu_count(), "cpu": cpu, "mem_gb": round(psutil.virtual_memory().total / 2**30, 1),
            "load_avg": os.getloadavg(), "versions": versions}


def count_triples(store_path: str) -> int:
    """Asserted quads of a generation: the reasoner's graphs (inferred triples and their
    derivation records, which the synthetic generator does not write) are not counted, so
    "100×" means 100 times the data the papers gave."""
    from kg.reason import REASONING_GRAPHS

    st = ox.Store.read_only(store_path)
    hidden = sum(1 for g in st.named_graphs() if g.value in REASONING_GRAPHS
                 for _ in st.quads_for_pattern(None, None, None, g))
    return len(st) - hidden
