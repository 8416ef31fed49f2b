"""Every SHACL shape against a valid and an invalid fixture: the exact results, not only `conforms`.

Each node shape `brish:<Name>` has `fixtures/<Name>-valid.ttl` (no result from the shape) and
`fixtures/<Name>-invalid.ttl`, whose results (property shape or node shape, result path,
severity) must be exactly those listed in `expected.json`. A fixture is validated against its
own shape only (with the ontology, for subclass targets), so it can stay minimal.
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
