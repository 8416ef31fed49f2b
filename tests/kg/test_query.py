"""Running one query on a store: dataset, formats, and the limits on the answer's size."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg import query as q
from kg import results
from kg.errors import ResultTooLarge

EX = "http://example.org/"


@pytest.fixture
def store() -> ox.Store:
    st = ox.Store()
    for i in range(5):
        st.add(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"),
                       ox.Literal(f'say "{i}" — 说', language="zh"), ox.NamedNode(EX + "g")))
    st.add(ox.Quad(ox.NamedNode(EX + "s0"), ox.NamedNode(EX + "n"), ox.Literal("7", datatype=ox.NamedNode(
        "http://www.w3.org/2001/XMLSchema#integer"))))
    return st


def test_native_json_equals_the_python_serializer(store):
    text = "SELECT ?s ?o ?n WHERE { ?s <http://example.org/p> ?o OPTIONAL { ?s <http://example.org/n> ?n } }"
    out = q.run(store, q.QueryJob(text))
    assert out.format == "json" and out.rows == 5
    sols = store.query(text, use_default_graph_as_union=True)
    names = [v.value for v in sols.variables]
    mine = results.serialize_solutions(names, [[s[n] for n in names] for s in sols], "json")
    assert json.loads(out.body) == json.loads(mine)


def test_the_row_limit_counts_the_native_answer(store):
    assert q.run(store, q.QueryJob("SELECT * { GRAPH ?g { ?s ?p ?o } }", max_rows=5)).rows == 5
    with pytest.raises(ResultTooLarge, match="more than 4 rows"):
        q.run(store, q.QueryJob("SELECT * { GRAPH ?g { ?s ?p ?o } }", max_rows=4))
    with pytest.raises(ResultTooLarge, match="more than 4 rows"):  # the Python serializers too
        q.run(store, q.QueryJob("SELECT * { GRAPH ?g { ?s ?p ?o } }", max_rows=4, solutions_format="csv"))


def test_the_byte_cap_stops_a_runaway_answer(store, monkeypatch):
    monkeypatch.setattr(q, "MAX_RESULT_BYTES", 200)
    with pytest.raises(ResultTooLarge, match="MiB"):
        q.run(store, q.QueryJob("SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"))  # 216 rows, stopped early
