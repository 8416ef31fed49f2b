"""The build: deterministic, validated, and atomic (a failed build publishes nothing)."""

from __future__ import annotations

import os

import pyoxigraph as ox
import pytest

from kg import iris
from kg.build import build
from kg.errors import CorpusErrors, ValidationFailed
from kg.store import OxigraphStore, current_generation


def _content(store_dir) -> set[str]:
    """Every named graph but the build metadata (which records the build time), blank nodes
    canonicalized, as a set of N-Quads lines."""
    s = ox.Store.read_only(str(current_generation(store_dir)))
    ds = ox.Dataset(q for q in s if q.graph_name != ox.NamedNode(str(iris.BUILD_GRAPH)))
    ds.canonicalize(ox.CanonicalizationAlgorithm.UNSTABLE)  # deterministic within one pyoxigraph version
    return set(ox.serialize(ds, format=ox.RdfFormat.N_QUADS).decode().splitlines())


def test_build_writes_one_named_graph_per_paper_and_the_ontology(built_store):
    graphs = OxigraphStore(built_store).named_graphs()
    papers = [g for g in graphs if "/graph/paper/" in g]
    assert len(papers) == 3
    assert str(iris.ONTOLOGY_GRAPH) in graphs and str(iris.BUILD_GRAPH) in graphs


def test_rebuild_gives_the_same_iris_and_an_isomorphic_graph(tmp_path, corpus):
    a, b = tmp_path / "a", tmp_path / "b"
    build(corpus, a, progress=lambda _: None)
    build(corpus, b, progress=lambda _: None)
    da, db = _content(a), _content(b)
    assert len(da) > 10_000
    assert da == db, sorted(da ^ db)[:10]


def test_build_metadata_records_checksum_and_version(built_store):
    rows = OxigraphStore(built_store).select("""
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?sum ?v (COUNT(?used) AS ?files) WHERE { ?a a prov:Activity ; dcterms:identifier ?sum ;
          dcterms:hasVersion ?v ; prov:used ?used } GROUP BY ?sum ?v""")
    assert len(rows) == 1 and len(rows[0]["sum"].value) == 64 and rows[0]["files"].value == "5"


def test_progress_is_reported(tmp_path, corpus):
    lines: list[str] = []
    build(corpus, tmp_path / "s", progress=lines.append)
    text = "\n".join(lines)
    assert "read 5 file(s)" in text and "recognised 3 paper(s) in 5 file(s)" in text
    assert "validated: conforms" in text and "published" in text


def test_failed_build_keeps_the_previous_generation(store_copy, tmp_path):
    before = os.readlink(store_copy / "current")
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "x.txt").write_bytes(b"")
    with pytest.raises(CorpusErrors):
        build(bad, store_copy, progress=lambda _: None)
    assert os.readlink(store_copy / "current") == before
    assert not (store_copy / "build.lock").exists()
    assert len(OxigraphStore(store_copy).select("SELECT * WHERE { ?s ?p ?o } LIMIT 5")) == 5


def test_invalid_graph_is_not_published(store_copy, corpus, monkeypatch):
    """A graph that breaks a shape stops the publish, and the new generation is removed."""
    from kg.extract import merge as merge_mod
    from kg.extract.records import Reference

    real_merge = merge_mod.merge

    def broken_merge(records):
        rec = real_merge(records)
        rec.references.append(Reference(0, "x"))  # number 0 and a too-short text break ReferenceShape
        return rec

    monkeypatch.setattr("kg.build.merge", broken_merge)
    before = os.readlink(store_copy / "current")
    gens_before = sorted(p.name for p in (store_copy / "generations").iterdir())
    with pytest.raises(ValidationFailed) as exc:
        build(corpus, store_copy, progress=lambda _: None)
    assert "brish:ReferenceShape" in str(exc.value)
    assert "bri:referenceNumber" in str(exc.value)
    assert os.readlink(store_copy / "current") == before
    assert sorted(p.name for p in (store_copy / "generations").iterdir()) == gens_before


def test_keep_going_publishes_the_good_papers(corpus_copy, tmp_path):
    (corpus_copy / "099_empty.txt").write_bytes(b"")
    result = build(corpus_copy, tmp_path / "s", keep_going=True, progress=lambda _: None)
    assert len(result.papers) == 3
    assert [e.path.rsplit("/", 1)[-1] for e in result.skipped] == ["099_empty.txt"]


def test_publish_from_current_applies_a_change_through_the_gate(store_copy):
    from kg import store as st
    from kg.validate import check_store

    before = os.readlink(store_copy / "current")

    def add(s):
        s.update("INSERT DATA { GRAPH <https://w3id.org/brikg/id/graph/extra> {"
                 " <https://w3id.org/brikg/id/x> <http://www.w3.org/2000/01/rdf-schema#label> 'x' } }")

    st.publish(store_copy, add, check_store, from_current=True)
    assert os.readlink(store_copy / "current") != before
    assert "https://w3id.org/brikg/id/graph/extra" in OxigraphStore(store_copy).named_graphs()

    def break_it(s):  # a reference without number or text breaks ReferenceShape
        s.update("INSERT DATA { GRAPH <https://w3id.org/brikg/id/graph/extra> {"
                 " <https://w3id.org/brikg/id/r> a <http://purl.org/spar/deo/BibliographicReference> } }")

    current = os.readlink(store_copy / "current")
    with pytest.raises(ValidationFailed):
        st.publish(store_copy, break_it, check_store, from_current=True)
    assert os.readlink(store_copy / "current") == current


def test_citation_network_joins_works_and_links_corpus_papers(corpus_copy, tmp_path):
    (corpus_copy / "005_new.txt").write_text("""Joint laboratories on the Silk Road

Mei Han¹

¹Institute of Energy Studies, Lanzhou University, Lanzhou 730000, China

Abstract

Joint laboratories have become a main form of green energy cooperation along the Belt and Road.

Keywords

joint laboratory; green energy

1. Introduction

Green energy cooperation grew quickly.

References

[1] Liu W D, Li J, Xiao G H, et al. Research on science and technology cooperation pattern of the Belt and Road \
Initiative. Bulletin of Chinese Academy of Sciences, 2023, 38(9): 1246-1255.
[2] Bai C L. Scientific and technological innovation and cooperation support high-quality development of the Belt \
and Road Initiative. Bulletin of Chinese Academy of Sciences, 2023, 38(9): 1238-1245.
""", encoding="utf-8")
    build(corpus_copy, tmp_path / "s", progress=lambda _: None)
    store = OxigraphStore(tmp_path / "s")
    cites_corpus = store.select("""
        PREFIX bri: <https://w3id.org/brikg/ontology#>
        SELECT ?citing ?cited WHERE { ?citing bri:citesPaper ?cited }""")
    assert [(r["citing"].value.rsplit("/", 1)[-1], r["cited"].value.rsplit("/", 1)[-1]) for r in cites_corpus] == [
        ("han-joint-laboratories-silk-road", "liu-2023-research-science-technology-cooperation")]
    shared = store.select("""
        PREFIX cito: <http://purl.org/spar/cito/>
        SELECT ?w (COUNT(DISTINCT ?p) AS ?n) WHERE { ?p cito:cites ?w } GROUP BY ?w HAVING (COUNT(DISTINCT ?p) > 1)""")
    # Bai (2023) is cited by WANG (in Chinese and English), ZHENG (with its DOI) and the new paper
    assert [(r["w"].value, r["n"].value) for r in shared] == [("https://w3id.org/brikg/id/work/bai-2023-38-1238", "3")]
    doi = store.select("""PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
        SELECT ?d WHERE { <https://w3id.org/brikg/id/work/bai-2023-38-1238> prism:doi ?d }""")
    assert [r["d"].value for r in doi] == ["10.16418/j.issn.1000-3045.20230710001"]
