"""The query view: the union default graph written once at publish, answering exactly as the
generation does for every query that does not name graphs."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import query as q
from kg.guard import profile
from kg.reason import DERIVATION_GRAPH, INFERRED_GRAPH
from kg.store import OxigraphStore, current_generation, publish
from kg.view import open_view, view_dir

ROOT = Path(__file__).resolve().parents[2]
CQ_FILES = sorted((ROOT / "queries" / "cq").glob("*.rq")) + sorted((ROOT / "queries" / "cq-infer").glob("*.rq"))
EX = "http://example.org/"


def _rows(outcome: q.QueryOutcome) -> Counter:
    doc = json.loads(outcome.body)
    if "boolean" in doc:
        return Counter([doc["boolean"]])
    return Counter(json.dumps(b, sort_keys=True) for b in doc["results"]["bindings"])


def _both(store_dir: Path, text: str, infer: bool) -> tuple[Counter, Counter]:
    gen = current_generation(store_dir)
    store, view = ox.Store.read_only(str(gen)), open_view(gen)
    assert view is not None
    job = q.QueryJob(text, infer=infer, names_graphs=profile(text).names_graphs)
    return _rows(q.run(store, job)), _rows(q.run(store, job, view))


def test_publish_writes_a_view_with_the_asserted_union_and_the_inferred_graph(built_store):
    gen = current_generation(built_store)
    store, view = ox.Store.read_only(str(gen)), open_view(gen)
    assert view_dir(gen) == built_store / "views" / gen.name and view is not None
    hidden = {ox.NamedNode(str(INFERRED_GRAPH)), ox.NamedNode(str(DERIVATION_GRAPH))}
    asserted = {ox.Triple(x.subject, x.predicate, x.object) for x in store if x.graph_name not in hidden}
    default = {ox.Triple(x.subject, x.predicate, x.object)
               for x in view.quads_for_pattern(None, None, None, ox.DefaultGraph())}
    assert default == asserted
    inferred = ox.NamedNode(str(INFERRED_GRAPH))
    assert set(view.quads_for_pattern(None, None, None, inferred)) == set(
        store.quads_for_pattern(None, None, None, inferred))
    assert list(view.named_graphs()) == [inferred]  # the derivations are never in it


@pytest.mark.parametrize("path", CQ_FILES, ids=[p.stem for p in CQ_FILES])
def test_every_competency_question_gets_the_same_answer_from_the_view(built_store, path):
    text = path.read_text(encoding="utf-8")
    for infer in (False, True):
        from_store, from_view = _both(built_store, text, infer)
        assert set(from_view) == set(from_store), f"{path.name} infer={infer}"


def test_the_view_holds_each_triple_once(built_store):
    # a person's name is in two paper graphs: the union repeats it, the view (an RDF merge) not
    text = "SELECT ?p ?o WHERE { <https://w3id.org/brikg/id/journal/bulletin-of-chinese-academy-of-sciences> ?p ?o }"
    from_store, from_view = _both(built_store, text, False)
    assert set(from_view) == set(from_store) and max(from_store.values()) == 2 and max(from_view.values()) == 1


def test_a_query_naming_graphs_is_answered_from_the_generation(store_copy):
    gen = current_generation(store_copy)
    store, view = ox.Store.read_only(str(gen)), open_view(gen)
    text = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    job = q.QueryJob(text, names_graphs=profile(text).names_graphs)
    assert not q.uses_view(job)
    n = json.loads(q.run(store, job, view).body)["results"]["bindings"][0]["n"]["value"]
    assert int(n) == sum(1 for g in store.named_graphs() if g.value not in (
        str(INFERRED_GRAPH), str(DERIVATION_GRAPH)))
    protocol = q.QueryJob("SELECT * { ?s ?p ?o }", names_graphs=False, default_graphs=(EX + "g",))
    assert not q.uses_view(protocol)


def test_a_store_without_a_view_answers_the_same(store_copy):
    text = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?t }"
    job = q.QueryJob(text, names_graphs=False)
    before = OxigraphStore(store_copy).run(job).body
    shutil.rmtree(view_dir(current_generation(store_copy)))
    assert open_view(current_generation(store_copy)) is None
    assert OxigraphStore(store_copy).run(job).body == before


def test_a_new_generation_gets_its_own_view_and_old_views_are_pruned(store_copy):
    first = current_generation(store_copy)
    triple = ox.Quad(ox.NamedNode(EX + "s"), ox.NamedNode(EX + "p"), ox.Literal("o"), ox.NamedNode(EX + "g"))
    for _ in range(4):  # more than the generations kept
        publish(store_copy, lambda s: s.add(triple), lambda s, p: None, from_current=True)
    gen = current_generation(store_copy)
    view = open_view(gen)
    assert view is not None and ox.Quad(triple.subject, triple.predicate, triple.object) in view
    kept = {p.name for p in (store_copy / "generations").iterdir() if p.is_dir()}
    assert {p.name for p in (store_copy / "views").iterdir()} == kept and first.name not in kept


def test_a_refused_publish_leaves_no_view(store_copy):
    def refuse(store, path):
        raise ValueError("refused")

    before = {p.name for p in (store_copy / "views").iterdir()}
    with pytest.raises(ValueError):
        publish(store_copy, lambda s: None, refuse, from_current=True)
    assert {p.name for p in (store_copy / "views").iterdir()} == before
