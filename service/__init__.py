"""The brikg web service: `create_app(config)` builds a Flask app; nothing exists before.

Blueprints, one per concern: `sparql` (the SPARQL 1.1 endpoint), `ui` (start page, query editor,
search, validation report), `pages` (linked-data pages and content negotiation for `/id/...` and
`/ontology`) and `dumps` (`/dumps/...`, `/.well-known/void`).
The graph is reached only through `service.engine`.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, request

from kg import __version__
from kg.store import default_store_dir

#: Every setting, with its documented default (see README "Configuration").
DEFAULTS: dict[str, Any] = {
    "BACKEND": "oxigraph",  # or "sparql" with SPARQL_ENDPOINT
    "STORE_DIR": None,  # default: $BRIKG_STORE or ./brikg-store
    "SPARQL_ENDPOINT": None,
    "QUERY_WORKERS": 2,  # worker processes; 0 runs queries in the web process (tests, benchmarks)
    "QUERY_TIMEOUT": 30.0,  # seconds; the worker is ended when it fires
    "QUEUE_TIMEOUT": 10.0,  # seconds a request may wait for a free worker, then 503
    "MAX_ROWS": 100_000,  # result rows (or triples) per query
    "RESULT_CACHE_BYTES": 64 * 1024 * 1024,  # answers kept per generation (service/cache.py); 0: none
    "RESULT_CACHE_ENTRY_BYTES": 1024 * 1024,  # larger answers are not kept
    "MAX_CONTENT_LENGTH": 1 * 1024 * 1024,  # request body bytes, then 413
    "MAX_QUERY_BYTES": 100_000,
    "MAX_QUERY_DEPTH": 64,
    "MAX_TRIPLE_PATTERNS": 2_000,
    "MAX_BINDS": 500,
    "MAX_OPERATORS": 2_000,
    "MAX_VARIABLES": 1_000,
    "SERVICE_ALLOWLIST": [],  # SPARQL endpoints that SERVICE may call; empty: federation off
    "UPDATE_TOKEN": None,  # bearer token enabling updates (--update-token-file, $BRIKG_UPDATE_TOKEN); None: read-only
    "CORS_ORIGIN": "*",
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(DEFAULTS)
    if config:
        app.config.update(config)
    if app.config["STORE_DIR"] is None:
        app.config["STORE_DIR"] = str(default_store_dir())
    app.json.ensure_ascii = False

    from service import dumps, engine, errors, graphstore, pages, sparql, ui

    engine.init_app(app)
    errors.register(app)
    app.register_blueprint(sparql.bp)
    app.register_blueprint(ui.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(dumps.bp)
    app.register_blueprint(graphstore.bp)

    @app.before_request
    def refused_by_front() -> None:
        """A refusal the HTTP front decided before reading the request (service/front.py),
        raised here so that its answer has the same format as every other error."""
        refused = request.environ.get("brikg.refused")
        if refused is not None:
            raise refused

    @app.after_request
    def cors_and_headers(resp: Response) -> Response:
        parsed_form = request.__dict__.get("form")  # only if a view parsed it: never read a body here
        is_write = request.path == "/update" or request.mimetype == "application/sparql-update" or (
            parsed_form is not None and "update" in parsed_form)
        if request.method in ("GET", "HEAD", "POST", "OPTIONS") and app.config["CORS_ORIGIN"] and not is_write:
            # CORS for reads only: a page on another origin may query, never write
            resp.headers.setdefault("Access-Control-Allow-Origin", app.config["CORS_ORIGIN"])
            resp.headers.setdefault("Access-Control-Allow-Headers", "Accept, Content-Type")
            resp.headers.setdefault("Access-Control-Allow-Methods", "GET, HEAD, POST, OPTIONS")
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers["Server"] = f"brikg/{__version__}"
        return resp

    return app


def configure_logging(level: str | None = None) -> None:
    logging.basicConfig(
        level=(level or os.environ.get("BRIKG_LOG_LEVEL") or "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
