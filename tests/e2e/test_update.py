"""SPARQL Update over HTTP: off by default, bearer token when on, SHACL gate, no local LOAD."""

from __future__ import annotations

import http.client
import json
import shutil
import urllib.parse

import pytest
from rdflib import Graph, Namespace
from support import LiveServer

pytestmark = pytest.mark.e2e

TOKEN = "update-test-token-7f3a"
LIU_2023 = "https://w3id.org/brikg/id/paper/liu-2023-research-science-technology-cooperation"
LIU_DOI = "10.16418/j.issn.1000-3045.20230713003"
PREFIXES = "PREFIX bri: <https://w3id.org/brikg/ontology#>\nPREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>\n"
NOTE = f'INSERT DATA {{ GRAPH <https://example.org/notes> {{ <{LIU_2023}> <https://example.org/note> "checked" }} }}'
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")


def request(server: LiveServer, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def update(server: LiveServer, text: str, token: str | None = TOKEN, path: str = "/sparql", form: bool = False,
           params: str = ""):
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if form:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urllib.parse.urlencode({"update": text}).encode()
    else:
        headers["Content-Type"] = "application/sparql-update"
        body = text.encode()
    return request(server, "POST", path + params, body, headers)


def ask(server: LiveServer, query: str, **params: str) -> bool:
    qs = urllib.parse.urlencode({"query": PREFIXES + query, **params})
    status, _, body = request(server, "GET", f"/sparql?{qs}")
    assert status == 200, body
    return json.loads(body)["boolean"]


@pytest.fixture(scope="module")
def read_only(tmp_path_factory, built_store):
    store = tmp_path_factory.mktemp("ro") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    srv = LiveServer(store)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def writable(tmp_path_factory, built_store):
    root = tmp_path_factory.mktemp("rw")
    store = root / "store"
    shutil.copytree(built_store, store, symlinks=True)
    (root / "token").write_text(TOKEN + "\n")
    srv = LiveServer(store, "--update-token-file", str(root / "token"))
    yield srv
    srv.stop()


@pytest.mark.parametrize("path,form", [("/sparql", False), ("/sparql", True), ("/update", False)])
def test_read_only_by_default_even_with_a_token(read_only, path, form):
    status, _, body = update(read_only, NOTE, path=path, form=form)
    assert status == 403
    assert json.loads(body)["error"] == "forbidden" and "read-only" in json.loads(body)["message"]
    assert not ask(read_only, "ASK { ?s <https://example.org/note> ?o }")


def test_without_a_bearer_token_is_401(writable):
    status, headers, body = update(writable, NOTE, token=None)
    assert status == 401
    assert headers["www-authenticate"] == 'Bearer realm="brikg"'
    assert json.loads(body)["error"] == "unauthorized"


def test_wrong_token_is_403(writable):
    status, _, body = update(writable, NOTE, token="not-the-token")
    assert status == 403 and json.loads(body)["error"] == "forbidden"
    assert not ask(writable, "ASK { ?s <https://example.org/note> ?o }")


@pytest.mark.parametrize("path,form", [("/sparql", False), ("/sparql", True), ("/update", False)])
def test_update_with_the_token_is_published(writable, path, form):
    value = f"{path}-{form}"
    triple = f'<{LIU_2023}> <https://example.org/via> "{value}"'
    text = f"INSERT DATA {{ GRAPH <https://example.org/notes> {{ {triple} }} }}"
    status, _, body = update(writable, text, path=path, form=form)
    assert status == 204, body
    assert ask(writable, f"ASK {{ GRAPH <https://example.org/notes> {{ {triple} }} }}")


def test_a_shacl_violation_is_422_and_nothing_changes(writable):
    bad = f'{PREFIXES}INSERT DATA {{ GRAPH <https://example.org/notes> {{ <{LIU_2023}> prism:doi "not-a-doi" }} }}'
    status, _, body = update(writable, bad)
    assert status == 422
    doc = json.loads(body)
    assert doc["error"] == "shacl-violation" and doc["violations"] >= 1
    assert not ask(writable, 'ASK { ?p prism:doi "not-a-doi" }')
    assert ask(writable, f'ASK {{ <{LIU_2023}> prism:doi "{LIU_DOI}" }}')


@pytest.mark.parametrize("text,limit", [
    ("LOAD <file:///etc/passwd>", "load"),
    ("LOAD <file:///etc/passwd> INTO GRAPH <https://example.org/g>", "load"),
    ("LOAD SILENT <http://127.0.0.1:9/data.ttl>", "load"),
    ("INSERT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "service_allowlist"),
])
def test_load_and_service_are_refused_even_with_the_token(writable, text, limit):
    status, _, body = update(writable, text)
    assert status == 400
    doc = json.loads(body)
    assert (doc["error"], doc["limit"]) == ("query-refused", limit)


def test_update_syntax_error_has_its_position(writable):
    status, _, body = update(writable, "INSERT DATA { <a:b> <a:c> }")
    assert status == 400
    doc = json.loads(body)
    assert doc["error"] == "query-syntax" and doc["line"] == 1 and doc["column"] >= 25


def test_update_by_get_is_refused(writable):
    qs = urllib.parse.urlencode({"update": NOTE})
    status, _, body = request(writable, "GET", f"/sparql?{qs}", headers={"Authorization": f"Bearer {TOKEN}",
                                                                        "Accept": "application/json"})
    assert status == 400 and json.loads(body)["limit"] == "method"


def test_query_sent_to_update_is_refused(writable):
    status, _, _ = request(writable, "POST", "/update", b"ASK {}", {"Content-Type": "application/sparql-query",
                                                                   "Authorization": f"Bearer {TOKEN}"})
    assert status == 400


def test_using_graph_uri_sets_the_where_dataset(writable):
    graph = "https://w3id.org/brikg/id/graph/paper/liu-2023-research-science-technology-cooperation"
    text = (f"{PREFIXES}INSERT {{ GRAPH <https://example.org/dois> {{ ?p prism:doi ?d }} }} "
            "WHERE { ?p prism:doi ?d }")
    # without USING, the WHERE of an update reads the store's real default graph: empty after a build
    assert update(writable, text)[0] == 204
    assert not ask(writable, "ASK { GRAPH <https://example.org/dois> { ?p ?q ?o } }")
    status, _, body = update(writable, text, params="?" + urllib.parse.urlencode({"using-graph-uri": graph}))
    assert status == 204, body
    assert ask(writable, f'ASK {{ GRAPH <https://example.org/dois> {{ <{LIU_2023}> prism:doi "{LIU_DOI}" }} }}')
    conflict = "WITH <https://example.org/x> " + text.split("\n", 2)[2]
    status, _, body = update(writable, PREFIXES + conflict,
                             params="?" + urllib.parse.urlencode({"using-graph-uri": graph}))
    assert status == 400 and json.loads(body)["limit"] == "dataset"


def test_the_real_default_graph_is_reachable(writable):
    text = 'INSERT DATA { <https://example.org/s> <https://example.org/p> "in the default graph" }'
    assert update(writable, text)[0] == 204
    real = {"default-graph-uri": "urn:x-brikg:default"}
    assert ask(writable, 'ASK { ?s ?p "in the default graph" }', **real)
    assert not ask(writable, "ASK { ?p a bri:Paper }", **real)  # the papers are in named graphs only
    assert ask(writable, "ASK { ?p a bri:Paper }")  # the union default graph has them
    assert ask(writable, 'ASK { ?s ?p "in the default graph" }')  # and the real default graph too


def test_description_advertises_update_only_when_enabled(writable, read_only):
    status, _, body = request(writable, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert status == 200
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) in Graph().parse(data=body, format="turtle")
    status, _, body = request(read_only, "GET", "/sparql", headers={"Accept": "text/turtle"})
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) not in Graph().parse(data=body, format="turtle")


def test_the_token_is_never_logged(writable):
    assert TOKEN not in writable.log.read_text()
