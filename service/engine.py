"""The service's one connection to the graph: the backend and its query workers.

Like a database module in the Flask tutorial, it is the only place that opens the store; views
call `backend()` and never see a store object. The backend is created on first use and closed
when the process exits.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

import pyoxigraph as ox
from flask import Flask, current_app

from kg import query as q
from kg.errors import Forbidden
from kg.store import OxigraphStore, SparqlEndpointStore
from kg.workers import WorkerPool
from service.cache import ResultCache


class Backend:
    """Runs query jobs (in isolated workers for the embedded store) and internal lookups."""

    def __init__(self, config: dict) -> None:
        self.kind = config["BACKEND"]
        self.pool: WorkerPool | None = None
        if self.kind == "oxigraph":
            store_dir = Path(config["STORE_DIR"])
            self.direct = OxigraphStore(store_dir)
            if config["QUERY_WORKERS"] > 0:
                self.pool = WorkerPool(store_dir, size=config["QUERY_WORKERS"],
                                       timeout=config["QUERY_TIMEOUT"], max_wait=config["QUEUE_TIMEOUT"],
                                       offline=not config["SERVICE_ALLOWLIST"])  # no federation: no network
        elif self.kind == "sparql":
            self.direct = SparqlEndpointStore(config["SPARQL_ENDPOINT"], timeout=config["QUERY_TIMEOUT"])
        else:
            raise ValueError(f"unknown BACKEND {self.kind!r}: use 'oxigraph' or 'sparql'")
        self._lookup_lock = threading.Lock()
        self.cache = ResultCache(config["RESULT_CACHE_BYTES"] if self.kind == "oxigraph" else 0,
                                 config["RESULT_CACHE_ENTRY_BYTES"])

    def generation(self) -> str | None:
        """The generation being served (what answers are cached by); None for a remote endpoint,
        whose data may change at any time."""
        return self.direct.generation() if self.kind == "oxigraph" else None

    def run(self, job: q.QueryJob) -> q.QueryOutcome:
        if self.pool is not None:
            return self.pool.run(job)
        return self.direct.run(job)

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        with self._lookup_lock:
            return self.direct.select(sparql, bindings)

    def graph_quads(self, graph: str | None, *, default: bool = False) -> list[ox.Quad] | None:
        """The quads of one named graph, of the stored default graph (`default`), or of the
        whole dataset (neither); None when the named graph does not exist.

        Graph Store reads are plain quad scans, safe in the web process (unlike queries). The
        existence check and the scan are retried if a publish swapped generations between them.
        """
        if self.kind != "oxigraph":
            raise Forbidden("the Graph Store Protocol is served for the embedded store only")
        for _ in range(3):
            with self._lookup_lock:
                gen = self.direct.generation()
                exists = graph is None or graph in self.direct.named_graphs()
                quads = list(self.direct.quads(graph)) if exists else None
                if quads is not None and default:
                    quads = [qd for qd in quads if isinstance(qd.graph_name, ox.DefaultGraph)]
                if self.direct.generation() == gen:
                    break
        return quads

    def close(self) -> None:
        if self.pool is not None:
            self.pool.close()
            self.pool = None


_lock = threading.Lock()


def backend() -> Backend:
    app = current_app._get_current_object()
    with _lock:
        b = app.extensions.get("brikg.backend")
        if b is None:
            b = Backend(app.config)
            app.extensions["brikg.backend"] = b
            atexit.register(b.close)
    return b


def init_app(app: Flask) -> None:
    app.extensions.setdefault("brikg.backend", None)


def close_app(app: Flask) -> None:
    b = app.extensions.get("brikg.backend")
    if b is not None:
        b.close()
        app.extensions["brikg.backend"] = None
