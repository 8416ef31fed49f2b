"""The synthetic data generator of bench/ is deterministic and its data passes the SHACL gate.

Benchmarks (service, reasoning) rely on both: the same seed must give the same graph in every
run, and data the gate would refuse would not be served the normal way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import iris, validate

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # bench/ is not an installed package
    sys.path.insert(0, str(ROOT))

from bench.gen_synthetic import REAL_TRIPLES, generate, load_store, write_ntriples  # noqa: E402

BRI = "https://w3id.org/brikg/ontology#"


def test_same_seed_same_quads_other_seed_other_quads():
    first = [str(q) for q in generate(2, seed=7)]
    assert first == [str(q) for q in generate(2, seed=7)]
    assert first != [str(q) for q in generate(2, seed=8)]


def test_size_is_a_multiple_of_the_real_graph():
    n = sum(1 for _ in generate(2, seed=7))
    assert 2 * REAL_TRIPLES <= n < 2 * REAL_TRIPLES + 1500  # stops after the paper that reaches the target
    data = sum(1 for _ in generate(2, seed=7, with_ontology=False))
    assert data >= 2 * REAL_TRIPLES


def test_ntriples_are_distinct_triples_at_the_scale(tmp_path):
    first, second = tmp_path / "a.nt", tmp_path / "b.nt"
    n = write_ntriples(first, 3, seed=7, real_triples=1000)
    assert write_ntriples(second, 3, seed=7, real_triples=1000) == n
    assert first.read_bytes() == second.read_bytes()
    lines = first.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(set(lines)) == n
    assert 3000 <= n < 3000 + 1500  # stops after the paper that reaches the target
    assert len(list(ox.parse(path=str(first), format=ox.RdfFormat.N_TRIPLES))) == n


def test_one_named_graph_per_paper_shaped_like_the_real_ones():
    quads = list(generate(1, seed=3, with_ontology=False))
    graphs = {q.graph_name.value for q in quads}
    papers = {q.subject.value for q in quads if q.predicate.value.endswith("#type") and q.object.value == BRI + "Paper"}
    assert len(graphs) == len(papers) >= 1
    prefix = str(iris.paper_graph(""))
    assert all(g.startswith(prefix) for g in graphs)
    types = {q.object.value for q in quads if q.predicate.value.endswith("#type")}
    for cls in (BRI + "Authorship", "http://xmlns.com/foaf/0.1/Person", "http://www.w3.org/ns/org#Organization",
                "http://purl.org/spar/doco/Section", "http://purl.org/spar/deo/BibliographicReference",
                BRI + "Evidence", BRI + "MonetaryAmount", BRI + "Country"):
        assert cls in types, cls


@pytest.mark.parametrize("scale", [2])
def test_the_data_passes_the_shacl_gate(tmp_path, scale):
    gen = load_store(tmp_path / "store", scale=scale, seed=42, validate=True)  # raises ValidationFailed if not
    store = ox.Store.read_only(str(gen))
    data = validate.store_to_graph(store, exclude={str(iris.ONTOLOGY_GRAPH), str(iris.BUILD_GRAPH)})
    report = validate.validate_graph(data)
    assert report.conforms
    assert (report.violations, report.warnings) == (0, 0)
    assert len(store) >= scale * REAL_TRIPLES * 0.95  # a few repeated triples are merged by the store
