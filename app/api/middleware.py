"""Pure ASGI middlewares: limits on bodies, request ids with a JSON access log, headers.

They are plain ASGI callables rather than ``BaseHTTPMiddleware`` subclasses: no task group,
no body buffering, a few microseconds per request. ``install_middleware`` stacks them, from
the outside in:

1. ``ShutdownGrace``: a request cut off by the server's shutdown grace gets a 503 problem.
2. ``RequestLog``: reads or makes the ``X-Request-ID``, echoes it on the response, and writes
   one JSON line per request (id, method, path, status, duration) on ``cnncalc.access``.
3. ``SecurityHeaders``: Content-Security-Policy, ``X-Content-Type-Options: nosniff``,
   ``Referrer-Policy`` on every response, errors and CORS preflights included.
4. ``ProblemCORS``: Starlette's CORS from ``Settings.cors_origins``, never with
   credentials; a refused preflight is a problem+json 400.
5. ``HeadAsGet``: ``HEAD`` answered wherever ``GET`` is.
6. ``BodyLimit``: a body over ``Settings.max_body_bytes`` is a 413 decided from
   ``Content-Length`` before the app runs, or while the body streams in (chunked bodies
   carry no length) as soon as the running total passes the limit; the rest is never read
   and the connection is closed. A body that trickles in slower than ``body_timeout_s`` is a
   408, so a slow client holds a coroutine for a bounded time, never a worker.

Starlette's own ``max_body_size`` only checks when the app reads the body and answers in
plain text; this one answers before any routing, in ``application/problem+json``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterable
from typing import Final

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.problems import header_lang, problem, scope_lang, send_problem, title_of
from app.core.messages import Msg, msg, render
from app.settings import Settings

__all__ = [
    "CSP",
    "DOCS_CSP",
    "BodyLimit",
    "BodyTimeoutError",
    "BodyTooLargeError",
    "HeadAsGet",
    "ProblemCORS",
    "RequestLog",
    "SecurityHeaders",
    "ShutdownGrace",
    "install_middleware",
]

access_log = logging.getLogger("cnncalc.access")

REQUEST_ID: Final = b"x-request-id"
CLOSE: Final = (b"connection", b"close")
VALID_REQUEST_ID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")
"""An incoming id is echoed only when it is short and plain (no header or log injection)."""

CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
"""The page's policy: its own scripts and styles only, no inline script, no framing."""

DOCS_CSP: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
"""Only for ``/redoc``: ReDoc (served from this machine, no inline script) injects ``<style>``
elements at run time and searches in a ``blob:`` worker. Swagger UI at ``/docs`` runs under
the page's policy."""

DOCS_PATHS: Final = ("/redoc",)


def _security_headers(csp: str) -> tuple[tuple[bytes, bytes], ...]:
    return (
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"x-frame-options", b"DENY"),
    )


PAGE_HEADERS: Final = _security_headers(CSP)
DOCS_HEADERS: Final = _security_headers(DOCS_CSP)


class BodyTooLargeError(HTTPException):
    """The request body passed the limit (413); the connection is closed after the answer."""

    def __init__(self, limit: int) -> None:
        self.msg: Msg = msg("body_too_large", limit=limit)
        super().__init__(413, render(self.msg), headers={"Connection": "close"})


class BodyTimeoutError(HTTPException):
    """The request body did not arrive within the time allowed (408)."""

    def __init__(self, seconds: float) -> None:
        self.msg: Msg = msg("body_timeout", seconds=seconds)
        super().__init__(408, render(self.msg), headers={"Connection": "close"})


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


class BodyLimit:
    """413 for a body over ``max_body_bytes``; 408 for one slower than ``body_timeout_s``.

    With a ``Content-Length`` over the limit the app never runs. Otherwise ``receive`` counts
    the bytes and raises ``BodyTooLargeError`` (an ``HTTPException``, so FastAPI passes it to
    the problem handler) as soon as the total passes the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int, body_timeout_s: float = 10.0) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.body_timeout_s = body_timeout_s

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer 413 or 408 early, or run the app with a counting ``receive``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await self._reject(scope, send, BodyTooLargeError(limit))
            return
        received = 0
        body_done = False
        deadline = asyncio.get_running_loop().time() + self.body_timeout_s
        started = False

        async def limited_receive() -> Message:
            nonlocal received, body_done
            if body_done:  # later calls wait for a disconnect: no deadline on those
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise BodyTimeoutError(self.body_timeout_s) from None
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
                body_done = not message.get("more_body", False)
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, watched_send)
        except (BodyTooLargeError, BodyTimeoutError) as error:
            # Raised outside FastAPI's handlers (a bare Starlette route, a mount).
            if started:
                raise
            await self._reject(scope, send, error)

    @staticmethod
    async def _reject(
        scope: Scope, send: Send, error: BodyTooLargeError | BodyTimeoutError
    ) -> None:
        lang = scope_lang(scope["headers"])
        detail = render(error.msg, lang)
        await send_problem(send, error.status_code, detail, headers=[CLOSE], lang=lang)


class HeadAsGet:
    """``HEAD`` wherever ``GET`` is served: the GET answer's status and headers, no body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run a HEAD request as a GET and drop the body it sends."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_head(message: Message) -> None:
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
                return
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_head)


class ProblemCORS(CORSMiddleware):
    """Starlette's CORS, with a refused preflight answered in problem+json."""

    def preflight_response(self, request_headers: Headers) -> Response:
        """Starlette's answer, its plain-text refusal turned into a 400 problem."""
        response = super().preflight_response(request_headers)
        if response.status_code < 400:
            return response
        detail = bytes(response.body).decode()  # starlette's own words, in English
        headers = {k: v for k, v in response.headers.items() if k.startswith("access-control-")}
        title = title_of(response.status_code, header_lang(request_headers.get("accept-language")))
        return problem(response.status_code, title, detail, headers=headers)


class ShutdownGrace:
    """A request cut off by the server's shutdown grace gets a 503 problem, not plain text.

    When ``timeout_graceful_shutdown`` passes, uvicorn cancels the requests still running and
    answers those that sent nothing with its own plain-text 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; on cancellation before any answer, say the service is stopping."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched_send)
        except asyncio.CancelledError:
            if not started:
                lang = scope_lang(scope["headers"])
                detail = render(msg("service_stopping"), lang)
                headers = [CLOSE, (b"retry-after", b"1")]
                await send_problem(send, 503, detail, headers=headers, lang=lang)
            raise


class SecurityHeaders:
    """Adds the security headers to every response, unless the app set them itself."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app, adding the headers to its ``http.response.start``."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        extra = DOCS_HEADERS if path.startswith(DOCS_PATHS) else PAGE_HEADERS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = _merged(message.get("headers", ()), extra)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _merged(
    headers: Iterable[tuple[bytes, bytes]], extra: Iterable[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """``headers`` plus each of ``extra`` the response does not already carry."""
    out = list(headers)
    present = {key.lower() for key, _ in out}
    out.extend(item for item in extra if item[0] not in present)
    return out


class RequestLog:
    """Request id in and out, and one JSON access-log line per request.

    The id is the client's ``X-Request-ID`` when it is plain and at most 128 characters, a
    fresh UUID4 otherwise; it is put in ``scope["state"]["request_id"]`` for the handlers.
    """

    def __init__(self, app: ASGIApp, log: bool = True) -> None:
        self.app = app
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with the id on its response; log the request when it ends."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        began = time.perf_counter()
        given = _header(scope, REQUEST_ID)
        request_id = (
            given if given is not None and VALID_REQUEST_ID.fullmatch(given) else None
        ) or uuid.uuid4().hex.encode()
        scope.setdefault("state", {})["request_id"] = request_id.decode()
        status = 500
        sent = 0

        async def send_with_id(message: Message) -> None:
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", ()))
                headers.append((REQUEST_ID, request_id))
                message["headers"] = headers
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.log and access_log.isEnabledFor(logging.INFO):
                access_log.info(
                    json.dumps(
                        {
                            "ts": round(time.time(), 3),
                            "id": request_id.decode(),
                            "method": scope["method"],
                            "path": scope["path"],
                            "status": status,
                            "ms": round((time.perf_counter() - began) * 1000, 3),
                            "bytes": sent,
                        },
                        separators=(",", ":"),
                    )
                )


def _configure_access_log() -> None:
    """One bare line per record on stderr, unless logging was configured for it already."""
    if access_log.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access_log.addHandler(handler)
    access_log.setLevel(logging.INFO)
    access_log.propagate = False


def install_middleware(app: FastAPI, settings: Settings) -> None:
    """Stack the middlewares on ``app`` (see the module for the order and what each does).

    The request log, the security headers and CORS wrap the whole stack, Starlette's
    ``ServerErrorMiddleware`` included, so that a 500 carries them too and is logged as one.
    The body limit sits inside it, where FastAPI's problem handlers see its exceptions.
    """
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    build_stack = app.build_middleware_stack

    def build_wrapped_stack() -> ASGIApp:
        inner = ProblemCORS(
            HeadAsGet(build_stack()),
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "HEAD", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
        return ShutdownGrace(RequestLog(SecurityHeaders(inner), log=settings.access_log))

    app.build_middleware_stack = build_wrapped_stack  # type: ignore[method-assign]
    if settings.access_log:
        _configure_access_log()
