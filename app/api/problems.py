"""Every error as ``application/problem+json`` (RFC 9457), built in one place.

``problem_body`` makes the bytes; ``problem`` wraps them in a response for the handlers and
``send_problem`` sends them from an ASGI middleware, so a status has one title wherever it is
answered. Four handlers: ``CnnCalcError`` (the core's rejections) and
``RequestValidationError`` (the schema's) give 422; starlette's ``HTTPException`` keeps its
status (404, 405, 413, 415, 503); anything else is a 500 that says nothing about the
internals. A body is never echoed back: strings taken from the request (a key in ``loc``, a
message quoting a value) are cut to ``EXCERPT`` characters, at most ``MAX_ENTRIES`` entries
are listed, and ``NaN`` in an int field must not break the JSON of the answer.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, Final

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from app.core import TYPE_INDEX, CnnCalcError, LayerError
from app.core.layers.base import UNION_LABELS

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("cnncalc")

UNION_TAGS = frozenset(TYPE_INDEX) | UNION_LABELS
"""Segments pydantic adds to a ``loc`` for a union (a layer's ``type`` tag, a member's label);
the contract's ``loc`` has none."""


class ProblemEntry(BaseModel):
    """One error: where (``loc``), what (``msg``) and its stable code (``type``)."""

    loc: list[str | int]
    msg: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem detail with cnncalc's ``errors`` extension."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[ProblemEntry] = []


EXCERPT: Final = 80
"""The most characters of a string from the request that an answer repeats."""
MAX_ENTRIES: Final = 50
"""The most ``errors`` entries in one answer; ``detail`` counts the rest."""
MAX_MESSAGE: Final = 1000
"""The most characters of a ``detail`` or a ``msg``."""

TITLES: Final[Mapping[int, str]] = {
    400: "Bad Request",
    408: "Request Timeout",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Invalid request",
    500: "Internal Server Error",
    503: "Service Unavailable",
}
"""One title per status, whichever layer of the service answers."""


def title_of(status: int) -> str:
    """The title for ``status``: ``TITLES``, else the standard reason phrase."""
    return TITLES.get(status) or HTTPStatus(status).phrase


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """``text`` cut to ``limit`` characters, with ``…`` where it was cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem_body(
    status: int,
    detail: str,
    errors: Sequence[Mapping[str, Any]] = (),
    title: str | None = None,
) -> bytes:
    """The problem+json document: ``type``, ``title``, ``status``, ``detail``, ``errors``."""
    return json.dumps(
        {
            "type": "about:blank",
            "title": title or title_of(status),
            "status": status,
            "detail": excerpt(detail, MAX_MESSAGE),
            "errors": list(errors[:MAX_ENTRIES]),
        },
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode()


def problem(
    status: int,
    title: str | None,
    detail: str,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json response (the status's own title when ``title`` is None)."""
    return Response(
        problem_body(status, detail, errors, title),
        status_code=status,
        headers=dict(headers or {}),
        media_type=PROBLEM_JSON,
    )


async def send_problem(
    send: Send,
    status: int,
    detail: str,
    errors: Sequence[Mapping[str, Any]] = (),
    headers: Iterable[tuple[bytes, bytes]] = (),
) -> None:
    """Send a problem+json answer from an ASGI middleware, outside the app's handlers."""
    body = problem_body(status, detail, errors)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", PROBLEM_JSON.encode()),
                (b"content-length", str(len(body)).encode()),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def clean_loc(loc: Iterable[str | int]) -> list[str | int]:
    """Drop the union tags pydantic inserts (``layers.3.MaxPool.kernel_size``); cut long keys."""
    return [
        excerpt(part) if isinstance(part, str) else part
        for part in loc
        if not (isinstance(part, str) and part in UNION_TAGS)
    ]


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return excerpt(value)
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value[:MAX_ENTRIES]]
    return excerpt(str(value))


def validation_entries(errors: Iterable[Any], prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic errors as problem entries: clean ``loc``, message, type; never the input."""
    entries = []
    for error in errors:
        entry: dict[str, Any] = {
            "loc": clean_loc((*prefix, *error["loc"])),
            "msg": excerpt(error["msg"], MAX_MESSAGE),
            "type": error["type"],
        }
        ctx = error.get("ctx")
        if ctx:
            entry["ctx"] = {str(k): _json_safe(v) for k, v in ctx.items()}
        entries.append(entry)
    return entries


def _describe(entry: dict[str, Any]) -> str:
    loc = entry["loc"][1:] if entry["loc"][:1] == ["body"] else entry["loc"]
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        where = f"layer {loc[1]}" + (f", {'.'.join(map(str, loc[2:]))}" if loc[2:] else "")
    else:
        where = ".".join(map(str, loc)) or "body"
    return f"{where}: {entry['msg']}"


def validation_problem(entries: list[dict[str, Any]]) -> Response:
    """A 422 for schema errors, its ``detail`` naming the first few places."""
    detail = "; ".join(_describe(e) for e in entries[:3])
    if len(entries) > 3:
        detail += f"; and {len(entries) - 3} more"
    return problem(422, None, detail, entries)


def core_problem(exc: CnnCalcError) -> Response:
    """A 422 for a rejection by the core, ``loc`` naming the layer index and field."""
    if isinstance(exc, LayerError):
        loc: list[str | int] = ["body", "layers", exc.index]
        if exc.field is not None:
            loc.append(exc.field)
        title = "Invalid layer stack"
    else:
        where = tuple(getattr(exc, "loc", ()))
        loc = list(where) if where[:1] == ("body",) else ["body", *where]
        title = (
            "Limit exceeded"
            if getattr(exc, "code", None) == "limit_exceeded"
            else ("Invalid layer stack")
        )
    code = getattr(exc, "code", "invalid")
    entry: dict[str, Any] = {
        "loc": loc,
        "msg": excerpt(getattr(exc, "message", str(exc)), MAX_MESSAGE),
        "type": str(code),
    }
    for extra in ("line", "column", "axis"):
        value = getattr(exc, extra, None)
        if value is not None:
            entry[extra] = value
    return problem(422, title, str(exc), [entry])


async def _on_core_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CnnCalcError)
    return core_problem(exc)


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return validation_problem(validation_entries(exc.errors()))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    title = title_of(exc.status_code)
    detail = exc.detail if isinstance(exc.detail, str) else title
    return problem(exc.status_code, title, detail, headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, None, "an unexpected error occurred; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Register the four handlers."""
    app.add_exception_handler(CnnCalcError, _on_core_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(ValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)


def _problem_response(description: str) -> dict[str, Any]:
    """A documented error: ``application/problem+json`` holding a ``Problem``."""
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: _problem_response("Request body too large"),
    415: _problem_response("Body is not JSON"),
    422: _problem_response("Invalid request or impossible layer stack"),
    503: _problem_response("Busy: the work did not finish in time (see `Retry-After`)"),
}
