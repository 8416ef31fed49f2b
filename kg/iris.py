"""Deterministic IRIs: the same corpus always yields the same resource names.

Resources live under `https://w3id.org/brikg/id/` as `<kind>/<slug>`; slugs come from what
the paper prints (a DOI, a name), never from counters or random numbers.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import URIRef

from kg.ns import BRID

GRAPH_BASE = "graph/"
ONTOLOGY_GRAPH = URIRef(BRID + "graph/ontology")
BUILD_GRAPH = URIRef(BRID + "graph/build")

_STOP = {"a", "an", "the", "of", "on", "in", "and", "by", "for", "to", "under", "with", "from"}


def slug(text: str, max_words: int = 8) -> str:
    """Lower-case ASCII words joined by hyphens; a short hash when nothing Latin is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    if not words:
        return "h" + hashlib.sha1(text.encode()).hexdigest()[:10]
    return "-".join(words[:max_words])


def title_words(title: str, n: int = 4) -> str:
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower()) if w not in _STOP]
    return "-".join(words[:n])


def paper_slug(family: str | None, year: str | None, title: str | None, fallback: str) -> str:
    parts = [slug(family, 1) if family else None, year, title_words(title) if title else None]
    parts = [p for p in parts if p]
    return "-".join(parts) if len(parts) >= 2 else slug(fallback)


def paper(slug_: str) -> URIRef:
    return URIRef(f"{BRID}paper/{slug_}")


def paper_graph(slug_: str) -> URIRef:
    return URIRef(f"{BRID}{GRAPH_BASE}paper/{slug_}")


def source_text(file_name: str) -> URIRef:
    return URIRef(f"{BRID}source/{slug(file_name.rsplit('.', 1)[0], 4)}")


def person(family: str, given: str) -> URIRef:
    return URIRef(f"{BRID}person/{slug(family + ' ' + given, 4)}")


def organization(name: str) -> URIRef:
    return URIRef(f"{BRID}org/{slug(name, 12)}")


def journal(name: str) -> URIRef:
    return URIRef(f"{BRID}journal/{slug(name, 10)}")


def work(key: str) -> URIRef:
    """A cited work, named by its citation key (see kg/extract/citations.py)."""
    if key.startswith("doi:"):
        return URIRef(f"{BRID}work/doi/{slug(key[4:], 12)}")
    return URIRef(f"{BRID}work/{slug(key, 10)}")


def grant(number: str) -> URIRef:
    return URIRef(f"{BRID}grant/{slug(number, 6)}")


def sub(parent: URIRef, *parts: str) -> URIRef:
    return URIRef(str(parent) + "/" + "/".join(parts))
