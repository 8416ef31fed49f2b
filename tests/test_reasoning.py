"""Reasoning: the build's OWL 2 RL materialization, infer=true|false, derivation markers, and the
HermiT consistency gate. Every question of queries/cq-infer fails on asserted facts alone and
gives its expected answer (from the papers) with inference."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from support import SHARED

from kg import competency, reason
from kg.curated import DATA_DIR
from kg.errors import InconsistentGraph
from kg.query import QueryJob
from kg.store import OxigraphStore, current_generation

QUESTIONS = competency.load_all(competency.CQ_INFER_DIR)
BRID = "https://w3id.org/brikg/id/"
CAS = BRID + "org/chinese-academy-of-sciences"
LIU = BRID + "paper/liu-2023-research-science-technology-cooperation"
TRANSITIVE = f"SELECT ?u WHERE {{ ?u <http://www.w3.org/ns/org#transitiveSubOrganizationOf> <{CAS}> }}"


def answer(store: Path, query: str, infer: bool) -> list[list[str]]:
    out = OxigraphStore(store).run(QueryJob(query, solutions_format="csv", infer=infer))
    return competency.parse_csv(out.body.decode("utf-8"))


def matches(q: competency.Question, got: list[list[str]]) -> bool:
    if got[0] != q.expected[0]:
        return False
    return got[1:] == q.expected[1:] if q.ordered else sorted(got[1:]) == sorted(q.expected[1:])


def test_at_least_fifteen_inference_questions_with_metadata():
    assert len(QUESTIONS) >= 15
    ids = [q.meta["id"] for q in QUESTIONS]
    assert len(ids) == len(set(ids))
    assert not set(ids) & {q.meta.get("id") for q in competency.load_all()}
    for q in QUESTIONS:
        assert {"id", "question", "question_zh", "category", "source", "inference"} <= set(q.meta), q.path.name
        assert len(q.expected) > 1, q.path.name


@pytest.mark.parametrize("q", QUESTIONS, ids=[q.path.stem for q in QUESTIONS])
def test_question_needs_inference(built_store, q):
    assert matches(q, answer(built_store, q.query, infer=True)), "wrong answer with infer=true"
    assert not matches(q, answer(built_store, q.query, infer=False)), "answered without inference"


# -- the inferred graph -----------------------------------------------------------------------

def test_inferred_triples_are_in_their_own_graph_and_new(built_store):
    store = ox.Store.read_only(str(current_generation(built_store)))
    inferred = {(q.subject, q.predicate, q.object)
                for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(reason.INFERRED_GRAPH)))}
    assert len(inferred) > 1000
    asserted = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None)
                if q.graph_name.value not in reason.REASONING_GRAPHS}
    assert not inferred & asserted
    for s, p, o in inferred:  # no trivia
        assert isinstance(s, ox.NamedNode)
        assert not (p.value == str(OWL.sameAs) and s == o)
        assert not (p.value == str(RDF.type) and o.value in (str(OWL.Thing), str(RDFS.Resource)))
        assert not s.value.startswith(("http://www.w3.org/2002/07/owl#", "http://www.w3.org/2001/XMLSchema#"))


def test_derivation_markers_name_rule_and_premise(built_store):
    q = f"""PREFIX prov: <http://www.w3.org/ns/prov#>
    PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
    SELECT ?s ?p ?o ?rule ?from WHERE {{ GRAPH <{reason.DERIVATION_GRAPH}> {{
      ?d rdf:subject ?s ; rdf:predicate ?p ; rdf:object ?o ; prov:wasGeneratedBy ?rule .
      OPTIONAL {{ ?d prov:wasDerivedFrom ?from }}
      VALUES (?s ?p ?o) {{
        (<{LIU}> <https://w3id.org/brikg/ontology#hasAuthor> <{BRID}person/liu-weidong>)
        (<{CAS}> rdf:type <https://schema.org/ResearchOrganization>)
      }} }} }} ORDER BY ?rule"""
    rows = answer(built_store, q, infer=True)
    assert rows[1:] == [
        [CAS, str(RDF.type), "https://schema.org/ResearchOrganization", reason.RULE_BASE + "cax-sco",
         "https://w3id.org/brikg/ontology#Academy"],
        [LIU, "https://w3id.org/brikg/ontology#hasAuthor", BRID + "person/liu-weidong", reason.RULE_BASE + "prp-spo2",
         "https://w3id.org/brikg/ontology#hasAuthor"],
    ]
    run = answer(built_store, f"""SELECT ?label ?version WHERE {{ GRAPH <{reason.DERIVATION_GRAPH}> {{
        <{reason.RUN}> <http://www.w3.org/ns/prov#wasAssociatedWith> ?a .
        ?a <http://www.w3.org/2000/01/rdf-schema#label> ?label ;
           <http://purl.org/dc/terms/hasVersion> ?version }} }}""",
                 infer=True)
    assert run[1:] == [["reasonable", reason.reasoner_version("reasonable")]]


def test_infer_false_hides_the_reasoning_graphs_even_from_graph_patterns(built_store):
    q = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{reason.INFERRED_GRAPH}> {{ ?s ?p ?o }} }}"
    assert answer(built_store, q, infer=False)[1:] == [["0"]]
    assert int(answer(built_store, q, infer=True)[1][0]) > 1000
    marker = "SELECT (COUNT(*) AS ?n) WHERE { ?d <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ; " \
             "<http://www.w3.org/ns/prov#wasGeneratedBy> ?r }"
    assert answer(built_store, marker, infer=True)[1:] == [["0"]]  # markers never in the default graph


def test_materialize_applies_property_chains_that_reasonable_lacks():
    g = Graph().parse(data="""
        @prefix : <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        :has owl:propertyChainAxiom ( :p :q ) . :has rdfs:subPropertyOf :rel .
        :a :p :b . :b :q :c . """, format="turtle")
    ex = "http://example.org/"
    for name in ("reasonable", "owlrl"):
        mat = reason.materialize(g, name)
        assert (URIRef(ex + "a"), URIRef(ex + "has"), URIRef(ex + "c")) in mat.inferred, name
        assert (URIRef(ex + "a"), URIRef(ex + "rel"), URIRef(ex + "c")) in mat.inferred, name
        rel = (URIRef(ex + "a"), URIRef(ex + "rel"), URIRef(ex + "c"))
        assert mat.derivations[rel] == ("prp-spo1", URIRef(ex + "has"))


def test_functional_property_gives_same_as_without_reasonable_own_quadratic_rule():
    """reasonable 0.4.4's prp-fp pairs every two triples of a functional property (11.6 GB at
    670k triples, bench/bench_reasoning.py); brikg withholds the declarations and applies prp-fp
    itself, with the same consequences as owlrl."""
    g = Graph().parse(data="""
        @prefix : <http://example.org/> . @prefix owl: <http://www.w3.org/2002/07/owl#> .
        :author a owl:FunctionalProperty . :year a owl:FunctionalProperty .
        :x :author :a , :b . :y :author :a . :x :year "2013" . """, format="turtle")
    ex = "http://example.org/"
    a, b = URIRef(ex + "a"), URIRef(ex + "b")
    for name in ("reasonable", "owlrl"):
        mat = reason.materialize(g, name)
        same = {(s, o) for s, p, o in mat.inferred if p == OWL.sameAs}
        assert same == {(a, b), (b, a)}, name
        assert mat.derivations[(a, OWL.sameAs, b)] == ("prp-fp", URIRef(ex + "author")), name
    assert reason.apply_functional(set(g), {URIRef(ex + "author")}) == {(a, OWL.sameAs, b), (b, OWL.sameAs, a)}


def test_file_path_infers_exactly_what_the_graph_path_infers(tmp_path):
    """`materialize_files` (large graphs, the benchmark's 100× and 1000×) and `materialize` (the
    build) must not differ: same reasoner, rules, chain and prp-fp rounds, trivia filter."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from bench.gen_synthetic import write_ntriples

    data = tmp_path / "data.nt"
    write_ntriples(data, 1, seed=5, real_triples=4000)
    g = Graph().parse(data, format="nt") + reason.upstream_axioms()
    expected = reason.materialize(g, "reasonable", explain=False).inferred
    out = tmp_path / "inferred.nt"
    fm = reason.materialize_files([data, reason.UPSTREAM_AXIOMS], out)
    got = {tuple(reason._norm(x) for x in t) for t in Graph().parse(out, format="nt")}
    assert got == expected and fm.inferred == len(expected) > 1000
    assert fm.rounds == 1  # the chain's premises are asserted: applied before the one reasoner run
    assert any(p == URIRef("https://w3id.org/brikg/ontology#hasAuthor") for _, p, _ in got)  # prp-spo2


# -- the upstream axioms are upstream's ---------------------------------------------------------

UPSTREAM_FILES = {
    "http://www.w3.org/ns/org#": ("org.ttl", "turtle"),
    "http://xmlns.com/foaf/0.1/": ("foaf.rdf", "xml"),
    "http://www.w3.org/ns/prov#": ("prov-o.ttl", "turtle"),
    "http://purl.org/cerif/frapo/": ("frapo.ttl", "turtle"),
    "http://purl.org/spar/fabio/": ("fabio.ttl", "turtle"),
    "http://www.w3.org/2004/02/skos/core#": ("skos.rdf", "xml"),
    "http://purl.org/dc/terms/": ("imports/spar-deo.ttl", "turtle"),
}


def test_every_upstream_axiom_is_stated_by_its_vocabulary():
    vocabs = SHARED / "ontologies"
    if not vocabs.is_dir():
        pytest.skip(f"shared vocabularies not found at {vocabs}")
    axioms = reason.upstream_axioms()
    loaded: dict[str, Graph] = {}
    missing = []
    for s, p, o in axioms:
        ns = next((n for n in UPSTREAM_FILES if str(s).startswith(n)), None)
        if ns is None:
            assert str(s) == "https://w3id.org/brikg/ontology/upstream-axioms"
            continue
        if ns not in loaded:
            name, fmt = UPSTREAM_FILES[ns]
            loaded[ns] = Graph().parse(vocabs / name, format=fmt)
        if (s, p, o) not in loaded[ns]:
            missing.append((s, p, o))
    assert not missing, missing


# -- consistency ----------------------------------------------------------------------------------

def test_hermit_finds_the_built_graph_consistent_and_a_clash_by_name(built_store):
    asserted = reason.asserted_graph(ox.Store.read_only(str(current_generation(built_store))))
    assert reason.check_consistency(asserted) > 0
    asserted.add((URIRef(CAS), RDF.type, URIRef("http://xmlns.com/foaf/0.1/Person")))
    with pytest.raises(InconsistentGraph) as exc:
        reason.check_consistency(asserted)
    msg = str(exc.value)
    assert "HermiT found the graph inconsistent" in msg
    assert f"<{CAS}> is typed both" in msg and "foaf/0.1/Person" in msg and "owl:disjointWith" in msg


def test_a_functional_property_clash_is_named():
    g = Graph()
    s = URIRef(BRID + "org/x")
    for year in ("2013", "2014"):
        g.add((s, URIRef("https://w3id.org/brikg/ontology#foundingYear"), Literal(year)))
    g.add((URIRef("https://w3id.org/brikg/ontology#foundingYear"), RDF.type, OWL.FunctionalProperty))
    assert reason.clashes(g) == [f"<{s}> has 2 different values of the functional property "
                                 "<https://w3id.org/brikg/ontology#foundingYear>: \"2013\", \"2014\""]


def test_an_inconsistent_build_is_not_published(tmp_path, built_store, corpus):
    from kg.build import build

    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "entities" / "zz-clash.yaml").write_text(
        "entities:\n  - id: org/test-clash\n    type: [Academy, foaf:Person]\n"
        "    label: {en: Test clash, zh: 测试冲突}\n    set: {foaf:name: {en: Test clash}}\n", encoding="utf-8")
    store = tmp_path / "store"
    shutil.copytree(built_store, store, symlinks=True)
    before = current_generation(store)
    with pytest.raises(InconsistentGraph) as exc:
        build(corpus, store, progress=lambda _: None, data_dir=data)
    assert f"<{BRID}org/test-clash> is typed both" in str(exc.value)
    assert current_generation(store) == before


# -- the endpoint and the command -----------------------------------------------------------------

def _get(url: str, **params) -> tuple[int, str, bytes]:
    full = url + "?" + urllib.parse.urlencode(params)
    req = urllib.request.Request(full, headers={"Accept": "application/sparql-results+json"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers.get_content_type(), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get_content_type(), e.read()


def test_endpoint_infer_parameter(live_server):
    url = live_server.sparql
    rows = {}
    for infer in ("true", "false", None):
        params = {"query": TRANSITIVE} | ({"infer": infer} if infer else {})
        status, ctype, body = _get(url, **params)
        assert (status, ctype) == (200, "application/sparql-results+json")
        rows[infer] = sorted(b["u"]["value"] for b in json.loads(body)["results"]["bindings"])
    units = ["cas-overseas-centres", "cas-bangkok-innovation-cooperation-centre",
             "cas-global-bri-technology-transfer-centre", "china-pakistan-earth-science-research-centre"]
    assert rows["true"] == sorted(BRID + "org/" + x for x in units)
    assert rows["false"] == rows[None] == []
    status, ctype, body = _get(url, query=TRANSITIVE, infer="maybe")
    assert status == 400 and b"infer must be true or false" in body
    form = urllib.parse.urlencode({"query": TRANSITIVE, "infer": "true"}).encode()
    req = urllib.request.Request(url, data=form, headers={"Content-Type": "application/x-www-form-urlencoded",
                                                          "Accept": "text/csv"})
    with urllib.request.urlopen(req, timeout=30) as r:
        assert r.status == 200 and len(r.read().decode().strip().splitlines()) == 5


def test_service_description_states_the_default(live_server):
    req = urllib.request.Request(live_server.sparql, headers={"Accept": "text/turtle"})
    with urllib.request.urlopen(req, timeout=30) as r:
        g = Graph().parse(data=r.read(), format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (None, URIRef(sd + "defaultEntailmentRegime"), URIRef("http://www.w3.org/ns/entailment/Simple")) in g
    assert (None, URIRef(sd + "supportedEntailmentProfile"), URIRef("http://www.w3.org/ns/owl-profile/RL")) in g
    comment = " ".join(str(o) for o in g.objects(None, URIRef("http://www.w3.org/2000/01/rdf-schema#comment")))
    assert "infer=false (the default)" in comment


def test_cli_query_infer(built_store):
    base = [sys.executable, "-m", "service.cli", "query", "--store", str(built_store), "--format", "csv"]
    with_inf = subprocess.run(base + ["--infer", TRANSITIVE], capture_output=True, text=True, timeout=60)
    without = subprocess.run(base + [TRANSITIVE], capture_output=True, text=True, timeout=60)
    assert with_inf.returncode == 0 and without.returncode == 0, with_inf.stderr + without.stderr
    assert len(with_inf.stdout.strip().splitlines()) == 5
    assert without.stdout.strip().splitlines() == ["u"]
