"""Text helpers shared by the extractors: script detection and whitespace repair."""

from __future__ import annotations

import re

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_LATIN_RE = re.compile(r"[A-Za-z]")
# A space the PDF extraction put between two CJK characters (or CJK punctuation).
_CJK_GAP = re.compile(f"(?<=[{CJK}\u3000-\u303f\uff00-\uffef“”])[ \t]+(?=[{CJK}\u3000-\u303f\uff00-\uffef“”])")


def cjk_ratio(text: str) -> float:
    cjk = len(_CJK_RE.findall(text))
    latin = len(_LATIN_RE.findall(text))
    return cjk / (cjk + latin) if cjk + latin else 0.0


def language_of(text: str) -> str:
    """`zh` when CJK characters dominate the letters, else `en`."""
    return "zh" if cjk_ratio(text) > 0.3 else "en"


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text))


def squash(text: str) -> str:
    """Collapse whitespace; drop the gaps PDF extraction leaves inside Chinese text."""
    text = re.sub(r"\s+", " ", text).strip()
    return _CJK_GAP.sub("", text)


def join_lines(lines: list[str]) -> str:
    """Join wrapped lines: no space inside Chinese, a space in Latin text, hyphens kept."""
    out = ""
    for raw in lines:
        line = raw.strip()
        if not line:
            continue
        if not out:
            out = line
        elif out.endswith("-") and line[:1].isalpha() or has_cjk(out[-1:]) or has_cjk(line[:1]):
            out += line
        else:
            out += " " + line
    return squash(out)


def normalize_for_match(text: str) -> str:
    """A key for comparing texts across files: lower case, letters and digits only."""
    return re.sub(rf"[^0-9a-z{CJK}]+", "", text.lower())
