"""End to end: the real server in a subprocess, queried over HTTP with SPARQLWrapper."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from email.message import Message

import pytest
from SPARQLWrapper import JSON, SPARQLWrapper

PREFIXES = """
PREFIX bri: <https://w3id.org/brikg/ontology#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX prism: <http://prismstandard.org/namespaces/basic/2.0/>
PREFIX fabio: <http://purl.org/spar/fabio/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""
LIU_2023 = "Research on science and technology cooperation pattern of the Belt and Road Initiative"
WANG_2024 = ("Enhancing Belt and Road science, technology, and innovation cooperation by leveraging "
             "insights from operational models of international scientific and technological organizations")
ZHENG = ("Reflections on Conducting International Scientific and Technological Innovation Cooperation "
         "and Exchange under the Belt and Road Initiative")


def select(endpoint: str, query: str) -> list[dict[str, str]]:
    sw = SPARQLWrapper(endpoint)
    sw.setQuery(PREFIXES + query)
    sw.setReturnFormat(JSON)
    doc = sw.query().convert()
    return [{k: v["value"] for k, v in b.items()} for b in doc["results"]["bindings"]]


def http(url: str, *, data: bytes | None = None, headers: dict | None = None) -> tuple[int, Message, bytes]:
    """Status, headers (looked up case-insensitively, as HTTP defines them) and body."""
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_three_papers_from_five_files(live_server):
    rows = select(live_server.sparql, """
        SELECT ?paper (COUNT(DISTINCT ?file) AS ?files) WHERE {
          ?paper a bri:Paper ; <http://www.w3.org/ns/prov#wasDerivedFrom> ?src .
          ?src bri:fileName ?file } GROUP BY ?paper""")
    assert len(rows) == 3
    assert sorted(int(r["files"]) for r in rows) == [1, 1, 3]


def test_titles_and_dois(live_server):
    rows = select(live_server.sparql, """
        SELECT ?title ?doi WHERE { ?p a bri:Paper ; dcterms:title ?title .
          FILTER(LANG(?title) = "en") OPTIONAL { ?p prism:doi ?doi } }""")
    got = {r["title"]: r.get("doi") for r in rows}
    assert got == {
        LIU_2023: "10.16418/j.issn.1000-3045.20230713003",
        WANG_2024: None,  # the 2024 paper prints no DOI in the corpus
        ZHENG: None,
    }
    zh = select(live_server.sparql, """
        SELECT ?title WHERE { ?p a bri:Paper ; dcterms:title ?title . FILTER(LANG(?title) = "zh") }""")
    assert sorted(r["title"] for r in zh) == ['"一带一路"科技合作新格局构建研究',
                                              "借鉴国际科技组织运营模式 深化“一带一路”科技创新合作"]


def test_authors_of_the_2023_paper_in_order(live_server):
    rows = select(live_server.sparql, """
        SELECT ?pos ?en ?zh WHERE {
          ?p a bri:Paper ; prism:doi "10.16418/j.issn.1000-3045.20230713003" ; bri:hasAuthorship ?a .
          ?a bri:authorPosition ?pos ; bri:author ?person .
          ?person foaf:name ?en , ?zh . FILTER(LANG(?en) = "en" && LANG(?zh) = "zh")
        } ORDER BY ?pos""")
    assert [(int(r["pos"]), r["en"], r["zh"]) for r in rows] == [
        (1, "LIU Weidong", "刘卫东"), (2, "LI Jing", "李婧"), (3, "XIAO Guohua", "肖国华"),
        (4, "SONG Zhouying", "宋周莺"), (5, "QU Jiansheng", "曲建升"), (6, "WANG Yafeng", "汪亚峰"),
        (7, "CHEN Fahu", "陈发虎"),
    ]


def test_reference_counts(live_server):
    rows = select(live_server.sparql, """
        SELECT ?title (COUNT(?r) AS ?n) WHERE { ?p a bri:Paper ; dcterms:title ?title ; bri:hasReference ?r .
          FILTER(LANG(?title) = "en") } GROUP BY ?title""")
    assert {r["title"]: int(r["n"]) for r in rows} == {WANG_2024: 15, ZHENG: 5, LIU_2023: 9}


def test_syntax_error_is_400_with_the_parsers_message(live_server):
    q = urllib.parse.quote("SELECT * WHERE { ?s ?p }")
    status, headers, body = http(f"{live_server.sparql}?query={q}", headers={"Accept": "application/json"})
    assert status == 400
    assert headers["Content-Type"].startswith("application/json")
    doc = json.loads(body)
    assert doc["error"] == "query-syntax"
    assert (doc["line"], doc["column"]) == (1, 25)  # where the parser stopped, after "?p "
    assert "expected one of" in doc["message"]
    assert "Traceback" not in body.decode()


def test_unservable_accept_is_406(live_server):
    q = urllib.parse.quote("SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    status, _, body = http(f"{live_server.sparql}?query={q}", headers={"Accept": "image/png"})
    assert status == 406
    assert b"application/sparql-results+json" in body


@pytest.mark.parametrize("fmt,media", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
])
def test_select_formats(live_server, fmt, media):
    q = urllib.parse.quote(PREFIXES + "SELECT ?p WHERE { ?p a bri:Paper } ORDER BY ?p")
    status, headers, body = http(f"{live_server.sparql}?query={q}", headers={"Accept": fmt})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == media
    assert body.count(b"https://w3id.org/brikg/id/paper/") == 3


@pytest.mark.parametrize("fmt", ["text/turtle", "application/n-triples", "application/ld+json",
                                 "application/rdf+xml"])
def test_construct_formats_parse_back(live_server, fmt):
    import rdflib

    q = PREFIXES + "CONSTRUCT { ?p dcterms:title ?t } WHERE { ?p a bri:Paper ; dcterms:title ?t }"
    status, headers, body = http(live_server.sparql, data=q.encode(),
                                 headers={"Content-Type": "application/sparql-query", "Accept": fmt})
    assert status == 200
    assert headers["Content-Type"].split(";")[0] == fmt
    g = rdflib.Graph().parse(data=body, format={"text/turtle": "turtle", "application/n-triples": "nt",
                                                "application/ld+json": "json-ld",
                                                "application/rdf+xml": "xml"}[fmt])
    assert len(g) == 5  # three English titles, two Chinese


def test_post_form(live_server):
    data = urllib.parse.urlencode({"query": PREFIXES + "ASK { ?p a bri:Paper }"}).encode()
    status, headers, body = http(live_server.sparql, data=data, headers={
        "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/sparql-results+json"})
    assert status == 200 and b'"boolean": true' in body.replace(b'":true', b'": true')


def test_wrong_post_type_is_415(live_server):
    status, _, _ = http(live_server.sparql, data=b"ASK {}", headers={"Content-Type": "text/plain"})
    assert status == 415


def test_a_repeated_query_comes_from_the_cache_and_revalidates(live_server):
    """Through the query workers: the worker reports the generation the cache keys by."""
    url = live_server.sparql + "?" + urllib.parse.urlencode(
        {"query": PREFIXES + "SELECT (COUNT(*) AS ?cached) { ?p a bri:Paper }"})
    accept = {"Accept": "application/sparql-results+json"}
    first, second = http(url, headers=accept), http(url, headers=accept)
    assert (first[0], second[0]) == (200, 200) and second[2] == first[2]
    h1, h2 = ({k.lower(): v for k, v in r[1].items()} for r in (first, second))
    assert (h1["x-cache"], h2["x-cache"]) == ("miss", "hit")
    assert json.loads(second[2])["results"]["bindings"][0]["cached"]["value"] == "3"
    status, headers, body = http(url, headers={**accept, "If-None-Match": h1["etag"]})
    assert status == 304 and body == b"" and {k.lower(): v for k, v in headers.items()}["etag"] == h1["etag"]
    assert "cache=hit" in live_server.log.read_text()


def test_cache_off_from_the_command_line(built_store, tmp_path):
    from support import LiveServer

    server = LiveServer(built_store, "--cache-mb", "0")
    try:
        url = server.sparql + "?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
        status, headers, _ = http(url)
        headers = {k.lower(): v for k, v in headers.items()}
        assert status == 200 and "x-cache" not in headers and headers["etag"]
        assert http(url, headers={"If-None-Match": headers["etag"]})[0] == 304
    finally:
        server.stop()


@pytest.mark.parametrize("breakage", ["missing", "empty", "binary", "latin1"])
def test_broken_corpus_fails_the_build_and_the_old_graph_still_answers(live_server, tmp_path, corpus, breakage):
    import shutil

    papers = tmp_path / "papers"
    if breakage != "missing":
        shutil.copytree(corpus, papers)
        bad = papers / "009_broken.txt"
        if breakage == "empty":
            bad.write_bytes(b"")
        elif breakage == "binary":
            bad.write_bytes(b"%PDF-1.7\n\x00\x01\x02binary" * 50)
        else:
            bad.write_bytes(("Titel über Zusammenarbeit " * 30).encode("latin-1"))
    before = select(live_server.sparql, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    proc = subprocess.run(
        [sys.executable, "-m", "service.cli", "build", "--corpus", str(papers), "--store", str(live_server.store)],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    named = str(papers) if breakage == "missing" else "009_broken.txt"
    assert named in proc.stderr
    expected = {"missing": "does not exist", "empty": "empty", "binary": "binary",
                "latin1": "not UTF-8"}[breakage]
    assert expected in proc.stderr
    after = select(live_server.sparql, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert after == before
    assert int(after[0]["n"]) > 1000
