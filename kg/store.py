"""The store's whole lifecycle: where it lives, how a new graph is published, how it is read.

Layout of a store directory (default `./brikg-store`, or `$BRIKG_STORE`):

    current -> generations/<id>     symlink to the graph being served
    generations/<id>/               one pyoxigraph (RocksDB) store per successful build
    generations/<id>.report.ttl     the SHACL report of that graph
    views/<id>/                     that graph's query view (kg/view.py): the union, written once

A build fills a new generation, validates it and only then swaps `current` with an atomic
rename, so a failed build leaves the last good graph serving. Readers resolve `current` on
every request and reopen when it moved.

The service reaches a graph through the `GraphStore` protocol only; `OxigraphStore` is the
embedded default and `SparqlEndpointStore` is any SPARQL 1.1 server (such as Virtuoso).
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import pyoxigraph as ox

from kg import query as q
from kg import view as views
from kg.errors import NoGraphError, QueryRefused, QuerySyntaxError, StoreError

ENV_VAR = "BRIKG_STORE"
DEFAULT_DIR = "brikg-store"
KEEP_GENERATIONS = 3


def default_store_dir() -> Path:
    """`$BRIKG_STORE` if set, else `./brikg-store` (the same for every subcommand)."""
    return Path(os.environ.get(ENV_VAR) or DEFAULT_DIR)


def current_generation(store_dir: Path) -> Path:
    link = store_dir / "current"
    if not link.is_symlink() and not link.exists():
        raise NoGraphError(
            f"no graph has been built in {store_dir} yet; run `brikg build --corpus DIR --store {store_dir}`"
        )
    return (store_dir / os.readlink(link)) if link.is_symlink() else link


class GraphStore(Protocol):
    """What the service and the CLI need from a backend."""

    def run(self, job: q.QueryJob) -> q.QueryOutcome:
        """Answer one query, serialized in the job's format."""

    def select(self, sparql: str, bindings: dict[str, ox.NamedNode | ox.Literal] | None = None) -> list[dict]:
        """Rows of a SELECT as {variable: pyoxigraph term} (internal queries with bound values)."""

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        """Every quad, or those of one named graph (for dumps and exports)."""

    def generation(self) -> str:
        """An identifier that changes whenever a new graph is published."""


class OxigraphStore:
    """The embedded default: a read-only view of the published generation of a store dir."""

    def __init__(self, store_dir: Path) -> None:
        self.store_dir = Path(store_dir)
        self._path: Path | None = None
        self._store: ox.Store | None = None
        self._view: ox.Store | None = None

    def _open(self) -> ox.Store:
        path = current_generation(self.store_dir)
        if self._store is None or path != self._path:
            try:
                self._store = ox.Store.read_only(str(path))
            except OSError as exc:
                raise StoreError(f"cannot open the store at {path}: {exc}") from None
            self._view = views.open_view(path)
            self._path = path
        return self._store

    def generation(self) -> str:
        return current_generation(self.store_dir).name

    def run(self, job: q.QueryJob) -> q.QueryOutcome:
        store = self._open()
        assert self._path is not None
        return dataclasses.replace(q.run(store, job, self._view), generation=self._path.name)

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        subs = {ox.Variable(k): v for k, v in (bindings or {}).items()}
        try:
            sols = self._open().query(sparql, use_default_graph_as_union=True, substitutions=subs)
        except SyntaxError as exc:
            raise q.syntax_error(exc, sparql) from None
        names = [v.value for v in sols.variables]
        return [{n: s[n] for n in names if s[n] is not None} for s in sols]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        g = ox.NamedNode(graph) if graph else None
        return self._open().quads_for_pattern(None, None, None, g)

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self._open().named_graphs() if isinstance(g, ox.NamedNode))

    def close(self) -> None:
        self._store = None
        self._view = None
        self._path = None


class SparqlEndpointStore:
    """A graph served by an existing SPARQL 1.1 server (Virtuoso, Fuseki, another brikg),
    reached with SPARQLWrapper. The server applies its own limits and isolation."""

    def __init__(self, endpoint: str, timeout: float = 30.0) -> None:
        self.endpoint = endpoint
        self.timeout = timeout

    def _wrapper(self, sparql: str, accept: str, default_graphs: tuple[str, ...] = (),
                 named_graphs: tuple[str, ...] = ()):
        from SPARQLWrapper import POST, URLENCODED, SPARQLWrapper

        sw = SPARQLWrapper(self.endpoint)
        for g in default_graphs:  # the protocol dataset goes on to the server as given
            sw.addDefaultGraph(g)
        for g in named_graphs:
            sw.addNamedGraph(g)
        sw.setQuery(sparql)
        sw.setMethod(POST)
        sw.setRequestMethod(URLENCODED)  # a form POST: Virtuoso 7.2 spins on a direct POST body
        sw.setTimeout(int(self.timeout))
        sw.setOnlyConneg(True)
        sw.addCustomHttpHeader("Accept", accept)
        return sw

    def _fetch(self, sparql: str, accept: str, job: q.QueryJob | None = None) -> bytes:
        from urllib.error import URLError

        from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

        datasets = (job.default_graphs, job.named_graphs) if job is not None else ((), ())
        try:
            return self._wrapper(sparql, accept, *datasets).query().response.read()
        except QueryBadFormed as exc:
            raise QuerySyntaxError(str(exc)) from None
        except (SPARQLWrapperException, URLError, OSError) as exc:
            raise StoreError(f"the SPARQL endpoint {self.endpoint} failed: {exc}") from None

    def generation(self) -> str:
        return self.endpoint

    def run(self, job: q.QueryJob) -> q.QueryOutcome:
        from kg import results

        if job.infer:
            raise QueryRefused("infer=true needs the embedded store's inferred graph; this instance serves "
                               f"{self.endpoint}, which applies its own reasoning, if any", "infer")
        if job.form in ("CONSTRUCT", "DESCRIBE"):
            fmt = results.BY_NAME[job.graph_format]
            return q.QueryOutcome("graph", fmt.name, self._fetch(job.query, fmt.media_type, job), -1)
        fmt = results.BY_NAME[job.solutions_format]
        kind = "boolean" if job.form == "ASK" else "solutions"
        return q.QueryOutcome(kind, fmt.name, self._fetch(job.query, fmt.media_type, job), -1)

    def select(self, sparql: str, bindings: dict | None = None) -> list[dict]:
        import json

        if bindings:
            values = " ".join(f"?{k}" for k in bindings)
            row = " ".join(str(v) for v in bindings.values())
            sparql = _inject_values(sparql, f"VALUES ({values}) {{ ({row}) }}")
        doc = json.loads(self._fetch(sparql, "application/sparql-results+json"))
        return [{k: _term_from_json(v) for k, v in b.items()} for b in doc["results"]["bindings"]]

    def quads(self, graph: str | None = None) -> Iterator[ox.Quad]:
        body = self._fetch("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", "application/n-triples")
        return (ox.Quad(t.subject, t.predicate, t.object) for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES))


def _inject_values(sparql: str, values: str) -> str:
    """Put a VALUES block (made of N-Triples terms, never user text) at the end of the query."""
    return sparql.rstrip() + "\n" + values


def _term_from_json(v: dict):
    if v["type"] == "uri":
        return ox.NamedNode(v["value"])
    if v["type"] == "bnode":
        return ox.BlankNode(v["value"])
    if "xml:lang" in v:
        return ox.Literal(v["value"], language=v["xml:lang"])
    if "datatype" in v:
        return ox.Literal(v["value"], datatype=ox.NamedNode(v["datatype"]))
    return ox.Literal(v["value"])


# --- publishing ----------------------------------------------------------------------------


@contextmanager
def _lock(store_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """One writer at a time per store directory; wait up to `wait` seconds for the other."""
    lock = store_dir / "build.lock"
    deadline = time.monotonic() + wait
    while True:
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            break
        except FileExistsError:
            if time.monotonic() >= deadline:
                raise StoreError(f"another writer is using {store_dir} (remove {lock} if it is stale)") from None
            time.sleep(0.05)
    try:
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)
        lock.unlink(missing_ok=True)


def publish(
    store_dir: Path,
    fill: Callable[[ox.Store], None],
    check: Callable[[ox.Store, Path], None],
    *,
    from_current: bool = False,
    wait: float = 0.0,
) -> Path:
    """Write a new generation with `fill`, run `check` on it (it raises to refuse), then swap.

    With `from_current`, the new generation starts as a copy of the served one (a RocksDB
    checkpoint: hard links, milliseconds) and `fill` changes it: that is how updates and
    Graph Store writes are applied. Anything that goes wrong before the swap deletes the new
    generation and leaves `current` as it was.
    """
    store_dir = Path(store_dir)
    gens = store_dir / "generations"
    gens.mkdir(parents=True, exist_ok=True)
    with _lock(store_dir, wait):
        gen_id = time.strftime("%Y%m%dT%H%M%S") + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        path = gens / gen_id
        try:
            if from_current:
                ox.Store.read_only(str(current_generation(store_dir))).backup(str(path))
            store = ox.Store(str(path))
            fill(store)
            store.flush()
            check(store, path)
            if not from_current:  # compacting a checkpoint's hard-linked files is not worth it
                store.optimize()
            views.write_view(store, views.view_dir(path))
            del store
        except BaseException:
            shutil.rmtree(path, ignore_errors=True)
            shutil.rmtree(views.view_dir(path), ignore_errors=True)
            for extra in gens.glob(gen_id + ".*"):
                extra.unlink(missing_ok=True)
            raise
        tmp = store_dir / f".current-{gen_id}"
        os.symlink(os.path.join("generations", gen_id), tmp)
        os.replace(tmp, store_dir / "current")
        _prune(gens, keep=path)
        return path


def _prune(gens: Path, keep: Path) -> None:
    old = sorted((p for p in gens.iterdir() if p.is_dir()), key=lambda p: p.name)
    for p in old[:-KEEP_GENERATIONS]:
        if p != keep:
            shutil.rmtree(p, ignore_errors=True)
            for extra in gens.glob(p.name + ".*"):
                extra.unlink(missing_ok=True)
    kept = {p.name for p in gens.iterdir() if p.is_dir()}
    view_root = gens.parent / views.VIEWS_DIR
    if view_root.is_dir():
        for v in view_root.iterdir():
            if v.name not in kept:
                shutil.rmtree(v, ignore_errors=True)
