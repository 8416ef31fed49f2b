"""The query view of a generation: its union default graph written out once, at publish.

Why: a query on the union default graph makes pyoxigraph visit every named graph, one per
paper. With three papers that costs little; with 3,600 papers (the 100× benchmark) a two-pattern
join took 38 s on the generation's store and 0.1 s on a store whose default graph already holds
the union (docs/performance.md). So `publish` writes, beside each generation, a second read-only
store (`views/<generation id>`) with

* in its default graph: every asserted triple of the generation (the stored default graph and
  every named graph but the reasoner's), each once, as an RDF merge says;
* in the named graph `graph/inferred`: the reasoner's inferred triples (not the derivations).

A query that neither names graphs (GRAPH, FROM, FROM NAMED) nor brings a protocol dataset gets
the same answer from the view, only faster; everything else (and a store written before views
existed) is answered from the generation itself. Nothing else reads the view: dumps, pages,
the Graph Store Protocol and validation see the generation.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox

VIEWS_DIR = "views"


def view_dir(generation: Path) -> Path:
    """`<store>/views/<generation id>` for `<store>/generations/<generation id>`."""
    return generation.parent.parent / VIEWS_DIR / generation.name


def write_view(store: ox.Store, path: Path) -> int:
    """Write the query view of `store` at `path`; the number of quads written."""
    from kg.reason import DERIVATION_GRAPH, INFERRED_GRAPH

    inferred, derivations = ox.NamedNode(str(INFERRED_GRAPH)), ox.NamedNode(str(DERIVATION_GRAPH))
    shutil.rmtree(path, ignore_errors=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    view = ox.Store(str(path))
    view.bulk_extend(ox.Quad(q.subject, q.predicate, q.object) for q in store
                     if q.graph_name != inferred and q.graph_name != derivations)
    view.bulk_extend(store.quads_for_pattern(None, None, None, inferred))
    view.flush()
    view.optimize()
    n = len(view)
    del view
    return n


def view_dataset(infer: bool) -> dict:
    """The dataset of a query on the view: its default graph, plus the inferred graph if asked."""
    if not infer:
        return {}
    from kg.reason import INFERRED_GRAPH

    return {"default_graph": [ox.DefaultGraph(), ox.NamedNode(str(INFERRED_GRAPH))]}


def open_view(generation: Path) -> ox.Store | None:
    """The generation's view, read-only; None when it has none (written by an older brikg)."""
    path = view_dir(generation)
    if not (path / "CURRENT").is_file():
        return None
    try:
        return ox.Store.read_only(str(path))
    except OSError:
        return None
