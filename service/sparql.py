"""The SPARQL 1.1 Protocol endpoint: queries and (when enabled) updates at `/sparql`.

Each step is its own function (read the request, check it, negotiate, run), so each can be
tested alone. `/sparql` is a combined endpoint like Fuseki's: a query comes as `query=` (GET,
form POST) or an `application/sparql-query` body; an update as `update=` (form POST) or an
`application/sparql-update` body. `/update` takes updates only. Without an operation, a GET
on `/sparql` answers with the Service Description.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, g, request, url_for

from kg import guard, results
from kg import update as updates
from kg.errors import Forbidden, NotAcceptable, QueryRefused, QuerySyntaxError, UnsupportedMediaType
from kg.query import DEFAULT_GRAPH_IRI, QueryJob, QueryOutcome
from service import conneg, engine
from service.auth import require_update_token
from service.cache import RequestKey, etag_for
from service.description import service_description

bp = Blueprint("sparql", __name__)
log = logging.getLogger("brikg.sparql")

FORM = "application/x-www-form-urlencoded"
DIRECT_QUERY = "application/sparql-query"
DIRECT_UPDATE = "application/sparql-update"
SOLUTION_TYPES = [f.media_type for f in results.SOLUTION_FORMATS]
GRAPH_TYPES = [f.media_type for f in results.GRAPH_FORMATS]
# Extra Accept spellings clients send for the same formats.
SOLUTION_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
GRAPH_ALIASES = {"application/json": "jsonld", "application/xml": "rdfxml", "text/xml": "rdfxml",
                 "text/plain": "ntriples", "application/x-turtle": "turtle"}


@dataclass
class Operation:
    """What one protocol request asks for, read from its method, media type and parameters."""

    kind: str | None  # "query", "update", or None (no operation: the Service Description)
    text: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    using_graphs: list[str] = field(default_factory=list)
    using_named_graphs: list[str] = field(default_factory=list)
    infer: bool = False  # infer=true: asserted plus inferred triples (the reasoner's graph)


def _body_text() -> str:
    """The body of a direct POST; the protocol allows UTF-8 only (415 for another charset)."""
    charset = request.mimetype_params.get("charset", "utf-8").strip().lower()
    if charset not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(f"the body must be UTF-8 (SPARQL 1.1 Protocol), not charset={charset}")
    try:
        return request.get_data().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QuerySyntaxError(f"the body is not valid UTF-8: {exc}") from None


def _iris(values: list[str], param: str) -> list[str]:
    for v in values:
        try:
            ox.NamedNode(v)
        except ValueError:
            raise QuerySyntaxError(f"{param}={v!r} is not an absolute IRI") from None
    return values


def read_operation() -> Operation:
    """The operation of this request, per SPARQL 1.1 Protocol §2.1 (query) and §2.2 (update)."""
    args = request.args
    if request.method in ("GET", "HEAD"):
        if "update" in args:
            raise QueryRefused("an update must be sent with POST (as update= in a form, or as "
                               f"{DIRECT_UPDATE}), never with GET", "method")
        params, queries, update_texts = args, args.getlist("query"), []
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == FORM:
            params = request.form
            if "query" in args or "update" in args:
                raise QuerySyntaxError("a form POST carries the query or update in its body, not in the URL")
            queries, update_texts = params.getlist("query"), params.getlist("update")
        elif ctype == DIRECT_QUERY:
            if "query" in args or "update" in args:
                raise QuerySyntaxError(f"a {DIRECT_QUERY} POST carries the query in its body, not in `query=`")
            params, queries, update_texts = args, [_body_text()], []
        elif ctype == DIRECT_UPDATE:
            if "query" in args or "update" in args:
                raise QuerySyntaxError(f"a {DIRECT_UPDATE} POST carries the update in its body, not in the URL")
            params, queries, update_texts = args, [], [_body_text()]
        else:
            raise UnsupportedMediaType(
                f"a POST to {request.path} must be {FORM}, {DIRECT_QUERY} or {DIRECT_UPDATE}, "
                f"not {request.mimetype or 'untyped'}")
    if queries and update_texts:
        raise QuerySyntaxError("a request carries either a query or an update, not both")
    if len(queries) > 1 or len(update_texts) > 1:
        raise QuerySyntaxError(f"exactly one query or update is allowed per request; got "
                               f"{max(len(queries), len(update_texts))}")

    def dataset(name: str) -> list[str]:
        merged = args.getlist(name) + (params.getlist(name) if params is not args else [])
        return _iris(merged, name)

    infer = _infer_param(args.getlist("infer") + (params.getlist("infer") if params is not args else []))
    if update_texts:
        return Operation("update", update_texts[0], using_graphs=dataset("using-graph-uri"),
                         using_named_graphs=dataset("using-named-graph-uri"))
    if queries:
        return Operation("query", queries[0], default_graphs=dataset("default-graph-uri"),
                         named_graphs=dataset("named-graph-uri"), infer=infer)
    return Operation(None, default_graphs=dataset("default-graph-uri"), named_graphs=dataset("named-graph-uri"))


def _infer_param(values: list[str]) -> bool:
    """`infer=true|false` as GraphDB names it; the default is false (asserted facts only)."""
    if not values:
        return False
    if len(set(v.strip().lower() for v in values)) > 1 or values[0].strip().lower() not in ("true", "false"):
        raise QuerySyntaxError(f"infer must be true or false, not {', '.join(repr(v) for v in values)}")
    return values[0].strip().lower() == "true"


def _format_param() -> str | None:
    for name in ("format", "output", "results"):
        value = request.values.get(name)
        if value:
            return value
    return None


def negotiate(form: str | None) -> str:
    """The result format name for a query of this form, from `format=` or Accept."""
    graph = form in ("CONSTRUCT", "DESCRIBE")
    override = _format_param()
    if override:
        key = override.strip().lower()
        aliases = GRAPH_ALIASES if graph else SOLUTION_ALIASES
        name = aliases.get(key) or ({"json": "jsonld", "xml": "rdfxml"}.get(key) if graph else None)
        fmt = results.BY_NAME.get(name) if name else results.format_named(key)
        wanted = ("graph", "dataset") if graph else ("solutions",)
        if fmt is None or fmt.kind not in wanted:
            raise NotAcceptable(f"format={override!r} cannot be used for a {form or 'query'} result")
        return fmt.name
    offered = GRAPH_TYPES if graph else SOLUTION_TYPES
    accept = request.headers.get("Accept")
    aliases = GRAPH_ALIASES if graph else SOLUTION_ALIASES
    try:
        chosen = conneg.choose(accept, offered, default=offered[0])
    except NotAcceptable as first:
        try:
            return aliases[conneg.choose(accept, list(aliases))]
        except NotAcceptable:
            raise first from None
    return next(f.name for f in results.SOLUTION_FORMATS + results.GRAPH_FORMATS if f.media_type == chosen)


def limits() -> guard.Limits:
    cfg = current_app.config
    return guard.Limits(
        max_bytes=cfg["MAX_QUERY_BYTES"], max_depth=cfg["MAX_QUERY_DEPTH"],
        max_triple_patterns=cfg["MAX_TRIPLE_PATTERNS"], max_binds=cfg["MAX_BINDS"],
        max_operators=cfg["MAX_OPERATORS"], max_variables=cfg["MAX_VARIABLES"],
        service_allowlist=tuple(cfg["SERVICE_ALLOWLIST"]),
    )


def _endpoint_iri() -> str:
    """The base IRI of queries and updates: the endpoint itself (Protocol §2.2.3 allows it)."""
    return url_for("sparql.sparql", _external=True)


def _request_key(op: Operation) -> RequestKey:
    """What, besides the generation, decides the answer to this request (service/cache.py)."""
    assert op.text is not None
    return (op.text, request.headers.get("Accept", ""), _format_param() or "", tuple(op.default_graphs),
            tuple(op.named_graphs), op.infer, request.host_url)


def run_query(op: Operation) -> Response:
    """Answer a query: from the cache when this generation already answered the same request,
    with 304 when the client's ETag is still the answer's, else by the backend."""
    assert op.text is not None
    backend = engine.backend()
    generation = backend.generation()  # None for a remote endpoint: no cache, no ETag
    key = _request_key(op) if generation is not None else None
    if key is not None:
        entry = backend.cache.get(generation, key)
        if entry is not None:
            g.sparql_log.update(form=entry.form, infer=op.infer, cache="hit")
            if request.method in ("GET", "HEAD") and entry.etag in request.if_none_match:
                return _not_modified(entry.etag)
            return _answer(entry.outcome, entry.etag, "hit", storable=generation)
    prof = guard.check(op.text, limits())
    g.sparql_log["form"] = prof.form
    if prof.updates and prof.form is None:
        raise QueryRefused(f"this is an update; send it as update= in a form POST or as {DIRECT_UPDATE}",
                           "read-only")
    fmt_name = negotiate(prof.form)
    if key is not None and prof.volatile:
        key = None  # RAND, NOW, SERVICE...: two runs may differ, so no ETag and nothing kept
    if key is not None and request.method in ("GET", "HEAD"):
        etag = etag_for(generation, key)
        if etag in request.if_none_match:
            g.sparql_log.update(infer=op.infer, cache="revalidated")
            return _not_modified(etag)
    graph = prof.form in ("CONSTRUCT", "DESCRIBE")
    job = QueryJob(
        query=op.text, form=prof.form,
        solutions_format=fmt_name if not graph else "json",
        graph_format=fmt_name if graph else "turtle",
        union_default_graph=True, default_graphs=tuple(op.default_graphs), named_graphs=tuple(op.named_graphs),
        max_rows=current_app.config["MAX_ROWS"], base_iri=_endpoint_iri(), infer=op.infer,
        names_graphs=prof.names_graphs,
    )
    g.sparql_log["infer"] = op.infer
    outcome = backend.run(job)
    etag = None
    kept = None
    if key is not None and outcome.generation:
        etag = etag_for(outcome.generation, key)
        if outcome.generation == generation and backend.cache.put(key, outcome, prof.form):
            kept = generation  # kept only while its generation is the one served
    state = ("miss" if etag else "skip") if backend.cache.enabled and generation is not None else None
    if state:
        g.sparql_log["cache"] = state
    return _answer(outcome, etag, state, storable=kept)


def _answer(outcome: QueryOutcome, etag: str | None, cache_state: str | None, *,
            storable: str | None = None) -> Response:
    """The answer; `storable` (the generation that answered) tells the HTTP front
    (service/front.py) that it may replay these exact bytes for the same GET request."""
    g.sparql_log.update(format=outcome.format, rows=outcome.rows)
    mimetype = results.BY_NAME[outcome.format].media_type
    resp = Response(outcome.body, status=200, content_type=f"{mimetype}; charset=utf-8")
    _validators(resp, etag)
    if cache_state is not None:
        resp.headers["X-Cache"] = cache_state
    if storable is not None and request.method == "GET":
        request.environ["brikg.storable"] = (storable, _log_detail(g.sparql_log))
    return resp


def _not_modified(etag: str) -> Response:
    return _validators(Response(status=304), etag)


def _validators(resp: Response, etag: str | None) -> Response:
    """The same request gets the same answer until the next publish: an ETag to revalidate with;
    without one (a volatile query, a remote endpoint) the answer must not be stored."""
    resp.headers["Vary"] = "Accept"
    if etag is not None:
        resp.headers["ETag"] = f'"{etag}"'
        resp.headers["Cache-Control"] = "no-cache"
    else:
        resp.headers["Cache-Control"] = "no-store"
    return resp


def run_update(op: Operation) -> Response:
    """Apply an update (token required) as a new validated generation; 204 when published."""
    assert op.text is not None
    require_update_token()
    backend = engine.backend()
    if backend.kind != "oxigraph":
        raise Forbidden("updates are applied to the embedded store only; this instance serves a remote endpoint")
    prof = guard.check(op.text, limits())  # size, nesting, SERVICE and LOAD allow-list
    if prof.form is not None and not prof.updates:
        raise QuerySyntaxError(f"this is a {prof.form} query, not an update; send it as query=")
    path = updates.apply(
        current_app.config["STORE_DIR"], op.text, base_iri=_endpoint_iri(),
        using=op.using_graphs, using_named=op.using_named_graphs, wait=current_app.config["QUEUE_TIMEOUT"],
    )
    g.sparql_log["generation"] = path.name
    return Response(status=204)


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    g.sparql_log = {"op": "request", "t0": time.perf_counter()}
    op = read_operation()
    g.sparql_log["op"] = op.kind or "description"
    if op.kind == "update":
        return run_update(op)
    if op.kind == "query":
        return run_query(op)
    if request.method == "POST":
        raise QuerySyntaxError("the request has neither a query nor an update")
    return service_description(update_enabled=bool(current_app.config.get("UPDATE_TOKEN")),
                               default_graph_iri=DEFAULT_GRAPH_IRI)


@bp.route("/update", methods=["POST"])
def update() -> Response:
    g.sparql_log = {"op": "update", "t0": time.perf_counter()}
    op = read_operation()
    if op.kind != "update":
        raise QuerySyntaxError(f"/update takes updates (update= or {DIRECT_UPDATE}); queries go to /sparql")
    return run_update(op)


@bp.after_request
def log_operation(resp: Response) -> Response:
    """One log line per operation, errors included, with its status and time."""
    info = g.pop("sparql_log", None)
    if info is not None:
        ms = (time.perf_counter() - info["t0"]) * 1000
        log.info("%s %s %s %d %s %.1f ms", info["op"], request.method, request.path, resp.status_code,
                 _log_detail(info), ms)
    return resp


def _log_detail(info: dict) -> str:
    """The `key=value` part of an operation's log line (also replayed by the HTTP front)."""
    return " ".join(f"{k}={v}" for k, v in info.items() if k not in ("op", "t0"))
