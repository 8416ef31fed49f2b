"""The HTTP front (service/front.py) through granian: replayed answers, publishes seen at once,
conditional requests, long answers streamed whole, bodies over the limit.

Every other e2e module runs through the same front, since granian is the default server.
"""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.parse

import pytest
from rdflib import Graph
from support import LiveServer

pytestmark = pytest.mark.e2e

TOKEN = "front-test-token"
JSON = "application/sparql-results+json"
PAPERS = "PREFIX bri: <https://w3id.org/brikg/ontology#> SELECT (COUNT(?p) AS ?n) { ?p a bri:Paper }"
NOTES = "SELECT (COUNT(*) AS ?n) { GRAPH <https://example.org/front-notes> { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    root = tmp_path_factory.mktemp("front")
    shutil.copytree(built_store, root / "store", symlinks=True)
    (root / "token").write_text(TOKEN + "\n")
    srv = LiveServer(root / "store", "--update-token-file", str(root / "token"), "--max-body", "4096")
    yield srv
    srv.stop()


def call(server: LiveServer, method: str, target: str, body: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:
    """Status, the headers in the order sent (names lower-cased), body."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, target, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, [(k.lower(), v) for k, v in r.getheaders()], r.read()
    finally:
        conn.close()


def get(server: LiveServer, query: str, accept: str = JSON, **headers: str):
    return call(server, "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), headers={"Accept": accept,
                                                                                              **headers})


def header(headers: list[tuple[str, str]], name: str) -> str | None:
    values = [v for k, v in headers if k == name]
    assert len(values) <= 1, (name, values)
    return values[0] if values else None


def count(body: bytes) -> int:
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def without(headers: list[tuple[str, str]], *names: str) -> list[tuple[str, str]]:
    return [(k, v) for k, v in headers if k not in names]


def test_a_repeated_get_is_replayed_byte_for_byte(server):
    query = PAPERS + " # replayed"
    first, second, third = (get(server, query) for _ in range(3))
    assert [r[0] for r in (first, second, third)] == [200, 200, 200]
    assert first[2] == second[2] == third[2] and count(first[2]) == 3
    assert [header(r[1], "x-cache") for r in (first, second, third)] == ["miss", "hit", "hit"]
    # the same headers in the same order, but for the cache state and the date
    assert without(second[1], "x-cache", "date") == without(first[1], "x-cache", "date")
    assert header(first[1], "server").startswith("brikg/")
    assert header(first[1], "etag") and header(first[1], "cache-control") == "no-cache"
    assert header(first[1], "access-control-allow-origin") == "*"
    lines = [ln for ln in server.log.read_text().splitlines() if "query GET /sparql 200" in ln and "rows=1" in ln]
    assert any("cache=hit" in ln and "form=SELECT" in ln and "format=json" in ln for ln in lines)


def test_each_representation_and_host_is_its_own_entry(server):
    query = PAPERS + " # representations"
    as_json, as_csv = get(server, query), get(server, query, "text/csv")
    assert header(as_csv[1], "x-cache") == "miss" and as_csv[2] == b"n\r\n3\r\n"
    assert header(get(server, query, "text/csv")[1], "x-cache") == "hit"
    other_host = get(server, query, Host=f"localhost:{server.port}")
    assert header(other_host[1], "x-cache") == "miss" and other_host[2] == as_json[2]


def test_a_conditional_get_is_answered_by_the_app(server):
    query = PAPERS + " # conditional"
    etag = header(get(server, query)[1], "etag")
    get(server, query)  # now stored by the front
    status, headers, body = get(server, query, **{"If-None-Match": etag})
    assert (status, body, header(headers, "etag")) == (304, b"", etag)
    status, _, body = get(server, query, **{"If-None-Match": '"something-else"'})
    assert status == 200 and count(body) == 3


def test_volatile_queries_are_never_replayed(server):
    query = "SELECT (RAND() AS ?r) {}"
    answers = [get(server, query) for _ in range(3)]
    assert [header(h, "x-cache") for _, h, _ in answers] == ["skip"] * 3
    assert len({body for _, _, body in answers}) == 3
    assert all(header(h, "cache-control") == "no-store" for _, h, _ in answers)


def test_a_publish_is_seen_by_the_next_request(server):
    before = get(server, NOTES)
    assert count(before[2]) == 0 and header(get(server, NOTES)[1], "x-cache") == "hit"
    update = ('INSERT DATA { GRAPH <https://example.org/front-notes> { '
              '<https://example.org/s> <https://example.org/p> "published" } }')
    status, _, body = call(server, "POST", "/sparql", update.encode(), {
        "Content-Type": "application/sparql-update", "Authorization": f"Bearer {TOKEN}"})
    assert status == 204, body
    after = get(server, NOTES)
    assert count(after[2]) == 1 and header(after[1], "x-cache") == "miss"
    assert header(after[1], "etag") != header(before[1], "etag")


def test_a_long_answer_is_streamed_whole(server):
    """Over a megabyte, the answer leaves the app a chunk at a time and must still be complete."""
    total = count(get(server, "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }")[2])
    status, headers, body = get(server, "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "application/n-triples")
    assert status == 200 and header(headers, "content-type").startswith("application/n-triples")
    assert len(body) > 1024 * 1024
    assert len(Graph().parse(data=body.decode("utf-8"), format="nt")) == total


def test_a_body_over_the_limit_is_413_whole_or_chunked(server):
    big = b"ASK { " + b"?s ?p ?o . " * 1000 + b"}"
    assert len(big) > 4096
    for headers in ({"Content-Length": str(len(big))}, {"Transfer-Encoding": "chunked"}):
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
        try:
            if "Content-Length" in headers:
                conn.request("POST", "/sparql", body=big, headers={
                    **headers, "Content-Type": "application/sparql-query", "Accept": "application/json"})
            else:
                conn.request("POST", "/sparql", body=iter([big[:3000], big[3000:]]), encode_chunked=True, headers={
                    **headers, "Content-Type": "application/sparql-query", "Accept": "application/json"})
            r = conn.getresponse()
            status, doc = r.status, json.loads(r.read())
        finally:
            conn.close()
        assert (status, doc["error"]) == (413, "request-entity-too-large"), headers
    small = call(server, "POST", "/sparql", b"ASK {}", {"Content-Type": "application/sparql-query", "Accept": JSON})
    assert small[0] == 200 and json.loads(small[2])["boolean"] is True


@pytest.fixture
def failing(tmp_path):
    """tests/e2e/front_app.py served by granian on a free loopback port."""
    import subprocess
    import sys
    import time

    from support import ROOT, free_port

    port = free_port()
    log = tmp_path / "granian.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--host",
                                 "127.0.0.1", "--port", str(port), "--log-level", "warning", "--working-dir",
                                 str(ROOT / "tests" / "e2e"), "front_app:create"],
                                cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                http.client.HTTPConnection("127.0.0.1", port, timeout=2).connect()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def fetch(port: int, path: str) -> tuple[int, bytes | Exception]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        try:
            return r.status, r.read()
        except http.client.IncompleteRead as exc:
            return r.status, exc
    finally:
        conn.close()


def test_a_failure_after_the_status_line_cuts_the_answer_visibly(failing):
    from front_app import CHUNK, PIECES

    status, whole = fetch(failing, "/streamed")
    assert status == 200 and whole == b"y" * CHUNK * PIECES
    status, cut = fetch(failing, "/streamed-then-fails")
    assert status == 200 and isinstance(cut, http.client.IncompleteRead)


def test_a_failure_before_the_first_byte_is_a_500_without_a_trace(failing):
    status, body = fetch(failing, "/fails-before-the-first-byte")
    assert status == 500 and body.startswith(b"500 internal-error:") and b"Traceback" not in body
    assert fetch(failing, "/streamed")[0] == 200  # and the server goes on


def test_head_has_the_headers_of_get_and_no_body(server):
    query = "/sparql?" + urllib.parse.urlencode({"query": PAPERS + " # head"})
    got = call(server, "GET", query, headers={"Accept": JSON})
    head = call(server, "HEAD", query, headers={"Accept": JSON})
    assert (head[0], head[2]) == (200, b"")
    for name in ("content-type", "content-length", "etag", "vary"):
        assert header(head[1], name) == header(got[1], name), name
