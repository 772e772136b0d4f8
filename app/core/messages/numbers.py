"""Numbers as each language writes them: one set of rules, used by the CLI and the explanations.

English groups thousands with a comma and writes a decimal point: ``1,225,500``, ``1.5 MiB``.
French groups them with a narrow no-break space (U+202F, ``GROUP["fr"]``), the thin space of
French typography that never breaks a number across two lines, and writes a decimal comma:
``1 225 500``, ``1,5 Mio``. Bytes use the binary units (``B``, ``KiB``, ``MiB`` … in English;
``o``, ``Kio``, ``Mio`` … in French, the octet). Thousands are grouped from four digits on
(``1,000``, ``1 000``), as the page does; the page's ``app/web/i18n.js`` applies the same rules
(``formatInt``, ``formatBytes``), and a test checks that both agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Final, Literal

Lang = Literal["en", "fr"]

GROUP: Final[Mapping[Lang, str]] = {"en": ",", "fr": "\u202f"}
"""The thousands separator: a comma in English, a narrow no-break space (U+202F) in French."""

DECIMAL: Final[Mapping[Lang, str]] = {"en": ".", "fr": ","}
"""The decimal separator: a point in English, a comma in French."""

BYTE_UNITS: Final[Mapping[Lang, tuple[str, ...]]] = {
    "en": ("B", "KiB", "MiB", "GiB", "TiB"),
    "fr": ("o", "Kio", "Mio", "Gio", "Tio"),
}
"""Bytes and their binary multiples (1 KiB = 1024 B), as each language names them."""

_WHOLE: Final = re.compile(r"(?<![\w.])\d{4,}(?![\w.])")
"""A whole number of four digits or more in a formula: not a digit of a name (``K_1``), nor of
a decimal (``0.0001``) or of a number with an exponent (``1e-05``)."""


def _lang(lang: str) -> Lang:
    return "fr" if lang.lower().startswith("fr") else "en"


def group_digits(digits: str, lang: str) -> str:
    """A run of digits grouped by three from the right: ``1225500`` -> ``1,225,500``.

    Four digits and more are grouped (``1,000``); fewer are left as they are.
    """
    if len(digits) < 4:
        return digits
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return GROUP[_lang(lang)].join(groups)


def format_int(n: int, lang: str) -> str:
    """A whole number: ``1,225,500`` in English, ``1 225 500`` (U+202F) in French."""
    sign = "-" if n < 0 else ""
    return sign + group_digits(str(abs(n)), lang)


def format_decimal(value: float | Fraction | Decimal, digits: int, lang: str) -> str:
    """``value`` rounded to ``digits`` decimals, half up, zeros after the point dropped.

    ``1.25`` to 1 decimal is ``1.3`` (``1,3`` in French); ``2.0`` is ``2``. Rounding half up
    on the value's exact binary expansion is what JavaScript's ``toFixed`` does, so the page
    writes the same digits.
    """
    exact = Decimal(float(value)) if isinstance(value, Fraction) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, frac = f"{abs(rounded):f}".partition(".")
    frac = frac.rstrip("0")
    text = sign + group_digits(whole, lang)
    return text + DECIMAL[_lang(lang)] + frac if frac else text


def format_number(value: int | float, lang: str) -> str:
    """A whole number grouped (``format_int``); any other with its decimals (``7,5``)."""
    if isinstance(value, int) or float(value).is_integer():
        return format_int(int(value), lang)
    return format_decimal(value, 6, lang)


def format_bytes(n: int, lang: str, *, exact: bool = False) -> str:
    """A byte count: ``1.2 MiB`` / ``1,2 Mio``; with ``exact``, every byte: ``1,256,080 B``.

    The unit is the largest power of 1024 the count reaches (at most TiB); the value has one
    decimal below 100 of that unit and none above (``512 B``, ``97.7 KiB``, ``244 KiB``).
    """
    language = _lang(lang)
    units = BYTE_UNITS[language]
    if exact:
        return f"{format_int(n, language)} {units[0]}"
    value = float(n)  # as the page divides: by 1024, exactly, in binary floating point
    unit = 0
    while value >= 1024 and unit < len(units) - 1:
        value /= 1024
        unit += 1
    digits = 0 if unit == 0 or value >= 100 else 1
    return f"{format_decimal(value, digits, language)} {units[unit]}"


def format_formula(formula: str, lang: str) -> str:
    """A worked formula with its whole numbers grouped as ``lang`` groups them.

    The layer kinds write formulas with plain digits (``500 × (2450 + 1) = 1225500``); each
    whole number is grouped here: ``1,225,500`` in English, ``1 225 500`` in French. A decimal
    (``scale_factor = 2.3``, ``α = 0.0001``) is a field's value as PyTorch takes it and keeps
    its point, as the sentence beside the formula writes it.
    """
    return _WHOLE.sub(lambda match: group_digits(match.group(0), lang), formula)


__all__ = [
    "BYTE_UNITS",
    "DECIMAL",
    "GROUP",
    "format_bytes",
    "format_decimal",
    "format_formula",
    "format_int",
    "format_number",
    "group_digits",
]
