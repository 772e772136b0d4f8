"""Every field the torch check says it compared is proved: corrupt it, and the check fails.

A correct analysis of a small stack (a convolution, a max pool, a batch norm, a transposed
convolution, a flatten and a linear layer) passes; each compared field of each layer,
changed in turn in the analysis given to ``verify_stack``, is then reported as a mismatch
naming that layer and that field, and nothing else.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.core import analyze
from app.core.analysis import Analysis, LayerReport
from app.core.layers import LAYERS_ADAPTER
from app.core.layers.conv import Conv
from app.core.layers.pool import MaxPool
from app.verify import Mismatch, VerificationStatus
from app.verify.torch_backend import check_layers, verify_stack
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

SHAPE = [1, 12, 12]
BATCH = 2
LAYERS: list[dict[str, Any]] = [
    {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
    {"type": "maxpool2d", "kernel_size": 2},
    {"type": "batchnorm2d"},
    {"type": "convtranspose2d", "out_channels": 3, "kernel_size": 3, "padding": 1},
    {"type": "flatten"},
    {"type": "linear", "out_features": 5},
]
MACS = [
    BATCH * 12 * 12 * 4 * 1 * 3 * 3,  # conv: outputs × C_out × C_in × K²
    0,  # max pool: comparisons, no multiply-accumulate (FlopCounterMode counts none)
    0,  # batch norm: one scale per value, not counted on either side
    BATCH * 6 * 6 * 4 * 3 * 3 * 3,  # transposed conv: inputs × C_in × C_out × K²
    0,
    BATCH * 108 * 5,  # linear: in × out per sample
]
FIELDS = {
    # layer: size, jump, start, padding per axis, computed by hand
    0: (3, 1, 0, 1),  # 3×3, padding 1
    1: (4, 2, 0.5, 1),  # + (2 - 1) × 1; jump 2; start 0 + 0.5
    2: (4, 2, 0.5, 1),  # pointwise
    3: (8, 2, 0.5, 3),  # stride-1 transposed 3×3, padding 1: + 2 × 2; centre kept
}
BASE = ["valid", "output_shape", "weight_shape", "bias_shape", "params", "buffers", "macs"]
RF = [
    "receptive_field.size",
    "receptive_field.jump",
    "receptive_field.start",
    "receptive_field.padding",
]


def correct() -> tuple[list[Any], Analysis]:
    specs = LAYERS_ADAPTER.validate_python(LAYERS)
    return specs, analyze(SHAPE, specs, batch_size=BATCH)


def check(specs: list[Any], analysis: Analysis) -> Any:
    return verify_stack(SHAPE, specs, analysis, batch_size=BATCH, max_elements=2**24)


def corrupted(report: LayerReport, field: str) -> LayerReport:
    """``report`` with one field wrong: a shape one longer, a count one more, MACs doubled."""
    changes: dict[str, Any] = {}
    if field in ("output_shape", "weight_shape", "bias_shape"):
        shape = getattr(report, field)
        changes[field] = (1,) if shape is None else (*shape[:-1], shape[-1] + 1)
    elif field == "macs":
        changes[field] = 2 * report.macs + 1
    elif field in ("params", "buffers"):
        changes[field] = getattr(report, field) + 1
    else:
        name = field.removeprefix("receptive_field.")
        rf = report.receptive_field
        moved: dict[str, Any] = {name: tuple(v + 1 for v in getattr(rf, name))}
        changes["receptive_field"] = replace(rf, **moved)
    return replace(report, **changes)


def test_the_correct_analysis_passes_and_says_what_it_compared() -> None:
    require_torch()
    specs, analysis = correct()
    assert [r.macs for r in analysis.layers] == MACS
    for layer, (size, jump, start, padding) in FIELDS.items():
        rf = analysis.layers[layer].receptive_field
        assert (rf.size, rf.jump, rf.start, rf.padding) == (
            (size,) * 2,
            (jump,) * 2,
            (start,) * 2,
            (padding,) * 2,
        )
    v = check(specs, analysis)
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.compared == [*BASE, *RF]
    assert v.receptive_field is not None
    entries = {r["layer"]: r for r in v.receptive_field}
    assert sorted(entries) == [0, 1, 2, 3]  # flatten and linear are global
    for layer, (size, jump, start, padding) in FIELDS.items():
        assert entries[layer]["status"] == "measured"
        assert entries[layer]["exact"] is True
        assert entries[layer]["compared"] == ["size", "jump", "start", "padding"]
        assert entries[layer]["measured"] == {
            "size": [size] * 2,
            "jump": [jump] * 2,
            "start": [start] * 2,
            "padding": [padding] * 2,
        }


CORRUPTIONS = [
    pytest.param(layer, field, id=f"{LAYERS[layer]['type']}-{field}")
    for layer in range(len(LAYERS))
    for field in BASE[1:] + (RF if layer in FIELDS else [])
]


@pytest.mark.parametrize(("layer", "field"), CORRUPTIONS)
def test_each_compared_field_when_wrong_is_a_mismatch(layer: int, field: str) -> None:
    require_torch()
    specs, analysis = correct()
    good = analysis.layers[layer]
    layers = list(analysis.layers)
    layers[layer] = corrupted(good, field)
    v = check(specs, replace(analysis, layers=layers))
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in v.mismatches] == [(layer, field)]
    (mismatch,) = v.mismatches
    if field.startswith("receptive_field."):
        assert mismatch.torch == list(getattr(good.receptive_field, field.split(".")[1]))
    else:
        value = getattr(good, field)
        assert mismatch.torch == (list(value) if isinstance(value, tuple) else value)
    assert mismatch.calculated != mismatch.torch


def test_a_doubled_mac_count_fails_on_the_meta_device_too() -> None:
    require_torch()
    specs, analysis = correct()
    layers = list(analysis.layers)
    layers[0] = replace(layers[0], macs=2 * MACS[0])
    v = verify_stack(
        SHAPE,
        specs,
        replace(analysis, layers=layers),
        batch_size=BATCH,
        max_elements=2**24,
        devices=["meta"],
        measure_rf=False,
    )
    assert v.mismatches == [Mismatch(0, "macs", 2 * MACS[0], MACS[0])]
    assert "receptive_field.size" not in v.compared


def test_after_a_fractional_stride_only_size_and_jump_are_compared() -> None:
    """A stride-2 convolution then a stride-2 transposed one: every jump is whole (2, then
    1), yet the transposed outputs alternate (centres 0, 0, 2, 2, …), so no single unit has
    cnncalc's continuous start (-0.5): size (the widest over a period) and jump only."""
    require_torch()
    analysis, v = check_layers(
        [1, 40],
        [
            {"type": "conv1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
            {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 2, "stride": 2},
        ],
        measure_rf=True,
    )
    assert analysis is not None
    assert analysis.layers[1].receptive_field.start == (-0.5,)
    assert analysis.layers[1].receptive_field.jump == (1,)
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.receptive_field is not None
    first, second = v.receptive_field
    assert first["exact"] is True
    assert first["compared"] == ["size", "jump", "start", "padding"]
    assert second["exact"] is False
    assert second["compared"] == ["size", "jump"]
    assert second["measured"] == {"size": [1], "jump": [1]}


def test_a_wrong_jump_after_a_fractional_stride_is_a_mismatch() -> None:
    require_torch()
    specs = LAYERS_ADAPTER.validate_python(
        [{"type": "convtranspose1d", "out_channels": 1, "kernel_size": 3, "stride": 2}]
    )
    analysis = analyze([1, 20], specs)
    assert analysis.layers[0].receptive_field.jump == (0.5,)
    rf = replace(analysis.layers[0].receptive_field, jump=(1,))
    wrong = replace(analysis, layers=[replace(analysis.layers[0], receptive_field=rf)])
    v = verify_stack([1, 20], specs, wrong, max_elements=2**20)
    assert [(m.layer, m.field, m.calculated, m.torch) for m in v.mismatches] == [
        (0, "receptive_field.jump", [1], [0.5])
    ]


def test_a_kind_torch_has_no_class_for_is_an_error_of_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Never read as torch rejecting the stack (which would pass where cnncalc rejects too)."""
    require_torch()
    monkeypatch.setattr(Conv, "torch_name", lambda self, x: "NoSuchConv2d")
    _, v = check_layers(SHAPE, LAYERS)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in v.mismatches] == [(0, "torch_class")]
    assert v.reason is not None
    assert "NoSuchConv2d" in v.reason
    assert "conv2d" in v.reason
    kernel_over_input = [{"type": "conv2d", "out_channels": 2, "kernel_size": 5}]
    analysis, rejected = check_layers([1, 2, 2], kernel_over_input)
    assert analysis is None  # cnncalc rejects layer 0: torch must not be said to agree
    assert rejected.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in rejected.mismatches] == [(0, "torch_class")]


def test_a_windowed_kind_the_measurement_cannot_build_is_not_an_identity(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_torch()
    monkeypatch.setattr(MaxPool, "measured_as", "identity")  # a kind with windows
    _, v = check_layers(SHAPE, LAYERS, measure_rf=True)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in v.mismatches] == [(1, "receptive_field")]
    assert v.reason is not None
    assert "maxpool2d" in v.reason
    assert "MaxPool2d" in v.reason
    assert "'identity'" in v.reason


def test_a_kind_that_declares_no_measurement_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    require_torch()
    monkeypatch.delattr(MaxPool, "measured_as")
    assert not hasattr(MaxPool, "measured_as")  # LayerSpec declares it without a default
    _, v = check_layers(SHAPE, LAYERS, measure_rf=True)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in v.mismatches] == [(1, "receptive_field")]
    assert v.reason is not None
    assert "declares no treatment" in v.reason


STACKED_UPSAMPLINGS: list[dict[str, Any]] = [
    {"type": "avgpool1d", "kernel_size": 4},
    {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 2, "stride": 2},
    {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 2, "stride": 2},
    {"type": "conv1d", "out_channels": 1, "kernel_size": 3, "padding": 1},
]
"""Units of the last layer see 4 or 8 input pixels by position (period 4): by hand, each
transposed output copies one input unit, so the convolution's 3 neighbours fall in one or
two of the pooling's 4-pixel windows."""


@pytest.mark.parametrize("wrong", [7, 9])
def test_a_widest_size_after_a_fractional_stride_is_compared_exactly(wrong: int) -> None:
    """Measured over a whole period, the widest unit must be cnncalc's size, not below it."""
    require_torch()
    specs = LAYERS_ADAPTER.validate_python(STACKED_UPSAMPLINGS)
    analysis = analyze([1, 64], specs)
    assert analysis.layers[3].receptive_field.size == (8,)
    v = verify_stack([1, 64], specs, analysis, max_elements=2**20)
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.receptive_field is not None
    assert v.receptive_field[3]["measured"]["size"] == [8]
    rf = replace(analysis.layers[3].receptive_field, size=(wrong,))
    layers = [*analysis.layers[:3], replace(analysis.layers[3], receptive_field=rf)]
    v = verify_stack([1, 64], specs, replace(analysis, layers=layers), max_elements=2**20)
    assert [(m.layer, m.field, m.calculated, m.torch) for m in v.mismatches] == [
        (3, "receptive_field.size", [wrong], [8])
    ]


def test_units_that_read_no_input_value_measure_no_pixel() -> None:
    """Every kept unit reads only inserted zeros and padding (tests/core/test_field_phases)."""
    require_torch()
    analysis, v = check_layers(
        [1, 40],
        [
            {"type": "convtranspose1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
            {"type": "constantpad1d", "padding": [1, 0], "value": 0},
            {"type": "conv1d", "out_channels": 1, "kernel_size": 1, "stride": 2},
        ],
        measure_rf=True,
    )
    assert analysis is not None
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.receptive_field is not None
    assert v.receptive_field[2]["measured"]["size"] == [0]
    assert v.receptive_field[2]["calculated"]["size"] == [0]
