"""The query guard: limits by name, SERVICE and LOAD only to the allow-list."""

from __future__ import annotations

import pytest

from kg.errors import QueryRefused
from kg.guard import Limits, check, normalize_endpoint, profile


def test_profile_ignores_keywords_in_strings_and_comments():
    prof = profile('SELECT * WHERE { ?s ?p "SERVICE <http://x/>" } # SERVICE <http://y/>')
    assert prof.services == [] and prof.form == "SELECT"


def test_service_target_resolved_through_prefix_and_base():
    prof = profile("BASE <http://a.example/> PREFIX e: <http://b.example/> "
                   "SELECT * { SERVICE e:q { ?s ?p ?o } SERVICE SILENT <rel> { ?s ?p ?o } }")
    assert prof.services == ["http://b.example/q", "http://a.example/rel"]


@pytest.mark.parametrize("target", [
    "<http://127.0.0.1:9/sparql>", "<http://localhost/sparql>", "<http://2130706433/>", "<http://0x7f.1/>",
    "<http://[::1]/>", "<file:///etc/passwd>", "?endpoint", "unknown:prefix",
])
def test_service_refused_unless_allowed(target):
    with pytest.raises(QueryRefused) as exc:
        check(f"SELECT * {{ SERVICE {target} {{ ?s ?p ?o }} }}", Limits())
    assert exc.value.limit == "service_allowlist"


def test_service_allowed_after_normalization():
    q = "SELECT * { SERVICE <HTTP://LocalHost:80/sparql> { ?s ?p ?o } }"
    assert check(q, Limits(service_allowlist=("http://localhost/sparql",))).services
    assert normalize_endpoint("https://Example.org:443/x#frag") == "https://example.org/x"


def test_load_of_a_local_file_is_always_refused():
    with pytest.raises(QueryRefused) as exc:
        check("LOAD <file:///etc/passwd>", Limits(service_allowlist=("file:///etc/passwd",)))
    assert exc.value.limit == "load"


@pytest.mark.parametrize("query,limit", [
    ("SELECT * {" + "{" * 100 + "}" * 100 + "}", "max_depth"),
    ("SELECT (" + "STR(" * 200 + "?x" + ")" * 200 + " AS ?y) {}", "max_depth"),
    ("SELECT * {" + " ".join(f"BIND({i} AS ?v{i})" for i in range(600)) + "}", "max_binds"),
    ("SELECT * {" + " . ".join(f"?s <http://p/{i}> ?o" for i in range(2500)) + "}", "max_triple_patterns"),
    ("SELECT * { ?s ?p ?o FILTER(" + " || ".join(f"?o = {i}" for i in range(1500)) + ") }", "max_operators"),
    ("SELECT * {" + "?s ?p ?o . " * 20000 + "}", "max_bytes"),
])
def test_each_limit_is_named(query, limit):
    with pytest.raises(QueryRefused) as exc:
        check(query, Limits())
    assert exc.value.limit == limit
    assert limit in str(exc.value)


def test_ordinary_query_passes():
    prof = check("PREFIX bri: <https://w3id.org/brikg/ontology#> SELECT ?p WHERE { ?p a bri:Paper } LIMIT 3",
                 Limits())
    assert prof.form == "SELECT" and prof.triple_patterns == 1 and prof.depth == 1


@pytest.mark.parametrize("query", [
    "SELECT * { ?s ?p ?o # ends at a carriage return\r SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "PREFIX : <http://e/> SELECT * { ?s ?p :a\\#\n SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE:x { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { SERVICE SILENT:x { ?s ?p ?o } }",
    "PREFIX : <http://127.0.0.1:9/> SELECT * { ?s ?p trueSERVICE:x { ?s ?p ?o } }",
    "SELECT * { ?s ?p true SERVICESILENT<http://127.0.0.1:9/>{ ?s ?p ?o } }",
    "SELECT * { FILTER(true)SERVICE<http://127.0.0.1:9/>{ ?s ?p ?o } }",
    "SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
    "SELECT * { SERVICE <http://[::1/> { ?s ?p ?o } }",
    "SELECT * { SERVICE <http://127.0.0.1:99999/> { ?s ?p ?o } }",
    "SELECT * { SERVICE",
])
def test_spellings_that_fool_a_naive_lexer_are_refused(query):
    """Each of these (but the last three) makes the engine open a connection when run unguarded."""
    with pytest.raises(QueryRefused) as exc:
        check(query, Limits(service_allowlist=("http://allowed.example/sparql",)))
    assert exc.value.limit == "service_allowlist"


@pytest.mark.parametrize("query,limit", [
    ("SELECT * {" + "{?a ?b ?c}" * 3000 + "}", "max_triple_patterns"),
    ("SELECT * { ?s ?p (" + "1 " * 3000 + ") }", "max_triple_patterns"),
    ("SELECT * {" + " UNION ".join(["{}"] * 3000) + "}", "max_triple_patterns"),
    ("SELECT * { ?s ?p ?o " + "FILTER(1)" * 3000 + "}", "max_triple_patterns"),
    ("SELECT * { ?s " + "|".join(["<http://e/p>"] * 3000) + " ?o }", "max_operators"),
])
def test_shapes_that_crash_the_engine_count_against_a_limit(query, limit):
    with pytest.raises(QueryRefused) as exc:
        check(query, Limits())
    assert exc.value.limit == limit


def test_values_rows_and_function_arguments_are_not_collections():
    prof = check("SELECT * { VALUES (?a ?b) { (1 2) (3 4) } FILTER(CONCAT(?a, ?b) != '') }", Limits())
    assert prof.triple_patterns < 10 and prof.services == []


def test_a_prefix_named_like_the_keyword_is_still_a_prefix_declaration():
    prof = profile("PREFIX service: <http://e/> SELECT * { ?s ?p ?o }")
    assert prof.services == []


def test_the_guard_stops_early_on_deep_nesting():
    q = "SELECT * " + "{" * 40_000 + "}" * 40_000
    with pytest.raises(QueryRefused) as exc:
        check(q, Limits())
    assert exc.value.limit == "max_depth" and "65 or more" in str(exc.value)


@pytest.mark.parametrize(("query", "names"), [
    ("SELECT * { ?s ?p ?o }", False),
    ('SELECT * { ?s ?p "GRAPH ?g" } # FROM <x:y>', False),  # in a string and a comment: nothing
    ("SELECT * { GRAPH ?g { ?s ?p ?o } }", True),
    ("select * { graph <x:g> { ?s ?p ?o } }", True),
    ("SELECT * FROM <x:g> { ?s ?p ?o }", True),
    ("SELECT * FROM NAMED <x:g> { ?s ?p ?o }", True),
    ("PREFIX graph: <x:> SELECT * { ?s graph:p ?o }", False),  # a prefix called graph is no GRAPH
])
def test_profile_says_whether_the_query_names_graphs(query, names):
    assert profile(query).names_graphs is names


@pytest.mark.parametrize(("query", "volatile"), [
    ("SELECT * { ?s ?p ?o }", False),
    ("SELECT (RAND() AS ?r) {}", True),
    ("select (now() as ?t) {}", True),
    ("SELECT (UUID() AS ?u) (STRUUID() AS ?v) {}", True),
    ("CONSTRUCT { ?s <x:p> ?b } WHERE { ?s ?p ?o BIND(BNODE() AS ?b) }", True),
    ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", True),
    ('SELECT * { ?s ?p "RAND() NOW()" } # UUID()', False),  # in a string and a comment: nothing
    ("PREFIX now: <x:> SELECT ?rand { ?rand now:p ?uuid }", False),  # names, not functions
    ("SELECT (\\u0052AND() AS ?r) {}", True),  # an escaped keyword is still the keyword
])
def test_profile_says_whether_two_runs_may_differ(query, volatile):
    assert profile(query).volatile is volatile


def test_escaped_graph_keyword_still_names_graphs():
    assert profile("SELECT * { \\u0047RAPH ?g { ?s ?p ?o } }").names_graphs is True
