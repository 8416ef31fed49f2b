"""A small app behind the HTTP front (service/front.py) whose answers fail on purpose, served
by granian for tests/e2e/test_front.py: failures before and after the status line."""

from __future__ import annotations

from flask import Flask, Response

from service.front import COLLECT_BYTES, Front

CHUNK = 64 * 1024
PIECES = 2 * COLLECT_BYTES // CHUNK  # over COLLECT_BYTES: streamed


def create() -> Front:
    app = Flask(__name__)

    @app.route("/streamed-then-fails")
    def streamed_then_fails() -> Response:
        def chunks():
            for _ in range(PIECES):
                yield b"x" * CHUNK
            raise OSError("the file went away")

        return Response(chunks(), mimetype="application/octet-stream")

    @app.route("/fails-before-the-first-byte")
    def fails_early() -> Response:
        def chunks():
            yield b"abc"
            raise OSError("the file went away")

        return Response(chunks(), mimetype="application/octet-stream")

    @app.route("/streamed")
    def streamed() -> Response:
        return Response((b"y" * CHUNK for _ in range(PIECES)), mimetype="application/octet-stream")

    return Front(app, threads=2, body_timeout=5, max_body=1024, cache_bytes=0, cache_entry_bytes=0,
                 generation=None, server_header="front-test")
