"""The one place where domain errors become HTTP responses.

Every error answer is JSON (`{"error": code, "message": ...}`) when the client accepts JSON,
else plain text; it never contains a stack trace. Handlers are registered by class, so a
subclass inherits its parent's status.
"""

from __future__ import annotations

import logging

from flask import Flask, Response, json, request
from werkzeug.exceptions import HTTPException

from kg import errors as e

log = logging.getLogger("brikg.service")

#: error class -> (HTTP status, machine-readable code). Documented in docs/errors.md.
STATUS: dict[type[Exception], tuple[int, str]] = {
    e.QuerySyntaxError: (400, "query-syntax"),
    e.QueryRefused: (400, "query-refused"),
    e.ResultTooLarge: (400, "result-too-large"),
    e.QueryCrashed: (422, "query-not-evaluable"),
    e.QueryTimeout: (503, "query-timeout"),
    e.Busy: (503, "busy"),
    e.NotAcceptable: (406, "not-acceptable"),
    e.UnsupportedMediaType: (415, "unsupported-media-type"),
    e.Unauthorized: (401, "unauthorized"),
    e.Forbidden: (403, "forbidden"),
    e.GraphNotFound: (404, "graph-not-found"),
    e.BadGraphRequest: (400, "bad-graph-request"),
    e.DataSyntaxError: (400, "data-syntax"),
    e.ValidationFailed: (422, "shacl-violation"),
    e.NoGraphError: (503, "no-graph"),
    e.StoreError: (503, "store-unavailable"),
}


def problem(status: int, code: str, message: str, **extra) -> Response:
    wants_json = request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "application/json"
    if wants_json or "json" in (request.headers.get("Accept") or ""):
        body = json.dumps({"error": code, "status": status, "message": message, **extra}, ensure_ascii=False)
        resp = Response(body, status=status, mimetype="application/json")
    else:
        resp = Response(f"{status} {code}: {message}\n", status=status, mimetype="text/plain")
    if status == 401:
        resp.headers["WWW-Authenticate"] = 'Bearer realm="brikg"'
    if status == 503:
        resp.headers["Retry-After"] = "1"
    return resp


def _handler(status: int, code: str):
    def handle(exc: Exception) -> Response:
        extra = {}
        if isinstance(exc, e.QueryRefused):
            extra["limit"] = exc.limit
        if isinstance(exc, e.QuerySyntaxError | e.DataSyntaxError) and getattr(exc, "line", None):
            extra.update(line=exc.line, column=exc.column)
        if isinstance(exc, e.ValidationFailed):
            extra["violations"] = exc.violations
            extra["report"] = exc.report_text
        if status >= 500:
            log.warning("%s: %s", code, exc)
        return problem(status, code, str(exc), **extra)

    return handle


def _http_error(exc: HTTPException) -> Response:
    return problem(exc.code or 500, (exc.name or "error").lower().replace(" ", "-"), exc.description or "")


def _unexpected(exc: Exception) -> Response:
    log.exception("unexpected error while answering %s %s", request.method, request.path)
    return problem(500, "internal-error", "the server failed to answer this request; it has been logged")


def register(app: Flask) -> None:
    for cls, (status, code) in STATUS.items():
        app.register_error_handler(cls, _handler(status, code))
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
