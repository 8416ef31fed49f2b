"""Query execution isolated from the web process: a pool of worker processes.

The embedded engine can crash the whole interpreter on some queries and cannot be cancelled
from Python. Each query therefore runs in a worker process of its own: a crash costs that worker
(replaced in the background), a timeout kills it (so its CPU is really released), and the web
process goes on. The pool's size bounds how many queries run at once; a request that waits
longer than `max_wait` for a free worker is refused as busy.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing as mp
import os
import queue
import sys
import threading
import time
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


_CLONE_NEWNET = 0x40000000
_CLONE_NEWUSER = 0x10000000


def cut_network() -> bool:
    """Move this process into a new, empty network namespace (Linux): nothing can be reached.

    The guard refuses SERVICE and LOAD before a query gets here; this is the second wall, for a
    spelling the guard might miss. It needs a fresh, single-threaded process (unprivileged
    processes need user namespaces); False where the kernel does not allow it.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError:
        return False
    return any(libc.unshare(flags) == 0 for flags in (_CLONE_NEWNET, _CLONE_NEWUSER | _CLONE_NEWNET))


def _worker_main(conn: Connection, store_dir: str, offline: bool = True) -> None:
    """Loop of one worker: receive a job, answer it, send back the outcome or the error."""
    if offline and not cut_network():
        log.warning("query worker %s could not leave the network; only the guard stops SERVICE/LOAD", os.getpid())
    from kg.store import OxigraphStore  # imported in the child only

    store = OxigraphStore(Path(store_dir))
    with contextlib.suppress(BrikgError):  # open the store now, so the first real query is not slower
        store.run(q.QueryJob("ASK {}"))
    conn.send(("ready",))  # only now does the pool hand this worker a job
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
    def __init__(self, ctx, store_dir: str, offline: bool) -> None:
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, store_dir, offline), daemon=True)
        self.proc.start()
        child.close()

    def ready(self, timeout: float) -> bool:
        """Wait for the worker's first message: it has opened the store and takes jobs."""
        try:
            return bool(self.conn.poll(timeout)) and self.conn.recv() == ("ready",)
        except (EOFError, OSError):
            return False

    def kill(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.join(timeout=5)
        with contextlib.suppress(Exception):
            self.conn.close()


class WorkerPool:
    """A fixed number of worker processes answering `QueryJob`s for one store directory.

    `offline` (the default) puts each worker in an empty network namespace where the system
    allows it; pass False when SERVICE may call allow-listed endpoints.
    """

    def __init__(self, store_dir: Path, size: int = 2, timeout: float = 30.0, max_wait: float = 10.0,
                 offline: bool = True) -> None:
        self.store_dir = str(store_dir)
        self.offline = offline
        self.size = size
        self.timeout = timeout
        self.max_wait = max_wait
        self._ctx = mp.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._closed = False
        starters = [threading.Thread(target=self._start_one, daemon=True) for _ in range(size)]
        for t in starters:  # in parallel; the pool is returned with its workers ready
            t.start()
        for t in starters:
            t.join()

    def _start_one(self) -> None:
        """Spawn a worker and make it available once it is ready (a fresh one is never queued
        while it still imports the engine, so no request waits behind a respawn)."""
        w = _Worker(self._ctx, self.store_dir, self.offline)
        with self._lock:
            if self._closed:
                w.kill()
                return
            self._all.add(w)
        if not w.ready(timeout=120):
            log.error("query worker %s did not start (exit code %s)", w.proc.pid, w.proc.exitcode)
            w.kill()
            with self._lock:
                self._all.discard(w)
            return
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
        deadline = time.monotonic() + self.max_wait
        while True:
            try:
                w = self._idle.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                raise Busy(f"all {self.size} query workers are busy; try again shortly") from None
            if w.proc.is_alive():
                break
            log.error("idle query worker %s had died (exit code %s); replaced", w.proc.pid, w.proc.exitcode)
            self._replace(w)  # died while idle (killed from outside): not this query's fault
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
