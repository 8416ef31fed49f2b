"""Extractors: each reads one source file and returns what it found.

A small registry keyed by name, so a new extractor is added without touching the build.
"""

from __future__ import annotations

from collections.abc import Callable

from kg.corpus import SourceFile
from kg.extract.records import PaperRecord
from kg.extract.structure import extract_structure

Extractor = Callable[[SourceFile], PaperRecord]

EXTRACTORS: dict[str, Extractor] = {
    "structure": extract_structure,
}


def get(name: str) -> Extractor:
    try:
        return EXTRACTORS[name]
    except KeyError:
        raise KeyError(f"no extractor named {name!r}; known: {', '.join(sorted(EXTRACTORS))}") from None
