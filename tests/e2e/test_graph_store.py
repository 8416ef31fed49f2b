"""End to end: the Graph Store HTTP Protocol at /rdf-graphs, every status code, over real HTTP."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import urllib.parse

import pyoxigraph as ox
import pytest
from support import LiveServer

pytestmark = pytest.mark.e2e

TOKEN = "gsp-e2e-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MAX_BODY = 4 * 1024 * 1024  # above any paper graph (the 2023 paper with its tables is ~1.5 MB)
LIU = "https://w3id.org/brikg/id/graph/paper/liu-2023-research-science-technology-cooperation"
LIU_PAPER = "https://w3id.org/brikg/id/paper/liu-2023-research-science-technology-cooperation"
LIU_TITLE = "Research on science and technology cooperation pattern of the Belt and Road Initiative"
LIU_DOI = "10.16418/j.issn.1000-3045.20230713003"
ONTOLOGY = "https://w3id.org/brikg/id/graph/ontology"
BUILD = "https://w3id.org/brikg/id/graph/build"
DCT_TITLE = "http://purl.org/dc/terms/title"
DOI = "http://prismstandard.org/namespaces/basic/2.0/doi"
PERSON = (b'@prefix foaf: <http://xmlns.com/foaf/0.1/> .\n'
          b'<http://example.org/p/%s> a foaf:Person ; foaf:name "%s"@en .\n')
LIU_SLUG_PATH = "/rdf-graphs/paper/liu-2023-research-science-technology-cooperation"


def call(server: LiveServer, method: str, path: str, body: bytes | None = None,
         headers: dict | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def g(iri: str) -> str:
    return "/rdf-graphs?graph=" + urllib.parse.quote(iri, safe="")


def quads(body: bytes, media: str) -> set:
    fmt = ox.RdfFormat.from_media_type(media)
    return {(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}


def ask(server: LiveServer, query: str) -> bool:
    status, _, body = call(server, "GET", "/sparql?query=" + urllib.parse.quote(query),
                           headers={"Accept": "application/sparql-results+json"})
    assert status == 200, body
    return json.loads(body)["boolean"]


def current(store) -> str:
    return os.readlink(store / "current")


@pytest.fixture(scope="module")
def writable(tmp_path_factory, built_store):
    """A server that takes writes with TOKEN, on its own copy of the built store."""
    root = tmp_path_factory.mktemp("gsp")
    shutil.copytree(built_store, root / "store", symlinks=True)
    (root / "token").write_text(TOKEN)
    server = LiveServer(root / "store", "--update-token-file", str(root / "token"), "--max-body", str(MAX_BODY))
    server.store = root / "store"
    yield server
    server.stop()


# --- reads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("media", ["text/turtle", "application/n-triples", "application/ld+json",
                                   "application/rdf+xml", "application/n-quads", "application/trig"])
def test_get_a_paper_graph_in_every_format(live_server, media):
    status, headers, body = call(live_server, "GET", g(LIU), headers={"Accept": media})
    assert status == 200
    assert headers["content-type"] == f"{media}; charset=utf-8"
    assert headers["vary"] == "Accept"
    got = quads(body, media)
    title = (ox.NamedNode(LIU_PAPER), ox.NamedNode(DCT_TITLE), ox.Literal(LIU_TITLE, language="en"))
    doi = (ox.NamedNode(LIU_PAPER), ox.NamedNode(DOI), ox.Literal(LIU_DOI))
    assert title in got and doi in got
    # the same triples as the graph holds according to SPARQL
    q = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{LIU}> {{ ?s ?p ?o }} }}"
    _, _, nt = call(live_server, "GET", "/sparql?query=" + urllib.parse.quote(q),
                    headers={"Accept": "application/n-triples"})
    assert got == quads(nt, "application/n-triples")


def test_direct_identification_is_the_same_graph(live_server):
    _, _, indirect = call(live_server, "GET", g(LIU), headers={"Accept": "application/n-triples"})
    status, headers, direct = call(live_server, "GET", LIU_SLUG_PATH, headers={"Accept": "application/n-triples"})
    assert status == 200 and headers["content-type"] == "application/n-triples; charset=utf-8"
    assert direct == indirect


def test_no_accept_gives_turtle_and_format_parameter_overrides(live_server):
    status, headers, _ = call(live_server, "GET", g(LIU))
    assert (status, headers["content-type"]) == (200, "text/turtle; charset=utf-8")
    status, headers, _ = call(live_server, "GET", g(LIU) + "&format=jsonld", headers={"Accept": "text/turtle"})
    assert (status, headers["content-type"]) == (200, "application/ld+json; charset=utf-8")


def test_whole_dataset_is_nquads_or_trig(live_server):
    status, headers, body = call(live_server, "GET", "/rdf-graphs")
    assert (status, headers["content-type"]) == (200, "application/n-quads; charset=utf-8")
    graphs = {q.graph_name.value for q in ox.parse(body, format=ox.RdfFormat.N_QUADS)}
    assert {LIU, ONTOLOGY, BUILD} <= graphs
    assert sum(1 for x in graphs if x.startswith("https://w3id.org/brikg/id/graph/paper/")) == 3
    status, headers, trig = call(live_server, "GET", "/rdf-graphs", headers={"Accept": "application/trig"})
    assert (status, headers["content-type"]) == (200, "application/trig; charset=utf-8")
    assert set(ox.parse(trig, format=ox.RdfFormat.TRIG)) == set(ox.parse(body, format=ox.RdfFormat.N_QUADS))


def test_406_for_a_dataset_in_a_triple_format_or_an_unknown_type(live_server):
    status, headers, body = call(live_server, "GET", "/rdf-graphs",
                                 headers={"Accept": "text/turtle", "Content-Type": "text/plain"})
    assert status == 406
    assert b"application/n-quads, application/trig" in body
    status, _, body = call(live_server, "GET", g(LIU), headers={"Accept": "image/png"})
    assert status == 406 and b"text/turtle" in body


def test_head_has_the_headers_of_get_and_no_body(live_server):
    _, get_headers, get_body = call(live_server, "GET", g(LIU), headers={"Accept": "text/turtle"})
    status, headers, body = call(live_server, "HEAD", g(LIU), headers={"Accept": "text/turtle"})
    assert (status, body) == (200, b"")
    assert headers["content-type"] == get_headers["content-type"]
    assert int(headers["content-length"]) == len(get_body)


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_404_for_an_unknown_graph(live_server, method):
    status, headers, body = call(live_server, method, g("http://example.org/no-such-graph"),
                                 headers={"Accept": "application/json"})
    assert status == 404
    if method == "GET":
        doc = json.loads(body)
        assert doc["error"] == "graph-not-found"
        assert doc["message"] == "no graph <http://example.org/no-such-graph> in this dataset"
    status, _, _ = call(live_server, method, "/rdf-graphs/paper/no-such-paper")
    assert status == 404


def test_default_graph_of_a_build_is_empty(live_server):
    status, headers, body = call(live_server, "GET", "/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert (status, headers["content-type"], body) == (200, "application/n-triples; charset=utf-8", b"")


@pytest.mark.parametrize("query,message", [
    ("?default&graph=http%3A%2F%2Fexample.org%2Fg", "name one graph: `graph=IRI` or `default`, not both"),
    ("?graph=relative%2Fg", "`graph=` must be an absolute IRI"),
    ("?graph=http%3A%2F%2Fa%2F1&graph=http%3A%2F%2Fa%2F2", "exactly one `graph=` is allowed per request; got 2"),
])
def test_400_for_a_graph_named_wrongly(live_server, query, message):
    status, _, body = call(live_server, "GET", "/rdf-graphs" + query, headers={"Accept": "application/json"})
    assert status == 400
    doc = json.loads(body)
    assert doc["error"] == "bad-graph-request" and message in doc["message"]


# --- who may write --------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["PUT", "POST", "DELETE"])
def test_read_only_instance_refuses_writes_with_403(live_server, method):
    status, _, body = call(live_server, method, g("http://example.org/g"), PERSON % (b"1", b"A"),
                           {**AUTH, "Content-Type": "text/turtle", "Accept": "application/json"})
    assert status == 403
    assert json.loads(body)["message"] == "this endpoint is read-only: updates are disabled on this instance"


@pytest.mark.parametrize("headers,status", [({}, 401), ({"Authorization": "Bearer wrong"}, 403),
                                            ({"Authorization": f"Basic {TOKEN}"}, 401)])
def test_writes_need_the_token(writable, headers, status):
    before = current(writable.store)
    got, resp_headers, _ = call(writable, "PUT", g("http://example.org/unauth"), PERSON % (b"1", b"A"),
                                {**headers, "Content-Type": "text/turtle"})
    assert got == status
    if status == 401:
        assert resp_headers["www-authenticate"] == 'Bearer realm="brikg"'
    assert current(writable.store) == before
    assert call(writable, "GET", g("http://example.org/unauth"))[0] == 404


@pytest.mark.parametrize("graph", [ONTOLOGY, BUILD])
def test_ontology_and_build_graphs_are_read_only(writable, graph):
    _, _, before = call(writable, "GET", g(graph), headers={"Accept": "application/n-triples"})
    for method in ("PUT", "POST", "DELETE"):
        status, _, body = call(writable, method, g(graph), b"", {**AUTH, "Content-Type": "text/turtle",
                                                                 "Accept": "application/json"})
        assert status == 403
        assert "which only `brikg build` writes" in json.loads(body)["message"]
    assert call(writable, "GET", g(graph), headers={"Accept": "application/n-triples"})[2] == before


# --- writes ---------------------------------------------------------------------------------


def test_put_creates_201_then_replaces_204(writable):
    iri = "http://example.org/gsp/put"
    h = {**AUTH, "Content-Type": "text/turtle"}
    assert call(writable, "PUT", g(iri), PERSON % (b"1", b"Ada"), h)[0] == 201
    status, _, body = call(writable, "PUT", g(iri), PERSON % (b"2", b"Bo"), h)
    assert (status, body) == (204, b"")
    _, _, nt = call(writable, "GET", g(iri), headers={"Accept": "application/n-triples"})
    assert quads(nt, "application/n-triples") == quads(PERSON % (b"2", b"Bo"), "text/turtle")
    # the query workers see the new generation
    assert ask(writable, f'ASK {{ GRAPH <{iri}> {{ <http://example.org/p/2> ?p "Bo"@en }} }}')
    assert not ask(writable, f"ASK {{ GRAPH <{iri}> {{ <http://example.org/p/1> ?p ?o }} }}")


def test_post_merges_201_then_204_with_fresh_blank_nodes(writable):
    iri = "http://example.org/gsp/post"
    h = {**AUTH, "Content-Type": "application/n-triples"}
    body = b'_:b <http://xmlns.com/foaf/0.1/nick> "x" .\n'
    assert call(writable, "POST", g(iri), body, h)[0] == 201
    assert call(writable, "POST", g(iri), body, h)[0] == 204
    _, _, nt = call(writable, "GET", g(iri), headers={"Accept": "application/n-triples"})
    subjects = {q.subject for q in ox.parse(nt, format=ox.RdfFormat.N_TRIPLES)}
    assert len(subjects) == 2  # two POSTs of `_:b` are two resources, not one


def test_post_to_the_store_creates_a_graph_with_location(writable):
    status, headers, _ = call(writable, "POST", "/rdf-graphs", PERSON % (b"3", b"Cy"),
                              {**AUTH, "Content-Type": "text/turtle"})
    assert status == 201
    location = headers["location"]
    assert location.startswith("https://w3id.org/brikg/id/graph/upload/")
    status, _, nt = call(writable, "GET", g(location), headers={"Accept": "application/n-triples"})
    assert status == 200 and quads(nt, "application/n-triples") == quads(PERSON % (b"3", b"Cy"), "text/turtle")
    direct = "/rdf-graphs/" + location.removeprefix("https://w3id.org/brikg/id/graph/")
    assert call(writable, "GET", direct, headers={"Accept": "application/n-triples"})[2] == nt


def test_multipart_post_merges_every_part(writable):
    iri = "http://example.org/gsp/multipart"
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"; filename=\"a.ttl\"\r\n"
            b"Content-Type: text/turtle\r\n\r\n<http://example.org/s> <http://example.org/p> 1 .\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"b\"; filename=\"b.nt\"\r\n"
            b"Content-Type: application/n-triples\r\n\r\n<http://example.org/s> <http://example.org/p> \"2\" .\r\n"
            b"--XyZ--\r\n")
    status, _, _ = call(writable, "POST", g(iri), body, {**AUTH, "Content-Type": "multipart/form-data; boundary=XyZ"})
    assert status == 201
    _, _, nt = call(writable, "GET", g(iri), headers={"Accept": "application/n-triples"})
    assert {t[2].value for t in quads(nt, "application/n-triples")} == {"1", "2"}


def test_delete_204_then_404(writable):
    iri = "http://example.org/gsp/delete"
    assert call(writable, "PUT", g(iri), PERSON % (b"4", b"Di"), {**AUTH, "Content-Type": "text/turtle"})[0] == 201
    assert call(writable, "DELETE", g(iri), headers=AUTH)[:3:2] == (204, b"")
    assert call(writable, "GET", g(iri))[0] == 404
    status, _, body = call(writable, "DELETE", g(iri), headers={**AUTH, "Accept": "application/json"})
    assert status == 404 and json.loads(body)["error"] == "graph-not-found"


def test_default_graph_is_the_stored_one_and_the_union_sees_it(writable):
    h = {**AUTH, "Content-Type": "text/turtle"}
    assert call(writable, "PUT", "/rdf-graphs?default", PERSON % (b"5", b"Ed"), h)[0] == 204  # always exists
    _, _, nt = call(writable, "GET", "/rdf-graphs?default", headers={"Accept": "application/n-triples"})
    assert quads(nt, "application/n-triples") == quads(PERSON % (b"5", b"Ed"), "text/turtle")
    assert ask(writable, 'ASK { <http://example.org/p/5> ?p "Ed"@en }')  # the union default graph of /sparql
    assert call(writable, "GET", g("urn:x-brikg:default"), headers={"Accept": "application/n-triples"})[2] == nt
    assert call(writable, "DELETE", "/rdf-graphs?default", headers=AUTH)[0] == 204
    assert call(writable, "GET", "/rdf-graphs?default")[:3:2] == (200, b"")


def test_put_needs_a_graph_400(writable):
    status, _, body = call(writable, "PUT", "/rdf-graphs", PERSON % (b"6", b"Fa"),
                           {**AUTH, "Content-Type": "text/turtle", "Accept": "application/json"})
    assert status == 400 and json.loads(body)["error"] == "bad-graph-request"


def test_400_for_a_body_that_does_not_parse_with_line_and_column(writable):
    iri = "http://example.org/gsp/syntax"
    body = b'@prefix ex: <http://example.org/> .\nex:s ex:p "ok" .\nex:s ex:p .\n'
    before = current(writable.store)
    status, headers, resp = call(writable, "PUT", g(iri), body,
                                 {**AUTH, "Content-Type": "text/turtle", "Accept": "application/json"})
    assert status == 400 and headers["content-type"] == "application/json"
    doc = json.loads(resp)
    assert doc["error"] == "data-syntax"
    assert (doc["line"], doc["column"]) == (3, 11)
    assert doc["message"].startswith("the text/turtle body does not parse: Parser error at line 3 column 11")
    assert current(writable.store) == before and call(writable, "GET", g(iri))[0] == 404


def test_415_for_an_unknown_media_type(writable):
    for ctype in ("text/n3", "application/sparql-update", "application/octet-stream"):
        status, _, body = call(writable, "PUT", g("http://example.org/gsp/415"), b"<a> <b> <c> .",
                               {**AUTH, "Content-Type": ctype, "Accept": "application/json"})
        assert status == 415, ctype
        assert json.loads(body)["error"] == "unsupported-media-type"


def test_413_for_a_body_over_the_limit(writable):
    body = b"".join(b'<http://example.org/s> <http://example.org/p> "%d" .\n' % i for i in range(100_000))
    assert len(body) > MAX_BODY
    before = current(writable.store)
    status, _, _ = call(writable, "PUT", g("http://example.org/gsp/413"), body,
                        {**AUTH, "Content-Type": "application/n-triples"})
    assert status == 413
    assert current(writable.store) == before


# --- the SHACL gate -------------------------------------------------------------------------


def test_a_write_shacl_refuses_is_422_with_the_report_and_changes_nothing(writable):
    generations = sorted(p.name for p in (writable.store / "generations").iterdir())
    gen_before = current(writable.store)
    _, _, before = call(writable, "GET", g(LIU), headers={"Accept": "application/n-quads"})
    # a second, malformed DOI: the paper shape allows one DOI of the form 10.NNNN/suffix
    bad = f'<{LIU_PAPER}> <http://prismstandard.org/namespaces/basic/2.0/doi> "not a doi" .\n'.encode()
    status, headers, resp = call(writable, "POST", g(LIU), bad,
                                 {**AUTH, "Content-Type": "application/n-triples", "Accept": "application/json"})
    assert status == 422 and headers["content-type"] == "application/json"
    doc = json.loads(resp)
    assert doc["error"] == "shacl-violation" and doc["violations"] >= 1
    assert "brish:PaperShape" in doc["report"]
    assert "\n  brid:paper/liu-2023-research-science-technology-cooperation" in doc["report"]  # the focus node
    assert "[Violation] prism:doi:" in doc["report"]  # the report prints paths as prefixed names
    assert "A DOI is one string of the form 10.NNNN/suffix." in doc["report"]
    # PUT that replaces the paper's record with one without a title: refused as well
    untitled = f"<{LIU_PAPER}> a <https://w3id.org/brikg/ontology#Paper> .".encode()
    status, _, resp = call(writable, "PUT", g(LIU), untitled,
                           {**AUTH, "Content-Type": "text/turtle", "Accept": "application/json"})
    assert status == 422 and "A paper needs a title" in json.loads(resp)["report"]
    _, _, after = call(writable, "GET", g(LIU), headers={"Accept": "application/n-quads"})
    assert after == before  # byte for byte
    assert current(writable.store) == gen_before
    assert sorted(p.name for p in (writable.store / "generations").iterdir()) == generations


def test_a_valid_write_of_a_paper_graph_is_published(writable):
    _, _, turtle = call(writable, "GET", g(LIU), headers={"Accept": "text/turtle"})
    status, _, _ = call(writable, "PUT", g(LIU), turtle, {**AUTH, "Content-Type": "text/turtle"})
    assert status == 204
    _, _, again = call(writable, "GET", g(LIU), headers={"Accept": "text/turtle"})
    assert quads(again, "text/turtle") == quads(turtle, "text/turtle")
    assert ask(writable, f'ASK {{ GRAPH <{LIU}> {{ ?p <{DOI}> "{LIU_DOI}" }} }}')
