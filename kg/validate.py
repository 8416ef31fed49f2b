"""SHACL validation: the contract the data must meet before it is published.

Shapes live in `shapes/*.ttl`. Validation runs on the asserted data with the ontology passed
as `ont_graph` (so subclass targets are found) and no inference (so inferred triples cannot
hide an error). Violations block a publish; warnings are reported and counted.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from pyshacl import validate as shacl_validate
from rdflib import RDF, RDFS, BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, SH

from kg.paths import ONTOLOGY_FILES, SHAPES_DIR


@dataclass
class ValidationReport:
    conforms: bool
    graph: Graph
    results: list[dict] = field(default_factory=list)

    @property
    def violations(self) -> int:
        return sum(1 for r in self.results if r["severity"] == "Violation")

    @property
    def warnings(self) -> int:
        return sum(1 for r in self.results if r["severity"] == "Warning")

    def text(self) -> str:
        """A readable report grouped by shape and focus node: what is wrong, on which resource, why,
        and the curated file and line the resource or fact came from."""
        if not self.results:
            return "The graph conforms: no violations, no warnings."
        verdict = "The graph conforms" if not self.violations else "The graph does not conform"
        by_shape: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for r in self.results:
            if r["severity"] != "Info":  # listed in the Turtle and JSON reports only
                by_shape[r["shape"]][r["focus"]].append(r)
        infos = len(self.results) - self.violations - self.warnings
        out = [f"{verdict}: {self.violations} violation(s), {self.warnings} warning(s)"
               + (f", {infos} note(s) of severity Info (listed in the Turtle and JSON reports)" if infos else "")]
        for shape in sorted(by_shape, key=lambda sh: (min(_RANK.get(r["severity"], 3) for rs in by_shape[sh].values()
                                                          for r in rs), sh)):
            label = next((r["shape_label"] for rs in by_shape[shape].values() for r in rs if r.get("shape_label")), "")
            out.append(f"\n{shape}" + (f" ({label})" if label else ""))
            for focus in sorted(by_shape[shape]):
                rows = by_shape[shape][focus]
                sources = sorted({s for r in rows for s in r.get("sources", [])})
                out.append(f"  {focus}" + (f"  [from {', '.join(sources)}]" if sources else ""))
                for r in sorted(rows, key=lambda r: (_RANK.get(r["severity"], 3), r["path"] or "", r["value"] or "")):
                    path = f" {r['path']}" if r["path"] else ""
                    value = f" (value: {r['value']})" if r["value"] else ""
                    out.append(f"    [{r['severity']}]{path}: {r['message']}{value}")
        return "\n".join(out)

    def as_json(self) -> dict:
        """The report as JSON-ready data (the same for `brikg validate --format json` and /validation)."""
        return {"conforms": self.conforms, "violations": self.violations, "warnings": self.warnings,
                "results": self.results}


_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)


def load_shapes(shapes_dir: Path = SHAPES_DIR) -> Graph:
    """The shapes of `shapes_dir`, with every property shape of a targeted node shape given the
    node shape's targets itself (and `rdfs:isDefinedBy` its node shape) instead of `sh:property`.

    Same focus nodes, same results and `sh:sourceShape`; but pySHACL then evaluates a property
    shape once for all its focus nodes instead of once per focus node, which made validation of
    the built graph about ten times slower (docs/decisions/0007-shapes.md).
    """
    g = Graph()
    for f in sorted(shapes_dir.glob("*.ttl")):
        g.parse(f, format="turtle")
    for node, prop in list(g.subject_objects(SH.property)):
        targets = [(t, o) for t in _TARGETS for o in g.objects(node, t)]
        if not targets:
            continue  # a node shape used through sh:node or sh:or: keep it as written
        for t, o in targets:
            g.add((prop, t, o))
        g.remove((node, SH.property, prop))
        g.add((prop, RDFS.isDefinedBy, node))
    return g


def load_ontology() -> Graph:
    g = Graph()
    for f in ONTOLOGY_FILES:
        if f.exists():
            g.parse(f, format="turtle")
    return g


def _short(term) -> str:
    if term is None:
        return ""
    if not isinstance(term, URIRef):
        return repr(str(term))[:80]
    from kg.vocab import PREFIXES

    s = str(term)
    for prefix, ns in (("brid", "https://w3id.org/brikg/id/"), ("brish", "https://w3id.org/brikg/shapes#"),
                       *PREFIXES.items()):
        if s.startswith(ns) and len(s) > len(ns):
            return f"{prefix}:{s[len(ns):]}"
    return s


OA = Namespace("http://www.w3.org/ns/oa#")
_BRI = Namespace("https://w3id.org/brikg/ontology#")


def validate_graph(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None, *,
                   inplace: bool = False) -> ValidationReport:
    """Validate `data` (asserted triples) against the shapes, with the ontology for class targets.

    `inplace=True` lets pySHACL mix the ontology into `data` instead of copying it first: faster,
    for callers whose graph is a throw-away copy of a store.
    """
    shapes = shapes if shapes is not None else load_shapes()
    ontology = ontology if ontology is not None else load_ontology()
    individuals = ontology_individuals(ontology)
    if inplace:
        data += individuals
    else:
        data = data + individuals
    conforms, report, _ = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
        allow_warnings=True, inplace=inplace,
    )
    results = report_rows(report, shapes, data)
    violations = sum(1 for r in results if r["severity"] == "Violation")
    return ValidationReport(violations == 0, report, results)


_RANK = {"Violation": 0, "Warning": 1, "Info": 2}


def report_rows(report: Graph, shapes: Graph, data: Graph | None = None) -> list[dict]:
    """The results of a SHACL report as rows, in a stable order (worst first).

    One function for `brikg validate`, the build and /validation, so all three say the same. With
    `data`, each result is annotated in `report` with the curated files it came from
    (`dcterms:source`); without, those annotations are read back (a report file of the build).
    """
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        if (None, SH.detail, r) in report:
            continue  # the details of an sh:node result: the result itself says what is wrong
        source = report.value(r, SH.sourceShape)
        owner = None if source is None else (shapes.value(source, RDFS.isDefinedBy)
                                             or shapes.value(None, SH.property, source))
        node_shape = owner if owner is not None else source
        sev = report.value(r, SH.resultSeverity)
        focus, path, value = report.value(r, SH.focusNode), report.value(r, SH.resultPath), report.value(r, SH.value)
        if data is not None:
            for src in origins(data, focus, path, value):
                report.add((r, DCTERMS.source, Literal(src)))
        sources = sorted(str(s) for s in report.objects(r, DCTERMS.source) if isinstance(s, Literal))
        results.append({
            "shape": _short(node_shape),
            "shape_label": _label(shapes, node_shape),
            "source_shape": _short(source) if not isinstance(source, BNode) else "",
            "focus": _short(focus),
            "focus_iri": str(focus) if isinstance(focus, URIRef) else "",
            "path": _short(path) if not isinstance(path, BNode) else _path_text(report, path),
            "value": _short(value),
            "severity": str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            "component": _short(report.value(r, SH.sourceConstraintComponent)),
            "message": _message(report, r),
            "sources": [file_line(s) for s in sources],
        })
    results.sort(key=lambda r: (_RANK.get(r["severity"], 3), r["shape"], r["focus"], r["source_shape"], r["path"],
                                r["value"], r["message"]))
    return results


def read_report(path: Path, shapes: Graph | None = None) -> ValidationReport:
    """The report file the gate wrote beside a generation (`<generation>.report.ttl`), as the same
    `ValidationReport` that `brikg validate` prints (what /validation serves)."""
    report = Graph().parse(path, format="turtle")
    results = report_rows(report, shapes if shapes is not None else load_shapes())
    conforms = report.value(None, SH.conforms)
    violations = sum(1 for r in results if r["severity"] == "Violation")
    return ValidationReport(bool(conforms.toPython()) if conforms is not None else violations == 0, report, results)


_META = ("http://www.w3.org/2002/07/owl#", "http://www.w3.org/2000/01/rdf-schema#",
         "http://www.w3.org/1999/02/22-rdf-syntax-ns#")


def ontology_individuals(ontology: Graph) -> Graph:
    """The individuals the ontology defines (concept schemes, themes, cooperation modes, indicators)
    with their descriptions. pySHACL's `ont_graph` brings in classes and properties only, so data
    that links to `bri:mode_joint_laboratory` would otherwise fail `sh:class bri:CooperationMode`."""
    out = Graph()
    for s in {s for s, c in ontology.subject_objects(RDF.type)
              if isinstance(s, URIRef) and not str(c).startswith(_META)}:
        for p, o in ontology.predicate_objects(s):
            out.add((s, p, o))
    return out


def _message(report: Graph, result) -> str:
    """The English message of a result (shapes carry messages in en and zh)."""
    msgs = [m for m in report.objects(result, SH.resultMessage) if isinstance(m, Literal)]
    best = next((m for m in msgs if m.language == "en"), next((m for m in msgs if not m.language), None))
    return str(best if best is not None else (msgs[0] if msgs else ""))


def _label(shapes: Graph, shape) -> str:
    labels = [lb for lb in shapes.objects(shape, RDFS.label) if isinstance(lb, Literal)] if shape is not None else []
    return str(next((lb for lb in labels if lb.language == "en"), labels[0] if labels else ""))


def _path_text(report: Graph, path) -> str:
    """A short text for a complex path (sequence, alternative or inverse)."""
    if path is None:
        return ""
    inverse = report.value(path, SH.inversePath)
    if inverse is not None:
        return f"^{_short(inverse)}"
    alt = report.value(path, SH.alternativePath)
    if alt is not None:
        from rdflib.collection import Collection

        return "|".join(_short(p) for p in Collection(report, alt))
    if report.value(path, RDF.first) is not None:
        from rdflib.collection import Collection

        return "/".join(_short(p) for p in Collection(report, path))
    return ""


def file_line(source: str) -> str:
    """'kg/data/papers/x.yaml#L12' -> 'kg/data/papers/x.yaml:12' (what editors and curators use)."""
    path, _, line = source.rpartition("#L")
    return f"{path}:{line}" if path and line.isdigit() else source


def origins(data: Graph, focus, path, value) -> list[str]:
    """The curated files (and lines) a result's focus node or fact came from (`dcterms:source`,
    written by the curated loader): the reified fact (focus, path, value) first, else the focus
    node's own evidence or entry, else the evidence whose target or selector the focus node is."""
    if not isinstance(focus, URIRef | BNode):
        return []
    found: set[str] = set()

    def of(node) -> None:
        found.update(str(s) for s in data.objects(node, DCTERMS.source) if isinstance(s, Literal))
        for ev in data.objects(node, _BRI.hasEvidence):
            found.update(str(s) for s in data.objects(ev, DCTERMS.source) if isinstance(s, Literal))

    if isinstance(path, URIRef):
        for st in data.subjects(RDF.subject, focus):
            if (st, RDF.predicate, path) in data and (value is None or (st, RDF.object, value) in data):
                of(st)
    if not found:
        of(focus)
    if not found:
        for ev in data.subjects(OA.hasTarget, focus):
            of(ev)
        for target in data.subjects(OA.hasSelector, focus):
            for ev in data.subjects(OA.hasTarget, target):
                of(ev)
    return sorted(found)


def check_store(store: ox.Store, path: Path | None = None) -> ValidationReport:
    """The SHACL gate of every publish (build, update, graph store write).

    Validates the asserted data of the store (every named graph but the ontology, the build
    metadata and the reasoner's output, which are not asserted data), writes the report beside
    the generation, and raises `ValidationFailed` on any violation.
    """
    from kg import iris
    from kg.errors import ValidationFailed
    from kg.reason import REASONING_GRAPHS

    data = store_to_graph(store, exclude={str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH), *REASONING_GRAPHS})
    report = validate_graph(data, inplace=True)
    if path is not None:
        (path.parent / (path.name + ".report.ttl")).write_text(report.graph.serialize(format="turtle"))
    if not report.conforms:
        raise ValidationFailed(report.text(), report.violations)
    return report


def store_to_graph(store: ox.Store, exclude: set[str]) -> Graph:
    """The asserted data of a store as one rdflib graph (the named graphs not excluded).

    Terms are converted directly (an N-Triples round trip through rdflib's parser took seconds)."""
    g = Graph()
    add = g.add
    conv = _converter()
    for qd in store.quads_for_pattern(None, None, None):
        if isinstance(qd.graph_name, ox.NamedNode) and qd.graph_name.value in exclude:
            continue
        add((conv(qd.subject), conv(qd.predicate), conv(qd.object)))
    return g


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def _converter():
    """A pyoxigraph -> rdflib term converter with a cache (IRIs repeat a lot)."""
    cache: dict = {}

    def conv(t):
        hit = cache.get(t)
        if hit is not None:
            return hit
        if isinstance(t, ox.NamedNode):
            out = URIRef(t.value)
        elif isinstance(t, ox.BlankNode):
            out = BNode(t.value)
        elif isinstance(t, ox.Literal):
            if t.language:
                out = Literal(t.value, lang=t.language)
            elif t.datatype.value == _XSD_STRING:
                out = Literal(t.value)
            else:
                out = Literal(t.value, datatype=URIRef(t.datatype.value))
        else:  # an RDF-star triple term: not produced by the pipeline
            raise TypeError(f"unsupported term {t!r}")
        cache[t] = out
        return out

    return conv
