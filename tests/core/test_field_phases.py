"""The receptive field unit by unit after a fractional stride: the widest unit's size.

After an upsampling, units read more or fewer input pixels by position; the report's
``size`` is the widest unit's (``app.core.receptive_field.Phases``). The expected values
here are counted by hand, or by following every unit of a long axis through each layer's
index rule as PyTorch defines it (``_widest``), not by the code under test.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

import app.core.analysis as analysis_module
from app.core import analyze
from app.core.analysis import parse_layers
from app.core.errors import CnnCalcError
from app.core.explain import explain_analysis

Layer = dict[str, Any]

STACKED: list[Layer] = [
    {"type": "avgpool1d", "kernel_size": 4},
    {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 2, "stride": 2},
    {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 2, "stride": 2},
    {"type": "conv1d", "out_channels": 1, "kernel_size": 3, "padding": 1},
]
"""Output ``o`` of the two upsamplings reads pooled cell ``o // 4`` (4 pixels); three
neighbours read one cell or two: 4 or 8 pixels, so the widest sees 8 (their average is 6)."""


def test_two_upsamplings_then_a_kernel_give_the_widest_unit() -> None:
    assert analyze([1, 64], STACKED).layers[-1].receptive_field.size == (8,)


def test_one_upsampling_then_an_even_window() -> None:
    # Outputs 2q and 2q + 1 read input q; a window of 2 reads q alone or q and q + 1.
    layers = [
        {"type": "upsample", "scale_factor": 2},
        {"type": "conv1d", "out_channels": 1, "kernel_size": 2},
    ]
    assert analyze([1, 16], layers).layers[-1].receptive_field.size == (2,)


def test_a_phase_that_no_tap_reaches() -> None:
    # Kernel 1, stride 2: odd outputs get no input at all; a window of 3 around an even
    # output reads one input, around an odd one two.
    layers = [
        {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
        {"type": "conv1d", "out_channels": 1, "kernel_size": 3, "padding": 1},
    ]
    assert analyze([1, 16], layers).layers[-1].receptive_field.size == (2,)


def test_past_its_step_budget_the_field_keeps_the_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis_module, "MAX_PHASE_STEPS", 3)
    assert analyze([1, 64], STACKED).layers[-1].receptive_field.size == (6,)


def test_the_explanation_tells_the_widest_unit() -> None:
    report = explain_analysis(analyze([1, 64], STACKED), stacked_specs(), "en").layers[-1]
    said = [s for s in report.explanation or [] if s.formula == "r' = 8"]
    assert len(said) == 1
    assert "the widest sees 8 pixels" in said[0].text
    french = explain_analysis(analyze([1, 64], STACKED), stacked_specs(), "fr").layers[-1]
    assert any("la plus large voit 8 pixels" in s.text for s in french.explanation or [])


def stacked_specs() -> Any:
    """The specs of ``STACKED``."""
    return parse_layers(STACKED)


# Every unit of a long axis, followed through each layer by PyTorch's index rule.

Span = tuple[int, ...] | None
"""The first and last input pixel a unit sees; ``()`` when it sees none (a transposed
convolution's phase no tap reaches); ``None`` at a border (it would read padding)."""


def _reads(layer: Layer, n: int, m: int, o: int) -> list[int]:
    """The input units output ``o`` of ``layer`` reads (``n`` inputs, ``m`` outputs)."""
    kind = layer["type"]
    if kind == "conv1d" or kind == "maxpool1d":
        k: int = layer["kernel_size"]
        s: int = layer.get("stride", 1 if kind == "conv1d" else k)
        d, p = layer.get("dilation", 1), layer.get("padding", 0)
        return [o * s - p + j * d for j in range(k)]
    if kind == "convtranspose1d":
        k, s, p, d = (
            layer["kernel_size"],
            layer["stride"],
            layer.get("padding", 0),
            layer.get("dilation", 1),
        )
        return [(o + p - j * d) // s for j in range(k) if (o + p - j * d) % s == 0]
    if kind == "upsample":  # nearest, by size: floor(o × n / m)
        return [o * n // m]
    assert kind == "adaptiveavgpool1d"
    return list(range(o * n // m, -(-(o + 1) * n // m)))


def _widest(layers: list[Layer], length: int) -> int:
    """The widest field among the units whose every read stays inside a long input."""
    spans: list[Span] = [(i, i) for i in range(length)]
    a = analyze([1, length], layers)
    n = length
    for layer, report in zip(layers, a.layers, strict=True):
        m = report.output_shape[-1]
        out: list[Span] = []
        for o in range(m):
            read = _reads(layer, n, m, o)
            if any(not 0 <= u < n for u in read) or any(spans[u] is None for u in read):
                out.append(None)  # at a border: it would read padding
                continue
            seen = [s for u in read if (s := spans[u])]
            out.append((min(s[0] for s in seen), max(s[1] for s in seen)) if seen else ())
        spans, n = out, m
    return max((s[1] - s[0] + 1 for s in spans if s), default=0)


RATIOS = [(2, 1), (3, 1), (3, 2), (4, 3), (1, 2), (2, 3), (1, 3), (3, 4)]
"""Output sizes over input sizes for the resizing layers: small periods, so that a long axis
holds many of them and its inside shows every phase."""


def _random_layer(rng: random.Random, n: int) -> Layer | None:
    kind = rng.choice(["conv1d", "maxpool1d", "convtranspose1d", "upsample", "adaptiveavgpool1d"])
    if kind in ("conv1d", "convtranspose1d"):
        return {
            "type": kind,
            "out_channels": 1,
            "kernel_size": rng.randint(1, 4),
            "stride": rng.randint(1, 3),
            "dilation": rng.randint(1, 2),
            "padding": rng.randint(0, 2),
        }
    if kind == "maxpool1d":
        return {"type": kind, "kernel_size": rng.randint(1, 3), "stride": rng.randint(1, 3)}
    p, q = rng.choice(RATIOS)
    if n % q:
        return None
    return {"type": kind, ("size" if kind == "upsample" else "output_size"): n * p // q}


def _random_chain(rng: random.Random, length: int) -> list[Layer]:
    """Two to five layers that the input takes, each output 60 to 3,000 long."""
    layers: list[Layer] = []
    n = length
    wanted = rng.randint(2, 5)
    for _ in range(200):  # draws the input cannot take are drawn again
        if len(layers) == wanted:
            break
        layer = _random_layer(rng, n)
        if layer is None:
            continue
        try:
            m = analyze([1, length], [*layers, layer]).output_shape[-1]
        except CnnCalcError:
            continue
        # Long enough to hold many periods inside its borders, and some unit sees a pixel
        # (a transposed convolution's empty phases can starve a whole layer).
        if 60 <= m <= 3000 and _widest([*layers, layer], length) > 0:
            layers.append(layer)
            n = m
    return layers


@pytest.mark.parametrize("seed", range(200))
def test_random_chains_give_the_widest_unit_of_a_long_axis(seed: int) -> None:
    length = 720
    layers = _random_chain(random.Random(seed), length)
    assert len(layers) >= 2
    widest = _widest(layers, length)
    assert analyze([1, length], layers).layers[-1].receptive_field.size == (widest,)


ONLY_INSERTED_ZEROS: list[dict[str, Any]] = [
    {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
    {"type": "constantpad1d", "padding": [1, 0], "value": 0},
    {"type": "conv1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
]
"""By hand: the transposed convolution writes input unit i at 2i and zeros at the odd places;
the pad moves them to 2i + 1, so the strided 1×1 convolution keeps the even places: the
pad's value and the inserted zeros, never an input value."""


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", "no unit sees an input pixel"), ("fr", "aucune ne voit de pixel de l'entrée")],
)
def test_units_that_read_no_input_value_see_no_pixel(lang: str, words: str) -> None:
    specs = parse_layers(ONLY_INSERTED_ZEROS)
    analysis = analyze([1, 40], specs)
    assert analysis.layers[2].receptive_field.size == (0,)
    assert analysis.layers[0].receptive_field.size == (1,)
    explained = explain_analysis(analysis, specs, lang).layers[2].explanation
    assert explained is not None
    assert any(words in step.text and step.formula == "r' = 0" for step in explained)


def test_a_field_not_followed_unit_by_unit_says_its_size_is_an_average() -> None:
    """By hand: the upsampling with align_corners (57 → 171) repeats every 85 outputs, the
    uneven adaptive pool (171 → 14) every 14 × 85 = 1,190, the stride-3 transposed convolution
    3,570, the stride-2 one 7,140: over the 4,096 units a period may hold."""
    layers: list[dict[str, Any]] = [
        {"type": "upsample", "scale_factor": 3, "mode": "linear", "align_corners": True},
        {"type": "adaptiveavgpool1d", "output_size": 14},
        {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 3, "stride": 3},
        {
            "type": "convtranspose1d",
            "out_channels": 1,
            "kernel_size": 2,
            "stride": 2,
            "padding": 1,
            "dilation": 2,
        },
        {"type": "relu"},
    ]
    analysis = analyze([1, 57], layers)
    averaged = [
        (w.layer, w.params["id"]) for w in analysis.warnings if w.code == "receptive_field_average"
    ]
    assert averaged == [(3, "3")]
    assert "their average, not the widest unit's" in analysis.layers[3].warnings[0].message
    assert not analysis.layers[4].warnings  # said once
