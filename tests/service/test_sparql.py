"""The SPARQL endpoint through Flask's test client (queries run in-process here)."""

from __future__ import annotations

import json

import pytest

from service import create_app

ASK_PAPER = "PREFIX bri: <https://w3id.org/brikg/ontology#> ASK { ?p a bri:Paper }"


@pytest.fixture
def client(built_store):
    app = create_app({"STORE_DIR": str(built_store), "QUERY_WORKERS": 0, "TESTING": True})
    return app.test_client()


def test_get_query(client):
    r = client.get("/sparql", query_string={"query": ASK_PAPER})
    assert r.status_code == 200
    assert r.mimetype == "application/sparql-results+json"
    assert r.json["boolean"] is True


def test_post_direct_and_form(client):
    r = client.post("/sparql", data=ASK_PAPER, content_type="application/sparql-query")
    assert r.status_code == 200 and r.json["boolean"] is True
    r = client.post("/sparql", data={"query": ASK_PAPER})
    assert r.status_code == 200 and r.json["boolean"] is True


def test_sparqlwrapper_parameters_are_accepted(client):
    r = client.get("/sparql", query_string={"query": ASK_PAPER, "format": "xml", "output": "xml", "results": "xml"})
    assert r.status_code == 200 and r.mimetype == "application/sparql-results+xml"
    assert b"<boolean>true</boolean>" in r.data


def test_format_override_for_graphs(client):
    q = "CONSTRUCT { ?p a ?t } WHERE { ?p a ?t } LIMIT 2"
    r = client.get("/sparql", query_string={"query": q, "format": "json"})
    assert r.status_code == 200 and r.mimetype == "application/ld+json"
    r = client.get("/sparql", query_string={"query": q, "format": "csv"})
    assert r.status_code == 406


def test_default_graph_uri_restricts_the_dataset(client):
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/brikg/ontology#Paper> }"
    all_ = client.get("/sparql", query_string={"query": q}).json
    assert all_["results"]["bindings"][0]["n"]["value"] == "3"
    one = client.get("/sparql", query_string={
        "query": q, "default-graph-uri": "https://w3id.org/brikg/id/graph/paper/liu-2023-research-science-technology-cooperation"})
    assert one.json["results"]["bindings"][0]["n"]["value"] == "1"


def test_service_description_without_query(client):
    r = client.get("/sparql", headers={"Accept": "text/turtle"})
    assert r.status_code == 200 and r.mimetype == "text/turtle"
    assert b"sd:endpoint <http://localhost/sparql>" in r.data


@pytest.mark.parametrize("kwargs,status,code", [
    ({"query_string": {"query": "SELECT * {"}}, 400, "query-syntax"),
    ({"query_string": [("query", "ASK {}"), ("query", "ASK {}")]}, 400, "query-syntax"),
    ({"query_string": {"query": "SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"}}, 400, "query-refused"),
])
def test_errors_are_json_with_a_code(client, kwargs, status, code):
    r = client.get("/sparql", headers={"Accept": "application/json"}, **kwargs)
    assert r.status_code == status
    assert r.mimetype == "application/json"
    assert json.loads(r.data)["error"] == code


def test_not_acceptable_is_406_in_plain_text(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "image/png"})
    assert r.status_code == 406 and r.mimetype == "text/plain"
    assert r.data.startswith(b"406 not-acceptable: ")


def test_wrong_content_type_is_415(client):
    r = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert r.status_code == 415


def test_update_on_a_read_only_instance_is_refused(client):
    r = client.post("/sparql", data={"update": "INSERT DATA { <a:b> <a:c> <a:d> }"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 403 and r.json["error"] == "forbidden"


def test_body_too_large_is_413(built_store):
    app = create_app({"STORE_DIR": str(built_store), "QUERY_WORKERS": 0, "MAX_CONTENT_LENGTH": 1000})
    r = app.test_client().post("/sparql", data="ASK {}" + " " * 2000, content_type="application/sparql-query")
    assert r.status_code == 413


def test_row_limit(built_store):
    app = create_app({"STORE_DIR": str(built_store), "QUERY_WORKERS": 0, "MAX_ROWS": 10})
    r = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"},
                              headers={"Accept": "application/json"})
    assert r.status_code == 400 and r.json["error"] == "result-too-large"
    assert "10 rows" in r.json["message"]


def test_no_graph_yet_is_503(tmp_path):
    app = create_app({"STORE_DIR": str(tmp_path / "empty"), "QUERY_WORKERS": 0})
    r = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/json"})
    assert r.status_code == 503 and r.json["error"] == "no-graph"


def test_home_page_lists_the_papers_escaped(client):
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    assert r.data.count(b'href="https://w3id.org/brikg/id/paper/') == 3
    assert "&#34;一带一路&#34;科技合作新格局构建研究".encode() in r.data  # the quotes are escaped


def test_cors_header_on_reads(client):
    r = client.get("/sparql", query_string={"query": "ASK {}"})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
