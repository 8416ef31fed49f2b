"""Whole-graph dumps: one function writes every format, for `brikg export` and `/dumps/...`.

Both callers write through `write_dump`, so a file exported on the command line and the same
dump downloaded from the service are byte for byte the same (gzip included: the header holds
no time stamp and no file name). The order is fixed: the default graph, then each named graph
by IRI, each in store order. N-Quads and TriG keep the named graphs; Turtle, N-Triples, RDF/XML
and JSON-LD carry the union of all graphs (what a graph-loading client expects).

JSON-LD is written here, not by pyoxigraph (whose output is expanded, without a context): a
streamed document whose `@context` is `context()`, the same object the service publishes at
`/dumps/context.jsonld`, so that `brid:`, `bri:` and the reused vocabularies stay short.
"""

from __future__ import annotations

import itertools
import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

import pyoxigraph as ox

from kg.vocab import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
#: Turtle-family outputs leave `brid:` out: pyoxigraph would have to escape every "/" of a
#: resource IRI (`brid:paper\/liu-2023-…`); full IRIs read better.
_TEXT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p != "brid"}


@dataclass(frozen=True)
class DumpFormat:
    name: str  # as in `--format` and kg.results
    extension: str  # file name extension of the dump
    media_type: str
    keeps_graphs: bool


FORMATS: dict[str, DumpFormat] = {f.name: f for f in (
    DumpFormat("turtle", "ttl", "text/turtle", False),
    DumpFormat("ntriples", "nt", "application/n-triples", False),
    DumpFormat("nquads", "nq", "application/n-quads", True),
    DumpFormat("trig", "trig", "application/trig", True),
    DumpFormat("jsonld", "jsonld", "application/ld+json", False),
    DumpFormat("rdfxml", "rdf", "application/rdf+xml", False),
)}
BY_EXTENSION = {f.extension: f for f in FORMATS.values()}
DUMP_NAME = "brikg"  # files are brikg.<extension>[.gz]

_OX = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES, "nquads": ox.RdfFormat.N_QUADS,
       "trig": ox.RdfFormat.TRIG, "rdfxml": ox.RdfFormat.RDF_XML}


class QuadSource(Protocol):
    """What a dump reads: `kg.store.OxigraphStore` has both methods."""

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]: ...

    def named_graphs(self) -> list[str]: ...


def file_name(fmt: DumpFormat, gzip: bool = False) -> str:
    return f"{DUMP_NAME}.{fmt.extension}" + (".gz" if gzip else "")


def context() -> dict:
    """The JSON-LD context of the dumps: the project's prefixes, nothing else."""
    return {"@context": dict(PREFIXES)}


def ordered_quads(source: QuadSource) -> Iterator[ox.Quad]:
    """Every quad: the default graph first, then each named graph in IRI order."""
    for qd in source.quads(None):
        if isinstance(qd.graph_name, ox.DefaultGraph):
            yield qd
    for g in sorted(source.named_graphs()):
        yield from source.quads(g)


class GzipWriter:
    """A binary file-like that gzips into `out` with no time stamp: same input, same bytes."""

    def __init__(self, out: BinaryIO, level: int = 6) -> None:
        self.out = out
        self._z = zlib.compressobj(level, zlib.DEFLATED, 31)  # 31: gzip container, mtime 0

    def write(self, data: bytes) -> int:
        chunk = self._z.compress(bytes(data))
        if chunk:
            self.out.write(chunk)
        return len(data)

    def flush(self) -> None:
        """Nothing to do: compressed bytes leave as soon as zlib releases them."""

    def close(self) -> None:
        self.out.write(self._z.flush())


def write_dump(source: QuadSource, fmt: DumpFormat, out: BinaryIO, *, gzip: bool = False) -> None:
    """Write the whole graph of `source` as `fmt` to `out` (a binary file-like), gzipped or not."""
    sink = GzipWriter(out) if gzip else out
    quads = ordered_quads(source)
    if fmt.name == "jsonld":
        _write_jsonld((ox.Quad(qd.subject, qd.predicate, qd.object) for qd in quads), sink)
    elif fmt.keeps_graphs:
        kwargs = {"prefixes": _TEXT_PREFIXES} if fmt.name == "trig" else {}
        ox.serialize(quads, output=sink, format=_OX[fmt.name], **kwargs)
    else:
        triples = (ox.Triple(qd.subject, qd.predicate, qd.object) for qd in quads)
        kwargs = {"prefixes": _TEXT_PREFIXES} if fmt.name in ("turtle", "rdfxml") else {}
        ox.serialize(triples, output=sink, format=_OX[fmt.name], **kwargs)
    if gzip:
        sink.close()


# --- JSON-LD ---------------------------------------------------------------------------------


def _compact(iri: str) -> str:
    """A compact IRI (`bri:Paper`) when a prefix of the context fits and the result is safe."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            local = iri[len(ns):]
            if not local.startswith("//"):  # "p://..." would be read as an absolute IRI
                return f"{prefix}:{local}"
    return iri


def _node_id(term) -> str:
    if isinstance(term, ox.BlankNode):
        return "_:" + term.value
    if isinstance(term, ox.NamedNode):
        return _compact(term.value)
    raise ValueError(f"JSON-LD dumps cannot hold the term {term!r}")


def _value(term) -> dict:
    if isinstance(term, ox.Literal):
        out: dict = {"@value": term.value}
        if term.language:
            out["@language"] = term.language
        elif term.datatype.value not in (XSD_STRING, RDF_LANG_STRING):
            out["@type"] = _compact(term.datatype.value)
        return out
    return {"@id": _node_id(term)}


def _nodes(quads: Iterator[ox.Quad]) -> Iterator[dict]:
    """Node objects of one graph: consecutive quads of a subject become one object."""
    for subject, group in itertools.groupby(quads, key=lambda qd: qd.subject):
        node: dict = {"@id": _node_id(subject)}
        for qd in group:
            if qd.predicate.value == RDF_TYPE and isinstance(qd.object, ox.NamedNode):
                node.setdefault("@type", []).append(_compact(qd.object.value))
            else:
                node.setdefault(_compact(qd.predicate.value), []).append(_value(qd.object))
        yield node


def _write_jsonld(quads: Iterator[ox.Quad], out: BinaryIO) -> None:
    """One node object per line; a named graph (if given any) is a `{"@id": g, "@graph": [...]}`."""

    def emit(text: str) -> None:
        out.write(text.encode("utf-8"))

    emit('{"@context": ' + json.dumps(context()["@context"], ensure_ascii=False) + ',\n "@graph": [')
    sep = "\n  "
    for graph_name, group in itertools.groupby(quads, key=lambda qd: qd.graph_name):
        if isinstance(graph_name, ox.NamedNode):
            emit(sep + '{"@id": ' + json.dumps(_node_id(graph_name), ensure_ascii=False) + ', "@graph": [')
            inner = "\n   "
            for node in _nodes(group):
                emit(inner + json.dumps(node, ensure_ascii=False))
                inner = ",\n   "
            emit("]}")
        else:
            for node in _nodes(group):
                emit(sep + json.dumps(node, ensure_ascii=False))
                sep = ",\n  "
        sep = ",\n  "
    emit("\n]}\n")
