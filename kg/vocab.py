"""Closed namespaces for the external vocabularies the data uses that rdflib does not ship.

Only the terms brikg writes are declared, so a misspelt term fails at first use.
"""

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef


class FABIO(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/spar/fabio/")
    Expression: URIRef
    Journal: URIRef
    hasPublicationYear: URIRef


class FRAPO(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/cerif/frapo/")
    Grant: URIRef
    hasGrantNumber: URIRef


class CITO(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/spar/cito/")
    cites: URIRef


class DOCO(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/spar/doco/")
    Section: URIRef


class DEO(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://purl.org/spar/deo/")
    BibliographicReference: URIRef


class PRISM(DefinedNamespace):
    _fail = True
    _NS = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
    volume: URIRef
    issueIdentifier: URIRef
    startingPage: URIRef
    endingPage: URIRef
    doi: URIRef
    keyword: URIRef


PREFIXES = {
    "bri": "https://w3id.org/brikg/ontology#",
    "brid": "https://w3id.org/brikg/id/",
    "brish": "https://w3id.org/brikg/shapes#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "oa": "http://www.w3.org/ns/oa#",
    "fabio": "http://purl.org/spar/fabio/",
    "frapo": "http://purl.org/cerif/frapo/",
    "doco": "http://purl.org/spar/doco/",
    "deo": "http://purl.org/spar/deo/",
    "cito": "http://purl.org/spar/cito/",
    "prism": "http://prismstandard.org/namespaces/basic/2.0/",
    "schema": "https://schema.org/",
}
