"""The W3C SPARQL 1.1 Service Description tests, run against the live (read-only) server.

The manifest (`../shared/w3c/sparql/sparql11/service-description/manifest.ttl`) names three
tests without machine-readable expectations; each is checked here as its name states, with
the rules of the Service Description Recommendation (§3, the sd: vocabulary).
"""

from __future__ import annotations

import urllib.request

import pyoxigraph as ox
import pytest
from rdflib import RDF, Graph, Namespace, URIRef
from rdflib.collection import Collection
from support import SHARED

MANIFEST = SHARED / "w3c" / "sparql" / "sparql11" / "service-description" / "manifest.ttl"
MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")

#: The sd: vocabulary (SPARQL 1.1 Service Description, §3.2–3.4): classes, properties, instances.
SD_CLASSES = {"Service", "Feature", "Language", "Function", "Aggregate", "EntailmentRegime",
              "EntailmentProfile", "GraphCollection", "Dataset", "Graph", "NamedGraph"}
SD_PROPERTIES = {"endpoint", "feature", "defaultEntailmentRegime", "entailmentRegime",
                 "supportedEntailmentProfile", "defaultSupportedEntailmentProfile", "extensionFunction",
                 "extensionAggregate", "languageExtension", "supportedLanguage", "propertyFeature",
                 "defaultDataset", "availableGraphs", "resultFormat", "inputFormat", "defaultGraph",
                 "namedGraph", "name", "graph"}
SD_LANGUAGES = {SD.SPARQL10Query, SD.SPARQL11Query, SD.SPARQL11Update}
SD_FEATURES = {SD.DereferencesURIs, SD.UnionDefaultGraph, SD.RequiresDataset, SD.EmptyGraphs,
               SD.BasicFederatedQuery}
RDF_TYPES = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
             "application/n-triples": "nt"}


def entries() -> list[str]:
    if not MANIFEST.is_file():
        return []
    g = Graph().parse(MANIFEST, format="turtle")
    manifest = next(g.subjects(RDF.type, MF.Manifest))
    return [str(e).rsplit("#", 1)[1] for e in Collection(g, g.value(manifest, MF.entries))]


def fetch(url: str, accept: str | None) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, r.headers.get_content_type(), r.read()


def description(url: str, accept: str | None = None) -> Graph:
    status, media, body = fetch(url, accept)
    assert status == 200
    assert media in RDF_TYPES, media
    return Graph().parse(data=body, format=RDF_TYPES[media])


def returns_rdf(endpoint: str) -> None:
    for accept in (None, "text/turtle", "application/rdf+xml", "application/ld+json;q=0.9, */*;q=0.1"):
        status, media, body = fetch(endpoint, accept)
        assert status == 200 and media in RDF_TYPES, (accept, media)
        assert len(Graph().parse(data=body, format=RDF_TYPES[media])) > 10
    _, media, _ = fetch(endpoint, "application/rdf+xml")
    assert media == "application/rdf+xml"


def has_endpoint_triple(endpoint: str) -> None:
    g = description(endpoint)
    services = set(g.subjects(SD.endpoint, URIRef(endpoint)))
    assert services, f"no sd:endpoint <{endpoint}> in the description"
    assert all((s, RDF.type, SD.Service) in g for s in services)


def conforms_to_schema(endpoint: str) -> None:
    g = description(endpoint)
    ns = str(SD)
    for term in {t for triple in g for t in triple if isinstance(t, URIRef) and str(t).startswith(ns)}:
        local = str(term)[len(ns):]
        assert local in SD_CLASSES | SD_PROPERTIES or term in SD_LANGUAGES | SD_FEATURES, f"sd:{local} is not sd:"
    for p in {p for p in g.predicates() if str(p).startswith(ns)}:
        assert str(p)[len(ns):] in SD_PROPERTIES, p
    for c in {o for o in g.objects(None, RDF.type) if str(o).startswith(ns)}:
        assert str(c)[len(ns):] in SD_CLASSES, c
    services = set(g.subjects(RDF.type, SD.Service))
    assert len(services) == 1
    svc = services.pop()
    assert all(isinstance(e, URIRef) for e in g.objects(svc, SD.endpoint))
    languages = set(g.objects(svc, SD.supportedLanguage))
    assert languages and languages <= SD_LANGUAGES
    assert set(g.objects(svc, SD.feature)) <= SD_FEATURES
    assert all(isinstance(f, URIRef) for f in g.objects(svc, SD.resultFormat))
    for ds in g.objects(svc, SD.defaultDataset):  # ranges of the dataset properties (§3.3)
        assert (ds, RDF.type, SD.Dataset) in g
        for dg in g.objects(ds, SD.defaultGraph):
            assert (dg, RDF.type, SD.Graph) in g
        for ng in g.objects(ds, SD.namedGraph):
            assert (ng, RDF.type, SD.NamedGraph) in g
            names = list(g.objects(ng, SD.name))
            assert len(names) == 1 and isinstance(names[0], URIRef)


CHECKS = {"returns-rdf": returns_rdf, "has-endpoint-triple": has_endpoint_triple,
          "conforms-to-schema": conforms_to_schema}


def test_manifest_names_the_three_checks():
    assert MANIFEST.is_file(), f"the W3C service-description manifest is missing: {MANIFEST}"
    assert sorted(entries()) == sorted(CHECKS)


@pytest.mark.e2e
@pytest.mark.parametrize("name", entries())
def test_service_description(live_server, name):
    CHECKS[name](live_server.sparql)


@pytest.mark.e2e
def test_description_documents_the_dataset(live_server):
    g = description(live_server.sparql, "text/turtle")
    names = {str(n) for n in g.objects(None, SD.name)}
    papers = {n for n in names if n.startswith("https://w3id.org/brikg/id/graph/paper/")}
    assert len(papers) == 3
    assert {"https://w3id.org/brikg/id/graph/ontology", "https://w3id.org/brikg/id/graph/build"} <= names
    assert (None, SD.feature, SD.UnionDefaultGraph) in g
    assert (None, SD.supportedLanguage, SD.SPARQL11Update) not in g  # read-only by default
    comment = " ".join(str(o) for o in g.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert "default-graph-uri=urn:x-brikg:default" in comment
    assert ox.NamedNode(live_server.sparql)  # the endpoint is an absolute IRI
