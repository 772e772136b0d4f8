"""Pure ASGI middlewares: body-size limit, request ids with a JSON access log, security headers.

They are plain ASGI callables rather than ``BaseHTTPMiddleware`` subclasses: no task group,
no body buffering, a few microseconds per request. ``install_middleware`` stacks them, from
the outside in:

1. ``RequestLog``: reads or makes the ``X-Request-ID``, echoes it on the response, and writes
   one JSON line per request (id, method, path, status, duration) on ``cnncalc.access``.
2. ``SecurityHeaders``: Content-Security-Policy, ``X-Content-Type-Options: nosniff``,
   ``Referrer-Policy`` on every response, errors and CORS preflights included.
3. Starlette's ``CORSMiddleware`` from ``Settings.cors_origins``, never with credentials.
4. ``BodyLimit``: a body over ``Settings.max_body_bytes`` is a 413 decided from
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
from collections.abc import Container, Iterable
from typing import Any, Final

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.settings import Settings

__all__ = [
    "CSP",
    "DOCS_CSP",
    "BodyLimit",
    "BodyTimeoutError",
    "BodyTooLargeError",
    "JsonGuard",
    "RequestLog",
    "SecurityHeaders",
    "install_middleware",
]

access_log = logging.getLogger("cnncalc.access")

REQUEST_ID: Final = b"x-request-id"
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
        super().__init__(
            413,
            f"the request body is over the limit of {limit} bytes",
            headers={"Connection": "close"},
        )


class BodyTimeoutError(HTTPException):
    """The request body did not arrive within the time allowed (408)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(
            408,
            f"the request body did not arrive within {seconds:g} s",
            headers={"Connection": "close"},
        )


def _problem_messages(error: HTTPException) -> tuple[Message, Message]:
    """A problem+json answer sent by the middleware itself, outside the app's handlers."""
    body = json.dumps(
        {
            "type": "about:blank",
            "title": {408: "Request Timeout", 413: "Content Too Large"}.get(
                error.status_code, "Bad Request"
            ),
            "status": error.status_code,
            "detail": error.detail,
            "errors": [],
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
    ]
    return (
        {"type": "http.response.start", "status": error.status_code, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


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
            await self._reject(send, BodyTooLargeError(limit))
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
            await self._reject(send, error)

    @staticmethod
    async def _reject(send: Send, error: HTTPException) -> None:
        start, body = _problem_messages(error)
        await send(start)
        await send(body)


_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


class DuplicateKeyError(ValueError):
    """A JSON object holds the same key twice."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise DuplicateKeyError
    return out


def too_deep(body: bytes, max_depth: int) -> bool:
    """Whether arrays and objects nest deeper than ``max_depth`` (strings ignored).

    Strings are cut out first: without a backslash in the body every quote opens or closes
    one, so splitting on quotes does it; with escapes, a regex. Then each pass of a C-level
    regex removes the innermost ``[]`` and ``{}`` pairs, so at most ``max_depth`` passes
    decide it; an unbalanced body is left to the JSON parser.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    outside = b"".join(body.split(b'"')[::2]) if b"\\" not in body else _STRING.sub(b"", body)
    brackets = outside.translate(None, _NOT_BRACKETS)
    for _ in range(max_depth):
        brackets, removed = _EMPTY_PAIR.subn(b"", brackets)
        if not brackets or not removed:
            return False
    return bool(brackets)


def duplicate_key(body: bytes) -> list[str | int] | None:
    """Where a key first appears twice in one object (``["layers", 0, "stride"]``), or None.

    A body that is not valid JSON is left to the app's parser, which says why.
    """
    try:
        json.loads(body, object_pairs_hook=_unique_keys)
        return None
    except DuplicateKeyError:
        pass
    except (ValueError, RecursionError):
        return None
    tree = json.loads(body, object_pairs_hook=list)
    return _find_duplicate(tree, [])


def _find_duplicate(node: Any, path: list[str | int]) -> list[str | int] | None:
    if (
        isinstance(node, list)
        and node
        and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str) for p in node)
    ):
        seen: set[str] = set()
        for key, value in node:
            if key in seen:
                return [*path, key]
            seen.add(key)
            found = _find_duplicate(value, [*path, key])
            if found is not None:
                return found
        return None
    if isinstance(node, list):
        for index, item in enumerate(node):
            found = _find_duplicate(item, [*path, index])
            if found is not None:
                return found
    return None


class JsonGuard:
    """422 for a JSON body nested deeper than ``max_depth`` or with a key twice in an object.

    Both are valid JSON that parsers accept silently (the last duplicate wins), so the app
    would never see them. The body is read here, already bounded by ``BodyLimit``, checked,
    and handed to the app unchanged.
    """

    def __init__(
        self, app: ASGIApp, max_depth: int = 32, checked: Container[bytes] = frozenset()
    ) -> None:
        self.app = app
        self.max_depth = max_depth
        self.checked = checked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check a JSON body, then run the app with it."""
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        kind = (_header(scope, b"content-type") or b"").split(b";", 1)[0].strip().lower()
        if not (kind == b"application/json" or kind.endswith(b"+json")):
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client left before sending its body
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        if body in self.checked:
            pass  # these exact bytes passed both checks before (the analyze answer cache)
        elif too_deep(body, self.max_depth):
            await _send_problem(
                send,
                [],
                f"the JSON nests arrays and objects deeper than {self.max_depth} levels",
                "json_too_deep",
            )
            return
        elif (where := duplicate_key(body)) is not None:
            await _send_problem(
                send,
                where,
                f"the key {where[-1]!r} appears twice in the same JSON object",
                "duplicate_key",
            )
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _send_problem(send: Send, loc: list[str | int], msg: str, code: str) -> None:
    """A 422 in the app's problem+json form, ``loc`` under ``body``."""
    where = ".".join(str(part) for part in loc) or "body"
    body = json.dumps(
        {
            "type": "about:blank",
            "title": "Invalid request",
            "status": 422,
            "detail": f"{where}: {msg}",
            "errors": [{"loc": ["body", *loc], "msg": msg, "type": code}],
        }
    ).encode()
    headers = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
    ]
    await send({"type": "http.response.start", "status": 422, "headers": headers})
    await send({"type": "http.response.body", "body": body})


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
    # Bodies the analyze cache holds were checked when first seen: no second pass for them.
    checked: Container[bytes] = getattr(app.state, "analyze_cache", frozenset())
    app.add_middleware(JsonGuard, max_depth=settings.max_json_depth, checked=checked)
    app.add_middleware(BodyLimit, max_body_bytes=settings.max_body_bytes)
    build_stack = app.build_middleware_stack

    def build_wrapped_stack() -> ASGIApp:
        inner = CORSMiddleware(
            build_stack(),
            allow_origins=list(settings.cors_origins),
            allow_credentials=False,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            max_age=600,
        )
        return RequestLog(SecurityHeaders(inner), log=settings.access_log)

    app.build_middleware_stack = build_wrapped_stack  # type: ignore[method-assign]
    if settings.access_log:
        _configure_access_log()
