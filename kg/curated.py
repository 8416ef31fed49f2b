"""Curated facts: reviewable YAML written by reading the papers, each fact with its evidence.

Two kinds of file under `kg/data/`:

* `entities/*.yaml` — things the papers name (organizations, funds, countries, concepts …): a
  type from the ontology, labels in English and Chinese, alternative labels and acronyms, and
  identifiers a curator may add (Wikidata, ISO 3166). A label the papers do not print is listed
  under `translated:` and carries its own provenance.
* `papers/*.yaml` — what one paper states. Each fact has `section` and `quote`: a short exact
  quote the build finds in that paper's text (whitespace-normalized), or the build fails naming
  the file, the line, the fact and the quote.

A fact is either `about: <entity>` with `set:` (each property/value becomes a triple, and each
triple gets the evidence through its reified statement), or `node: <id>` with `type:` and
`set:` (a statistic, a claim, a policy document …: the node is the evidence's body), or a bare
`about:` (a mention: the entity itself is the body).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg import iris
from kg.errors import BrikgError
from kg.extract.text import squash
from kg.ns import BRI, BRID
from kg.vocab import PREFIXES

OA = "http://www.w3.org/ns/oa#"
TIME = "http://www.w3.org/2006/time#"
DATA_DIR = Path(__file__).resolve().parent / "data"
CURATED_GRAPH = URIRef(BRID + "graph/curated")
CURATION_AGENT = URIRef(BRID + "agent/curation")
MAX_QUOTE = 160
_ID = re.compile(r"^[a-z][a-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)+$")


class CurationError(BrikgError):
    """A curated file is wrong; the message names the file, the line and the fact."""


@dataclass
class Where:
    file: Path
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    def ref(self) -> str:
        """'kg/data/papers/x.yaml#L12': recorded as dcterms:source so a SHACL report can name the fact's file."""
        from kg.paths import ROOT

        path = self.file.resolve()
        name = path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.as_posix()
        return f"{name}#L{self.line}"


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping (as the key `__line__`)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_yaml(path: Path) -> dict:
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (safe subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise CurationError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(doc, dict):
        raise CurationError(f"{path}: the file must hold a mapping")
    return doc


def normalize_quote_text(text: str) -> str:
    """What quotes are compared on: whitespace collapsed, PDF gaps in Chinese removed, one
    style of quotation marks (papers print both straight and curly quotes)."""
    text = squash(text)
    return text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")",
                                         "，": ",", "：": ":", "；": ";"}))


class Ontology:
    """What the loader needs to know of the ontology: term kinds and datatype ranges."""

    def __init__(self, graph: Graph) -> None:
        from kg.reason import upstream_axioms

        # the kinds and ranges of reused terms (org:subOrganizationOf, fabio:hasPublicationYear)
        # are stated in the upstream-axioms module, not in the core
        self.g = graph + upstream_axioms()

    def expand(self, name: str, where: Where, what: str) -> URIRef:
        if ":" in name:
            prefix, _, local = name.partition(":")
            if prefix not in PREFIXES:
                raise CurationError(f"{where}: unknown prefix in {what} {name!r}")
            return URIRef(PREFIXES[prefix] + local)
        try:
            return getattr(BRI, name)
        except AttributeError:
            raise CurationError(f"{where}: {what} {name!r} is not a term of the ontology") from None

    def is_object_property(self, p: URIRef) -> bool:
        return (p, RDF.type, OWL.ObjectProperty) in self.g

    def range(self, p: URIRef) -> URIRef | None:
        r = self.g.value(p, RDFS.range)
        return r if isinstance(r, URIRef) else None


_LITERAL_PROPS = {RDFS.label, SKOS.prefLabel, SKOS.altLabel, SKOS.definition, DCTERMS.title,
                  DCTERMS.description, RDFS.comment}


class Loader:
    """Reads the curated files and writes their triples into a dataset."""

    def __init__(self, ontology: Graph, papers: dict[str, dict], data_dir: Path = DATA_DIR) -> None:
        """`papers`: slug -> {"iri", "graph", "texts": {file name: normalized text}, "sections": set}."""
        self.onto = Ontology(ontology)
        self.papers = papers
        self.data_dir = data_dir
        self.entities: dict[str, Where] = {}
        self.facts = 0

    # -- terms --------------------------------------------------------------------------------

    def iri(self, ident: str, where: Where) -> URIRef:
        if not isinstance(ident, str) or not _ID.match(ident):
            raise CurationError(f"{where}: {ident!r} is not an id like 'org/chinese-academy-of-sciences'")
        return URIRef(BRID + ident)

    def value(self, p: URIRef, v: Any, where: Where) -> list:
        values = v if isinstance(v, list) else [v]
        out = []
        for item in values:
            if self.onto.is_object_property(p) or p == RDF.type:
                if p == RDF.type:
                    out.append(self.onto.expand(item, where, "class"))
                    continue
                if isinstance(item, dict) and "period" in item:
                    out.append(self.period(item["period"], where))
                    continue
                ref = self.iri(item, where)
                if item not in self.entities and not item.startswith(("stat/", "claim/", "period/", "node/")):
                    self.pending_refs.append((item, where))
                out.append(ref)
            elif isinstance(item, dict) and set(item) - {"__line__"} <= {"en", "zh"}:
                out += [Literal(str(t), lang=lang) for lang, t in item.items() if lang != "__line__"]
            else:
                out.append(self.literal(p, item, where))
        return out

    def literal(self, p: URIRef, v: Any, where: Where) -> Literal:
        rng = self.onto.range(p)
        try:
            if rng == XSD.gYear:
                return Literal(f"{int(v):04d}", datatype=XSD.gYear)
            if rng in (XSD.integer, XSD.nonNegativeInteger, XSD.positiveInteger):
                return Literal(int(v), datatype=XSD.integer)
            if rng == XSD.decimal:
                return Literal(str(v), datatype=XSD.decimal)
            if rng == XSD.boolean:
                return Literal(bool(v))
        except (TypeError, ValueError):
            raise CurationError(f"{where}: {v!r} is not a valid value for {p} (range {rng})") from None
        return Literal(str(v))

    def period(self, spec: Any, where: Where) -> URIRef:
        years = spec if isinstance(spec, list) else [spec, spec]
        try:
            start, end = int(years[0]), int(years[-1])
        except (TypeError, ValueError):
            raise CurationError(f"{where}: a period is a year or [start, end], not {spec!r}") from None
        if start > end:
            raise CurationError(f"{where}: the period {start}–{end} starts after it ends")
        node = URIRef(f"{BRID}period/{start}" + (f"-{end}" if end != start else ""))
        g = self.curated
        g.add((node, RDF.type, URIRef(TIME + "Interval")))
        g.add((node, BRI.startYear, Literal(f"{start:04d}", datatype=XSD.gYear)))
        g.add((node, BRI.endYear, Literal(f"{end:04d}", datatype=XSD.gYear)))
        g.add((node, RDFS.label, Literal(f"{start}" + (f"–{end}" if end != start else ""))))
        return node

    def is_paper_ref(self, ident: str) -> bool:
        """`paper/<slug>` or `paper/<slug>/section/<n>` of a paper in the corpus (claims point at them)."""
        parts = ident.split("/")
        paper = self.papers.get(parts[1]) if len(parts) > 1 and parts[0] == "paper" else None
        if paper is None:
            return False
        return len(parts) == 2 or (len(parts) == 4 and parts[2] == "section" and parts[3] in paper["sections"])

    # -- files --------------------------------------------------------------------------------

    def load(self, ds) -> int:
        self.curated = ds.graph(CURATED_GRAPH)
        self.pending_refs: list[tuple[str, Where]] = []
        self.nodes: dict[str, Where] = {}
        for f in sorted((self.data_dir / "entities").glob("*.yaml")):
            self.load_entities(f)
        for f in sorted((self.data_dir / "papers").glob("*.yaml")):
            self.load_paper_file(ds, f)
        for ident, where in self.pending_refs:
            if ident not in self.entities and ident not in self.nodes and not self.is_paper_ref(ident):
                raise CurationError(f"{where}: {ident!r} is used but not defined in entities/*.yaml or as a node")
        return self.facts

    def load_entities(self, path: Path) -> None:
        doc = load_yaml(path)
        for item in doc.get("entities") or []:
            where = Where(path, item.get("__line__", 0))
            ident = item.get("id")
            s = self.iri(ident, where)
            self.entities.setdefault(ident, where)  # several files may describe one entity
            self.curated.add((s, DCTERMS.source, Literal(where.ref())))
            g = self.curated
            types = item.get("type")
            if not types:
                raise CurationError(f"{where}: entity {ident!r} has no type")
            for t in types if isinstance(types, list) else [types]:
                g.add((s, RDF.type, self.onto.expand(t, where, "class")))
            labels = item.get("label") or {}
            if not set(labels) & {"en", "zh"}:
                raise CurationError(f"{where}: entity {ident!r} needs a label in en or zh")
            translated = set(item.get("translated") or [])
            for lang in ("en", "zh"):
                if lang in labels:
                    lit = Literal(str(labels[lang]), lang=lang)
                    g.add((s, RDFS.label, lit))
                    g.add((s, SKOS.prefLabel, lit))
                    if lang in translated:
                        self._curator_statement(s, SKOS.prefLabel, lit, "label translated by a curator")
            for lang, alts in (item.get("altLabel") or {}).items():
                if lang == "__line__":
                    continue
                for alt in alts if isinstance(alts, list) else [alts]:
                    g.add((s, SKOS.altLabel, Literal(str(alt), lang=lang)))
            for acronym in item.get("acronym") or []:
                g.add((s, SKOS.altLabel, Literal(str(acronym))))
            if qid := item.get("wikidata"):
                if not re.fullmatch(r"Q[1-9][0-9]*", str(qid)):
                    raise CurationError(f"{where}: {qid!r} is not a Wikidata id like Q42")
                obj = URIRef(f"http://www.wikidata.org/entity/{qid}")
                g.add((s, BRI.wikidata, obj))
                self._curator_statement(s, BRI.wikidata, obj, "identifier added by a curator")
            for key, prop in (("iso2", BRI.iso3166Alpha2), ("iso3", BRI.iso3166Alpha3)):
                if code := item.get(key):
                    g.add((s, prop, Literal(str(code))))
                    self._curator_statement(s, prop, Literal(str(code)), "identifier added by a curator")
            for pname, v in (item.get("set") or {}).items():
                if pname == "__line__":
                    continue
                p = self.onto.expand(pname, where, "property")
                for o in self.value(p, v, where):
                    g.add((s, p, o))

    def _curator_statement(self, s, p, o, note: str) -> None:
        st = URIRef(f"{BRID}statement/{_digest(str(s), str(p), str(o))}")
        g = self.curated
        g.add((st, RDF.type, RDF.Statement))
        g.add((st, RDF.subject, s))
        g.add((st, RDF.predicate, p))
        g.add((st, RDF.object, o))
        g.add((st, PROV.wasAttributedTo, CURATION_AGENT))
        g.add((st, RDFS.comment, Literal(note, lang="en")))
        g.add((CURATION_AGENT, RDF.type, PROV.Agent))
        g.add((CURATION_AGENT, RDFS.label, Literal("brikg curators", lang="en")))

    def load_paper_file(self, ds, path: Path) -> None:
        doc = load_yaml(path)
        slug = doc.get("paper")
        if slug not in self.papers:
            raise CurationError(f"{path}: paper {slug!r} is not in the corpus; known: {', '.join(sorted(self.papers))}")
        paper = self.papers[slug]
        g = ds.graph(paper["graph"])
        for fact in doc.get("facts") or []:
            where = Where(path, fact.get("__line__", 0))
            self.load_fact(g, paper, fact, where)

    def load_fact(self, g: Graph, paper: dict, fact: dict, where: Where) -> None:
        quote, section = fact.get("quote"), str(fact.get("section", ""))
        label = fact.get("node") or fact.get("about")
        if not quote or not isinstance(quote, str):
            raise CurationError(f"{where}: fact {label!r} has no quote")
        if len(quote) > MAX_QUOTE:
            raise CurationError(f"{where}: the quote of fact {label!r} is {len(quote)} characters; keep it under "
                                f"{MAX_QUOTE}")
        needle = normalize_quote_text(quote)
        source = next((name for name, text in paper["texts"].items() if needle in text), None)
        if source is None:
            raise CurationError(f"{where}: the quote of fact {label!r} is not in the paper's text: {quote!r}")
        if section and section not in paper["sections"]:
            raise CurationError(f"{where}: fact {label!r} names section {section!r}, which the paper does not "
                                f"have (it has {', '.join(sorted(paper['sections']))})")
        evidence = URIRef(f"{BRID}evidence/{paper['slug']}/{_digest(label, quote)}")
        self._evidence(g, evidence, paper, source, section, quote, paper["texts"][source], needle)
        g.add((evidence, DCTERMS.source, Literal(where.ref())))  # the curated file and line of the fact
        props = fact.get("set") or {}
        if "node" in fact:
            s = self.iri(fact["node"], where)
            if fact["node"] in self.nodes:
                first = self.nodes[fact["node"]]
                raise CurationError(f"{where}: node {fact['node']!r} is defined twice (also at {first})")
            self.nodes[fact["node"]] = where
            for t in fact.get("type") if isinstance(fact.get("type"), list) else [fact.get("type")]:
                if not t:
                    raise CurationError(f"{where}: node {fact['node']!r} has no type")
                g.add((s, RDF.type, self.onto.expand(t, where, "class")))
            for pname, v in props.items():
                if pname == "__line__":
                    continue
                p = self.onto.expand(pname, where, "property")
                for o in self.value(p, v, where):
                    g.add((s, p, o))
                    self.facts += 1
            g.add((evidence, BRI.evidenceFor, s))
            g.add((s, BRI.hasEvidence, evidence))
        else:
            ident = fact.get("about")
            s = self.iri(ident, where)
            if ident not in self.entities and ident not in self.nodes:
                self.pending_refs.append((ident, where))
            if not props:
                g.add((evidence, BRI.evidenceFor, s))  # a mention
                g.add((s, BRI.hasEvidence, evidence))
            for pname, v in props.items():
                if pname == "__line__":
                    continue
                p = self.onto.expand(pname, where, "property")
                for o in self.value(p, v, where):
                    g.add((s, p, o))
                    st = URIRef(f"{BRID}statement/{_digest(str(s), str(p), str(o))}")
                    g.add((st, RDF.type, RDF.Statement))
                    g.add((st, RDF.subject, s))
                    g.add((st, RDF.predicate, p))
                    g.add((st, RDF.object, o))
                    g.add((evidence, BRI.evidenceFor, st))
                    g.add((st, BRI.hasEvidence, evidence))
                    self.facts += 1

    def _evidence(self, g: Graph, ev: URIRef, paper: dict, source: str, section: str, quote: str,
                  text: str, needle: str) -> None:
        oa = lambda t: URIRef(OA + t)  # noqa: E731
        target, selector = URIRef(str(ev) + "/target"), URIRef(str(ev) + "/selector")
        g.add((ev, RDF.type, BRI.Evidence))
        g.add((ev, RDF.type, oa("Annotation")))
        g.add((ev, oa("motivatedBy"), oa("describing")))
        g.add((ev, oa("hasTarget"), target))
        g.add((ev, PROV.wasAttributedTo, CURATION_AGENT))
        g.add((target, RDF.type, oa("SpecificResource")))
        g.add((target, oa("hasSource"), iris.source_text(source)))
        if section:
            g.add((target, oa("hasScope"), iris.sub(paper["iri"], "section", section)))
        g.add((target, oa("hasSelector"), selector))
        g.add((selector, RDF.type, oa("TextQuoteSelector")))
        g.add((selector, oa("exact"), Literal(quote)))
        at = text.find(needle)
        g.add((selector, oa("prefix"), Literal(text[max(0, at - 24):at])))
        g.add((selector, oa("suffix"), Literal(text[at + len(needle):at + len(needle) + 24])))


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


