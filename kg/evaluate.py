"""How well the automatic loader agrees with the curated data: precision and recall.

Both sides are read from the graph a build assembles (nothing is published):

* **gold mentions**: for every curated `bri:Evidence` (attributed to the curators) the entities
  its fact names — the entity of a bare mention, the subject and object of a reified statement,
  the object values of a curated node — that the gazetteer knows, as (paper, section, entity);
* **gold quantities**: every curated node with `bri:value` (value × `bri:unitMultiplier`, kind
  = currency code, `percent`, or `count`) and every numeric value of a curated statement
  (e.g. `bri:memberCount 67`, kind `count`), as (paper, section, value, kind);
* **automatic**: the candidate mentions and statistics of the `graph/auto/<slug>` graphs.

Matching: an item without a section on the curated side (front matter, tables, footnotes)
matches an automatic one with the same key anywhere in the same paper; an item with section S
matches only an automatic one found in S. Keys: the entity IRI for mentions; the plain value
and its kind for quantities (units are not compared: curators write "laboratory" where the
text prints the classifier 家). Each side is a set, so a name found five times in one section
counts once. Precision = automatic items that match a curated one / automatic items; recall =
curated items that match an automatic one / curated items. Precision is a lower bound: the
curators record the facts a policy analyst asks about, not every mention of China.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from rdflib import RDF, XSD, Dataset, Literal, URIRef
from rdflib.namespace import PROV

from kg.curated import CURATION_AGENT, DATA_DIR
from kg.extract.auto import AUTO_ACTIVITY, OA, gazetteer_of
from kg.ns import BRI, BRID

Key = tuple[str, str | None, object]  # (paper slug, section or None, entity IRI or (value, kind))
_NUMERIC = {XSD.integer, XSD.decimal, XSD.nonNegativeInteger, XSD.positiveInteger, XSD.double, XSD.float}


@dataclass
class Score:
    gold: int
    predicted: int
    gold_matched: int
    predicted_matched: int

    @property
    def precision(self) -> float:
        return self.predicted_matched / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.gold_matched / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    mentions: Score
    quantities: Score
    mentions_by_paper: Score  # sections ignored
    quantities_by_paper: Score

    def table(self) -> str:
        rows = [("mentions (same section)", self.mentions), ("quantities (same section)", self.quantities),
                ("mentions (same paper)", self.mentions_by_paper),
                ("quantities (same paper)", self.quantities_by_paper)]
        out = [f"{'':28}{'curated':>8}{'auto':>7}{'precision':>11}{'recall':>8}{'F1':>7}"]
        for name, s in rows:
            out.append(f"{name:28}{s.gold:>8}{s.predicted:>7}{s.precision:>11.3f}{s.recall:>8.3f}{s.f1:>7.3f}")
        return "\n".join(out)


def _section(g, ev) -> str | None:
    for target in g.objects(ev, OA.hasTarget):
        for scope in g.objects(target, OA.hasScope):
            return str(scope).rsplit("/section/", 1)[-1]
    return None


def _plain(node, g) -> tuple[Decimal, str] | None:
    value = g.value(node, BRI.value)
    if value is None:
        return None
    try:
        v = Decimal(str(value)) * Decimal(str(g.value(node, BRI.unitMultiplier) or 1))
    except InvalidOperation:
        return None
    currency, unit = g.value(node, BRI.currency), g.value(node, BRI.unit)
    kind = str(currency) if currency else ("percent" if unit is not None and str(unit) == "percent" else "count")
    return v.normalize(), kind


def gold(ds: Dataset, entities: set[URIRef]) -> tuple[set[Key], set[Key]]:
    """The curated mentions and quantities of every paper graph."""
    mentions: set[Key] = set()
    quantities: set[Key] = set()
    prefix = f"{BRID}graph/paper/"
    for g in ds.graphs():
        if not str(g.identifier).startswith(prefix):
            continue
        slug = str(g.identifier)[len(prefix):]
        for ev in g.subjects(RDF.type, BRI.Evidence):
            if (ev, PROV.wasAttributedTo, CURATION_AGENT) not in g:
                continue
            section = _section(g, ev)
            for body in g.objects(ev, BRI.evidenceFor):
                if (body, RDF.type, RDF.Statement) in g:
                    named = [g.value(body, RDF.subject), g.value(body, RDF.object)]
                    obj = g.value(body, RDF.object)
                    if isinstance(obj, Literal) and obj.datatype in _NUMERIC:
                        with contextlib.suppress(InvalidOperation):
                            quantities.add((slug, section, (Decimal(str(obj)).normalize(), "count")))
                else:
                    named = [body, *g.objects(body, None)]
                    if (plain := _plain(body, g)) is not None:
                        quantities.add((slug, section, plain))
                mentions |= {(slug, section, e) for e in named if e in entities}
    return mentions, quantities


def predicted(ds: Dataset) -> tuple[set[Key], set[Key]]:
    """The automatic candidates of every `graph/auto/<slug>` graph."""
    mentions: set[Key] = set()
    quantities: set[Key] = set()
    prefix = f"{BRID}graph/auto/"
    for g in ds.graphs():
        if not str(g.identifier).startswith(prefix):
            continue
        slug = str(g.identifier)[len(prefix):]
        for ann in g.subjects(OA.motivatedBy, OA.identifying):
            if (ann, PROV.wasGeneratedBy, AUTO_ACTIVITY) in g:
                mentions |= {(slug, _section(g, ann), e) for e in g.objects(ann, OA.hasBody)}
        for stat in g.subjects(PROV.wasGeneratedBy, AUTO_ACTIVITY):
            if (plain := _plain(stat, g)) is not None:
                for ev in g.objects(stat, BRI.hasEvidence):
                    quantities.add((slug, _section(g, ev), plain))
    return mentions, quantities


def score(gold_items: set[Key], auto_items: set[Key], *, sections: bool = True) -> Score:
    """Match as the module docstring says; `sections=False` compares per paper only."""
    if not sections:
        gold_items = {(p, None, k) for p, _, k in gold_items}
        auto_items = {(p, None, k) for p, _, k in auto_items}
    auto_by = {}
    for p, s, k in auto_items:
        auto_by.setdefault((p, k), set()).add(s)
    gold_by = {}
    for p, s, k in gold_items:
        gold_by.setdefault((p, k), set()).add(s)
    gold_hit = sum(1 for p, s, k in gold_items if (s is None and (p, k) in auto_by) or s in auto_by.get((p, k), set()))
    auto_hit = sum(1 for p, s, k in auto_items
                   if None in gold_by.get((p, k), set()) or (s is not None and s in gold_by.get((p, k), set())))
    return Score(len(gold_items), len(auto_items), gold_hit, auto_hit)


def evaluate_dataset(ds: Dataset) -> Evaluation:
    entities = gazetteer_of(ds).entities
    gm, gq = gold(ds, entities)
    am, aq = predicted(ds)
    return Evaluation(score(gm, am), score(gq, aq), score(gm, am, sections=False), score(gq, aq, sections=False))


def evaluate(corpus: Path, data_dir: Path = DATA_DIR) -> Evaluation:
    """Assemble the graph of `corpus` in memory (no store, no validation) and score it."""
    from kg.build import assemble

    ds, _papers, _files, _bad = assemble(corpus, keep_going=True, data_dir=data_dir)
    return evaluate_dataset(ds)
