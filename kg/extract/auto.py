"""The automatic loader: candidate mentions and statistics, with evidence, for any paper.

It needs nothing curated about the paper: the sections come from the structure extractor, the
names from the gazetteer (ontology + curated entity labels), the numbers from
`quantities.py`, the tables from `tables.py`. A paper dropped into the corpus folder is read
the same way as the three it was written with.

What it writes goes to a graph of its own per paper, `brid:graph/auto/<slug>`, never into the
paper's graph (which holds the bibliographic record and the curated facts), so the two stay
apart in every query and shape:

* a **candidate mention** is an `oa:Annotation` motivated by `oa:identifying` whose body is the
  entity and whose target quotes the paper (source file, section, `oa:TextQuoteSelector`). It
  is not a `bri:Evidence`: it supports no fact of the graph, so `?x bri:hasEvidence ?e` stays
  the curated evidence, also after reasoning.
* a **candidate statistic** is a `bri:Statistic` (`bri:MonetaryAmount` with a currency,
  `bri:Share` for a percentage) with value, unit, multiplier, currency and qualifier as printed,
  and a `bri:Evidence` quoting where it was read.
* a **table** is a `doco:Table` with its captions and row count; its numeric cells become
  candidate statistics derived from it (`prov:wasDerivedFrom`).

Every candidate node and annotation carries `prov:wasGeneratedBy brid:activity/auto-extraction`
and is attributed to the software agent `brid:agent/auto-extraction`, which is how curated
facts (attributed to `brid:agent/curation`) and candidates are told apart.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg import iris
from kg.corpus import SourceFile
from kg.curated import CURATED_GRAPH, normalize_quote_text
from kg.extract.gazetteer import Gazetteer
from kg.extract.quantities import Quantity, find_quantities
from kg.extract.records import PaperRecord, Section
from kg.extract.structure import HEADING_RE, _find_references
from kg.extract.tables import Table, find_tables
from kg.extract.text import squash
from kg.ns import BRI, BRID
from kg.vocab import PREFIXES

OA = Namespace(PREFIXES["oa"])
DOCO_TABLE = URIRef(PREFIXES["doco"] + "Table")
SCHEMA_NUMBER_OF_ITEMS = URIRef(PREFIXES["schema"] + "numberOfItems")
AUTO_ACTIVITY = URIRef(BRID + "activity/auto-extraction")
AUTO_AGENT = URIRef(BRID + "agent/auto-extraction")
MAX_QUOTE = 120
_SENTENCE_END = re.compile(r"[。；;!?！？]|\.(?=\s|$)")

Progress = Callable[[str], None]


def auto_graph(slug: str) -> URIRef:
    """The named graph of one paper's automatic candidates."""
    return URIRef(f"{BRID}graph/auto/{slug}")


@dataclass
class Passage:
    """A piece of one file read as one unit: a paragraph, a heading, a caption or a table row."""

    file: str
    section: str | None
    text: str  # normalized as quotes are (kg.curated.normalize_quote_text)
    table: str | None = None  # table number for captions and rows


@dataclass
class MentionCandidate:
    file: str
    section: str | None
    entity: URIRef
    surface: str
    quote: str


@dataclass
class QuantityCandidate:
    file: str
    section: str | None
    quantity: Quantity
    quote: str
    table: str | None = None


@dataclass
class PaperExtraction:
    slug: str
    mentions: list[MentionCandidate] = field(default_factory=list)
    quantities: list[QuantityCandidate] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)  # (file, table)


# --- reading ---------------------------------------------------------------------------------


def line_sections(lines: list[str], sections: list[Section]) -> list[str | None]:
    """The section each line is printed in: headings are found in order, as the structure
    extractor numbered them (None before the first one)."""
    out: list[str | None] = []
    current: str | None = None
    nxt = 0  # index of the next expected heading in `sections`
    for raw in lines:
        s = raw.strip()
        if (m := HEADING_RE.match(s)) and "\t" not in raw:
            title = squash(m.group("title"))
            for j in range(nxt, min(nxt + 4, len(sections))):
                if sections[j].number == m.group("num") and sections[j].title.startswith(title[:8]):
                    current, nxt = sections[j].number, j + 1
                    break
        out.append(current)
    return out


_ENDS_SENTENCE = ("。", "！", "？", "；", ".", "!", "?", ";", ":", "：")


def passages(source: SourceFile, sections: list[Section]) -> Iterator[Passage]:
    """The passages of one file with the section each is in (None: front matter, files
    without headings). A paragraph goes on across the blank lines PDF tools put inside
    sentences. The reference list is skipped: it names journals, not facts."""
    lines = source.text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    ref_start, ref_end, _ = _find_references(lines)
    tables = find_tables(source.text)
    in_table = {k for t in tables for k in [*t.caption_lines, *range(t.lines[0], t.lines[1] + 1)]}
    where = line_sections(lines, sections)
    para: list[str] = []
    section: list[str | None] = [None]

    def flush() -> Iterator[Passage]:
        if para:
            text = normalize_quote_text("\n".join(para))
            para.clear()
            if text:
                yield Passage(source.name, section[0], text)

    for i, raw in enumerate(lines):
        s = raw.strip()
        if (ref_start is not None and ref_start <= i < ref_end) or i in in_table:
            yield from flush()
            continue
        if not s:
            if para and para[-1].strip().endswith(_ENDS_SENTENCE):
                yield from flush()
            continue
        if where[i] != section[0]:
            yield from flush()
            section[0] = where[i]
        para.append(raw)
        if HEADING_RE.match(s) and (i + 1 >= len(lines) or where[i + 1] == where[i]) and i > 0 \
                and where[i] is not None and where[i - 1] != where[i]:
            yield from flush()  # a heading is a passage of its own
    yield from flush()
    for t in tables:
        sec = where[t.lines[0]] if t.lines[0] < len(where) else None
        for k in t.caption_lines:
            yield Passage(source.name, sec, normalize_quote_text(lines[k]), t.number)
        for row in t.rows:
            yield Passage(source.name, sec, normalize_quote_text(row.text), t.number)


def _quote(text: str, start: int, end: int) -> str:
    """The sentence around text[start:end], cut to at most MAX_QUOTE characters around it."""
    left = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    right_m = _SENTENCE_END.search(text, end)
    right = right_m.end() if right_m else len(text)
    if right - left > MAX_QUOTE:
        room = max(0, MAX_QUOTE - (end - start))
        left = max(left, start - room // 2)
        right = min(right, left + MAX_QUOTE)
        left = max(left, min(start, right - MAX_QUOTE))
    return text[left:right].strip()


def _table_cells(t: Table, file: str, section: str | None) -> Iterator[QuantityCandidate]:
    """Numbers in columns whose header names a unit, as candidate statistics of the table."""
    for col, unit in t.column_units().items():
        for row in t.rows:
            if col >= len(row.cells) or not row.cells[col]:
                continue
            for q in find_quantities(f"{row.cells[col]}{unit}"):
                if q.start == 0 and q.end == len(row.cells[col]) + len(unit):
                    quote = normalize_quote_text(row.text)[:MAX_QUOTE].strip()
                    yield QuantityCandidate(file, section, q, quote, t.number)


def extract_paper(slug: str, files: list[SourceFile], sections: list[Section], gazetteer: Gazetteer) -> PaperExtraction:
    """Candidate mentions, quantities and tables of one paper (all its files)."""
    out = PaperExtraction(slug)
    seen_mentions: set[tuple[str, str | None, URIRef]] = set()
    seen_quantities: set[tuple] = set()
    for f in files:
        full = normalize_quote_text(f.text)
        where = line_sections(f.text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), sections)
        for t in find_tables(f.text):
            out.tables.append((f.name, t))
            for c in _table_cells(t, f.name, where[t.lines[0]] if t.lines[0] < len(where) else None):
                key = (f.name, t.number, c.quote, c.quantity.value)
                if key not in seen_quantities and c.quote in full:
                    seen_quantities.add(key)
                    out.quantities.append(c)
        for p in passages(f, sections):
            for m in gazetteer.find(p.text):
                key = (f.name, p.section, m.entity)
                if key in seen_mentions:
                    continue
                quote = _quote(p.text, m.start, m.end)
                if len(quote) < 2 or quote not in full:
                    continue
                seen_mentions.add(key)
                out.mentions.append(MentionCandidate(f.name, p.section, m.entity, m.surface, quote))
            if p.table is not None:
                continue  # numbers in tables are read by column (above)
            for q in find_quantities(p.text):
                quote = _quote(p.text, q.start, q.end)
                key = (f.name, p.section, quote, q.start, q.value, q.qualifier)
                if key in seen_quantities or len(quote) < 2 or quote not in full:
                    continue
                seen_quantities.add(key)
                out.quantities.append(QuantityCandidate(f.name, p.section, q, quote))
    return out


# --- writing ---------------------------------------------------------------------------------


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def _target(g: Graph, node: URIRef, paper: URIRef, file: str, section: str | None, quote: str, full: str) -> None:
    target, selector = URIRef(f"{node}/target"), URIRef(f"{node}/selector")
    g.add((node, OA.hasTarget, target))
    g.add((target, RDF.type, OA.SpecificResource))
    g.add((target, OA.hasSource, iris.source_text(file)))
    if section:
        g.add((target, OA.hasScope, iris.sub(paper, "section", section)))
    g.add((target, OA.hasSelector, selector))
    g.add((selector, RDF.type, OA.TextQuoteSelector))
    g.add((selector, OA.exact, Literal(quote)))
    at = full.find(quote)
    g.add((selector, OA.prefix, Literal(full[max(0, at - 24):at])))
    g.add((selector, OA.suffix, Literal(full[at + len(quote):at + len(quote) + 24])))
    g.add((node, PROV.wasGeneratedBy, AUTO_ACTIVITY))
    g.add((node, PROV.wasAttributedTo, AUTO_AGENT))


def _statistic_types(q: Quantity) -> list[URIRef]:
    if q.currency:
        return [BRI.MonetaryAmount]
    if q.unit == "percent" and Decimal(0) <= q.value <= Decimal(100):
        return [BRI.Share]
    return [BRI.Statistic]


def write(ds: Dataset, paper: URIRef, ext: PaperExtraction, texts: dict[str, str]) -> int:
    """Write one paper's candidates into its automatic graph; return the number of triples."""
    g = ds.graph(auto_graph(ext.slug))
    g.add((AUTO_AGENT, RDF.type, PROV.Agent))
    g.add((AUTO_AGENT, RDF.type, PROV.SoftwareAgent))
    g.add((AUTO_AGENT, RDFS.label, Literal("brikg automatic extraction", lang="en")))
    g.add((AUTO_AGENT, RDFS.label, Literal("brikg 自动抽取", lang="zh")))
    tables: dict[str, URIRef] = {}
    for _file, t in ext.tables:
        node = iris.sub(paper, "table", t.number)
        if node in tables.values():
            continue
        tables[t.number] = node
        g.add((node, RDF.type, DOCO_TABLE))
        g.add((node, DCTERMS.isPartOf, paper))
        g.add((node, SCHEMA_NUMBER_OF_ITEMS, Literal(len(t.rows), datatype=XSD.integer)))
        g.add((node, PROV.wasGeneratedBy, AUTO_ACTIVITY))
        for lang, caption in t.captions.items():
            g.add((node, DCTERMS.title, Literal(caption, lang=lang)))
            g.add((node, RDFS.label, Literal(f"{'表' if lang == 'zh' else 'Table '}{t.number} {caption}", lang=lang)))
    for m in ext.mentions:
        node = URIRef(f"{BRID}candidate/{ext.slug}/mention/{_digest(m.file, m.section or '', str(m.entity))}")
        g.add((node, RDF.type, OA.Annotation))
        g.add((node, OA.motivatedBy, OA.identifying))
        g.add((node, OA.hasBody, m.entity))
        _target(g, node, paper, m.file, m.section, m.quote, texts[m.file])
    for c in ext.quantities:
        q = c.quantity
        ident = _digest(c.file, c.section or "", c.table or "", c.quote, str(q.start), str(q.value), q.qualifier or "")
        stat = URIRef(f"{BRID}candidate/{ext.slug}/statistic/{ident}")
        ev = URIRef(f"{BRID}candidate/{ext.slug}/evidence/{ident}")
        for t in _statistic_types(q):
            g.add((stat, RDF.type, t))
        g.add((stat, RDFS.label, Literal(q.surface)))
        g.add((stat, BRI.value, Literal(str(q.value), datatype=XSD.decimal)))
        if q.unit:
            g.add((stat, BRI.unit, Literal(q.unit)))
        if q.multiplier != 1:
            g.add((stat, BRI.unitMultiplier, Literal(str(q.multiplier), datatype=XSD.decimal)))
        if q.currency:
            g.add((stat, BRI.currency, Literal(q.currency)))
        if q.qualifier:
            g.add((stat, BRI.valueQualifier, Literal(q.qualifier)))
        if c.table and c.table in tables:
            g.add((stat, PROV.wasDerivedFrom, tables[c.table]))
        g.add((stat, PROV.wasGeneratedBy, AUTO_ACTIVITY))
        g.add((stat, BRI.hasEvidence, ev))
        g.add((ev, RDF.type, BRI.Evidence))
        g.add((ev, RDF.type, OA.Annotation))
        g.add((ev, OA.motivatedBy, OA.describing))
        g.add((ev, BRI.evidenceFor, stat))
        _target(g, ev, paper, c.file, c.section, c.quote, texts[c.file])
    return len(g)


@dataclass
class AutoResult:
    graphs: list[URIRef] = field(default_factory=list)
    mentions: int = 0
    quantities: int = 0
    tables: int = 0
    skipped: list[str] = field(default_factory=list)


#: What an odd paper can make the readers raise; the paper then gets no candidates, the build goes on.
_ODD_INPUT = (ValueError, ArithmeticError, IndexError, KeyError, re.error, RecursionError)


def gazetteer_of(ds: Dataset) -> Gazetteer:
    """The gazetteer of a dataset being built: ontology and curated entity labels."""
    return Gazetteer.from_graph(ds.graph(iris.ONTOLOGY_GRAPH) + ds.graph(CURATED_GRAPH))


def load_automatic(ds: Dataset, records: list[PaperRecord], files: dict[str, SourceFile],
                   progress: Progress = lambda _: None) -> AutoResult:
    """Run the automatic loader on every paper of the build; never fails the build."""
    from kg.graph import paper_slug  # kg.graph imports kg.extract; import late to keep the package light

    gazetteer = gazetteer_of(ds)
    result = AutoResult()
    for rec in records:
        slug = paper_slug(rec)
        try:
            ext = extract_paper(slug, [files[n] for n in rec.files], rec.sections, gazetteer)
            write(ds, iris.paper(slug), ext, {n: normalize_quote_text(files[n].text) for n in rec.files})
        except _ODD_INPUT as exc:
            ds.remove_graph(ds.graph(auto_graph(slug)))
            result.skipped.append(slug)
            progress(f"  automatic extraction skipped {slug}: {type(exc).__name__}: {exc}")
            continue
        result.graphs.append(auto_graph(slug))
        result.mentions += len(ext.mentions)
        result.quantities += len(ext.quantities)
        result.tables += len({t.number for _, t in ext.tables})
        progress(f"  {slug}: {len(ext.mentions)} candidate mention(s), {len(ext.quantities)} candidate "
                 f"statistic(s), {len({t.number for _, t in ext.tables})} table(s)")
    return result
