"""Numbers with units in Chinese and English text: the raw material of candidate statistics.

Recognised: counts with a Chinese classifier (1118项, 53家, 137个, 49 222篇, 7061件, 150余家),
with 万/亿 multipliers (1.2万篇); money (29.9亿元 CNY ×10^8, 亿美元 USD, $40 billion, RMB 100
million, 40 billion yuan); percentages (16.2%, 16.2 percent); English counts before a counted
noun (more than 160 countries, 60 member organizations); ranges (10–20个, 3 to 5 billion
dollars) as two bounds; and qualifiers (超过/逾/余/多/约/近, more than/over/about/at least …)
mapped to the ontology's `bri:valueQualifier` codes. Digit groups may be separated by a space
or thin space ("3 838", as PDFs print them) or by commas.

Bare numbers (years, section numbers, reference marks) are never quantities: a unit is required.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NUM = r"(?:\d{1,3}(?:[ \u2009\u202f\u00a0,]\d{3})+(?!\d)(?:\.\d+)?|\d+(?:\.\d+)?)"
_START = r"(?<![\d.A-Za-z])"

# --- Chinese ---------------------------------------------------------------------------------

_ZH_MULT = {"万亿": Decimal(10) ** 12, "亿": Decimal(10) ** 8, "千万": Decimal(10) ** 7, "百万": Decimal(10) ** 6,
            "万": Decimal(10) ** 4}
_ZH_CURRENCY = {"美元": "USD", "元": "CNY", "人民币": "CNY", "欧元": "EUR"}
#: Chinese classifiers -> bri:unit codes (generic: the classifier says what kind of thing is counted).
ZH_UNITS = {"项": "item", "家": "organization", "个": "item", "篇": "paper", "件": "item", "所": "institution",
            "名": "person", "位": "person", "人次": "person-time", "人": "person", "批次": "batch", "批": "batch",
            "座": "facility", "条": "item", "种": "kind", "次": "time", "个百分点": "percentage point"}
_ZH_MULT_RE = "|".join(sorted(_ZH_MULT, key=len, reverse=True))
_ZH_CUR_RE = "|".join(sorted(_ZH_CURRENCY, key=len, reverse=True))
_ZH_UNIT_RE = "|".join(sorted(ZH_UNITS, key=len, reverse=True))
_ZH = re.compile(
    rf"{_START}(?P<n1>{_NUM})(?:\s?(?:-|–|—|~|～|至|到)\s?(?P<n2>{_NUM}))?\s?(?P<q>余|多)?(?P<mult>{_ZH_MULT_RE})?"
    rf"(?P<q2>余|多)?(?:(?P<cur>{_ZH_CUR_RE})|(?P<pct>%|％)|(?P<unit>{_ZH_UNIT_RE}))"
)
_ZH_BEFORE = [("超过", "moreThan"), ("多于", "moreThan"), ("逾", "moreThan"), ("超", "moreThan"),
              ("不少于", "atLeast"), ("至少", "atLeast"), ("不足", "lessThan"), ("不到", "lessThan"),
              ("少于", "lessThan"), ("将近", "approximately"), ("近", "approximately"), ("大约", "approximately"),
              ("约", "approximately"), ("最多", "atMost"), ("最长", "atMost")]

# --- English ---------------------------------------------------------------------------------

_EN_MULT = {"thousand": Decimal(10) ** 3, "million": Decimal(10) ** 6, "billion": Decimal(10) ** 9,
            "trillion": Decimal(10) ** 12, "m": Decimal(10) ** 6, "mn": Decimal(10) ** 6, "b": Decimal(10) ** 9,
            "bn": Decimal(10) ** 9}
_EN_CURRENCY_BEFORE = {"US$": "USD", "$": "USD", "USD": "USD", "RMB": "CNY", "CNY": "CNY", "¥": "CNY", "€": "EUR",
                       "EUR": "EUR"}
_EN_CURRENCY_AFTER = {"us dollars": "USD", "u.s. dollars": "USD", "dollars": "USD", "usd": "USD", "yuan": "CNY",
                      "rmb": "CNY", "euros": "EUR", "eur": "EUR"}
#: English counted nouns (singular) -> bri:unit codes.
EN_NOUNS = {"country": "country", "project": "project", "paper": "paper", "publication": "paper",
            "article": "paper", "patent": "patent", "organization": "organization", "organisation": "organization",
            "institution": "institution", "institute": "institution", "member": "member", "laboratory": "laboratory",
            "lab": "laboratory", "centre": "centre", "center": "centre", "university": "university",
            "enterprise": "enterprise", "company": "enterprise", "programme": "programme", "program": "programme",
            "fund": "fund", "scientist": "person", "researcher": "person", "expert": "person", "student": "person",
            "people": "person", "person": "person", "agreement": "agreement", "alliance": "alliance",
            "park": "park", "platform": "platform", "field": "field", "region": "region", "province": "province",
            "partner": "partner", "event": "event", "activity": "activity", "participant": "person",
            "item": "item", "batch": "batch", "continent": "continent", "area": "area", "initiative": "initiative",
            "action": "action", "month": "month", "talent": "person"}
_PLURAL = {"countries": "country", "laboratories": "laboratory", "universities": "university", "companies": "company",
           "activities": "activity", "people": "people"}
_EN_NOUN_WORD = r"[A-Za-z][A-Za-z-]*"
_EN_CUR_B_RE = "|".join(re.escape(c) for c in sorted(_EN_CURRENCY_BEFORE, key=len, reverse=True))
_EN_CUR_A_RE = "|".join(re.escape(c) for c in sorted(_EN_CURRENCY_AFTER, key=len, reverse=True))
_EN_RANGE = r"(?:\s?(?:-|–|—)\s?|\s+to\s+)"
_EN_MONEY = re.compile(
    rf"(?:(?P<curb>{_EN_CUR_B_RE})\s?)?{_START}(?P<n1>{_NUM})(?:{_EN_RANGE}(?P<n2>{_NUM}))?"
    rf"(?:\s?(?P<mult>thousand|million|billion|trillion|bn|mn|M|B)\b)?(?:\s(?P<cura>{_EN_CUR_A_RE})\b)?", re.IGNORECASE)
_EN_PCT = re.compile(rf"{_START}(?P<n1>{_NUM})(?:{_EN_RANGE}(?P<n2>{_NUM}))?\s?(?:%|％|\s(?:percent|per cent)\b)",
                     re.IGNORECASE)
_EN_COUNT = re.compile(
    rf"{_START}(?P<n1>{_NUM})(?:{_EN_RANGE}(?P<n2>{_NUM}))?(?:\s(?P<mult>thousand|million|billion))?"
    rf"(?P<words>(?:\s{_EN_NOUN_WORD}){{1,3}})")
_EN_STOP = {"and", "or", "of", "in", "to", "the", "from", "by", "for", "with", "on", "at", "a", "an", "as", "is",
            "are", "was", "were"}
_EN_BEFORE = [("more than", "moreThan"), ("over", "moreThan"), ("above", "moreThan"), ("exceeding", "moreThan"),
              ("in excess of", "moreThan"), ("at least", "atLeast"), ("no fewer than", "atLeast"),
              ("less than", "lessThan"), ("fewer than", "lessThan"), ("under", "lessThan"), ("up to", "atMost"),
              ("at most", "atMost"), ("about", "approximately"), ("around", "approximately"),
              ("approximately", "approximately"), ("nearly", "approximately"), ("almost", "approximately"),
              ("roughly", "approximately"), ("some", "approximately")]
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")


@dataclass(frozen=True)
class Quantity:
    """One number with its unit as printed, ready to become a candidate statistic."""

    start: int
    end: int
    surface: str
    value: Decimal
    unit: str | None = None  # bri:unit code; None for money
    multiplier: Decimal = Decimal(1)
    currency: str | None = None  # ISO 4217
    qualifier: str | None = None  # bri:valueQualifier code; None = exact

    @property
    def plain(self) -> Decimal:
        """The value times the multiplier: what two quantities are compared on."""
        return (self.value * self.multiplier).normalize()

    @property
    def kind(self) -> str:
        """`percent`, a currency code, or `count`."""
        return self.currency or ("percent" if self.unit == "percent" else "count")


def number(text: str) -> Decimal | None:
    """A printed number ("3 838", "1,118", "29.9") as a Decimal; None if it is not one."""
    try:
        return Decimal(re.sub(r"[ \u2009\u202f\u00a0,]", "", text))
    except InvalidOperation:
        return None


def _qualifier(text: str, start: int, table: list[tuple[str, str]], lower: bool) -> str | None:
    before = text[max(0, start - 16):start].rstrip()
    if lower:
        before = before.lower()
    for word, code in table:
        if before.endswith(word) and (not lower or not before[: -len(word)][-1:].isalpha()):
            return code
    return None


def _bounds(m: re.Match, qualifier: str | None) -> list[tuple[Decimal, str | None]]:
    lo = number(m.group("n1"))
    hi = number(m.group("n2")) if m.group("n2") else None
    if lo is None:
        return []
    if hi is None or hi <= lo:
        return [(lo, qualifier)]
    return [(lo, "atLeast"), (hi, "atMost")]


def find_quantities(text: str) -> list[Quantity]:
    """Every quantity with a unit in `text` (Chinese and English), in text order."""
    out: list[Quantity] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match, start: int, items: list[tuple[Decimal, str | None]], end: int | None = None, **kw) -> None:
        end = end or m.end()
        if any(start < e and s < end for s, e in taken):
            return
        taken.append((start, end))
        for value, qual in items:
            out.append(Quantity(start, end, text[start:end], value, qualifier=qual, **kw))

    for m in _ZH.finditer(text):
        if text[max(0, m.start() - 2):m.start()].rstrip().endswith("第"):
            continue  # 第 2 位: a rank, not a count
        qual = "moreThan" if (m.group("q") or m.group("q2")) else _qualifier(text, m.start(), _ZH_BEFORE, False)
        mult = _ZH_MULT.get(m.group("mult") or "", Decimal(1))
        if m.group("cur"):
            add(m, m.start(), _bounds(m, qual), multiplier=mult, currency=_ZH_CURRENCY[m.group("cur")])
        elif m.group("pct"):
            add(m, m.start(), _bounds(m, qual), unit="percent", multiplier=mult)
        else:
            unit = ZH_UNITS[m.group("unit")]
            if unit == "percentage point":
                add(m, m.start(), _bounds(m, qual), unit=unit)
            else:
                add(m, m.start(), _bounds(m, qual), unit=unit, multiplier=mult)
    for m in _EN_PCT.finditer(text):
        add(m, m.start(), _bounds(m, _qualifier(text, m.start(), _EN_BEFORE, True)), unit="percent")
    for m in _EN_MONEY.finditer(text):
        cur = _EN_CURRENCY_BEFORE.get(m.group("curb") or "") or (
            _EN_CURRENCY_AFTER.get((m.group("cura") or "").lower()))
        if not cur:
            continue
        start = m.start("curb") if m.group("curb") else m.start("n1")
        mult = _EN_MULT.get((m.group("mult") or "").lower(), Decimal(1))
        add(m, start, _bounds(m, _qualifier(text, start, _EN_BEFORE, True)), multiplier=mult, currency=cur)
    for m in _EN_COUNT.finditer(text):
        unit, used = _counted_noun(m.group("words").split())
        if unit is None or m.group("words").split()[used - 1][:1].isupper():
            continue  # "1 Institute of …", "Issue 9 Article 3": a numbered name, not a count
        if unit is None or (not m.group("n2") and _YEAR.match(m.group("n1"))):
            continue
        mult = _EN_MULT.get((m.group("mult") or "").lower(), Decimal(1))
        end = m.start("words") + len(" ".join(m.group("words").split()[:used])) + 1
        add(m, m.start(), _bounds(m, _qualifier(text, m.start(), _EN_BEFORE, True)), end, unit=unit, multiplier=mult)
    return sorted(out, key=lambda q: (q.start, q.value))


def _counted_noun(words: list[str]) -> tuple[str | None, int]:
    """The unit of "60 member organizations" (the last known noun before any other word) and
    how many words it took."""
    unit, used = None, 0
    for i, w in enumerate(words):
        word = w.lower()
        if word in _EN_STOP:
            break
        singular = _PLURAL.get(word) or (word[:-1] if word.endswith("s") and word[:-1] in EN_NOUNS else word)
        if singular in EN_NOUNS:
            unit, used = EN_NOUNS[singular], i + 1
        elif unit is not None:
            break
    return unit, used
