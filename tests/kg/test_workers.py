"""The worker pool: answers, timeouts that end the worker, crashes that cost one worker."""

from __future__ import annotations

import os
import signal
import socket
import time

import pytest

from kg.errors import QueryCrashed, QuerySyntaxError, QueryTimeout
from kg.query import QueryJob
from kg.workers import WorkerPool


@pytest.fixture
def pool(built_store):
    p = WorkerPool(built_store, size=1, timeout=5.0, max_wait=30.0)
    yield p
    p.close()


def _wait_for_pid_change(pool, old, deadline=30.0):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        pids = pool.pids()
        if pids and pids != old:
            return pids
        time.sleep(0.1)
    raise AssertionError("no replacement worker")


def test_answers_and_syntax_errors(pool):
    out = pool.run(QueryJob("ASK { ?s a <https://w3id.org/brikg/ontology#Paper> }"))
    assert out.kind == "boolean" and b"true" in out.body
    with pytest.raises(QuerySyntaxError) as exc:
        pool.run(QueryJob("SELECT * {"))
    assert exc.value.line == 1


def test_timeout_ends_the_worker_and_a_new_one_serves(pool):
    old = pool.pids()
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(QueryTimeout):
        pool.run(QueryJob(slow), timeout=1.0)
    for pid in old:  # the worker that ran the query is gone, so its CPU is free
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert _wait_for_pid_change(pool, old) != old
    assert pool.run(QueryJob("ASK {}")).kind == "boolean"


def test_a_worker_that_dies_costs_one_error(pool):
    old = pool.pids()
    crash = "SELECT * " + "{" * 10_000 + "}" * 10_000  # the engine overflows its stack (guard bypassed here)
    with pytest.raises(QueryCrashed) as exc:
        pool.run(QueryJob(crash))
    assert str(exc.value).startswith("query could not be evaluated")
    for pid in old:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    _wait_for_pid_change(pool, old)
    assert pool.run(QueryJob("ASK {}")).kind == "boolean"


def test_an_idle_worker_killed_from_outside_costs_no_query(pool):
    old = pool.pids()
    os.kill(old[0], signal.SIGKILL)
    time.sleep(0.2)
    assert pool.run(QueryJob("ASK {}")).kind == "boolean"  # waits for the replacement instead of failing
    assert pool.pids() != old


def test_workers_have_no_network(pool):
    """The second wall behind the guard: a SERVICE that reaches a worker connects nowhere."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        with pytest.raises(QueryCrashed):
            pool.run(QueryJob(f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"))
        with pytest.raises(socket.timeout):
            listener.accept()[0].close()
