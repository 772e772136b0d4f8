"""Run the service under uvicorn, one or several worker processes.

    python -m app.server        # the image's command: everything from the environment

Uvicorn runs its standard stack (``uvicorn[standard]``): the uvloop event loop and the
httptools parser, chosen by uvicorn's ``auto`` settings.

With ``--workers N > 1`` uvicorn binds the listening socket itself as
``socket.socket(family)``, whose ``proto`` is 0; asyncio's own loop then skips
``TCP_NODELAY`` on every accepted connection (``asyncio.base_events._set_nodelay`` requires
``IPPROTO_TCP``), and each response, written as headers then body, waits for the client's
delayed ACK: 40 ms per request. ``TcpConfig`` hands uvicorn the same socket labelled
``IPPROTO_TCP``, which the workers inherit, so that this holds whichever loop runs.

Open connections are capped per worker, so that a flood of them never runs the process out
of file descriptors (when it does, ``accept()`` fails, asyncio logs the failure up to 2,048
times per turn of the loop and nothing else runs). The cap sits in the HTTP protocol
(``ConnectionCap``, mixed into uvicorn's httptools protocol, or its h11 one when asked for).
At start the soft ``RLIMIT_NOFILE`` is raised to the hard one; then, with ``F`` that limit:

- ``backlog = min(2048, max(16, F // 16))``: the listen queue, and the most connections
  asyncio accepts in one turn of its loop (uvloop accepts until the queue is empty, at most
  a backlog's worth); they are counted (``connection_made``) a turn or two later, so up
  to ``3 · backlog`` descriptors are in flight uncounted;
- ``ceiling = F − 64 − 3 · backlog``: a connection beyond it is reset at once (64
  descriptors are left to the process: files, the torch import, the listening socket);
- ``limit`` (``UVICORN_LIMIT_CONCURRENCY``, default ``min(3 · ceiling // 4, 10000)``): a
  connection beyond it gets a 503 problem+json (``Retry-After: 1``) as soon as it sends
  its first bytes, and is closed after ``REJECT_WAIT_S`` if it sends nothing; a
  ``GET /healthz`` is still answered, so that probes see the process alive.

A connection that has not sent a whole request head within ``CNNCALC_HEADER_TIMEOUT_S``
(10 s) is closed, so idle connections cannot hold the slots for ever. Repeated log lines
of a flood (asyncio's ``socket.accept() out of system resource``, the cap's own refusals)
are written at most once per second, with the number left out.

Environment (as uvicorn's own command line reads it): ``UVICORN_HOST`` (``127.0.0.1``),
``UVICORN_PORT`` (8000), ``WEB_CONCURRENCY`` (workers, 1), ``UVICORN_TIMEOUT_KEEP_ALIVE``
(5 s), ``UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN`` (8 s), ``UVICORN_LIMIT_CONCURRENCY`` (see
above; per worker), ``FORWARDED_ALLOW_IPS``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import resource
import socket
import time
from collections.abc import Callable, Mapping
from typing import Any

import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from app.api.problems import PROBLEM_JSON, problem_body
from app.settings import Settings

APP = "app.main:app"

RESERVED_FDS = 64
"""Descriptors always left to the process besides connections and accepts in flight."""

MAX_DEFAULT_LIMIT = 10_000
"""The default cap's upper bound: beyond it memory, not descriptors, is what runs out."""

REJECT_WAIT_S = 1.0
"""How long a connection over the cap may take to send its first bytes before it is closed."""

LOG_INTERVAL_S = 1.0
"""The shortest time between two log lines of one kind during a flood."""

ACCEPT_ERROR = "socket.accept() out of system resource"
OVER_CAP = "Connection over the cap"

HEALTH_CHECKS = (b"GET /healthz ", b"GET /healthz?", b"HEAD /healthz ")
"""First bytes of a request still served over the cap."""

logger = logging.getLogger("uvicorn.error")


def over_cap_response(limit: int) -> bytes:
    """The whole HTTP response sent to a connection over the cap: a 503 problem+json."""
    body = problem_body(
        503, f"The server has {limit} connections open, its limit; retry in a moment."
    )
    head = (
        "HTTP/1.1 503 Service Unavailable\r\n"
        f"content-type: {PROBLEM_JSON}\r\n"
        f"content-length: {len(body)}\r\n"
        "retry-after: 1\r\n"
        "cache-control: no-store\r\n"
        "x-content-type-options: nosniff\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode() + body


def raise_nofile_limit() -> int:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard limit where allowed; return the soft one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return 1 << 20 if soft == resource.RLIM_INFINITY else soft


def accept_backlog(nofile: int) -> int:
    """The listen queue and asyncio's accepts per turn: ``min(2048, max(16, F // 16))``."""
    return min(2048, max(16, nofile // 16))


def connection_ceiling(nofile: int) -> int:
    """Connections a worker may hold with ``nofile`` descriptors: ``F − 64 − 3 · backlog``."""
    return max(1, nofile - RESERVED_FDS - 3 * accept_backlog(nofile))


def default_limit(nofile: int) -> int:
    """The default cap: ``min(3 · ceiling // 4, 10000)``, the rest for 503s in flight."""
    return max(1, min(connection_ceiling(nofile) * 3 // 4, MAX_DEFAULT_LIMIT))


class ThrottleFilter(logging.Filter):
    """At most one record per ``interval_s`` among those whose message starts with a prefix.

    The record let through is cut to one line (the exception's text appended, no traceback)
    and says how many records of its kind were left out since the previous one. Records
    without such a prefix pass untouched.
    """

    def __init__(
        self,
        prefixes: tuple[str, ...],
        interval_s: float = LOG_INTERVAL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.prefixes = prefixes
        self.interval_s = interval_s
        self.clock = clock
        self.next_at: dict[str, float] = {}
        self.left_out: dict[str, int] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        """Let the record through, rewritten to one line, or count it and drop it."""
        message = record.getMessage()
        prefix = next((p for p in self.prefixes if message.startswith(p)), None)
        if prefix is None:
            return True
        now = self.clock()
        if now < self.next_at.get(prefix, -math.inf):
            self.left_out[prefix] = self.left_out.get(prefix, 0) + 1
            return False
        self.next_at[prefix] = now + self.interval_s
        line = message.partition("\n")[0]
        if record.exc_info and record.exc_info[1] is not None:
            line += f": {record.exc_info[1]}"
        left_out = self.left_out.pop(prefix, 0)
        if left_out:
            line += f" ({left_out} more like it in the last {self.interval_s:g} s or longer)"
        record.msg, record.args = line, ()
        record.exc_info, record.exc_text = None, None
        return True


def install_log_throttles() -> None:
    """Throttle asyncio's accept errors and the cap's refusals (once per process)."""
    for name, prefix in (("asyncio", ACCEPT_ERROR), ("uvicorn.error", OVER_CAP)):
        target = logging.getLogger(name)
        if not any(isinstance(f, ThrottleFilter) for f in target.filters):
            target.addFilter(ThrottleFilter((prefix,)))


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, with a listening socket that asyncio recognises as TCP.

    With ``connection_limit`` set, connections are served by uvicorn's HTTP/1.1 protocol
    with ``ConnectionCap`` (``CappedHttpToolsProtocol``, or ``CappedH11Protocol`` when
    ``http="h11"``) with that cap, ``connection_ceiling`` and ``header_timeout_s`` (see the
    module).
    """

    def __init__(
        self,
        app: Any,
        *,
        connection_limit: int | None = None,
        connection_ceiling: int | None = None,
        header_timeout_s: float | None = None,
        **kwargs: Any,
    ) -> None:
        self.connection_limit = connection_limit
        self.connection_ceiling = connection_ceiling
        self.header_timeout_s = header_timeout_s
        if connection_limit is not None:
            h11 = kwargs.get("http") in ("h11", H11Protocol)
            kwargs["http"] = CappedH11Protocol if h11 else CappedHttpToolsProtocol
        super().__init__(app, **kwargs)

    def configure_logging(self) -> None:
        """Uvicorn's logging, with the flood throttles; workers call it again at start."""
        super().configure_logging()
        install_log_throttles()

    def bind_socket(self) -> socket.socket:
        """Uvicorn's socket, relabelled ``IPPROTO_TCP`` so that connections get TCP_NODELAY."""
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


class ConnectionCap(asyncio.Protocol):
    """The connection cap and the header timeout, for either of uvicorn's HTTP/1.1 protocols.

    Mixed in before ``HttpToolsProtocol`` or ``H11Protocol``, whose state it reads: the
    ``config`` (a ``TcpConfig``), the open ``connections`` (uvicorn's
    ``server_state.connections``, this one included once counted), ``loop``, ``transport``
    and ``cycle`` (the request being served, ``None`` until a request head is read). Over
    ``connection_limit`` a connection waits up to ``REJECT_WAIT_S`` for its first bytes, then
    gets ``over_cap_response`` (a ``GET /healthz`` is served instead, as is any request once
    the count is back under the cap); over ``connection_ceiling`` it is reset at once.
    Uvicorn's own ``limit_concurrency`` (a plain-text 503 and one log line per request)
    stays off.
    """

    config: Any
    connections: set[Any]
    loop: Any
    transport: Any
    cycle: Any
    over_cap = False
    deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Count the connection in; reset it over the ceiling, hold it over the cap."""
        super().connection_made(transport)
        limit = getattr(self.config, "connection_limit", None)
        if limit is None:
            return
        ceiling = getattr(self.config, "connection_ceiling", None) or limit
        header_timeout_s = getattr(self.config, "header_timeout_s", None)
        open_now = len(self.connections)
        if open_now > max(ceiling, limit):
            logger.warning("%s ceiling (%d): reset", OVER_CAP, ceiling)
            self.transport.abort()
        elif open_now > limit:
            self.over_cap = True
            self.deadline = self.loop.call_later(REJECT_WAIT_S, self.transport.abort)
        elif header_timeout_s:
            self.deadline = self.loop.call_later(header_timeout_s, self.close_if_no_request)

    def data_received(self, data: bytes) -> None:
        """Over the cap: 503 and close, unless a health check or the count fell back."""
        if self.over_cap:
            self.over_cap = False
            self.cancel_deadline()
            limit: int = self.config.connection_limit
            if len(self.connections) > limit and not data.startswith(HEALTH_CHECKS):
                logger.warning("%s (%d): 503", OVER_CAP, limit)
                self.transport.write(over_cap_response(limit))
                self.transport.close()
                return
        super().data_received(data)

    def close_if_no_request(self) -> None:
        """Close a connection that has not sent a whole request head in time."""
        self.deadline = None
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def cancel_deadline(self) -> None:
        """Stop the pending close, if any."""
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    def connection_lost(self, exc: Exception | None) -> None:
        """Stop the pending close, then uvicorn's own bookkeeping."""
        self.cancel_deadline()
        super().connection_lost(exc)


class CappedHttpToolsProtocol(ConnectionCap, HttpToolsProtocol):
    """Uvicorn's httptools protocol (the standard stack's) with the cap."""


class CappedH11Protocol(ConnectionCap, H11Protocol):
    """Uvicorn's h11 protocol with the cap."""


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    *,
    timeout_keep_alive: int = 5,
    timeout_graceful_shutdown: int = 8,
    limit_concurrency: int | None = None,
    header_timeout_s: float | None = None,
) -> None:
    """Serve ``app.main:app``; uvicorn stops on SIGTERM, draining open requests first.

    The soft descriptor limit is raised first; ``limit_concurrency`` (connections per
    worker) is ``default_limit`` of it when None, and never above ``connection_ceiling``.
    ``header_timeout_s`` defaults to ``Settings.header_timeout_s``. The access log is
    cnncalc's own JSON lines (``CNNCALC_ACCESS_LOG``), not uvicorn's.
    """
    nofile = raise_nofile_limit()
    ceiling = connection_ceiling(nofile)
    limit = default_limit(nofile) if limit_concurrency is None else limit_concurrency
    if limit > ceiling:
        logger.warning("limit_concurrency %d lowered to %d (nofile %d)", limit, ceiling, nofile)
        limit = ceiling
    config = TcpConfig(
        APP,
        connection_limit=limit,
        connection_ceiling=ceiling,
        header_timeout_s=Settings().header_timeout_s
        if header_timeout_s is None
        else header_timeout_s,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        timeout_keep_alive=timeout_keep_alive,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
        backlog=accept_backlog(nofile),
    )
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        config.load_app()
        uvicorn.Server(config).run()


def main(environ: Mapping[str, str] | None = None) -> None:
    """Serve with the options in the environment (see the module)."""
    env = os.environ if environ is None else environ
    limit = env.get("UVICORN_LIMIT_CONCURRENCY", "").strip()
    serve(
        env.get("UVICORN_HOST", "127.0.0.1"),
        int(env.get("UVICORN_PORT", "8000")),
        int(env.get("WEB_CONCURRENCY", "1")),
        timeout_keep_alive=int(env.get("UVICORN_TIMEOUT_KEEP_ALIVE", "5")),
        timeout_graceful_shutdown=int(env.get("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "8")),
        limit_concurrency=int(limit) if limit else None,
        header_timeout_s=Settings.from_env(env).header_timeout_s,
    )


if __name__ == "__main__":
    main()
