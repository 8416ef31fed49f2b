"""Every limit and error code of `/sparql`, against the live server over HTTP.

One server with small limits: 1 query worker, a 2 s query time limit, 0.5 s wait for a worker,
5 result rows, 4000-byte bodies. A query that would run for many minutes (three unrelated
triple patterns over the ~1,700 triples: 5·10⁹ combinations to count) stands for a slow query.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
from support import LiveServer, query_workers

pytestmark = pytest.mark.e2e

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
PAPERS = "PREFIX bri: <https://w3id.org/brikg/ontology#> SELECT ?p WHERE { ?p a bri:Paper } ORDER BY ?p"
JSON_ACCEPT = {"Accept": "application/json"}
# a probe that must reach a query worker: volatile, so no cache ever answers it
PROBE = "SELECT (RAND() AS ?r) {}"


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    store = tmp_path_factory.mktemp("limits") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    srv = LiveServer(store, "--workers", "1", "--timeout", "2", "--queue-timeout", "0.5",
                     "--max-rows", "5", "--max-body", "4000")
    yield srv
    srv.stop()


def request(server: LiveServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 30) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def get(server: LiveServer, query: str, headers: dict[str, str] | None = None, **params: str):
    qs = urllib.parse.urlencode({"query": query, **params})
    return request(server, "GET", f"/sparql?{qs}", headers=headers)


def wait_idle(server: LiveServer) -> None:
    """Until the single worker answers again (a killed one is replaced in the background)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if get(server, PROBE)[0] == 200:
            return
        time.sleep(0.2)
    pytest.fail("the worker did not come back within 60 s")


def worker_pids(server: LiveServer) -> set[int]:
    return query_workers(server.proc.pid)


def problem(body: bytes) -> dict:
    doc = json.loads(body)
    assert "Traceback" not in body.decode() and 'File "' not in doc["message"]
    return doc


# --- query time --------------------------------------------------------------------------


def test_time_limit_stops_the_query_and_its_worker(server):
    wait_idle(server)
    before = worker_pids(server)
    assert len(before) == 1
    t0 = time.monotonic()
    status, headers, body = get(server, SLOW, JSON_ACCEPT)
    elapsed = time.monotonic() - t0
    assert status == 503
    assert headers["content-type"] == "application/json"
    assert headers["retry-after"] == "1"
    doc = problem(body)
    assert doc["error"] == "query-timeout"
    assert "longer than 2 s" in doc["message"]
    assert elapsed < 60  # the query alone would run for many minutes: the answer did not wait for it
    (old,) = before
    assert not Path(f"/proc/{old}").exists(), "the worker that ran the query is still alive"
    wait_idle(server)
    after = worker_pids(server)
    assert len(after) == 1 and old not in after  # a fresh worker took its place


# --- concurrent queries ------------------------------------------------------------------


def test_all_workers_busy_is_503(server):
    wait_idle(server)
    first: dict = {}
    slow = threading.Thread(target=lambda: first.update(r=get(server, SLOW, JSON_ACCEPT)), daemon=True)
    slow.start()
    # probe until the slow query holds the only worker (a probe that came first just succeeds)
    deadline = time.monotonic() + 20
    while True:
        status, headers, body = get(server, PROBE, JSON_ACCEPT)
        if status != 200 or not slow.is_alive() or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert status == 503
    assert headers["retry-after"] == "1"
    doc = problem(body)
    assert doc["error"] == "busy"
    assert "all 1 query workers are busy" in doc["message"]
    slow.join(timeout=30)
    assert first["r"][0] == 503 and json.loads(first["r"][2])["error"] == "query-timeout"
    wait_idle(server)


# --- result rows -------------------------------------------------------------------------


def test_row_limit(server):
    wait_idle(server)
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o }", JSON_ACCEPT)
    assert status == 400
    doc = problem(body)
    assert doc["error"] == "result-too-large"
    assert "more than 5 rows" in doc["message"]
    status, _, body = get(server, "SELECT * WHERE { ?s ?p ?o } LIMIT 5")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 5
    status, _, body = get(server, PAPERS)  # three papers: under the limit
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3
    status, _, body = get(server, "CONSTRUCT WHERE { ?s ?p ?o }", JSON_ACCEPT)
    assert status == 400 and problem(body)["error"] == "result-too-large"


# --- request body size -------------------------------------------------------------------


def test_body_over_the_limit_is_413(server):
    query = PAPERS + " " + "#" * 4100
    status, headers, body = request(server, "POST", "/sparql", query.encode(),
                                    {"Content-Type": "application/sparql-query", **JSON_ACCEPT})
    assert status == 413
    assert headers["content-type"] == "application/json"
    assert problem(body)["error"] == "request-entity-too-large"
    form = urllib.parse.urlencode({"query": query}).encode()
    status, _, _ = request(server, "POST", "/sparql", form, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 413
    # just under the limit is answered
    ok = (PAPERS + " " + "#" * (3900 - len(PAPERS))).encode()
    status, _, body = request(server, "POST", "/sparql", ok, {"Content-Type": "application/sparql-query"})
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 3


# --- what the guard refuses --------------------------------------------------------------


@pytest.mark.parametrize("query,limit", [
    ("SELECT * WHERE " + "{ " * 70 + "?s ?p ?o" + " }" * 70, "max_depth"),
    ("SELECT * WHERE { " + " ".join(f"BIND({i} AS ?v{i})" for i in range(501)) + " }", "max_binds"),
    ("SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }", "service_allowlist"),
], ids=["depth", "binds", "service"])
def test_guard_refusals_name_the_limit(server, query, limit):
    status, _, body = get(server, query, JSON_ACCEPT)  # GET: the 4000-byte body limit does not apply
    assert status == 400
    doc = problem(body)
    assert (doc["error"], doc["limit"]) == ("query-refused", limit)


# --- protocol errors ---------------------------------------------------------------------


def test_syntax_error_has_the_parsers_position_in_json_and_text(server):
    status, headers, body = get(server, "SELECT ?x WHERE {\n  ?x ?y\n}", JSON_ACCEPT)
    assert status == 400 and headers["content-type"] == "application/json"
    doc = problem(body)
    assert doc["error"] == "query-syntax" and (doc["line"], doc["column"]) == (3, 2)
    status, headers, body = get(server, "SELECT ?x WHERE {\n  ?x ?y\n}", {"Accept": "text/csv"})
    assert status == 400 and headers["content-type"].startswith("text/plain")
    text = body.decode()
    assert text.startswith("400 query-syntax: error at 3:2") and "^" in text and "Traceback" not in text


@pytest.mark.parametrize("ctype", ["text/plain", "application/json", None])
def test_wrong_request_type_is_415(server, ctype):
    headers = {"Content-Type": ctype} if ctype else {}
    status, _, body = request(server, "POST", "/sparql", b"ASK {}", {**headers, **JSON_ACCEPT})
    assert status == 415 and problem(body)["error"] == "unsupported-media-type"


def test_non_utf8_body_is_415(server):
    status, _, body = request(server, "POST", "/sparql", "ASK {}".encode("utf-16"),
                              {"Content-Type": "application/sparql-query; charset=UTF-16", **JSON_ACCEPT})
    assert status == 415 and "UTF-8" in problem(body)["message"]


@pytest.mark.parametrize("query,accept", [
    ("SELECT * WHERE { ?s ?p ?o } LIMIT 1", "text/turtle"),
    ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "application/sparql-results+json"),
    ("ASK {}", "image/png, text/html;q=0.5"),
])
def test_unservable_accept_is_406(server, query, accept):
    status, headers, body = get(server, query, {"Accept": accept})
    assert status == 406
    if "json" in accept:  # the error itself follows Accept: JSON when the client takes JSON
        assert headers["content-type"] == "application/json" and problem(body)["error"] == "not-acceptable"
    else:
        assert headers["content-type"].startswith("text/plain") and body.startswith(b"406 not-acceptable: ")


def test_format_override_that_cannot_serve_is_406(server):
    status, _, _ = get(server, "ASK {}", format="turtle")
    assert status == 406


@pytest.mark.parametrize("accept,media", [
    ("text/csv;q=0.5, application/sparql-results+xml", "application/sparql-results+xml"),
    ("*/*", "application/sparql-results+json"),
    ("text/*", "text/csv"),
    ("text/tab-separated-values, */*;q=0.1", "text/tab-separated-values"),
    ("application/sparql-results+json;q=0, */*", "application/sparql-results+xml"),
])
def test_select_content_negotiation(server, accept, media):
    status, headers, body = get(server, PAPERS, {"Accept": accept})
    assert status == 200 and headers["content-type"] == f"{media}; charset=utf-8"
    assert headers["vary"] == "Accept"
    assert body.count(b"https://w3id.org/brikg/id/paper/") == 3


@pytest.mark.parametrize("accept,fmt,media", [
    ("application/n-quads", None, "application/n-quads"),
    ("application/trig;q=0.9, text/turtle;q=0.8", None, "application/trig"),
    ("application/ld+json", None, "application/ld+json"),
    (None, "rdfxml", "application/rdf+xml"),
    ("text/turtle", "ntriples", "application/n-triples"),  # format= wins over Accept
])
def test_construct_content_negotiation(server, accept, fmt, media):
    import pyoxigraph as ox

    q = "PREFIX bri: <https://w3id.org/brikg/ontology#> CONSTRUCT { ?p a bri:Paper } WHERE { ?p a bri:Paper }"
    params = {"format": fmt} if fmt else {}
    status, headers, body = get(server, q, {"Accept": accept} if accept else {}, **params)
    assert status == 200 and headers["content-type"] == f"{media}; charset=utf-8"
    parsed = list(ox.parse(body, format=ox.RdfFormat.from_media_type(media)))
    assert len(parsed) == 3


def test_method_other_than_get_or_post_is_405(server):
    status, headers, _ = request(server, "PUT", "/sparql?query=ASK%20%7B%7D", b"", JSON_ACCEPT)
    assert status == 405


# --- CORS, logging -----------------------------------------------------------------------


def test_cors_preflight_and_read(server):
    status, headers, _ = request(server, "OPTIONS", "/sparql", headers={
        "Origin": "https://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert "Content-Type" in headers["access-control-allow-headers"]
    status, headers, _ = get(server, "ASK {}", {"Origin": "https://yasgui.example"})
    assert status == 200 and headers["access-control-allow-origin"] == "*"


def test_a_log_line_per_query_with_its_time(server):
    marker = "brikg-log-marker-" + str(os.getpid())
    assert get(server, f"ASK {{ ?s ?p '{marker}' }}")[0] == 200
    assert get(server, "SELECT * {", JSON_ACCEPT)[0] == 400
    wanted = [re.compile(r" query GET /sparql 200 form=ASK .*format=json rows=1 [0-9.]+ ms$"),
              re.compile(r" query GET /sparql 400 form=SELECT .*[0-9.]+ ms$")]
    deadline = time.monotonic() + 30
    while True:
        lines = [ln for ln in server.log.read_text().splitlines() if "brikg.sparql" in ln]
        found = [any(w.search(ln) for ln in lines) for w in wanted]
        if all(found) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert found == [True, True], lines[-5:]
    assert "Traceback" not in server.log.read_text()
