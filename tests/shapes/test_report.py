"""The SHACL gate on the real graph: the three papers conform (with their warnings counted), every
class the data uses is checked by a shape, the gate sees asserted data only (with the ontology for
subclasses), the report names the curated file of a fact, `brikg validate` exits 1 on a violation,
and `brikg validate` and /validation give the same report in text, Turtle and JSON."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections import Counter

import pyoxigraph as ox
import pytest
from rdflib import RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH

from kg import iris, validate
from kg.store import current_generation


def out_of_scope() -> set[str]:
    """The graphs the SHACL gate does not validate: the ontology, build metadata, inferred triples."""
    from kg.reason import REASONING_GRAPHS

    return {str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH), *REASONING_GRAPHS}


#: The warnings of the three papers: curation gaps, by (node shape, property shape). A curator who
#: closes one (or a change that opens one) updates this on purpose.
BUILT_GRAPH_WARNINGS = {
    ("brish:ChineseLabelShape", "brish:ChineseLabel-zh"): 9,
    ("brish:ClaimShape", "brish:Claim-theme"): 3,
    ("brish:EnglishLabelShape", "brish:EnglishLabel-en"): 1,
}
BRI, BRID = "https://w3id.org/brikg/ontology#", "https://w3id.org/brikg/id/"


def brikg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True, timeout=300)


def test_the_built_graph_conforms_and_counts_its_warnings(built_store):
    r = brikg("validate", "--store", str(built_store))
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert first.startswith("The graph conforms: 0 violation(s), ")
    warnings = int(first.split(", ")[1].split(" ")[0])
    assert warnings == sum(BUILT_GRAPH_WARNINGS.values())
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
    assert Counter((w["shape"], w["source_shape"]) for w in doc["results"] if w["severity"] == "Warning") \
        == BUILT_GRAPH_WARNINGS
    assert {w["severity"] for w in doc["results"]} <= {"Warning", "Info"}


def test_validate_exits_1_on_a_violation_and_says_where(store_copy):
    """A published graph broken behind the gate's back (a negative count): exit 1, grouped report."""
    store = ox.Store(str(current_generation(store_copy)))
    store.add(ox.Quad(ox.NamedNode(BRID + "org/zz"), ox.NamedNode(BRI + "coveredRegionCount"),
                      ox.Literal("-3", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
                      ox.NamedNode(BRID + "graph/paper/zz")))
    del store  # release the RocksDB lock before the command opens the store
    r = brikg("validate", "--store", str(store_copy))
    assert r.returncode == 1, r.stderr
    assert r.stdout.startswith(f"The graph does not conform: 1 violation(s), {sum(BUILT_GRAPH_WARNINGS.values())} "
                               "warning(s)")
    assert ("\nbrish:CountsShape (Counts and coverage)\n  brid:org/zz\n    [Violation] bri:coveredRegionCount: "
            "A count of countries and regions is a non-negative integer. (value: '-3')\n") in r.stdout


def test_every_class_of_the_data_is_checked_by_a_shape(built_store):
    """A node shape targets (sh:targetClass) each class the asserted data uses, or a superclass of
    it in the ontology. SPARQL targets do not count: they select only the nodes that break a rule."""
    store = ox.Store.read_only(str(current_generation(built_store)))
    data = validate.store_to_graph(store, exclude=out_of_scope())
    shapes, onto = validate.load_shapes(), validate.load_ontology()
    targeted = set(shapes.objects(None, SH.targetClass))
    used = set(data.objects(None, RDF.type))
    assert {URIRef(BRI + c) for c in ("Paper", "Evidence", "Statistic", "Recommendation", "Country")} <= used
    uncovered = sorted(str(c) for c in used if not set(onto.transitive_objects(c, RDFS.subClassOf)) & targeted)
    assert uncovered == []


def _gate_store(org: list[tuple]) -> ox.Store:
    """An authorship affiliated with brid:org/zz, plus `org`: (predicate, object, graph) about it."""
    store, paper = ox.Store(), ox.NamedNode(BRID + "graph/paper/zz")
    a, person, o = (ox.NamedNode(BRID + x) for x in ("authorship/zz-1", "person/zz", "org/zz"))
    rdf_type = ox.NamedNode(str(RDF.type))
    for s, p, v in ((a, rdf_type, ox.NamedNode(BRI + "Authorship")), (a, ox.NamedNode(BRI + "author"), person),
                    (a, ox.NamedNode(BRI + "authorPosition"),
                     ox.Literal("1", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))),
                    (a, ox.NamedNode(BRI + "affiliation"), o),
                    (person, rdf_type, ox.NamedNode("http://xmlns.com/foaf/0.1/Person")),
                    (person, ox.NamedNode("http://xmlns.com/foaf/0.1/name"), ox.Literal("Zz", language="en"))):
        store.add(ox.Quad(s, p, v, paper))
    for p, v, g in org:
        store.add(ox.Quad(o, ox.NamedNode(p), v, ox.NamedNode(g)))
    return store


def test_the_gate_checks_asserted_data_with_the_ontology():
    """The inferred graph cannot hide an error (the reasoner types an untyped affiliation as an
    organization); the ontology's subclasses count (an InternationalSTOrganization is an
    org:Organization, and is targeted as one)."""
    from kg.errors import ValidationFailed
    from kg.reason import INFERRED_GRAPH

    rdf_type, label = str(RDF.type), str(RDFS.label)
    labels = [(label, ox.Literal("Zz", language="en"), BRID + "graph/paper/zz"),
              (label, ox.Literal("某机构", language="zh"), BRID + "graph/paper/zz")]
    inferred_type = (rdf_type, ox.NamedNode("http://www.w3.org/ns/org#Organization"), str(INFERRED_GRAPH))
    with pytest.raises(ValidationFailed) as exc:
        validate.check_store(_gate_store([*labels, inferred_type]))
    assert exc.value.report_text == (
        "The graph does not conform: 1 violation(s), 0 warning(s)\n\n"
        "brish:AuthorshipShape (Authorship)\n  brid:authorship/zz-1\n"
        "    [Violation] bri:affiliation: An affiliation is an organization. (value: brid:org/zz)")
    subclass = (rdf_type, ox.NamedNode(BRI + "InternationalSTOrganization"), BRID + "graph/paper/zz")
    assert validate.check_store(_gate_store([*labels, subclass])).results == []
    with pytest.raises(ValidationFailed) as exc:  # no label: NamedEntityShape found it through its superclass
        validate.check_store(_gate_store([subclass]))
    assert exc.value.violations == 1 and exc.value.report_text.startswith(
        "The graph does not conform: 1 violation(s), 2 warning(s)\n\n"
        "brish:NamedEntityShape (Named entity (labels))\n  brid:org/zz\n"
        "    [Violation] skos:prefLabel|rdfs:label: A named entity must have a label (skos:prefLabel or rdfs:label).\n")


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
        cli = brikg("validate", "--store", str(built_store), "--format", "json")
        assert json.loads(cli.stdout) == doc  # the served report is the one `brikg validate` gives
        status, ctype, body = get("/validation", "text/turtle")
        g = Graph().parse(data=body, format="turtle")
        assert (status, ctype) == (200, "text/turtle")
        assert len(set(g.subjects(SH.resultSeverity, SH.Warning))) == doc["warnings"]
        status, ctype, body = get("/validation", "text/html")
        assert (status, ctype) == (200, "text/html") and f"{doc['warnings']} warning(s)".encode() in body
        status, ctype, body = get("/validation", "text/plain")
        assert (status, ctype) == (200, "text/plain")
        assert body.decode().startswith(f"The graph conforms: 0 violation(s), {doc['warnings']} warning(s)")
        assert "\nbrish:ClaimShape (Claim)\n" in body.decode()  # grouped by node shape, as `brikg validate`
    finally:
        server.stop()
