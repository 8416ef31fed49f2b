"""Linked-data pages over HTTP: content negotiation for resources and the ontology (and its
failures), the HTML view (labels, links, evidence, neighbourhood), search and validation."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, Namespace, URIRef

from kg.store import publish

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
BRID = "https://w3id.org/brikg/id/"
LIU = BRID + "paper/liu-2023-research-science-technology-cooperation"
LIU_PATH = "/id/paper/liu-2023-research-science-technology-cooperation"
PERSON_PATH = "/id/person/liu-weidong"
DCT = Namespace("http://purl.org/dc/terms/")
PRISM = Namespace("http://prismstandard.org/namespaces/basic/2.0/")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
TITLE_EN = "Research on science and technology cooperation pattern of the Belt and Road Initiative"
# A quote printed in the Liu et al. (2023) file 004 (the author's biography), as a Web Annotation.
QUOTE = "刘卫东 中国科学院地理科学与资源研究所研究员"
QUOTE_211 = "2018年组建了国家国际发展合作署以加强对外援助的"  # section 2.1.1 of the same file
EVIDENCE_TRIG = f"""
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix bri: <https://w3id.org/brikg/ontology#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
<{BRID}graph/test-evidence> {{
  <{BRID}evidence/test-liu-weidong> a bri:Evidence , oa:Annotation ;
    bri:evidenceFor <{BRID}person/liu-weidong> ;
    oa:hasTarget <{BRID}evidence/test-liu-weidong/target> .
  <{BRID}evidence/test-liu-weidong/target> a oa:SpecificResource ;
    oa:hasSource <{BRID}source/004-8f66bfcf30e05994> ;
    oa:hasSelector <{BRID}evidence/test-liu-weidong/selector> .
  <{BRID}evidence/test-liu-weidong/selector> a oa:TextQuoteSelector ; oa:exact "{QUOTE}" .
  <{BRID}evidence/test-section> a bri:Evidence ;
    oa:hasBody <{LIU}/section/2.1.1> ;
    oa:hasTarget [ a oa:SpecificResource ; oa:hasSource <{BRID}source/004-8f66bfcf30e05994> ;
      dcterms:isPartOf <{LIU}/section/2.1.1> ;
      oa:hasSelector [ a oa:TextQuoteSelector ; oa:exact "{QUOTE_211}" ] ] .
}}
"""


def add_evidence(store_dir) -> None:
    """Publish one evidence annotation (a real quote) over the built graph, without SHACL."""

    def fill(store: ox.Store) -> None:
        store.extend(ox.parse(EVIDENCE_TRIG.encode(), format=ox.RdfFormat.TRIG))

    publish(store_dir, fill, lambda store, path: None, from_current=True)



@pytest.fixture(scope="module")
def server(tmp_path_factory, built_store):
    import shutil

    from support import LiveServer

    store = tmp_path_factory.mktemp("pages") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    add_evidence(store)
    s = LiveServer(store)
    yield s
    s.stop()


def get(url: str, headers: dict | None = None):
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


# --- content negotiation: resources ------------------------------------------------------------

RDF_TYPES = [("text/turtle", "turtle"), ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml"),
             ("application/n-triples", "nt")]


@pytest.mark.parametrize(("media", "parse"), RDF_TYPES)
def test_resource_by_accept(server, media, parse):
    status, headers, body = get(server.url + LIU_PATH, {"Accept": media})
    assert status == 200 and headers.get_content_type() == media
    assert "Accept" in headers["Vary"]
    g = Graph().parse(data=body, format=parse)
    paper = URIRef(LIU)
    assert (paper, DCT.title, Literal(TITLE_EN, lang="en")) in g
    assert (paper, PRISM.doi, Literal("10.16418/j.issn.1000-3045.20230713003")) in g
    assert (paper, PRISM.startingPage, Literal("1246")) in g
    assert (URIRef(BRID + "source/004-8f66bfcf30e05994"), URIRef("https://w3id.org/brikg/ontology#textOf"),
            paper) in g  # incoming links are part of the description


@pytest.mark.parametrize(("fmt", "media"), [("ttl", "text/turtle"), ("turtle", "text/turtle"),
                                            ("jsonld", "application/ld+json"), ("rdfxml", "application/rdf+xml"),
                                            ("nt", "application/n-triples"), ("html", "text/html")])
def test_format_parameter_overrides_accept(server, fmt, media):
    status, headers, _ = get(f"{server.url}{PERSON_PATH}?format={fmt}", {"Accept": "application/rdf+xml"
                                                                        if media != "application/rdf+xml"
                                                                        else "text/turtle"})
    assert status == 200 and headers.get_content_type() == media


def test_browsers_get_html_and_q_values_are_honoured(server):
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
    assert get(server.url + PERSON_PATH, {"Accept": browser})[1].get_content_type() == "text/html"
    assert get(server.url + PERSON_PATH, {"Accept": "*/*"})[1].get_content_type() == "text/html"
    mixed = "text/turtle;q=0.5, application/ld+json"
    assert get(server.url + PERSON_PATH, {"Accept": mixed})[1].get_content_type() == "application/ld+json"


def test_alternates_are_announced(server):
    _, headers, _ = get(server.url + PERSON_PATH)
    assert f'<{PERSON_PATH}?format=ttl>; rel="alternate"; type="text/turtle"' in headers["Link"]


@pytest.mark.parametrize(("path", "headers"), [
    (PERSON_PATH, {"Accept": "image/png"}),
    (PERSON_PATH + "?format=docx", {}),
    ("/ontology", {"Accept": "application/pdf"}),
    ("/ontology?format=csv", {}),
])
def test_not_acceptable_is_406(server, path, headers):
    status, h, body = get(server.url + path, {**headers})
    assert status == 406 and h.get_content_type() == "text/plain"
    assert body.startswith(b"406 not-acceptable:")


def test_not_acceptable_in_json_when_json_is_accepted(server):
    status, h, body = get(server.url + PERSON_PATH, {"Accept": "application/json"})
    assert status == 406 and h.get_content_type() == "application/json"
    assert json.loads(body)["error"] == "not-acceptable"


@pytest.mark.parametrize("path", ["/id/person/nobody", "/id/paper/liu-2023-research-science-technology-cooperation/x",
                                  "/id/", "/id/%E4%B8%9D"])
def test_unknown_resource_is_404(server, path):
    status, h, body = get(server.url + path, {"Accept": "text/turtle"})
    assert status == 404 and h.get_content_type() == "text/plain"
    status, h, body = get(server.url + path, {"Accept": "application/ld+json"})
    assert status == 404 and json.loads(body)["error"] == "not-found"


def test_named_graph_iri_gives_the_graph(server, built_store):
    path = "/id/graph/paper/liu-2023-research-science-technology-cooperation"
    status, h, body = get(server.url + path, {"Accept": "application/n-triples"})
    assert status == 200 and h.get_content_type() == "application/n-triples"
    expected = list(ox.Store.read_only(str((built_store / "current").resolve())).quads_for_pattern(
        None, None, None, ox.NamedNode(BRID + path[4:])))
    assert len(set(ox.parse(body, format=ox.RdfFormat.N_TRIPLES))) == len(expected) > 200
    status, h, body = get(server.url + path)
    assert status == 200 and h.get_content_type() == "text/html"
    assert f"{len(expected)} triples".encode() in body


def test_rdf_description_carries_the_evidence(server):
    _, _, body = get(server.url + PERSON_PATH, {"Accept": "text/turtle"})
    g = Graph().parse(data=body, format="turtle")
    assert (None, URIRef("http://www.w3.org/ns/oa#exact"), Literal(QUOTE)) in g


# --- content negotiation: the ontology ---------------------------------------------------------


@pytest.mark.parametrize(("media", "parse"), RDF_TYPES)
def test_ontology_by_accept(server, media, parse):
    status, headers, body = get(server.url + "/ontology", {"Accept": media})
    assert status == 200 and headers.get_content_type() == media
    g = Graph().parse(data=body, format=parse)
    bri = Namespace("https://w3id.org/brikg/ontology#")
    assert (bri.Paper, RDFS.label, Literal("paper", lang="en")) in g
    assert (bri.Paper, RDFS.label, Literal("论文", lang="zh")) in g
    assert (URIRef("https://w3id.org/brikg/ontology"), URIRef("http://www.w3.org/2002/07/owl#versionInfo"),
            None) in g


def test_ontology_html_for_browsers(server):
    status, headers, body = get(server.url + "/ontology", {"Accept": "text/html"})
    assert status == 200 and headers.get_content_type() == "text/html"
    assert b"Paper" in body and "论文".encode() in body


def test_ontology_modules_and_version(server):
    status, h, body = get(server.url + "/ontology/alignments", {"Accept": "text/turtle"})
    assert status == 200
    g = Graph().parse(data=body, format="turtle")
    assert (URIRef("https://w3id.org/brikg/ontology/alignments"), None, None) in g
    assert get(server.url + "/ontology/0.1.0", {"Accept": "text/turtle"})[0] == 200


@pytest.mark.parametrize("path", ["/ontology/9.9.9", "/ontology/nothing", "/ontology/brikg", "/ontology/../kg",
                                  "/ontology/alignments/extra/0.1.0"])
def test_ontology_unknown_paths_are_404(server, path):
    assert get(server.url + path, {"Accept": "text/turtle"})[0] == 404


# --- the HTML page -----------------------------------------------------------------------------


def test_page_shows_labels_types_properties_and_links(server):
    status, _, body = get(server.url + LIU_PATH)
    html = body.decode()
    assert status == 200
    assert f'<h1 id="title">{TITLE_EN}</h1>' in html
    assert "&#34;一带一路&#34;科技合作新格局构建研究" in html  # escaped, never raw
    assert 'href="/ontology#Paper"' in html  # the type, linked to the ontology documentation
    assert 'href="/id/person/liu-weidong"' in html
    assert "10.16418/j.issn.1000-3045.20230713003" in html
    svg = html[html.index('<svg xmlns="http://www.w3.org/2000/svg"'):html.index("</svg>")]
    # the star takes neighbours round-robin over predicates: the 15 sections cannot crowd out
    # the journal, the authors (first by name: Chen Fahu) or the grants
    assert 'href="/id/journal/bulletin-of-chinese-academy-of-sciences"><title>' in svg
    assert 'href="/id/person/chen-fahu"><title>' in svg
    assert svg.count('href="/id/paper/liu-2023-research-science-technology-cooperation/section/') <= 2
    assert 'href="/id/grant/anso-sba-2021-09"><title>' in svg
    assert svg.count("<circle") == 14 + 1  # MAX_NEIGHBOURS and the centre


def test_language_switch(server):
    en = get(server.url + PERSON_PATH)[2].decode()
    zh = get(server.url + PERSON_PATH + "?lang=zh")[2].decode()
    assert '<h1 id="title">LIU Weidong</h1>' in en
    assert '<h1 id="title">刘卫东</h1>' in zh
    assert '<html lang="zh-Hans">' in zh and "指向本资源的链接" in zh
    # links inside the service keep the language
    assert f'href="{LIU_PATH}?lang=zh"' in zh


def test_evidence_is_shown_with_quote_and_paper(server):
    html = get(server.url + PERSON_PATH)[2].decode()
    section = html[html.index('id="evidence"'):]
    assert f'<blockquote class="quote">{QUOTE}</blockquote>' in section
    assert f'<span class="paper"><a href="{LIU_PATH}"' in section
    # the paper's page lists the evidence quoted from it
    paper = get(server.url + LIU_PATH)[2].decode()
    assert f'<blockquote class="quote">{QUOTE}</blockquote>' in paper[paper.index('id="evidence-from"'):]


def test_html_is_escaped(server):
    status, _, body = get(server.url + "/search?q=" + urllib.parse.quote("<script>alert(1)</script>"))
    assert status == 200 and b"<script>alert(1)</script>" not in body
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in body


# --- start page, search, validation ------------------------------------------------------------


def test_start_page_has_editor_examples_and_no_cdn(server):
    status, h, body = get(server.url + "/")
    html = body.decode()
    assert status == 200 and h.get_content_type() == "text/html"
    assert 'src="/static/vendor/yasgui/yasgui.min.js"' in html and 'id="yasgui"' in html
    examples = json.loads(re.search(r'<script type="application/json" id="examples">(.*?)</script>', html, re.S)
                          .group(1))
    assert all(ex["query"].strip() for ex in examples)
    assert html.count("<option value=") == len(examples) >= 1
    # the competency questions (queries/**/*.rq, read at request time) when there are any
    cqs = sorted(ROOT.joinpath("queries").rglob("*.rq"))
    if cqs:
        assert [ex["name"] for ex in examples] == [f.stem for f in cqs]
    assert not re.search(r'(src|href)="(https?:)?//[^"]*\.(js|css)', html)  # no script or style from elsewhere
    assert get(server.url + "/static/vendor/yasgui/yasgui.min.js")[0] == 200
    assert f'href="{LIU_PATH}"' in html and f'href="{LIU}"' in html


@pytest.mark.parametrize(("q", "iri"), [("刘卫东", BRID + "person/liu-weidong"),
                                        ("liu weidong", BRID + "person/liu-weidong"),
                                        ("一带一路\"科技合作新格局", LIU)])
def test_search_finds_by_label_in_either_language(server, q, iri):
    status, h, body = get(server.url + "/search?format=json&q=" + urllib.parse.quote(q))
    assert status == 200 and h.get_content_type() == "application/json"
    hits = json.loads(body)["results"]
    assert hits[0]["iri"] == iri
    html = get(server.url + "/search?q=" + urllib.parse.quote(q))[2].decode()
    assert f'href="/id/{iri[len(BRID):]}"' in html


def test_search_failures(server):
    assert json.loads(get(server.url + "/search?format=json&q=zzzz-nothing")[2])["results"] == []
    status, _, body = get(server.url + "/search?q=" + "x" * 201, {"Accept": "application/json"})
    assert status == 400 and json.loads(body)["error"] == "bad-request"


def test_validation_report_of_the_served_generation(built_store):
    from support import LiveServer

    server = LiveServer(built_store)
    try:
        status, h, body = get(server.url + "/validation")
        assert status == 200 and h.get_content_type() == "text/html"
        assert b'id="conforms">conforms<' in body
        status, h, body = get(server.url + "/validation", {"Accept": "text/turtle"})
        assert status == 200 and h.get_content_type() == "text/turtle"
        gen = (built_store / "current").resolve()
        assert body == (gen.parent / (gen.name + ".report.ttl")).read_bytes()
        g = Graph().parse(data=body, format="turtle")
        assert (None, URIRef("http://www.w3.org/ns/shacl#conforms"), Literal(True)) in g
        status, h, body = get(server.url + "/validation?format=text")
        assert status == 200 and body.startswith(b"The graph conforms")
        assert get(server.url + "/validation", {"Accept": "image/png"})[0] == 406
    finally:
        server.stop()


def test_validation_without_a_report_is_404(server):
    """The evidence fixture published a generation with no SHACL report beside it."""
    status, h, body = get(server.url + "/validation", {"Accept": "application/json"})
    assert status == 404 and "no SHACL report was written" in json.loads(body)["message"]


def test_evidence_names_its_section(server):
    html = get(server.url + LIU_PATH + "/section/2.1.1")[2].decode()
    section = html[html.index('id="evidence"'):]
    assert f'<blockquote class="quote">{QUOTE_211}</blockquote>' in section
    assert f'href="{LIU_PATH}/section/2.1.1"' in section and "2.1.1 我国政府部门与共建国家的合作" in section
    assert f'<span class="paper"><a href="{LIU_PATH}"' in section
    # evidence held by blank nodes is part of the RDF description too
    _, _, body = get(server.url + LIU_PATH + "/section/2.1.1", {"Accept": "application/n-triples"})
    assert QUOTE_211.encode() in body


def test_the_incoming_query_fetches_one_more_than_shown():
    from service import pages

    assert pages._IN.split("LIMIT")[1].split()[0] == str(pages.MAX_INCOMING + 1)
