"""Upsample, PixelShuffle and PixelUnshuffle against torch run on the spot.

Shapes and refusals: each layer, read from JSON, runs in torch on CPU; torch refuses it
exactly when cnncalc does, and otherwise gives cnncalc's output shape, no parameters and no
FLOPs. Printouts: ``str(nn.Sequential(m))`` reads back as the same layer. Receptive fields:
every output unit is back-propagated alone (summed over its channels) and its non-zero input
gradient compared with the windows cnncalc answers.
"""

from __future__ import annotations

import math
import runpy
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from app.core import LayerError, analyze
from app.core.export import to_pytorch
from app.core.layers import LAYERS_ADAPTER
from app.core.notation import parse_stack
from app.verify import VerificationStatus
from app.verify.torch_backend import build_layer, check_layers
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

L = dict[str, Any]

UPSAMPLES: list[L] = [
    {"type": "upsample", "scale_factor": 2},
    {"type": "upsample", "scale_factor": 2.3},
    {"type": "upsample", "scale_factor": 1.4},
    {"type": "upsample", "scale_factor": 0.5, "mode": "linear"},
    {"type": "upsample", "scale_factor": 0.2},
    {"type": "upsample", "scale_factor": [2, 3]},
    {"type": "upsample", "scale_factor": [2, 0.5, 1.5]},
    {"type": "upsample", "size": 7},
    {"type": "upsample", "size": [5, 9], "mode": "bilinear"},
    {"type": "upsample", "size": [5, 9], "mode": "bicubic", "align_corners": True},
    {"type": "upsample", "scale_factor": 3, "mode": "trilinear"},
    {"type": "upsample", "scale_factor": 2, "mode": "linear", "align_corners": False},
    {"type": "upsample", "scale_factor": 2, "align_corners": True},
    {"type": "upsample"},
    {"type": "upsample", "size": 4, "scale_factor": 2},
    {"type": "upsample", "size": 4, "recompute_scale_factor": True},
    {"type": "upsample", "scale_factor": 1.5, "recompute_scale_factor": True},
    {"type": "upsample", "scale_factor": 1.5, "recompute_scale_factor": False, "mode": "bicubic"},
]
SHUFFLES: list[L] = [
    {"type": "pixelshuffle", "upscale_factor": 1},
    {"type": "pixelshuffle", "upscale_factor": 2},
    {"type": "pixelshuffle", "upscale_factor": 3},
    {"type": "pixelunshuffle", "downscale_factor": 1},
    {"type": "pixelunshuffle", "downscale_factor": 2},
    {"type": "pixelunshuffle", "downscale_factor": 5},
]
SHAPES: list[tuple[int, ...]] = [(9,), (4, 50), (4, 10, 15), (18, 10, 10), (2, 5, 4, 10)]


def torch_output(layer: L, shape: tuple[int, ...]) -> tuple[int, ...] | str:
    """torch's output shape for a batch of 2, or its refusal (an empty output is one)."""
    torch = require_torch()
    from torch.utils.flop_counter import FlopCounterMode

    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    module = build_layer(torch, spec, shape)
    assert sum(p.numel() for p in module.parameters()) == 0
    assert sum(b.numel() for b in module.buffers()) == 0
    counter = FlopCounterMode(display=False)
    try:
        with counter:
            y = module(torch.zeros((2, *shape)))
    except (RuntimeError, ValueError, NotImplementedError) as error:
        return str(error)
    assert counter.get_total_flops() == 0
    return "empty output" if 0 in y.shape else tuple(int(n) for n in y.shape[1:])


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("layer", UPSAMPLES + SHUFFLES, ids=str)
def test_torch_refuses_exactly_what_cnncalc_refuses_and_agrees_on_the_shape(
    layer: L, shape: tuple[int, ...]
) -> None:
    theirs = torch_output(layer, shape)
    try:
        ours = analyze(list(shape), [layer]).layers[0]
    except LayerError as error:
        if error.code == "unsupported":
            # cnncalc takes a pixel shuffle on C×H×W only: torch would read the batch (or a
            # depth axis) as the channels.
            assert layer["type"].startswith("pixel")
            assert len(shape) in (2, 4)
            return
        assert isinstance(theirs, str), f"torch accepts {layer} on {shape}: {theirs}"
        return
    assert theirs == tuple(ours.output_shape), f"cnncalc: {ours.output_shape}, torch: {theirs}"
    assert (ours.params, ours.buffers, ours.macs) == (0, 0, 0)


@pytest.mark.parametrize(
    "shape",
    [(18, 10, 10), (4, 50), (3, 7, 5, 4)],
    ids=str,
)
@pytest.mark.parametrize("layer", UPSAMPLES + SHUFFLES, ids=str)
def test_the_torch_check_passes(layer: L, shape: tuple[int, ...]) -> None:
    require_torch()
    _, verification = check_layers(list(shape), [layer], measure_rf=True)
    assert verification.status is VerificationStatus.PASSED, verification.mismatches


def test_a_double_product_just_under_a_whole_number_is_floored_as_torch_does() -> None:
    # 50 × 2.3 = 114.99999999999999 in double precision; the exact product is 115.
    assert torch_output({"type": "upsample", "scale_factor": 2.3}, (1, 50)) == (1, 114)
    assert analyze([1, 50], [{"type": "upsample", "scale_factor": 2.3}]).output_shape == (1, 114)


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("Upsample", {"scale_factor": 2}),
        ("Upsample", {"scale_factor": (2, 1.5)}),
        ("Upsample", {"size": (3, 4), "mode": "bilinear"}),
        ("Upsample", {"size": 7, "mode": "linear", "align_corners": False}),
        ("Upsample", {"scale_factor": 1.5, "mode": "trilinear"}),
        ("PixelShuffle", {"upscale_factor": 3}),
        ("PixelUnshuffle", {"downscale_factor": 2}),
    ],
    ids=str,
)
def test_the_printout_reads_back_as_the_same_layer(name: str, kwargs: dict[str, Any]) -> None:
    torch = require_torch()
    built = getattr(torch.nn, name)(**kwargs)
    (layer,) = parse_stack(str(torch.nn.Sequential(built)))
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    assert spec.torch_name((1, 8, 8)) == name
    for field, value in spec.torch_kwargs((1, 8, 8)).items():
        if field == "align_corners":
            continue  # nn.Upsample does not print it (interpolation only, no shape)
        assert getattr(built, field) == value, field


# --- receptive fields, unit by unit ------------------------------------------------------------


def unit_fields(module: Any, shape: tuple[int, ...]) -> list[list[tuple[int, int] | None]]:
    """For every output position along the last axis (others at their middle), the first
    and last input index along that axis whose gradient is non-zero, all channels summed."""
    torch = require_torch()
    x = torch.ones((1, *shape), dtype=torch.float64, requires_grad=True)
    y = module.to(torch.float64)(x)
    fields: list[list[tuple[int, int] | None]] = []
    for axis in range(len(shape) - 1):
        along: list[tuple[int, int] | None] = []
        for o in range(y.shape[2 + axis]):
            where: list[Any] = [0, slice(None)]
            where += [y.shape[2 + a] // 2 for a in range(len(shape) - 1)]
            where[2 + axis] = o
            selector = torch.zeros_like(y)
            selector[tuple(where)] = 1.0
            (grad,) = torch.autograd.grad(y, x, selector, retain_graph=True)
            other = tuple(a for a in range(len(shape)) if a != 1 + axis)
            reached = torch.nonzero(grad[0].abs().sum(dim=other) > 0).flatten()
            along.append((int(reached[0]), int(reached[-1])) if len(reached) else None)
        fields.append(along)
    return fields


EXACT: list[tuple[tuple[int, ...], L]] = [
    ((1, 12), {"type": "upsample", "scale_factor": 0.5}),
    ((1, 12), {"type": "upsample", "size": 3}),
    ((1, 12), {"type": "upsample", "size": 6, "mode": "linear"}),
    ((1, 12), {"type": "upsample", "size": 4, "mode": "linear"}),
    ((1, 9), {"type": "upsample", "size": 5, "mode": "linear", "align_corners": True}),
    ((1, 3, 3), {"type": "upsample", "scale_factor": 1.2, "mode": "bicubic"}),
    ((1, 9, 9), {"type": "upsample", "size": [9, 3], "mode": "bicubic"}),
    ((2, 6, 9), {"type": "pixelunshuffle", "downscale_factor": 3}),
    ((2, 6, 4), {"type": "pixelunshuffle", "downscale_factor": 2}),
]
"""A whole ``c`` (subsampling, unshuffling, the same size): every unit's field is the window
moved by the jump."""


def expected_edges(
    size: float, jump: float | Fraction, start: float, o: int
) -> tuple[Fraction, Fraction]:
    centre = Fraction(start) + o * Fraction(jump)
    half = (Fraction(size) - 1) / 2
    return centre - half, centre + half


@pytest.mark.parametrize(("shape", "layer"), EXACT, ids=str)
def test_a_whole_step_gives_every_inner_unit_the_calculated_field(
    shape: tuple[int, ...], layer: L
) -> None:
    torch = require_torch()
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    rf = analyze(list(shape), [spec]).layers[0].receptive_field
    fields = unit_fields(build_layer(torch, spec, shape), shape)
    for axis, along in enumerate(fields):
        inner = 0
        for o, edges in enumerate(along):
            low, high = expected_edges(rf.size[axis], rf.jump[axis], rf.start[axis], o)
            if low < 0 or high > shape[1 + axis] - 1:
                continue  # a border unit: its clamped indices read fewer values, as padding
            inner += 1
            assert edges is not None
            assert (Fraction(edges[0]), Fraction(edges[1])) == (low, high), (axis, o, edges)
        assert inner >= 2


INEXACT: list[tuple[tuple[int, ...], L]] = [
    ((1, 6), {"type": "upsample", "scale_factor": 2}),
    ((1, 6), {"type": "upsample", "scale_factor": 4}),
    ((1, 12), {"type": "upsample", "scale_factor": 1.5}),
    ((1, 12), {"type": "upsample", "size": 20}),
    ((1, 6), {"type": "upsample", "scale_factor": 2, "mode": "linear"}),
    ((1, 12), {"type": "upsample", "scale_factor": 3, "mode": "linear"}),
    ((1, 12), {"type": "upsample", "scale_factor": 2.5, "mode": "linear"}),
    ((1, 12), {"type": "upsample", "size": 23, "mode": "linear", "align_corners": True}),
    ((1, 9, 9), {"type": "upsample", "scale_factor": 2, "mode": "bicubic"}),
    ((1, 9, 9), {"type": "upsample", "scale_factor": 1.5, "mode": "bicubic"}),
    ((1, 9, 9), {"type": "upsample", "scale_factor": 3, "mode": "bicubic"}),
    ((1, 9, 9), {"type": "upsample", "scale_factor": 2.5, "mode": "bicubic"}),
    ((1, 5, 4, 6), {"type": "upsample", "scale_factor": 2, "mode": "trilinear"}),
    ((8, 4, 5), {"type": "pixelshuffle", "upscale_factor": 2}),
    ((9, 3, 3), {"type": "pixelshuffle", "upscale_factor": 3}),
]
"""A fractional ``c`` (upsampling): units alternate; the widest, the average centre and the
period."""


@pytest.mark.parametrize(("shape", "layer"), INEXACT, ids=str)
def test_a_fractional_factor_bounds_the_widest_unit_and_centres_a_period(
    shape: tuple[int, ...], layer: L
) -> None:
    torch = require_torch()
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    rf = analyze(list(shape), [spec]).layers[0].receptive_field
    fields = unit_fields(build_layer(torch, spec, shape), shape)
    for axis, along in enumerate(fields):
        jump = Fraction(rf.jump[axis]).limit_denominator(1000)
        period = jump.denominator  # units per whole number of input steps
        inner = [
            o
            for o in range(len(along))
            if all(
                0 <= e <= shape[1 + axis] - 1
                for e in expected_edges(rf.size[axis], jump, rf.start[axis], o)
            )
            and o + period < len(along)
        ]
        assert len(inner) >= period, "the input is too small for a whole period"
        widest = max(b - a + 1 for o in inner for (a, b) in [along[o] or (0, -1)])
        assert widest == math.ceil(rf.size[axis])
        first = inner[0]
        centres = [Fraction(sum(along[o] or (0, 0)), 2) for o in range(first, first + period)]
        # The calculated start is the centre of the units on average over a period.
        model = [
            Fraction(rf.start[axis]).limit_denominator(1000) + o * jump
            for o in range(first, first + period)
        ]
        assert sum(centres) / period == sum(model) / period
        # A period later every unit's field has moved by jump × period input steps.
        for o in range(first, first + period):
            a, b = along[o] or (0, 0)
            c, d = along[o + period] or (0, 0)
            assert Fraction(c - a) == Fraction(d - b) == jump * period


@pytest.mark.parametrize("r", [2, 3])
def test_a_pixel_shuffle_output_reads_one_position_floor_i_over_r(r: int) -> None:
    torch = require_torch()
    shape = (r * r, 3, 4)
    fields = unit_fields(torch.nn.PixelShuffle(r), shape)
    assert fields == [
        [(i // r, i // r) for i in range(3 * r)],
        [(j // r, j // r) for j in range(4 * r)],
    ]


EXPORTED: list[L] = [
    {"type": "upsample", "scale_factor": [2, 1.5], "mode": "bilinear", "align_corners": True},
    {"type": "pixelunshuffle", "downscale_factor": 2},
    {"type": "pixelshuffle", "upscale_factor": 2},
    {"type": "upsample", "size": 6},
]


def test_the_exported_program_runs_and_its_printout_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_torch()
    program = tmp_path / "model.py"
    program.write_text(to_pytorch([4, 4, 4], EXPORTED), encoding="utf-8")
    namespace = runpy.run_path(str(program), run_name="__main__")
    assert capsys.readouterr().out.rstrip().endswith("torch.Size([1, 4, 6, 6])")
    back = LAYERS_ADAPTER.validate_python(parse_stack(str(namespace["model"])))
    # align_corners is not in nn.Upsample's printout; every other field is.
    first = {**EXPORTED[0], "align_corners": None, "scale_factor": (2.0, 1.5)}
    assert back == LAYERS_ADAPTER.validate_python([first, *EXPORTED[1:]])
