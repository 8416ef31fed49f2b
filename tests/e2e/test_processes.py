"""`brikg serve --processes N`: web processes sharing one port, replaced when they die, with
either HTTP server (granian's workers, or waitress pre-forked by brikg).

The process tree is read from /proc: the server's children are the web processes, their
children the query workers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support import ROOT, LiveServer, get_query, query_workers, web_processes

pytestmark = pytest.mark.e2e

COUNT = ("PREFIX bri: <https://w3id.org/brikg/ontology#> "
         "SELECT (COUNT(?p) AS ?n) { ?p a bri:Paper }")


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def papers(server: LiveServer) -> int:
    status, _, body = get_query(server, COUNT, "application/sparql-results+json")
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def wait_for(predicate, what: str, bound: float = 60.0):
    deadline = time.monotonic() + bound
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    pytest.fail(f"{what} within {bound} s")


@pytest.fixture(params=["granian", "waitress"])
def two_processes(built_store, request):
    server = LiveServer(built_store, "--processes", "2", "--workers", "1", "--http", request.param)
    yield server
    server.stop()


def test_two_web_processes_each_with_its_workers(two_processes):
    web = wait_for(lambda: (p := web_processes(two_processes.proc.pid)) and len(p) == 2 and p,
                   "two web processes")
    for pid in web:  # each web process has started its own query worker
        wait_for(lambda pid=pid: len(query_workers(pid)) == 1, f"a query worker under {pid}")
    assert all(papers(two_processes) == 3 for _ in range(20))  # answered by either process


def test_a_web_process_that_dies_is_replaced(two_processes):
    web = wait_for(lambda: (p := web_processes(two_processes.proc.pid)) and len(p) == 2 and p,
                   "two web processes")
    os.kill(web[0], signal.SIGKILL)
    fresh = wait_for(lambda: (p := set(web_processes(two_processes.proc.pid)) - {web[0]}) and len(p) == 2 and p,
                     "a replacement web process")
    assert web[1] in fresh
    assert all(papers(two_processes) == 3 for _ in range(20))
    # stopped right after the replacement, while it may still be starting: nothing is left behind
    below = list(query_workers(two_processes.proc.pid))
    two_processes.proc.send_signal(signal.SIGTERM)
    assert two_processes.proc.wait(timeout=30) == 0
    wait_for(lambda: not any(alive(pid) for pid in [*fresh, *below]), "every process gone", bound=20)


@pytest.mark.parametrize("http", ["granian", "waitress"])
def test_sigterm_stops_every_process(built_store, http):
    server = LiveServer(built_store, "--processes", "2", "--workers", "1", "--http", http)
    try:
        web = wait_for(lambda: (p := web_processes(server.proc.pid)) and len(p) == 2 and p, "two web processes")
        below = wait_for(lambda: (w := [c for pid in web for c in query_workers(pid)]) and len(w) == 2 and w,
                         "two query workers")
        server.proc.send_signal(signal.SIGTERM)
        assert server.proc.wait(timeout=20) == 0
        wait_for(lambda: not any(alive(pid) for pid in web + below), "every process gone", bound=20)
    finally:
        server.stop()


@pytest.mark.parametrize("option", [("--processes", "0"), ("--threads", "0")])
def test_no_processes_or_threads_is_a_usage_error(built_store, option):
    r = subprocess.run([sys.executable, "-m", "service.cli", "serve", "--store", str(built_store), *option],
                       cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert r.returncode == 2 and "--processes and --threads must be at least 1" in r.stderr
