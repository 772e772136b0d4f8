"""Padding layers against real torch: shapes, refusals, printouts and measured fields."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest

from app.core import analyze
from app.core.errors import ErrorCode
from app.core.export import to_pytorch
from app.core.layers import LAYERS_ADAPTER
from app.core.notation import parse_stack
from app.verify import VerificationStatus
from app.verify.budget import rf_geometry
from app.verify.torch_backend import build_layer, check_layers
from tests.core.test_padding import REFUSAL_IDS, REFUSALS, SHAPE_IDS, SHAPES
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

L = dict[str, Any]


@pytest.mark.parametrize(("x", "layer", "output"), SHAPES, ids=SHAPE_IDS)
def test_torch_gives_the_shapes_worked_by_hand(
    x: tuple[int, ...], layer: L, output: tuple[int, ...]
) -> None:
    torch = require_torch()
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    module = build_layer(torch, spec, x)
    for batched in (torch.zeros((2, *x)), torch.zeros(x)):  # batched and one sample
        y = module(batched)
        assert tuple(y.shape[-len(output) :]) == output
    # Both sides agree on every compared field (MACs 0: FlopCounterMode counts no padding).
    _, verification = check_layers(list(x), [layer])
    assert verification.status is VerificationStatus.PASSED, verification
    assert "macs" in verification.compared


@pytest.mark.parametrize(("x", "layer", "code", "words"), REFUSALS, ids=REFUSAL_IDS)
def test_what_cnncalc_refuses_torch_refuses_at_the_same_layer(
    x: tuple[int, ...], layer: L, code: ErrorCode, words: str
) -> None:
    require_torch()
    stack = [{"type": "relu"}, layer]
    for device in ("cpu", "meta"):
        analysis, verification = check_layers(list(x), stack, devices=[device])
        assert analysis is None
        assert verification.status is VerificationStatus.PASSED, verification
        if code is ErrorCode.UNSUPPORTED:
            # Pairs for other axes: F.pad would pad the channels (or refuse); cnncalc declines.
            continue
        assert verification.torch_error is not None
        assert verification.torch_error.startswith("layer 1 ("), verification.torch_error


def test_torch_messages_behind_the_refusals() -> None:
    torch = require_torch()
    nn = torch.nn
    cases = [
        (nn.ReflectionPad1d((5, 0)), (2, 3, 5), "Padding size should be less than"),
        (nn.ZeroPad1d((-6, 10)), (2, 3, 5), "narrow(): length must be non-negative"),
        (nn.ReplicationPad1d((-3, -3)), (2, 3, 5), "is too small"),
        (nn.ZeroPad2d((1, 2, 3)), (2, 3, 5, 6), "Padding length must be divisible by 2"),
        (nn.ReflectionPad1d(1), (2, 3, 4, 5), "not supported for 4D input"),
    ]
    for module, shape, words in cases:
        with pytest.raises((RuntimeError, NotImplementedError), match=re.escape(words)):
            module(torch.zeros(shape))
    # A zero pad takes any rank: on the batched 1-D input it would pad the channels too,
    # which the check refuses as an unbatched reading (cnncalc: wrong rank).
    assert tuple(nn.ZeroPad2d(1)(torch.zeros((2, 3, 5))).shape) == (2, 5, 7)
    # And an empty output is no error for torch; cnncalc refuses it, as the check does.
    assert tuple(nn.ZeroPad1d((-2, -3))(torch.zeros((2, 3, 5))).shape) == (2, 3, 0)
    _, verification = check_layers([3, 5], [{"type": "zeropad2d", "padding": 1}])
    assert verification.status is VerificationStatus.PASSED
    assert "unbatched" in (verification.torch_error or "")


@pytest.mark.parametrize(
    ("build", "x", "printed"),
    [
        (lambda nn: nn.ZeroPad2d(1), (3, 8, 8), "ZeroPad2d((1, 1, 1, 1))"),
        (lambda nn: nn.ZeroPad2d((1, 2, 0, 1)), (3, 8, 8), "ZeroPad2d((1, 2, 0, 1))"),
        (
            lambda nn: nn.ConstantPad2d(2, 3.5),
            (3, 8, 8),
            "ConstantPad2d(padding=(2, 2, 2, 2), value=3.5)",
        ),
        (
            lambda nn: nn.ConstantPad1d((1, -2), 3),
            (2, 9),
            "ConstantPad1d(padding=(1, -2), value=3)",
        ),
        (lambda nn: nn.ReflectionPad1d((3, 1)), (2, 9), "ReflectionPad1d((3, 1))"),
        (
            lambda nn: nn.ReplicationPad3d((1, 0, 2, 1, 0, 3)),
            (2, 4, 5, 6),
            "ReplicationPad3d((1, 0, 2, 1, 0, 3))",
        ),
    ],
    ids=["zero-int", "zero-sides", "constant", "constant-1d-crop", "reflection", "replication-3d"],
)
def test_the_printout_reads_back_as_the_same_layer(
    build: Any, x: tuple[int, ...], printed: str
) -> None:
    torch = require_torch()
    module = build(torch.nn)
    text = str(torch.nn.Sequential(module))
    assert f"(0): {printed}" in text
    (layer,) = parse_stack(text)
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    rebuilt = build_layer(torch, spec, x)
    # The same class, sides and value (an int value is read as the float it pads with).
    assert type(rebuilt) is type(module)
    assert rebuilt.padding == module.padding
    assert float(getattr(rebuilt, "value", 0.0)) == float(getattr(module, "value", 0.0))
    y = module(torch.zeros((1, *x)))
    assert tuple(y.shape[1:]) == spec.infer(x).output


def test_the_exported_program_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    require_torch()
    layers: list[L] = [
        {"type": "zeropad2d", "padding": [1, 2, 0, 1]},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
        {"type": "reflectionpad", "padding": 1},
        {"type": "constantpad2d", "padding": [0, -1, 2, 0], "value": 0.5},
        {"type": "replicationpad2d", "padding": 2},
    ]
    program = tmp_path / "model.py"
    program.write_text(to_pytorch([3, 8, 8], layers), encoding="utf-8")
    runpy.run_path(str(program), run_name="__main__")
    # 8×8 -> 9×11 -> 7×9 -> 9×11 -> 11×10 -> 15×14.
    assert analyze([3, 8, 8], layers).output_shape == (2, 15, 14)
    assert capsys.readouterr().out.rstrip().endswith("torch.Size([1, 2, 15, 14])")


def measured(x: list[int], layers: list[L]) -> list[dict[str, Any]]:
    """The measured receptive field of every layer, the check having passed on all fields."""
    require_torch()
    _, verification = check_layers(x, layers, measure_rf=True)
    assert verification.status is VerificationStatus.PASSED, verification
    for name in ("size", "jump", "start", "padding"):
        assert f"receptive_field.{name}" in verification.compared
    fields = verification.receptive_field or []
    assert all(f["status"] == "measured" and f["agrees"] for f in fields), fields
    return [f["measured"] for f in fields]


def test_an_asymmetric_zero_pad_before_a_3x3_convolution_measured_in_torch() -> None:
    # Worked in tests/core/test_padding.py: the pad starts at -2 with padding 2; the 3×3
    # convolution after it starts at -1 with effective padding 2.
    pad, conv = measured(
        [3, 8, 8],
        [
            {"type": "zeropad2d", "padding": [2, 1, 2, 1]},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
        ],
    )
    assert pad == {"size": [1, 1], "jump": [1, 1], "start": [-2, -2], "padding": [2, 2]}
    assert conv == {"size": [3, 3], "jump": [1, 1], "start": [-1, -1], "padding": [2, 2]}


def test_tf_same_resnet_stem_measured_in_torch() -> None:
    # TF "SAME" on 64: the 7×7 stride-2 convolution pads 31 × 2 + 7 - 64 = 5 -> (2, 3); the 3×3
    # stride-2 pooling on 32 pads 15 × 2 + 3 - 32 = 1 -> (0, 1); a 3×3 stride-2 convolution
    # on 16 pads 7 × 2 + 3 - 16 = 1 -> (0, 1). Fields: -2; 7, jump 2, start -2 + 3 = 1;
    # 11, jump 4, start 1 + 2 = 3; 11 + 2 × 4 = 19, jump 8, start 3 + 4 = 7.
    fields = measured(
        [3, 64, 64],
        [
            {"type": "zeropad2d", "padding": [2, 3, 2, 3]},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 7, "stride": 2},
            {"type": "relu"},
            {"type": "zeropad2d", "padding": [0, 1, 0, 1]},
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "zeropad2d", "padding": [0, 1, 0, 1]},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2},
        ],
    )
    rows = [(f["size"][0], f["jump"][0], f["start"][0], f["padding"][0]) for f in fields]
    assert rows == [
        (1, 1, -2, 2),
        (7, 2, 1, 2),
        (7, 2, 1, 2),
        (7, 2, 1, 2),
        (11, 4, 3, 2),
        (11, 4, 3, 2),
        (19, 8, 7, 2),
    ]


def test_crops_and_mirrors_measured_in_torch() -> None:
    # constantpad1d (-2, 3): start 0 + 2 = 2, padding -2; conv K = 3, S = 2: size 3, jump 2,
    # start 3; reflection (3, 1): start 3 - 3 × 2 = -3; replication (-1, 2): -3 + 2 = -1.
    fields = measured(
        [2, 9],
        [
            {"type": "constantpad1d", "padding": [-2, 3], "value": 1.5},
            {"type": "conv1d", "out_channels": 2, "kernel_size": 3, "stride": 2},
            {"type": "reflectionpad1d", "padding": [3, 1]},
            {"type": "replicationpad", "padding": [-1, 2]},
        ],
    )
    assert [f["start"] for f in fields] == [[2], [3], [-3], [-1]]
    assert [f["padding"] for f in fields] == [[-2], [-2], [4], [2]]


def test_a_pad_after_a_crop_is_measured_on_units_that_read_no_padding() -> None:
    # Regression (found by the differential check): cropping 2 on each side of 9 keeps
    # inputs 2..6; padding 3 on each side then puts zeros at units 0..2 and 8..10, whose
    # threaded fields (unit i at input i - 1) lie partly inside the input. Valid units: the
    # crop's 0..4, the pad's 3..7, the 3-wide convolution's 3..5 (it reads i..i + 2).
    layers: list[L] = [
        {"type": "constantpad1d", "padding": [-2, -2], "value": 0.0},
        {"type": "zeropad1d", "padding": [3, 3]},
        {"type": "conv1d", "out_channels": 1, "kernel_size": 3},
    ]
    specs = LAYERS_ADAPTER.validate_python(layers)
    geometry = rf_geometry([1, 9], specs)
    assert [fields[0].valid for fields in geometry] == [(0, 4), (3, 7), (3, 5)]
    # Starts: 0 + 2 = 2; 2 - 3 = -1; -1 + 1 = 0. Effective paddings -2, 1, 1 - 0 = 1.
    fields = measured([1, 9], layers)
    assert [f["start"] for f in fields] == [[2], [-1], [0]]
    assert [f["padding"] for f in fields] == [[-2], [1], [1]]
