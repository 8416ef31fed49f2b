"""Shared fixtures: the corpus beside the repository, temporary stores, a live server."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("BRIKG_SHARED", ROOT.parent / "shared"))
PAPERS = SHARED / "papers"


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not PAPERS.is_dir():
        pytest.fail(f"the corpus is missing: expected the papers in {PAPERS} (set BRIKG_SHARED)")
    return PAPERS


@pytest.fixture(scope="session")
def built_store(tmp_path_factory, corpus) -> Path:
    """One graph of the three papers, built once and only read by the tests that use it."""
    from kg.build import build

    store = tmp_path_factory.mktemp("store")
    build(corpus, store, progress=lambda _: None)
    return store


@pytest.fixture
def store_copy(tmp_path, built_store) -> Path:
    """A private copy of the built store, for tests that build over it or break it."""
    dst = tmp_path / "store"
    shutil.copytree(built_store, dst, symlinks=True)
    return dst


@pytest.fixture
def corpus_copy(tmp_path, corpus) -> Path:
    dst = tmp_path / "papers"
    shutil.copytree(corpus, dst)
    return dst


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


@pytest.fixture(scope="module")
def live_server(tmp_path_factory, corpus):
    """A server on its own freshly built store (module-scoped: starting one takes a second)."""
    from kg.build import build

    store = tmp_path_factory.mktemp("live") / "store"
    build(corpus, store, progress=lambda _: None)
    server = LiveServer(store)
    server.store = store
    yield server
    server.stop()
