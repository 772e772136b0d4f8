"""Numbers as each language writes them (``app.core.messages.numbers``) and in French formulas.

Expected strings are written out by hand: English groups with ``,`` and a decimal point,
French with a narrow no-break space (U+202F) and a decimal comma.
"""

from __future__ import annotations

import re

import pytest

from app.core import analyze
from app.core.analysis import parse_layers
from app.core.examples import EXAMPLES
from app.core.explain import explain_fields, explain_layer
from app.core.messages import format_bytes, format_formula, format_int
from app.core.messages.numbers import format_decimal, format_number

NNBSP = "\u202f"


@pytest.mark.parametrize(
    ("n", "en", "fr"),
    [
        (0, "0", "0"),
        (999, "999", "999"),
        (1000, "1,000", "1 000"),
        (61706, "61,706", "61 706"),
        (1225500, "1,225,500", "1 225 500"),
        (1256080, "1,256,080", "1 256 080"),
        (-1234567, "-1,234,567", "-1 234 567"),
    ],
    ids=str,
)
def test_whole_numbers(n: int, en: str, fr: str) -> None:
    assert format_int(n, "en") == en
    assert format_int(n, "fr") == fr.replace(" ", NNBSP)
    assert format_int(n, "fr-FR") == fr.replace(" ", NNBSP)


@pytest.mark.parametrize(
    ("n", "en", "fr"),
    [
        (512, "512 B", "512 o"),
        (1024, "1 KiB", "1 Kio"),
        (1536, "1.5 KiB", "1,5 Kio"),
        (1310720, "1.3 MiB", "1,3 Mio"),  # 1.25 exactly: half up, as the page's toFixed
        (247200, "241 KiB", "241 Kio"),  # 241.40625: no decimal from 100 on
        (100 * 1024, "100 KiB", "100 Kio"),
        (3 * 2**30 // 2, "1.5 GiB", "1,5 Gio"),
    ],
    ids=str,
)
def test_bytes(n: int, en: str, fr: str) -> None:
    assert format_bytes(n, "en") == en
    assert format_bytes(n, "fr") == fr


def test_exact_bytes() -> None:
    assert format_bytes(5024320, "en", exact=True) == "5,024,320 B"
    assert format_bytes(5024320, "fr", exact=True) == f"5{NNBSP}024{NNBSP}320 o"


def test_decimals() -> None:
    assert format_decimal(12345.5, 1, "fr") == f"12{NNBSP}345,5"
    assert format_decimal(2.0, 1, "en") == "2"
    assert format_decimal(-0.04, 1, "en") == "0"
    assert format_number(7.5, "fr") == "7,5"
    assert format_number(1063.0, "en") == "1,063"


def test_formulas_group_whole_numbers_only() -> None:
    formula = "r = 1 + (K_1 − 1) = ⌊50 × 2.3⌋ = ⌊114.99999999999999⌋ + 1e-05 + 10000"
    assert format_formula(formula, "fr") == (
        f"r = 1 + (K_1 − 1) = ⌊50 × 2.3⌋ = ⌊114.99999999999999⌋ + 1e-05 + 10{NNBSP}000"
    )
    assert format_formula("500 × (2450 + 1) = 1225500", "en") == "500 × (2,450 + 1) = 1,225,500"


def test_the_french_formula_of_lenets_first_linear_layer() -> None:
    """Linear(2450 -> 500): 500 × (2450 + 1) = 1 225 500 parameters, by hand."""
    example = EXAMPLES["lenet5_course"]
    specs = parse_layers(example["layers"])
    analysis = analyze(example["input_shape"], specs)
    assert analysis.layers[7].params == 1_225_500
    french = [s.formula for s in explain_layer(specs[7], analysis.layers[7], "fr")]
    assert f"out × (in + 1) = 500 × (2{NNBSP}450 + 1) = 1{NNBSP}225{NNBSP}500" in french
    english = [s.formula for s in explain_layer(specs[7], analysis.layers[7], "en")]
    assert "out × (in + 1) = 500 × (2,450 + 1) = 1,225,500" in english


def test_no_french_formula_leaves_a_number_of_four_digits_ungrouped() -> None:
    example = EXAMPLES["lenet5_course"]
    specs = parse_layers(example["layers"])
    analysis = analyze(example["input_shape"], specs)
    formulas = [
        s.formula
        for fields in explain_fields(analysis, specs, "fr")
        for steps in fields.values()
        for s in steps
        if s.formula
    ]
    assert any(NNBSP in f for f in formulas)
    assert not [f for f in formulas if re.search(r"(?<![\w.])\d{4,}", f)]
    assert not [f for f in formulas if re.search(r"\d,\d{3}", f)]
