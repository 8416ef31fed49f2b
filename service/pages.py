"""Linked-data pages: every `brid:` and `bri:` IRI resolves here, for people and machines.

The part of an IRI after `https://w3id.org/brikg` is the route: `brid:paper/x` is `/id/paper/x`,
`bri:Paper` (`…/ontology#Paper`) is `/ontology`. Resources are served directly (200, `Vary:
Accept`), not by a 303 to a second URL (see docs/decisions/0006-linked-data.md): HTML for
browsers, Turtle, JSON-LD, RDF/XML and N-Triples by `Accept` or `format=`. A named graph's
IRI gives the graph. Pages are built from the ontology and whatever the graph holds: labels,
types, properties, incoming links, evidence (Web Annotation quotes) and a small picture of
the neighbourhood, drawn as inline SVG on the server.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, redirect, render_template, request
from werkzeug.exceptions import NotFound

from kg import results
from kg.errors import NotAcceptable
from kg.paths import ONTOLOGY_DIR, ONTOLOGY_FILE
from kg.vocab import PREFIXES
from service import conneg, engine

bp = Blueprint("pages", __name__)

ROOT = "https://w3id.org/brikg/"
BRID = PREFIXES["brid"]
BRI = PREFIXES["bri"]
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
HTML = "text/html"
#: Representations of a resource, HTML first (the default for `*/*`).
OFFERED = [HTML, "text/turtle", "application/ld+json", "application/rdf+xml", "application/n-triples"]
_FORMAT_NAMES = {"html": HTML, "text": "text/plain", "json": "application/json",
                 "turtle": "text/turtle", "ttl": "text/turtle", "jsonld": "application/ld+json",
                 "json-ld": "application/ld+json", "rdfxml": "application/rdf+xml", "rdf": "application/rdf+xml",
                 "xml": "application/rdf+xml", "ntriples": "application/n-triples", "nt": "application/n-triples"}
_MEDIA_FORMAT = {"text/turtle": "turtle", "application/ld+json": "jsonld", "application/rdf+xml": "rdfxml",
                 "application/n-triples": "ntriples"}
_TEXT_PREFIXES = {p: ns for p, ns in PREFIXES.items() if p != "brid"}  # no "\/" escapes in Turtle
MAX_INCOMING = 500  # _IN's LIMIT is one more
MAX_NEIGHBOURS = 14

LABEL_PROPS = ["http://www.w3.org/2000/01/rdf-schema#label", "http://www.w3.org/2004/02/skos/core#prefLabel",
               "http://xmlns.com/foaf/0.1/name", "http://purl.org/dc/terms/title",
               "http://www.w3.org/2004/02/skos/core#altLabel"]
#: Values of these properties are links out of the graph (Wikidata, other ontologies).
LINK_OUT_PROPS = {BRI + "wikidata", "http://www.w3.org/2002/07/owl#sameAs",
                  "http://www.w3.org/2000/01/rdf-schema#seeAlso", "http://www.w3.org/2000/01/rdf-schema#subClassOf",
                  "http://www.w3.org/2000/01/rdf-schema#subPropertyOf",
                  "http://www.w3.org/2002/07/owl#equivalentClass", "http://www.w3.org/2002/07/owl#equivalentProperty"}
_MATCH = re.compile(r"^http://www\.w3\.org/2004/02/skos/core#(exact|close|related|broad|narrow)Match$")

UI = {
    "en": {"type": "Type", "properties": "Properties", "incoming": "Links to this resource",
           "evidence": "Evidence", "quote": "Quote", "paper": "Paper", "section": "Section", "fact": "Fact",
           "links_out": "Links out", "neighbourhood": "Neighbourhood in the graph", "graphs": "Named graphs",
           "labels": "Labels", "formats": "This resource as", "none": "none", "search": "Search",
           "query": "Query", "ontology": "Ontology", "dumps": "Dumps", "validation": "Validation",
           "triples": "triples", "subjects": "Resources in this graph", "source": "Source text",
           "evidence_from": "Evidence quoted from this paper"},
    "zh": {"type": "类型", "properties": "属性", "incoming": "指向本资源的链接", "evidence": "证据",
           "quote": "原文引用", "paper": "论文", "section": "章节", "fact": "事实", "links_out": "外部链接",
           "neighbourhood": "图谱中的邻域", "graphs": "命名图", "labels": "标签", "formats": "其他格式",
           "none": "无", "search": "搜索", "query": "查询", "ontology": "本体", "dumps": "数据下载",
           "validation": "验证报告", "triples": "三元组", "subjects": "本图中的资源", "source": "源文本",
           "evidence_from": "引自本文的证据"},
}


# --- shared helpers (also used by service.dumps and service.ui) -------------------------------


def lang() -> str:
    """The page language: `?lang=zh` or `?lang=en`; English by default."""
    return "zh" if request.args.get("lang") == "zh" else "en"


def negotiate(offered: list[str], default: str) -> str:
    """The media type to send: `format=` wins over Accept; an unknown `format=` is a 406."""
    name = request.args.get("format")
    if name is not None:
        media = _FORMAT_NAMES.get(name.strip().lower())
        if media is None and name.strip().lower() in offered:
            media = name.strip().lower()
        elif media is None:
            fmt = results.format_named(name)
            media = fmt.media_type if fmt else None
        if media not in offered:
            raise NotAcceptable(f"format={name!r} is not available here; use one of "
                                + ", ".join(k for k, v in _FORMAT_NAMES.items() if v in offered))
        return media
    return conneg.choose(request.headers.get("Accept"), offered, default=default)


def href(iri: str) -> str:
    """Where a browser should go for `iri`: a route of this service for brikg IRIs, else the IRI."""
    if iri.startswith(BRID):
        return "/id/" + quote(iri[len(BRID):], safe="/:@!$&'()*+,;=-._~%")
    if iri.startswith(BRI):
        return "/ontology#" + quote(iri[len(BRI):], safe="")
    if iri.startswith(ROOT + "ontology"):
        return "/" + iri[len(ROOT):]
    return iri


def compact(iri: str) -> str:
    for p, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) > len(ns):
            return f"{p}:{iri[len(ns):]}"
    return iri


@dataclass
class Labels:
    """Every label of one generation: iri -> {language: [labels]}, best property first."""

    by_iri: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def get(self, iri: str, language: str) -> str:
        langs = self.by_iri.get(iri)
        if langs:
            other = "zh" if language == "en" else "en"
            for key in (language, other, ""):
                if langs.get(key):
                    return langs[key][0]
            return next(iter(langs.values()))[0]
        return compact(iri)

    def all(self, iri: str) -> dict[str, list[str]]:
        return self.by_iri.get(iri, {})


_LABELS_QUERY = "SELECT ?x ?p ?l WHERE { ?x ?p ?l VALUES ?p { " + " ".join(f"<{p}>" for p in LABEL_PROPS) + " } }"


def labels() -> Labels:
    """The label index of the served generation, built once per generation."""
    b = engine.backend()
    gen = b.direct.generation()
    cache = current_app.extensions.setdefault("brikg.labels", {})
    if gen not in cache:
        rank = {p: i for i, p in enumerate(LABEL_PROPS)}
        rows = sorted(
            ((r["x"].value, rank[r["p"].value], r["l"]) for r in b.select(_LABELS_QUERY)
             if isinstance(r.get("x"), ox.NamedNode) and isinstance(r.get("l"), ox.Literal)),
            key=lambda t: (t[0], t[1], t[2].value))
        idx: dict[str, dict[str, list[str]]] = {}
        for iri, _, lit in rows:
            values = idx.setdefault(iri, {}).setdefault((lit.language or "").split("-")[0], [])
            if lit.value not in values:
                values.append(lit.value)
        cache.clear()
        cache[gen] = Labels(idx)
    return cache[gen]


def term_view(term, lbl: Labels, language: str) -> dict:
    """What a template needs to show one RDF term."""
    if isinstance(term, ox.NamedNode):
        return {"kind": "iri", "iri": term.value, "href": href(term.value), "text": lbl.get(term.value, language),
                "local": term.value.startswith(ROOT)}
    if isinstance(term, ox.BlankNode):
        return {"kind": "bnode", "text": "_:" + term.value}
    if isinstance(term, ox.Literal):
        dt = term.datatype.value if term.datatype else ""
        return {"kind": "literal", "text": term.value, "lang": term.language or "",
                "datatype": "" if term.language or dt.endswith("#string") else compact(dt)}
    return {"kind": "other", "text": str(term)}


@bp.app_template_filter("l")
def with_lang(url: str) -> str:
    """Keep the chosen language on links inside the service (`?lang=zh`)."""
    if lang() != "zh" or not url.startswith("/"):
        return url
    path, hash_, frag = url.partition("#")
    return path + ("&" if "?" in path else "?") + "lang=zh" + hash_ + frag


@bp.app_context_processor
def page_defaults() -> dict:
    """What every page template needs: the language, its UI strings, the current path."""
    language = lang()
    return {"lang": language, "t": UI[language], "path": request.path}


# --- queries (values are bound with substitutions, never pasted) ------------------------------

_OUT = "SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
_IN = "SELECT ?s ?x ?p ?g WHERE { GRAPH ?g { ?x ?p ?s } } LIMIT 501"  # MAX_INCOMING + 1: one more says "truncated"
_GRAPH_TRIPLES = "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }"
_TYPE_LINKS = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?t ?p ?ext WHERE {
  ?t ?p ?ext .
  VALUES ?p { skos:exactMatch skos:closeMatch skos:relatedMatch skos:broadMatch owl:equivalentClass rdfs:subClassOf
              rdfs:seeAlso }
  FILTER(isIRI(?ext) && !STRSTARTS(STR(?ext), "https://w3id.org/brikg/"))
}"""
_EVIDENCE_COLUMNS = """
  ?ann oa:hasTarget ?t .
  OPTIONAL { ?t oa:hasSelector ?sel . ?sel oa:exact ?exact }
  OPTIONAL { ?t oa:hasSource ?source }
  OPTIONAL { { ?t ?sp ?section } UNION { ?ann ?sp ?section } UNION { ?sel ?sp ?section }
             UNION { ?body bri:inSection ?section } ?section a doco:Section
             OPTIONAL { ?secpaper bri:hasSection ?section } }
  OPTIONAL { ?source bri:textOf ?textof }
  OPTIONAL { ?body bri:statedIn ?stated }
"""
_EVIDENCE_PREFIXES = """PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX bri: <https://w3id.org/brikg/ontology#>
PREFIX doco: <http://purl.org/spar/doco/>
"""
#: Evidence for the resource itself and for the nodes that point at it (statistics, claims, …).
_EVIDENCE_FOR = _EVIDENCE_PREFIXES + """
SELECT DISTINCT ?r ?ann ?body ?exact ?source ?section ?textof ?secpaper ?stated WHERE {
  { ?ann oa:hasBody|bri:evidenceFor ?r BIND(?r AS ?body) }
  UNION { ?r bri:hasEvidence ?ann BIND(?r AS ?body) }
  UNION { ?body ?anyp ?r . ?ann oa:hasBody|bri:evidenceFor ?body }
  UNION { ?body ?anyp ?r . ?body bri:hasEvidence ?ann }
""" + _EVIDENCE_COLUMNS + "} LIMIT 300"
#: Evidence quoted from a paper (its source texts or its sections).
_EVIDENCE_FROM = _EVIDENCE_PREFIXES + """
SELECT DISTINCT ?r ?ann ?body ?exact ?source ?section ?textof ?secpaper ?stated WHERE {
  { ?ann oa:hasTarget/oa:hasSource/bri:textOf ?r } UNION { ?ann oa:hasTarget/oa:hasSource ?r }
  UNION { ?r bri:hasSection ?s0 . ?ann oa:hasTarget/oa:hasSource ?s0 }
  OPTIONAL { ?ann oa:hasBody|bri:evidenceFor ?body }
""" + _EVIDENCE_COLUMNS + "} LIMIT 300"
_ANN_TRIPLES = """PREFIX oa: <http://www.w3.org/ns/oa#>
SELECT DISTINCT ?a ?s ?p ?o WHERE {
  { ?a ?p ?o BIND(?a AS ?s) } UNION { ?a oa:hasTarget ?s . ?s ?p ?o }
  UNION { ?a oa:hasTarget/oa:hasSelector ?s . ?s ?p ?o }
}"""


def _select(sparql: str, **bindings) -> list[dict]:
    return engine.backend().select(sparql, bindings)


def _is_graph(iri: str) -> bool:
    return bool(_select("SELECT ?g ?s WHERE { GRAPH ?g { ?s ?p ?o } } LIMIT 1", g=ox.NamedNode(iri)))


def _closure(start: list, seen: set) -> list[ox.Triple]:
    """Triples of blank nodes reachable from `start` (lists, qualified values), bounded."""
    out: list[ox.Triple] = []
    todo = [t for t in start if isinstance(t, ox.BlankNode)]
    for _ in range(200):
        if not todo:
            break
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for r in _select("SELECT ?s ?p ?o WHERE { ?s ?p ?o }", s=node):
            out.append(ox.Triple(node, r["p"], r["o"]))
            if isinstance(r["o"], ox.BlankNode):
                todo.append(r["o"])
    return out


# --- the evidence view ------------------------------------------------------------------------


def _evidence(rows: list[dict], lbl: Labels, language: str) -> list[dict]:
    """One entry per annotation: the fact it supports, the quote, the paper and the section."""
    by_ann: dict[str, dict] = {}
    for r in rows:
        ann = r["ann"]
        key = str(ann)
        e = by_ann.setdefault(key, {"annotation": term_view(ann, lbl, language), "quotes": [], "bodies": [],
                                    "paper": None, "section": None, "source": None})
        if "exact" in r and r["exact"].value not in e["quotes"]:
            e["quotes"].append(r["exact"].value)
        if "body" in r and all(b["text"] != lbl.get(r["body"].value, language) for b in e["bodies"]) \
                and isinstance(r["body"], ox.NamedNode):
            e["bodies"].append(term_view(r["body"], lbl, language))
        paper = r.get("textof") or r.get("secpaper") or r.get("stated")
        if paper is not None and e["paper"] is None:
            e["paper"] = term_view(paper, lbl, language)
        if "section" in r and e["section"] is None:
            e["section"] = term_view(r["section"], lbl, language)
        if "source" in r and e["source"] is None:
            e["source"] = term_view(r["source"], lbl, language)
    return sorted(by_ann.values(), key=lambda e: (e["paper"]["text"] if e["paper"] else "",
                                                  e["section"]["text"] if e["section"] else "",
                                                  e["quotes"][0] if e["quotes"] else ""))


# --- the neighbourhood picture ----------------------------------------------------------------


def _short(text: str, n: int = 22) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def neighbourhood(center: str, out_edges: list[tuple[str, str]], in_edges: list[tuple[str, str]],
                  lbl: Labels, language: str) -> dict:
    """Positions for an SVG star: the resource in the middle, up to MAX_NEIGHBOURS around it.

    Each edge is (predicate, neighbour IRI); outgoing edges point away from the centre.
    """
    w, h, radius = 640, 420, 160
    cx, cy = w / 2, h / 2
    # neighbours grouped by (direction, predicate), each group sorted by label; the star takes
    # them round-robin across groups, so a predicate with many values (sections, references)
    # cannot push the others (authors, journal, types) out of the picture
    groups: dict[tuple[str, str], list[str]] = {}
    for direction, items in (("out", out_edges), ("in", in_edges)):
        for pred, other in items:
            if other == center or pred == RDF_TYPE and direction == "in":
                continue
            members = groups.setdefault((direction, pred), [])
            if other not in members:
                members.append(other)
    for members in groups.values():
        members.sort(key=lambda x: (lbl.get(x, language).lower(), x))
    seen: dict[str, int] = {}
    edges = []
    queues = [(key, list(members)) for key, members in groups.items()]
    while queues and len(seen) < MAX_NEIGHBOURS:
        for (direction, pred), members in queues:
            while members and len(seen) < MAX_NEIGHBOURS:
                other = members.pop(0)
                edges.append((direction, pred, other))
                if other not in seen:
                    seen[other] = len(seen)
                    break
        queues = [q for q in queues if q[1]]
    # edges between the centre and neighbours already drawn, through other predicates
    for (direction, pred), members in groups.items():
        edges.extend((direction, pred, o) for o in members if o in seen)
    n = max(len(seen), 1)
    nodes = []
    for iri, i in seen.items():
        angle = 2 * math.pi * i / n - math.pi / 2
        nodes.append({"iri": iri, "href": href(iri), "label": _short(lbl.get(iri, language)),
                      "title": lbl.get(iri, language), "x": round(cx + radius * math.cos(angle), 1),
                      "y": round(cy + radius * math.sin(angle), 1)})
    pos = {nd["iri"]: nd for nd in nodes}
    lines = []
    done = set()
    for direction, pred, other in edges:
        if (direction, pred, other) in done:
            continue
        done.add((direction, pred, other))
        nd = pos[other]
        x1, y1, x2, y2 = (cx, cy, nd["x"], nd["y"]) if direction == "out" else (nd["x"], nd["y"], cx, cy)
        lines.append({"x1": x1, "y1": y1, "x2": x2, "y2": y2, "label": _short(lbl.get(pred, language), 18),
                      "lx": round((cx + nd["x"]) / 2, 1), "ly": round((cy + nd["y"]) / 2, 1)})
    return {"width": w, "height": h, "cx": cx, "cy": cy, "center": _short(lbl.get(center, language), 26),
            "nodes": nodes, "lines": lines}


# --- resource description -------------------------------------------------------------------


def describe(iri: str) -> tuple[list[dict], list[dict]]:
    """Outgoing rows (p, o, g) and incoming rows (x, p, g) of a resource."""
    node = ox.NamedNode(iri)
    return _select(_OUT, s=node), _select(_IN, s=node)


def description_triples(iri: str, out_rows: list[dict], in_rows: list[dict], evidence_rows: list[dict]) -> list:
    """The RDF answer for a resource: its triples, the links to it, blank nodes, its evidence."""
    node = ox.NamedNode(iri)
    triples = {ox.Triple(node, r["p"], r["o"]) for r in out_rows}
    triples |= {ox.Triple(r["x"], r["p"], node) for r in in_rows[:MAX_INCOMING]}
    seen: set = set()
    triples |= set(_closure([r["o"] for r in out_rows], seen))
    for ann in {r["ann"] for r in evidence_rows}:
        for r in _select(_ANN_TRIPLES, a=ann):
            triples.add(ox.Triple(r["s"], r["p"], r["o"]))
    return sorted(triples, key=str)


def rdf_response(triples: list, media: str) -> Response:
    fmt = _MEDIA_FORMAT[media]
    body = results.serialize_triples(triples, fmt, _TEXT_PREFIXES)
    ctype = media if media == "application/ld+json" else f"{media}; charset=utf-8"
    return Response(body, content_type=ctype)


def _alternates(path: str) -> str:
    return ", ".join(f'<{path}?format={name}>; rel="alternate"; type="{media}"'
                     for name, media in (("html", HTML), ("ttl", "text/turtle"), ("jsonld", "application/ld+json"),
                                         ("rdfxml", "application/rdf+xml"), ("nt", "application/n-triples")))


def _finish(resp: Response, path: str) -> Response:
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = _alternates(path)
    resp.headers["X-Brikg-Generation"] = engine.backend().direct.generation()
    return resp


@bp.route("/id/<path:rest>")
def resource(rest: str):
    iri = BRID + rest
    if rest == "dataset":  # the dataset is described by its VoID document
        return redirect("/.well-known/void", code=303)
    media = negotiate(OFFERED, default=HTML)
    if _is_graph(iri):
        return _finish(_graph_page(iri, media), request.path)
    out_rows, in_rows = describe(iri)
    if not out_rows and not in_rows:
        raise NotFound(f"{iri} is not in the graph")
    node = ox.NamedNode(iri)
    ev_rows = _select(_EVIDENCE_FOR, r=node)
    types = [r["o"].value for r in out_rows if r["p"].value == RDF_TYPE and isinstance(r["o"], ox.NamedNode)]
    ev_from = _select(_EVIDENCE_FROM, r=node) if BRI + "Paper" in types else []
    if media != HTML:
        return _finish(rdf_response(description_triples(iri, out_rows, in_rows, ev_rows), media), request.path)
    return _finish(Response(_html_page(iri, out_rows, in_rows, ev_rows, ev_from, types)), request.path)


def _html_page(iri: str, out_rows: list[dict], in_rows: list[dict], ev_rows: list[dict], ev_from: list[dict],
               types: list[str]) -> str:
    language = lang()
    lbl = labels()
    props: dict[str, list] = defaultdict(list)
    graphs: set[str] = set()
    for r in out_rows:
        graphs.add(r["g"].value)
        view = term_view(r["o"], lbl, language)
        if view not in props[r["p"].value]:
            props[r["p"].value].append(view)
    incoming: dict[str, list] = defaultdict(list)
    for r in in_rows[:MAX_INCOMING]:
        graphs.add(r["g"].value)
        view = term_view(r["x"], lbl, language)
        if view not in incoming[r["p"].value]:
            incoming[r["p"].value].append(view)

    def group(d: dict[str, list]) -> list[dict]:
        return sorted(({"predicate": term_view(ox.NamedNode(p), lbl, language), "objects": sorted(
            v, key=lambda x: (x.get("lang") != language, x["text"]))} for p, v in d.items()),
            key=lambda g: (g["predicate"]["iri"] != RDF_TYPE, g["predicate"]["text"].lower()))

    links_out = []
    for r in out_rows:
        o = r["o"]
        if isinstance(o, ox.NamedNode) and not o.value.startswith(ROOT) and (
                r["p"].value in LINK_OUT_PROPS or _MATCH.match(r["p"].value) or r["p"].value == RDF_TYPE):
            links_out.append({"predicate": term_view(r["p"], lbl, language), "iri": o.value,
                              "text": lbl.get(o.value, language)})
    for t in types:
        for r in _select(_TYPE_LINKS, t=ox.NamedNode(t)):
            links_out.append({"predicate": term_view(r["p"], lbl, language), "iri": r["ext"].value,
                              "text": f"{lbl.get(t, language)} → {compact(r['ext'].value)}"})
    uniq = {(x["predicate"]["iri"], x["iri"]): x for x in links_out}
    out_edges = [(r["p"].value, r["o"].value) for r in out_rows
                 if isinstance(r["o"], ox.NamedNode) and r["p"].value != RDF_TYPE]
    out_edges += [(RDF_TYPE, t) for t in types]
    in_edges = [(r["p"].value, r["x"].value) for r in in_rows if isinstance(r["x"], ox.NamedNode)]
    title = lbl.get(iri, language)
    return render_template(
        "resource.html", iri=iri, title=title, lang=language, t=UI[language], labels=lbl.all(iri),
        types=[term_view(ox.NamedNode(t), lbl, language) for t in types], properties=group(props),
        incoming=group(incoming), truncated=len(in_rows) > MAX_INCOMING,
        evidence=_evidence(ev_rows, lbl, language), evidence_from=_evidence(ev_from, lbl, language),
        links_out=sorted(uniq.values(), key=lambda x: x["iri"]), graphs=sorted(graphs),
        svg=neighbourhood(iri, out_edges, in_edges, lbl, language), path=request.path,
        graph_href=href)


def _graph_page(iri: str, media: str) -> Response:
    rows = _select(_GRAPH_TRIPLES, g=ox.NamedNode(iri))
    if media != HTML:
        return rdf_response([ox.Triple(r["s"], r["p"], r["o"]) for r in rows], media)
    language = lang()
    lbl = labels()
    subjects = sorted({r["s"].value for r in rows if isinstance(r["s"], ox.NamedNode)})
    return Response(render_template(
        "graph.html", iri=iri, title=lbl.get(iri, language), lang=language, t=UI[language], count=len(rows),
        subjects=[term_view(ox.NamedNode(s), lbl, language) for s in subjects[:2000]], path=request.path))


# --- the ontology -----------------------------------------------------------------------------


def _ontology_file(module: str | None) -> Path:
    """`/ontology` is ontology/brikg.ttl; `/ontology/<m>` is ontology/<m>.ttl; a trailing
    `/<version>` (the owl:versionIRI) is served only when it is the current version."""
    parts = [p for p in (module or "").split("/") if p]
    version = parts.pop() if parts and re.fullmatch(r"\d+(\.\d+)*", parts[-1]) else None
    if len(parts) > 1:
        raise NotFound(f"no ontology module at /ontology/{module}")
    path = ONTOLOGY_FILE
    if parts:
        name = parts[0]
        path = ONTOLOGY_DIR / f"{name}.ttl"
        if not re.fullmatch(r"[a-z][a-z0-9-]*", name) or name == ONTOLOGY_FILE.stem or not path.is_file():
            raise NotFound(f"no ontology module at /ontology/{module}")
    if version is not None:
        m = re.search(r'owl:versionInfo\s+"([^"]+)"', path.read_text(encoding="utf-8"))
        if not m or m.group(1) != version:
            raise NotFound(f"version {version} of this ontology is not served here, only the current one")
    return path


def _cached(kind: str, path: Path, make):
    cache = current_app.extensions.setdefault("brikg.ontology", {})
    key = (kind, str(path), path.stat().st_mtime_ns)
    if key not in cache:
        cache[key] = make()
    return cache[key]


def _ontology_html(path: Path) -> str:
    try:
        from kg import ontology_docs
    except ModuleNotFoundError:  # the pyLODE renderer is not installed: a plain page of terms
        return _plain_ontology_html(path)
    return ontology_docs.render_html(path)


def _plain_ontology_html(path: Path) -> str:
    terms: dict[str, dict] = defaultdict(dict)
    for qd in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
        s, p, o = qd.subject, qd.predicate, qd.object
        if isinstance(s, ox.NamedNode) and s.value.startswith(BRI) and isinstance(o, ox.Literal):
            terms[s.value].setdefault(p.value, {}).setdefault(o.language or "", []).append(o.value)
    return render_template("ontology.html", terms=sorted(terms.items()), lang=lang(), t=UI[lang()],
                           local=lambda iri: iri[len(BRI):], path=request.path)


@bp.route("/ontology", defaults={"module": None})
@bp.route("/ontology/<path:module>")
def ontology(module: str | None):
    path = _ontology_file(module)
    media = negotiate(OFFERED, default=HTML)
    if media == HTML:
        body = _cached("html", path, lambda: _ontology_html(path))
        resp = Response(body, content_type="text/html; charset=utf-8")
    else:
        fmt = _MEDIA_FORMAT[media]
        body = _cached(fmt, path, lambda: results.serialize_triples(
            [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)],
            fmt, _TEXT_PREFIXES))
        resp = Response(body, content_type=media if media == "application/ld+json" else f"{media}; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    resp.headers["Link"] = _alternates(request.path)
    return resp
