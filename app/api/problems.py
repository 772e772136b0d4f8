"""Every error as ``application/problem+json`` (RFC 9457).

Four handlers: ``CnnCalcError`` (the core's rejections) and ``RequestValidationError`` (the
schema's) give 422; starlette's ``HTTPException`` keeps its status (404, 405, 413, 415);
anything else is a 500 that says nothing about the internals. A body is never echoed back:
a 200 MB request must not come back whole, and ``NaN`` in an int field must not break the
JSON of the answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

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


def problem(
    status: int, title: str, detail: str, errors: Sequence[dict[str, Any]] = ()
) -> JSONResponse:
    """A problem+json response."""
    return JSONResponse(
        {
            "type": "about:blank",
            "title": title,
            "status": status,
            "detail": detail,
            "errors": list(errors),
        },
        status_code=status,
        media_type=PROBLEM_JSON,
    )


def clean_loc(loc: Iterable[str | int]) -> list[str | int]:
    """Drop the union tags pydantic inserts (``layers.3.MaxPool.kernel_size``)."""
    return [part for part in loc if not (isinstance(part, str) and part in UNION_TAGS)]


def _json_safe(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def validation_entries(errors: Iterable[Any], prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Pydantic errors as problem entries: clean ``loc``, message, type; never the input."""
    entries = []
    for error in errors:
        entry: dict[str, Any] = {
            "loc": clean_loc((*prefix, *error["loc"])),
            "msg": error["msg"],
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


def validation_problem(entries: list[dict[str, Any]]) -> JSONResponse:
    """A 422 for schema errors, its ``detail`` naming the first few places."""
    detail = "; ".join(_describe(e) for e in entries[:3])
    if len(entries) > 3:
        detail += f"; and {len(entries) - 3} more"
    return problem(422, "Invalid request", detail, entries)


def core_problem(exc: CnnCalcError) -> JSONResponse:
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
        "msg": getattr(exc, "message", str(exc)),
        "type": str(code),
    }
    for extra in ("line", "column", "axis"):
        value = getattr(exc, extra, None)
        if value is not None:
            entry[extra] = value
    return problem(422, title, str(exc), [entry])


async def _on_core_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, CnnCalcError)
    return core_problem(exc)


async def _on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError | ValidationError)
    return validation_problem(validation_entries(exc.errors()))


async def _on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    phrase = HTTPStatus(exc.status_code).phrase
    detail = exc.detail if isinstance(exc.detail, str) else phrase
    response = problem(exc.status_code, phrase, detail)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _on_unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return problem(500, "Internal Server Error", "an unexpected error occurred; it has been logged")


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
    400: _problem_response("Body cannot be decoded"),
    413: _problem_response("Request body too large"),
    415: _problem_response("Body is not JSON"),
    422: _problem_response("Invalid request or impossible layer stack"),
}
