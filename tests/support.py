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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIKG_SHARED", ROOT.parent / "shared"))
PAPERS = SHARED / "papers"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
