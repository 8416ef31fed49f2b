"""The automatic loader: gazetteer, quantities, tables, and a paper none of the curators has seen."""

from __future__ import annotations

import shutil
from decimal import Decimal

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import PROV

from kg import iris
from kg.build import assemble
from kg.curated import CURATION_AGENT
from kg.evaluate import evaluate_dataset
from kg.extract.auto import AUTO_ACTIVITY, AUTO_AGENT, OA, auto_graph
from kg.extract.gazetteer import Gazetteer
from kg.extract.quantities import find_quantities
from kg.extract.tables import find_tables
from kg.ns import BRI, BRID

NEW_PAPER = """借鉴国际经验推进"一带一路"科技合作的若干思考

张 明1 李 华2

1 某大学公共管理学院 北京 100000
2 某研究院 上海 200000

摘要 本文讨论"一带一路"科技创新合作的进展与对策。中国科学院与巴基斯坦开展了长期合作,
丝路基金为共建项目提供了资金支持。本文在此基础上提出若干建议,供有关部门参考,以期推动合作高质量发展。

关键词 "一带一路";科技合作;国际组织

Reflections on science cooperation under the Belt and Road Initiative

Abstract This paper reviews cooperation of the Chinese Academy of Sciences (CAS) with partner countries
and proposes measures for funds and alliances.

Keywords Belt and Road Initiative; science cooperation

1 合作进展

截至2023年,中国科学院在共建国家建设了12个海外科教中心,支持联合研究项目3 215项,累计投入约45.6亿元。
丝路基金承诺投资超过400亿美元,其中科技类项目占比16.2%。

2 Observations in English

ANSO has more than 60 member organizations in 40 countries. The fund committed $3.5 billion to 25-30 projects.

表1 合作项目统计

序号\t领域\t项目数(项)\t占比(%)
1\t生命健康\t1 204\t37.5
2\t粮食安全\t815\t25.3

3 对策建议

建议依托"一带一路"国际科学组织联盟(ANSO)吸引150余家机构参与。
"""


@pytest.fixture(scope="module")
def with_new_paper(tmp_path_factory, corpus):
    """The three papers plus one written for this test, assembled as a build would (no store)."""
    folder = tmp_path_factory.mktemp("auto") / "papers"
    shutil.copytree(corpus, folder)
    (folder / "900_new_paper.txt").write_text(NEW_PAPER, encoding="utf-8")
    (folder / "901_broken.txt").write_bytes(b"\x00\x01binary")
    ds, papers, nfiles, bad = assemble(folder, keep_going=True)
    return ds, papers, bad


def _new_slug(papers: list[str]) -> str:
    known = ("wang-2024", "liu-2023", "zheng-")
    slugs = [p.rsplit("/", 1)[-1] for p in papers]
    (slug,) = [s for s in slugs if not s.startswith(known)]
    return slug


# --- the new paper -----------------------------------------------------------------------------


def test_new_paper_is_read_and_the_broken_file_is_reported_by_name(with_new_paper):
    _ds, papers, bad = with_new_paper
    assert len(papers) == 4
    assert [e.path.rsplit("/", 1)[-1] for e in bad] == ["901_broken.txt"]


def test_new_paper_mentions_known_entities_in_both_languages(with_new_paper):
    ds, papers, _ = with_new_paper
    g = ds.graph(auto_graph(_new_slug(papers)))
    found = {(str(b).removeprefix(BRID), _section(g, a)) for a in g.subjects(OA.motivatedBy, OA.identifying)
             for b in g.objects(a, OA.hasBody)}
    assert ("org/chinese-academy-of-sciences", "1") in found  # 中国科学院 (longest match, not China)
    assert ("fund/silk-road-fund", "1") in found  # 丝路基金
    assert ("org/anso", "2") in found  # the acronym ANSO in English text
    assert ("org/anso", "3") in found  # its Chinese name
    assert ("country/pakistan", None) in found  # abstract: front matter has no section
    assert ("initiative/belt-and-road-initiative", None) in found  # English title
    assert "country/china" not in {e for e, s in found if s == "1"}  # 中国科学院 is not 中国


def _section(g, node) -> str | None:
    scope = next((s for t in g.objects(node, OA.hasTarget) for s in g.objects(t, OA.hasScope)), None)
    return str(scope).rsplit("/section/", 1)[-1] if scope else None


def _stats(g) -> set[tuple]:
    out = set()
    for s in g.subjects(PROV.wasGeneratedBy, AUTO_ACTIVITY):
        if g.value(s, BRI.value) is None:
            continue
        ev = g.value(s, BRI.hasEvidence)
        out.add((Decimal(str(g.value(s, BRI.value))), _opt(g.value(s, BRI.unit)), _opt(g.value(s, BRI.unitMultiplier)),
                 _opt(g.value(s, BRI.currency)), _opt(g.value(s, BRI.valueQualifier)), _section(g, ev)))
    return out


def _opt(v) -> str | None:
    return None if v is None else str(v)


def test_new_paper_quantities_become_candidate_statistics(with_new_paper):
    ds, papers, _ = with_new_paper
    stats = _stats(ds.graph(auto_graph(_new_slug(papers))))
    expected = {
        (Decimal(12), "item", None, None, None, "1"),  # 12个海外科教中心
        (Decimal(3215), "item", None, None, None, "1"),  # 3 215项 (thin-space group)
        (Decimal("45.6"), None, "100000000", "CNY", "approximately", "1"),  # 约45.6亿元
        (Decimal(400), None, "100000000", "USD", "moreThan", "1"),  # 超过400亿美元
        (Decimal("16.2"), "percent", None, None, None, "1"),
        (Decimal(60), "organization", None, None, "moreThan", "2"),  # more than 60 member organizations
        (Decimal(40), "country", None, None, None, "2"),
        (Decimal("3.5"), None, "1000000000", "USD", None, "2"),  # $3.5 billion
        (Decimal(25), "project", None, None, "atLeast", "2"),  # 25-30 projects: a range, two bounds
        (Decimal(30), "project", None, None, "atMost", "2"),
        (Decimal(150), "organization", None, None, "moreThan", "3"),  # 150余家
        (Decimal(1204), "item", None, None, None, "2"),  # table cells, unit from the header 项目数(项)
        (Decimal(815), "item", None, None, None, "2"),
        (Decimal("37.5"), "percent", None, None, None, "2"),
    }
    assert expected <= stats, sorted(expected - stats)
    assert not any(v in (Decimal(2023), Decimal(1), Decimal(2)) for v, *_ in stats)  # years, row numbers


def test_new_paper_table_is_in_the_graph(with_new_paper):
    ds, papers, _ = with_new_paper
    slug = _new_slug(papers)
    g = ds.graph(auto_graph(slug))
    table = iris.sub(iris.paper(slug), "table", "1")
    assert (table, RDF.type, URIRef("http://purl.org/spar/doco/Table")) in g
    assert str(g.value(table, URIRef("http://purl.org/dc/terms/title"))) == "合作项目统计"
    assert g.value(table, URIRef("https://schema.org/numberOfItems")).toPython() == 2
    cells = [s for s in g.subjects(PROV.wasDerivedFrom, table)]
    assert len(cells) == 4


def test_candidates_carry_evidence_and_provenance_and_stay_out_of_the_paper_graph(with_new_paper):
    ds, papers, _ = with_new_paper
    slug = _new_slug(papers)
    g = ds.graph(auto_graph(slug))
    text = " ".join(NEW_PAPER.split())
    for ev in g.subjects(RDF.type, BRI.Evidence):
        assert (ev, PROV.wasAttributedTo, AUTO_AGENT) in g and (ev, PROV.wasGeneratedBy, AUTO_ACTIVITY) in g
        exact = str(next(g.objects(next(g.objects(next(g.objects(ev, OA.hasTarget)), OA.hasSelector)), OA.exact)))
        assert 2 <= len(exact) <= 120
        assert exact.replace(" ", "") in text.replace(" ", "")
    paper_graph = ds.graph(iris.paper_graph(slug))
    assert not set(paper_graph.subjects(PROV.wasGeneratedBy, AUTO_ACTIVITY))
    # curated evidence is never attributed to the automatic loader, and the reverse
    for g2 in ds.graphs():
        if "/graph/paper/" in str(g2.identifier):
            assert not set(g2.subjects(PROV.wasAttributedTo, AUTO_AGENT))
        if "/graph/auto/" in str(g2.identifier):
            assert not set(g2.subjects(PROV.wasAttributedTo, CURATION_AGENT))


def test_build_metadata_names_each_loader(with_new_paper):
    ds, papers, _ = with_new_paper
    meta = ds.graph(iris.BUILD_GRAPH)
    activities = {str(a).removeprefix(BRID) for a in meta.subjects(RDF.type, PROV.Activity)}
    assert {"activity/structure-extraction", "activity/curation", "activity/auto-extraction"} <= activities
    assert (AUTO_ACTIVITY, PROV.generated, auto_graph(_new_slug(papers))) in meta
    assert (AUTO_ACTIVITY, PROV.used, iris.source_text("900_new_paper.txt")) in meta
    assert meta.value(AUTO_ACTIVITY, URIRef("http://purl.org/dc/terms/hasVersion")) is not None


def test_extraction_scores_are_measured(with_new_paper):
    ds, _papers, _ = with_new_paper
    ev = evaluate_dataset(ds)
    assert ev.mentions.gold > 300 and ev.quantities.gold > 50
    for s in (ev.mentions, ev.quantities):
        assert 0.5 < s.precision <= 1 and 0.5 < s.recall <= 1


# --- the parts ----------------------------------------------------------------------------------


def test_an_odd_paper_gives_no_candidates_but_never_an_error(tmp_path, corpus):
    folder = tmp_path / "papers"
    shutil.copytree(corpus, folder)
    odd = "\t\t\t\n" * 50 + "表1\n" + "1\t2\t3\n" * 40 + "1 " * 300 + "\n3 838 838 838项 ％ 亿元 $ billion"
    (folder / "902_odd.txt").write_text(odd, encoding="utf-8")
    ds, papers, _n, bad = assemble(folder, keep_going=True)
    assert bad == [] and len(papers) == 4


@pytest.mark.parametrize(("text", "value", "unit", "mult", "currency", "qual"), [
    ("合作申请专利共计7061件。", "7061", "item", "1", None, None),
    ("累计发文量达 235 651篇", "235651", "paper", "1", None, None),
    ("累计投入29.9 亿元", "29.9", None, "100000000", "CNY", None),
    ("分别为 177.9 亿美元", "177.9", None, "100000000", "USD", None),
    ("成立了150余家联盟", "150", "organization", "1", None, "moreThan"),
    ("与20多个国家", "20", "item", "1", None, "moreThan"),
    ("超过100件", "100", "item", "1", None, "moreThan"),
    ("1.2万篇", "1.2", "paper", "10000", None, None),
    ("占比16.2%", "16.2", "percent", "1", None, None),
    ("more than 160 countries", "160", "country", "1", None, "moreThan"),
    ("over 1,000 talent exchange", "1000", "person", "1", None, "moreThan"),
    ("USD 2.5 million", "2.5", None, "1000000", "USD", None),
    ("40 billion yuan", "40", None, "1000000000", "CNY", None),
    ("about 45 percent", "45", "percent", "1", None, "approximately"),
])
def test_quantities(text, value, unit, mult, currency, qual):
    (q,) = find_quantities(text)
    assert (q.value, q.unit, q.multiplier, q.currency, q.qualifier) == (Decimal(value), unit, Decimal(mult),
                                                                         currency, qual)


@pytest.mark.parametrize("text", ["2013年提出", "in 2013 projects were", "第 2 位", "2 国际科技组织", "图1 表2",
                                  "1 Institute of Geographic Sciences", "Volume 38 | Issue 9 Article 3"])
def test_numbers_without_a_unit_are_not_quantities(text):
    assert find_quantities(text) == []


def test_gazetteer_longest_match_case_and_word_boundaries():
    cas, china, bri = URIRef("x:cas"), URIRef("x:china"), URIRef("x:bri")
    gaz = Gazetteer({"中国科学院": {cas}, "CAS": {cas}, "Chinese Academy of Sciences": {cas}, "中国": {china},
                     "Belt and Road Initiative": {bri}, "“一带一路”": {bri}})
    found = [(m.surface, m.entity) for m in gaz.find('中国科学院与中国在"一带一路"框架下合作')]
    assert found == [("中国科学院", cas), ("中国", china), ('"一带一路"', bri)]
    found = [m.entity for m in gaz.find("the chinese academy of sciences and the belt and road initiative")]
    assert found == [cas, bri]
    assert gaz.find("these cases and the Cas9 enzyme") == []  # acronyms: exact case, whole words
    assert [m.surface for m in gaz.find("(CAS) and CAS-led")] == ["CAS", "CAS"]


def test_tables_caption_below_rows_and_unit_from_header():
    text = "\n".join(["正文。", "", "\t分类号\t专利数量(件)\t含义", "1\tC40\t3 838\t仪器仪表制造业",
                      "2\tC39\t3 497\t计算机", "", "表3 合作专利的行业分布", "", "Table 3 Industrial distribution"])
    (t,) = find_tables(text)
    assert t.number == "3" and t.captions == {"zh": "合作专利的行业分布", "en": "Industrial distribution"}
    assert t.header == ["", "分类号", "专利数量(件)", "含义"] and len(t.rows) == 2
    assert t.column_units() == {2: "件"}
    assert find_tables("a\tb\nc\td\n") == []  # tab lines without a caption are layout


def test_literal_types_are_decimal(with_new_paper):
    ds, papers, _ = with_new_paper
    g = ds.graph(auto_graph(_new_slug(papers)))
    values = list(g.objects(None, BRI.value))
    assert values and all(isinstance(v, Literal) and str(v.datatype).endswith("#decimal") for v in values)
