"""Recognise which files print the same paper, and merge their records into one.

Files are the same paper when they share a DOI, a title or the opening of an abstract (one
paper may come as a landing page, an English front matter and a Chinese full text).
"""

from __future__ import annotations

from kg.extract.records import Affiliation, Author, PaperRecord
from kg.extract.text import normalize_for_match

_ABSTRACT_KEY_CHARS = 160


def _keys(rec: PaperRecord) -> set[str]:
    keys = set()
    if rec.doi:
        keys.add("doi:" + rec.doi.lower())
    for lang, title in rec.titles.items():
        k = normalize_for_match(title)
        if len(k) >= 20:
            keys.add(f"title:{lang}:{k}")
    for lang, abstract in rec.abstracts.items():
        k = normalize_for_match(abstract)
        if len(k) >= _ABSTRACT_KEY_CHARS:
            keys.add(f"abstract:{lang}:{k[:_ABSTRACT_KEY_CHARS]}")
    return keys


def group(records: list[PaperRecord]) -> list[list[PaperRecord]]:
    """Connected groups of records that share a key, in the order of their first file."""
    parent = list(range(len(records)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, rec in enumerate(records):
        for key in _keys(rec):
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    groups: dict[int, list[PaperRecord]] = {}
    for i, rec in enumerate(records):
        groups.setdefault(find(i), []).append(rec)
    return sorted(groups.values(), key=lambda g: g[0].files[0])


def _longest(values: list[str | None]) -> str | None:
    present = [v for v in values if v]
    return max(present, key=len) if present else None


def merge(records: list[PaperRecord]) -> PaperRecord:
    """One record from several files of the same paper; each field from its fullest source."""
    out = PaperRecord()
    for rec in records:
        out.files += rec.files
        out.languages += [lang for lang in rec.languages if lang not in out.languages]
    for field in ("titles", "abstracts", "journal"):
        langs = {lang for rec in records for lang in getattr(rec, field)}
        setattr(out, field, {lang: _longest([getattr(r, field).get(lang) for r in records]) for lang in sorted(langs)})
    for field in ("volume", "issue", "first_page", "last_page", "year", "doi"):
        setattr(out, field, next((getattr(r, field) for r in records if getattr(r, field)), None))
    for rec in records:
        for lang, kws in rec.keywords.items():
            out.keywords.setdefault(lang, kws)
        for g in rec.grants:
            if all(g.number != x.number for x in out.grants):
                out.grants.append(g)
    out.references = max((r.references for r in records), key=len)
    # Sections: one per number, with a title in each language printed.
    by_number: dict[tuple, list] = {}
    for rec in records:
        for s in rec.sections:
            by_number.setdefault((s.number, s.lang), s)
    out.sections = sorted(by_number.values(), key=lambda s: ([int(x) for x in s.number.split(".")], s.lang))
    # Authors: the fullest byline, with names and affiliations from the others by position.
    fullest = max(records, key=lambda r: (len(r.authors), sum(len(a.names) for a in r.authors)))
    out.authors = [Author(a.position, dict(a.names), a.family, a.given, list(a.affiliations), a.corresponding)
                   for a in fullest.authors]
    for rec in records:
        if len(rec.authors) != len(out.authors):
            continue
        for mine, theirs in zip(out.authors, rec.authors, strict=True):
            for lang, name in theirs.names.items():
                mine.names.setdefault(lang, name)
            mine.family = mine.family or theirs.family
            mine.given = mine.given or theirs.given
            mine.affiliations = mine.affiliations or theirs.affiliations
            mine.corresponding = mine.corresponding or theirs.corresponding
    affs: dict[int, dict[str, str]] = {}
    for rec in records:
        for a in rec.affiliations:
            for lang, name in a.names.items():
                affs.setdefault(a.number, {}).setdefault(lang, name)
    out.affiliations = [Affiliation(k, v) for k, v in sorted(affs.items())]
    return out
