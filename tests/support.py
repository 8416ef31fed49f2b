"""Helpers the tests share: where the shared folder is, and a live server in a subprocess.

A plain module (not conftest) so test files can import it by name without clashing with the
conftest.py files of subfolders.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIKG_SHARED", ROOT.parent / "shared"))
PAPERS = SHARED / "papers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """The child processes of `pid`, from /proc (empty once it has gone)."""
    pids: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                pids += [int(p) for p in (task / "children").read_text().split()]
    except FileNotFoundError:
        return []
    return pids


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return b""


def web_processes(pid: int) -> list[int]:
    """The processes under a `brikg serve` that answer HTTP: its forked children (granian's
    workers, or the pre-forked waitress processes), or the server itself when it has none."""
    forked = [c for c in children(pid) if b"service.cli" in cmdline(c)]
    return forked or [pid]


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, at any depth."""
    found: list[int] = []
    todo = children(pid)
    while todo:
        child = todo.pop()
        found.append(child)
        todo += children(child)
    return found


def query_workers(pid: int) -> set[int]:
    """The query worker processes below `pid` at any depth (started by multiprocessing's spawn)."""
    return {p for p in descendants(pid) if b"spawn_main" in cmdline(p)}


class LiveServer:
    """`brikg serve` in a subprocess on a free loopback port."""

    def __init__(self, store: Path, *extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = store.parent / f"serve-{self.port}.log"
        self._log = open(self.log, "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--store", str(store), "--port", str(self.port),
             *extra],
            stdout=self._log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log.read_text()}")
            with contextlib.suppress(OSError), urllib.request.urlopen(
                self.url + "/sparql?query=ASK%7B%7D", timeout=5
            ) as r:
                if r.status == 200:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"server not ready after 60 s:\n{self.log.read_text()}")

    @property
    def sparql(self) -> str:
        return self.url + "/sparql"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()


@contextlib.contextmanager
def server_pair(first: LiveServer, start_second: Callable[[], LiveServer]) -> Iterator[tuple[LiveServer, LiveServer]]:
    """`first` and a second server that needs it (it federates to it, or serves it as a remote
    endpoint); both are stopped at the end, and `first` also when the second fails to start."""
    try:
        second = start_second()
    except BaseException:
        first.stop()
        raise
    try:
        yield first, second
    finally:
        second.stop()
        first.stop()


def get_query(server: LiveServer, query: str, accept: str, **params: str) -> tuple[int, dict[str, str], bytes]:
    """GET `query` (and protocol `params`) from the server's endpoint: status, headers with
    lower-case names, body; an HTTP error status is returned, not raised."""
    url = server.sparql + "?" + urllib.parse.urlencode({"query": query, **params})
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()
