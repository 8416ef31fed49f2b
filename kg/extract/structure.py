"""Document structure of one paper file: the bibliographic record, found by layout rules.

The rules are written for journal papers as PDF-to-text tools print them (landing pages,
bilingual front matter, numbered headings, numbered reference lists) and do not know the three
papers of the corpus: a new paper in the same style is read the same way.
"""

from __future__ import annotations

import re

from kg.corpus import SourceFile
from kg.extract.records import Affiliation, Author, Grant, PaperRecord, Reference, Section
from kg.extract.text import CJK, has_cjk, join_lines, language_of, squash

SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹"
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_SUP_MAP = {c: str(i) for i, c in enumerate(SUPERSCRIPTS)}
DOI_RE = re.compile(r"\b10\.\d{4,9}/[^\s,;，；()（）]+")

ABSTRACT_LABEL = re.compile(r"^(Abstract|摘\s*要)(?:\s*[:：]?\s+(?P<rest>.*)|\s*[:：]?\s*)$")
KEYWORDS_LABEL = re.compile(r"^(Keywords?|Key words|关\s*键\s*词)(?:\s*[:：]?\s+(?P<rest>.*)|\s*[:：]?\s*)$", re.I)
REFERENCES_LABEL = re.compile(r"^(References|Bibliography|参考文献)\s*$", re.I)
GRANT_LABEL = re.compile(r"^(资助项目|基金项目|Foundation|Funding)\s*[:：]\s*(?P<rest>.*)$", re.I)
OTHER_LABELS = re.compile(
    r"^(DOI|CSTR|Document Type|First page|Last Page|Recommended Citation|Authors|Available at|"
    r"引用格式|专题|修改稿收到日期|收稿日期)\b",
    re.I,
)
HEADING_RE = re.compile(rf"^(?P<num>\d{{1,2}}(?:\.\d{{1,2}}){{0,3}})\.?[ \t\u3000]+(?P<title>[A-Z{CJK}\"“].*)$")
GRANT_CODE = re.compile(r"[（(]\s*([A-Za-z0-9][A-Za-z0-9\-]*\d[A-Za-z0-9\-]*)\s*[）)]")
SELF_CITATION = re.compile(
    r"(?P<journal>[A-Za-z][A-Za-z ()&]+?|[" + CJK + r"]+)\s*[,，]\s*(?P<year>(?:19|20)\d\d)\s*[,，]\s*"
    r"(?P<volume>\d+)\s*\((?P<issue>\d+)\)\s*[:：]\s*(?P<first>\d+)\s*[-–]\s*(?P<last>\d+)"
)
ZH_ISSUE = re.compile(r"((?:19|20)\d\d)年\s*·\s*第\s*(\d+)\s*卷\s*·\s*第\s*(\d+)\s*期")
VOLUME_ISSUE = re.compile(r"^Volume\s+(\d+)\s*\|\s*Issue\s+(\d+)", re.I)
JOURNAL_WORDS = re.compile(r"\b(Bulletin|Journal|Review|Transactions|Proceedings|Letters|Annals)\b")
DATE_LINE = re.compile(r"^\d{1,2}-\d{1,2}-(?:19|20)\d\d$")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _paragraphs(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Runs of non-blank lines, with the index of their first line."""
    out: list[tuple[int, list[str]]] = []
    start, run = None, []
    for i, line in enumerate(lines):
        if line.strip():
            if start is None:
                start = i
            run.append(line)
        elif run:
            out.append((start, run))
            start, run = None, []
    if run:
        out.append((start, run))
    return out


def _is_label(line: str) -> bool:
    s = line.strip()
    return bool(
        ABSTRACT_LABEL.match(s)
        or KEYWORDS_LABEL.match(s)
        or REFERENCES_LABEL.match(s)
        or GRANT_LABEL.match(s)
        or OTHER_LABELS.match(s)
    )


# --- references -------------------------------------------------------------------------------

_REF_START = re.compile(r"^(?:-\s*)?\[?(?P<n>\d{1,3})\]?[.\s]\s*(?P<rest>\S.*)$")
_YEAR = re.compile(r"(?:19|20)\d\d")
_AUTHOR_START = re.compile(r"^(?:-\s*)?[A-Z][A-Za-z'\-]+,? [A-Z]{1,3}\b")


def _find_references(lines: list[str]) -> tuple[int | None, int, list[Reference]]:
    """The numbered reference list: after the last 'References' heading, or else the last run
    of lines numbered 1, 2, 3 ... that each cite a year."""
    heads = [i for i, line in enumerate(lines) if REFERENCES_LABEL.match(line.strip())]
    if heads:
        start = heads[-1]
        first = start + 1
    else:
        first = None
        for i in range(len(lines) - 1, -1, -1):
            m = _REF_START.match(lines[i].strip())
            if m and m.group("n") == "1" and _YEAR.search(lines[i]):
                # a run 1, 2, 3 must follow
                nxt = [_REF_START.match(x.strip()) for x in lines[i + 1 :] if x.strip()]
                if len(nxt) >= 2 and nxt[0] and nxt[0].group("n") == "2":
                    first = i
                    break
        if first is None:
            return None, len(lines), []
        start = first
    refs: list[Reference] = []
    current: list[str] = []

    def close() -> None:
        if current:
            text = join_lines(current)
            doi = DOI_RE.search(text.replace("doi: ", "doi:"))
            refs[-1].text = text
            refs[-1].doi = doi.group(0).rstrip(".") if doi else None

    expected = 1
    done = False
    end = len(lines)
    for idx in range(first, len(lines)):
        s = lines[idx].strip()
        if not s:
            continue
        m = _REF_START.match(s)
        if m and int(m.group("n")) == expected:
            close()
            refs.append(Reference(expected, ""))
            current = [m.group("rest")]
            expected += 1
            continue
        if not refs or done:
            continue
        # A continuation line. After the text of the last entry looks complete, accept only a
        # parallel (romanized) version of the entry; anything else starts the back matter.
        text_so_far = join_lines(current)
        complete = bool(_YEAR.search(text_so_far)) and text_so_far.rstrip().endswith((".", ")", "）"))
        parallel = _AUTHOR_START.match(s) and "(in Chinese)" not in text_so_far
        if complete and not parallel and not _REF_START.match(s):
            # the back matter after the last reference, unless another entry follows
            nxt_numbered = any(
                (mm := _REF_START.match(x.strip())) and int(mm.group("n")) == expected
                for x in lines[idx : idx + 40]
            )
            if not nxt_numbered:
                done = True
                end = idx
                continue
        current.append(s.removeprefix("- ").strip())
    close()
    return start, end, refs


# --- sections ---------------------------------------------------------------------------------


def _successor(prev: tuple[int, ...] | None, cand: tuple[int, ...]) -> bool:
    if prev is None:
        return all(c == 1 for c in cand)
    if cand == prev + (1,) * (len(cand) - len(prev)) and len(cand) > len(prev):
        return True
    for j in range(1, len(prev) + 1):
        if cand[: j - 1] == prev[: j - 1] and len(cand) >= j and cand[j - 1] == prev[j - 1] + 1:
            return all(c == 1 for c in cand[j:])
    return False


def _find_sections(lines: list[str], start: int, end: int) -> list[Section]:
    sections: list[Section] = []
    prev: tuple[int, ...] | None = None
    for i in range(start, end):
        raw = lines[i]
        s = raw.strip()
        if not s or "\t" in raw or raw.lstrip().startswith("-"):
            continue
        m = HEADING_RE.match(s)
        if not m:
            continue
        num = tuple(int(x) for x in m.group("num").split("."))
        title = m.group("title")
        lang = language_of(title)
        limit = 40 if lang == "zh" else 160
        if len(title) > limit or title.endswith(("。", "；", ";", ",", "，")) or not _successor(prev, num):
            continue
        # A Chinese heading wrapped onto a short next line, itself followed by a blank line.
        if lang == "zh" and i + 2 < len(lines):
            nxt, after = lines[i + 1].strip(), lines[i + 2].strip()
            if nxt and len(nxt) <= 12 and not after and not HEADING_RE.match(nxt):
                title = title + nxt
        sections.append(Section(".".join(map(str, num)), squash(title), lang))
        prev = num
    return sections


# --- front matter -----------------------------------------------------------------------------


def _label_value(lines: list[str], i: int, rest: str | None, *, stop_latin_para: bool) -> str:
    """The text of a labelled field: the rest of the label line, then the lines that follow,
    until the next label (or, in Latin text, the end of a sentence before a title-like line)."""
    collected = [rest] if rest else []
    j = i + 1
    while j < len(lines):
        s = lines[j].strip()
        if s and _is_label(s):
            break
        if s:
            collected.append(s)
            if stop_latin_para and not has_cjk(s) and s.endswith((".", "。")):
                nxt = next((x.strip() for x in lines[j + 1 :] if x.strip()), "")
                if nxt and len(nxt) < 120 and not nxt.endswith((".", "。")) and not nxt[:1].islower():
                    break
        j += 1
    return join_lines(collected)


def _split_keywords(value: str) -> list[str]:
    parts = re.split(r"\s*[;；,，]\s*", value)
    return [squash(p) for p in parts if squash(p)]


_EN_NAME = r"[A-Z][A-Za-z'\-]+ [A-Z][A-Za-z'\-]+"
_MARK = rf"(?:\^\{{[\d,\*]+\}}|[{SUPERSCRIPTS}\d,\*⊠]+)?"
_EN_AUTHOR_LINE = re.compile(rf"^(?:{_EN_NAME}{_MARK}\s*)+(?=\(|（|$)")
_EN_AUTHOR = re.compile(rf"(?P<name>{_EN_NAME})(?P<mark>{_MARK})")
_ZH_AUTHOR_LINE = re.compile(rf"^(?:[{CJK}](?:\s?[{CJK}]){{1,3}}\s*[\d,]*\*?\s*)+$")
_ZH_AUTHOR = re.compile(rf"(?P<name>[{CJK}](?:\s?[{CJK}]){{1,3}})\s*(?P<mark>[\d,]*\*?)")


def _marks(mark: str) -> tuple[list[int], bool]:
    mark = "".join(_SUP_MAP.get(c, c) for c in mark)
    nums = [int(x) for x in re.findall(r"\d+", mark)]
    return nums, ("*" in mark or "⊠" in mark)


def _split_en_name(name: str) -> tuple[str, str]:
    """(family, given): an all-capitals word is the family name, else the last word is."""
    parts = name.split()
    for k, p in enumerate(parts):
        if len(p) > 1 and p.isupper():
            return p.title(), " ".join(parts[:k] + parts[k + 1 :])
    return parts[-1], " ".join(parts[:-1])


def _strip_address(name: str) -> str:
    """The organization part of a printed affiliation: no e-mail, city, postcode or country."""
    name = re.sub(r"\s*\[?⊠\]?\s*\S+@\S+.*$", "", name)  # e-mail
    name = re.sub(r"[;；)）.]+$", "", name.strip())
    country = r"(?:,\s*[A-Z][A-Za-z .]+)?"
    name = re.sub(rf",\s*[A-Z][a-z]+(?: [A-Z][a-z]+)?\s+\d{{4,6}}{country}$", "", name)  # , Nanjing 210023, China
    name = re.sub(rf"\s+\d{{4,6}},\s*[A-Z][a-z]+{country}$", "", name)  # 100142, Beijing, China
    name = re.sub(r",\s*(China|P\.\s?R\.\s?China)$", "", name)
    name = re.sub(r"\s+\d{6}$", "", name)
    return squash(name)


def _strip_zh_address(name: str) -> str:
    tokens = re.split(r"\s+", name.strip())
    if tokens and re.fullmatch(r"\d{6}", tokens[-1]):
        tokens = tokens[:-2] if len(tokens) > 2 else tokens[:-1]
    return " ".join(tokens)


def _en_affiliations(text: str) -> dict[int, str]:
    """Affiliations printed as '(1 A, City 123456, China; 2 B ...)' or '¹A ...'."""
    text = text.strip().lstrip("(（").rstrip(")）")
    text = re.sub(rf"\s+(?=[{SUPERSCRIPTS}])", ";", text)  # one affiliation per superscript marker
    text = "".join(_SUP_MAP.get(c, c) for c in text)
    out: dict[int, str] = {}
    for part in re.split(r";|；", text):
        m = re.match(r"^\s*-?\s*(\d{1,2})\s*(\S.*)$", part.strip())
        if m:
            out[int(m.group(1))] = _strip_address(m.group(2))
    return out


def extract_structure(source: SourceFile) -> PaperRecord:
    """The bibliographic record one file prints."""
    lines = _lines(source.text)
    rec = PaperRecord(files=[source.name], languages=[language_of(source.text)])
    ref_start, ref_end, rec.references = _find_references(lines)
    front_end = ref_start if ref_start is not None else len(lines)
    paras = _paragraphs(lines)

    # Labels: abstracts, keywords, grants.
    kw_label_lines: list[int] = []
    for i in range(len(lines)):
        s = lines[i].strip()
        if ref_start is not None and ref_start <= i < ref_end:
            continue
        if m := ABSTRACT_LABEL.match(s):
            value = _label_value(lines, i, m.group("rest"), stop_latin_para=True)
            if len(value) > 80:
                lang = language_of(value)
                if len(value) > len(rec.abstracts.get(lang, "")):
                    rec.abstracts[lang] = value
        elif m := KEYWORDS_LABEL.match(s):
            kw_label_lines.append(i)
            value = m.group("rest") or next((x.strip() for x in lines[i + 1 :] if x.strip()), "")
            j = i + 1
            while value.rstrip().endswith((",", "，", ";", "；")) and j < len(lines):
                if lines[j].strip() and lines[j].strip() not in value:
                    value += " " + lines[j].strip()
                j += 1
            kws = _split_keywords(value)
            if kws:
                rec.keywords.setdefault(language_of(value), kws)
        elif m := GRANT_LABEL.match(s):
            value = m.group("rest")
            j = i + 1
            while j < len(lines) and (not lines[j].strip() or lines[j].strip()[:1] in "（("):
                if lines[j].strip():
                    value += lines[j].strip()
                j += 1
            for g in _grants(value):
                if all(g.number != x.number for x in rec.grants):
                    rec.grants.append(g)

    # Unlabelled landing-page fields: keywords as a 'a; b; c' line, the abstract as the
    # longest paragraph before the references.
    if not rec.keywords:
        for _, para in paras[:6]:
            line = join_lines(para)
            items = _split_keywords(line) if ";" in line and not re.search(r"[()（）\d]", line) else []
            if len(items) >= 3 and all(len(x) < 80 for x in items):
                rec.keywords[language_of(line)] = items
                break
    if not rec.abstracts:
        body = [(s, join_lines(p)) for s, p in paras if s < front_end]
        if body:
            _, longest = max(body, key=lambda x: len(x[1]))
            if len(longest) > 400:
                rec.abstracts[language_of(longest)] = longest

    _front_matter(lines, [p for p in paras if p[0] < front_end or p[0] >= ref_end], rec)

    # Sections: between the keywords label that opens the body and the references.
    start = _body_start(lines, kw_label_lines, front_end)
    if start is not None:
        end = min([front_end] + [k for k in kw_label_lines if k > start])
        rec.sections = _find_sections(lines, start + 1, end)
    return rec


def _body_start(lines: list[str], kw_lines: list[int], end: int) -> int | None:
    for n, k in enumerate(kw_lines):
        stop = kw_lines[n + 1] if n + 1 < len(kw_lines) else end
        for i in range(k + 1, min(stop, end)):
            raw = lines[i]
            m = HEADING_RE.match(raw.strip())
            if m and m.group("num") == "1" and not raw.lstrip().startswith("-"):
                return k
    return None


def _grants(value: str) -> list[Grant]:
    out = []
    pos = 0
    for m in GRANT_CODE.finditer(value):
        name = value[pos : m.start()]
        name = re.sub(r"^[\s,，、;；]+", "", name)
        pos = m.end()
        label = squash(name).replace(" （", "（").replace("） ", "）")
        out.append(Grant(m.group(1), label, language_of(label) if label else "zh"))
    return out


def _front_matter(lines: list[str], paras: list[tuple[int, list[str]]], rec: PaperRecord) -> None:
    texts = [(s, join_lines(p), p) for s, p in paras]

    # Journal, volume, issue, year, pages.
    for s, text, _ in texts:
        if m := VOLUME_ISSUE.match(text):
            rec.volume, rec.issue = m.group(1), m.group(2)
        if m := ZH_ISSUE.search(text):
            rec.year, rec.volume, rec.issue = m.group(1), m.group(2), m.group(3)
        if not rec.journal and JOURNAL_WORDS.search(text) and len(text) < 100 and s < 10:
            rec.journal["en"] = text
        if not rec.doi and (m := DOI_RE.search(text)) and re.search(r"\bDOI\b|doi\.org", text, re.I):
            rec.doi = m.group(0).rstrip(".")

    # The titles: the first paragraph in each script that is not a label, a field or a header.
    title_paras: dict[str, tuple[int, str]] = {}
    for idx, (_s, text, para) in enumerate(texts):
        first = para[0].strip()
        if _is_label(first) or ":" in first[:12] or "：" in first[:12] or first[:1] in CIRCLED:
            continue
        if idx > 0 and texts[idx - 1][1] in ("Document Type",):
            continue
        if VOLUME_ISSUE.match(text) or DATE_LINE.match(text) or JOURNAL_WORDS.search(text):
            continue
        if ";" in text or len(text) > 300 or text.endswith((".", "。")) or len(text) < 8:
            continue
        if "|" in text or "@" in text:
            continue
        lang = "zh" if has_cjk(text) else "en"
        if lang in title_paras or (lang == "zh" and language_of(text) != "zh"):
            continue
        if lang == "en" and len(text.split()) < 4:
            continue
        title_paras[lang] = (idx, " ".join(squash(x) for x in para if x.strip()))
    for lang, (_, title) in title_paras.items():
        rec.titles[lang] = squash(title) if lang == "en" else title

    # The self-citation gives journal names, year, volume, issue and pages.
    for _, text, _ in texts:
        for m in SELF_CITATION.finditer(text):
            if not any(t and t[:20].lower() in text.lower() for t in rec.titles.values()):
                continue
            journal = squash(m.group("journal")).strip(" .")
            journal = re.sub(r"^.*[.。]\s*", "", journal)
            rec.journal[language_of(journal)] = journal
            rec.year = rec.year or m.group("year")
            rec.volume, rec.issue = m.group("volume"), m.group("issue")
            rec.first_page, rec.last_page = m.group("first"), m.group("last")

    _authors(lines, texts, rec)


def _authors(lines: list[str], texts: list[tuple[int, str, list[str]]], rec: PaperRecord) -> None:
    titles = [re.sub(r"\W", "", t.lower()) for t in rec.titles.values()]

    def is_title(text: str) -> bool:
        key = re.sub(r"\W", "", text.lower())
        return len(key) >= (6 if has_cjk(key) else 20) and any(key in t for t in titles)

    def opens_affiliations(k: int) -> bool:
        return k < len(texts) and texts[k][1][:1] in "(（" + SUPERSCRIPTS
    en: list[tuple[str, list[int], bool]] = []
    en_aff: dict[int, str] = {}
    zh: list[tuple[str, list[int], bool]] = []
    zh_aff: dict[int, str] = {}
    for idx, (_s, _text, para) in enumerate(texts):
        first = para[0].strip()
        prev_is_title = idx > 0 and is_title(texts[idx - 1][1])
        if first == "Authors" and idx + 1 < len(texts):
            names = re.split(r",\s*(?:and\s+)?|\s+and\s+", texts[idx + 1][1])
            if all(re.fullmatch(_EN_NAME, n) for n in names) and len(names) > len(en):
                en = [(n, [], False) for n in names]
            continue
        m = _EN_AUTHOR_LINE.match(first)
        if not prev_is_title and not (m and (opens_affiliations(idx + 1) or m.end() < len(first))):
            continue
        if m and not has_cjk(first):
            found = [(a.group("name"), *_marks(a.group("mark"))) for a in _EN_AUTHOR.finditer(m.group(0))]
            if len(found) >= len(en) or not any(a[1] for a in en):
                en = found if len(found) >= len(en) or any(f[1] for f in found) else en
            # affiliations: the rest of this paragraph and the next ones up to a closing bracket
            rest = [first[m.end() :]] + [x.strip() for x in para[1:]]
            k = idx + 1
            blob = " ".join(rest)
            while (blob.count("(") + blob.count("（")) > (blob.count(")") + blob.count("）")) and k < len(texts):
                blob += " " + texts[k][1]
                k += 1
            if not blob.strip() and k < len(texts) and texts[k][1][:1] in "(（" + SUPERSCRIPTS:
                blob = texts[k][1]
                k += 1
                while (blob.count("(") + blob.count("（")) > (blob.count(")") + blob.count("）")) and k < len(texts):
                    blob += " " + texts[k][1]
                    k += 1
            affs = _en_affiliations(blob) if blob.strip() else {}
            if len(affs) >= len(en_aff):
                en_aff = affs
            continue
        if _ZH_AUTHOR_LINE.match(first) and has_cjk(first) and len(first) < 80:
            zh = [(squash(a.group("name")), *_marks(a.group("mark"))) for a in _ZH_AUTHOR.finditer(first)]
            for _s2, _t2, p2 in texts[idx + 1 : idx + 6]:
                for raw in p2:
                    mm = re.match(r"^\s*-?\s*(\d{1,2})\s+(\S.*)$", raw.strip())
                    if mm and has_cjk(mm.group(2)):
                        zh_aff.setdefault(int(mm.group(1)), _strip_zh_address(mm.group(2)))
    n = max(len(en), len(zh))
    for i in range(n):
        a = Author(position=i + 1)
        if i < len(en):
            name, nums, corr = en[i]
            a.names["en"] = name
            a.family, a.given = _split_en_name(name)
            a.affiliations, a.corresponding = nums, corr
        if i < len(zh):
            name, nums, corr = zh[i]
            a.names["zh"] = name
            a.affiliations = a.affiliations or nums
            a.corresponding = a.corresponding or corr
        rec.authors.append(a)
    numbers = sorted(set(en_aff) | set(zh_aff))
    rec.affiliations = [
        Affiliation(k, {lang: v for lang, v in (("en", en_aff.get(k)), ("zh", zh_aff.get(k))) if v})
        for k in numbers
    ]
    if len(rec.authors) == 1 and not rec.authors[0].affiliations:
        rec.authors[0].affiliations = numbers
