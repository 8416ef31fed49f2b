"""Check a query before it reaches the engine: size, nesting, counts, SERVICE and LOAD.

The engine crashes on deeply nested or very large queries and follows SERVICE and LOAD to any
address. A lexer (strings, IRIs and comments handled, so a keyword inside a string is not a
keyword) measures the query and finds every SERVICE and LOAD target, and each limit that is
exceeded is refused with its name. Federation goes only to endpoints on the allow-list, compared
after normalization, so no spelling of an address gets through by accident.

The lexer errs on the side of seeing a keyword: the engine's parser accepts `SERVICE:x` (the
keyword glued to a prefixed name), `trueSERVICE <x>` and `SERVICESILENT <x>`, ends a comment at
a carriage return and reads `\\#` inside a prefixed name, so the lexer does the same. The pass is
a loop over tokens, never a recursion: a query nested 100,000 deep is measured in milliseconds.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit, urlunsplit

from kg.errors import QueryRefused

_LOCAL_CHAR = r"[\w:%\-\u00b7\u00c0-\uffff]|\\[_~.\-!$&'()*+,;=/?#@%]"
_TOKEN = re.compile(
    rf"""
    (?P<ws>\s+)
  | (?P<comment>\#[^\r\n]*)
  | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
               |'(?:[^'\\\r\n]|\\.)*'|"(?:[^"\\\r\n]|\\.)*")
  | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<pname>(?:[A-Za-z\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*)?:(?:(?:{_LOCAL_CHAR}|\.)*(?:{_LOCAL_CHAR}))?)
  | (?P<word>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<number>[0-9]+\.[0-9]*[eE][+-]?[0-9]+|[0-9]*\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+(?:[eE][+-]?[0-9]+)?)
  | (?P<op>\|\||&&|!=|<=|>=|\^\^)
  | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TERMS = {"var", "iri", "pname", "string", "number", "word"}
_FEDERATION = ("service", "load")


@dataclass(frozen=True)
class Limits:
    """What a query may contain. Each limit has a name used in the error message."""

    max_bytes: int = 100_000
    max_depth: int = 64
    max_triple_patterns: int = 2_000  # triple patterns, groups `{}`, FILTERs and collection members
    max_binds: int = 500
    max_operators: int = 2_000  # expression operators and property-path operators
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
    #: GRAPH, FROM or FROM NAMED occur: the query reaches named graphs or sets its own dataset
    #: (such a query cannot be answered from the store's query view, see kg/view.py)
    names_graphs: bool = False
    #: RAND, NOW, UUID, STRUUID or BNODE occur, or SERVICE: the answer may differ between two runs
    #: on the same graph, so it is never cached or given an ETag (service/cache.py)
    volatile: bool = False


_VOLATILE_WORDS = {"rand", "now", "uuid", "struuid", "bnode"}
_UPDATE_WORDS = {"insert", "delete", "load", "clear", "drop", "create", "add", "move", "copy", "with"}


def normalize_endpoint(iri: str) -> str | None:
    """Scheme and host in lower case, default port dropped, no fragment: for allow-list checks.

    None when the IRI has no usable host or port (such a target is never allowed).
    """
    try:
        parts = urlsplit(iri.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if port in (None, default) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" + ("" if port in (None, default) else f":{port}")
    return urlunsplit((parts.scheme.lower(), netloc, parts.path or "/", parts.query, ""))


def tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) of each token but spaces and comments, for callers that must find
    keywords without being fooled by strings, IRIs or comments (e.g. the update rewriter)."""
    return [(m.lastgroup or "", m.group(), m.start()) for m in _TOKEN.finditer(text)
            if m.lastgroup not in ("ws", "comment")]


def _stream(query: str) -> Iterator[tuple[str, str]]:
    """Tokens (no spaces, no comments) with SERVICE and LOAD made visible where the engine sees them.

    A word holding `service` or `load` (`trueSERVICE`, `SERVICESILENT`) counts as that keyword;
    a prefixed name `SERVICE:x`, `LOAD:x`, `SILENT:x` (or `trueSERVICE:x`) is the keyword
    followed by `:x`, except right after PREFIX, where it declares a prefix.
    """
    previous = ""
    for m in _TOKEN.finditer(query):
        kind = m.lastgroup or ""
        if kind in ("ws", "comment"):
            continue
        text = m.group()
        if kind == "word":
            low = text.lower()
            found = sorted((low.find(k), k) for k in _FEDERATION if k in low)
            if found:
                for _, k in found:
                    yield "word", k
                if "silent" in low:
                    yield "word", "silent"
            else:
                yield kind, text
            previous = low
            continue
        if kind == "pname" and previous != "prefix":
            pfx, _, local = text.partition(":")
            bare = pfx.lower().removeprefix("true").removeprefix("false")
            if bare in (*_FEDERATION, "silent"):
                yield "word", bare
                yield "pname", ":" + local
                if bare == "silent":  # also check the name as written, should the engine read it so
                    yield "ambiguous", text
                previous = ""
                continue
        yield kind, text
        previous = ""


_UNLIMITED = Limits(max_bytes=sys.maxsize, max_depth=sys.maxsize, max_triple_patterns=sys.maxsize,
                    max_binds=sys.maxsize, max_operators=sys.maxsize, max_variables=sys.maxsize)


def _refuse(name: str, limit: int, value: int) -> QueryRefused:
    return QueryRefused(f"the query exceeds the limit {name} = {limit} (it has {value}"
                        f"{' or more' if value == limit + 1 else ''})", name)


def _profile(query: str, limits: Limits) -> QueryProfile:
    """One pass over the tokens; stops with `QueryRefused` as soon as a count passes its limit."""
    prof = QueryProfile()
    prefixes: dict[str, str] = {}
    base = ""
    variables: set[str] = set()
    stack: list[str] = []  # open brackets: group, values, bnode, expr, coll
    values_pending = False
    brace_depth = 0
    expect: str | None = None  # what the previous keyword wants next
    fed: list[str] = prof.services
    declared = ""

    def resolve(kind: str, text: str) -> str | None:
        try:
            if kind == "iri":
                return urljoin(base, text[1:-1]) if base else text[1:-1]
        except ValueError:  # a base or IRI urllib cannot parse: not a target anyone may call
            return None
        if kind in ("pname", "ambiguous"):
            pfx, _, local = text.partition(":")
            return prefixes[pfx] + local if pfx in prefixes else None
        return None

    def pattern() -> None:
        prof.triple_patterns += 1
        if prof.triple_patterns > limits.max_triple_patterns:
            raise _refuse("max_triple_patterns", limits.max_triple_patterns, prof.triple_patterns)

    def operator() -> None:
        prof.operators += 1
        if prof.operators > limits.max_operators:
            raise _refuse("max_operators", limits.max_operators, prof.operators)

    previous_kind, previous_low = "", ""
    for kind, text in _stream(query):
        if expect is not None:
            if expect == "ambiguous":
                expect = None
                if kind == "ambiguous":
                    fed.append(resolve(kind, text) or f"<unresolvable: {text}>")
                    continue
            elif expect == "target":
                if kind == "word" and text.lower() == "silent":
                    continue
                fed.append(resolve(kind, text) or f"<unresolvable: {text}>")
                expect = "ambiguous"
            elif expect == "prefix-name":
                declared, expect = text.partition(":")[0], "prefix-iri" if kind == "pname" else None
                continue
            elif expect == "prefix-iri":
                if kind == "iri":
                    prefixes[declared] = resolve(kind, text) or ""
                expect = None
                continue
            elif expect == "base-iri":
                if kind == "iri":
                    base = text[1:-1]
                expect = None
                continue
        top = stack[-1] if stack else None
        if top == "coll" and (kind in _TERMS or text in "[("):
            pattern()  # each member of an RDF collection is two triple patterns
        if kind == "word":
            low = text.lower()
            if low == "prefix":
                expect = "prefix-name"
            elif low == "base":
                expect = "base-iri"
            elif low in _FEDERATION:
                fed = prof.services if low == "service" else prof.loads
                expect = "target"
            elif low == "bind":
                prof.binds += 1
                if prof.binds > limits.max_binds:
                    raise _refuse("max_binds", limits.max_binds, prof.binds)
            elif low == "filter":
                pattern()
            elif low == "values":
                values_pending = True
            elif low in ("select", "ask", "construct", "describe") and prof.form is None:
                prof.form = low.upper()
            elif low in ("graph", "from", "named"):
                prof.names_graphs = True
            elif low in _VOLATILE_WORDS:
                prof.volatile = True
            if low in _UPDATE_WORDS and brace_depth == 0:
                prof.updates = True
            previous_kind, previous_low = kind, low
            continue
        if kind == "var":
            variables.add(text[1:])
            if len(variables) > limits.max_variables:
                raise _refuse("max_variables", limits.max_variables, len(variables))
        elif kind == "op":
            operator()
        elif kind == "punct":
            if text in "({[":
                if text == "{":
                    brace_depth += 1
                    pattern()
                    stack.append("values" if values_pending else "group")
                    values_pending = False
                elif text == "[":
                    stack.append("bnode")
                elif top == "coll" or (top in ("group", "bnode")
                                       and not (previous_kind == "word" and previous_low != "a")):
                    stack.append("coll")  # an RDF collection (or a path group) in a triple pattern
                else:
                    stack.append("expr")
                if len(stack) > prof.depth:
                    prof.depth = len(stack)
                    if prof.depth > limits.max_depth:
                        raise _refuse("max_depth", limits.max_depth, prof.depth)
            elif text in ")}]":
                if stack:
                    stack.pop()
                if text == "}":
                    brace_depth = max(brace_depth - 1, 0)
            elif text in ".;," and brace_depth > 0:
                pattern()
            elif text in "+-*/<>=!|^":
                operator()
        previous_kind, previous_low = kind, ""
    if expect == "target":
        fed.append("<unresolvable: nothing>")
    prof.variables = len(variables)
    prof.volatile = prof.volatile or bool(prof.services)
    return prof


def profile(query: str, limits: Limits | None = None) -> QueryProfile:
    """Measure the query and collect its SERVICE and LOAD targets (as absolute IRIs).

    With `limits`, the pass stops at the first count over its limit (`QueryRefused`), so a
    hostile query costs little. SPARQL lets `\\u0053ERVICE` stand for `SERVICE`; when the text
    holds such escapes it is measured both as written and decoded, and the larger reading counts.
    """
    limits = limits or _UNLIMITED
    prof = _profile(query, limits)
    if _CODEPOINT.search(query):
        decoded = _CODEPOINT.sub(lambda m: chr(int(m.group(1) or m.group(2), 16))
                                 if int(m.group(1) or m.group(2), 16) <= 0x10FFFF else m.group(), query)
        other = _profile(decoded, limits)
        for name in ("depth", "triple_patterns", "binds", "operators", "variables"):
            setattr(prof, name, max(getattr(prof, name), getattr(other, name)))
        prof.services += [s for s in other.services if s not in prof.services]
        prof.loads += [s for s in other.loads if s not in prof.loads]
        prof.updates = prof.updates or other.updates
        prof.names_graphs = prof.names_graphs or other.names_graphs
        prof.volatile = prof.volatile or other.volatile
        prof.form = prof.form or other.form
    return prof


def check(query: str, limits: Limits) -> QueryProfile:
    """Refuse the query (`QueryRefused` naming the limit) or return its profile."""
    size = len(query.encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise QueryRefused(f"the query is {size} bytes long; the limit max_bytes is {limits.max_bytes}",
                           "max_bytes")
    prof = profile(query, limits)
    for name, value in (("max_depth", prof.depth), ("max_triple_patterns", prof.triple_patterns),
                        ("max_binds", prof.binds), ("max_operators", prof.operators),
                        ("max_variables", prof.variables)):
        limit = getattr(limits, name)
        if value > limit:
            raise QueryRefused(f"the query exceeds the limit {name} = {limit} (it has {value})", name)
    allowed = {n for n in (normalize_endpoint(e) for e in limits.service_allowlist) if n}
    for target in prof.services:
        if target.startswith("<unresolvable") or normalize_endpoint(target) not in allowed:
            raise QueryRefused(
                f"SERVICE {target} is not allowed: federation goes only to endpoints on the "
                "allow-list (service_allowlist)", "service_allowlist")
    for target in prof.loads:
        normalized = normalize_endpoint(target) if not target.startswith("<") else None
        if normalized is None or urlsplit(normalized).scheme not in ("http", "https") or normalized not in allowed:
            raise QueryRefused(f"LOAD {target} is not allowed: only allow-listed http(s) sources "
                               "may be loaded, local files never", "load")
    return prof
