"""Dumps of the whole graph (`/dumps/...`) and the dataset's VoID/DCAT description.

`/dumps/brikg.<ext>` streams one format (Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML)
written by `kg.dump.write_dump`, the same function as `brikg export`, so both give the same
bytes. `brikg.<ext>.gz` is the gzip file (`application/gzip`, as dumps are published in the LOD
cloud); the plain name is sent with `Content-Encoding: gzip` to clients that accept it. The
ETag is the generation, so a client re-downloads only after a rebuild.

`/.well-known/void` (RFC 8615 well-known URI, as the VoID spec recommends) describes the
dataset: size, classes, properties, licence, dumps (`void:dataDump`, `dcat:distribution`)
and the SPARQL endpoint. Statistics are computed once per generation.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator

from flask import Blueprint, Response, current_app, render_template, request
from rdflib import RDF, XSD, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF

from kg import __version__, dump
from kg.errors import StoreError
from kg.vocab import PREFIXES
from service import engine
from service.pages import lang, negotiate

bp = Blueprint("dumps", __name__)

VOID = Namespace("http://rdfs.org/ns/void#")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
DATASET_IRI = URIRef("https://w3id.org/brikg/id/dataset")  # not in the store: described only here
LICENCE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IRI_SPACE = PREFIXES["brid"]
_CHUNK_WAIT = 60.0  # seconds the response waits for the next chunk before giving up
_RDF_OUT = {"text/turtle": "turtle", "application/ld+json": "json-ld", "application/rdf+xml": "xml",
            "application/n-triples": "nt"}


# --- streaming -------------------------------------------------------------------------------


class _End:
    """Marks the end of a stream in the queue."""


class _QueueWriter:
    """A file-like that hands each write to the response, and stops when the client left."""

    def __init__(self, chunks: queue.Queue, stop: threading.Event) -> None:
        self.chunks = chunks
        self.stop = stop

    def write(self, data: bytes) -> int:
        while not self.stop.is_set():
            try:
                self.chunks.put(bytes(data), timeout=0.5)
                return len(data)
            except queue.Full:
                continue
        raise BrokenPipeError("the client closed the connection")

    def flush(self) -> None:
        """Every write is handed on at once."""


def stream_dump(source: dump.QuadSource, fmt: dump.DumpFormat, gzip: bool) -> Iterator[bytes]:
    """The bytes of `write_dump`, produced in a thread and yielded as they come (bounded queue)."""
    chunks: queue.Queue = queue.Queue(maxsize=64)
    stop = threading.Event()
    failure: list[BaseException] = []

    def work() -> None:
        try:
            dump.write_dump(source, fmt, _QueueWriter(chunks, stop), gzip=gzip)
        except BrokenPipeError:
            return
        except (OSError, ValueError, StoreError) as exc:  # what the store and the serializers raise
            failure.append(exc)
        finally:
            if not stop.is_set():
                chunks.put(_End)

    thread = threading.Thread(target=work, name=f"dump-{fmt.name}", daemon=True)
    thread.start()
    try:
        while True:
            item = chunks.get(timeout=_CHUNK_WAIT)
            if item is _End:
                break
            yield item
        if failure:
            # The status line is gone. Raising makes the HTTP server drop the connection without
            # the terminating chunk, so the client sees a broken transfer, never a complete file.
            current_app.logger.error("dump %s failed: %s", fmt.name, failure[0])
            raise StoreError(f"the {fmt.name} dump failed while streaming: {failure[0]}") from failure[0]
    finally:
        stop.set()


def _source() -> dump.QuadSource:
    b = engine.backend()
    if b.kind != "oxigraph":
        from werkzeug.exceptions import NotFound

        raise NotFound("dumps are served for the embedded store only; ask the SPARQL server for its own")
    return b.direct


# --- routes ----------------------------------------------------------------------------------


@bp.route("/dumps/")
@bp.route("/dumps")
def index():
    source = _source()
    files = [{"name": dump.file_name(f, gz), "format": f.name, "media_type": f.media_type, "gzip": gz,
              "keeps_graphs": f.keeps_graphs} for f in dump.FORMATS.values() for gz in (False, True)]
    return render_template("dumps.html", files=files, generation=source.generation(), lang=lang())


@bp.route("/dumps/context.jsonld")
def jsonld_context():
    resp = current_app.json.response(dump.context())
    resp.mimetype = "application/ld+json"
    resp.headers["Cache-Control"] = "public, max-age=3600"
    return resp


@bp.route("/dumps/<name>")
def dump_file(name: str):
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    base, _, ext = stem.rpartition(".")
    fmt = dump.BY_EXTENSION.get(ext)
    if base != dump.DUMP_NAME or fmt is None:
        from werkzeug.exceptions import NotFound

        raise NotFound(f"no dump named {name!r}; see /dumps/ for the list")
    source = _source()
    generation = source.generation()
    encode = not gz and "gzip" in request.accept_encodings
    etag = f"{generation}-{name}" + ("-gzip" if encode else "")
    headers = {"ETag": f'"{etag}"', "Vary": "Accept-Encoding", "Cache-Control": "public, max-age=60",
               "X-Brikg-Generation": generation}
    if gz:
        headers["Content-Disposition"] = f'attachment; filename="{name}"'
    elif encode:
        headers["Content-Encoding"] = "gzip"
    media = "application/gzip" if gz else fmt.media_type + ("" if fmt.name == "jsonld" else "; charset=utf-8")
    if etag in request.if_none_match:
        return Response(status=304, headers=headers)
    if request.method == "HEAD":
        return Response(status=200, headers=headers, content_type=media)
    return Response(stream_dump(source, fmt, gz or encode), headers=headers, content_type=media,
                    direct_passthrough=True)


# --- VoID ------------------------------------------------------------------------------------

_STATS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "objects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "entities": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?s), "
                '"https://w3id.org/brikg/id/")) }',
}
_CLASSES = "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?c ORDER BY ?c"
_PROPERTIES = "SELECT ?p (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?p ORDER BY ?p"
_GRAPHS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_EXAMPLE = ("SELECT ?s WHERE { ?s a <https://w3id.org/brikg/ontology#Paper> } ORDER BY ?s LIMIT 3")


def _stats(generation: str) -> dict:
    cache = current_app.extensions.setdefault("brikg.void", {})
    if generation not in cache:
        b = engine.backend()
        stats: dict = {k: int(b.select(q)[0]["n"].value) for k, q in _STATS.items()}
        stats["classes"] = [(r["c"].value, int(r["n"].value)) for r in b.select(_CLASSES) if "c" in r]
        stats["properties"] = [(r["p"].value, int(r["n"].value)) for r in b.select(_PROPERTIES) if "p" in r]
        stats["graphs"] = [(r["g"].value, int(r["n"].value)) for r in b.select(_GRAPHS) if "g" in r]
        stats["examples"] = [r["s"].value for r in b.select(_EXAMPLE)]
        cache.clear()  # one generation at a time
        cache[generation] = stats
    return cache[generation]


def void_graph(base: str, stats: dict) -> Graph:
    """VoID + DCAT for the dataset, with absolute URLs under `base` (this service)."""
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF), ("sd", SD)):
        g.bind(prefix, ns)
    ds = DATASET_IRI
    g.add((ds, RDF.type, VOID.Dataset))
    g.add((ds, RDF.type, DCAT.Dataset))
    g.add((ds, DCTERMS.title, Literal("brikg: Belt and Road S&T cooperation knowledge graph", lang="en")))
    g.add((ds, DCTERMS.title, Literal("brikg：“一带一路”科技创新合作知识图谱", lang="zh")))
    g.add((ds, DCTERMS.description, Literal(
        "Papers on science, technology and innovation cooperation under the Belt and Road Initiative, "
        "their bibliographic records and curated facts, each fact linked to quoted evidence.", lang="en")))
    g.add((ds, DCTERMS.license, LICENCE))
    g.add((ds, DCTERMS.publisher, Literal("brikg contributors")))
    g.add((ds, DCTERMS.hasVersion, Literal(__version__)))
    g.add((ds, FOAF.homepage, URIRef(base + "/")))
    g.add((ds, DCAT.landingPage, URIRef(base + "/")))
    g.add((ds, VOID.uriSpace, Literal(IRI_SPACE)))
    g.add((ds, VOID.feature, URIRef("http://www.w3.org/ns/formats/Turtle")))
    for ns in sorted(set(PREFIXES.values())):
        g.add((ds, VOID.vocabulary, URIRef(ns)))
    for key in ("triples", "entities"):
        g.add((ds, VOID[key], Literal(stats[key], datatype=XSD.integer)))
    g.add((ds, VOID.distinctSubjects, Literal(stats["subjects"], datatype=XSD.integer)))
    g.add((ds, VOID.distinctObjects, Literal(stats["objects"], datatype=XSD.integer)))
    g.add((ds, VOID.classes, Literal(len(stats["classes"]), datatype=XSD.integer)))
    g.add((ds, VOID.properties, Literal(len(stats["properties"]), datatype=XSD.integer)))
    for ex in stats["examples"]:
        g.add((ds, VOID.exampleResource, URIRef(ex)))
    for cls, n in stats["classes"]:
        part = BNode()
        g.add((ds, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(cls)))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    for prop, n in stats["properties"]:
        part = BNode()
        g.add((ds, VOID.propertyPartition, part))
        g.add((part, VOID.property, URIRef(prop)))
        g.add((part, VOID.triples, Literal(n, datatype=XSD.integer)))
    for graph_iri, n in stats["graphs"]:
        sub = BNode()
        g.add((ds, VOID.subset, sub))
        g.add((sub, RDF.type, VOID.Dataset))
        g.add((sub, SD.name, URIRef(graph_iri)))
        g.add((sub, VOID.triples, Literal(n, datatype=XSD.integer)))
    endpoint = URIRef(base + "/sparql")
    g.add((ds, VOID.sparqlEndpoint, endpoint))
    svc = URIRef(base + "/sparql#service")
    g.add((svc, RDF.type, DCAT.DataService))
    g.add((svc, DCAT.endpointURL, endpoint))
    g.add((svc, DCAT.servesDataset, ds))
    g.add((svc, DCTERMS.conformsTo, URIRef("https://www.w3.org/TR/sparql11-protocol/")))
    g.add((ds, DCAT.accessService, svc))
    for fmt in dump.FORMATS.values():
        for gz in (False, True):
            url = URIRef(f"{base}/dumps/{dump.file_name(fmt, gz)}")
            g.add((ds, VOID.dataDump, url))
            dist = URIRef(f"{base}/dumps/{dump.file_name(fmt, gz)}#distribution")
            g.add((ds, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCAT.downloadURL, url))
            g.add((dist, DCAT.accessURL, url))
            g.add((dist, DCAT.mediaType, URIRef(f"https://www.iana.org/assignments/media-types/{fmt.media_type}")))
            if gz:
                g.add((dist, DCAT.compressFormat, URIRef("https://www.iana.org/assignments/media-types/application/gzip")))
            g.add((dist, DCTERMS.license, LICENCE))
            g.add((dist, DCTERMS.title, Literal(f"{fmt.name} dump" + (", gzip" if gz else ""), lang="en")))
    g.add((ds, URIRef("http://www.w3.org/ns/json-ld#context"), URIRef(base + "/dumps/context.jsonld")))
    return g


@bp.route("/.well-known/void")
def void():
    source = _source()
    generation = source.generation()
    media = negotiate(list(_RDF_OUT), default="text/turtle")
    base = request.host_url.rstrip("/")
    body = void_graph(base, _stats(generation)).serialize(format=_RDF_OUT[media])
    resp = Response(body, content_type=f"{media}; charset=utf-8" if media != "application/ld+json" else media)
    resp.headers["Vary"] = "Accept"
    resp.headers["X-Brikg-Generation"] = generation
    return resp
