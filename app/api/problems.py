"""Every error as ``application/problem+json`` (RFC 9457), built in one place.

``problem_body`` makes the bytes; ``problem`` wraps them in a response for the handlers and
``send_problem`` sends them from an ASGI middleware, so a status has one title wherever it is
answered. Four handlers: ``CnnCalcError`` (the core's rejections) and
``RequestValidationError`` (the schema's) give 422; starlette's ``HTTPException`` keeps its
status (404, 405, 413, 415, 503); anything else is a 500 that says nothing about the
internals. A body is never echoed back: strings taken from the request (a key in ``loc``, a
message quoting a value) are cut to ``EXCERPT`` characters, at most ``MAX_ENTRIES`` entries
are listed, and ``NaN`` in an int field must not break the JSON of the answer.

Every title, detail and message is said in the request's language (``request_lang``): the
body's ``lang`` when the route has read it (``request.state.lang``), else a ``"lang"`` read
leniently from the parsed body, else ``Accept-Language``. The core's errors and the service's
own refusals carry a code with parameters (``app.core.messages``); pydantic's schema errors
are said in French from their ``type`` and ``ctx``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from itertools import islice
from typing import Any, Final, cast

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

from app.core import TYPE_INDEX, CnnCalcError, GraphError, LayerError
from app.core.analysis import LayerWarning
from app.core.layers import BLOCK_INDEX
from app.core.layers.base import MAX_ERRORS, UNION_LABELS
from app.core.messages import CATALOGUES, Lang, Msg, lang_of, msg, render, schema_message

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("cnncalc")

UNION_TAGS = frozenset(TYPE_INDEX) | frozenset(BLOCK_INDEX) | UNION_LABELS
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
MAX_ENTRIES: Final = MAX_ERRORS
"""The most ``errors`` entries in one answer (50, as many as a stack's validation collects);
``detail`` counts the rest."""
MAX_MESSAGE: Final = 1000
"""The most characters of a ``detail`` or a ``msg``."""


def title_of(status: int, lang: str = "en") -> str:
    """The title for ``status`` in ``lang`` (code ``title_<status>``), one per status.

    A status without its own title is the standard reason phrase in English and
    ``Erreur HTTP <status>`` in French.
    """
    code = f"title_{status}"
    if code in CATALOGUES["en"]:
        return render(Msg(code), lang)
    if lang_of(lang) == "en":
        return HTTPStatus(status).phrase
    return render(msg("title_status", status=status), lang)


def request_lang(request: Request) -> Lang:
    """The language of the request's answers (kept on ``request.state.lang``).

    The route sets it from the validated body; before that (a body the schema refuses), a
    ``"lang"`` string is read leniently from the document parsed by ``JsonBodyRoute``;
    else ``Accept-Language`` decides; else English.
    """
    known = getattr(request.state, "lang", None)
    if known is None:
        known = document_lang(getattr(request.state, "document", None)) or header_lang(
            request.headers.get("accept-language")
        )
        request.state.lang = known
    return lang_of(known)


def document_lang(document: Any) -> Lang | None:
    """The ``"lang"`` of a parsed JSON object body, when it is a string; ``None`` otherwise."""
    lang = document.get("lang") if isinstance(document, dict) else None
    return lang_of(lang) if isinstance(lang, str) else None


def body_lang(body: bytes | None) -> Lang | None:
    """``document_lang`` of a raw body that may hold faults (a key given twice, say)."""
    if not body or b'"lang"' not in body:
        return None
    try:
        return document_lang(json.loads(body))
    except (ValueError, RecursionError):
        return None


def header_lang(header: str | None) -> Lang:
    """``fr`` when ``Accept-Language`` puts French first (``fr-FR,fr;q=0.9``), else ``en``."""
    first = (header or "").split(",", 1)[0].split(";", 1)[0].strip()
    return lang_of(first)


def scope_lang(headers: Iterable[tuple[bytes, bytes]]) -> Lang:
    """``header_lang`` from an ASGI scope's headers (for the middlewares)."""
    for key, value in headers:
        if key == b"accept-language":
            return header_lang(value.decode("latin-1"))
    return "en"


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
    lang: str = "en",
) -> None:
    """Send a problem+json answer from an ASGI middleware, outside the app's handlers."""
    body = problem_body(status, detail, errors, title_of(status, lang))
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


def validation_entries(
    errors: Iterable[Any], prefix: tuple[str, ...] = (), lang: str = "en"
) -> list[dict[str, Any]]:
    """Pydantic errors as problem entries: clean ``loc``, message, type; never the input.

    Only the first ``MAX_ENTRIES`` are read, the most an answer lists.
    """
    entries = []
    for error in islice(errors, MAX_ENTRIES):
        entry: dict[str, Any] = {
            "loc": clean_loc((*prefix, *error["loc"])),
            "msg": excerpt(schema_message(error, lang), MAX_MESSAGE),
            "type": error["type"],
        }
        ctx = error.get("ctx")
        if ctx:
            entry["ctx"] = {str(k): _json_safe(v) for k, v in ctx.items()}
        entries.append(entry)
    return entries


def place(loc: Sequence[str | int]) -> Msg | str:
    """Where an entry is, for a ``detail``: ``layer 3, kernel_size``, ``input_shape.0``."""
    loc = loc[1:] if loc[:1] == ["body"] else loc
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        if loc[2:]:
            return msg("at_layer_field", index=loc[1], field=".".join(map(str, loc[2:])))
        return msg("at_layer", index=loc[1])
    return ".".join(map(str, loc)) or Msg("word_body")


def at_place(loc: Sequence[str | int], message: str, lang: str) -> str:
    """``<where>: <message>`` in ``lang``."""
    return render(msg("at_place", where=place(loc), message=message), lang)


def validation_problem(
    entries: list[dict[str, Any]], lang: str = "en", total: int | None = None
) -> Response:
    """A 422 for schema errors, its ``detail`` naming the first few places.

    ``total`` counts the errors found when ``entries`` holds only the first ``MAX_ENTRIES``.
    From ``MAX_ENTRIES`` on, validation may have stopped looking (a stack's validation stops
    there), so the rest is counted as "at least".
    """
    total = len(entries) if total is None else total
    detail = "; ".join(at_place(e["loc"], e["msg"], lang) for e in entries[:3])
    if total >= MAX_ENTRIES:
        detail += render(msg("and_at_least_more", count=total - 3), lang)
    elif total > 3:
        detail += render(msg("and_more", count=total - 3), lang)
    return problem(422, title_of(422, lang), detail, entries)


def core_problem(
    exc: CnnCalcError, lang: str = "en", hints: Sequence[LayerWarning] = ()
) -> Response:
    """A 422 for a rejection by the core, ``loc`` naming the layer index and field.

    A wiring error's ``detail`` starts with its place (``layer 2, inputs.1: …``), as a
    schema error's does: its message names ids, which need not say where the entry is.

    ``hints``: the request's warnings about its ``input_shape`` (``channels_last``), said
    after the refusal in ``detail`` and as entries at ``input_shape``: a channels-last shape
    is often why a layer does not fit.
    """
    if isinstance(exc, LayerError):
        loc: list[str | int] = ["body", *exc.loc]
        if exc.field is not None:
            loc.append(exc.field)
    else:
        where = tuple(getattr(exc, "loc", ()))
        loc = list(where) if where[:1] == ("body",) else ["body", *where]
    code = getattr(exc, "code", "invalid")
    title = "title_limit" if code == "limit_exceeded" else "title_stack"
    entry: dict[str, Any] = {
        "loc": loc,
        "msg": excerpt(exc.message_in(lang), MAX_MESSAGE),
        "type": str(code),
    }
    for extra in ("line", "column", "axis"):
        value = getattr(exc, extra, None)
        if value is not None:
            entry[extra] = value
    entries = [entry] + [
        {"loc": ["body", "input_shape"], "msg": hint.message, "type": hint.code} for hint in hints
    ]
    text = exc.text(lang)
    if isinstance(exc, GraphError):  # its message names ids, not the entry at fault
        text = at_place(loc, text, lang)
    detail = " ".join([text, *(hint.message for hint in hints)])
    return problem(422, render(Msg(title), lang), detail, entries)


def located(error: ValidationError, prefix: tuple[str, ...]) -> RequestValidationError:
    """A schema error found below the body (a stack's text, say), placed in the request."""
    return RequestValidationError(
        [{**e, "loc": (*prefix, *e["loc"])} for e in error.errors(include_input=False)]
    )


async def _on_core_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, CnnCalcError)
    return core_problem(exc, request_lang(request), getattr(request.state, "input_hints", ()))


async def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError | ValidationError)
    lang = request_lang(request)
    errors = cast("list[Any]", exc.errors())
    return validation_problem(validation_entries(errors, lang=lang), lang, len(errors))


async def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    lang = request_lang(request)
    title = title_of(exc.status_code, lang)
    message: Msg | None = getattr(exc, "msg", None)
    if message is not None:
        detail = render(message, lang)
    elif not isinstance(exc.detail, str) or exc.detail == HTTPStatus(exc.status_code).phrase:
        detail = title  # starlette's own 404 and 405 say their reason phrase
    else:
        detail = exc.detail
    return problem(exc.status_code, title, detail, headers=exc.headers)


async def _on_unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    lang = request_lang(request)
    return problem(500, title_of(500, lang), render(msg("unexpected_error"), lang))


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
