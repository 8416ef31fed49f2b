"""SPARQL Update, applied as a new generation of the store that must pass the SHACL gate.

An update never touches the graph being served: `store.publish` copies the current generation,
the update runs on the copy, the copy is validated, and only then does `current` move. A syntax
error, a refused operation or a SHACL violation leaves the served graph exactly as it was.

The protocol's `using-graph-uri` / `using-named-graph-uri` have no counterpart in the engine's
API, so they are turned into `USING` / `USING NAMED` clauses placed before the `WHERE` of each
DELETE/INSERT operation. The places are found with the guard's lexer (so a `where` inside a
string or IRI is never taken for the keyword) and the graph names are written as N-Triples
terms made by pyoxigraph, which refuses any IRI that could break out of `<...>`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pyoxigraph as ox

from kg import guard
from kg import query as q
from kg.errors import QueryRefused, QuerySyntaxError, StoreError


def with_dataset(update: str, using: Sequence[str] = (), using_named: Sequence[str] = ()) -> str:
    """The update with the protocol dataset as USING clauses (SPARQL 1.1 Protocol §2.2.3).

    A request that names a dataset both ways (parameters and USING/WITH in the text) is refused,
    as the protocol requires.
    """
    if not using and not using_named:
        return update
    try:
        clause = " ".join([f"USING {ox.NamedNode(g)}" for g in using]
                          + [f"USING NAMED {ox.NamedNode(g)}" for g in using_named])
    except ValueError as exc:
        raise QuerySyntaxError(f"using-graph-uri / using-named-graph-uri is not an IRI: {exc}") from None
    depth = 0
    cuts: list[int] = []
    previous = ""
    for kind, text, offset in guard.tokens(update):
        low = text.lower()
        if kind == "punct" and text == "{":
            depth += 1
        elif kind == "punct" and text == "}":
            depth = max(depth - 1, 0)
        elif kind == "word" and depth == 0:
            if low in ("using", "with"):
                raise QueryRefused(
                    f"the update names its dataset with {text.upper()} and the request with "
                    "using-graph-uri/using-named-graph-uri; use one or the other", "dataset")
            if low == "where" and previous != "delete":  # DELETE WHERE takes no USING
                cuts.append(offset)
        previous = low if kind == "word" else ""
    for offset in reversed(cuts):
        update = update[:offset] + clause + " " + update[offset:]
    return update


def apply(
    store_dir: Path,
    update: str,
    *,
    base_iri: str | None = None,
    using: Sequence[str] = (),
    using_named: Sequence[str] = (),
    wait: float = 10.0,
) -> Path:
    """Run `update` on a copy of the served graph, validate, publish; return the new generation."""
    from kg.store import publish
    from kg.validate import check_store

    text = with_dataset(update, using, using_named)

    def fill(store: ox.Store) -> None:
        try:
            store.update(text, base_iri=base_iri)
        except SyntaxError as exc:
            raise q.syntax_error(exc, text) from None
        except OSError as exc:
            raise StoreError(f"the update could not be applied: {exc}") from None

    return publish(Path(store_dir), fill, check_store, from_current=True, wait=wait)
