"""SPARQL 1.1 Service Description of the endpoint, by content negotiation."""

from __future__ import annotations

from flask import Response, request, url_for
from rdflib import RDF, BNode, Graph, Literal, Namespace, URIRef

from kg import results
from service import conneg

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS_NS = "http://www.w3.org/ns/formats/"
_SD_FORMATS = {
    "json": "SPARQL_Results_JSON", "xml": "SPARQL_Results_XML", "csv": "SPARQL_Results_CSV",
    "tsv": "SPARQL_Results_TSV", "turtle": "Turtle", "ntriples": "N-Triples", "jsonld": "JSON-LD",
    "rdfxml": "RDF_XML", "nquads": "N-Quads", "trig": "TriG",
}
_OFFERED = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/ld+json": "json-ld",
            "application/n-triples": "nt"}


def graph(endpoint: str) -> Graph:
    g = Graph()
    g.bind("sd", SD)
    svc = URIRef(endpoint + "#service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(endpoint)))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.feature, SD.BasicFederatedQuery))
    for local in _SD_FORMATS.values():
        g.add((svc, SD.resultFormat, URIRef(FORMATS_NS + local)))
    ds = BNode()
    g.add((svc, SD.defaultDataset, ds))
    g.add((ds, RDF.type, SD.Dataset))
    dg = BNode()
    g.add((ds, SD.defaultGraph, dg))
    g.add((dg, RDF.type, SD.Graph))
    g.add((svc, URIRef("http://www.w3.org/2000/01/rdf-schema#comment"), Literal(
        "The default graph of a query is the union of all named graphs (one per paper, the "
        "ontology, build metadata); name graphs with default-graph-uri to query them alone.", lang="en")))
    return g


def service_description() -> Response:
    endpoint = url_for("sparql.sparql", _external=True)
    media = conneg.choose(request.headers.get("Accept"), list(_OFFERED), default="text/turtle")
    body = graph(endpoint).serialize(format=_OFFERED[media])
    resp = Response(body, content_type=f"{media}; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    return resp


__all__ = ["service_description", "graph", "results"]
