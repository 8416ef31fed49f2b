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
from rdflib import RDF, Graph, Literal, URIRef
from rdflib.namespace import SH

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
        """A readable report grouped by shape and focus node."""
        if not self.results:
            return "The graph conforms: no violations, no warnings."
        by_shape: dict[str, list[dict]] = defaultdict(list)
        for r in self.results:
            by_shape[r["shape"]].append(r)
        out = [f"{self.violations} violation(s), {self.warnings} warning(s)"]
        for shape in sorted(by_shape):
            out.append(f"\n{shape}")
            for r in sorted(by_shape[shape], key=lambda r: (r["focus"], r["path"] or "")):
                path = f" {r['path']}" if r["path"] else ""
                value = f" (value: {r['value']})" if r["value"] else ""
                out.append(f"  [{r['severity']}] {r['focus']}{path}: {r['message']}{value}")
        return "\n".join(out)


def load_shapes(shapes_dir: Path = SHAPES_DIR) -> Graph:
    g = Graph()
    for f in sorted(shapes_dir.glob("*.ttl")):
        g.parse(f, format="turtle")
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
    s = str(term)
    for prefix, ns in (("brid:", "https://w3id.org/brikg/id/"), ("bri:", "https://w3id.org/brikg/ontology#"),
                       ("brish:", "https://w3id.org/brikg/shapes#")):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s if isinstance(term, URIRef) else repr(str(term))[:80]


def validate_graph(data: Graph, shapes: Graph | None = None, ontology: Graph | None = None) -> ValidationReport:
    shapes = shapes if shapes is not None else load_shapes()
    ontology = ontology if ontology is not None else load_ontology()
    conforms, report, _ = shacl_validate(
        data, shacl_graph=shapes, ont_graph=ontology, inference="none", advanced=True,
        allow_warnings=True,
    )
    results = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        source = report.value(r, SH.sourceShape)
        owner = shapes.value(None, SH.property, source) if source is not None else None
        sev = report.value(r, SH.resultSeverity)
        msg = report.value(r, SH.resultMessage)
        results.append({
            "shape": _short(owner if owner is not None else source),
            "focus": _short(report.value(r, SH.focusNode)),
            "path": _short(report.value(r, SH.resultPath)),
            "value": _short(report.value(r, SH.value)),
            "severity": str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            "component": _short(report.value(r, SH.sourceConstraintComponent)),
            "message": str(msg) if isinstance(msg, Literal) else "",
        })
    violations = sum(1 for r in results if r["severity"] == "Violation")
    return ValidationReport(violations == 0, report, results)


def check_store(store: ox.Store, path: Path | None = None) -> ValidationReport:
    """The SHACL gate of every publish (build, update, graph store write).

    Validates the asserted data of the store (every named graph but the ontology and build
    metadata, which are not data), writes the report beside the generation, and raises
    `ValidationFailed` on any violation.
    """
    from kg import iris
    from kg.errors import ValidationFailed

    data = store_to_graph(store, exclude={str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH)})
    report = validate_graph(data)
    if path is not None:
        (path.parent / (path.name + ".report.ttl")).write_text(report.graph.serialize(format="turtle"))
    if not report.conforms:
        raise ValidationFailed(report.text(), report.violations)
    return report


def store_to_graph(store: ox.Store, exclude: set[str]) -> Graph:
    """The asserted data of a store as one rdflib graph (the named graphs not excluded)."""
    nt = ox.serialize(
        (ox.Triple(qd.subject, qd.predicate, qd.object) for qd in store.quads_for_pattern(None, None, None)
         if not (isinstance(qd.graph_name, ox.NamedNode) and qd.graph_name.value in exclude)),
        format=ox.RdfFormat.N_TRIPLES,
    )
    return Graph().parse(data=nt or b"", format="nt")
