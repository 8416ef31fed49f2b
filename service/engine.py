"""The service's one connection to the graph: the backend and its query workers.

Like a database module in the Flask tutorial, it is the only place that opens the store; views
call `backend()` and never see a store object. The backend is created on first use and closed
when the process exits.
"""

from __future__ import annotations

import atexit
import threading
from pathlib import Path

from flask import Flask, current_app

from kg import query as q
from kg.store import OxigraphStore, SparqlEndpointStore
from kg.workers import WorkerPool


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
                                       timeout=config["QUERY_TIMEOUT"], max_wait=config["QUEUE_TIMEOUT"])
        elif self.kind == "sparql":
            self.direct = SparqlEndpointStore(config["SPARQL_ENDPOINT"], timeout=config["QUERY_TIMEOUT"])
        else:
            raise ValueError(f"unknown BACKEND {self.kind!r}: use 'oxigraph' or 'sparql'")
        self._lookup_lock = threading.Lock()

    def run(self, job: q.QueryJob) -> q.QueryOutcome:
        if self.pool is not None:
            return self.pool.run(job)
        return self.direct.run(job)

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        with self._lookup_lock:
            return self.direct.select(sparql, bindings)

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
