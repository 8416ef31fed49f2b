"""Dumps and the VoID description, over HTTP from the real server.

Every dump must parse back (rdflib and pyoxigraph) to what the store holds, named graphs kept
where the format has them; the JSON-LD must expand with pyld to the same quads; `brikg export`
must write the same bytes; /.well-known/void must count what is really there.
"""

from __future__ import annotations

import gzip
import json
import urllib.error
import urllib.request

import pyoxigraph as ox
import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from kg import dump
from kg.store import OxigraphStore
from service.cli import main as brikg

pytestmark = pytest.mark.e2e
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
RDFLIB_FORMAT = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig", "jsonld": "json-ld",
                 "rdfxml": "xml"}
OX_FORMAT = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
             "trig": ox.RdfFormat.TRIG, "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}
LIU = "https://w3id.org/brikg/id/paper/liu-2023-research-science-technology-cooperation"



@pytest.fixture(scope="module")
def server(built_store):
    from support import LiveServer

    s = LiveServer(built_store)
    s.store = built_store
    yield s
    s.stop()


def get(url: str, headers: dict | None = None, method: str = "GET"):
    req = urllib.request.Request(url, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def canonical(quads) -> list[str]:
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)
    return sorted(str(q) for q in ds)


@pytest.fixture(scope="module")
def store_quads(built_store) -> list[ox.Quad]:
    return list(OxigraphStore(built_store).quads())


def as_default(quads) -> list[ox.Quad]:
    return list({ox.Quad(q.subject, q.predicate, q.object) for q in quads})


@pytest.mark.parametrize("name", list(dump.FORMATS))
def test_each_dump_parses_back_with_pyoxigraph_to_the_store_content(server, store_quads, name):
    fmt = dump.FORMATS[name]
    status, headers, body = get(f"{server.url}/dumps/{dump.file_name(fmt)}")
    assert status == 200
    assert headers.get_content_type() == fmt.media_type
    parsed = list(ox.parse(body, format=OX_FORMAT[name]))
    expected = store_quads if fmt.keeps_graphs else as_default(store_quads)
    assert len(set(parsed)) == len(set(expected)) > 1700  # a union format may repeat a triple of two graphs
    assert canonical(parsed) == canonical(expected)


@pytest.mark.parametrize("name", list(dump.FORMATS))
def test_each_dump_parses_back_with_rdflib_isomorphic(server, built_store, store_quads, name):
    fmt = dump.FORMATS[name]
    _, _, body = get(f"{server.url}/dumps/{dump.file_name(fmt, gzip=True)}")
    data = gzip.decompress(body)
    if fmt.keeps_graphs:
        ds = Dataset()
        ds.parse(data=data, format=RDFLIB_FORMAT[name])
        graphs = {str(g.identifier) for g in ds.graphs() if len(g)}
        expected_graphs = sorted(OxigraphStore(built_store).named_graphs())
        assert sorted(graphs) == expected_graphs  # every named graph kept, nothing in the default graph
        for g_iri in expected_graphs:
            mine = Graph().parse(data=ox.serialize(
                (ox.Triple(q.subject, q.predicate, q.object) for q in store_quads if q.graph_name.value == g_iri),
                format=ox.RdfFormat.N_TRIPLES), format="nt")
            assert isomorphic(ds.graph(URIRef(g_iri)), mine), g_iri
    else:
        g = Graph().parse(data=data, format=RDFLIB_FORMAT[name])
        mine = Graph().parse(data=ox.serialize(
            (ox.Triple(q.subject, q.predicate, q.object) for q in store_quads), format=ox.RdfFormat.N_TRIPLES),
            format="nt")
        assert len(g) == len(mine)
        assert isomorphic(g, mine)


def test_jsonld_expands_with_pyld_to_the_same_quads(server, store_quads):
    status, headers, body = get(f"{server.url}/dumps/brikg.jsonld")
    assert status == 200 and headers.get_content_type() == "application/ld+json"
    doc = json.loads(body)
    _, _, ctx = get(f"{server.url}/dumps/context.jsonld")
    assert doc["@context"] == json.loads(ctx)["@context"]  # the published context is the one used
    assert doc["@context"]["bri"] == "https://w3id.org/brikg/ontology#"
    expanded = jsonld.expand(doc)
    assert any(node.get("@id") == LIU for node in expanded)
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    parsed = list(ox.parse(nquads.encode(), format=ox.RdfFormat.N_QUADS))
    assert canonical(parsed) == canonical(as_default(store_quads))  # the union of the graphs


@pytest.mark.parametrize("name", list(dump.FORMATS))
def test_export_writes_the_same_bytes_as_the_dump(server, built_store, tmp_path, name):
    fmt = dump.FORMATS[name]
    for gz in (False, True):
        out = tmp_path / dump.file_name(fmt, gz)
        assert brikg(["export", "--store", str(built_store), "--format", name, "--out", str(out)]) == 0
        _, _, body = get(f"{server.url}/dumps/{out.name}")
        assert out.read_bytes() == body, out.name


def test_gzip_file_and_content_encoding(server):
    status, headers, body = get(f"{server.url}/dumps/brikg.nt.gz")
    assert status == 200 and headers.get_content_type() == "application/gzip"
    assert 'filename="brikg.nt.gz"' in headers["Content-Disposition"]
    plain = get(f"{server.url}/dumps/brikg.nt")[2]
    assert gzip.decompress(body) == plain
    status, headers, encoded = get(f"{server.url}/dumps/brikg.nt", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert headers.get_content_type() == "application/n-triples" and "Accept-Encoding" in headers["Vary"]
    assert gzip.decompress(encoded) == plain
    assert f'<{LIU}> <http://prismstandard.org/namespaces/basic/2.0/doi> "10.16418/j.issn.1000-3045.20230713003"' \
        .encode() in plain


def test_dump_is_streamed_in_chunks(server):
    req = urllib.request.Request(f"{server.url}/dumps/brikg.nq")
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.headers.get("Transfer-Encoding") == "chunked" and r.headers.get("Content-Length") is None
        assert len(r.read()) > 100_000


def test_etag_gives_304_until_the_generation_changes(server):
    _, headers, _ = get(f"{server.url}/dumps/brikg.ttl")
    etag = headers["ETag"]
    assert etag.startswith('"') and headers["X-Brikg-Generation"] in etag
    status, _, body = get(f"{server.url}/dumps/brikg.ttl", {"If-None-Match": etag})
    assert status == 304 and body == b""
    status, _, _ = get(f"{server.url}/dumps/brikg.trig", {"If-None-Match": etag})
    assert status == 200


def test_head_sends_headers_only(server):
    status, headers, body = get(f"{server.url}/dumps/brikg.rdf", method="HEAD")
    assert status == 200 and body == b"" and headers.get_content_type() == "application/rdf+xml"


@pytest.mark.parametrize("name", ["brikg.n3", "brikg.ttl.zip", "other.ttl", "brikg", "..%2Fbrikg.ttl"])
def test_unknown_dump_is_404(server, name):
    status, headers, body = get(f"{server.url}/dumps/{name}", {"Accept": "application/json"})
    assert status == 404 and headers.get_content_type() == "application/json"
    assert json.loads(body)["error"] == "not-found"


def test_dumps_index_lists_every_file(server):
    status, headers, body = get(f"{server.url}/dumps/")
    assert status == 200 and headers.get_content_type() == "text/html"
    for fmt in dump.FORMATS.values():
        for gz in (False, True):
            assert f'href="/dumps/{dump.file_name(fmt, gz)}"'.encode() in body


# --- VoID --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def void(server) -> Graph:
    status, headers, body = get(f"{server.url}/.well-known/void")
    assert status == 200 and headers.get_content_type() == "text/turtle"
    return Graph().parse(data=body, format="turtle")


def test_void_counts_what_is_in_the_store(void, store_quads):
    ds = URIRef("https://w3id.org/brikg/id/dataset")
    assert int(void.value(ds, VOID.triples)) == len(store_quads)
    assert int(void.value(ds, VOID.distinctSubjects)) == len({q.subject for q in store_quads})
    parts = {void.value(p, VOID["class"]): int(void.value(p, VOID.entities))
             for p in void.objects(ds, VOID.classPartition)}
    assert parts[URIRef("https://w3id.org/brikg/ontology#Paper")] == 3  # the corpus holds three papers
    assert parts[URIRef("http://xmlns.com/foaf/0.1/Person")] == 10
    props = {void.value(p, VOID.property) for p in void.objects(ds, VOID.propertyPartition)}
    assert URIRef("https://w3id.org/brikg/ontology#hasAuthorship") in props
    assert int(void.value(ds, VOID.properties)) == len(props) == len({q.predicate for q in store_quads})
    assert void.value(ds, URIRef("http://purl.org/dc/terms/license")) == \
        URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert void.value(ds, VOID.uriSpace) == Literal("https://w3id.org/brikg/id/")


def test_void_lists_every_dump_and_the_endpoint_and_they_answer(server, void):
    ds = URIRef("https://w3id.org/brikg/id/dataset")
    dumps = sorted(str(u) for u in void.objects(ds, VOID.dataDump))
    assert dumps == sorted(f"{server.url}/dumps/{dump.file_name(f, gz)}"
                           for f in dump.FORMATS.values() for gz in (False, True))
    for url in dumps:
        assert get(url, method="HEAD")[0] == 200, url
    endpoint = void.value(ds, VOID.sparqlEndpoint)
    assert str(endpoint) == f"{server.url}/sparql"
    assert get(f"{endpoint}?query=ASK%7B%7D")[0] == 200
    dists = list(void.objects(ds, DCAT.distribution))
    assert len(dists) == 12
    assert all(void.value(d, DCAT.downloadURL) is not None and void.value(d, DCAT.mediaType) is not None
               for d in dists)


@pytest.mark.parametrize(("accept", "media", "parse"), [
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
    ("application/n-triples", "application/n-triples", "nt"),
])
def test_void_by_content_negotiation(server, accept, media, parse):
    status, headers, body = get(f"{server.url}/.well-known/void", {"Accept": accept})
    assert status == 200 and headers.get_content_type() == media and "Accept" in headers["Vary"]
    g = Graph().parse(data=body, format=parse)
    assert (URIRef("https://w3id.org/brikg/id/dataset"), None, VOID.Dataset) in g


def test_void_not_acceptable(server):
    status, headers, body = get(f"{server.url}/.well-known/void", {"Accept": "image/png"})
    assert status == 406 and headers.get_content_type() == "text/plain"
    status, _, _ = get(f"{server.url}/.well-known/void?format=csv")
    assert status == 406


def test_dataset_iri_sends_to_void(server):
    req = urllib.request.Request(f"{server.url}/id/dataset")

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as exc:
        opener.open(req, timeout=10)
    assert exc.value.code == 303 and exc.value.headers["Location"].endswith("/.well-known/void")


def test_export_refuses_an_unknown_format(built_store, capsys):
    assert brikg(["export", "--store", str(built_store), "--format", "csv"]) == 2
    assert "unknown RDF format 'csv'" in capsys.readouterr().err


def test_export_to_stdout_equals_file(built_store, tmp_path, capfdbinary):
    out = tmp_path / "x.nt"
    assert brikg(["export", "--store", str(built_store), "--format", "nt", "--out", str(out)]) == 0
    capfdbinary.readouterr()
    assert brikg(["export", "--store", str(built_store), "--format", "nt"]) == 0
    assert capfdbinary.readouterr().out == out.read_bytes()
