"""A JSON request body is parsed once, and sound before a route reads it.

Every route that takes a JSON body is a ``JsonBodyRoute``: a body that does not say it is
JSON is a 415; one that is not UTF-8, nests deeper than ``max_json_depth``, is not JSON,
holds an over-long number, a key twice in one object, an object of more than ``MAX_KEYS``
keys or an array of more than ``MAX_ITEMS`` items is a 422 (``parse_json``), the same answer
on every path. Deep nesting and duplicate keys are valid JSON that parsers accept silently
(the last duplicate wins), so the route would never see them; the counts bound, before any
validation, how many errors a body can make the schema report (1 MiB of unknown keys in one
object, about 100,000 schema errors, took seconds of the event loop).

The body is parsed once, by ``json.loads`` with a hook that refuses a key seen twice and
counts each object's keys and arrays as the parser builds it; the
document is handed to FastAPI through ``JsonRequest.json``, which FastAPI calls to read a
JSON body (FastAPI's documented way to customise the request: a ``Request`` subclass made
by the route's handler). FastAPI then validates the document against the route's model.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Request, Response
from fastapi.routing import APIRoute

from app.api.problems import body_lang, excerpt, header_lang, problem, title_of
from app.api.schemas import LAYERS_CEILING
from app.core.messages import Msg, msg, render

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_EMPTY_PAIR = re.compile(rb"\[\]|\{\}")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""An escape in the surrogate range: only then are the parsed strings searched for a lone one."""
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))


MAX_KEYS: Final = 64
"""The most keys of one JSON object: a layer has at most 16 fields (with an alias each, at
most 32 keys), a request envelope fewer; an object with more is refused while it is parsed."""
MAX_ITEMS: Final = LAYERS_CEILING
"""The most items of one JSON array: the layer list's ceiling (4,096); ``/v1/check``'s
answers stop at 2,048, a shape at 4 values, a per-axis value at 3."""


class DuplicateKeyError(ValueError):
    """A JSON object holds the same key twice."""


class TooLargeError(ValueError):
    """A JSON object has more than ``MAX_KEYS`` keys or holds an array over ``MAX_ITEMS``."""


def _checked_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """One object of the document, as the parser builds it: counts checked before it is kept.

    Each array is checked by the object that holds it (arrays nested in arrays too), so every
    array of a request object is counted once, as soon as it is read.
    """
    if len(pairs) > MAX_KEYS:
        raise TooLargeError
    out = dict(pairs)
    if len(out) != len(pairs):
        raise DuplicateKeyError
    values = out.values()
    if list in map(type, values) and any(_too_long(v) for v in values if type(v) is list):
        raise TooLargeError
    return out


def _too_long(items: list[Any]) -> bool:
    """Whether ``items``, or an array directly nested in it, is over ``MAX_ITEMS``."""
    if len(items) > MAX_ITEMS:
        return True
    # ``list in map(type, …)`` scans in C: most arrays (shapes, layers) hold no array.
    return list in map(type, items) and any(_too_long(item) for item in items if type(item) is list)


def too_deep(body: bytes, max_depth: int) -> bool:
    """Whether arrays and objects nest deeper than ``max_depth`` (strings ignored).

    Strings are cut out (a regex), then each pass of another removes the innermost ``[]``
    and ``{}`` pairs, so at most ``max_depth`` passes decide it; an unbalanced body is left
    to the JSON parser.
    """
    if body.count(b"[") + body.count(b"{") <= max_depth:
        return False
    brackets = _STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
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
    message: Msg
    code: str

    @property
    def msg(self) -> str:
        """The message in English."""
        return render(self.message)


class JsonFaultError(ValueError):
    """The body is not acceptable JSON."""

    def __init__(self, fault: JsonFault) -> None:
        super().__init__(fault.msg)
        self.fault = fault


def parse_json(body: bytes, max_depth: int) -> Any:
    r"""The JSON document in ``body``, parsed once.

    Refused, in this order: not UTF-8; nested deeper than ``max_depth``; not JSON (with the
    line and column) or a number past the interpreter's 4,300-digit conversion limit; a key
    twice in one object, an object over ``MAX_KEYS`` keys or an array over ``MAX_ITEMS``
    items (its place, or a later syntax error, found by a second reading on that path only;
    the first reading stops at the first such object); a string escaping half of a UTF-16
    pair (a lone ``\ud800``), which no answer could encode back. Each is a 422, the same on
    every path.

    Raises:
        JsonFaultError: what is wrong, as a ``JsonFault``.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise JsonFaultError(
            JsonFault(422, [], msg("json_not_utf8", byte=error.start), "json_invalid")
        ) from None
    if too_deep(body, max_depth):
        raise JsonFaultError(
            JsonFault(422, [], msg("json_too_deep", depth=max_depth), "json_too_deep")
        )
    try:
        document = json.loads(text, object_pairs_hook=_checked_object)
        if type(document) is list and _too_long(document):
            raise TooLargeError
    except DuplicateKeyError:
        pass  # a syntax error may still follow: the second reading finds it
    except TooLargeError:
        # The place, from a plain reading (three times as fast as one in pairs); none is
        # found there when the object also holds a key twice, which the pairs then show.
        try:
            found = _find_fault(json.loads(text), [])
        except ValueError as error:
            raise JsonFaultError(_syntax_fault(error)) from None
        if found is not None:
            raise JsonFaultError(found) from None
    except ValueError as error:
        raise JsonFaultError(_syntax_fault(error)) from None
    except RecursionError:  # unbalanced brackets, which ``too_deep`` leaves to the parser
        raise JsonFaultError(
            JsonFault(422, [], msg("json_too_deep_parser", depth=max_depth), "json_too_deep")
        ) from None
    else:
        if _SURROGATE_ESCAPE.search(text) and _lone_surrogate(document):
            raise JsonFaultError(JsonFault(422, [], msg("json_lone_surrogate"), "json_invalid"))
        return document
    try:
        found = _find_fault(json.loads(text, object_pairs_hook=list), [])
    except ValueError as error:
        raise JsonFaultError(_syntax_fault(error)) from None
    raise JsonFaultError(found or JsonFault(422, [], msg("json_not_acceptable"), "json_invalid"))


def _lone_surrogate(node: Any) -> bool:
    """Whether a string of the parsed document holds half of a UTF-16 pair (not Unicode)."""
    if isinstance(node, str):
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(node, dict):
        return any(_lone_surrogate(key) or _lone_surrogate(value) for key, value in node.items())
    if isinstance(node, list):
        return any(_lone_surrogate(item) for item in node)
    return False


def _syntax_fault(error: ValueError) -> JsonFault:
    """A syntax error with its line and column, or an over-long number (``ValueError``)."""
    if isinstance(error, json.JSONDecodeError):
        what = JSON_ERRORS.get(error.msg)
        reason = msg(
            "json_syntax",
            error=Msg(what) if what else msg("json_other", text=error.msg),
            line=error.lineno,
            column=error.colno,
        )
        return JsonFault(422, [], reason, "json_invalid")
    return JsonFault(422, [], msg("json_long_number"), "json_invalid")


JSON_ERRORS: Final = {
    "Expecting value": "json_expecting_value",
    "Expecting property name enclosed in double quotes": "json_expecting_name",
    "Expecting ':' delimiter": "json_expecting_colon",
    "Expecting ',' delimiter": "json_expecting_comma",
    "Unterminated string starting at": "json_unterminated",
    "Invalid control character at": "json_control",
    "Invalid \\escape": "json_escape",
    "Invalid \\uXXXX escape": "json_unicode_escape",
    "Extra data": "json_extra",
}
"""The codes of what Python's JSON decoder says it expected (``JSONDecodeError.msg``: a
fixed phrase of ``json.decoder`` and of its C scanner, the position given apart)."""


def _is_object(node: Any) -> bool:
    """Whether ``node`` is an object read with ``object_pairs_hook=list``: a list of pairs.

    Only pairs are tuples there (arrays are lists), so the first item tells.
    """
    return isinstance(node, list) and bool(node) and type(node[0]) is tuple


def _find_fault(node: Any, path: list[str | int]) -> JsonFault | None:
    """The first object over ``MAX_KEYS`` or with a key twice, or array over ``MAX_ITEMS``.

    ``node`` is the document read plainly (objects as dicts) or with
    ``object_pairs_hook=list`` (each object a list of pairs, where a key twice shows); the
    fault names its place.
    """
    where = ".".join(str(part) for part in path) if path else Msg("word_body")
    if isinstance(node, dict) or _is_object(node):
        pairs = node.items() if isinstance(node, dict) else node
        if len(pairs) > MAX_KEYS:
            return JsonFault(
                422,
                path,
                msg("json_too_many_keys", where=where, count=len(pairs), limit=MAX_KEYS),
                "json_too_many_keys",
            )
        seen: set[str] = set()
        for key, value in pairs:
            if key in seen:
                return JsonFault(
                    422, [*path, key], msg("json_duplicate_key", key=excerpt(key)), "duplicate_key"
                )
            seen.add(key)
            found = _find_fault(value, [*path, key])
            if found is not None:
                return found
        return None
    if isinstance(node, list):
        if len(node) > MAX_ITEMS:
            return JsonFault(
                422,
                path,
                msg("json_too_many_items", where=where, count=len(node), limit=MAX_ITEMS),
                "json_too_many_items",
            )
        for index, item in enumerate(node):
            found = _find_fault(item, [*path, index])
            if found is not None:
                return found
    return None


def is_json(request: Request) -> bool:
    """Whether the request says its body is JSON (``application/json`` or ``+json``)."""
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or kind.endswith("+json")


def fault_problem(fault: JsonFault, lang: str = "en") -> Response:
    """The 422 problem, in ``lang``, for a body that is not acceptable JSON."""
    text = render(fault.message, lang)
    entry = {"loc": ["body", *fault.loc], "msg": text, "type": fault.code}
    where: str | Msg = ".".join(str(part) for part in fault.loc) or Msg("word_body")
    detail = render(msg("at_place", where=where, message=text), lang)
    return problem(fault.status, title_of(fault.status, lang), detail, [entry])


class JsonRequest(Request):
    """A request whose JSON body has been parsed (``parse_json``): ``json()`` returns it."""

    document: Any = None

    async def json(self) -> Any:
        """The parsed body."""
        return self.document


class JsonBodyRoute(APIRoute):
    """A route whose JSON body is parsed once by ``parse_json`` before FastAPI validates it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """FastAPI's handler, behind the body check."""
        handler = super().get_route_handler()

        async def checked(request: Request) -> Response:
            if request.method not in ("POST", "PUT", "PATCH"):
                return await handler(request)
            if not is_json(request):
                lang = header_lang(request.headers.get("accept-language"))
                return problem(415, title_of(415, lang), render(msg("body_not_json"), lang))
            parsed = JsonRequest(request.scope, request.receive)
            body = await parsed.body()
            try:
                parsed.document = parse_json(body, request.app.state.settings.max_json_depth)
            except JsonFaultError as error:
                # A body that still parses (a key given twice) says its own "lang".
                lenient = None if error.fault.code == "json_too_deep" else body_lang(body)
                lang = lenient or header_lang(request.headers.get("accept-language"))
                return fault_problem(error.fault, lang)
            request.state.document = parsed.document  # the problem handlers read its "lang"
            return await handler(parsed)

        return checked


__all__ = [
    "MAX_ITEMS",
    "MAX_KEYS",
    "JsonBodyRoute",
    "JsonFaultError",
    "JsonRequest",
    "parse_json",
    "too_deep",
]
