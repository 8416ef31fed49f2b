"""Federation between two local instances, and SERVICE refused outside the allow-list.

Instance A serves the three papers. Instance B holds only a reading list (two paper IRIs) and
may call A: `--allow-service <A>/sparql`. A query on B joins its list with the titles A holds.
A SERVICE to any other address is refused before the engine sees it: a listening socket
records that no connection is ever attempted.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from support import LiveServer, server_pair

pytestmark = pytest.mark.e2e

EX = "https://example.org/reading-list#"
LIU_2023 = "https://w3id.org/brikg/id/paper/liu-2023-research-science-technology-cooperation"
LIU_2023_TITLE = "Research on science and technology cooperation pattern of the Belt and Road Initiative"
WANG_2024_TITLE = ("Enhancing Belt and Road science, technology, and innovation cooperation by leveraging "
                   "insights from operational models of international scientific and technological organizations")


def sparql(endpoint: str, query: str) -> tuple[int, dict]:
    url = endpoint + "?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json, application/json"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


@pytest.fixture(scope="module")
def instances(tmp_path_factory, built_store):
    """(A, B): A the papers, B a reading list allowed to federate to A."""
    import shutil

    from kg.store import publish
    from kg.validate import check_store

    root = tmp_path_factory.mktemp("federation")
    a_store = root / "a" / "store"
    shutil.copytree(built_store, a_store, symlinks=True)
    a = LiveServer(a_store)
    rows = sparql(a.sparql, "SELECT ?p WHERE { ?p a <https://w3id.org/brikg/ontology#Paper> } ORDER BY ?p")[1]
    papers = [b["p"]["value"] for b in rows["results"]["bindings"]]
    wang = next(p for p in papers if "wang-2024" in p)
    assert LIU_2023 in papers

    def fill(store: ox.Store) -> None:
        g = ox.NamedNode(EX + "graph")
        for p in (LIU_2023, wang):
            store.add(ox.Quad(ox.NamedNode(p), ox.NamedNode(EX + "onList"), ox.Literal(True), g))

    b_store = root / "b" / "store"
    publish(b_store, fill, check_store)
    with server_pair(a, lambda: LiveServer(b_store, "--allow-service", a.sparql)) as pair:
        yield pair


def test_federated_query_returns_the_joined_answer(instances):
    a, b = instances
    query = f"""
        PREFIX dcterms: <http://purl.org/dc/terms/>
        SELECT ?title WHERE {{
          ?paper <{EX}onList> true .
          SERVICE <{a.sparql}> {{ ?paper dcterms:title ?title . FILTER(LANG(?title) = "en") }}
        }} ORDER BY ?title"""
    status, doc = sparql(b.sparql, query)
    assert status == 200, doc
    assert [r["title"]["value"] for r in doc["results"]["bindings"]] == [WANG_2024_TITLE, LIU_2023_TITLE]
    # B alone has no titles: the answer needed A
    status, doc = sparql(b.sparql, "SELECT ?t WHERE { ?p <http://purl.org/dc/terms/title> ?t }")
    assert status == 200 and doc["results"]["bindings"] == []


class Listener:
    """A loopback socket that counts every connection made to it."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.mark.parametrize("target", [
    "<http://127.0.0.1:{port}/sparql>",
    "<http://localhost:{port}/sparql>",
    "<http://127.0.0.1:{port}/sparql?x=1>",
    "?endpoint",
])
def test_service_outside_the_allow_list_is_refused_without_a_connection(instances, listener, target):
    _, b = instances
    service = target.format(port=listener.port)
    values = f"VALUES ?endpoint {{ <http://127.0.0.1:{listener.port}/sparql> }}"
    query = f"SELECT * WHERE {{ {values} SERVICE {service} {{ ?s ?p ?o }} }}"
    status, doc = sparql(b.sparql, query)
    assert status == 400
    assert (doc["error"], doc["limit"]) == ("query-refused", "service_allowlist")
    time.sleep(0.3)  # a connection the engine started would have arrived by now
    assert listener.connections == 0


def test_the_default_allow_list_is_empty(instances, listener):
    a, b = instances
    for target in (b.sparql, f"http://127.0.0.1:{listener.port}/sparql"):
        status, doc = sparql(a.sparql, f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}")
        assert status == 400 and doc["limit"] == "service_allowlist"
    time.sleep(0.3)
    assert listener.connections == 0


def test_the_listener_does_count_connections(listener):
    """The witness works: a real connection to it is counted."""
    with socket.create_connection(("127.0.0.1", listener.port), timeout=5):
        pass
    deadline = time.monotonic() + 5
    while listener.connections == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert listener.connections == 1
