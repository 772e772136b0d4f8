"""Worked formulas: every number equals the analysis', in English and in French."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from app.core import REGISTRY, LayerError, analyze
from app.core.analysis import Analysis, ExplanationStep, parse_layers
from app.core.errors import ErrorCode
from app.core.examples import EXAMPLES
from app.core.explain import (
    FIELDS,
    explain_analysis,
    explain_fields,
    explain_layer,
    warning_in,
)
from app.core.graph import build_graph
from app.core.layers.activation import Activation
from app.core.layers.base import WarningCode
from app.core.messages import render, warning_message
from app.core.notation import NotationError, parse_stack
from tests.core.test_invariants import conv_pool_stacks
from tests.core.test_kinds import SAMPLES

Stack = tuple[list[int], list[dict[str, Any]]]

BATTERY: dict[str, Stack] = {
    "conv_inexact_dilated_grouped": (
        [4, 12, 16],
        [
            {"type": "conv2d", "out_channels": 8, "kernel_size": [3, 2], "stride": 2},
            {"type": "conv", "out_channels": 8, "kernel_size": 3, "dilation": 2, "groups": 4},
            {"type": "conv2d", "out_channels": 6, "kernel_size": 1, "bias": False},
        ],
    ),
    "conv_same_even_kernel": (
        [2, 10],
        [
            {"type": "conv1d", "out_channels": 3, "kernel_size": 4, "padding": "same"},
            {"type": "conv1d", "out_channels": 3, "kernel_size": 3, "padding": "valid"},
        ],
    ),
    "conv3d_and_pools": (
        [2, 6, 9, 9],
        [
            {"type": "conv3d", "out_channels": 4, "kernel_size": [1, 3, 3], "padding": [0, 1, 1]},
            {"type": "batchnorm3d"},
            {"type": "maxpool3d", "kernel_size": 2, "ceil_mode": True},
            {"type": "avgpool3d", "kernel_size": [1, 2, 2], "stride": 1, "padding": [0, 1, 1]},
            {"type": "dropout3d", "p": 0.2},
        ],
    ),
    "pool_ceil_drops_last_window": (
        [1, 5, 5],
        [
            {"type": "maxpool2d", "kernel_size": 2, "stride": 2, "padding": 1, "ceil_mode": True},
            {"type": "maxpool2d", "kernel_size": 2, "stride": 1, "dilation": 2},
            {"type": "pool", "kernel_size": 1},
        ],
    ),
    "transposed": (
        [8, 5, 5],
        [
            {"type": "convtranspose2d", "out_channels": 4, "kernel_size": 3, "stride": 2},
            {
                "type": "convtranspose2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
                "dilation": 2,
                "groups": 2,
                "bias": False,
            },
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
        ],
    ),
    "adaptive": (
        [3, 10, 14],
        [
            {"type": "adaptiveavgpool2d", "output_size": [7, 7]},
            {"type": "adaptivemaxpool2d", "output_size": [None, 3]},
            {"type": "groupnorm", "num_groups": 3},
            {"type": "layernorm"},
            {"type": "layernorm", "normalized_shape": [7, 3], "bias": False},
            {"type": "layernorm", "elementwise_affine": False},
        ],
    ),
    "head": (
        [6, 4, 4],
        [
            {"type": "batchnorm2d", "affine": False, "track_running_stats": False},
            {"type": "dropout2d"},
            {"type": "prelu", "num_parameters": 6},
            {"type": "flatten", "start_dim": 2},
            {"type": "linear", "out_features": 5},
            {"type": "flatten"},
            {"type": "linear", "out_features": 10, "bias": False},
            {"type": "batchnorm1d"},
            {"type": "leakyrelu", "negative_slope": 0.2},
            {"type": "elu"},
            {"type": "gelu"},
            {"type": "prelu"},
            {"type": "dropout", "p": 0.1},
            {"type": "softmax", "dim": 1},
            {"type": "logsoftmax"},
        ],
    ),
    "instance_and_local_response_norms": (
        [6, 5, 7],
        [
            {"type": "instancenorm2d", "num_features": 6, "affine": True},
            {"type": "localresponsenorm", "size": 4, "alpha": 0.0001, "beta": 0.75, "k": 2.0},
            {"type": "instancenorm2d", "track_running_stats": True},
            {"type": "flatten", "start_dim": 2},
            {"type": "instancenorm1d"},
            {"type": "instancenorm1d", "affine": True, "track_running_stats": True},
            {"type": "localresponsenorm", "size": 1},
        ],
    ),
    "padding": (
        [2, 6, 7],
        [
            {"type": "zeropad2d", "padding": [1, 2, 0, 1]},
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
            {"type": "constantpad2d", "padding": [-1, 2, 1, -2], "value": 3.5},
            {"type": "reflectionpad", "padding": 2},
            {"type": "replicationpad2d", "padding": [0, -3, 2, 0]},
        ],
    ),
    "activations": (
        [3, 4],
        [{"type": t} for t in Activation.tags] + [{"type": "dropout1d"}, {"type": "batchnorm"}],
    ),
}

GRAPHS: dict[str, Stack] = {
    "graph_merges": (
        [4, 8, 8],
        [
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "id": "a"},
            {"type": "add", "inputs": ["a", "input"]},
            {"type": "adaptiveavgpool2d", "output_size": 1, "id": "gate"},
            {"type": "mul", "inputs": ["gate", "a"]},
            {"type": "concat", "inputs": ["a", "input", "a"], "id": "cat"},
            {
                "type": "residual",
                "layers": [{"type": "conv2d", "out_channels": 12, "kernel_size": 1}],
            },
            {"type": "cat", "dim": 3},
        ],
    ),
}
"""Graphs: merges of several inputs and blocks (their export comes later, so apart)."""

STACKS: dict[str, Stack] = {
    **BATTERY,
    **GRAPHS,
    **{name: (ex["input_shape"], ex["layers"]) for name, ex in EXAMPLES.items()},
    # Every kind's own sample (tests/core/test_kinds.py) on an input with spatial axes, so
    # that a new kind is told too.
    **{
        f"sample_{kind}": ([*x], [dict(layer)])
        for kind, (x, layer) in SAMPLES.items()
        if len(x) > 1
    },
}


# --- a small evaluator for the substituted parts of formulas ---------------------------------


def evaluate(text: str) -> Fraction:
    """``(32 - 5 + 2×2) / 1 + 1``, ``⌊223 / 2⌋ + 1``, ``5/2 + 1 × 1/4`` with exact fractions."""
    tokens: list[str] = re.findall(r"\d+|[-+−×/()⌊⌋⌈⌉]", text)
    assert "".join(tokens) == re.sub(r"\s+", "", text), f"unexpected characters in {text!r}"
    pos = 0

    def peek() -> str | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> str:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def expr() -> Fraction:
        value = term()
        while peek() in ("+", "-", "−"):
            op = take()
            value = value + term() if op == "+" else value - term()
        return value

    def term() -> Fraction:
        value = factor()
        while peek() in ("×", "/"):
            op = take()
            value = value * factor() if op == "×" else value / factor()
        return value

    def factor() -> Fraction:
        token = take()
        if token in ("-", "−"):
            return -factor()
        if token in ("(", "⌊", "⌈"):
            inner = expr()
            close = take()
            assert close == {"(": ")", "⌊": "⌋", "⌈": "⌉"}[token]
            if token == "⌊":
                return Fraction(inner.numerator // inner.denominator)
            if token == "⌈":
                return Fraction(-(-inner.numerator // inner.denominator))
            return inner
        return Fraction(int(token))

    value = expr()
    assert pos == len(tokens), f"trailing tokens in {text!r}"
    return value


NUMERIC = re.compile(r"^[\d\s()+\-−×/⌊⌋⌈⌉]+$")


def numeric_parts(formula: str) -> list[str]:
    return [part for part in formula.split(" = ") if NUMERIC.match(part)]


def final(formula: str | None) -> str:
    assert formula is not None
    return formula.split(" = ")[-1]


def num(value: float) -> str:
    f = Fraction(value).limit_denominator(1 << 20)
    return str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}"


def times(values: Sequence[int | float]) -> str:
    return " × ".join(num(v) for v in values)


def analysed(name: str) -> tuple[Analysis, list[Any]]:
    shape, layers = STACKS[name]
    specs = parse_layers(layers)
    return analyze(shape, specs), specs


def test_the_stacks_cover_every_layer_kind() -> None:
    kinds = {
        type(node.spec)
        for name in STACKS
        for node in build_graph(parse_layers(STACKS[name][1]), 1000).nodes
    }
    assert kinds == set(REGISTRY)


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("name", sorted(STACKS))
def test_every_number_equals_the_analysis(name: str, lang: str) -> None:
    analysis, specs = analysed(name)
    check_numbers(analysis, specs, lang)


@given(conv_pool_stacks(), st.sampled_from(["en", "fr"]))
def test_every_number_equals_the_analysis_on_random_stacks(
    case: tuple[list[int], list[dict[str, Any]]], lang: str
) -> None:
    shape, layers = case
    specs = parse_layers(layers)
    analysis = None
    with contextlib.suppress(LayerError):
        analysis = analyze(shape, specs)
    assume(analysis is not None)  # an impossible stack has nothing to explain
    assert analysis is not None
    check_numbers(analysis, specs, lang)


def ungrouped(step: ExplanationStep, lang: str) -> ExplanationStep:
    """The step with its formula's thousands separators taken out: ``1 225 500`` -> ``1225500``."""
    grouped = re.compile("(?<=\\d)" + {"en": ",", "fr": "\u202f"}[lang] + "(?=\\d{3})")
    formula = None if step.formula is None else grouped.sub("", step.formula)
    return ExplanationStep(step.text, formula)


def check_numbers(analysis: Analysis, specs: list[Any], lang: str) -> None:
    for report, written in zip(analysis.layers, explain_fields(analysis, specs, lang), strict=True):
        fields = {name: [ungrouped(s, lang) for s in steps] for name, steps in written.items()}
        where = f"layer {report.index} ({report.type})"
        assert set(fields) == set(FIELDS)
        steps = [s for f in FIELDS for s in fields[f]]
        assert all(s.text for s in steps), where
        for step in steps:
            if step.formula is None:
                continue
            parts = numeric_parts(step.formula)
            values = {evaluate(part) for part in parts}
            assert len(values) <= 1, f"{where}: {step.formula}"
        # Output: per axis, then the whole shape.
        out = fields["output_shape"]
        assert final(out[-1].formula) == times(report.output_shape), where
        names = {1: "L", 2: "HW", 3: "DHW"}.get(len(report.input_shape) - 1, "")
        last: dict[int, str] = {}  # a ceil_mode pooling may drop its last window afterwards
        for step in out:
            formula = step.formula or ""
            match = re.match(r"^([LDHW])' = ", formula)
            if match and len(report.output_shape) == len(report.input_shape):
                last[names.index(match.group(1))] = final(formula)
        for axis, size in last.items():
            assert size == str(report.output_shape[1 + axis]), f"{where}: axis {axis}"
        # Weight and bias.
        if report.weight_shape is None:
            assert not [s for s in fields["weight_shape"] if s.formula], where
        else:
            count = 1
            for n in report.weight_shape:
                count *= n
            assert final(fields["weight_shape"][-1].formula) == str(count), where
            if report.type.startswith(("conv", "linear")):
                assert times(report.weight_shape) in (fields["weight_shape"][-1].formula or "")
        if report.bias_shape is None:
            assert all(s.formula is None for s in fields["bias_shape"]), where
        else:
            assert final(fields["bias_shape"][-1].formula) == str(report.bias_shape[0]), where
        # Parameters.
        finals = [final(s.formula) for s in fields["params"] if s.formula]
        if report.params:
            assert str(report.params) in finals, f"{where}: {finals}"
        else:
            assert str(report.params) not in finals[:1] or report.buffers, where
        # Receptive field.
        rf = report.receptive_field
        rf_finals = {final(s.formula) for s in fields["receptive_field"] if s.formula}
        if rf.global_:
            assert rf_finals == {times(rf.size)}, where
        else:
            sizes = {num(s) for s in rf.size}
            sized = {f for s in fields["receptive_field"] if s.formula for f in [final(s.formula)]}
            assert sizes <= sized, f"{where}: {sizes} vs {sized}"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_explain_analysis_fills_a_copy(lang: str) -> None:
    analysis, specs = analysed("lenet5_course")
    explained = explain_analysis(analysis, specs, lang)
    assert all(r.explanation is None for r in analysis.layers)
    assert all(r.explanation for r in explained.layers)
    assert explained.total_params == analysis.total_params
    first = explain_layer(specs[0], analysis.layers[0], lang)
    rf = ("r", "j'")
    assert [s.formula for s in first if not (s.formula or "r").startswith(rf)] == [
        s.formula
        for s in explained.layers[0].explanation or []
        if not (s.formula or "r").startswith(rf)
    ]


def steps_of(name: str, lang: str, index: int = 0) -> list[tuple[str, str | None]]:
    analysis, specs = analysed(name)
    explained = explain_analysis(analysis, specs, lang)
    return [(s.text, s.formula) for s in explained.layers[index].explanation or []]


def test_the_course_32x32_example_reads_as_the_course_teaches_it() -> None:
    steps = steps_of("course_32x32", "fr")
    formulas = [f for _, f in steps]
    texts = " ".join(t for t, _ in steps)
    assert "H' = (H - K + 2P) / S + 1 = (32 - 5 + 2×2) / 1 + 1 = 32" in formulas
    assert "C_out × H' × W' = 10 × 32 × 32" in formulas
    assert "C_out × C_in × K_h × K_w = 10 × 3 × 5 × 5 = 750" in formulas
    assert "C_out = 10" in formulas
    assert "C_in × K_h × K_w + 1 = 3 × 5 × 5 + 1 = 76" in formulas
    assert "C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760" in formulas
    assert "r = 1 + L × (K − 1) = 1 + 1 × (5 − 1) = 5" in formulas
    for word in ("Taille de sortie", "noyau", "padding", "pas", "10×32×32", "filtre", "Biais"):
        assert word in texts, word
    assert "Nombre de paramètres" in texts
    assert "Champ réceptif" in texts


def test_the_7x7_examples() -> None:
    plain = [f for _, f in steps_of("course_7x7", "fr")]
    assert "H' = (H - K + 2P) / S + 1 = (7 - 3 + 2×0) / 1 + 1 = 5" in plain
    strided = steps_of("course_7x7_stride2", "fr")
    assert "H' = (H - K + 2P) / S + 1 = (7 - 3 + 2×0) / 2 + 1 = 4 / 2 + 1 = 3" in [
        f for _, f in strided
    ]
    assert any("tombe juste" in t for t, _ in strided)


def test_the_receptive_field_formula_of_the_course() -> None:
    shape = [1, 32, 32]
    layers = [{"type": "conv2d", "out_channels": 4, "kernel_size": 3} for _ in range(3)]
    specs = parse_layers(layers)
    analysis = analyze(shape, specs)
    fields = explain_fields(analysis, specs, "fr")
    for index, field in enumerate(fields):
        (step,) = field["receptive_field"]
        layers_so_far = index + 1
        size = 1 + layers_so_far * 2
        assert step.formula == f"r = 1 + L × (K − 1) = 1 + {layers_so_far} × (3 − 1) = {size}"
        assert "1 + L × (K − 1)" in step.text
        assert "champ réceptif" in step.text.lower()
        assert analysis.layers[index].receptive_field.size == (size, size)


def test_after_a_stride_the_general_recurrence_is_used() -> None:
    analysis, specs = analysed("lenet5_course")
    fields = explain_fields(analysis, specs, "en")
    second_conv = [s.formula for s in fields[3]["receptive_field"]]
    # After the course's formula and what it would give (tests/core/test_course_bridge.py).
    assert second_conv[-2:] == [
        "r' = r + (K_eff − 1) × j = 6 + 4 × 2 = 14",
        "j' = j × S = 2 × 1 = 2",
    ]


def test_a_floor_is_said_and_shown() -> None:
    specs = parse_layers([{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}])
    analysis = analyze([1, 8, 8], specs)
    fr = explain_layer(specs[0], analysis.layers[0], "fr")
    en = explain_layer(specs[0], analysis.layers[0], "en")
    assert fr[0].formula == (
        "H' = ⌊(H - K + 2P) / S⌋ + 1 = ⌊(8 - 3 + 2×0) / 2⌋ + 1 = ⌊5 / 2⌋ + 1 = 2 + 1 = 3"
    )
    assert "n'est pas entier" in fr[1].text
    assert "la dernière ligne de l'entrée n'est jamais lue" in fr[1].text
    assert "rounds down (floor)" in en[1].text
    assert "the last input row is never read" in en[1].text


def test_ceil_mode_is_said_and_shown_with_the_dropped_window() -> None:
    analysis, specs = analysed("pool_ceil_drops_last_window")
    steps = explain_layer(specs[0], analysis.layers[0], "en")
    formulas = [s.formula for s in steps]
    assert "H' = ⌈(H - K + 2P) / S⌉ + 1 = ⌈(5 - 2 + 2×1) / 2⌉ + 1 = ⌈5 / 2⌉ + 1 = 3 + 1 = 4" in (
        formulas
    )
    assert "H' = 4 - 1 = 3" in formulas
    assert any("(4 - 1) × 2 = 6 ≥ N + P = 5 + 1 = 6" in s.text for s in steps)
    assert analysis.layers[0].output_shape == (1, 3, 3)
    assert any("rounds up (ceil)" in s.text for s in steps)


def test_wordings_of_the_other_kinds() -> None:
    analysis, specs = analysed("transposed")
    steps = explain_layer(specs[0], analysis.layers[0], "fr")
    assert steps[0].formula == "H' = (H - 1) × S - 2P + K = (5 - 1) × 2 - 2×0 + 3 = 11"
    assert "convolution transposée" in steps[0].text
    assert any("entrée d'abord" in s.text for s in steps)
    analysis, specs = analysed("adaptive")
    texts = " ".join(s.text for s in explain_layer(specs[0], analysis.layers[0], "en"))
    assert "told its output size" in texts
    assert "7 divides 14" in texts
    assert "7 does not divide 10" in texts
    analysis, specs = analysed("lenet5_course")
    flatten = explain_layer(specs[6], analysis.layers[6], "fr")
    assert flatten[0].formula == "C × H × W = 50 × 7 × 7 = 2\u202f450"
    linear = explain_layer(specs[7], analysis.layers[7], "fr")
    joined = " ".join(s.text for s in linear)
    assert "2\u202f450 x 500" in joined  # French groups the digits in sentences too
    formulas = [s.formula for s in linear]
    assert "out_features × in_features = 500 × 2\u202f450 = 1\u202f225\u202f000" in formulas
    assert "out × (in + 1) = 500 × (2\u202f450 + 1) = 1\u202f225\u202f500" in formulas
    analysis, specs = analysed("conv_inexact_dilated_grouped")
    grouped = explain_layer(specs[1], analysis.layers[1], "en")
    assert "C_in / G = 8 / 4 = 2" in [s.formula for s in grouped]
    assert "K_eff = D × (K - 1) + 1 = 2 × (3 - 1) + 1 = 5" in [s.formula for s in grouped]
    analysis, specs = analysed("conv_same_even_kernel")
    same = explain_layer(specs[0], analysis.layers[0], "en")
    assert "L' = (L + P_l + P_r - K) / S + 1 = (10 + 1 + 2 - 4) / 1 + 1 = 10" in [
        s.formula for s in same
    ]


def test_axes_are_told_apart_where_sizes_differ() -> None:
    analysis, specs = analysed("conv_inexact_dilated_grouped")
    steps = explain_layer(specs[0], analysis.layers[0], "en")
    formulas = [s.formula or "" for s in steps]
    assert any(f.startswith("H' = ⌊") for f in formulas)
    assert any(f.startswith("W' = ") for f in formulas)


# --- warnings and errors in French -----------------------------------------------------------


def test_every_warning_code_reads_in_french() -> None:
    stacks: list[Stack] = [
        ([1, 8, 8], [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}]),
        ([1, 4], [{"type": "conv1d", "out_channels": 1, "kernel_size": 5, "padding": 2}] * 2),
        ([1, 9], [{"type": "conv1d", "out_channels": 1, "kernel_size": 4, "padding": "same"}]),
        ([1, 5], [{"type": "maxpool1d", "kernel_size": 2, "ceil_mode": True}]),
        ([2, 3], [{"type": "linear", "out_features": 4}]),
        ([1, 10], [{"type": "adaptiveavgpool1d", "output_size": 3}]),
        ([4, 1, 1], [{"type": "batchnorm2d"}]),
        ([4, 3], [{"type": "softmax"}]),
    ]
    seen: set[str] = set()
    for shape, layers in stacks:
        for warning in analyze(shape, layers).warnings:
            french = warning_in(warning, "fr")
            assert french.message != warning.message, warning
            assert french.code == warning.code
            assert french.layer == warning.layer
            assert french.params == warning.params
            assert warning_in(warning, "en") is warning
            seen.add(warning.code)
    assert {
        WarningCode.UNREAD_INPUT,
        WarningCode.RF_EXCEEDS_INPUT,
        WarningCode.ASYMMETRIC_SAME,
        WarningCode.CEIL_EXTRA_WINDOW,
        WarningCode.LINEAR_ON_LAST_AXIS,
        WarningCode.UNEVEN_ADAPTIVE,
        WarningCode.SINGLE_VALUE_NORM,
        WarningCode.IMPLICIT_DIM,
    } <= seen


def test_explain_analysis_translates_warnings() -> None:
    specs = parse_layers([{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}])
    explained = explain_analysis(analyze([1, 8, 8], specs), specs, "fr")
    assert "ne divise pas" in explained.warnings[0].message
    assert "ne divise pas" in explained.layers[0].warnings[0].message


FAILING: list[tuple[list[int], list[dict[str, Any]], ErrorCode]] = [
    (
        [1, 3, 3],
        [{"type": "conv2d", "out_channels": 1, "kernel_size": 5}],
        ErrorCode.KERNEL_TOO_LARGE,
    ),
    (
        [1, 3],
        [{"type": "convtranspose1d", "out_channels": 1, "kernel_size": 1, "padding": 3}],
        ErrorCode.OUTPUT_TOO_SMALL,
    ),
    (
        [1, 8, 8],
        [{"type": "maxpool2d", "kernel_size": 2, "padding": 2}],
        ErrorCode.PADDING_TOO_LARGE,
    ),
    (
        [1, 8],
        [
            {
                "type": "conv1d",
                "out_channels": 1,
                "kernel_size": 3,
                "padding": 9,
                "padding_mode": "reflect",
            }
        ],
        ErrorCode.PADDING_TOO_LARGE,
    ),
    (
        [1, 8],
        [{"type": "conv1d", "out_channels": 1, "kernel_size": 3, "stride": 2, "padding": "same"}],
        ErrorCode.SAME_WITH_STRIDE,
    ),
    (
        [3, 8],
        [{"type": "conv1d", "out_channels": 4, "kernel_size": 3, "groups": 2}],
        ErrorCode.GROUPS,
    ),
    ([3, 8], [{"type": "groupnorm", "num_groups": 2}], ErrorCode.GROUPS),
    (
        [3, 8],
        [{"type": "conv1d", "in_channels": 2, "out_channels": 4, "kernel_size": 3}],
        ErrorCode.CHANNELS,
    ),
    ([3, 8], [{"type": "linear", "in_features": 7, "out_features": 4}], ErrorCode.FEATURES),
    ([3, 8], [{"type": "layernorm", "normalized_shape": [5]}], ErrorCode.FEATURES),
    ([3, 8], [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}], ErrorCode.RANK),
    ([3, 8, 8], [{"type": "conv2d", "out_channels": 4, "kernel_size": [3, 3, 3]}], ErrorCode.AXES),
    (
        [3, 8],
        [{"type": "convtranspose1d", "out_channels": 4, "kernel_size": 3, "output_padding": 2}],
        ErrorCode.OUTPUT_PADDING,
    ),
    (
        [3, 8],
        [
            {
                "type": "convtranspose1d",
                "out_channels": 4,
                "kernel_size": 3,
                "padding_mode": "reflect",
            }
        ],
        ErrorCode.PADDING_MODE,
    ),
    ([3, 8], [{"type": "softmax", "dim": 5}], ErrorCode.DIM_RANGE),
    ([3, 8, 8], [{"type": "flatten", "start_dim": 3, "end_dim": 2}], ErrorCode.DIM_RANGE),
]


@pytest.mark.parametrize(
    ("shape", "layers", "code"),
    FAILING,
    ids=[f"{c.value}-{i}" for i, (_, _, c) in enumerate(FAILING)],
)
def test_error_messages_read_in_french(
    shape: list[int], layers: list[dict[str, Any]], code: ErrorCode
) -> None:
    with pytest.raises(LayerError) as caught:
        analyze(shape, layers)
    error = caught.value
    assert error.code == code
    french = error.message_in("fr")
    assert french != error.message
    assert error.message_in("en") == error.message
    assert error.text("fr") == f"couche 0 ({error.layer_type}) : {french}"
    assert error.text("en") == str(error)


def test_strict_mode_names_layer_and_axis_in_french() -> None:
    with pytest.raises(LayerError) as caught:
        analyze(
            [1, 8, 8],
            [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": [1, 2]}],
            strict=True,
        )
    error = caught.value
    assert (error.code, error.field, error.axis) == (ErrorCode.INEXACT, "stride", 1)
    assert error.text("fr") == (
        "couche 0 (conv2d) : axe W : le pas 2 ne divise pas N - K + 2P = 5 (5 / 2 n'est pas "
        "entier ; PyTorch arrondirait à l'entier inférieur)"
    )


def test_strict_mode_accepts_exact_divisions() -> None:
    analysis = analyze(
        [1, 7, 7],
        [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}],
        strict=True,
    )
    assert analysis.output_shape == (1, 3, 3)


WARNING_SAMPLES: dict[WarningCode, dict[str, Any]] = {
    WarningCode.UNREAD_INPUT: {"axis": "W", "span": 5, "stride": 2, "unread": 1, "size": 3},
    WarningCode.RF_EXCEEDS_INPUT: {"size": [9, 9], "input": [8, 8]},
    WarningCode.ASYMMETRIC_SAME: {"axis": 0, "left": 1, "right": 2, "kernel": 4},
    WarningCode.CEIL_EXTRA_WINDOW: {"axis": 0},
    WarningCode.LINEAR_ON_LAST_AXIS: {"shape": [2, 3]},
    WarningCode.UNEVEN_ADAPTIVE: {"axis": 0, "input": 10, "output": 3},
    WarningCode.SINGLE_VALUE_NORM: {"per": "group"},
    WarningCode.IMPLICIT_DIM: {"dim": 0, "ndim": 3},
    WarningCode.NO_FEATURE_DROPOUT: {},
    WarningCode.KERNEL_MISSES_INPUT: {},
    WarningCode.UNUSED_NUM_FEATURES: {"given": 3, "actual": 5},
    WarningCode.SINGLE_SPATIAL_NORM: {},
    WarningCode.UNUSED_OUTPUT: {"id": "dead", "kind": "conv2d"},
    WarningCode.RF_AVERAGE: {"id": "3", "kind": "convtranspose1d", "period": 4096, "steps": 9},
    WarningCode.UNALIGNED_PATHS: {
        "id": "m",
        "kind": "add",
        "paths": ["a", "b"],
        "reason": "jump",
        "axis": "H",
        "values": [2, 1],
    },
}


def test_the_unaligned_paths_warning_names_the_paths_and_what_differs() -> None:
    params = WARNING_SAMPLES[WarningCode.UNALIGNED_PATHS]
    message = warning_message(WarningCode.UNALIGNED_PATHS, params)
    assert render(message) == (
        "add m: its paths disagree on the jump along H: a (2), b (1); the receptive field "
        "given is the hull of its inputs' regions (aligned: false)"
    )
    assert render(message, "fr") == (
        "add m : ses chemins ne s'accordent pas sur le pas selon H : a (2), b (1) ; le champ "
        "réceptif donné est l'enveloppe des régions de ses entrées (aligned: false)"
    )
    centre = warning_message(WarningCode.UNALIGNED_PATHS, {**params, "reason": "centre"})
    assert "sur le centre selon H" in render(centre, "fr")
    spatial = warning_message(WarningCode.UNALIGNED_PATHS, {**params, "reason": "spatial"})
    assert "a size 1 of an input is repeated along H" in render(spatial)
    concat = {**params, "reason": "spatial", "kind": "concat"}
    assert "side by side along H" in render(warning_message(WarningCode.UNALIGNED_PATHS, concat))


def test_every_warning_code_has_a_message_in_both_languages() -> None:
    assert set(WARNING_SAMPLES) == set(WarningCode)
    for code, params in WARNING_SAMPLES.items():
        message = warning_message(code, params)
        english, french = render(message, "en"), render(message, "fr")
        assert english, code
        assert french != english, code


def test_the_unread_warning_says_rows_columns_or_padding() -> None:
    sample = WARNING_SAMPLES[WarningCode.UNREAD_INPUT]
    messages = {
        unread: render(warning_message(WarningCode.UNREAD_INPUT, {**sample, "unread": unread}))
        for unread in (0, 1, 2)
    }
    assert messages[0].endswith("and only padding is left out")
    assert messages[1].endswith("and the last input column is never read")
    assert messages[2].endswith("and the last 2 input columns are never read")
    french = render(warning_message(WarningCode.UNREAD_INPUT, {**sample, "unread": 2}), "fr")
    assert french.endswith("et les 2 dernières colonnes de l'entrée ne sont jamais lues")


@pytest.mark.parametrize(
    ("text", "french"),
    [
        ("MaxPool(K=2, S=2,\nFlatten", "ligne 1, colonne 18 : on attendait ')'"),
        ("Conv(K=5,, P=2)", "ligne 1, colonne 10 : on attendait une valeur à la place de ','"),
        (
            "Foo(2)",
            "ligne 1, colonne 1 : couche inconnue 'Foo' ; parmi les couches connues : Conv, "
            "Linear, MaxPool, AvgPool, BatchNorm, ReLU, Flatten, Dropout, Add, Concat",
        ),
        ("Conv(K='5)", "ligne 1, colonne 8 : cette chaîne n'est jamais fermée"),
        ("Conv(K=5, K=3)", "ligne 1, colonne 11 : K est donné deux fois"),
        (
            "10000 x ReLU",
            "ligne 1, colonne 1 : une répétition de 10000 dépasse la limite de 2\u202f048 couches",
        ),
        (
            "Conv(K=" + "(" * 40,
            "ligne 1, colonne 39 : crochets et parenthèses imbriqués sur plus de 32 niveaux",
        ),
        (
            "1000 x Sequential(3 x ReLU)",
            "ligne 1, colonne 1 : le texte compte plus de 2\u202f048 couches, la limite",
        ),
    ],
)
def test_notation_errors_read_in_french(text: str, french: str) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    assert caught.value.text("fr") == french
    assert caught.value.text("en") == str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        "ReLU ReLU",
        "Conv(K=5) $",
        "Conv(1 -> 2)",
        "Conv(K=5, 3)",
        "Conv2d(1, 2, 3, 1, 0, 1, 1, True, 'zeros', 9)",
        "MaxPool2d(kernel_size=2, return_indices=True)",
        "BatchNorm2d(8, affine=True, bias=False)",
        "Linear(1 -> 2 -> 3)",
        "ReLU\t20 x 28 x 28 relu",
        "(x",
        "3 x",
        "0 x ReLU",
        "Conv(K=1e)",
    ],
)
def test_every_notation_error_has_a_french_wording(text: str) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    french = caught.value.text("fr")
    assert french.startswith("ligne ")
    for english in ("expected", "found", "unknown", "never", "cannot", "takes", "returns"):
        assert english not in french, french


@pytest.mark.parametrize(
    ("lang", "kept", "moved"),
    [
        ("en", "Receptive field unchanged along W", "Along H the units of this layer come from"),
        ("fr", "Champ réceptif inchangé selon W", "Selon H, les unités de cette couche viennent"),
    ],
)
def test_a_concat_along_h_explains_its_field_as_depending_on_position(
    lang: str, kept: str, moved: str
) -> None:
    """Along H the concatenation puts one input's rows below the other's: no "unchanged"."""
    layers = [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "padding": 1, "id": "a"},
        {"type": "concat", "inputs": ["a", "input"], "dim": 2},
    ]
    specs = parse_layers(layers)
    analysis = analyze([2, 6, 6], specs)
    assert analysis.layers[1].output_shape == (2, 12, 6)
    assert analysis.layers[1].receptive_field.size == (3, 3)  # the hull of 3×3 and 1×1
    explained = explain_analysis(analysis, specs, lang)
    field = explain_fields(analysis, specs, lang)[1]["receptive_field"]
    texts = [step.text for step in field]
    assert any(text.startswith(kept) for text in texts), texts
    (along_h,) = [step for step in field if step.text.startswith(moved)]
    assert along_h.formula == "r = 3"
    assert not any("H" in text and text.startswith(kept[:20]) for text in texts), texts
    assert explained.layers[1].explanation is not None
