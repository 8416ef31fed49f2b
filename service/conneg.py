"""Content negotiation: pick a representation from an Accept header (RFC 9110).

q-values, wildcards and several types are honoured; `format=` (and the `output=`/`results=`
that SPARQLWrapper sends) overrides Accept. No acceptable type gives `NotAcceptable` (406).
"""

from __future__ import annotations

from collections.abc import Sequence

from kg.errors import NotAcceptable


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """[(media range, q, specificity)] from an Accept header; malformed parts are skipped."""
    if not header or not header.strip():
        return [("*/*", 1.0, 0)]
    out = []
    for part in header.split(","):
        fields = [f.strip() for f in part.split(";")]
        media = fields[0].lower()
        if "/" not in media:
            continue
        q = 1.0
        for param in fields[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        typ, _, sub = media.partition("/")
        specificity = 0 if typ == "*" else 1 if sub == "*" else 2
        out.append((media, q, specificity))
    return out


def _quality(media_type: str, accepted: list[tuple[str, float, int]]) -> float:
    """The q of the most specific range that matches `media_type` (0 if none)."""
    typ, _, sub = media_type.partition("/")
    best: tuple[int, float] | None = None
    for rng, q, spec in accepted:
        rtyp, _, rsub = rng.partition("/")
        if (rtyp == "*" or rtyp == typ) and (rsub == "*" or rsub == sub) and (best is None or spec > best[0]):
            best = (spec, q)
    return best[1] if best else 0.0


def choose(accept: str | None, offered: Sequence[str], default: str | None = None) -> str:
    """The offered media type the client prefers; ties go to the order of `offered`.

    `default` wins whenever the client accepts it as much as anything else (so `*/*` gives it).
    """
    accepted = parse_accept(accept)
    scored = [(_quality(m, accepted), -i, m) for i, m in enumerate(offered)]
    best_q = max(q for q, _, _ in scored)
    if best_q <= 0:
        raise NotAcceptable(
            f"none of the types in Accept: {accept!r} can be served here; available: {', '.join(offered)}"
        )
    if default and _quality(default, accepted) == best_q:
        return default
    return max(scored)[2]
