"""The SPARQL 1.1 Graph Store HTTP Protocol at `/rdf-graphs`: read or replace one graph without SPARQL.

Graphs are named indirectly (`?graph=IRI`, `?default`) or directly under the service's own path:
`/rdf-graphs/<name>` is the graph `https://w3id.org/brikg/id/graph/<name>`, the same scheme as
the papers' graphs, so `/rdf-graphs/paper/<slug>` is one paper (docs/decisions/0004-graph-store.md).

GET and HEAD are open to everyone and plain quad scans of the served generation. PUT, POST and
DELETE need the update token and go through `kg.store.publish` with the SHACL gate of a build:
data that would make the graph invalid is refused (422) and the served graph is left untouched.
"""

from __future__ import annotations

import codecs
import logging
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from kg import iris, results
from kg.errors import BadGraphRequest, DataSyntaxError, Forbidden, GraphNotFound, NotAcceptable, UnsupportedMediaType
from kg.ns import BRID
from kg.query import DEFAULT_GRAPH_IRI
from kg.store import publish
from kg.validate import check_store
from kg.vocab import PREFIXES
from service import conneg, engine
from service.auth import require_update_token

bp = Blueprint("graphstore", __name__)
log = logging.getLogger("brikg.graphstore")

GRAPH_IRI_BASE = f"{BRID}{iris.GRAPH_BASE}"
#: Graphs a build writes and the protocol only reads.
PROTECTED = {str(iris.ONTOLOGY_GRAPH): "the ontology", str(iris.BUILD_GRAPH): "the build metadata"}
#: Graphs created by a POST to the store itself get an IRI under this prefix.
NEW_GRAPH_PREFIX = f"{GRAPH_IRI_BASE}upload/"

#: Media types a graph body may have (one graph: triple formats only), by format name.
WRITE_TYPES = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/n-triples": "ntriples",
    "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml",
}
#: For a multipart part sent as application/octet-stream: its file name decides.
EXTENSIONS = {".ttl": "turtle", ".nt": "ntriples", ".jsonld": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml"}
GRAPH_TYPES = [f.media_type for f in results.GRAPH_FORMATS]
DATASET_TYPES = [f.media_type for f in results.GRAPH_FORMATS if f.kind == "dataset"]
ACCEPT_ALIASES = {"application/x-turtle": "turtle", "text/plain": "ntriples", "application/json": "jsonld",
                  "application/xml": "rdfxml", "text/xml": "rdfxml"}


@dataclass(frozen=True)
class Target:
    """What a request addresses: a named graph, the stored default graph, or the whole dataset."""

    graph: str | None  # a named graph IRI
    default: bool = False

    @property
    def dataset(self) -> bool:
        return self.graph is None and not self.default

    @property
    def term(self) -> ox.NamedNode | ox.DefaultGraph:
        return ox.NamedNode(self.graph) if self.graph else ox.DefaultGraph()

    def __str__(self) -> str:
        return f"<{self.graph}>" if self.graph else "the default graph" if self.default else "the dataset"


# --- reading the request --------------------------------------------------------------------


def direct_iri(name: str) -> str:
    """The graph IRI that `/rdf-graphs/<name>` identifies (characters outside an IRI path escaped)."""
    return GRAPH_IRI_BASE + "".join(c if ord(c) > 127 else quote(c, safe="/:@!$&'()*+,;=-._~") for c in name)


def target(name: str | None) -> Target:
    """The graph a request means, from its path or its `graph` / `default` parameters."""
    graphs = request.args.getlist("graph")
    default = "default" in request.args
    if name is not None:
        if graphs or default:
            raise BadGraphRequest("a graph named by its path takes neither `graph=` nor `default`")
        return Target(direct_iri(name))
    if graphs and default:
        raise BadGraphRequest("name one graph: `graph=IRI` or `default`, not both")
    if len(graphs) > 1:
        raise BadGraphRequest(f"exactly one `graph=` is allowed per request; got {len(graphs)}")
    if default or graphs == [DEFAULT_GRAPH_IRI]:  # the IRI /sparql gives the stored default graph
        return Target(None, default=True)
    if not graphs:
        return Target(None)
    try:
        return Target(ox.NamedNode(graphs[0]).value)
    except ValueError as exc:
        raise BadGraphRequest(f"`graph=` must be an absolute IRI; {graphs[0]!r} is not: {exc}") from None


def _decode(body: bytes, charset: str | None) -> bytes:
    """UTF-8 bytes of a body sent in another charset (RDF parsers read UTF-8)."""
    if not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8", "us-ascii", "ascii"):
        return body
    try:
        return body.decode(codecs.lookup(charset).name).encode("utf-8")
    except LookupError:
        raise UnsupportedMediaType(f"unknown charset {charset!r}; send UTF-8") from None
    except UnicodeDecodeError as exc:
        raise DataSyntaxError(f"the body is not valid {charset}: {exc}") from None


def _format_of(mimetype: str, filename: str | None = None) -> str:
    fmt = WRITE_TYPES.get(mimetype.lower())
    if fmt is None and filename and mimetype.lower() in ("", "application/octet-stream"):
        fmt = EXTENSIONS.get(Path(filename).suffix.lower())
    if fmt is None:
        raise UnsupportedMediaType(
            f"a graph cannot be read from {mimetype or 'an untyped body'}; send one of "
            f"{', '.join(WRITE_TYPES)} (or multipart/form-data parts of these types)"
        )
    return fmt


def parse_graph(body: bytes, fmt: str, graph: ox.NamedNode | ox.DefaultGraph, base: str,
                part: str = "") -> list[ox.Quad]:
    """The triples of a body as quads of `graph`, with blank nodes of their own (a POST merges)."""
    fresh: dict[str, ox.BlankNode] = {}

    def own(term):
        if isinstance(term, ox.BlankNode):
            return fresh.setdefault(term.value, ox.BlankNode())
        return term

    try:
        return [ox.Quad(own(t.subject), t.predicate, own(t.object), graph)
                for t in ox.parse(body, format=results.OX_RDF[fmt], base_iri=base)]
    except SyntaxError as exc:
        where = f" (part {part!r})" if part else ""
        raise DataSyntaxError(f"the {results.BY_NAME[fmt].media_type} body{where} does not parse: {exc.msg}",
                              exc.lineno, exc.offset) from None


def read_body(tgt: Target) -> list[ox.Quad]:
    """The quads a PUT or POST carries: one RDF document, or the parts of a multipart form."""
    base = tgt.graph or request.base_url
    if (request.mimetype or "").lower() == "multipart/form-data":
        if request.form:
            raise UnsupportedMediaType("send each graph of a multipart/form-data body as a file part with its type")
        quads: list[ox.Quad] = []
        for part in request.files.values():
            fmt = _format_of(part.mimetype or "", part.filename)
            data = _decode(part.read(), part.mimetype_params.get("charset"))
            quads += parse_graph(data, fmt, tgt.term, base, part.filename or part.name or "")
        return quads
    fmt = _format_of(request.mimetype or "")
    data = _decode(request.get_data(cache=False), request.mimetype_params.get("charset"))
    return parse_graph(data, fmt, tgt.term, base)


# --- answers --------------------------------------------------------------------------------


def _negotiate(dataset: bool) -> str:
    """The format name of a GET answer, from `format=` or Accept."""
    offered = DATASET_TYPES if dataset else GRAPH_TYPES
    override = request.args.get("format")
    if override:
        fmt = results.format_named(override)
        if fmt is None or fmt.media_type not in offered:
            raise NotAcceptable(f"format={override!r} is not one of {', '.join(offered)}")
        return fmt.name
    accept = request.headers.get("Accept")
    try:
        media = conneg.choose(accept, offered, default=offered[0])
    except NotAcceptable as first:
        if dataset:
            raise
        try:
            return ACCEPT_ALIASES[conneg.choose(accept, list(ACCEPT_ALIASES))]
        except NotAcceptable:
            raise first from None
    return next(f.name for f in results.GRAPH_FORMATS if f.media_type == media)


def serialize(quads: Iterable[ox.Quad], fmt: str) -> bytes:
    if results.BY_NAME[fmt].kind == "dataset":
        kwargs = {"prefixes": PREFIXES} if fmt == "trig" else {}
        return ox.serialize(quads, format=results.OX_RDF[fmt], **kwargs) or b""
    return results.serialize_triples((ox.Triple(q.subject, q.predicate, q.object) for q in quads), fmt, PREFIXES)


def read(tgt: Target) -> Response:
    fmt = _negotiate(tgt.dataset)
    quads = engine.backend().graph_quads(tgt.graph, default=tgt.default)
    if quads is None:
        raise GraphNotFound(f"no graph {tgt} in this dataset")
    resp = Response(serialize(quads, fmt), status=200,
                    content_type=f"{results.BY_NAME[fmt].media_type}; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    return resp


# --- writes ---------------------------------------------------------------------------------


def _writable(tgt: Target) -> None:
    require_update_token()
    if current_app.config["BACKEND"] != "oxigraph":
        raise Forbidden("the Graph Store Protocol writes to the embedded store only")
    if tgt.graph in PROTECTED:
        raise Forbidden(f"{tgt} holds {PROTECTED[tgt.graph]}, which only `brikg build` writes")


def _exists(store: ox.Store, tgt: Target) -> bool:
    return tgt.graph is None or store.contains_named_graph(ox.NamedNode(tgt.graph))


def _clear(store: ox.Store, tgt: Target) -> None:
    if tgt.graph is None:
        store.clear_graph(ox.DefaultGraph())
    else:
        store.remove_graph(ox.NamedNode(tgt.graph))


def _apply(tgt: Target, change: Callable[[ox.Store], bool]) -> bool:
    """Publish a change of the served dataset through the SHACL gate; `change` says if the graph was new."""
    created: list[bool] = []
    t0 = time.perf_counter()
    publish(Path(current_app.config["STORE_DIR"]), lambda store: created.append(change(store)), check_store,
            from_current=True, wait=5)
    log.info("%s %s: published in %.0f ms", request.method, tgt, (time.perf_counter() - t0) * 1000)
    return created[0]


def replace(tgt: Target) -> Response:
    """PUT: the graph becomes the body (201 if it did not exist, else 204)."""
    _writable(tgt)
    if tgt.dataset:
        raise BadGraphRequest("PUT needs `graph=IRI`, `default` or a /rdf-graphs/<name> path; "
                              "the whole dataset is replaced only by `brikg build`")
    quads = read_body(tgt)

    def change(store: ox.Store) -> bool:
        new = not _exists(store, tgt)
        _clear(store, tgt)
        if tgt.graph:
            store.add_graph(ox.NamedNode(tgt.graph))
        store.extend(quads)
        return new

    return Response(status=201 if _apply(tgt, change) else 204)


def merge(tgt: Target) -> Response:
    """POST: add the body to the graph (201 if it is new, else 204); to the store itself, a new graph."""
    _writable(tgt)
    location = None
    if tgt.dataset:
        tgt = Target(NEW_GRAPH_PREFIX + uuid.uuid4().hex)
        location = tgt.graph
    quads = read_body(tgt)

    def change(store: ox.Store) -> bool:
        new = not _exists(store, tgt)
        if tgt.graph:
            store.add_graph(ox.NamedNode(tgt.graph))
        store.extend(quads)
        return new

    created = _apply(tgt, change)
    resp = Response(status=201 if created else 204)
    if location:
        resp.headers["Location"] = location
    return resp


def delete(tgt: Target) -> Response:
    """DELETE: remove the graph (the default graph is emptied); 404 if there is no such graph."""
    _writable(tgt)
    if tgt.dataset:
        raise BadGraphRequest("DELETE needs `graph=IRI`, `default` or a /rdf-graphs/<name> path")

    def change(store: ox.Store) -> bool:
        if not _exists(store, tgt):
            raise GraphNotFound(f"no graph {tgt} in this dataset")
        _clear(store, tgt)
        return False

    _apply(tgt, change)
    return Response(status=204)


@bp.route("/rdf-graphs", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
@bp.route("/rdf-graphs/<path:name>", methods=["GET", "HEAD", "PUT", "POST", "DELETE"])
def graph_store(name: str | None = None) -> Response:
    tgt = target(name)
    if request.method in ("GET", "HEAD"):
        return read(tgt)
    if request.method == "PUT":
        return replace(tgt)
    if request.method == "POST":
        return merge(tgt)
    return delete(tgt)
