"""The HTTP server: waitress, with a bounded answer for clients that never finish a request.

waitress reads a whole request (headers and body) before the app sees it, so a slow client holds
no thread. But a request that never completes (a body that never arrives, a Content-Length larger
than what is sent, a chunked body without its last chunk, headers that never end) is only dropped,
silently, when the channel has been idle for `channel_timeout`, and a client that trickles a byte
now and then is never dropped. Here such a request is answered `408 Request Timeout` and closed
once it has been arriving for `channel_timeout` seconds, stalled or trickling. CONNECT and TRACE
are answered `405` before the app (Flask would answer CONNECT's authority-form target with 404).
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import socket
import time
from collections.abc import Callable, Iterable
from typing import Any

import waitress
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import BaseWSGIServer, MultiSocketServer
from waitress.utilities import Error

REFUSED_METHODS = ("CONNECT", "TRACE", "TRACK")
log = logging.getLogger("brikg.http")


class RequestTimeout(Error):
    code = 408
    reason = "Request Timeout"


class _TimedParser(HTTPRequestParser):
    """A request parser that remembers when the first byte of its request arrived."""

    def __init__(self, adj: Any) -> None:
        super().__init__(adj)
        self.started = time.monotonic()


class _DeadlineChannel(HTTPChannel):
    """A channel that answers a request still incomplete after `channel_timeout` with 408.

    `readable()` runs in the server's event loop at least once a second (the loop's poll
    timeout), the same thread that feeds the parser, so the check needs no extra timer.
    """

    parser_class = _TimedParser

    def readable(self) -> bool:
        request = self.request
        if (request is not None and not self.requests and not self.will_close and not self.close_when_flushed
                and time.monotonic() - request.started > self.adj.channel_timeout):
            self._answer_timeout(request)
            return False
        return super().readable()

    def _answer_timeout(self, request: HTTPRequestParser) -> None:
        with self.requests_lock:
            if self.request is not request or self.requests:
                return
            request.error = RequestTimeout(
                f"the request did not arrive completely within {self.adj.channel_timeout} s")
            request.completed = True
            self.requests.append(request)
            self.request = None
        self.server.add_task(self)  # an ErrorTask: writes the 408 and closes the connection


def refuse_methods(app: Callable) -> Callable:
    """WSGI middleware: CONNECT and TRACE get 405 (never a 5xx, never the app)."""

    def wrapped(environ: dict, start_response: Callable) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        if method.upper() in REFUSED_METHODS:
            body = f"405 method-not-allowed: {method} is not served here\n".encode()
            start_response("405 Method Not Allowed", [
                ("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                ("Allow", "GET, HEAD, POST, OPTIONS"),
            ])
            return [body]
        return app(environ, start_response)

    return wrapped


def create_server(app: Callable, **settings: Any) -> BaseWSGIServer | MultiSocketServer:
    """A waitress server for `app` whose channels answer incomplete requests with 408.

    `cleanup_interval` (how often idle keep-alive connections are swept) defaults to a fraction
    of `channel_timeout` rather than waitress's fixed 30 s, so the documented timeout holds.
    """
    timeout = int(settings.get("channel_timeout", 120))
    settings.setdefault("cleanup_interval", max(1, min(30, timeout // 4)))
    server = waitress.create_server(refuse_methods(app), **settings)
    listeners = [server] if isinstance(server, BaseWSGIServer) else \
        [d for d in server.map.values() if isinstance(d, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = _DeadlineChannel
        listener.maintenance = functools.partial(_sweep_idle, listener)
    return server


def _sweep_idle(listener: BaseWSGIServer, now: float) -> None:
    """waitress's sweep, minus the channels holding a partial request: those get their 408."""
    cutoff = now - listener.adj.channel_timeout
    for channel in list(listener.active_channels.values()):
        if not channel.requests and channel.request is None and channel.last_activity < cutoff:
            channel.will_close = True


def serve(app: Callable, **settings: Any) -> None:
    """Like `waitress.serve`, with the deadline and method checks above."""
    server = create_server(app, **settings)
    try:
        server.run()
    except (KeyboardInterrupt, SystemExit):
        server.close()


def serve_processes(make_app: Callable[[], Callable], processes: int, *, host: str, port: int,
                    **settings: Any) -> int:
    """`processes` web processes accepting on one listening socket (pre-fork, as gunicorn does).

    One Python process answers at most ~1,600 small requests/s whatever the core count (the
    GIL); more processes use more cores. Each child builds its own app with `make_app` (its own
    query workers and answer cache) after the fork, so nothing with threads is ever forked. A
    child that dies is replaced; five that die within seconds of starting stop the server
    (exit 1), so a broken configuration fails instead of looping. SIGTERM or SIGINT stops them all.
    """
    family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    listener = socket.socket(family, kind, proto)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(addr)
    listener.listen(int(settings.get("backlog", 1024)))
    listener.setblocking(False)
    children: dict[int, float] = {}
    stopping = False
    quick_deaths = 0

    stop_signals = {signal.SIGTERM, signal.SIGINT}

    def start() -> None:
        signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)  # the child must not run `stop`
        pid = os.fork()
        if pid:
            children[pid] = time.monotonic()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
            return
        code = 1
        try:  # the child: default signals, its own app, the shared socket
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            signal.pthread_sigmask(signal.SIG_UNBLOCK, stop_signals)
            create_server(make_app(), sockets=[listener], **settings).run()
            code = 0
        except BaseException:  # noqa: BLE001 - a child must never return into the parent's code
            log.exception("web process %d failed", os.getpid())
        finally:
            os._exit(code)

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for _ in range(processes):
        start()
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        started = children.pop(pid, None)
        if started is None or stopping:
            continue
        quick_deaths = quick_deaths + 1 if time.monotonic() - started < 5 else 0
        if quick_deaths >= 5:
            log.error("web processes keep dying right after they start; stopping")
            stop(signal.SIGTERM, None)
            continue
        log.warning("web process %d ended (wait status %d); starting another", pid, status)
        start()
    listener.close()
    return 1 if quick_deaths >= 5 else 0


def serve_granian(make_front: Callable[[], Callable], processes: int, *, host: str, port: int,
                  header_timeout: float, backlog: int = 1024) -> int:
    """Serve the ASGI front (service/front.py) with granian: `processes` worker processes on one
    port, each building its own front with `make_front` after the fork (its own query workers
    and caches). Headers that do not arrive within `header_timeout` seconds end the connection.
    A worker that dies is replaced by granian. SIGTERM or SIGINT stops them all.
    """
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    server = Server(
        "brikg", address=host, port=port, interface=Interfaces.ASGI, workers=processes,
        http=HTTPModes.http1, websockets=False, backlog=backlog, log_level=LogLevels.warning,
        http1_settings=HTTP1Settings(header_read_timeout=max(1, int(header_timeout * 1000))),
        respawn_failed_workers=True, workers_kill_timeout=WORKER_STOP_TIMEOUT,
    )
    server.serve(target_loader=lambda *_: _starting(make_front), wrap_loader=False)
    return 0


#: Seconds granian gives a worker to stop before it is killed.
WORKER_STOP_TIMEOUT = 10


def _starting(make_front: Callable[[], Callable]) -> Callable:
    """Build a worker's front with the default SIGTERM/SIGINT actions. A forked worker inherits
    the supervisor's handlers, and granian installs its own only once the app is built; a stop
    that arrives in between would be swallowed, and the supervisor would wait for a worker that
    never ends (seen when a replacement worker was stopped while it started)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    return make_front()
