"""The `brikg` command as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import rdflib

from kg import __version__


def brikg(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "service.cli", *args], capture_output=True, text=True,
                          timeout=120, env=env)


def test_version():
    r = brikg("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"brikg {__version__}"


@pytest.mark.parametrize("cmd", ["build", "serve", "validate", "query", "export"])
def test_help_of_each_subcommand(cmd):
    r = brikg(cmd, "--help")
    assert r.returncode == 0
    assert f"usage: brikg {cmd}" in r.stdout and "--store" in r.stdout
    assert "BRIKG_STORE" in r.stdout


def test_query_prints_a_table(built_store):
    r = brikg("query", "--store", str(built_store),
              "PREFIX bri: <https://w3id.org/brikg/ontology#> SELECT ?p WHERE { ?p a bri:Paper } ORDER BY ?p")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].strip() == "p" and set(lines[1]) == {"-"}
    assert [x.rstrip() for x in lines[2:]] == ["brid:paper/liu-2023-research-science-technology-cooperation",
                         "brid:paper/wang-2024-enhancing-belt-road-science",
                         "brid:paper/zheng-reflections-conducting-international-scientific"]


def test_query_from_a_file_in_csv(built_store, tmp_path):
    f = tmp_path / "q.rq"
    f.write_text("PREFIX bri: <https://w3id.org/brikg/ontology#>\nSELECT (COUNT(?p) AS ?n) WHERE { ?p a bri:Paper }")
    r = brikg("query", "--store", str(built_store), "--format", "csv", str(f))
    assert r.returncode == 0 and r.stdout.splitlines() == ["n", "3"]


def test_query_syntax_error_names_the_position(built_store):
    r = brikg("query", "--store", str(built_store), "SELECT * WHERE { ?s ?p }")
    assert r.returncode == 1
    assert "error at 1:25" in r.stderr and "Traceback" not in r.stderr


def test_validate_exits_0_and_writes_json(built_store, tmp_path):
    out = tmp_path / "report.json"
    r = brikg("validate", "--store", str(built_store), "--format", "json", "--out", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert doc["conforms"] is True and doc["violations"] == 0


@pytest.mark.parametrize("fmt,parser", [("turtle", "turtle"), ("ntriples", "nt"), ("nquads", "nquads"),
                                        ("trig", "trig"), ("jsonld", "json-ld"), ("rdfxml", "xml")])
def test_export_formats_parse_back(built_store, tmp_path, fmt, parser):
    out = tmp_path / f"dump.{fmt}"
    r = brikg("export", "--store", str(built_store), "--format", fmt, "--out", str(out))
    assert r.returncode == 0, r.stderr
    if parser in ("nquads", "trig"):
        ds = rdflib.Dataset()
        ds.parse(out, format=parser)
        assert len([g for g in ds.graphs() if "/graph/paper/" in str(g.identifier)]) == 3
    else:
        g = rdflib.Graph().parse(out, format=parser)
        assert len(g) > 1000


def test_commands_without_a_store_say_how_to_build(tmp_path):
    r = brikg("query", "--store", str(tmp_path / "none"), "ASK {}")
    assert r.returncode == 1
    assert "no graph has been built" in r.stderr and "brikg build" in r.stderr


def test_default_store_comes_from_the_environment(built_store):
    import os

    env = {**os.environ, "BRIKG_STORE": str(built_store)}
    q = "SELECT (COUNT(*) AS ?n) WHERE { ?s a <https://w3id.org/brikg/ontology#Paper> }"
    r = brikg("query", "--format", "csv", q, env=env)
    assert r.returncode == 0 and r.stdout.splitlines()[1] == "3"
