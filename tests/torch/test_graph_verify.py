"""The torch check runs graphs: merges as torch.add, torch.mul and torch.cat, node by node."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from app.core import Analysis, LayerSpec, analyze
from app.core.layers import LAYERS_ADAPTER
from app.core.presets import PRESETS
from app.verify import Verification, VerificationStatus
from app.verify.torch_backend import verify_stack
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

Layer = dict[str, Any]


def _conv(c: int, k: int = 3, **more: Any) -> Layer:
    return {"type": "conv2d", "out_channels": c, "kernel_size": k, "padding": k // 2, **more}


RESIDUAL: list[Layer] = [
    _conv(8),
    {
        "type": "residual",
        "id": "block",
        "layers": [_conv(8), {"type": "batchnorm2d"}, {"type": "relu"}, _conv(8)],
    },
    {"type": "relu"},
]
INCEPTION: list[Layer] = [
    {
        "type": "parallel",
        "id": "mixed",
        "branches": [
            [_conv(4, 1)],
            [_conv(3, 1), _conv(5, 3)],
            [_conv(2, 1), _conv(6, 5)],
            [{"type": "maxpool2d", "kernel_size": 3, "stride": 1, "padding": 1}, _conv(7, 1)],
        ],
    },
]
SQUEEZE_EXCITATION: list[Layer] = [
    {"id": "features", **_conv(16)},
    {"type": "adaptiveavgpool2d", "output_size": 1},
    _conv(4, 1, padding=0),
    {"type": "relu"},
    _conv(16, 1, padding=0),
    {"type": "sigmoid", "id": "gate"},
    {"type": "mul", "inputs": ["features", "gate"]},
]


def _check(
    input_shape: list[int], layers: list[Layer]
) -> tuple[list[LayerSpec], Analysis, Verification]:
    specs = LAYERS_ADAPTER.validate_python(layers)
    analysis = analyze(input_shape, specs)
    return specs, analysis, verify_stack(input_shape, specs, analysis, max_elements=2**50)


@pytest.mark.parametrize(
    ("input_shape", "layers"),
    [
        ([3, 16, 16], RESIDUAL),
        ([3, 12, 12], INCEPTION),
        ([3, 10, 10], SQUEEZE_EXCITATION),
        (PRESETS["resnet18"]["input_shape"], PRESETS["resnet18"]["layers"]),
    ],
    ids=["residual", "inception", "squeeze_excitation", "resnet18"],
)
def test_graphs_pass(input_shape: list[int], layers: list[Layer]) -> None:
    require_torch()
    _, _, v = _check(input_shape, layers)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    assert v.compared[:7] == [
        "valid",
        "output_shape",
        "weight_shape",
        "bias_shape",
        "params",
        "buffers",
        "macs",
    ]


def test_resnet18_totals_torchvisions_parameters() -> None:
    require_torch()
    _, analysis, v = _check(PRESETS["resnet18"]["input_shape"], PRESETS["resnet18"]["layers"])
    assert v.status is VerificationStatus.PASSED
    assert analysis.total_params == 11_689_512
    assert sum(r.type == "add" for r in analysis.layers) == 8


def test_a_wrong_concat_channel_count_fails_naming_the_node() -> None:
    require_torch()
    specs, analysis, _ = _check([3, 12, 12], INCEPTION)
    at = next(i for i, r in enumerate(analysis.layers) if r.id == "mixed")
    assert analysis.layers[at].output_shape == (4 + 5 + 6 + 7, 12, 12)
    wrong = replace(analysis.layers[at], output_shape=(21, 12, 12))
    layers = [wrong if i == at else r for i, r in enumerate(analysis.layers)]
    v = verify_stack([3, 12, 12], specs, replace(analysis, layers=layers), max_elements=2**50)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field, m.calculated, m.torch) for m in v.mismatches] == [
        (at, "output_shape", [21, 12, 12], [22, 12, 12])
    ]
    assert f"layer {at} (mixed): output_shape" in (v.reason or "")


def test_a_wrong_weight_inside_a_branch_fails_naming_the_node() -> None:
    require_torch()
    specs, analysis, _ = _check([3, 16, 16], RESIDUAL)
    at = next(i for i, r in enumerate(analysis.layers) if r.id == "block.3")
    wrong = replace(analysis.layers[at], params=analysis.layers[at].params + 1)
    layers = [wrong if i == at else r for i, r in enumerate(analysis.layers)]
    v = verify_stack([3, 16, 16], specs, replace(analysis, layers=layers), max_elements=2**50)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in v.mismatches] == [(at, "params")]
    assert v.mismatches[0].torch == 8 * 8 * 9 + 8
    assert f"layer {at} (block.3): params" in (v.reason or "")


def _measured(v: Any, node: str) -> dict[str, Any]:
    return next(r for r in v.receptive_field if r.get("id") == node)


def test_graph_receptive_fields_are_measured_per_node() -> None:
    require_torch()
    _, analysis, v = _check([3, 16, 16], RESIDUAL)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    assert {f"receptive_field.{n}" for n in ("size", "jump", "start", "padding", "global")} <= set(
        v.compared
    )
    block = _measured(v, "block")  # conv 3 then the residual's three 3×3 convolutions: 7
    assert block["status"] == "measured"
    assert block["measured"]["size"] == [7, 7]
    assert block["measured"]["global"] is False
    assert v.receptive_field is not None
    assert [r.id for r in analysis.layers] == [r["id"] for r in v.receptive_field]


def test_squeeze_excitation_is_measured_global_after_the_gate() -> None:
    require_torch()
    _, analysis, v = _check([3, 10, 10], SQUEEZE_EXCITATION)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    product = _measured(v, analysis.layers[-1].id)
    assert (product["compared"], product["measured"]) == (["global"], {"global": True})
    assert _measured(v, "features")["measured"]["global"] is False


def test_a_gate_times_a_unit_of_an_empty_phase_is_still_measured_global() -> None:
    """By hand: the transposed convolution (kernel 1 along H, stride 2) writes only the even
    rows, so an odd row's unit is 0 in the measuring copy (biases 0), and the product's
    gradient there is 0 whatever the gate sees; the check measures a unit that sees pixels
    (a random graph once failed on it, ``global`` measured false)."""
    require_torch()
    layers: list[Layer] = [
        {
            "type": "convtranspose2d",
            "out_channels": 2,
            "kernel_size": [1, 5],
            "stride": 2,
            "padding": 2,
            "id": "up",
        },
        {"type": "adaptiveavgpool2d", "output_size": 1},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 1},
        {"type": "sigmoid", "id": "gate"},
        {"type": "mul", "inputs": ["up", "gate"], "id": "product"},
    ]
    _, _, v = _check([2, 12, 11], layers)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    product = _measured(v, "product")
    assert (product["compared"], product["measured"]) == (["global"], {"global": True})


def test_paths_that_disagree_on_centre_are_compared_as_their_hull() -> None:
    require_torch()
    # A 3×3 convolution centred on each unit, and one whose window starts two columns left:
    # centres 0 and -1 along the width, the hull from -2 to 1, four columns.
    layers: list[Layer] = [
        {
            "type": "parallel",
            "id": "mixed",
            "branches": [
                [_conv(2)],
                [
                    {"type": "zeropad2d", "padding": [2, 0, 1, 1]},
                    {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
                ],
            ],
        }
    ]
    _, analysis, v = _check([1, 12, 12], layers)
    rf = analysis.layers[-1].receptive_field
    assert (rf.aligned, rf.size) == (False, (3, 4))
    mixed = _measured(v, "mixed")
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    assert mixed["status"] == "measured"
    assert mixed["measured"]["size"] == [3, 4]
    assert mixed["measured"]["start"] == [0, -0.5]


def test_paths_that_disagree_on_jump_are_not_compared_and_say_why() -> None:
    require_torch()
    layers: list[Layer] = [
        {
            "type": "parallel",
            "id": "mixed",
            "branches": [
                [{"type": "maxpool2d", "kernel_size": 2}],  # 12 -> 6, jump 2
                [_conv(1, 7, padding=0)],  # 12 -> 6, jump 1
            ],
        },
        _conv(2, id="after"),
    ]
    _, _, v = _check([1, 12, 12], layers)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
    for node in ("mixed", "after"):
        entry = _measured(v, node)
        assert entry["status"] == "skipped"
        assert "disagree on jump" in entry["reason"]


def test_a_wrong_graph_receptive_field_fails_naming_the_node() -> None:
    require_torch()
    specs, analysis, _ = _check([3, 12, 12], INCEPTION)
    at = next(i for i, r in enumerate(analysis.layers) if r.id == "mixed")
    rf = replace(analysis.layers[at].receptive_field, size=(3, 3))
    wrong = replace(analysis.layers[at], receptive_field=rf)
    layers = [wrong if i == at else r for i, r in enumerate(analysis.layers)]
    v = verify_stack([3, 12, 12], specs, replace(analysis, layers=layers), max_elements=2**50)
    assert v.status is VerificationStatus.FAILED
    assert [(m.layer, m.field, m.calculated, m.torch) for m in v.mismatches] == [
        (at, "receptive_field.size", [3, 3], [5, 5])
    ]
    assert f"layer {at} (mixed): receptive_field.size" in (v.reason or "")


def test_the_graph_measurement_counts_its_work_first() -> None:
    require_torch()
    specs, analysis, _ = _check([3, 16, 16], RESIDUAL)
    v = verify_stack([3, 16, 16], specs, analysis, max_elements=2**50, max_work=10**5)
    assert v.status is VerificationStatus.PASSED
    assert v.receptive_field is not None
    (skipped,) = v.receptive_field
    assert skipped["status"] == "skipped"
    assert "element-operations, over the limit of 100000" in skipped["reason"]
    assert not any(name.startswith("receptive_field") for name in v.compared)
