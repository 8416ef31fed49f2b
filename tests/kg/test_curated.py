"""Curated facts: loaded with evidence, and every curation mistake named precisely."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from kg.build import build
from kg.curated import DATA_DIR, CurationError
from kg.store import OxigraphStore


@pytest.fixture
def data(tmp_path):
    dst = tmp_path / "data"
    shutil.copytree(DATA_DIR, dst)
    return dst


def _write_fact(data, body: str) -> None:
    (data / "papers" / "zz-test.yaml").write_text(
        "paper: wang-2024-enhancing-belt-road-science\nfacts:\n" + body, encoding="utf-8")


def test_evidence_links_fact_quote_section_and_file(built_store):
    rows = OxigraphStore(built_store).select("""
        PREFIX bri: <https://w3id.org/brikg/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?exact ?num ?file WHERE {
          ?anso skos:altLabel "ANSO" . ?st a rdf:Statement ; rdf:subject ?anso ; rdf:predicate bri:foundingYear ;
            bri:hasEvidence ?ev . ?ev oa:hasTarget ?t . ?t oa:hasSelector/oa:exact ?exact ;
            oa:hasScope/bri:sectionNumber ?num ; oa:hasSource/bri:fileName ?file }""".replace(
        "SELECT", "PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> SELECT"))
    assert [(r["exact"].value, r["num"].value, r["file"].value) for r in rows] == [
        ("2018年发起成立了“一带一路”国际科学组织联盟（ANSO）", "1.1", "002_f9594c47cfd90dc1.txt")]


@pytest.mark.parametrize("body,message", [
    ('  - about: org/anso\n    section: "1.1"\n    quote: ANSO was founded on the Moon\n'
     '    set: {foundingYear: 2018}\n',
     "zz-test.yaml:3: the quote of fact 'org/anso' is not in the paper's text: 'ANSO was founded on the Moon'"),
    ('  - about: org/anso\n    section: "9.9"\n    quote: 目前已有 67 家机构会员\n',
     "zz-test.yaml:3: fact 'org/anso' names section '9.9'"),
    ('  - about: org/anso\n    section: "1.1"\n    quote: 目前已有 67 家机构会员\n    set: {foundingYeer: 2018}\n',
     "zz-test.yaml:3: property 'foundingYeer' is not a term of the ontology"),
    ('  - about: org/nowhere\n    section: "1.1"\n    quote: 目前已有 67 家机构会员\n',
     "zz-test.yaml:3: 'org/nowhere' is used but not defined"),
    ('  - about: org/anso\n    section: "1.1"\n    quote: 目前已有 67 家机构会员\n    set: {foundingYear: soon}\n',
     "zz-test.yaml:3: 'soon' is not a valid value"),
    ('  - about: org/anso\n   bad: [indent\n', "zz-test.yaml:"),
])
def test_curation_mistakes_are_named(data, tmp_path, corpus, body, message):
    _write_fact(data, body)
    with pytest.raises(CurationError) as exc:
        build(corpus, tmp_path / "s", data_dir=data, progress=lambda _: None)
    assert message in str(exc.value)


@pytest.mark.parametrize("body,expected", [
    # the loader refuses it: the quote is not in the paper
    ('  - about: org/anso\n    section: "1.1"\n    quote: a quote that is nowhere\n',
     ["zz-test.yaml:3", "a quote that is nowhere"]),
    # the loader accepts it, the SHACL gate refuses it: a share above 100 percent
    ('  - node: stat/zz-share\n    type: Share\n    section: "1.1"\n    quote: 目前已有 67 家机构会员\n'
     '    set: {value: 670, unit: percent, measures: indicator/member-organizations}\n',
     ["The graph does not conform: 1 violation(s)", "brish:ShareShape (Share)",
      "brid:stat/zz-share  [from ", "zz-test.yaml:3]",
      "[Violation] bri:value: A share is a percentage between 0 and 100. (value: '670')"]),
], ids=["curation-error", "shacl-violation"])
def test_broken_fact_fails_the_build_and_the_server_keeps_the_previous_graph(live_server, data, corpus, body,
                                                                             expected):
    import urllib.parse
    import urllib.request

    _write_fact(data, body)
    served = os.readlink(live_server.store / "current")
    ask = live_server.sparql + "?query=" + urllib.parse.quote(
        "ASK { ?s <http://www.w3.org/2004/02/skos/core#altLabel> \"ANSO\" }")
    proc = subprocess.run([sys.executable, "-m", "service.cli", "build", "--corpus", str(corpus), "--store",
                           str(live_server.store), "--data", str(data)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    for text in expected:
        assert text in proc.stderr, proc.stderr
    assert "nothing was published" in proc.stderr
    assert os.readlink(live_server.store / "current") == served
    with urllib.request.urlopen(ask, timeout=30) as r:
        assert b"true" in r.read()
    broken = live_server.sparql + "?query=" + urllib.parse.quote(
        "ASK { <https://w3id.org/brikg/id/stat/zz-share> ?p ?o }")
    with urllib.request.urlopen(broken, timeout=30) as r:  # the previous graph, without the broken fact
        assert b"false" in r.read()
