"""OWL 2 RL materialization of the ontology and data, kept apart from the asserted facts.

Why a separate graph: a query chooses between asserted facts only and asserted plus inferred
(`infer=true|false`), and an inferred fact must never be mistaken for something a paper says.
The build runs `materialize` on the asserted dataset (every named graph, plus the upstream
axioms of `ontology/upstream-axioms.ttl`), keeps only what is new and useful (no `owl:Thing`
typing, no `x owl:sameAs x`, no literal typing, nothing about the RDF/OWL vocabulary itself),
and writes it to `INFERRED_GRAPH`. How each inferred triple was derived (the OWL 2 RL rule and
the asserted term that led to it) goes to `DERIVATION_GRAPH` as RDF reification, so queries on
the inferred graph see only the facts. The reasoner is `reasonable` (Rust, chosen by
measurement in bench/bench_reasoning.py); it has no property-chain rule (prp-spo2), and its
functional-property rule (prp-fp) pairs every two triples of a functional property (quadratic:
11.6 GB for 670k triples), so this module applies both itself between reasoner rounds.
`owlrl` is kept as the reference for the benchmark. `materialize` works on an rdflib graph (the
build, with derivation markers); `materialize_files` gives the same inferred triples from
N-Triples files without holding the input as rdflib terms (graphs far beyond the real size).

`check_consistency` runs HermiT (through owlready2) on ontology + upstream axioms + data and,
when it finds the graph inconsistent, names the clashing axioms and resources.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import subprocess
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, PROV

from kg import iris
from kg.errors import InconsistentGraph
from kg.ns import BRID
from kg.paths import ONTOLOGY_DIR

INFERRED_GRAPH = URIRef(BRID + "graph/inferred")
DERIVATION_GRAPH = URIRef(BRID + "graph/inferred/derivations")
#: The graphs the build's reasoning writes: never SHACL-validated, never part of `infer=false`.
REASONING_GRAPHS = frozenset({str(INFERRED_GRAPH), str(DERIVATION_GRAPH)})
UPSTREAM_AXIOMS = ONTOLOGY_DIR / "upstream-axioms.ttl"
EXTENSIONS = ONTOLOGY_DIR / "extensions.ttl"
RUN = URIRef(BRID + "graph/inferred/activity")
RULE_BASE = BRID + "graph/inferred/rule/"
DERIVATION_BASE = BRID + "graph/inferred/derivation/"
MAX_CHAIN_ROUNDS = 10
#: The build's reasoner, chosen by measurement (bench/bench_reasoning.py, docs/decisions/0007-reasoning.md).
REASONER = "reasonable"

_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, OWL.Class, RDFS.Class, RDF.Property,
                  OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype,
                  RDFS.Literal, OWL.Ontology}
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}

#: OWL 2 RL rule names (W3C OWL 2 Profiles, section 4.3) used as derivation markers.
RULES = {
    "cax-sco": "class membership through rdfs:subClassOf",
    "cax-eqc": "class membership through owl:equivalentClass",
    "prp-dom": "class membership from a property's rdfs:domain",
    "prp-rng": "class membership from a property's rdfs:range",
    "prp-spo1": "property assertion through rdfs:subPropertyOf",
    "prp-spo2": "property assertion through owl:propertyChainAxiom (applied by brikg, see kg/reason.py)",
    "prp-fp": "owl:sameAs from two values of an owl:FunctionalProperty (applied by brikg, see kg/reason.py)",
    "prp-inv": "property assertion through owl:inverseOf",
    "prp-trp": "property assertion through owl:TransitiveProperty",
    "prp-symp": "property assertion through owl:SymmetricProperty",
    "scm": "schema closure (subclass, subproperty, equivalence between terms)",
    "owl2rl": "another OWL 2 RL rule (the reasoner does not say which)",
}


@dataclass
class Materialization:
    reasoner: str
    version: str
    inferred: set[tuple]  # rdflib triples that are new and not trivial
    seconds: float  # reasoner time, excluding loading and filtering
    rounds: int = 1
    derivations: dict[tuple, tuple[str, URIRef | None]] = field(default_factory=dict)


# -- input ------------------------------------------------------------------------------------

def upstream_axioms() -> Graph:
    return Graph().parse(UPSTREAM_AXIOMS, format="turtle")


def asserted_quads(store: ox.Store) -> Iterator[ox.Quad]:
    """Every quad of the store but those of the reasoning graphs: what the papers asserted."""
    return (q for q in store.quads_for_pattern(None, None, None)
            if not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value in REASONING_GRAPHS))


def asserted_graph(store: ox.Store) -> Graph:
    """Every asserted triple of the store (all graphs but the reasoning ones) as one rdflib graph."""
    nt = ox.serialize((ox.Triple(q.subject, q.predicate, q.object) for q in asserted_quads(store)),
                      format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=nt or b"", format="nt")


def _norm(term):
    """`"x"^^xsd:string` and `"x"` are one RDF 1.1 term; reasonable returns the first."""
    if isinstance(term, Literal) and term.datatype == XSD.string and term.language is None:
        return Literal(str(term))
    return term


def is_trivial(t: tuple) -> bool:
    """Entailments that every OWL RL closure has and nobody queries for."""
    s, p, o = t
    if not isinstance(s, URIRef) or not isinstance(p, URIRef) or isinstance(o, BNode):
        return True  # literal subjects (literal typing), schema blank nodes (lists, restrictions)
    if str(s).startswith(_BUILTIN):
        return True
    if p == RDF.type and (o in _TRIVIAL_TYPES or (isinstance(o, URIRef) and str(o).startswith(str(XSD)))):
        return True
    if p in _REFLEXIVE and s == o:
        return True
    if p in (RDFS.subClassOf, RDFS.domain, RDFS.range) and o in (OWL.Thing, RDFS.Resource):
        return True
    return p == RDFS.subPropertyOf and o in (OWL.topObjectProperty, OWL.topDataProperty)


# -- reasoners --------------------------------------------------------------------------------

def _chains(graph: Graph) -> list[tuple[URIRef, list[URIRef]]]:
    out = []
    for p, head in graph.subject_objects(OWL.propertyChainAxiom):
        steps = list(Collection(graph, head))
        if isinstance(p, URIRef) and len(steps) >= 2:
            out.append((p, steps))
    return out


def apply_chains(triples: set[tuple], chains: list[tuple[URIRef, list[URIRef]]]) -> set[tuple]:
    """prp-spo2: `s p1 x1 … xn-1 pn o` gives `s p o`. Returns the triples not yet in `triples`."""
    by_p: dict[URIRef, dict] = defaultdict(lambda: defaultdict(set))
    wanted = {q for _, steps in chains for q in steps}
    for s, p, o in triples:
        if p in wanted:
            by_p[p][s].add(o)
    new = set()
    for p, steps in chains:
        frontier = {(s, o) for s, objs in by_p[steps[0]].items() for o in objs}
        for q in steps[1:]:
            frontier = {(s, o2) for s, o in frontier for o2 in by_p[q].get(o, ())}
        new |= {(s, p, o) for s, o in frontier if (s, p, o) not in triples}
    return new


def _functional(graph: Graph) -> set[URIRef]:
    return {p for p in graph.subjects(RDF.type, OWL.FunctionalProperty) if isinstance(p, URIRef)}


def apply_functional(triples: Iterable[tuple], functional: set) -> set[tuple]:
    """prp-fp for resources: two resource values of a functional property of one subject are
    `owl:sameAs`. Returns the triples not yet in `triples` (a set). Linear (grouped by subject),
    unlike reasonable 0.4.4's own prp-fp, which joins every triple of the property with every
    other one and filters afterwards. Two different literal values are an inconsistency, not a
    sameAs: `clashes` names them and HermiT refuses them."""
    values: dict = defaultdict(set)
    seen = triples if isinstance(triples, (set, frozenset)) else set(triples)
    for s, p, o in seen:
        if p in functional and not isinstance(o, Literal):
            values[(s, p)].add(o)
    return {(a, OWL.sameAs, b) for vals in values.values() if len(vals) > 1
            for a in vals for b in vals if a != b and (a, OWL.sameAs, b) not in seen}


def apply_brikg_rules(triples: set[tuple], chains, functional: set) -> set[tuple]:
    """The two rules brikg applies itself (prp-spo2 and prp-fp): the triples they add."""
    return apply_chains(triples, chains) | apply_functional(triples, functional)


def _is_fp_declaration(t: tuple) -> bool:
    return t[1] == RDF.type and t[2] == OWL.FunctionalProperty


def _run_reasonable(triples: set[tuple]) -> set[tuple]:
    """reasonable parses a file in Rust far faster than it reads an rdflib graph; N-Triples
    lines are valid Turtle, the one syntax its `load_file` knows besides N3. Functional-property
    declarations are withheld (see `apply_functional`); they are asserted, so the difference with
    the input is the same."""
    import reasonable

    with tempfile.TemporaryDirectory(prefix="brikg-reason-") as tmp:
        path = Path(tmp) / "input.ttl"
        with open(path, "w", encoding="utf-8") as f:
            f.writelines(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in triples if not _is_fp_declaration((s, p, o)))
        r = reasonable.PyReasoner()
        r.load_file(str(path))
    return {tuple(_norm(x) for x in t) for t in r.reason()}


def _run_owlrl(triples: set[tuple]) -> set[tuple]:
    import owlrl

    g = Graph()
    for t in triples:
        g.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(g)
    return {tuple(_norm(x) for x in t) for t in g}


REASONERS = {"reasonable": _run_reasonable, "owlrl": _run_owlrl}


def reasoner_version(name: str) -> str:
    return importlib.metadata.version(name)


def materialize(graph: Graph, reasoner: str = "reasonable", *, explain: bool = True) -> Materialization:
    """The OWL 2 RL closure of `graph` minus what it asserts, without trivia.

    reasonable has no property-chain rule and a quadratic functional-property rule, so both are
    applied here, to the asserted triples first and then to each closure, and the reasoner is run
    again until nothing new appears (bounded; one run for brikg, whose chain premises are asserted).
    """
    run = REASONERS[reasoner]
    base = {tuple(_norm(x) for x in t) for t in graph}
    chains = _chains(graph)
    functional = _functional(graph)
    # chains and prp-fp on the asserted triples first: one reasoner round when their premises
    # are asserted (brikg's are), instead of a second full run
    current = base | apply_brikg_rules(base, chains, functional)
    seconds, rounds = 0.0, 0
    while True:
        rounds += 1
        t0 = time.perf_counter()
        closure = run(current)
        extra = apply_brikg_rules(closure, chains, functional)
        seconds += time.perf_counter() - t0
        if not extra or rounds >= MAX_CHAIN_ROUNDS:
            break
        current = closure | extra
    inferred = {t for t in closure - base if not is_trivial(t)}
    mat = Materialization(reasoner, reasoner_version(reasoner), inferred, seconds, rounds)
    if explain:
        mat.derivations = explain_derivations(base, inferred, chains)
    return mat


@dataclass
class FileMaterialization:
    """What `materialize_files` did: sizes, rounds and where the time went (seconds)."""

    version: str
    asserted: int  # distinct input triples as the reasoner holds them (plus its 2 built-in ones)
    closure: int  # the reasoner's last closure, asserted triples included
    inferred: int  # new and not trivial (what `materialize` would return)
    rounds: int
    seconds: dict[str, float] = field(default_factory=dict)  # prepare, load, base, reason, scan
    reasoner: str = "reasonable"


_NT_TYPE = f"<{RDF.type}>"
_NT_FP = f"<{OWL.FunctionalProperty}>"
_NT_LIST = {f"<{OWL.propertyChainAxiom}>", f"<{RDF.first}>", f"<{RDF.rest}>"}


def _nt_lines(path: Path) -> Iterable[str]:
    """N-Triples lines of `path`: read as they are from `.nt`, through pyoxigraph otherwise."""
    if path.suffix == ".nt":
        with open(path, encoding="utf-8") as f:
            yield from f
    else:
        fmt = ox.RdfFormat.from_extension(path.suffix.lstrip(".")) or ox.RdfFormat.TURTLE
        for t in ox.parse(path=str(path), format=fmt):
            yield f"{t} .\n"


def materialize_files(inputs: Iterable[Path], out: Path | None = None, *,
                      progress=lambda _: None) -> FileMaterialization:
    """`materialize(…, "reasonable", explain=False)` for graphs too large for rdflib sets.

    The input is N-Triples files (Turtle is converted), read line by line into the file the
    reasoner parses in Rust; no rdflib term is made for the input except reasonable's own list
    of its base triples, reduced at once to 64-bit hashes to tell asserted from inferred
    triples. Functional-property declarations are withheld and property chains and prp-fp are
    applied between rounds, as in `materialize`. The inferred triples (trivia dropped) are
    counted and, given `out`, written there as N-Triples. Memory is then reasonable 0.4.4's own:
    `load_file` holds about 1.2 KB per input triple while it parses, and `reason()` returns the
    whole closure as one Python list of rdflib terms (about 0.5 KB a triple); at 1000× the real
    graph each alone is over 16 GB (docs/decisions/0007-reasoning.md). A 64-bit hash collision
    would count one inferred triple as asserted (odds about 1e-4 at 1000×).
    """
    import reasonable

    sec: dict[str, float] = {}
    t0 = time.perf_counter()
    functional: set[URIRef] = set()
    schema_lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="brikg-reason-") as tmp:
        path = Path(tmp) / "input.ttl"  # N-Triples is Turtle; load_file knows only .ttl and .n3
        with open(path, "w", encoding="utf-8") as f:
            for src in inputs:
                for line in _nt_lines(Path(src)):
                    parts = line.split(" ", 2)
                    if len(parts) < 3 or line.startswith("#"):
                        continue
                    if parts[1] == _NT_TYPE and parts[2].startswith(_NT_FP):
                        functional.add(URIRef(parts[0][1:-1]))
                        continue
                    if parts[1] in _NT_LIST:
                        schema_lines.append(line)
                    f.write(line)
        sec["prepare"] = time.perf_counter() - t0
        progress(f"input written ({sec['prepare']:.1f} s)")
        t0 = time.perf_counter()
        r = reasonable.PyReasoner()
        r.load_file(str(path))
    sec["load"] = time.perf_counter() - t0
    progress(f"loaded into reasonable ({sec['load']:.1f} s)")
    chains = _chains(Graph().parse(data="".join(schema_lines), format="nt")) if schema_lines else []
    t0 = time.perf_counter()
    wanted = {q for _, steps in chains for q in steps} | {p for p, _ in chains} | functional | {OWL.sameAs}
    base_list = r.get_base_triples()
    base = {hash(t) for t in base_list}
    asserted = len(base_list)
    relevant = {tuple(_norm(x) for x in t) for t in base_list if t[1] in wanted}
    del base_list
    extra = apply_brikg_rules(relevant, chains, functional)  # as in `materialize`
    del relevant
    if extra:
        r.from_graph(list(extra))
    sec["base"] = time.perf_counter() - t0
    progress(f"{asserted} base triples hashed, {len(extra)} added by chains and prp-fp ({sec['base']:.1f} s)")
    rounds = 0
    sec["reason"] = sec["scan"] = 0.0
    while True:
        rounds += 1
        t0 = time.perf_counter()
        closure = r.reason()
        sec["reason"] += time.perf_counter() - t0
        progress(f"round {rounds}: closure of {len(closure)} triples ({sec['reason']:.1f} s)")
        t0 = time.perf_counter()
        relevant = {tuple(_norm(x) for x in t) for t in closure if t[1] in wanted}
        extra = apply_brikg_rules(relevant, chains, functional)
        del relevant
        sec["scan"] += time.perf_counter() - t0
        if not extra or rounds >= MAX_CHAIN_ROUNDS:
            break
        del closure
        r.from_graph(list(extra))
    t0 = time.perf_counter()
    inferred = 0
    with (open(out, "w", encoding="utf-8") if out else open(os.devnull, "w")) as f:
        for t in closure:
            if hash(t) in base:
                continue
            t = tuple(_norm(x) for x in t)
            if not is_trivial(t):
                inferred += 1
                if out:
                    f.write(f"{t[0].n3()} {t[1].n3()} {t[2].n3()} .\n")
    sec["scan"] += time.perf_counter() - t0
    return FileMaterialization(reasoner_version("reasonable"), asserted, len(closure), inferred, rounds,
                               {k: round(v, 2) for k, v in sec.items()})


# -- derivation markers -----------------------------------------------------------------------

class _TBox:
    """Super-class / super-property closures and property characteristics of a closed graph."""

    def __init__(self, triples: Iterable[tuple]) -> None:
        self.sub_c: dict = defaultdict(set)
        self.sub_p: dict = defaultdict(set)
        self.eq_c: dict = defaultdict(set)
        self.dom: dict = defaultdict(set)
        self.rng: dict = defaultdict(set)
        self.inv: dict = defaultdict(set)
        self.trans: set = set()
        self.sym: set = set()
        self.functional: set = set()
        for s, p, o in triples:
            if p == RDFS.subClassOf:
                self.sub_c[s].add(o)
            elif p == OWL.equivalentClass:
                self.eq_c[s].add(o)
                self.eq_c[o].add(s)
            elif p == RDFS.subPropertyOf:
                self.sub_p[s].add(o)
            elif p == RDFS.domain:
                self.dom[s].add(o)
            elif p == RDFS.range:
                self.rng[s].add(o)
            elif p == OWL.inverseOf:
                self.inv[s].add(o)
                self.inv[o].add(s)
            elif p == RDF.type and o == OWL.TransitiveProperty:
                self.trans.add(s)
            elif p == RDF.type and o == OWL.SymmetricProperty:
                self.sym.add(s)
            elif p == RDF.type and o == OWL.FunctionalProperty:
                self.functional.add(s)

    @staticmethod
    def _up(start, edges: dict) -> set:
        seen, todo = {start}, [start]
        while todo:
            for nxt in edges.get(todo.pop(), ()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    def supers_c(self, c) -> set:
        edges = defaultdict(set)
        for k, v in self.sub_c.items():
            edges[k] |= v
        for k, v in self.eq_c.items():
            edges[k] |= v
        return self._up(c, edges)

    def supers_p(self, p) -> set:
        return self._up(p, self.sub_p)


def explain_derivations(base: set[tuple], inferred: set[tuple], chains) -> dict[tuple, tuple[str, URIRef | None]]:
    """For each inferred triple, the OWL 2 RL rule and the asserted term (class or property) it
    came from, found by matching the rule bodies against the asserted triples first and the
    closure second. reasonable does not report derivations, so this is brikg's own account."""
    everything = base | inferred
    tbox = _TBox(everything)
    sc_cache: dict = {}
    sp_cache: dict = {}

    def sc(c):
        if c not in sc_cache:
            sc_cache[c] = tbox.supers_c(c)
        return sc_cache[c]

    def sp(p):
        if p not in sp_cache:
            sp_cache[p] = tbox.supers_p(p)
        return sp_cache[p]

    def index(triples):
        types, out_p, in_p, pairs = defaultdict(set), defaultdict(set), defaultdict(set), defaultdict(set)
        for s, p, o in triples:
            if p == RDF.type:
                types[s].add(o)
            else:
                out_p[s].add(p)
                in_p[o].add(p)
                pairs[(s, o)].add(p)
        return types, out_p, in_p, pairs

    indexes = [index(base), index(everything)]
    chain_of = {p: steps for p, steps in chains}
    schema_p = {RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty,
                RDFS.domain, RDFS.range, OWL.inverseOf}
    out: dict[tuple, tuple[str, URIRef | None]] = {}
    for t in inferred:
        s, p, o = t
        found: tuple[str, URIRef | None] | None = None
        if p in schema_p:
            found = ("scm", None)
        for types, out_p, in_p, pairs in indexes:
            if found:
                break
            if p == RDF.type:
                found = next((("cax-sco", c) for c in sorted(types.get(s, ())) if c != o and o in sc(c)), None) \
                    or next((("prp-dom", q) for q in sorted(out_p.get(s, ()))
                             if any(o in sc(d) for sp_ in sp(q) for d in tbox.dom.get(sp_, ()))), None) \
                    or next((("prp-rng", q) for q in sorted(in_p.get(s, ()))
                             if any(o in sc(r) for sp_ in sp(q) for r in tbox.rng.get(sp_, ()))), None)
            else:
                found = next((("prp-spo1", q) for q in sorted(pairs.get((s, o), ())) if q != p and p in sp(q)), None) \
                    or next((("prp-inv", q) for q in sorted(pairs.get((o, s), ()))
                             if any(p in sp(i) for q2 in sp(q) for i in tbox.inv.get(q2, ()))), None) \
                    or (("prp-symp", p) if p in tbox.sym and p in pairs.get((o, s), ()) else None) \
                    or (("prp-spo2", p) if p in chain_of else None) \
                    or (next((("prp-fp", q) for q in sorted(in_p.get(s, set()) & in_p.get(o, set()))
                              if q in tbox.functional), None) if p == OWL.sameAs else None) \
                    or (("prp-trp", next(q for q in sp(p) if q in tbox.trans))
                        if any(q in tbox.trans for q in sp(p)) else None)
        out[t] = found or ("owl2rl", None)
    return out


# -- writing ----------------------------------------------------------------------------------

def _ox(term) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    if term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term))


def quads(mat: Materialization) -> list[ox.Quad]:
    """The inferred triples in `INFERRED_GRAPH`; the run and one reified derivation per triple
    (named `…/graph/inferred/derivation/<hash of the triple>`: rdf:subject/predicate/object,
    prov:wasGeneratedBy the rule, prov:wasDerivedFrom the asserted class or property it came
    from) in `DERIVATION_GRAPH`."""
    g_inf, g_der = ox.NamedNode(str(INFERRED_GRAPH)), ox.NamedNode(str(DERIVATION_GRAPH))
    out = [ox.Quad(_ox(s), _ox(p), _ox(o), g_inf) for s, p, o in sorted(mat.inferred)]
    run = ox.NamedNode(str(RUN))
    agent = ox.NamedNode(f"{BRID}agent/reasoner/{mat.reasoner}")

    def meta(s, p, o):
        out.append(ox.Quad(s, ox.NamedNode(str(p)), o, g_der))

    meta(run, RDF.type, ox.NamedNode(str(PROV.Activity)))
    meta(run, RDFS.label, ox.Literal(f"OWL 2 RL materialization by {mat.reasoner} {mat.version}"))
    meta(run, PROV.wasAssociatedWith, agent)
    meta(run, PROV.wasInformedBy, ox.NamedNode(str(iris.sub(iris.BUILD_GRAPH, "activity"))))
    meta(run, PROV.generated, g_inf)
    meta(run, PROV.used, ox.NamedNode("https://w3id.org/brikg/ontology/upstream-axioms"))
    meta(agent, RDF.type, ox.NamedNode(str(PROV.SoftwareAgent)))
    meta(agent, RDFS.label, ox.Literal(mat.reasoner))
    meta(agent, DCTERMS.hasVersion, ox.Literal(mat.version))
    used_rules = sorted({rule for rule, _ in mat.derivations.values()})
    for rule in used_rules:
        node = ox.NamedNode(RULE_BASE + rule)
        meta(node, RDF.type, ox.NamedNode(str(PROV.Activity)))
        meta(node, RDFS.label, ox.Literal(f"{rule}: {RULES[rule]}", language="en"))
        meta(node, PROV.wasInformedBy, run)
    for t in sorted(mat.derivations):
        rule, premise = mat.derivations[t]
        # a name from the triple itself (not a blank node): rebuilds give identical graphs, and
        # comparing two builds needs no blank-node matching over tens of thousands of nodes
        d = ox.NamedNode(DERIVATION_BASE + hashlib.sha256(" ".join(x.n3() for x in t).encode()).hexdigest()[:20])
        meta(d, RDF.subject, _ox(t[0]))
        meta(d, RDF.predicate, _ox(t[1]))
        meta(d, RDF.object, _ox(t[2]))
        meta(d, PROV.wasGeneratedBy, ox.NamedNode(RULE_BASE + rule))
        if premise is not None:
            meta(d, PROV.wasDerivedFrom, _ox(premise))
    return out


def rule_counts(mat: Materialization) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for rule, _ in mat.derivations.values():
        counts[rule] += 1
    return dict(sorted(counts.items()))


# -- consistency ------------------------------------------------------------------------------

def clashes(graph: Graph, inferred: Iterable[tuple] = ()) -> list[str]:
    """Readable OWL 2 RL inconsistencies (cax-dw, cax-adc, cls-nothing2, prp-fp on literals) in
    `graph` plus `inferred`: each names the axiom and the resources involved. This is the
    explanation given when HermiT says the graph is inconsistent."""
    g = Graph()
    for t in graph:
        g.add(t)
    for t in inferred:
        g.add(t)
    out = []
    pairs = [(a, b) for a, b in g.subject_objects(OWL.disjointWith)]
    for node in g.subjects(RDF.type, OWL.AllDisjointClasses):
        members = list(Collection(g, g.value(node, OWL.members)))
        pairs += [(a, b) for i, a in enumerate(members) for b in members[i + 1:]]
    for a, b in pairs:
        for x in sorted(set(g.subjects(RDF.type, a)) & set(g.subjects(RDF.type, b))):
            out.append(f"{x.n3()} is typed both {a.n3()} and {b.n3()}, which are disjoint "
                       f"(axiom: {a.n3()} owl:disjointWith {b.n3()})")
    for x in sorted(g.subjects(RDF.type, OWL.Nothing)):
        out.append(f"{x.n3()} is an instance of owl:Nothing")
    for p in g.subjects(RDF.type, OWL.FunctionalProperty):
        values: dict = defaultdict(set)
        for s, o in g.subject_objects(p):
            if isinstance(o, Literal):
                values[s].add(o)
        for s, vals in sorted(values.items()):
            if len({(v.toPython(), v.language) for v in vals}) > 1:
                out.append(f"{s.n3()} has {len(vals)} different values of the functional property {p.n3()}: "
                           + ", ".join(sorted(v.n3() for v in vals)))
    return out


def hermit_consistent(graph: Graph, *, timeout: float = 600) -> tuple[bool, str]:
    """Ask HermiT (the jar owlready2 ships) whether `graph` is consistent.

    The graph goes through owlready2 (so it is read exactly as `sync_reasoner` would) and then to
    HermiT's consistency check (`-k`) with unsupported datatypes ignored (xsd:gYear, see
    docs/decisions/0002-ontology.md); `sync_reasoner` would also classify, which is not needed.
    """
    import owlready2

    with tempfile.TemporaryDirectory(prefix="brikg-hermit-") as tmp:
        src = Path(tmp) / "input.nt"
        graph.serialize(src, format="nt", encoding="utf-8")
        world = owlready2.World()
        with open(src, "rb") as f:
            world.get_ontology("https://w3id.org/brikg/id/graph/consistency").load(fileobj=f, format="ntriples")
        nt = Path(tmp) / "world.nt"
        with open(nt, "wb") as f:
            world.save(f, format="ntriples")
        world.close()
        hermit = Path(owlready2.__file__).parent / "hermit"
        cmd = [owlready2.JAVA_EXE, f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M", "-cp",
               os.pathsep.join([str(hermit), str(hermit / "HermiT.jar")]),
               "org.semanticweb.HermiT.cli.CommandLine", "-k", "--ignoreUnsupportedDatatypes", nt.as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except FileNotFoundError:
            raise InconsistentGraph(f"cannot run HermiT: Java ({owlready2.JAVA_EXE}) is not installed "
                                    "(scripts/install-system-deps installs it)") from None
    out = run.stdout + run.stderr
    if "InconsistentOntologyException" in out:
        return False, out
    if run.returncode != 0 or "is satisfiable" not in out:
        raise InconsistentGraph(f"HermiT could not check the graph (exit {run.returncode}):\n{out[-2000:]}")
    return True, out


def consistency_input(asserted: Graph) -> Graph:
    """What HermiT checks: the asserted data and ontology, the upstream axioms and the DL
    extensions (existentials; they cannot make the data inconsistent but belong to the model)."""
    g = Graph()
    for t in asserted:
        g.add(t)
    g.parse(UPSTREAM_AXIOMS, format="turtle")
    g.parse(EXTENSIONS, format="turtle")
    g.remove((None, OWL.imports, None))
    return g


def check_consistency(asserted: Graph) -> float:
    """Raise `InconsistentGraph` naming the axioms and resources when HermiT finds a contradiction.

    HermiT only says "inconsistent"; the explanation comes from the OWL 2 RL closure of the same
    input (`clashes`), computed only in that case."""
    t0 = time.perf_counter()
    g = consistency_input(asserted)
    ok, out = hermit_consistent(g)
    if not ok:
        found = clashes(g, materialize(g, REASONER, explain=False).inferred)
        detail = "\n".join(f"  - {c}" for c in found[:50]) if found else (
            "  (no disjointness, owl:Nothing or functional-property clash was found by brikg's own checks; "
            "HermiT says:)\n  " + next((ln for ln in out.splitlines() if "Inconsistent" in ln), out[-500:]))
        raise InconsistentGraph(f"HermiT found the graph inconsistent; nothing was published:\n{detail}")
    return time.perf_counter() - t0
