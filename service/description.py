"""SPARQL 1.1 Service Description of the endpoint, by content negotiation.

It says what a client cannot guess: the languages (Update only when this instance takes
updates), the result formats, that the default graph is the union of the named graphs, how the
real default graph is reached, and which named graphs exist.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urljoin

from flask import Response, request, url_for
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS

from kg.errors import StoreError
from service import conneg, engine

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML", "nquads": "N-Quads", "trig": "TriG",
}
_OFFERED = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
            "application/n-triples": "nt"}
_NAMED_GRAPHS = "SELECT DISTINCT ?g WHERE { GRAPH ?g { } } ORDER BY ?g"


def graph(endpoint: str, *, update_enabled: bool = False, named_graphs: Iterable[str] = (),
          default_graph_iri: str | None = None) -> Graph:
    g = Graph()
    g.bind("sd", SD)
    svc = URIRef(endpoint + "#service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(endpoint)))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    if update_enabled:
        g.add((svc, SD.supportedLanguage, SD.SPARQL11Update))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.feature, SD.BasicFederatedQuery))
    gsp = URIRef(urljoin(endpoint, "rdf-graphs"))  # Graph Store HTTP Protocol, docs/decisions/0004-graph-store.md
    g.add((svc, RDFS.seeAlso, gsp))
    g.add((gsp, RDF.type, DCAT.DataService))
    g.add((gsp, DCAT.endpointURL, gsp))
    g.add((gsp, DCTERMS.conformsTo, URIRef("http://www.w3.org/TR/sparql11-http-rdf-update/")))
    for local in _SD_FORMATS.values():
        g.add((svc, SD.resultFormat, URIRef(FORMATS_NS + local)))
    ds = BNode()
    g.add((svc, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    dg = BNode()
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    for name in named_graphs:
        ng = BNode()
        g.add((ds, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
    # infer=true|false (default false): simple entailment unless the client asks for the build's
    # OWL 2 RL materialization (kg/reason.py)
    g.add((svc, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    g.add((svc, SD.supportedEntailmentProfile, URIRef("http://www.w3.org/ns/owl-profile/RL")))
    real = (f" The store's own unnamed default graph is queried with default-graph-uri={default_graph_iri}."
            if default_graph_iri else "")
    g.add((svc, RDFS.comment, Literal(
        "The default graph of a query is the union of all graphs (one named graph per paper, the "
        "ontology, build metadata); name graphs with default-graph-uri to query them alone." + real +
        " Reasoning: infer=false (the default) answers from asserted facts only; infer=true adds the "
        "build's OWL 2 RL inferences (graph https://w3id.org/brikg/id/graph/inferred; how each was "
        "derived is in https://w3id.org/brikg/id/graph/inferred/derivations).", lang="en")))
    return g


def _named_graphs() -> list[str]:
    try:
        rows = engine.backend().select(_NAMED_GRAPHS)
    except StoreError:  # nothing published yet: describe the service without its graphs
        return []
    return [r["g"].value for r in rows if "g" in r]


def service_description(*, update_enabled: bool = False, default_graph_iri: str | None = None) -> Response:
    endpoint = url_for("sparql.sparql", _external=True)
    media = conneg.choose(request.headers.get("Accept"), list(_OFFERED), default="text/turtle")
    sd = graph(endpoint, update_enabled=update_enabled, named_graphs=_named_graphs(),
               default_graph_iri=default_graph_iri)
    body = sd.serialize(format=_OFFERED[media])
    resp = Response(body, content_type=f"{media}; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    return resp


__all__ = ["service_description", "graph"]
