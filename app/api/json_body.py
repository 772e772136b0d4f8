"""A JSON request body is sound before a route reads it; else one answer per fault.

Every route that takes a JSON body checks it first (``json_body``): a body that does not say
it is JSON is a 415; one that is not UTF-8, nests deeper than ``max_json_depth``, is not JSON,
holds an over-long number or a key twice in one object is a 422 (``json_fault``), the same
answer on every path. Deep nesting and duplicate keys are valid JSON that parsers accept
silently (the last duplicate wins), so the route would never see them. ``JsonBodyRoute``
puts the check in front of FastAPI's own reading of the body, which then reads the same
bytes (Starlette keeps them on the request).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.api.problems import excerpt, problem

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


@dataclass(frozen=True, slots=True)
class JsonFault:
    """Why a body is not acceptable JSON: a 4xx with one problem entry."""

    status: int
    loc: list[str | int]
    msg: str
    code: str


def json_fault(body: bytes, max_depth: int) -> JsonFault | None:
    """What is wrong with ``body`` as a JSON document, or None when it is sound.

    In this order: not UTF-8; nested deeper than ``max_depth``; not JSON (with the line and
    column) or a number past the interpreter's 4,300-digit conversion limit; a key twice in
    one object (its place, or a later syntax error, found by a second reading on that path
    only). Each is a 422, the same on every path.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        return JsonFault(422, [], f"the body is not UTF-8 (byte {error.start})", "json_invalid")
    if too_deep(body, max_depth):
        return JsonFault(
            422,
            [],
            f"the JSON nests arrays and objects deeper than {max_depth} levels",
            "json_too_deep",
        )
    try:
        json.loads(text, object_pairs_hook=_unique_keys)
        return None
    except DuplicateKeyError:
        pass  # a syntax error may still follow: the second reading finds it
    except ValueError as error:
        return _syntax_fault(error)
    except RecursionError:  # unbalanced brackets, which ``too_deep`` leaves to the parser
        return JsonFault(422, [], f"the JSON nests deeper than {max_depth} levels", "json_too_deep")
    try:
        where = _find_duplicate(json.loads(text, object_pairs_hook=list), [])
    except ValueError as error:
        return _syntax_fault(error)
    key = excerpt(str(where[-1])) if where else "?"
    return JsonFault(
        422, where or [], f"the key {key!r} appears twice in the same JSON object", "duplicate_key"
    )


def _syntax_fault(error: ValueError) -> JsonFault:
    """A syntax error with its line and column, or an over-long number (``ValueError``)."""
    if isinstance(error, json.JSONDecodeError):
        reason = f"invalid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        return JsonFault(422, [], reason, "json_invalid")
    return JsonFault(422, [], "a number in the JSON has too many digits", "json_invalid")


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


def is_json(request: Request) -> bool:
    """Whether the request says its body is JSON (``application/json`` or ``+json``)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


async def json_body(request: Request) -> bytes | Response:
    """The request's body when it is sound JSON, else the 415 or 422 problem to answer."""
    if not is_json(request):
        return problem(415, None, "send the body as application/json")
    body = await request.body()
    fault = json_fault(body, request.app.state.settings.max_json_depth)
    if fault is None:
        return body
    where = ".".join(str(part) for part in fault.loc) or "body"
    entry = {"loc": ["body", *fault.loc], "msg": fault.msg, "type": fault.code}
    return problem(fault.status, None, f"{where}: {fault.msg}", [entry])


class JsonBodyRoute(APIRoute):
    """A route whose JSON body passes ``json_body`` before FastAPI reads and validates it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the body check."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if request.method in ("POST", "PUT", "PATCH"):
                body = await json_body(request)
                if isinstance(body, Response):
                    return body
            return await handler(request)

        return checked


__all__ = ["JsonBodyRoute", "json_body", "json_fault", "too_deep"]
