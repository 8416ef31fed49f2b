"""Answers kept per generation: hits, ETags and 304s, what is never kept, and a publish.

The endpoint tests run the app with Flask's test client on a private copy of the built store;
`X-Cache` says what the cache did (hit, miss, skip).
"""

from __future__ import annotations

import pytest

from kg.query import QueryOutcome
from service import create_app
from service.cache import ResultCache, etag_for

PAPERS = "PREFIX bri: <https://w3id.org/brikg/ontology#> SELECT (COUNT(?p) AS ?n) { ?p a bri:Paper }"
TOKEN = "cache-test-token"
JSON = {"Accept": "application/sparql-results+json"}


def outcome(body: bytes, generation: str = "g1") -> QueryOutcome:
    return QueryOutcome("solutions", "json", body, 1, generation)


def key(text: str) -> tuple:
    return (text, "", "", (), (), False, "http://localhost/")


# --- the cache alone ------------------------------------------------------------------------

def test_an_answer_is_found_under_its_generation_only():
    cache = ResultCache(1000, 100)
    entry = cache.put(key("q"), outcome(b"answer"), "SELECT")
    assert entry is not None and entry.etag == etag_for("g1", key("q"))
    assert cache.get("g1", key("q")) is entry
    assert cache.get("g2", key("q")) is None
    assert cache.get("g1", key("other")) is None
    assert cache.stats() == {"entries": 1, "bytes": 6, "max_bytes": 1000, "hits": 1, "misses": 2}


def test_a_new_generation_drops_every_older_answer():
    cache = ResultCache(1000, 100)
    cache.put(key("a"), outcome(b"1"), "SELECT")
    cache.put(key("b"), outcome(b"2"), "SELECT")
    cache.put(key("a"), outcome(b"3", "g2"), "SELECT")
    assert len(cache) == 1 and cache.size == 1
    assert cache.get("g1", key("b")) is None


def test_the_least_recently_used_answers_go_first_when_full():
    cache = ResultCache(10, 10)
    cache.put(key("a"), outcome(b"aaaa"), None)
    cache.put(key("b"), outcome(b"bbbb"), None)
    assert cache.get("g1", key("a")) is not None  # a is now the most recent
    cache.put(key("c"), outcome(b"cccc"), None)  # 12 bytes > 10: b goes
    assert cache.get("g1", key("b")) is None
    assert cache.get("g1", key("a")) is not None and cache.get("g1", key("c")) is not None
    assert cache.size == 8


def test_what_is_never_kept():
    cache = ResultCache(100, 5)
    assert cache.put(key("big"), outcome(b"123456"), None) is None  # over the entry limit
    assert cache.put(key("remote"), outcome(b"1", generation=""), None) is None  # no generation
    assert ResultCache(0, 0).put(key("off"), outcome(b"1"), None) is None
    assert len(cache) == 0 and cache.size == 0


def test_replacing_an_entry_keeps_the_byte_count_right():
    cache = ResultCache(100, 100)
    cache.put(key("a"), outcome(b"12345"), None)
    cache.put(key("a"), outcome(b"12"), None)
    assert cache.size == 2 and len(cache) == 1


def test_etags_differ_by_generation_and_request():
    assert etag_for("g1", key("a")) == etag_for("g1", key("a"))
    assert len({etag_for("g1", key("a")), etag_for("g2", key("a")), etag_for("g1", key("b"))}) == 3


# --- the endpoint ---------------------------------------------------------------------------

@pytest.fixture
def app(store_copy):
    return create_app({"STORE_DIR": str(store_copy), "QUERY_WORKERS": 0, "TESTING": True,
                       "UPDATE_TOKEN": TOKEN})


def count(resp) -> int:
    return int(resp.json["results"]["bindings"][0]["n"]["value"])


def test_a_repeated_query_is_answered_from_the_cache(app):
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": PAPERS}, headers=JSON)
    second = client.get("/sparql", query_string={"query": PAPERS}, headers=JSON)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.data == first.data and count(second) == 3
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Cache-Control"] == "no-cache" and second.headers["Vary"] == "Accept"
    assert second.mimetype == "application/sparql-results+json"
    # a POST of the same query is the same request for the cache
    posted = client.post("/sparql", data=PAPERS, content_type="application/sparql-query", headers=JSON)
    assert posted.headers["X-Cache"] == "hit" and posted.data == first.data


def test_each_representation_has_its_own_entry_and_etag(app):
    client = app.test_client()
    as_json = client.get("/sparql", query_string={"query": PAPERS}, headers=JSON)
    as_csv = client.get("/sparql", query_string={"query": PAPERS}, headers={"Accept": "text/csv"})
    assert as_csv.headers["X-Cache"] == "miss" and as_csv.mimetype == "text/csv"
    assert as_csv.data.decode().splitlines() == ["n", "3"]
    assert as_csv.headers["ETag"] != as_json.headers["ETag"]
    again = client.get("/sparql", query_string={"query": PAPERS}, headers={"Accept": "text/csv"})
    assert again.headers["X-Cache"] == "hit" and again.mimetype == "text/csv"


def test_a_matching_etag_gets_304_without_a_body(app):
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": PAPERS}, headers=JSON)
    etag = first.headers["ETag"]
    for _ in range(2):  # once from the cache entry
        r = client.get("/sparql", query_string={"query": PAPERS}, headers={**JSON, "If-None-Match": etag})
        assert r.status_code == 304 and r.data == b""
        assert r.headers["ETag"] == etag and r.headers["Cache-Control"] == "no-cache"
    other = client.get("/sparql", query_string={"query": PAPERS}, headers={**JSON, "If-None-Match": '"stale"'})
    assert other.status_code == 200 and count(other) == 3


def test_etags_work_with_the_cache_off(store_copy):
    app = create_app({"STORE_DIR": str(store_copy), "QUERY_WORKERS": 0, "RESULT_CACHE_BYTES": 0})
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": PAPERS}, headers=JSON)
    assert "X-Cache" not in first.headers and first.headers["ETag"]
    again = client.get("/sparql", query_string={"query": PAPERS},
                       headers={**JSON, "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert app.extensions["brikg.backend"].cache.stats()["entries"] == 0


@pytest.mark.parametrize("query", [
    "SELECT (RAND() AS ?r) {}",
    "SELECT (NOW() AS ?t) {}",
    "SELECT (STRUUID() AS ?u) {}",
])
def test_volatile_queries_are_never_kept_and_have_no_etag(app, query):
    client = app.test_client()
    for _ in range(2):
        r = client.get("/sparql", query_string={"query": query}, headers=JSON)
        assert r.status_code == 200 and r.headers["X-Cache"] == "skip"
        assert "ETag" not in r.headers and r.headers["Cache-Control"] == "no-store"
    assert len(app.extensions["brikg.backend"].cache) == 0


def test_errors_are_never_kept(app):
    client = app.test_client()
    for _ in range(2):
        r = client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p"}, headers=JSON)
        assert r.status_code == 400 and "X-Cache" not in r.headers and "ETag" not in r.headers
    assert len(app.extensions["brikg.backend"].cache) == 0


def test_a_publish_ends_every_cached_answer(app):
    notes = "SELECT (COUNT(*) AS ?n) { ?s <https://example.org/note> ?o }"
    client = app.test_client()
    before = client.get("/sparql", query_string={"query": notes}, headers=JSON)
    assert count(before) == 0
    insert = ('INSERT DATA { GRAPH <https://example.org/notes> { <https://w3id.org/brikg/id/paper/'
              'liu-2023-research-science-technology-cooperation> <https://example.org/note> "checked" } }')
    r = client.post("/sparql", data={"update": insert}, headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 204, r.data
    after = client.get("/sparql", query_string={"query": notes}, headers=JSON)
    assert after.headers["X-Cache"] == "miss" and count(after) == 1
    assert after.headers["ETag"] != before.headers["ETag"]
    old_etag = client.get("/sparql", query_string={"query": notes},
                          headers={**JSON, "If-None-Match": before.headers["ETag"]})
    assert old_etag.status_code == 200 and count(old_etag) == 1
    assert app.extensions["brikg.backend"].cache.stats()["entries"] == 1
