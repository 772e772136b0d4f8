"""Every message cnncalc says, as a code with parameters, rendered in English or French.

A message is a ``Msg``: a code of the catalogues ``en.TEXT`` and ``fr.TEXT`` and the values
of its placeholders. A value may itself be a ``Msg`` (a word or a clause, rendered in the
same language first) or an ``Axes`` (axis names joined as the language joins them). The
rules of the core, the worked steps of the layer kinds, the warnings, the notation's syntax
errors, the API's problems and pydantic's own schema errors all go through ``render``; no
text is ever translated from English. The English catalogue is the reference wording (many
tests and clients read it); the French one says the same with the course's words, with the
same placeholders (a test checks both catalogues against each other). Numbers are written
by ``numbers`` (``format_int``, ``format_bytes``, ``format_formula``): ``1,225,500`` in
English, ``1 225 500`` in French.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from string import Formatter
from typing import Any, Final, Literal

from app.core.messages import en, fr
from app.core.messages.numbers import (
    format_bytes,
    format_decimal,
    format_formula,
    format_int,
    format_number,
)

Lang = Literal["en", "fr"]
LANGS: Final[tuple[Lang, ...]] = ("en", "fr")

CATALOGUES: Final[Mapping[Lang, Mapping[str, str]]] = {"en": en.TEXT, "fr": fr.TEXT}
"""The templates of each language, by code."""


@dataclass(frozen=True, slots=True)
class Msg:
    """A message by its code in the catalogues, with its parameters.

    A parameter may itself be a ``Msg`` (rendered in the same language) or an ``Axes``.
    """

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return render(self, "en")


@dataclass(frozen=True, slots=True)
class Axes:
    """Axis names joined as a language joins them: ``H and W``, ``H et W``."""

    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class OneOf:
    """Alternatives joined as a language joins them: ``3D or 4D``, ``3D ou 4D``."""

    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Listed:
    """Pydantic's list of accepted values (``'a', 'b' or 'c'``), joined as a language joins it."""

    text: str


def msg(code: str, **params: Any) -> Msg:
    """``Msg(code, params)``, written as a call."""
    return Msg(code, params)


def lang_of(lang: str | None) -> Lang:
    """``"fr"`` for French (``fr``, ``fr-FR``, ``FR``), ``"en"`` otherwise."""
    return "fr" if lang is not None and lang.lower().startswith("fr") else "en"


def join_axes(names: Sequence[str], lang: Lang) -> str:
    """``H`` ; ``H and W`` ; ``D, H and W`` (``et`` in French)."""
    word = " et " if lang == "fr" else " and "
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + word + names[-1]


def render(message: Msg, lang: str = "en") -> str:
    """``message`` in ``lang``: its parameters that are messages or axes rendered first."""
    language = lang_of(lang)
    values = {name: _value(value, language) for name, value in message.params.items()}
    return CATALOGUES[language][message.code].format(**values)


def _value(value: Any, lang: Lang) -> Any:
    if isinstance(value, Msg):
        return render(value, lang)
    if isinstance(value, Axes):
        return join_axes(value.names, lang)
    if isinstance(value, Listed):
        return choices(value.text, lang)
    if isinstance(value, OneOf):
        if len(value.items) == 1:
            return value.items[0]
        head = ", ".join(value.items[:-1])
        return render(Msg("or_join", {"head": head, "last": value.items[-1]}), lang)
    if type(value) is int and lang == "fr":
        return format_int(value, lang)  # 1 225 500: French groups the digits in sentences too
    return value


def placeholders(template: str) -> set[str]:
    """The names a template fills in (``{kernel}``, ``{value!r}``, ``{seconds:g}``)."""
    return {name for _, name, _, _ in Formatter().parse(template) if name is not None}


def choices(expected: str, lang: Lang) -> str:
    """Pydantic's list of accepted values (``'a', 'b' or 'c'``) joined as ``lang`` joins it.

    Pydantic gives the list as one string whose last two values it joins with `` or ``; the
    values are this project's own literals, none of which holds that word.
    """
    head, sep, tail = expected.rpartition(" or ")
    if lang == "en" or not sep:
        return expected
    return f"{head} ou {tail}"


def shape_words(shape: Sequence[Any]) -> str:
    """A shape as a sentence writes it: ``20×28×28``."""
    return "×".join(str(int(n)) for n in shape) if shape else "scalar"


def warning_message(code: str, params: Mapping[str, Any]) -> Msg:
    """The message of a warning from its code and its parameters (``LayerWarning.params``).

    The parameters are those the API publishes beside the warning; the words are chosen
    from them here, so the English and the French say the same thing.
    """
    p = params
    if code == "unread_input":
        unit = "column" if p["axis"] == "W" else "row"
        unread = (
            Msg("unread", {"u": p["unread"], "units": Msg(f"units_{unit}")})
            if p["unread"] > 1
            else Msg("unread_one", {"unit": Msg(f"unit_{unit}")})
            if p["unread"] == 1
            else Msg("unread_pad")
        )
        values = {k: p[k] for k in ("axis", "stride", "span", "size")}
        return Msg("warn_unread", {**values, "unread": unread})
    if code == "receptive_field_exceeds_input":
        return Msg(
            "warn_rf_exceeds", {"size": shape_words(p["size"]), "input": shape_words(p["input"])}
        )
    if code == "linear_on_last_axis":
        features = p["shape"][-1]
        return Msg(
            "warn_linear_last_axis", {"features": features, "shape": shape_words(p["shape"])}
        )
    if code == "single_value_per_channel":
        return Msg(f"warn_single_value_{p.get('per', 'channel')}")
    if code == "implicit_softmax_dim":
        return Msg("warn_implicit_dim_batch" if p["dim"] == 0 else "warn_implicit_dim", dict(p))
    if code == "channels_last":
        shape = p["shape"]
        return Msg(
            "warn_channels_last",
            {
                "shape": shape_words(shape),
                "channels": shape[0],
                "spatial": shape_words(shape[1:]),
                "suggested": shape_words(p["suggested"]),
            },
        )
    if code == "receptive_field_not_aligned":
        if p["reason"] == "spatial":  # a concatenation's units side by side, or a size 1 repeated
            side_by_side = p["kind"] in ("concat", "cat")
            key = "warn_unaligned_spatial" if side_by_side else "warn_unaligned_broadcast"
            return Msg(key, {"kind": p["kind"], "id": p["id"], "axis": p["axis"]})
        pairs = zip(p["paths"], p["values"], strict=True)
        return Msg(
            "warn_unaligned_paths",
            {
                "kind": p["kind"],
                "id": p["id"],
                "what": Msg("word_jump" if p["reason"] == "jump" else "word_centre"),
                "axis": p["axis"],
                "values": ", ".join(f"{path} ({v})" for path, v in pairs),
            },
        )
    return Msg(WARNING_CODES[code], dict(p))


WARNING_CODES: Final[Mapping[str, str]] = {
    "asymmetric_same_padding": "warn_asymmetric_same",
    "ceil_mode_partial_window": "warn_ceil_window",
    "uneven_adaptive_windows": "warn_uneven_adaptive",
    "window_in_padding_only": "warn_window_in_padding",
    "dropout_input_rank": "warn_dropout_rank",
    "num_features_unused": "warn_num_features_unused",
    "single_spatial_element": "warn_single_spatial",
    "unused_output": "warn_unused_output",
    "receptive_field_average": "warn_rf_average",
}
"""Warnings whose message takes their parameters as they are."""


SIZED: Final = frozenset({"List", "Tuple", "Set", "Dictionary", "Value"})
"""The ``field_type`` values of pydantic's ``too_long`` and ``too_short``, each a code."""


def schema_msg(error: Mapping[str, Any]) -> Msg | None:
    """A pydantic error as a message of the catalogues, from its ``type`` and ``ctx``.

    ``None`` for a type the catalogues do not hold (its English is pydantic's own).
    """
    kind = str(error["type"])
    ctx: Mapping[str, Any] = error.get("ctx") or {}
    if kind == "int_type" and ctx.get("per_axis"):
        if "names" in ctx:
            return msg("pydantic.int_type_axes_or", names=Listed(str(ctx["names"])))
        return msg("pydantic.int_type_axes")
    if kind in ("too_long", "too_short", "string_too_long", "string_too_short"):
        bound = ctx.get("max_length", ctx.get("min_length"))
        field_type = str(ctx.get("field_type", "Value"))
        what = Msg(f"pydantic.field_{field_type.lower() if field_type in SIZED else 'value'}")
        params = {**ctx, "what": what, "plural": "" if bound == 1 else "s"}
        return Msg(f"pydantic.{kind}", params)
    code = f"pydantic.{kind}"
    if code not in CATALOGUES["en"]:
        return None
    if "expected" in ctx:
        return Msg(code, {**ctx, "expected": Listed(str(ctx["expected"]))})
    return Msg(code, dict(ctx))


def schema_message(error: Mapping[str, Any], lang: str) -> str:
    """A pydantic error's message in ``lang``: pydantic's own in English, else the catalogue's."""
    if lang_of(lang) == "en":
        return str(error["msg"])
    message = schema_msg(error)
    if message is None:
        return render(msg("pydantic.other", message=error["type"]), lang)
    try:
        return render(message, lang)
    except (KeyError, IndexError):  # a ctx without a value the template names
        return render(msg("pydantic.other", message=error["type"]), lang)


__all__ = [
    "CATALOGUES",
    "LANGS",
    "Axes",
    "Lang",
    "Listed",
    "Msg",
    "OneOf",
    "choices",
    "format_bytes",
    "format_decimal",
    "format_formula",
    "format_int",
    "format_number",
    "join_axes",
    "lang_of",
    "msg",
    "placeholders",
    "render",
    "schema_message",
    "schema_msg",
    "shape_words",
    "warning_message",
]
