"""Every SHACL shape against a valid and an invalid fixture: the exact results, not only `conforms`.

Each node shape `brish:<Name>` has `fixtures/<Name>-valid.ttl` (no result from the shape) and
`fixtures/<Name>-invalid.ttl`, whose results (property shape or node shape, result path,
severity) must be exactly those listed in `expected.json`. A fixture is validated against its
own shape only (with the ontology, for subclass targets), so it can stay minimal. A test fails
when a node shape has no fixtures, when a property shape or SPARQL constraint is broken by no
invalid fixture, or when a valid fixture holds nothing its shape looks at.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from rdflib import RDF, RDFS, BNode, Graph, URIRef
from rdflib.namespace import SH

from kg import validate
from kg.paths import SHAPES_DIR

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures"
EXPECTED = json.loads((HERE / "expected.json").read_text(encoding="utf-8"))
BRISH = "https://w3id.org/brikg/shapes#"
FOCUS = URIRef("https://example.org/focus")  # the focus node of fixtures of shapes without a target


@pytest.fixture(scope="module")
def shapes() -> Graph:
    return validate.load_shapes()


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return validate.load_ontology()


def _closure(g: Graph, node, out: Graph) -> None:
    for p, o in g.predicate_objects(node):
        out.add((node, p, o))
        if isinstance(o, BNode) or (isinstance(o, URIRef) and str(o).startswith(BRISH) and (o, None, None) not in out):
            _closure(g, o, out)


def one_shape(shapes: Graph, name: str) -> Graph:
    """The node shape `brish:<name>` with its property shapes and what they refer to."""
    node = URIRef(BRISH + name)
    out = Graph()
    _closure(shapes, node, out)
    for prop in shapes.subjects(RDFS.isDefinedBy, node):
        _closure(shapes, prop, out)
    if not any((node, t, None) in shapes for t in validate._TARGETS):
        out.add((node, SH.targetNode, FOCUS))
    return out


def results(shapes: Graph, ontology: Graph, name: str, kind: str) -> list[tuple]:
    data = Graph().parse(FIXTURES / f"{name}-{kind}.ttl", format="turtle")
    report = validate.validate_graph(data, one_shape(shapes, name), ontology)
    return sorted((r["source_shape"] or r["shape"], r["path"] or None, r["severity"]) for r in report.results)


def test_every_node_shape_has_fixtures_and_expectations(shapes):
    names = {str(s)[len(BRISH):] for s in shapes.subjects(RDF.type, SH.NodeShape) if str(s).startswith(BRISH)}
    assert names == set(EXPECTED)
    for name in names:
        assert (FIXTURES / f"{name}-valid.ttl").is_file() and (FIXTURES / f"{name}-invalid.ttl").is_file(), name


#: What a node shape may say besides its constraints (after `load_shapes`, which moves sh:property).
_NOT_CONSTRAINTS = {RDF.type, RDFS.label, RDFS.comment, SH.property, SH.severity, SH.message, SH.deactivated,
                    SH.name, SH.description, *validate._TARGETS}


def test_every_rule_is_broken_by_an_invalid_fixture(shapes):
    """Each property shape, and each node shape with constraints of its own (SPARQL, sh:or...), is the
    source of at least one expected result: a rule no fixture breaks is a rule nobody saw work."""
    exercised = {source for rows in EXPECTED.values() for source, _, _ in rows}
    rules = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.subjects(RDFS.isDefinedBy, None))
    rules |= {s for s in shapes.subjects(RDF.type, SH.NodeShape)
              if set(shapes.predicates(s)) - _NOT_CONSTRAINTS}
    assert sorted(validate._short(r) for r in rules if validate._short(r) not in exercised) == []


_UNCONDITIONAL = (SH.targetClass, SH.targetSubjectsOf, SH.targetObjectsOf, SH.targetNode)


def _signature(g: Graph, node) -> set:
    return set(g.predicates(node, None)) | {("a", t) for t in g.objects(node, RDF.type)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_valid_fixture_has_something_to_check(shapes, ontology, name):
    """A valid fixture that no rule looks at would pass vacuously. With class, subject, object or
    node targets it must hold a focus node; a SPARQL target selects only the faulty nodes, so the
    valid fixture must at least describe a resource of the kind the invalid fixture breaks."""
    node, shape = URIRef(BRISH + name), one_shape(shapes, name)
    valid = Graph().parse(FIXTURES / f"{name}-valid.ttl", format="turtle")
    if any((node, t, None) in shape for t in _UNCONDITIONAL):
        focus = {n for n in shape.objects(node, SH.targetNode) if (n, None, None) in valid or (None, None, n) in valid}
        for c in shape.objects(node, SH.targetClass):
            for sub in ontology.transitive_subjects(RDFS.subClassOf, c):
                focus |= set(valid.subjects(RDF.type, sub))
        for p in shape.objects(node, SH.targetSubjectsOf):
            focus |= set(valid.subjects(p, None))
        for p in shape.objects(node, SH.targetObjectsOf):
            focus |= set(valid.objects(None, p))
        assert focus, f"{name}-valid.ttl has no focus node of {name}"
    else:
        invalid = Graph().parse(FIXTURES / f"{name}-invalid.ttl", format="turtle")
        broken = {URIRef(r["focus_iri"]) for r in validate.validate_graph(invalid, shape, ontology).results}
        kinds = set().union(*(_signature(invalid, f) for f in broken))
        assert any(_signature(valid, s) & kinds for s in set(valid.subjects())), name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_valid_fixture_gives_no_result(shapes, ontology, name):
    assert results(shapes, ontology, name, "valid") == []


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_fixture_gives_exactly_the_expected_results(shapes, ontology, name):
    got = Counter(results(shapes, ontology, name, "invalid"))
    want = Counter((s, p, sev) for s, p, sev in EXPECTED[name])
    assert got == want


def test_every_shape_has_an_iri_and_an_english_message(shapes):
    """Node shapes and property shapes are named in brish:; every constraint says why in English."""
    props = set(shapes.subjects(RDF.type, SH.PropertyShape)) | set(shapes.objects(None, SH.property))
    for shape in set(shapes.subjects(RDF.type, SH.NodeShape)) | props:
        assert isinstance(shape, URIRef) and str(shape).startswith(BRISH), shape
        messages = list(shapes.objects(shape, SH.message)) + [
            m for c in shapes.objects(shape, SH.sparql) for m in shapes.objects(c, SH.message)]
        has_constraints = any(p not in (RDF.type, RDFS.label, RDFS.isDefinedBy, SH.target)
                              and not str(p).startswith(str(SH) + "target") for p in shapes.predicates(shape))
        if has_constraints:
            assert any(getattr(m, "language", None) == "en" for m in messages), shape


def test_shape_files_are_the_ones_documented():
    assert sorted(f.name for f in SHAPES_DIR.glob("*.ttl")) == [
        "bibliographic.ttl", "claims.ttl", "concepts.ttl", "evidence.ttl", "organizations.ttl", "prefixes.ttl",
        "statistics.ttl"]
