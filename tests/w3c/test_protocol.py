"""The W3C SPARQL 1.1 Protocol tests, replayed from their manifest against the live server.

The manifest (`../shared/w3c/sparql/sparql11/protocol/manifest.ttl`, read in place, never
copied) describes each test as HTTP exchanges in the `ht:` vocabulary. Every exchange is sent
as written — method, headers, body bytes in the stated encoding — with two adaptations the
manifest itself asks for: its `/sparql/` path prefix becomes our endpoint `/sparql` (queries
and updates share it, as in Fuseki), and, since the instance under test has updates enabled,
every request carries the bearer token. Graph data named by `ut:graphData` is loaded into its
graph through the update endpoint before the test.

Known exceptions are listed in `KNOWN_EXCEPTIONS` with their reason (none at present).
"""

from __future__ import annotations

import http.client
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Namespace
from rdflib.collection import Collection
from support import SHARED, LiveServer

SUITE = SHARED / "w3c" / "sparql" / "sparql11" / "protocol"
MANIFEST = SUITE / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
HTS = Namespace("http://www.w3.org/2011/http-statusCodes#")
CNT = Namespace("http://www.w3.org/2011/content#")
UT = Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
TOKEN = "w3c-protocol-test-token"

#: test name -> why it does not pass. Each entry is an expected failure (strict: a fix must remove it).
KNOWN_EXCEPTIONS: dict[str, str] = {}

SOLUTION_TYPES = {"application/sparql-results+json", "application/sparql-results+xml"}
TABULAR_TYPES = SOLUTION_TYPES | {"text/csv", "text/tab-separated-values"}
RDF_TYPES = {"text/turtle": ox.RdfFormat.TURTLE, "application/n-triples": ox.RdfFormat.N_TRIPLES,
             "application/rdf+xml": ox.RdfFormat.RDF_XML}


@dataclass
class Exchange:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None
    statuses: set[int]  # expected status classes: 2, 3, 4
    boolean: bool | None = None
    fmt: str | None = None


@dataclass
class ProtocolTest:
    name: str
    title: str
    graph_data: list[tuple[Path, str]] = field(default_factory=list)
    exchanges: list[Exchange] = field(default_factory=list)


def _exchange(g: Graph, req) -> Exchange:
    headers = {}
    hlist = g.value(req, HT.headers)
    for h in Collection(g, hlist) if hlist is not None else []:
        headers[str(g.value(h, HT.fieldName))] = str(g.value(h, HT.fieldValue))
    body = None
    b = g.value(req, HT.body)
    if b is not None:
        encoding = str(g.value(b, CNT.characterEncoding) or "UTF-8")
        body = str(g.value(b, CNT.chars)).encode(encoding)
    resp = g.value(req, HT.resp)
    statuses = {int(str(s).removeprefix(str(HTS.StatusCode))[0]) for s in g.objects(resp, MF.expectedStatus)}
    boolean = g.value(resp, MF.expectedBoolean)
    fmt = g.value(resp, MF.expectedFormat)
    return Exchange(
        method=str(g.value(req, HT.methodName)), path=str(g.value(req, HT.absolutePath)), headers=headers,
        body=body, statuses=statuses, boolean=None if boolean is None else boolean.toPython(),
        fmt=None if fmt is None else str(fmt),
    )


def load_manifest() -> list[ProtocolTest]:
    if not MANIFEST.is_file():
        return []
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    tests = []
    for entry in Collection(g, g.value(manifest, MF.entries)):
        t = ProtocolTest(name=str(entry).rsplit("#", 1)[1], title=str(g.value(entry, MF.name)))
        for gd in g.objects(entry, UT.graphData):
            t.graph_data.append((Path(str(g.value(gd, UT.graph)).removeprefix("file://")),
                                 str(g.value(gd, RDFS.label))))
        action = g.value(entry, MF.action)
        for req in Collection(g, g.value(action, HT.requests)):
            t.exchanges.append(_exchange(g, req))
        tests.append(t)
    return tests


TESTS = load_manifest()


def test_manifest_has_its_34_exchanges():
    assert MANIFEST.is_file(), f"the W3C protocol manifest is missing: {MANIFEST}"
    assert len(TESTS) == 34
    assert all(t.exchanges for t in TESTS)


@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    """An update-enabled instance on a private copy of the built graph."""
    import shutil

    root = tmp_path_factory.mktemp("w3c-protocol")
    store = root / "store"
    shutil.copytree(built_store, store, symlinks=True)
    token_file = root / "token"
    token_file.write_text(TOKEN + "\n")
    srv = LiveServer(store, "--update-token-file", str(token_file), "--workers", "1")
    yield srv
    srv.stop()


def send(server: LiveServer, method: str, path: str, headers: dict[str, str], body: bytes | None):
    """One raw HTTP exchange (http.client adds no Content-Type of its own)."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    try:
        conn.request(method, path, body=body, headers={**headers, "Authorization": f"Bearer {TOKEN}"})
        r = conn.getresponse()
        return r.status, r.getheader("Content-Type") or "", r.read()
    finally:
        conn.close()


def load_graph_data(server: LiveServer, files: list[tuple[Path, str]]) -> None:
    """Put each data file into its named graph (replacing it) with one authorized update."""
    parts = []
    for name, graph in files:
        triples = ox.parse(path=str(SUITE / name.name), format=ox.RdfFormat.N_TRIPLES)
        body = " ".join(f"{t} ." for t in triples)
        parts.append(f"DROP SILENT GRAPH {ox.NamedNode(graph)} ; "
                     f"INSERT DATA {{ GRAPH {ox.NamedNode(graph)} {{ {body} }} }}")
    status, _, text = send(server, "POST", "/sparql", {"Content-Type": "application/sparql-update"},
                           " ;\n".join(parts).encode())
    assert status == 204, text


def our_path(path: str) -> str:
    """The manifest's `/sparql/` prefix mapped to our combined endpoint `/sparql`."""
    assert path.startswith("/sparql/"), path
    return "/sparql" + path.removeprefix("/sparql/")


def parse_boolean(ctype: str, body: bytes) -> bool:
    if ctype == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    root = ET.fromstring(body)
    return root.find("{http://www.w3.org/2005/sparql-results#}boolean").text == "true"


def check(ex: Exchange, status: int, content_type: str, body: bytes) -> None:
    assert status // 100 in ex.statuses, f"status {status}, expected {sorted(ex.statuses)}xx: {body[:300]!r}"
    media = content_type.split(";")[0].strip().lower()
    if ex.fmt == "boolean":
        assert media in SOLUTION_TYPES, media
    elif ex.fmt == "tabular":
        assert media in TABULAR_TYPES, media
        if media == "application/sparql-results+json":
            assert json.loads(body)["results"]["bindings"][0]["value"]["value"] == "1"
    elif ex.fmt == "RDF":
        assert media in RDF_TYPES, media
        list(ox.parse(body, format=RDF_TYPES[media], base_iri="http://127.0.0.1/"))  # it parses
    if ex.boolean is not None:
        assert parse_boolean(media, body) is ex.boolean


@pytest.mark.e2e
@pytest.mark.parametrize("test", TESTS, ids=[t.name for t in TESTS])
def test_protocol(server, test: ProtocolTest):
    if test.name in KNOWN_EXCEPTIONS:
        pytest.xfail(KNOWN_EXCEPTIONS[test.name])
    if test.graph_data:
        load_graph_data(server, test.graph_data)
    for ex in test.exchanges:
        status, ctype, body = send(server, ex.method, our_path(ex.path), ex.headers, ex.body)
        check(ex, status, ctype, body)


def test_the_harness_reads_every_request_as_written():
    """The harness itself: bodies keep their stated encoding, statuses their class."""
    by_name = {t.name: t for t in TESTS}
    non_utf8 = by_name["bad_query_non_utf8"].exchanges[0]
    assert non_utf8.body == "ASK {}".encode("utf-16")
    assert non_utf8.headers == {"content-type": "application/sparql-query; charset=UTF-16"}
    assert by_name["query_get"].exchanges[0].statuses == {2, 3}
    assert by_name["bad_query_method"].exchanges[0].method == "PUT"
    assert [len(t.exchanges) for t in TESTS].count(2) == 5  # the update tests check with a query
    assert our_path("/sparql/?query=ASK%20%7B%7D") == "/sparql?query=ASK%20%7B%7D"
    assert our_path("/sparql/") == "/sparql"
