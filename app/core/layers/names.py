"""Names as people write them: other libraries' layer names, and did-you-mean for typos.

Read only once a stack has failed validation, so a valid stack costs nothing here:

- ``foreign_types`` rewrites a layer's ``type`` written as Keras or Caffe name it (``Dense``,
  ``MaxPooling2D``, ``InnerProduct``) to the PyTorch tag, from the kinds' ``notation_names``
  (``NAME_INDEX``); the names a kind refuses (``REFUSED_INDEX``) are left for the error.
  Other libraries' field names (``filters``, ``units``, ``pool_size``, ``num_output``) are
  pydantic aliases on the kinds' fields, read at no cost.
- ``with_suggestions`` turns the errors of an unknown ``type`` or field into a did-you-mean
  naming the PyTorch spelling (the closest name by edit distance), or into the refusal that
  the kind declares for another library's name, each a schema error whose ``type`` is a
  message code (``pydantic.<type>`` in ``app/core/messages``), so it reads in every language.

``docs/aliases.md`` lists every name.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any, Final

from pydantic import ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.core.layers.base import (
    NAME_INDEX,
    REFUSED_INDEX,
    TYPE_INDEX,
    LayerSpec,
    Refusal,
    _line,
)
from app.core.messages import CATALOGUES

MAX_NAME: Final = 64
"""Longer names get no suggestion (the edit distance costs their length times the
candidate's)."""
MAX_SUGGESTIONS: Final = 20
"""The most errors of one stack given a suggestion; the others keep pydantic's message."""


def type_key(tag: str) -> str:
    """A layer name as the indices hold it: lower case, without ``_``, ``-`` or spaces.

    Empty for a name that is not ASCII: ``str.lower`` turns the Kelvin sign into ``k``, and
    such a name is refused as it is (``base.is_lower``).
    """
    if not tag.isascii():
        return ""
    return "".join(ch for ch in tag.lower() if ch not in "_- ")


def foreign_type(tag: Any) -> str | None:
    """The PyTorch tag that another library's layer name stands for, or ``None``.

    ``Dense`` -> ``linear``, ``MaxPooling2D`` -> ``maxpool2d``, ``Convolution`` -> ``conv``;
    ``None`` for a known tag, an unknown name, or a name a kind refuses.
    """
    if type(tag) is not str or len(tag) > MAX_NAME or tag.lower() in TYPE_INDEX:
        return None
    key = type_key(tag)
    if not key or key in REFUSED_INDEX:
        return None
    if key in TYPE_INDEX:
        return key
    return NAME_INDEX.get(key)


def foreign_types(layers: list[Any] | tuple[Any, ...]) -> list[Any] | tuple[Any, ...]:
    """``layers`` with each ``type`` written in another library's name replaced by its tag.

    Dicts are copied, never changed; ``layers`` itself is returned when nothing changes.
    """
    out: list[Any] | None = None
    for i, layer in enumerate(layers):
        if isinstance(layer, dict) and (tag := foreign_type(layer.get("type"))) is not None:
            if out is None:
                out = list(layers)
            out[i] = {**layer, "type": tag}
    return layers if out is None else out


def edit_distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance between ``a`` and ``b``, or ``limit + 1`` once it exceeds ``limit``.

    Insertions, deletions and substitutions cost 1. The rows stop as soon as every value in
    one is over ``limit``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def tolerance(word: str) -> int:
    """Edits allowed for a suggestion: 1 up to 4 letters, 2 up to 8, 3 beyond."""
    return 1 if len(word) <= 4 else 2 if len(word) <= 8 else 3


def closest(word: str, candidates: Sequence[str]) -> str | None:
    """The candidate nearest to ``word`` within ``tolerance(word)`` edits (first on ties)."""
    if not word or len(word) > MAX_NAME:
        return None
    limit = tolerance(word)
    best: str | None = None
    best_distance = limit + 1
    for candidate in candidates:
        d = edit_distance(word, candidate, limit)
        if d < best_distance:
            best, best_distance = candidate, d
            if d == 0:
                break
    return best


@cache
def type_candidates() -> tuple[str, ...]:
    """Every tag and every other spelling the kinds declare, in the indices' form."""
    return (*TYPE_INDEX, *NAME_INDEX)


def letters(name: str) -> str:
    """``name`` without its digits: ``conv9d`` -> ``convd``."""
    return "".join(ch for ch in name if not ch.isdigit())


def suggested_type(tag: str) -> str | None:
    """The PyTorch tag nearest to an unknown ``tag`` (``Flaten`` -> ``flatten``).

    None for a name that differs from the nearest only in its digits: ``conv9d`` or
    ``maxpool4d`` asks for a dimension PyTorch has no class for, and ``conv1d`` would be a
    wrong answer, not a correction.
    """
    key = type_key(tag)
    near = closest(key, type_candidates())
    if near is None or letters(near) == letters(key):
        return None
    return near if near in TYPE_INDEX else NAME_INDEX[near]


@cache
def field_names(kind: type[LayerSpec]) -> dict[str, str]:
    """Each name a kind's field answers to (its own and its aliases), to the field's name."""
    names: dict[str, str] = {}
    for name, info in kind.model_fields.items():
        if name == "type":
            continue
        names[name] = name
        choices = getattr(info.validation_alias, "choices", ())
        for choice in choices:
            if isinstance(choice, str):
                names.setdefault(choice, name)
    return names


def suggested_field(kind: type[LayerSpec], given: str) -> str | None:
    """The field of ``kind`` nearest to an unknown ``given``: ``kernal_size`` -> ``kernel_size``."""
    names = field_names(kind)
    near = closest(given, tuple(names))
    if near is None:
        near = closest(given.lower(), tuple(names))
    return None if near is None else names[near]


def _error(code: str, loc: tuple[Any, ...], params: dict[str, Any]) -> InitErrorDetails:
    """A schema error coded ``code``, its English message from the catalogue."""
    template = CATALOGUES["en"][f"pydantic.{code}"]
    return {"type": PydanticCustomError(code, template, params), "loc": loc, "input": None}


def _refused(refusal: Refusal, loc: tuple[Any, ...], given: str) -> InitErrorDetails:
    return _error(refusal.code, loc, {"given": given, **refusal.params})


def with_suggestions(error: ValidationError, layers: Sequence[Any]) -> ValidationError:
    """``error`` with its unknown types and fields told what to write instead.

    An unknown ``type`` that another library uses for a layer PyTorch writes otherwise gets
    its kind's refusal (``REFUSED_INDEX``); another unknown ``type`` the nearest tag
    (``layer_type_did_you_mean``). An unknown field gets the refusal its kind declares for
    it, or the nearest field name (``field_did_you_mean``), and the "field required" error of
    that field is then dropped: the suggestion says it. Errors with nothing near keep their
    message. ``layers`` are the ones validated (the place of each error is its index).
    """
    entries = error.errors()
    if not any(e["type"] in ("unknown_layer_type", "extra_forbidden") for e in entries):
        return error
    out: list[InitErrorDetails] = []
    dropped: set[tuple[Any, ...]] = set()
    told = 0
    for entry in entries:
        loc = entry["loc"]
        at = next((k for k, part in enumerate(loc) if type(part) is int), None)
        if at is None or told >= MAX_SUGGESTIONS or not 0 <= int(loc[at]) < len(layers):
            out.append(_keep(entry))
            continue
        layer = layers[int(loc[at])]
        rest = loc[at + 1 :]
        given = layer.get("type") if isinstance(layer, dict) else None
        if entry["type"] == "unknown_layer_type" and not rest and type(given) is str:
            refusal = REFUSED_INDEX.get(type_key(given)) if len(given) <= MAX_NAME else None
            if refusal is not None:
                out.append(_refused(refusal, loc, given))
                told += 1
                continue
            near = suggested_type(given)
            if near is not None:
                out.append(_error("layer_type_did_you_mean", loc, {"given": given, "near": near}))
                told += 1
                continue
        elif entry["type"] == "extra_forbidden" and len(rest) == 2 and rest[0] in TYPE_INDEX:
            kind = TYPE_INDEX[str(rest[0])]
            name = str(rest[1])
            refusal = kind.refused_fields.get(name)
            if refusal is not None:
                out.append(_refused(refusal, loc, name))
                told += 1
                continue
            near = suggested_field(kind, name)
            if near is not None:
                params = {"given": name, "near": near, "kind": str(rest[0])}
                out.append(_error("field_did_you_mean", loc, params))
                dropped.add((*loc[:-1], near))
                told += 1
                continue
        out.append(_keep(entry))
    kept = [
        line
        for line, entry in zip(out, entries, strict=True)
        if not (entry["type"] == "missing" and entry["loc"] in dropped)
    ]
    return ValidationError.from_exception_data(error.title, kept)


def _keep(entry: Any) -> InitErrorDetails:
    """An error kept as it is, its message too (a per-axis hint has a known type's code)."""
    if "msg" not in entry:
        return _line(entry)
    custom = PydanticCustomError(entry["type"], entry["msg"], entry.get("ctx"))
    return {"type": custom, "loc": entry["loc"], "input": entry.get("input")}


__all__ = [
    "closest",
    "edit_distance",
    "field_names",
    "foreign_type",
    "foreign_types",
    "suggested_field",
    "suggested_type",
    "type_key",
    "with_suggestions",
]
