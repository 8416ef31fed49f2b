"""A bilingual gazetteer: the names of known entities, found in any paper's text.

The names come from the graph, not from code: `rdfs:label`, `skos:prefLabel` and
`skos:altLabel` of the ontology's individuals (themes, cooperation modes, indicators …) and of
the curated entities (organizations, funds, countries …, with their acronyms). A paper the
curators have never seen is read with the same names.

Matching is longest-first: at each place the longest name wins, so 中国科学院 is the Academy
and not China. Chinese names match as printed (after the same normalization as quotes);
Latin names match case-insensitively on word boundaries; acronyms (all capitals, like CAS)
match case-sensitively on word boundaries, so "cas" in "cases" is nothing.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import PROV, SKOS

from kg.extract.text import has_cjk, squash

#: Types whose labels name vocabulary or bookkeeping, not things a paper mentions.
_NOT_ENTITIES = {OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, OWL.Ontology,
                 OWL.FunctionalProperty, OWL.TransitiveProperty, OWL.SymmetricProperty, RDF.Property,
                 SKOS.ConceptScheme, RDFS.Class, PROV.Agent, URIRef("http://www.w3.org/2006/time#Interval")}
_LABELS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&-]{1,9}$")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "（": "(", "）": ")", "，": ",", "：": ":", "；": ";"})


def normalize_label(label: str) -> str:
    """A name as it is compared with text: one style of quotes and brackets, no PDF gaps."""
    return squash(label).translate(_QUOTES)


@dataclass(frozen=True)
class Match:
    start: int
    end: int
    entity: URIRef
    surface: str


class Gazetteer:
    """Names -> entities, with a longest-match finder."""

    def __init__(self, names: dict[str, set[URIRef]]) -> None:
        self.cjk: dict[str, set[URIRef]] = {}
        self.latin: dict[str, set[URIRef]] = {}  # lower-cased
        self.acronyms: dict[str, set[URIRef]] = {}
        for name, entities in names.items():
            name = normalize_label(name)
            if has_cjk(name):
                if len(name) >= 2:
                    self.cjk.setdefault(name, set()).update(entities)
            elif _ACRONYM.match(name):
                self.acronyms.setdefault(name, set()).update(entities)
            elif len(name) >= 4 and re.search(r"[A-Za-z]", name) and not re.fullmatch(r"[a-z-]+", name):
                # a single lower-case word ("countries") is a common noun, not a name
                self.latin.setdefault(name.lower(), set()).update(entities)
        self._cjk_re = _alternation(self.cjk, "", "", 0)
        self._latin_re = _alternation(self.latin, r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])", re.IGNORECASE)
        self._acr_re = _alternation(self.acronyms, r"(?<![A-Za-z0-9])", r"(?![A-Za-z0-9])", 0)

    @property
    def entities(self) -> set[URIRef]:
        return {e for table in (self.cjk, self.latin, self.acronyms) for es in table.values() for e in es}

    def __len__(self) -> int:
        return len(self.cjk) + len(self.latin) + len(self.acronyms)

    @classmethod
    def from_graph(cls, graph: Graph) -> Gazetteer:
        """The names of every individual of `graph` (ontology + curated entities)."""
        names: dict[str, set[URIRef]] = defaultdict(set)
        for s in set(graph.subjects(RDF.type, None)):
            if not isinstance(s, URIRef) or set(graph.objects(s, RDF.type)) & _NOT_ENTITIES:
                continue
            for p in _LABELS:
                for o in graph.objects(s, p):
                    if isinstance(o, Literal) and 2 <= len(str(o)) <= 80:
                        names[str(o)].add(s)
        return cls(names)

    def find(self, text: str) -> list[Match]:
        """Every name in `text`, longest first, non-overlapping, in text order."""
        found: list[tuple[int, int, set[URIRef]]] = []
        for rx, table, key in ((self._cjk_re, self.cjk, str), (self._latin_re, self.latin, str.lower),
                               (self._acr_re, self.acronyms, str)):
            if rx is None:
                continue
            # overlapping search: a shorter name may start inside a longer one of another table
            pos = 0
            while (m := rx.search(text, pos)) is not None:
                found.append((m.start(), m.end(), table[key(m.group(0))]))
                pos = m.start() + 1
        found.sort(key=lambda f: (-(f[1] - f[0]), f[0]))
        taken: list[tuple[int, int]] = []
        out: list[Match] = []
        for start, end, entities in found:
            if any(start < e and s < end for s, e in taken):
                continue
            taken.append((start, end))
            out += [Match(start, end, ent, text[start:end]) for ent in sorted(entities)]
        return sorted(out, key=lambda m: (m.start, str(m.entity)))


def _alternation(names: dict[str, set[URIRef]], before: str, after: str, flags: int) -> re.Pattern | None:
    if not names:
        return None
    alts = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
    return re.compile(f"{before}(?:{alts}){after}", flags)

