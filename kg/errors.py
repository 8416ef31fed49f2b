"""One error hierarchy for the whole pipeline.

Each error carries what a person needs to act on it (the file, the line, the rule). The service
maps these classes to HTTP status codes in exactly one place (`service/errors.py`).
"""

from __future__ import annotations


class BrikgError(Exception):
    """Base class of every error the project raises on purpose."""


class CorpusError(BrikgError):
    """The corpus folder or one of its files cannot be read as a paper."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(f"{path}: {message}" if path else message)


class CorpusErrors(BrikgError):
    """Several files of the corpus are broken; each is named."""

    def __init__(self, errors: list[CorpusError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


class ValidationFailed(BrikgError):
    """The graph breaks the SHACL contract; nothing was published."""

    def __init__(self, report_text: str, violations: int) -> None:
        self.report_text = report_text
        self.violations = violations
        super().__init__(f"{violations} SHACL violation(s); nothing was published\n{report_text}")


class StoreError(BrikgError):
    """The store cannot be opened, written or swapped."""


class NoGraphError(StoreError):
    """No graph has been published in this store directory yet."""


class QueryError(BrikgError):
    """Base class of errors caused by a query or a request for one."""


class QuerySyntaxError(QueryError):
    """The query does not parse; the message keeps the parser's position (line, column)."""

    def __init__(self, message: str) -> None:
        import re

        super().__init__(message)
        m = re.search(r"error at (\d+):(\d+)", message)
        self.line, self.column = (int(m.group(1)), int(m.group(2))) if m else (None, None)


class QueryRefused(QueryError):
    """The query is well-formed but not allowed here (a limit or a policy)."""

    def __init__(self, message: str, limit: str) -> None:
        self.limit = limit
        super().__init__(message)


class QueryTimeout(QueryError):
    """The query ran longer than the configured limit and was stopped."""


class QueryCrashed(QueryError):
    """The engine could not evaluate the query (its worker died); the service goes on."""


class ResultTooLarge(QueryError):
    """The result has more rows than the configured limit."""


class Busy(QueryError):
    """Every query worker is busy and the wait for one timed out."""


class NotAcceptable(BrikgError):
    """No representation matches the client's Accept header."""


class UnsupportedMediaType(BrikgError):
    """The request body has a media type this endpoint does not take."""


class Unauthorized(BrikgError):
    """A write was attempted without a valid bearer token."""


class Forbidden(BrikgError):
    """The request is understood but not allowed on this instance."""


class GraphNotFound(BrikgError):
    """A Graph Store request names a graph the dataset does not hold."""


class BadGraphRequest(BrikgError):
    """A Graph Store request does not say which graph it means (or says it twice)."""


class DataSyntaxError(BrikgError):
    """RDF sent to be stored does not parse; keeps the parser's line and column."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        self.line, self.column = line, column
        super().__init__(message)


class InconsistentGraph(BrikgError):
    """The ontology and data contradict each other (HermiT); nothing was published."""
