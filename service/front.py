"""The HTTP front: the Flask app behind granian (a Rust HTTP server) through ASGI.

Why not plain WSGI: granian's WSGI mode reads a request body inside one of the app's threads,
so ten clients that never finish their bodies hold ten threads (measured; decision 0011). Here
the body is read in the event loop, under a deadline and a size cap, and only a complete request
is handed to a thread that runs the Flask app. So:

- a body that does not arrive within `body_timeout` (stalled, trickling, a Content-Length larger
  than what is sent, a chunked body without its last chunk) is answered 408 and the connection
  closed; headers that never end are cut off by granian's header-read timeout;
- a body over the app's `MAX_CONTENT_LENGTH` is not read: the app answers 413 from the declared
  or counted length, in its own error format (service/errors.py), as for every other error;
- CONNECT, TRACE and TRACK get 405 from the app without reaching a view.

Answers the front decides (408, 405) are raised inside the app (`brikg.refused` in the WSGI
environ, see `service.create_app`), so every error body comes from one place.

A front cache answers a repeated `GET /sparql` without entering Python's WSGI stack: the Flask
view marks an answer as storable (`brikg.storable`: the generation that answered, the log
details) only when the answer cache would keep it (service/cache.py), and the front keeps the
exact bytes sent, keyed by the raw query string, Accept and Host, under that generation. A
request with a conditional header goes to the app, which answers 304 itself.
"""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, RequestTimeout

from service.cache import GenerationLRU

REFUSED_METHODS = frozenset({"CONNECT", "TRACE", "TRACK"})
#: A complete answer up to this size is collected in the app's thread and sent in one piece;
#: a longer one (a dump, a large CONSTRUCT) is streamed a chunk at a time.
COLLECT_BYTES = 1024 * 1024
#: A body over the app's limit is still read, and dropped, up to this size, so that a client that
#: sends its whole body before reading (most do) gets the 413 instead of a broken connection.
DRAIN_BYTES = 64 * 1024 * 1024
log = logging.getLogger("brikg.sparql")
http_log = logging.getLogger("brikg.http")

Headers = list[tuple[bytes, bytes]]


@dataclass(frozen=True)
class Stored:
    """An answer as the front sent it, replayed for the same request on the same generation."""

    headers: Headers
    body: bytes
    log_detail: str


class _Disconnected(Exception):
    pass


class Front:
    """An ASGI application wrapping a WSGI app (see the module docstring)."""

    def __init__(self, wsgi_app: Callable, *, threads: int, body_timeout: float, max_body: int,
                 cache_bytes: int, cache_entry_bytes: int, generation: Callable[[], str | None] | None,
                 server_header: str) -> None:
        self.wsgi_app = wsgi_app
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="brikg-http")
        self.body_timeout = body_timeout
        self.max_body = max_body
        self.generation = generation
        self.cache = GenerationLRU(cache_bytes if generation is not None else 0, cache_entry_bytes)
        self.server_header = server_header.encode("latin-1")

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return  # websockets are switched off in the server; nothing else is served
        t0 = time.perf_counter()
        if scope["method"] == "GET" and scope["path"] == "/sparql" and self.cache.enabled:
            stored = self._lookup(scope)
            if stored is not None:
                await send({"type": "http.response.start", "status": 200, "headers": stored.headers})
                await send({"type": "http.response.body", "body": stored.body})
                log.info("query GET /sparql 200 %s %.1f ms", stored.log_detail, (time.perf_counter() - t0) * 1000)
                return
        refused: Exception | None = None
        body = b""
        declared = _content_length(scope)
        if scope["method"].upper() in REFUSED_METHODS:
            refused = MethodNotAllowed(["GET", "HEAD", "POST", "OPTIONS"],
                                       f"{scope['method']} is not served here")
        elif declared is not None and declared > DRAIN_BYTES:
            pass  # not read at all: the app answers 413 from the declared length, the connection closes
        elif declared or _chunked(scope):
            try:
                body, size = await asyncio.wait_for(self._read_body(receive, self.max_body), self.body_timeout)
            except TimeoutError:
                refused = RequestTimeout(f"the request did not arrive completely within {self.body_timeout:g} s")
            except _Disconnected:
                return
            else:
                declared = size  # past max_body the body was read to its end (so the client sees
                # the 413 instead of a broken pipe) and dropped
        environ = _environ(scope, body, declared)
        if refused is not None:
            environ["brikg.refused"] = refused
        loop = asyncio.get_running_loop()
        try:
            status, headers, chunks, rest = await loop.run_in_executor(self.pool, self._call_app, environ)
        except Exception:  # noqa: BLE001 - the one boundary for whatever the app's iterator raises
            # before its first byte (Flask maps its own errors; this is what escapes it): an error
            # status can still be sent, so it becomes a 500 here and a logged trace, never a sent one
            http_log.exception("the app failed while answering %s %s", scope["method"], scope["path"])
            status, headers, chunks, rest = 500, [(b"content-type", b"text/plain; charset=utf-8")], [
                b"500 internal-error: the server failed to answer this request; it has been logged\n"], None
        close = refused is not None or (declared or 0) > len(body)  # a body unread or dropped: end the connection
        headers.append((b"server", self.server_header))
        if close:
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if rest is None:
            body_out = b"".join(chunks)
            await send({"type": "http.response.body", "body": body_out})
            self._keep(scope, environ, status, headers, body_out)
            return
        # Past this point the status is sent: a failure can only cut the answer short. The
        # exception is left to granian, which closes the connection without the last chunk, so
        # every client sees an incomplete answer (docs/errors.md, "Streaming").
        for chunk in chunks:
            await send({"type": "http.response.body", "body": chunk, "more_body": True})
        try:
            while True:
                chunk = await loop.run_in_executor(self.pool, next, rest, None)
                if chunk is None:
                    break
                if chunk:
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
        finally:
            await loop.run_in_executor(self.pool, _close, rest)
        await send({"type": "http.response.body", "body": b""})

    # --- the app, in a thread ---------------------------------------------------------------------

    def _call_app(self, environ: dict) -> tuple[int, Headers, list[bytes], Iterator[bytes] | None]:
        """Run the WSGI app; collect its answer unless it is long, then hand over the rest."""
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable:
            started[:] = [status, headers]
            return _no_write

        result = self.wsgi_app(environ, start_response)
        chunks: list[bytes] = []
        size = 0
        it = iter(result)
        try:
            for chunk in it:
                if chunk:
                    chunks.append(chunk)
                    size += len(chunk)
                if size > COLLECT_BYTES:
                    break
            else:
                _close(result)
                it = None
        except BaseException:
            _close(result)
            raise
        status, headers = started
        raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers if k.lower() != "server"]
        return int(status.split(" ", 1)[0]), raw, chunks, (_Rest(it, result) if it is not None else None)

    # --- the front cache --------------------------------------------------------------------------

    @staticmethod
    def _key(scope: dict) -> tuple[bytes, bytes, bytes, str]:
        accept = host = b""
        for name, value in scope["headers"]:
            if name == b"accept":
                accept = value if not accept else accept + b"," + value
            elif name == b"host":
                host = value
            elif name.startswith(b"if-"):
                raise LookupError  # conditional: the app decides between 200 and 304
        return scope["query_string"], accept, host, scope.get("scheme", "http")

    def _lookup(self, scope: dict) -> Stored | None:
        try:
            key = self._key(scope)
        except LookupError:
            return None
        generation = self.generation() if self.generation is not None else None
        return self.cache.get(generation, key) if generation else None

    def _keep(self, scope: dict, environ: dict, status: int, headers: Headers, body: bytes) -> None:
        storable = environ.get("brikg.storable")
        if storable is None or status != 200 or scope["method"] != "GET" or scope["path"] != "/sparql":
            return
        try:
            key = self._key(scope)
        except LookupError:
            return
        replay = [(k, b"hit" if k == b"x-cache" else v) for k, v in headers]
        generation, detail = storable
        self.cache.put(generation, key, Stored(replay, body, detail.replace("cache=miss", "cache=hit")), len(body))

    async def _lifespan(self, receive: Callable, send: Callable) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.pool.shutdown(wait=False, cancel_futures=True)
                await send({"type": "lifespan.shutdown.complete"})
                return

    @staticmethod
    async def _read_body(receive: Callable, keep: int) -> tuple[bytes, int]:
        """The body and its size; past `keep` bytes (or DRAIN_BYTES) it is counted, not kept."""
        parts: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise _Disconnected
            chunk = message.get("body", b"")
            size += len(chunk)
            if size <= keep:
                parts.append(chunk)
            elif parts:
                parts.clear()
            if not message.get("more_body") or size > DRAIN_BYTES:
                return b"".join(parts), size


class _Rest:
    """The rest of a long answer: `next` from a thread, `close` when done."""

    def __init__(self, it: Iterator[bytes], result: Any) -> None:
        self.it, self.result = it, result

    def __next__(self) -> bytes:
        return next(self.it)

    def close(self) -> None:
        _close(self.result)


def _close(result: Any) -> None:
    close = getattr(result, "close", None)
    if close is not None:
        close()


def _no_write(data: bytes) -> None:
    raise RuntimeError("the WSGI write() callable is not supported; return an iterable")


def _content_length(scope: dict) -> int | None:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _chunked(scope: dict) -> bool:
    return any(name == b"transfer-encoding" for name, _ in scope["headers"])


def _environ(scope: dict, body: bytes, length: int | None) -> dict[str, Any]:
    """The PEP 3333 environ of an ASGI HTTP scope, with the body already read."""
    server = scope.get("server") or ("127.0.0.1", 80)
    client = scope.get("client") or ("", 0)
    environ: dict[str, Any] = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": scope.get("root_path", "").encode("utf-8").decode("latin-1"),
        "PATH_INFO": scope["path"].encode("utf-8").decode("latin-1"),
        "QUERY_STRING": scope["query_string"].decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1]),
        "REMOTE_ADDR": str(client[0]),
        "REMOTE_PORT": str(client[1]),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in scope["headers"]:
        key = name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = text
            continue
        if key in ("CONTENT_LENGTH", "TRANSFER_ENCODING"):
            continue
        key = "HTTP_" + key
        environ[key] = f"{environ[key]},{text}" if key in environ else text
    if length is not None:
        environ["CONTENT_LENGTH"] = str(length)
    return environ
