"""The SHACL gate on the real graph: the three papers conform (with their warnings counted), every
class the data uses is checked by a shape, the report names the curated file of a fact, and
`brikg validate` and /validation give the same report in text, Turtle and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request

import pyoxigraph as ox
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg import iris, validate
from kg.store import current_generation


def out_of_scope() -> set[str]:
    """The graphs the SHACL gate does not validate: the ontology, build metadata, inferred triples."""
    from kg.reason import REASONING_GRAPHS

    return {str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH), *REASONING_GRAPHS}


def brikg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, timeout=300)


def test_the_built_graph_conforms_and_counts_its_warnings(built_store):
    r = brikg("validate", "--store", str(built_store))
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("The graph conforms: 0 violation(s), ")
    warnings = int(first.split(", ")[1].split(" ")[0])
    assert f"0 violation(s), {warnings} warning(s)" in r.stderr
    print(f"built graph: 0 violations, {warnings} warnings")  # shown with -s; the number is in the report


def test_json_and_turtle_reports_agree(built_store, tmp_path):
    r = brikg("validate", "--store", str(built_store), "--format", "json", "--out", str(tmp_path / "r.json"))
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert doc["conforms"] is True and doc["violations"] == 0
    r = brikg("validate", "--store", str(built_store), "--format", "turtle")
    g = Graph().parse(data=r.stdout, format="turtle")
    warnings = set(g.subjects(SH.resultSeverity, SH.Warning))
    assert len(warnings) == doc["warnings"]
    for w in doc["results"]:
        assert {"shape", "source_shape", "focus", "path", "severity", "message", "sources"} <= set(w)


def test_every_class_of_the_data_is_checked_by_a_shape(built_store):
    """A node shape targets each class the data uses, or one of its superclasses in the ontology."""
    store = ox.Store.read_only(str(current_generation(built_store)))
    data = validate.store_to_graph(store, exclude=out_of_scope())
    shapes, onto = validate.load_shapes(), validate.load_ontology()
    targeted = set(shapes.objects(None, SH.targetClass))
    for s in shapes.objects(None, SH.target):  # SPARQL targets name their classes in the query
        targeted |= {URIRef(t) for t in _iris_in(str(shapes.value(s, SH.select)))}
    uncovered = []
    for cls in set(data.objects(None, RDF.type)):
        supers = set(onto.transitive_objects(cls, RDFS.subClassOf))
        if not supers & targeted:
            uncovered.append(str(cls))
    assert uncovered == []


def _iris_in(query: str) -> set[str]:
    from kg.vocab import PREFIXES

    out = set()
    for word in query.translate(str.maketrans("()|/*", "     ")).split():
        prefix, _, local = word.rstrip(".;,").partition(":")
        if local and prefix in PREFIXES:
            out.add(PREFIXES[prefix] + local)
    return out


def test_a_result_on_a_curated_fact_names_its_file_and_line(tmp_path):
    """A datatype error on an `about:` fact: the result names the YAML file and line it came from."""
    data = Graph()
    ent, ev = URIRef("https://w3id.org/brikg/id/org/x"), URIRef("https://w3id.org/brikg/id/evidence/p/1")
    bri = "https://w3id.org/brikg/ontology#"
    st = URIRef("https://w3id.org/brikg/id/statement/1")
    data.add((ent, RDF.type, URIRef(bri + "Academy")))
    data.add((ent, URIRef(bri + "foundingYear"), Literal("soon")))
    for p, o in ((RDF.subject, ent), (RDF.predicate, URIRef(bri + "foundingYear")), (RDF.object, Literal("soon"))):
        data.add((st, p, o))
    data.add((st, RDF.type, RDF.Statement))
    data.add((st, URIRef(bri + "hasEvidence"), ev))
    data.add((ev, URIRef("http://purl.org/dc/terms/source"), Literal("kg/data/papers/x.yaml#L12")))
    report = validate.validate_graph(data)
    row = next(r for r in report.results if r["source_shape"] == "brish:Year-founding")
    assert (row["focus"], row["path"], row["severity"], row["sources"]) == (
        "brid:org/x", "bri:foundingYear", "Violation", ["kg/data/papers/x.yaml:12"])
    text = report.text()
    assert "brish:YearShape (Years)\n  brid:org/x  [from kg/data/papers/x.yaml:12]\n" in text
    assert "    [Violation] bri:foundingYear: A founding year is one xsd:gYear between 1000 and 2099. (value: 'soon')" \
        in text
    assert (None, URIRef("http://purl.org/dc/terms/source"), Literal("kg/data/papers/x.yaml#L12")) in report.graph


def test_validation_page_answers_html_turtle_and_json(built_store):
    from support import LiveServer

    server = LiveServer(built_store)
    try:
        def get(path: str, accept: str):
            req = urllib.request.Request(server.url + path, headers={"Accept": accept})
            with urllib.request.urlopen(req, timeout=30) as resp:
                return resp.status, resp.headers.get_content_type(), resp.read()

        status, ctype, body = get("/validation", "application/json")
        assert (status, ctype) == (200, "application/json")
        doc = json.loads(body)
        assert doc["conforms"] is True and doc["violations"] == 0
        status, ctype, body = get("/validation?format=json", "text/html")
        assert (status, ctype, json.loads(body)) == (200, "application/json", doc)
        status, ctype, body = get("/validation", "text/turtle")
        g = Graph().parse(data=body, format="turtle")
        assert (status, ctype) == (200, "text/turtle")
        assert len(set(g.subjects(SH.resultSeverity, SH.Warning))) == doc["warnings"]
        status, ctype, body = get("/validation", "text/html")
        assert (status, ctype) == (200, "text/html") and f"{doc['warnings']} warning(s)".encode() in body
    finally:
        server.stop()
