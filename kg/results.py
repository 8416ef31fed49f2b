"""SPARQL result formats: media types and serializers for solutions, booleans and graphs.

Solutions are serialized here rather than by the engine so that the row limit is checked
before a single byte leaves the worker: a response is either whole or an error, never a 200
that breaks off halfway.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"


@dataclass(frozen=True)
class Format:
    name: str  # the short name used by ?format= and --format
    media_type: str
    kind: str  # "solutions" (SELECT/ASK) or "graph" (CONSTRUCT/DESCRIBE) or "dataset"
    charset: bool = True


SOLUTION_FORMATS = [
    Format("json", "application/sparql-results+json", "solutions"),
    Format("xml", "application/sparql-results+xml", "solutions"),
    Format("csv", "text/csv", "solutions"),
    Format("tsv", "text/tab-separated-values", "solutions"),
]
GRAPH_FORMATS = [
    Format("turtle", "text/turtle", "graph"),
    Format("ntriples", "application/n-triples", "graph"),
    Format("jsonld", "application/ld+json", "graph"),
    Format("rdfxml", "application/rdf+xml", "graph"),
    Format("nquads", "application/n-quads", "dataset"),
    Format("trig", "application/trig", "dataset"),
]
ALIASES = {
    "ttl": "turtle", "nt": "ntriples", "n-triples": "ntriples", "json-ld": "jsonld",
    "rdf": "rdfxml", "xml-rdf": "rdfxml", "nq": "nquads", "n-quads": "nquads",
    "srj": "json", "srx": "xml", "application/json": "json",
}
BY_NAME = {f.name: f for f in SOLUTION_FORMATS + GRAPH_FORMATS}
OX_RDF = {
    "turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "jsonld": ox.RdfFormat.JSON_LD,
    "rdfxml": ox.RdfFormat.RDF_XML, "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
}


def format_named(name: str) -> Format | None:
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key in BY_NAME:
        return BY_NAME[key]
    return next((f for f in SOLUTION_FORMATS + GRAPH_FORMATS if f.media_type == key), None)


# --- terms -----------------------------------------------------------------------------------


def _json_term(t) -> dict:
    if isinstance(t, ox.NamedNode):
        return {"type": "uri", "value": t.value}
    if isinstance(t, ox.BlankNode):
        return {"type": "bnode", "value": t.value}
    if isinstance(t, ox.Literal):
        out = {"type": "literal", "value": t.value}
        if t.language:
            out["xml:lang"] = t.language
        elif t.datatype.value != XSD_STRING:
            out["datatype"] = t.datatype.value
        return out
    if isinstance(t, ox.Triple):
        return {"type": "triple", "value": {
            "subject": _json_term(t.subject), "predicate": _json_term(t.predicate),
            "object": _json_term(t.object)}}
    raise TypeError(f"unexpected term {t!r}")


def _xml_term(t) -> str:
    if isinstance(t, ox.NamedNode):
        return f"<uri>{escape(t.value)}</uri>"
    if isinstance(t, ox.BlankNode):
        return f"<bnode>{escape(t.value)}</bnode>"
    if isinstance(t, ox.Literal):
        if t.language:
            return f"<literal xml:lang={quoteattr(t.language)}>{escape(t.value)}</literal>"
        if t.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(t.datatype.value)}>{escape(t.value)}</literal>"
        return f"<literal>{escape(t.value)}</literal>"
    if isinstance(t, ox.Triple):
        return (f"<triple><subject>{_xml_term(t.subject)}</subject><predicate>{_xml_term(t.predicate)}"
                f"</predicate><object>{_xml_term(t.object)}</object></triple>")
    raise TypeError(f"unexpected term {t!r}")


def _csv_term(t) -> str:
    if t is None:
        return ""
    if isinstance(t, ox.BlankNode):
        return "_:" + t.value
    if isinstance(t, ox.NamedNode | ox.Literal):
        return t.value
    return str(t)


def _tsv_term(t) -> str:
    return "" if t is None else str(t)


# --- serializers -----------------------------------------------------------------------------


def serialize_solutions(variables: Sequence[str], rows: Iterable[Sequence], fmt: str) -> bytes:
    """Serialize SELECT rows (each a sequence of terms or None, in `variables` order)."""
    if fmt == "json":
        bindings = []
        for row in rows:
            bindings.append({v: _json_term(t) for v, t in zip(variables, row, strict=True) if t is not None})
        doc = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode()
    if fmt == "xml":
        out = ['<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head>']
        out += [f"<variable name={quoteattr(v)}/>" for v in variables]
        out.append("</head><results>")
        for row in rows:
            out.append("<result>")
            out += [f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                    for v, t in zip(variables, row, strict=True) if t is not None]
            out.append("</result>")
        out.append("</results></sparql>\n")
        return "".join(out).encode()
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(variables)
        for row in rows:
            w.writerow([_csv_term(t) for t in row])
        return buf.getvalue().encode()
    if fmt == "tsv":
        lines = ["\t".join("?" + v for v in variables)]
        lines += ["\t".join(_tsv_term(t) for t in row) for row in rows]
        return ("\n".join(lines) + "\n").encode()
    raise ValueError(f"not a solutions format: {fmt}")


def serialize_boolean(value: bool, fmt: str) -> bytes:
    if fmt == "json":
        return json.dumps({"head": {}, "boolean": value}).encode()
    if fmt == "xml":
        return (f'<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
                f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n").encode()
    if fmt in ("csv", "tsv"):
        return (("_askResult\r\n" if fmt == "csv" else "?_askResult\n") + ("true" if value else "false")
                + ("\r\n" if fmt == "csv" else "\n")).encode()
    raise ValueError(f"not a solutions format: {fmt}")


def serialize_triples(triples: Iterable, fmt: str, prefixes: dict[str, str] | None = None) -> bytes:
    if fmt not in OX_RDF or BY_NAME[fmt].kind not in ("graph", "dataset"):
        raise ValueError(f"not a graph format: {fmt}")
    if BY_NAME[fmt].kind == "dataset":
        triples = (ox.Quad(t.subject, t.predicate, t.object, ox.DefaultGraph()) for t in triples)
    kwargs = {"prefixes": prefixes} if prefixes and fmt in ("turtle", "trig", "rdfxml") else {}
    return ox.serialize(triples, format=OX_RDF[fmt], **kwargs) or b""
