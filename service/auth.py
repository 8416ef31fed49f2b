"""Who may write: updates and Graph Store writes need the configured bearer token.

An instance without `UPDATE_TOKEN` is read-only: every write is 403. With a token, a write
without `Authorization: Bearer <token>` is 401, and one with a wrong token is 403.
"""

from __future__ import annotations

import hmac

from flask import current_app, request

from kg.errors import Forbidden, Unauthorized


def require_update_token() -> None:
    """Raise unless this request may write."""
    token = current_app.config.get("UPDATE_TOKEN")
    if not token:
        raise Forbidden("this endpoint is read-only: updates are disabled on this instance")
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        raise Unauthorized("writes need an `Authorization: Bearer <token>` header")
    if not hmac.compare_digest(given.strip().encode(), str(token).encode()):
        raise Forbidden("the bearer token is not valid for writes")
