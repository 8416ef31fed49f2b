"""What the structure extractor finds in a paper, before it becomes triples."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Author:
    position: int
    names: dict[str, str] = field(default_factory=dict)  # lang -> name as printed
    family: str | None = None  # romanized family name
    given: str | None = None
    affiliations: list[int] = field(default_factory=list)
    corresponding: bool = False


@dataclass
class Affiliation:
    number: int
    names: dict[str, str] = field(default_factory=dict)  # lang -> organization name


@dataclass
class Section:
    number: str
    title: str
    lang: str


@dataclass
class Reference:
    number: int
    text: str
    doi: str | None = None


@dataclass
class Grant:
    number: str
    label: str
    lang: str


@dataclass
class PaperRecord:
    """The bibliographic record of one file, or of one paper once its files are merged."""

    files: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    authors: list[Author] = field(default_factory=list)
    affiliations: list[Affiliation] = field(default_factory=list)
    journal: dict[str, str] = field(default_factory=dict)
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    year: str | None = None
    doi: str | None = None
    keywords: dict[str, list[str]] = field(default_factory=dict)
    abstracts: dict[str, str] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
