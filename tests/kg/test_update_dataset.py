"""The protocol dataset of an update, turned into USING clauses (kg/update.py)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.errors import QueryRefused, QuerySyntaxError
from kg.update import with_dataset

G1, G2 = "http://example.org/g1", "http://example.org/g2"


def test_using_goes_before_each_modify_where_only():
    text = ('INSERT DATA { <s:a> <p:b> "where" } ;\n'
            "DELETE WHERE { ?s <p:x> ?o } ;\n"
            "INSERT { GRAPH <http://example.org/out> { ?s <p:y> ?o } } WHERE { ?s <p:b> ?o }")
    out = with_dataset(text, [G1], [G2])
    assert out.count("USING <http://example.org/g1> USING NAMED <http://example.org/g2> WHERE") == 1
    assert "DELETE WHERE { ?s <p:x> ?o }" in out and '"where"' in out
    store = ox.Store()
    store.update(out)  # it still parses
    store.add(ox.Quad(ox.NamedNode("s:c"), ox.NamedNode("p:b"), ox.Literal("in g1"), ox.NamedNode(G1)))
    store.update(out)
    assert {q.object.value for q in store.quads_for_pattern(None, None, None, ox.NamedNode("http://example.org/out"))} \
        == {"in g1"}


def test_nothing_changes_without_protocol_graphs():
    assert with_dataset("CLEAR ALL", [], []) == "CLEAR ALL"


@pytest.mark.parametrize("text", ["WITH <http://e/g> DELETE { ?s ?p ?o } WHERE { ?s ?p ?o }",
                                  "DELETE { ?s ?p ?o } USING <http://e/g> WHERE { ?s ?p ?o }"])
def test_dataset_twice_is_refused(text):
    with pytest.raises(QueryRefused) as info:
        with_dataset(text, [G1], [])
    assert info.value.limit == "dataset"


def test_a_graph_name_cannot_break_out_of_its_iri():
    with pytest.raises(QuerySyntaxError):
        with_dataset("INSERT { <s:a> <p:b> ?o } WHERE { ?s ?p ?o }", ["http://e/g> } ; DROP ALL ; #"], [])
