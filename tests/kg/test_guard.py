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
    assert prof.form == "SELECT" and prof.triple_patterns == 0 and prof.depth == 1
