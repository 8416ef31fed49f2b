"""Deterministic synthetic data in brikg's own model, at a multiple of the real graph's size.

Why: the three papers make a graph of under two thousand triples, too small to show how the
service or a reasoner behaves as the corpus grows. This writes more papers of the same shape,
one named graph per paper like `kg/graph.py` does (bibliographic record: titles, abstracts,
authorships with affiliations, journal, grants, numbered sections, references, source texts),
plus the facts the ontology models (typed organizations in an `org:subOrganizationOf` forest,
countries and regions, funds with monetary amounts, statistics, initiatives, challenges and
recommendations with measures) with `bri:Evidence` Web Annotations quoting a source text.

Everything comes from one `random.Random(seed)`, so the same scale and seed give the same quads
in the same order. IRIs are made with `kg.iris`, so they look like the real ones.

Use it from Python:

    from bench.gen_synthetic import generate, write_nquads, load_store
    quads = list(generate(scale=10))           # pyoxigraph Quads, ontology graph first
    write_nquads("/tmp/kg-10x.nq", scale=10)   # N-Quads file
    write_ntriples("/tmp/kg-10x.nt", scale=10, real_triples=26837)  # distinct triples (reasoning)
    load_store("/tmp/store-100x", scale=100)   # a brikg store (publish + optional SHACL gate)

or from the shell: `python bench/gen_synthetic.py --scale 100 --out /tmp/kg-100x.nq`.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))

from kg import iris  # noqa: E402
from kg.paths import ONTOLOGY_FILES  # noqa: E402

#: Triples in the real graph (ontology + 3 paper graphs + build metadata) as `brikg build` of
#: ../shared/papers wrote it on 2026-11-23. Benchmarks pass the size they measure instead.
REAL_TRIPLES = 1722

BRI = "https://w3id.org/brikg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
ORG = "http://www.w3.org/ns/org#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
TIME = "http://www.w3.org/2006/time#"
FABIO = "http://purl.org/spar/fabio/"
FRAPO = "http://purl.org/cerif/frapo/"
DOCO = "http://purl.org/spar/doco/"
DEO = "http://purl.org/spar/deo/"
PRISM = "http://prismstandard.org/namespaces/basic/2.0/"

_N: dict[str, ox.NamedNode] = {}


def _n(iri: str) -> ox.NamedNode:
    node = _N.get(iri)
    if node is None:
        node = _N[iri] = ox.NamedNode(iri)
    return node


A = _n(RDF + "type")
LABEL = _n(RDFS + "label")
TITLE = _n(DCT + "title")
XSD_INT = _n(XSD + "integer")
XSD_DEC = _n(XSD + "decimal")
XSD_GYEAR = _n(XSD + "gYear")
XSD_BOOL = _n(XSD + "boolean")
XSD_LANG = _n(XSD + "language")

# --- vocabulary pools (invented words; no text of the papers) --------------------------------

FAMILY = ["Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Wu", "Xu", "Sun", "Hu",
          "Zhu", "Gao", "Lin", "He", "Guo", "Ma", "Luo", "Liang", "Song", "Zheng", "Xie", "Han", "Tang",
          "Feng", "Yu", "Dong", "Xiao", "Cheng", "Cao", "Yuan", "Deng", "Fu", "Shen", "Zeng", "Peng"]
FAMILY_ZH = ["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林",
             "何", "郭", "马", "罗", "梁", "宋", "郑", "谢", "韩", "唐", "冯", "于", "董", "萧", "程", "曹",
             "袁", "邓", "傅", "沈", "曾", "彭"]
GIVEN = ["Wei", "Fang", "Min", "Jing", "Lei", "Yan", "Jun", "Hui", "Tao", "Ming", "Xia", "Hong", "Bo",
         "Ping", "Gang", "Hua", "Yun", "Qiang", "Lan", "Dan", "Xin", "Yu", "Jie", "Ling"]
GIVEN_ZH = ["伟", "芳", "敏", "静", "磊", "艳", "军", "慧", "涛", "明", "霞", "红", "波", "平", "刚", "华",
            "云", "强", "兰", "丹", "欣", "宇", "杰", "玲"]
TOPIC = ["science", "technology", "innovation", "cooperation", "Belt and Road", "green development",
         "digital economy", "joint laboratories", "talent exchange", "technology transfer", "big science",
         "open science", "food security", "public health", "climate adaptation", "space information",
         "international organizations", "policy coordination", "research infrastructure", "standards"]
TOPIC_ZH = ["科学", "技术", "创新", "合作", "一带一路", "绿色发展", "数字经济", "联合实验室", "人才交流",
            "技术转移", "大科学", "开放科学", "粮食安全", "公共卫生", "气候适应", "空间信息", "国际组织",
            "政策协调", "科研基础设施", "标准"]
FRAME = ["Research on {a} and {b} under the {c} framework", "Enhancing {a} through {b}",
         "Reflections on {a} in {b}", "A study of {a}, {b} and {c}", "{a} for {b}: practice and prospects"]
FRAME_ZH = ["{c}框架下{a}与{b}研究", "以{b}促进{a}", "关于{b}中{a}的思考", "{a}、{b}与{c}研究",
            "面向{b}的{a}：实践与展望"]
SECTION = ["Introduction", "Background", "Current status", "Main achievements", "Challenges", "Opportunities",
           "Cooperation models", "Policy recommendations", "Case analysis", "Conclusion"]
SECTION_ZH = ["引言", "背景", "现状", "主要成效", "面临的挑战", "发展机遇", "合作模式", "对策建议", "案例分析",
              "结语"]
ORG_WORDS = ["Institute", "Center", "Academy", "Alliance", "Laboratory", "Commission", "Council", "Office",
             "Foundation", "Network"]
ORG_WORDS_ZH = ["研究所", "中心", "科学院", "联盟", "实验室", "委员会", "理事会", "办公室", "基金会", "网络"]
CITIES = ["Beijing", "Shanghai", "Wuhan", "Xi'an", "Urumqi", "Kunming", "Nanjing", "Guangzhou", "Chengdu",
          "Harbin"]
CITIES_ZH = ["北京", "上海", "武汉", "西安", "乌鲁木齐", "昆明", "南京", "广州", "成都", "哈尔滨"]
JOURNALS = [("Bulletin of Science and Cooperation", "科学与合作通报"),
            ("Journal of Innovation Policy", "创新政策学报"),
            ("Global Science and Technology Review", "全球科技评论"),
            ("Studies in Science Diplomacy", "科技外交研究"),
            ("Belt and Road Research Letters", "一带一路研究快报"),
            ("Science Management Quarterly", "科学管理季刊")]
# (name, zh, alpha-2, alpha-3, region index)
COUNTRIES = [
    ("China", "中国", "CN", "CHN", 0), ("Mongolia", "蒙古国", "MN", "MNG", 0),
    ("Kazakhstan", "哈萨克斯坦", "KZ", "KAZ", 1), ("Uzbekistan", "乌兹别克斯坦", "UZ", "UZB", 1),
    ("Kyrgyzstan", "吉尔吉斯斯坦", "KG", "KGZ", 1), ("Tajikistan", "塔吉克斯坦", "TJ", "TJK", 1),
    ("Pakistan", "巴基斯坦", "PK", "PAK", 2), ("Bangladesh", "孟加拉国", "BD", "BGD", 2),
    ("Sri Lanka", "斯里兰卡", "LK", "LKA", 2), ("Nepal", "尼泊尔", "NP", "NPL", 2),
    ("Thailand", "泰国", "TH", "THA", 3), ("Viet Nam", "越南", "VN", "VNM", 3),
    ("Indonesia", "印度尼西亚", "ID", "IDN", 3), ("Malaysia", "马来西亚", "MY", "MYS", 3),
    ("Cambodia", "柬埔寨", "KH", "KHM", 3), ("Laos", "老挝", "LA", "LAO", 3),
    ("Egypt", "埃及", "EG", "EGY", 4), ("Kenya", "肯尼亚", "KE", "KEN", 4),
    ("Ethiopia", "埃塞俄比亚", "ET", "ETH", 4), ("Nigeria", "尼日利亚", "NG", "NGA", 4),
    ("Serbia", "塞尔维亚", "RS", "SRB", 5), ("Hungary", "匈牙利", "HU", "HUN", 5),
    ("Poland", "波兰", "PL", "POL", 5), ("Greece", "希腊", "GR", "GRC", 5),
    ("Turkey", "土耳其", "TR", "TUR", 6), ("Iran", "伊朗", "IR", "IRN", 6),
    ("Saudi Arabia", "沙特阿拉伯", "SA", "SAU", 6), ("Russia", "俄罗斯", "RU", "RUS", 5),
    ("Chile", "智利", "CL", "CHL", 7), ("Brazil", "巴西", "BR", "BRA", 7),
]
REGIONS = [("East Asia", "东亚"), ("Central Asia", "中亚"), ("South Asia", "南亚"), ("Southeast Asia", "东南亚"),
           ("Africa", "非洲"), ("Europe", "欧洲"), ("West Asia", "西亚"), ("Latin America", "拉丁美洲")]
ORG_CLASSES = ["GovernmentBody", "Academy", "InternationalSTOrganization", "IntergovernmentalOrganization",
               "FinancialInstitution", "Alliance", "JointLaboratory", "OverseasCentre"]
INITIATIVE_CLASSES = ["Programme", "BigScienceProgramme", "ActionPlan", "InfrastructureProject"]
# Concepts are data nodes (brid:concept/…, brid:indicator/…) as in the curated entities, typed
# with their ontology class and skos:Concept, with labels: (slug, class, en, zh)
THEMES = [("concept/environment-ecology", "Theme", "environment and ecology", "环境生态"),
          ("concept/food-security", "Theme", "food security", "粮食安全"),
          ("concept/life-health", "Theme", "life and health", "生命健康"),
          ("concept/green-technology", "Theme", "green technology", "绿色技术"),
          ("concept/digital-technology", "Theme", "digital technology", "数字技术")]
MODES = [("concept/mode-joint-laboratory", "CooperationMode", "joint laboratory", "联合实验室"),
         ("concept/mode-technology-transfer", "CooperationMode", "technology transfer", "技术转移"),
         ("concept/mode-science-park", "CooperationMode", "science park", "科技园区"),
         ("concept/mode-people-to-people-exchange", "CooperationMode", "people-to-people exchange", "人文交流"),
         ("concept/mode-talent-training", "CooperationMode", "talent training", "人才培养")]
INDICATORS = [("indicator/collaborative-papers", "Indicator", "collaborative papers", "合作论文"),
              ("indicator/joint-patent-applications", "Indicator", "joint patent applications", "联合专利申请"),
              ("indicator/joint-research-projects", "Indicator", "joint research projects", "联合研究项目"),
              ("indicator/joint-laboratories", "Indicator", "joint laboratories", "联合实验室数量"),
              ("indicator/member-organizations", "Indicator", "member organizations", "成员机构"),
              ("indicator/investment", "Indicator", "investment", "投资额")]
CURATION_AGENT = "agent/curation"


def _lit(value: str, lang: str | None = None, dt: ox.NamedNode | None = None) -> ox.Literal:
    if lang:
        return ox.Literal(value, language=lang)
    if dt is not None:
        return ox.Literal(value, datatype=dt)
    return ox.Literal(value)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _Generator:
    """Holds the shared pools (people, organizations, countries) that papers draw from."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.people: list[tuple[str, str, str, str]] = []  # (family, given, family_zh, given_zh)
        self.affiliations: list[tuple[str, str]] = []  # (en, zh)
        self.fact_orgs: list[ox.NamedNode] = []  # organizations of earlier papers (for the forest)
        self.gov_bodies: list[ox.NamedNode] = []
        self.funds: list[ox.NamedNode] = []
        self.index = 0

    # -- pools ---------------------------------------------------------------------------------

    def _person(self) -> tuple[str, str, str, str]:
        """A new person (60 %) or one seen before, so people author several papers."""
        rng = self.rng
        if self.people and rng.random() < 0.4:
            return self.people[min(int(rng.paretovariate(1.2)) - 1, len(self.people) - 1)]
        i = rng.randrange(len(FAMILY))
        j, k = rng.randrange(len(GIVEN)), rng.randrange(len(GIVEN))
        person = (FAMILY[i], GIVEN[j] + GIVEN[k].lower(), FAMILY_ZH[i], GIVEN_ZH[j] + GIVEN_ZH[k])
        self.people.append(person)
        return person

    def _affiliation(self) -> tuple[str, str]:
        rng = self.rng
        if self.affiliations and rng.random() < 0.7:
            return rng.choice(self.affiliations)
        c, w, t = rng.randrange(len(CITIES)), rng.randrange(len(ORG_WORDS)), rng.randrange(len(TOPIC))
        n = len(self.affiliations) + 1
        aff = (f"{CITIES[c]} {TOPIC[t].title()} {ORG_WORDS[w]} No. {n}",
               f"{CITIES_ZH[c]}{TOPIC_ZH[t]}{ORG_WORDS_ZH[w]}第{n}号")
        self.affiliations.append(aff)
        return aff

    def _title(self) -> tuple[str, str]:
        rng = self.rng
        a, b, c = rng.sample(range(len(TOPIC)), 3)
        f = rng.randrange(len(FRAME))
        return (FRAME[f].format(a=TOPIC[a], b=TOPIC[b], c=TOPIC[c]),
                FRAME_ZH[f].format(a=TOPIC_ZH[a], b=TOPIC_ZH[b], c=TOPIC_ZH[c]))

    # -- one paper -----------------------------------------------------------------------------

    def paper(self) -> list[ox.Quad]:
        """The named graph of one synthetic paper: its record and the facts it states."""
        rng = self.rng
        self.index += 1
        n = self.index
        authors = [self._person() for _ in range(rng.choice((1, 2, 3, 3, 4, 5, 7)))]
        year = str(rng.randint(2014, 2025))
        en_title, zh_title = self._title()
        slug = f"{iris.paper_slug(authors[0][0], year, en_title, f'paper-{n}')}-s{n}"
        p = _n(str(iris.paper(slug)))
        g = _n(str(iris.paper_graph(slug)))
        out: list[ox.Quad] = []

        def add(s, pred: str, o) -> None:
            out.append(ox.Quad(s, _n(pred), o, g))

        def sub(*parts: str) -> ox.NamedNode:
            return _n(p.value + "/" + "/".join(parts))

        add(p, RDF + "type", _n(BRI + "Paper"))
        for lang, t in (("en", en_title), ("zh", zh_title)):
            add(p, DCT + "title", _lit(t, lang))
            add(p, RDFS + "label", _lit(t, lang))
            add(p, DCT + "language", _lit(lang, dt=XSD_LANG))
        add(p, DCT + "abstract", _lit(f"This paper studies {en_title.lower()}. It reviews {rng.choice(TOPIC)} "
                                      f"and proposes measures for {rng.choice(TOPIC)} cooperation.", "en"))
        zh_abstract = f"本文研究{zh_title}，回顾{rng.choice(TOPIC_ZH)}并提出{rng.choice(TOPIC_ZH)}合作举措。"
        add(p, DCT + "abstract", _lit(zh_abstract, "zh"))
        add(p, FABIO + "hasPublicationYear", _lit(year, dt=XSD_GYEAR))
        add(p, PRISM + "doi", _lit(f"10.{rng.randint(1000, 99999)}/syn.{year}.{n:06d}"))
        first = rng.randint(1, 180)
        for pred, value in ((PRISM + "volume", str(rng.randint(20, 45))),
                            (PRISM + "issueIdentifier", str(rng.randint(1, 12))),
                            (PRISM + "startingPage", str(first)),
                            (PRISM + "endingPage", str(first + rng.randint(6, 14)))):
            add(p, pred, _lit(value))
        for t in rng.sample(range(len(TOPIC)), 5):
            add(p, PRISM + "keyword", _lit(TOPIC[t], "en"))
            add(p, PRISM + "keyword", _lit(TOPIC_ZH[t], "zh"))
        j_en, j_zh = rng.choice(JOURNALS)
        j = _n(str(iris.journal(j_en)))
        add(p, BRI + "publishedIn", j)
        add(j, RDF + "type", _n(FABIO + "Journal"))
        for lang, t in (("en", j_en), ("zh", j_zh)):
            add(j, DCT + "title", _lit(t, lang))
            add(j, RDFS + "label", _lit(t, lang))
        # authors, authorships, affiliations
        orgs = {}
        for pos, (fam, giv, fam_zh, giv_zh) in enumerate(authors, start=1):
            person = _n(str(iris.person(fam, giv)))
            add(person, RDF + "type", _n(FOAF + "Person"))
            for lang, name in (("en", f"{giv} {fam}"), ("zh", fam_zh + giv_zh)):
                add(person, FOAF + "name", _lit(name, lang))
                add(person, RDFS + "label", _lit(name, lang))
            add(person, FOAF + "familyName", _lit(fam))
            add(person, FOAF + "givenName", _lit(giv))
            role = sub("authorship", str(pos))
            add(p, BRI + "hasAuthorship", role)
            add(p, DCT + "creator", person)
            add(role, RDF + "type", _n(BRI + "Authorship"))
            add(role, BRI + "author", person)
            add(role, BRI + "authorPosition", _lit(str(pos), dt=XSD_INT))
            add(role, BRI + "isCorrespondingAuthor", _lit("true" if pos == 1 else "false", dt=XSD_BOOL))
            for _ in range(rng.choice((1, 1, 1, 2))):
                a_en, a_zh = self._affiliation()
                o = _n(str(iris.organization(a_en)))
                if o not in orgs:
                    orgs[o] = (a_en, a_zh)
                    add(o, RDF + "type", _n(ORG + "Organization"))
                    add(o, RDFS + "label", _lit(a_en, "en"))
                    add(o, RDFS + "label", _lit(a_zh, "zh"))
                add(role, BRI + "affiliation", o)
        # grants
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            number = f"{rng.choice(('NSFC', 'CAS', 'MOST', 'XDA'))}{rng.randint(10000, 99999999)}"
            gr = _n(str(iris.grant(number)))
            add(p, BRI + "acknowledgesGrant", gr)
            add(gr, RDF + "type", _n(FRAPO + "Grant"))
            add(gr, FRAPO + "hasGrantNumber", _lit(number))
            add(gr, RDFS + "label", _lit(f"Grant {number} for {rng.choice(TOPIC)} research", "en"))
        # sections: 4-7 top-level, each with 0-3 subsections
        sections: list[ox.NamedNode] = []
        for top in range(1, rng.randint(4, 7) + 1):
            numbers = [str(top)] + [f"{top}.{k}" for k in range(1, rng.randint(0, 3) + 1)]
            for num in numbers:
                s = sub("section", num)
                sections.append(s)
                k = rng.randrange(len(SECTION))
                title = SECTION[k] if "." not in num else f"{SECTION[k]}: {rng.choice(TOPIC)}"
                add(p, BRI + "hasSection", s)
                add(s, RDF + "type", _n(DOCO + "Section"))
                add(s, BRI + "sectionNumber", _lit(num))
                add(s, DCT + "title", _lit(title, "en"))
                add(s, RDFS + "label", _lit(f"{num} {title}", "en"))
                if "." in num:
                    add(s, BRI + "parentSection", sub("section", num.rsplit(".", 1)[0]))
        # references
        for r in range(1, rng.randint(5, 16) + 1):
            ref = sub("reference", str(r))
            fam, giv, _, _ = self._person()
            t_en, _ = self._title()
            add(p, BRI + "hasReference", ref)
            add(ref, RDF + "type", _n(DEO + "BibliographicReference"))
            add(ref, BRI + "referenceNumber", _lit(str(r), dt=XSD_INT))
            text = (f"{fam.upper()} {giv[0]}. {t_en}[J]. {rng.choice(JOURNALS)[0]}, "
                    f"{rng.randint(2000, 2024)}, {rng.randint(1, 40)}: {rng.randint(1, 99)}.")
            add(ref, BRI + "referenceText", _lit(text))
            if rng.random() < 0.3:
                add(ref, PRISM + "doi", _lit(f"10.{rng.randint(1000, 99999)}/ref.{n}.{r}"))
        # source texts (1-2 files per paper)
        files = []
        for k in range(rng.choice((1, 1, 2))):
            name = f"synthetic-{n:06d}-{k + 1}.txt"
            src = _n(str(iris.source_text(name)))
            files.append(src)
            add(src, RDF + "type", _n(BRI + "SourceText"))
            add(src, BRI + "fileName", _lit(name))
            add(src, BRI + "sha256", _lit(_sha(f"{slug}/{name}")))
            add(src, BRI + "textOf", p)
            add(p, PROV + "wasDerivedFrom", src)
        self._facts(add, sub, p, year, sections, files)
        return out

    def _facts(self, add, sub, p: ox.NamedNode, year: str, sections: list[ox.NamedNode],
               files: list[ox.NamedNode]) -> None:
        """The facts a paper states, each important one with a quoted evidence annotation."""
        rng = self.rng
        evidence_no = [0]
        agent = _n(f"{iris.BRID}{CURATION_AGENT}")
        add(agent, RDF + "type", _n(PROV + "Agent"))
        add(agent, RDFS + "label", _lit("brikg curators", "en"))
        concepts_used: set[tuple[str, str, str, str]] = set()

        def concept(pool: list[tuple[str, str, str, str]]) -> ox.NamedNode:
            c = rng.choice(pool)
            node = _n(f"{iris.BRID}{c[0]}")
            if c not in concepts_used:
                concepts_used.add(c)
                add(node, RDF + "type", _n(BRI + c[1]))
                add(node, RDF + "type", _n(SKOS + "Concept"))
                for lang, text in (("en", c[2]), ("zh", c[3])):
                    add(node, SKOS + "prefLabel", _lit(text, lang))
                    add(node, RDFS + "label", _lit(text, lang))
            return node

        def evidence(about: ox.NamedNode, exact: str) -> None:
            evidence_no[0] += 1
            e = sub("evidence", str(evidence_no[0]))
            target, selector = sub("evidence", str(evidence_no[0]), "target"), sub("evidence", str(evidence_no[0]),
                                                                                    "selector")
            add(e, RDF + "type", _n(BRI + "Evidence"))
            add(e, RDF + "type", _n(OA + "Annotation"))
            add(e, OA + "motivatedBy", _n(OA + "describing"))
            add(e, BRI + "evidenceFor", about)
            add(about, BRI + "hasEvidence", e)
            add(e, PROV + "wasAttributedTo", agent)
            add(e, OA + "hasTarget", target)
            add(target, RDF + "type", _n(OA + "SpecificResource"))
            add(target, OA + "hasSource", rng.choice(files))
            add(target, OA + "hasScope", rng.choice(sections))
            add(target, OA + "hasSelector", selector)
            add(selector, RDF + "type", _n(OA + "TextQuoteSelector"))
            add(selector, OA + "exact", _lit(exact))
            add(selector, OA + "prefix", _lit(f"as reported in section {rng.randint(1, 6)}, "))
            add(selector, OA + "suffix", _lit(" according to the authors."))

        countries = rng.sample(range(len(COUNTRIES)), 3)
        for ci in countries:
            name, zh, a2, a3, ri = COUNTRIES[ci]
            c = _n(f"{iris.BRID}country/{a3.lower()}")
            r = _n(f"{iris.BRID}region/{iris.slug(REGIONS[ri][0])}")
            add(c, RDF + "type", _n(BRI + "Country"))
            add(c, RDFS + "label", _lit(name, "en"))
            add(c, RDFS + "label", _lit(zh, "zh"))
            add(c, BRI + "iso3166Alpha2", _lit(a2))
            add(c, BRI + "iso3166Alpha3", _lit(a3))
            add(c, BRI + "partOfRegion", r)
            add(r, RDF + "type", _n(BRI + "Region"))
            add(r, RDFS + "label", _lit(REGIONS[ri][0], "en"))
            add(r, RDFS + "label", _lit(REGIONS[ri][1], "zh"))
        country_nodes = [_n(f"{iris.BRID}country/{COUNTRIES[ci][3].lower()}") for ci in countries]

        # organizations: a forest through org:subOrganizationOf (preferential attachment)
        new_orgs = []
        for k in range(rng.randint(3, 5)):
            cls = rng.choice(ORG_CLASSES)
            t = rng.randrange(len(TOPIC))
            city = rng.randrange(len(CITIES))
            word = rng.randrange(len(ORG_WORDS))
            en = f"{CITIES[city]} {TOPIC[t].title()} {ORG_WORDS[word]} of paper {self.index}-{k + 1}"
            o = _n(str(iris.organization(en)))
            add(o, RDF + "type", _n(BRI + cls))
            add(o, RDFS + "label", _lit(en, "en"))
            zh = f"{CITIES_ZH[city]}{TOPIC_ZH[t]}{ORG_WORDS_ZH[word]}（{self.index}-{k + 1}）"
            add(o, RDFS + "label", _lit(zh, "zh"))
            founded = rng.randint(1950, int(year))
            add(o, BRI + "foundingYear", _lit(str(founded), dt=XSD_GYEAR))
            evidence(o, f"was founded in {founded}")
            add(o, BRI + "locatedIn", rng.choice(country_nodes))
            if cls in ("Alliance", "InternationalSTOrganization", "IntergovernmentalOrganization") \
                    or rng.random() < 0.3:
                members = rng.randint(5, 400)
                add(o, BRI + "memberCount", _lit(str(members), dt=XSD_INT))
                evidence(o, f"has {members} member organizations")
            if self.fact_orgs and rng.random() < 0.6:
                parent = self.fact_orgs[min(int(rng.paretovariate(1.0)) - 1, len(self.fact_orgs) - 1)] \
                    if rng.random() < 0.5 else rng.choice(self.fact_orgs)
                add(o, ORG + "subOrganizationOf", parent)
            if self.gov_bodies and rng.random() < 0.5:
                add(o, BRI + "foundedBy", rng.choice(self.gov_bodies))
            if cls == "GovernmentBody":
                self.gov_bodies.append(o)
            new_orgs.append(o)
        self.fact_orgs.extend(new_orgs)

        # a fund with a monetary amount
        fund = sub("fund", "1")
        add(fund, RDF + "type", _n(BRI + rng.choice(("Fund", "GuidanceFund"))))
        t = rng.randrange(len(TOPIC))
        add(fund, RDFS + "label", _lit(f"{TOPIC[t].title()} Cooperation Fund {self.index}", "en"))
        add(fund, RDFS + "label", _lit(f"{TOPIC_ZH[t]}合作基金{self.index}", "zh"))
        if self.funds and rng.random() < 0.3:
            add(fund, BRI + "subFundOf", rng.choice(self.funds))
        self.funds.append(fund)
        amount = sub("fund", "1", "amount")
        value = f"{rng.randint(1, 500)}.{rng.randint(0, 9)}"
        currency = rng.choice(("USD", "CNY", "EUR"))
        add(fund, BRI + "amount", amount)
        add(amount, RDF + "type", _n(BRI + "MonetaryAmount"))
        add(amount, BRI + "value", _lit(value, dt=XSD_DEC))
        add(amount, BRI + "currency", _lit(currency))
        add(amount, BRI + "unitMultiplier", _lit("1000000", dt=XSD_DEC))
        add(amount, BRI + "measures", concept(INDICATORS[-1:]))
        evidence(amount, f"{value} million {currency}")

        # statistics
        for k in range(1, rng.randint(2, 4) + 1):
            st = sub("statistic", str(k))
            share = rng.random() < 0.3
            add(st, RDF + "type", _n(BRI + ("Share" if share else "Statistic")))
            v = f"{rng.randint(1, 99)}.{rng.randint(0, 9)}" if share else str(rng.randint(10, 20000))
            add(st, BRI + "value", _lit(v, dt=XSD_DEC))
            add(st, BRI + "unit", _lit("percent" if share else rng.choice(("papers", "projects", "patents",
                                                                           "laboratories"))))
            add(st, BRI + "measures", concept(INDICATORS))
            add(st, BRI + "statisticAbout", rng.choice(new_orgs))
            add(st, BRI + "refArea", rng.choice(country_nodes))
            period = _n(f"{iris.BRID}period/{year}")
            add(st, BRI + "refPeriod", period)
            add(period, RDF + "type", _n(TIME + "Interval"))
            add(period, RDFS + "label", _lit(year, "en"))
            add(period, BRI + "startYear", _lit(year, dt=XSD_GYEAR))
            add(period, BRI + "endYear", _lit(year, dt=XSD_GYEAR))
            evidence(st, f"{v} {'%' if share else ''} in {year}")

        # an initiative
        ini = sub("initiative", "1")
        add(ini, RDF + "type", _n(BRI + rng.choice(INITIATIVE_CLASSES)))
        t = rng.randrange(len(TOPIC))
        add(ini, RDFS + "label", _lit(f"{TOPIC[t].title()} Cooperation Programme {self.index}", "en"))
        add(ini, RDFS + "label", _lit(f"{TOPIC_ZH[t]}合作计划{self.index}", "zh"))
        add(ini, BRI + "startYear", _lit(str(rng.randint(2013, int(year))), dt=XSD_GYEAR))
        add(ini, BRI + "cooperationMode", concept(MODES))
        if self.gov_bodies:
            add(ini, BRI + "initiatedBy", rng.choice(self.gov_bodies))

        # claims: challenges, an opportunity, recommendations with measures
        kinds = ["Challenge", "Challenge", "Opportunity", "Recommendation", "Recommendation"]
        for k, kind in enumerate(kinds, start=1):
            cl = sub("claim", str(k))
            t = rng.randrange(len(TOPIC))
            add(cl, RDF + "type", _n(BRI + kind))
            add(cl, BRI + "itemNumber", _lit(str(k)))
            add(cl, RDFS + "label", _lit(f"{kind} {k}: strengthen {TOPIC[t]} cooperation", "en"))
            add(cl, RDFS + "label", _lit(f"{kind} {k}：加强{TOPIC_ZH[t]}合作", "zh"))
            add(cl, BRI + "statedIn", p)
            add(cl, BRI + "inSection", rng.choice(sections))
            add(cl, BRI + "field", concept(THEMES))
            evidence(cl, f"{kind.lower()}: strengthen {TOPIC[t]} cooperation")
            if kind == "Recommendation":
                for m in range(1, 3):
                    me = sub("claim", str(k), "measure", str(m))
                    add(cl, BRI + "hasMeasure", me)
                    add(me, RDF + "type", _n(BRI + "RecommendationMeasure"))
                    add(me, BRI + "itemNumber", _lit(f"{k}.{m}"))
                    add(me, RDFS + "label", _lit(f"Measure {k}.{m}: {rng.choice(TOPIC)} programme", "en"))
                    add(me, BRI + "statedIn", p)
                    add(me, BRI + "cooperationMode", concept(MODES))
                    evidence(me, f"measure {k}.{m}: {rng.choice(TOPIC)} programme")


def ontology_quads() -> Iterator[ox.Quad]:
    """The ontology files in the ontology graph, as `brikg build` loads them (blank nodes renamed stably)."""
    g = _n(str(iris.ONTOLOGY_GRAPH))
    bnodes: dict[str, ox.BlankNode] = {}  # the parser's random blank node ids, renamed in order

    def stable(term):
        if isinstance(term, ox.BlankNode):
            return bnodes.setdefault(term.value, ox.BlankNode(f"onto{len(bnodes)}"))
        return term

    for f in ONTOLOGY_FILES:
        if f.exists():
            for t in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE):
                yield ox.Quad(stable(t.subject), t.predicate, stable(t.object), g)


def generate(scale: float = 1, seed: int = 42, *, real_triples: int = REAL_TRIPLES,
             with_ontology: bool = True) -> Iterator[ox.Quad]:
    """Quads until there are at least `scale × real_triples` (ontology included when asked).

    Deterministic: the same arguments give the same quads in the same order. Quads within one
    paper graph may repeat a triple of another graph (a person's name, a journal, a country), as
    the real graphs do.
    """
    target = int(scale * real_triples)
    count = 0
    if with_ontology:
        for qd in ontology_quads():
            count += 1
            yield qd
    gen = _Generator(seed)
    while count < target:
        quads = gen.paper()
        count += len(quads)
        yield from quads


def write_nquads(path: str | Path, scale: float = 1, seed: int = 42, **kwargs) -> int:
    """Write `generate(...)` as N-Quads to `path`; return the number of quads."""
    quads = list(generate(scale, seed, **kwargs))
    ox.serialize(quads, output=str(path), format=ox.RdfFormat.N_QUADS)
    return len(quads)


def write_ntriples(path: str | Path, scale: float = 1, seed: int = 42, *,
                   real_triples: int = REAL_TRIPLES) -> int:
    """Write distinct triples (graph names dropped), `scale × real_triples` of them, to `path` as
    N-Triples, streaming; return how many. Stops after the paper that reaches the target.

    Why: a reasoner sees triples, not quads, and `generate` counts quads (a name or a journal
    repeated in several papers' graphs counts each time), so its 10× holds about 8× as many
    distinct triples. Only 64-bit BLAKE2 digests of the lines are kept (about 80 bytes a
    triple; the same in every process, unlike `hash`), so 1000× fits in memory. Same arguments,
    same file.
    """
    target = int(scale * real_triples)
    seen: set[int] = set()
    graph = None
    with open(path, "w", encoding="utf-8") as f:
        for q in generate(4 * scale + 1, seed, real_triples=real_triples):  # quads ≥ distinct triples
            if len(seen) >= target and q.graph_name != graph:
                break
            graph = q.graph_name
            line = f"{q.subject} {q.predicate} {q.object} .\n"
            h = int.from_bytes(hashlib.blake2b(line.encode(), digest_size=8).digest(), "little")
            if h not in seen:
                seen.add(h)
                f.write(line)
    return len(seen)


def load_store(store_dir: str | Path, scale: float = 1, seed: int = 42, *, validate: bool = True,
               real_triples: int = REAL_TRIPLES) -> Path:
    """Publish the synthetic graph as a new generation of a brikg store (ontology included).

    With `validate`, it passes through the same SHACL gate as a build (`kg.validate.check_store`).
    """
    from kg import store
    from kg import validate as kv

    quads = list(generate(scale, seed, real_triples=real_triples))

    def fill(s: ox.Store) -> None:
        s.bulk_extend(quads)

    def check(s: ox.Store, path: Path) -> None:
        if validate:
            kv.check_store(s, path)

    return store.publish(Path(store_dir), fill, check)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=10, help="multiple of the real graph's size (default 10)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--real-triples", type=int, default=REAL_TRIPLES, help="size of the real graph in triples")
    ap.add_argument("--no-ontology", action="store_true", help="leave the ontology graph out")
    ap.add_argument("--out", help="N-Quads file to write")
    ap.add_argument("--store", help="brikg store directory to publish into")
    ap.add_argument("--no-validate", action="store_true", help="skip the SHACL gate when publishing")
    args = ap.parse_args(argv)
    if not args.out and not args.store:
        ap.error("give --out FILE and/or --store DIR")
    t0 = time.perf_counter()
    if args.out:
        n = write_nquads(args.out, args.scale, args.seed, real_triples=args.real_triples,
                         with_ontology=not args.no_ontology)
        print(f"wrote {n} quads to {args.out} ({time.perf_counter() - t0:.1f} s)", file=sys.stderr)
    if args.store:
        gen = load_store(args.store, args.scale, args.seed, validate=not args.no_validate,
                         real_triples=args.real_triples)
        print(f"published {gen} ({len(ox.Store.read_only(str(gen)))} triples, {time.perf_counter() - t0:.1f} s)",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
