"""Check a query before it reaches the engine: size, nesting, counts, SERVICE and LOAD.

The engine crashes on deeply nested or very large queries and follows SERVICE and LOAD to any
address. A lexer (strings, IRIs and comments handled, so a keyword inside a string is not a
keyword) measures the query and finds every SERVICE and LOAD target, and each limit that is
exceeded is refused with its name. Federation goes only to endpoints on the allow-list, compared
after normalization, so no spelling of an address gets through by accident.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from kg.errors import QueryRefused

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:[\w\-\u00b7\u00c0-\uffff:%.]*[\w\-:%])?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\|\||&&|!=|<=|>=|\^\^)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Limits:
    """What a query may contain. Each limit has a name used in the error message."""

    max_bytes: int = 100_000
    max_depth: int = 64
    max_triple_patterns: int = 2_000
    max_binds: int = 500
    max_operators: int = 2_000
    max_variables: int = 1_000
    service_allowlist: tuple[str, ...] = field(default_factory=tuple)


@dataclass
class QueryProfile:
    depth: int = 0
    triple_patterns: int = 0
    binds: int = 0
    operators: int = 0
    variables: int = 0
    services: list[str] = field(default_factory=list)
    loads: list[str] = field(default_factory=list)
    updates: bool = False
    form: str | None = None  # SELECT, ASK, CONSTRUCT or DESCRIBE: the first one in the text


_UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}


def normalize_endpoint(iri: str) -> str:
    """Scheme and host in lower case, default port dropped, no fragment: for allow-list checks."""
    parts = urlsplit(iri.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + ("" if port in (None, default) else f":{port}")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def profile(query: str) -> QueryProfile:
    """Measure the query and collect its SERVICE and LOAD targets (as absolute IRIs)."""
    prof = QueryProfile()
    prefixes: dict[str, str] = {}
    base = ""
    depth = 0
    variables: set[str] = set()
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(query) if m.lastgroup not in ("ws", "comment")]
    brace_depth = 0

    def resolve(kind: str, text: str) -> str | None:
        if kind == "iri":
            return urljoin(base, text[1:-1]) if base else text[1:-1]
        if kind == "pname":
            pfx, _, local = text.partition(":")
            return prefixes[pfx] + local if pfx in prefixes else None
        return None

    for i, (kind, text) in enumerate(tokens):
        low = text.lower()
        if kind == "word":
            if low == "prefix" and i + 2 < len(tokens) and tokens[i + 2][0] == "iri":
                iri = tokens[i + 2][1][1:-1]
                prefixes[tokens[i + 1][1].rstrip(":")] = urljoin(base, iri) if base else iri
            elif low == "base" and i + 1 < len(tokens) and tokens[i + 1][0] == "iri":
                base = tokens[i + 1][1][1:-1]
            elif low in ("service", "load"):
                j = i + 1
                if j < len(tokens) and tokens[j][1].lower() == "silent":
                    j += 1
                target = resolve(*tokens[j]) if j < len(tokens) else None
                if target is None:
                    shown = tokens[j][1] if j < len(tokens) else "nothing"
                    target = f"<unresolvable: {shown}>"
                (prof.services if low == "service" else prof.loads).append(target)
            elif low == "bind":
                prof.binds += 1
            elif low in ("select", "ask", "construct", "describe") and prof.form is None:
                prof.form = low.upper()
            if low in _UPDATE_WORDS and brace_depth == 0:
                prof.updates = True
        elif kind == "var":
            variables.add(text[1:])
        elif kind == "op":
            prof.operators += 1
        elif kind == "punct":
            if text in "({[":
                depth += 1
                prof.depth = max(prof.depth, depth)
                if text == "{":
                    brace_depth += 1
            elif text in ")}]":
                depth = max(depth - 1, 0)
                if text == "}":
                    brace_depth = max(brace_depth - 1, 0)
            elif text in ".;," and brace_depth > 0:
                prof.triple_patterns += 1
            elif text in "+-*/<>=!":
                prof.operators += 1
    prof.variables = len(variables)
    return prof


def check(query: str, limits: Limits) -> QueryProfile:
    """Refuse the query (`QueryRefused` naming the limit) or return its profile."""
    size = len(query.encode("utf-8"))
    if size > limits.max_bytes:
        raise QueryRefused(f"the query is {size} bytes long; the limit max_bytes is {limits.max_bytes}",
                           "max_bytes")
    prof = profile(query)
    for name, value in (("max_depth", prof.depth), ("max_triple_patterns", prof.triple_patterns),
                        ("max_binds", prof.binds), ("max_operators", prof.operators),
                        ("max_variables", prof.variables)):
        limit = getattr(limits, name)
        if value > limit:
            raise QueryRefused(f"the query exceeds the limit {name} = {limit} (it has {value})", name)
    allowed = {normalize_endpoint(e) for e in limits.service_allowlist}
    for target in prof.services:
        if target.startswith("<unresolvable") or normalize_endpoint(target) not in allowed:
            raise QueryRefused(
                f"SERVICE {target} is not allowed: federation goes only to endpoints on the "
                "allow-list (service_allowlist)", "service_allowlist")
    for target in prof.loads:
        scheme = urlsplit(target).scheme.lower() if not target.startswith("<") else ""
        if scheme not in ("http", "https") or normalize_endpoint(target) not in allowed:
            raise QueryRefused(f"LOAD {target} is not allowed: only allow-listed http(s) sources "
                               "may be loaded, local files never", "load")
    return prof
