"""The structure extractor and the merge, against what the papers print."""

from __future__ import annotations

import pytest

from kg.corpus import SourceFile, read_corpus
from kg.extract.merge import group, merge
from kg.extract.structure import extract_structure


@pytest.fixture(scope="module")
def papers(corpus):
    files, _ = read_corpus(corpus)
    records = [extract_structure(f) for f in files]
    return {tuple(m.files): m for m in (merge(g) for g in group(records))}


def by_file(papers, prefix):
    return next(rec for files, rec in papers.items() if any(f.startswith(prefix) for f in files))


def test_files_are_grouped_into_three_papers(papers):
    assert sorted(len(files) for files in papers) == [1, 1, 3]
    wang = by_file(papers, "000")
    assert [f[:3] for f in wang.files] == ["000", "001", "002"]


def test_wang_2024_record(papers):
    rec = by_file(papers, "002")
    assert rec.titles["zh"] == "借鉴国际科技组织运营模式 深化“一带一路”科技创新合作"
    assert rec.titles["en"].startswith("Enhancing Belt and Road science, technology, and innovation")
    assert (rec.year, rec.volume, rec.issue) == ("2024", "39", "6")
    assert rec.doi is None
    authors = [(a.names["en"], a.names["zh"], a.affiliations) for a in rec.authors]
    assert authors == [("WANG Liang", "王亮", [1, 2])]
    assert [a.names for a in rec.affiliations] == [
        {"en": "Department of Philosophy, Nanjing University", "zh": "南京大学 哲学系"},
        {"en": "Overseas Cooperation Department, Jiangsu Industrial Technology Research Institute",
         "zh": "江苏省产业技术研究院 海外合作部"},
    ]
    assert [g.number for g in rec.grants] == ["JSKX24094", "BR2019037", "JS2020ZT12"]
    assert rec.keywords["zh"] == ["“一带一路”", "科技创新合作", "国际科技组织", "多边合作", "运营模式"]
    assert [s.number for s in rec.sections] == ["1", "1.1", "1.2", "1.3", "1.4", "2", "2.1", "2.2", "2.3",
                                                "2.4", "3", "3.1", "3.2", "3.3", "3.4", "4"]
    assert rec.sections[1].title == "合作机构数量发展迅速，机构之间交流不足"
    assert rec.sections[6].title == "国际科技组织通过设置专业交流平台鼓励成员互动"  # wrapped heading joined
    assert len(rec.references) == 15
    assert rec.references[13].text.startswith("Ziring L, Plano J C, Olton R.")
    # one abstract per language, although three files print the English one
    assert sorted(rec.abstracts) == ["en", "zh"]
    assert rec.abstracts["en"].endswith("project support model of international scientific and technological"
                                        " organizations.")


def test_liu_2023_record(papers):
    rec = by_file(papers, "004")
    assert rec.doi == "10.16418/j.issn.1000-3045.20230713003"
    assert (rec.year, rec.volume, rec.issue) == ("2023", "38", "9")
    assert (rec.first_page, rec.last_page) == ("1246", "1255")
    assert rec.journal == {"en": "Bulletin of Chinese Academy of Sciences", "zh": "中国科学院院刊"}
    assert [a.names["zh"] for a in rec.authors] == ["刘卫东", "李婧", "肖国华", "宋周莺", "曲建升", "汪亚峰", "陈发虎"]
    assert [a.affiliations for a in rec.authors] == [[1], [2], [2], [1], [2], [3], [3]]
    assert [a.corresponding for a in rec.authors] == [False] * 6 + [True]
    assert rec.affiliations[2].names == {"en": "Institute of Tibetan Plateau Research, Chinese Academy of Sciences",
                                         "zh": "中国科学院青藏高原研究所"}
    assert [g.number for g in rec.grants] == ["2021-LSH-SMDX-001", "ANSO-SBA-2021-09"]
    assert len(rec.sections) == 15 and rec.sections[-1].number == "3.4"
    assert rec.sections[7].title == '"一带一路"共建国家差异巨大,科技合作还未广泛有效展开'
    assert len(rec.references) == 9
    assert rec.references[8].text.endswith("Journal of International Relations, 2023, 63(3): 20-42. (in Chinese)")


def test_zheng_record(papers):
    rec = by_file(papers, "003")
    assert [(a.names["en"], a.corresponding) for a in rec.authors] == [("Liwei Zheng", False), ("Siqiao Guo", True)]
    assert rec.affiliations[0].names == {"en": "Beijing Talent Technology Co., Ltd."}
    assert rec.year is None and rec.doi is None
    numbers = [s.number for s in rec.sections]
    assert numbers[:4] == ["1", "2", "2.1", "2.1.1"] and "3.3.1" in numbers and "3.3" not in numbers
    assert len(rec.references) == 5
    assert [r.doi for r in rec.references] == [
        "10.13998/j.cnki.issn1002-1248.2019.10.19-0876", None, "10.3772/j.issn.1009-8623.2019.05.003",
        "10.16418/j.issn.1000-3045.20230710001", "10.3969/j.issn.1000-7695.2023.2.005"]


def test_a_new_paper_in_the_same_style(tmp_path):
    text = """Cooperation on green energy laboratories along the Silk Road

Mei Han¹ Arman Sadykov²⊠

¹Institute of Energy Studies, Lanzhou University, Lanzhou 730000, China
²Kazakh National University, Almaty 050040, Kazakhstan

Abstract

Joint laboratories have become a main form of green energy cooperation. This paper counts them.

Keywords

joint laboratory; green energy; Central Asia

1. Introduction

Green energy cooperation grew quickly after 2015.

2. Joint Laboratories

2.1 Numbers and Fields

There were 12 joint laboratories in 2022.

References

[1] Han M. Energy cooperation in Central Asia [J]. Energy Policy, 2021, 12(3): 1-9. doi: 10.1016/j.enpol.2021.01.001.
[2] Sadykov A. Laboratories and growth [J]. Science Review, 2022, 4(1): 10-20.
"""
    rec = extract_structure(SourceFile("new.txt", tmp_path / "new.txt", "0" * 64, text))
    assert rec.titles == {"en": "Cooperation on green energy laboratories along the Silk Road"}
    assert [(a.names["en"], a.affiliations, a.corresponding) for a in rec.authors] == [
        ("Mei Han", [1], False), ("Arman Sadykov", [2], True)]
    assert [a.names["en"] for a in rec.affiliations] == [
        "Institute of Energy Studies, Lanzhou University", "Kazakh National University"]
    assert rec.keywords["en"] == ["joint laboratory", "green energy", "Central Asia"]
    assert [(s.number, s.title) for s in rec.sections] == [
        ("1", "Introduction"), ("2", "Joint Laboratories"), ("2.1", "Numbers and Fields")]
    assert [r.doi for r in rec.references] == ["10.1016/j.enpol.2021.01.001", None]
