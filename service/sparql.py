"""The SPARQL 1.1 Protocol endpoint at `/sparql`: query by GET, POST form and POST direct.

Each step is its own function (read the request, check the query, negotiate, run), so each can
be tested alone. Without a query, `/sparql` answers with its Service Description.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, request

from kg import guard, results
from kg.errors import NotAcceptable, QueryRefused, QuerySyntaxError, UnsupportedMediaType
from kg.query import QueryJob
from service import conneg, engine
from service.description import service_description

bp = Blueprint("sparql", __name__)
log = logging.getLogger("brikg.sparql")

FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
SOLUTION_TYPES = [f.media_type for f in results.SOLUTION_FORMATS]
GRAPH_TYPES = [f.media_type for f in results.GRAPH_FORMATS]
# Extra Accept spellings clients send for the same formats.
SOLUTION_ALIASES = {"application/json": "json", "application/xml": "xml", "text/xml": "xml"}
GRAPH_ALIASES = {"application/json": "jsonld", "application/xml": "rdfxml", "text/xml": "rdfxml",
                 "text/plain": "ntriples", "application/x-turtle": "turtle"}


def read_query() -> tuple[str | None, list[str], list[str]]:
    """(query, default graph IRIs, named graph IRIs) from the request, per the protocol."""
    if request.method == "GET":
        params = request.args
        queries = params.getlist("query")
        body_query = None
    else:
        ctype = (request.mimetype or "").lower()
        if ctype == FORM:
            params = request.form
            queries = params.getlist("query")
            body_query = None
            if request.args.getlist("query"):
                raise QuerySyntaxError("the query must be sent in the body of a form POST, not in the URL")
        elif ctype == DIRECT:
            params = request.args
            queries = params.getlist("query")
            if queries:
                raise QuerySyntaxError("a direct POST carries the query in its body, not in `query=`")
            charset = request.mimetype_params.get("charset", "utf-8")
            try:
                body_query = request.get_data().decode(charset)
            except (LookupError, UnicodeDecodeError) as exc:
                raise QuerySyntaxError(f"the query body is not valid {charset}: {exc}") from None
            queries = [body_query]
        elif ctype == "application/sparql-update" or (ctype == FORM and "update" in request.form):
            raise UnsupportedMediaType("this endpoint answers queries; updates go to /update")
        else:
            raise UnsupportedMediaType(
                f"a POST to /sparql must be {FORM} or {DIRECT}, not {request.mimetype or 'untyped'}"
            )
    if "update" in params:
        raise QuerySyntaxError("`update` was sent to the query endpoint; updates go to /update")
    if len(queries) > 1:
        raise QuerySyntaxError(f"exactly one query is allowed per request; got {len(queries)}")
    query = queries[0] if queries else None
    defaults = params.getlist("default-graph-uri")
    named = params.getlist("named-graph-uri")
    return query, defaults, named


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


@bp.route("/sparql", methods=["GET", "POST"])
def sparql() -> Response:
    t0 = time.perf_counter()
    query, defaults, named = read_query()
    if query is None:
        if request.method == "POST" and not defaults and not named:
            raise QuerySyntaxError("the request has no query")
        return service_description()
    prof = guard.check(query, limits())
    if prof.updates and prof.form is None:
        raise QueryRefused("this is an update; the query endpoint is read-only (updates go to /update)",
                           "read-only")
    fmt_name = negotiate(prof.form)
    graph = prof.form in ("CONSTRUCT", "DESCRIBE")
    job = QueryJob(
        query=query, form=prof.form,
        solutions_format=fmt_name if not graph else "json",
        graph_format=fmt_name if graph else "turtle",
        union_default_graph=True, default_graphs=tuple(defaults), named_graphs=tuple(named),
        max_rows=current_app.config["MAX_ROWS"],
    )
    outcome = engine.backend().run(job)
    mimetype = results.BY_NAME[outcome.format].media_type
    resp = Response(outcome.body, status=200, content_type=f"{mimetype}; charset=utf-8")
    resp.headers["Vary"] = "Accept"
    log.info("%s %s form=%s format=%s rows=%s %.1f ms", request.method, request.path, prof.form,
             outcome.format, outcome.rows, (time.perf_counter() - t0) * 1000)
    return resp
