"""Query execution isolated from the web process: a pool of worker processes.

The embedded engine can crash the whole interpreter on some queries and cannot be cancelled
from Python. Each query therefore runs in a worker process of its own: a crash costs that worker
(replaced in the background), a timeout kills it (so its CPU is really released), and the web
process goes on. The pool's size bounds how many queries run at once; a request that waits
longer than `max_wait` for a free worker is refused as busy.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import queue
import threading
from multiprocessing.connection import Connection
from pathlib import Path

from kg import query as q
from kg.errors import (
    BrikgError,
    Busy,
    NoGraphError,
    QueryCrashed,
    QuerySyntaxError,
    QueryTimeout,
    ResultTooLarge,
    StoreError,
)

log = logging.getLogger("brikg.workers")
_ERRORS: dict[str, type[BrikgError]] = {
    cls.__name__: cls for cls in (QuerySyntaxError, ResultTooLarge, NoGraphError, StoreError)
}


def _worker_main(conn: Connection, store_dir: str) -> None:
    """Loop of one worker: receive a job, answer it, send back the outcome or the error."""
    from kg.store import OxigraphStore  # imported in the child only

    store = OxigraphStore(Path(store_dir))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            conn.send(("ok", store.run(job)))
        except BrikgError as exc:
            conn.send(("error", type(exc).__name__, str(exc)))
        except (OSError, ValueError, RuntimeError) as exc:
            conn.send(("error", "QueryCrashed", f"query could not be evaluated: {exc}"))


class _Worker:
    def __init__(self, ctx, store_dir: str) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, store_dir), daemon=True)
        self.proc.start()
        child.close()

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """A fixed number of worker processes answering `QueryJob`s for one store directory."""

    def __init__(self, store_dir: Path, size: int = 2, timeout: float = 30.0, max_wait: float = 10.0) -> None:
        self.store_dir = str(store_dir)
        self.size = size
        self.timeout = timeout
        self.max_wait = max_wait
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._closed = False
        for _ in range(size):
            self._start_one()

    def _start_one(self) -> None:
        w = _Worker(self._ctx, self.store_dir)
        with self._lock:
            if self._closed:
                w.kill()
                return
            self._all.add(w)
        self._idle.put(w)

    def _replace(self, w: _Worker) -> None:
        w.kill()
        with self._lock:
            self._all.discard(w)
        threading.Thread(target=self._start_one, daemon=True, name="brikg-worker-respawn").start()

    def pids(self) -> list[int]:
        with self._lock:
            return sorted(w.proc.pid for w in self._all if w.proc.pid)

    def run(self, job: q.QueryJob, timeout: float | None = None) -> q.QueryOutcome:
        limit = self.timeout if timeout is None else min(timeout, self.timeout)
        try:
            w = self._idle.get(timeout=self.max_wait)
        except queue.Empty:
            raise Busy(f"all {self.size} query workers are busy; try again shortly") from None
        try:
            w.conn.send(job)
            if not w.conn.poll(limit):
                log.warning("query timed out after %.1f s; worker %s ended", limit, w.proc.pid)
                self._replace(w)
                raise QueryTimeout(f"the query ran longer than {limit:g} s and was stopped")
            reply = w.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            log.error("query worker %s died (exit code %s) on a query", w.proc.pid, w.proc.exitcode)
            self._replace(w)
            raise QueryCrashed("query could not be evaluated: the query engine failed on it") from None
        self._idle.put(w)
        if reply[0] == "ok":
            return reply[1]
        _, name, message = reply
        raise _ERRORS.get(name, QueryCrashed)(message)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            with contextlib.suppress(Exception):
                w.conn.send(None)
            w.kill()
