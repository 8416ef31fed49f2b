"""Tables in PDF-to-text output: tab-separated rows near a caption line ("表1 …", "Table 1 …").

PDF tools print a table as a run of lines whose cells are separated by tabs; the caption may
be above the rows or below them, often in both languages. A table is the run of tab lines,
the captions with one number found within a few lines before it (else after it), a header row
(the first row of at least two cells with no numeric cell) and its data rows. A header cell
that names a unit in brackets ("专利数量(件)", "论文量(篇)", "Share (%)") gives the unit of the
numbers in its column, which become candidate statistics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.extract.text import language_of, squash

CAPTION = re.compile(r"^(?:表\s*(?P<zh>\d{1,2})|Table\s+(?P<en>\d{1,2}))(?:[\s.:：]+(?P<title>\S.*))?$")
NUMERIC = re.compile(r"^[-+]?(?:\d{1,3}(?:[ \u2009\u202f,]\d{3})+|\d+)(?:\.\d+)?\s*%?$")
UNIT_IN_HEADER = re.compile(r"[(（]\s*(?P<unit>[^()（）]{1,6})\s*[)）]\s*$")
WINDOW = 8  # lines between a caption and its rows


@dataclass
class Row:
    line: int  # 0-based line index in the file
    cells: list[str]
    text: str  # the line as printed


@dataclass
class Table:
    number: str
    captions: dict[str, str] = field(default_factory=dict)  # lang -> caption without "表1"
    caption_lines: list[int] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    lines: tuple[int, int] = (0, -1)  # first and last line of the tab-separated block

    def column_units(self) -> dict[int, str]:
        """Column index -> the unit its header names in brackets (件, 篇, %, 亿元 …)."""
        out = {}
        for i, cell in enumerate(self.header):
            if m := UNIT_IN_HEADER.search(cell):
                out[i] = m.group("unit").strip()
        return out


def _blocks(lines: list[str]) -> list[tuple[int, int]]:
    """Runs of tab-separated lines (a single blank line inside a run is allowed)."""
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(lines):
        if "\t" not in lines[i] or not lines[i].strip():
            i += 1
            continue
        start = end = i
        j = i + 1
        while j < len(lines):
            if "\t" in lines[j] and lines[j].strip():
                end = j
            elif lines[j].strip() or not (j + 1 < len(lines) and "\t" in lines[j + 1]):
                break
            j += 1
        out.append((start, end))
        i = end + 1
    return out


def _captions_near(lines: list[str], lo: int, hi: int, used: set[int]) -> list[tuple[int, str, str, str]]:
    found = []
    for k in range(max(0, lo), min(len(lines), hi)):
        if k in used:
            continue
        if m := CAPTION.match(lines[k].strip()):
            num = m.group("zh") or m.group("en")
            title = squash(m.group("title") or "")
            found.append((k, num, title, "zh" if m.group("zh") else language_of(title or "Table")))
    return found


def find_tables(text: str) -> list[Table]:
    """The tables of one paper file, in the order printed."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    tables: list[Table] = []
    used: set[int] = set()
    for start, end in _blocks(lines):
        caps = _captions_near(lines, start - WINDOW, start, used)
        if caps:
            number = caps[-1][1]
        else:
            caps = _captions_near(lines, end + 1, end + 1 + WINDOW, used)
            number = caps[0][1] if caps else None
        if number is None:
            continue  # tab lines without a caption are layout, not a table
        t = Table(number, lines=(start, end))
        for k, num, title, lang in caps:
            if num == number:
                used.add(k)
                t.caption_lines.append(k)
                if title:
                    t.captions.setdefault(lang, title)
        rows = [Row(k, [squash(c) for c in lines[k].split("\t")], lines[k])
                for k in range(start, end + 1) if "\t" in lines[k]]
        for n, row in enumerate(rows):
            cells = [c for c in row.cells if c]
            if len(cells) >= 2 and not any(NUMERIC.match(c) for c in cells):
                t.header, rows = row.cells, rows[n + 1:]
                break
        t.rows = rows
        tables.append(t)
    return tables
