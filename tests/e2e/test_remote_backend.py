"""`brikg serve --endpoint URL`: the service in front of another SPARQL 1.1 server.

The remote server here is a second brikg on loopback (the scale-out target, Virtuoso, speaks the
same protocol). A remote graph can change at any time, so nothing is cached or given an ETag.
"""

from __future__ import annotations

import json

import pytest
from rdflib import Graph
from support import LiveServer, get_query, server_pair

pytestmark = pytest.mark.e2e

PAPERS = ("PREFIX bri: <https://w3id.org/brikg/ontology#> "
          "SELECT (COUNT(?p) AS ?n) { ?p a bri:Paper }")


@pytest.fixture(scope="module")
def servers(built_store):
    remote = LiveServer(built_store)
    with server_pair(remote, lambda: LiveServer(built_store, "--endpoint", remote.sparql)) as pair:
        yield pair


def test_answers_come_from_the_remote_server_and_are_never_kept(servers):
    remote, front = servers
    for _ in range(2):
        status, headers, body = get_query(front, PAPERS, "application/sparql-results+json")
        assert status == 200 and headers["content-type"].startswith("application/sparql-results+json")
        assert json.loads(body)["results"]["bindings"][0]["n"]["value"] == "3"
        assert "etag" not in headers and "x-cache" not in headers and headers["cache-control"] == "no-store"
    assert "etag" in get_query(remote, PAPERS, "application/sparql-results+json")[1]  # the embedded store has one


def test_a_construct_through_the_front_parses(servers):
    _, front = servers
    status, headers, body = get_query(front, "CONSTRUCT { ?p a ?c } WHERE { ?p a ?c } LIMIT 5", "text/turtle")
    assert status == 200 and headers["content-type"].startswith("text/turtle")
    assert len(Graph().parse(data=body, format="turtle")) == 5


def test_the_front_checks_queries_before_they_leave(servers):
    _, front = servers
    status, _, body = get_query(front, "SELECT * WHERE { ?s ?p", "application/json")
    assert status == 400 and json.loads(body)["error"] == "query-syntax"
    refused = get_query(front, "SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "application/json")
    assert refused[0] == 400 and json.loads(refused[2])["error"] == "query-refused"
