"""What a reference entry cites: first author, year, title, pages and DOI, and a key that is
the same for the same work wherever it is cited (so a citation network can be drawn).

Reference lists of Chinese journals print a Chinese entry followed by its romanized version
("白春礼. … 2023, 38(9): 1238-1245.Bai C L. …"); the romanized first author is used for the
key, so the same work cited in Chinese by one paper and in English by another meets.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

_ROMAN_AUTHOR = re.compile(r"(?:^|[.。]\s*)(?P<family>[A-Z][a-z]+(?:-[A-Z][a-z]+)?) (?P<initials>[A-Z](?: [A-Z])*)[.,]")
_YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
_PAGES = re.compile(r"\b(\d{1,3})\s*\((\d{1,3})\)\s*:\s*(\d+)\s*[-–]\s*(\d+)")
_DOI = re.compile(r"\b10\.\d{4,9}/[^\s,;()（）]+")


@dataclass(frozen=True)
class CitedWork:
    key: str
    family: str | None
    year: str | None
    volume: str | None
    issue: str | None
    first_page: str | None
    doi: str | None
    title: str | None


def _title(text: str, family_at: int) -> str | None:
    """The sentence after the author list: '<authors>. <title>. <venue> …'."""
    rest = text[family_at:]
    parts = re.split(r"\.\s+", rest, maxsplit=2)
    if len(parts) >= 2:
        title = re.sub(r"\s*\[[A-Z]\]\s*$", "", parts[1]).strip()
        return title or None
    return None


def parse(text: str) -> CitedWork:
    roman = _ROMAN_AUTHOR.search(text)
    family = roman.group("family") if roman else None
    year = next(iter(_YEAR.findall(text)), None)
    pages = _PAGES.search(text)
    doi_m = _DOI.search(text)
    doi = doi_m.group(0).rstrip(".").lower() if doi_m else None
    title = _title(text, roman.start("family")) if roman else None
    if family and year and pages:  # first: the same work is cited with and without its DOI
        key = f"{family.lower()}-{year}-{pages.group(1)}-{pages.group(3)}"
    elif doi:
        key = "doi:" + doi
    elif family:
        words = re.findall(r"[a-z0-9]+", (title or "").lower())
        key = "-".join([family.lower(), year or "nd", *words[:4]])
    else:  # an organization as author: nothing short identifies the work but its text
        key = "work-" + hashlib.sha1(re.sub(r"\s+", "", text).encode()).hexdigest()[:10]
    return CitedWork(
        key=key, family=family, year=year,
        volume=pages.group(1) if pages else None, issue=pages.group(2) if pages else None,
        first_page=pages.group(3) if pages else None, doi=doi, title=title,
    )
