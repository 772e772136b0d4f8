"""cnncalc against real torch: every layer's numbers, and rejected by one <=> rejected by both.

The table below builds each stack as real ``torch.nn`` modules (on the CPU, and on the meta
device for the stacks cnncalc accepts) through the executor and asserts that torch and the
core agree on output, weight and bias shapes, parameters and buffers of every layer, and on
whether (and at which layer) the stack is rejected. The hypothesis test does the same on
random valid and invalid stacks over every registered kind. Cases marked "regression" are
disagreements the differential check found and the core now matches.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import REGISTRY, TYPE_INDEX, LayerError, analyze
from app.core.layers import LAYERS_ADAPTER
from app.verify import VerificationStatus
from app.verify.stacks import KINDS, random_stack
from app.verify.torch_backend import build_layer, check_layers
from tests.core.test_kinds import SAMPLES
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

L = dict[str, Any]


def case(case_id: str, shape: list[int], layers: list[L], *, rejected_at: int | None = None) -> Any:
    return pytest.param(shape, layers, rejected_at, id=case_id)


CASES = [
    # -- the course and classic shapes
    case(
        "lenet5-course",
        [1, 28, 28],
        [
            {"type": "conv2d", "C_out": 20, "K": 5, "P": 2},
            {"type": "relu"},
            {"type": "maxpool2d", "K": 2, "S": 2},
            {"type": "conv2d", "C_out": 50, "K": 5, "P": 2},
            {"type": "relu"},
            {"type": "maxpool2d", "K": 2, "S": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 500},
            {"type": "relu"},
            {"type": "linear", "out_features": 10},
        ],
    ),
    case(
        "odd-sizes-strides-floor",
        [3, 31, 29],
        [{"type": "conv2d", "out_channels": 7, "kernel_size": 4, "stride": 3}, {"type": "sigmoid"}],
    ),
    case(
        "non-square-kernel-per-axis-stride",
        [2, 17, 23],
        [
            {"type": "conv2d", "out_channels": 4, "kernel_size": [3, 5], "stride": [2, 1]},
            {"type": "tanh"},
            {"type": "conv2d", "out_channels": 4, "kernel_size": [1, 7], "padding": [0, 3]},
        ],
    ),
    case(
        "dilation-2d",
        [3, 20, 20],
        [
            {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "dilation": 2},
            {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "dilation": [1, 3]},
            {"type": "silu"},
        ],
    ),
    case(
        "groups-and-depthwise",
        [6, 12, 12],
        [
            {"type": "conv2d", "out_channels": 9, "kernel_size": 3, "groups": 3, "bias": False},
            {"type": "conv2d", "out_channels": 9, "kernel_size": 3, "groups": 9, "padding": 1},
            {"type": "relu6"},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 1},
        ],
    ),
    case(
        "padding-same-even-kernel",
        [2, 9, 10],
        [
            {"type": "conv2d", "out_channels": 3, "kernel_size": 4, "padding": "same"},
            {"type": "conv2d", "out_channels": 3, "kernel_size": [2, 3], "padding": "same"},
            {
                "type": "conv2d",
                "out_channels": 3,
                "kernel_size": 2,
                "dilation": 3,
                "padding": "same",
            },
        ],
    ),
    case(
        "padding-valid",
        [2, 9, 10],
        [{"type": "conv2d", "out_channels": 3, "kernel_size": 4, "padding": "valid"}],
    ),
    case(
        "padding-modes",
        [2, 8, 8],
        [
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 2,
                "padding_mode": "reflect",
            },
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": 3,
                "padding": 1,
                "padding_mode": "circular",
            },
            {
                "type": "conv2d",
                "out_channels": 2,
                "kernel_size": 5,
                "padding": "same",
                "padding_mode": "replicate",
            },
        ],
    ),
    case(
        "conv1d-text",
        [300, 50],
        [
            {"type": "conv1d", "out_channels": 100, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool1d", "kernel_size": 2},
            {"type": "conv", "out_channels": 50, "kernel_size": 5, "dilation": 2},
            {"type": "adaptivemaxpool1d", "output_size": 1},
            {"type": "flatten"},
            {"type": "dropout", "p": 0.2},
            {"type": "linear", "out_features": 2},
        ],
    ),
    case(
        "conv3d-video",
        [3, 8, 17, 15],
        [
            {
                "type": "conv3d",
                "out_channels": 4,
                "kernel_size": [3, 5, 5],
                "stride": [1, 2, 2],
                "padding": [1, 2, 2],
            },
            {"type": "batchnorm3d"},
            {"type": "elu"},
            {"type": "maxpool3d", "kernel_size": [1, 2, 2], "ceil_mode": True},
            {"type": "dropout3d"},
            {"type": "avgpool3d", "kernel_size": 2, "stride": 1, "padding": 1},
            {"type": "adaptiveavgpool3d", "output_size": [None, 2, 3]},
        ],
    ),
    case(
        "convtranspose-output-padding",
        [8, 5, 7],
        [
            {
                "type": "convtranspose2d",
                "out_channels": 4,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            },
            {
                "type": "convtranspose2d",
                "out_channels": 4,
                "kernel_size": [2, 3],
                "stride": [2, 3],
                "output_padding": [1, 2],
                "groups": 2,
            },
            {
                "type": "convtranspose2d",
                "out_channels": 2,
                "kernel_size": 3,
                "dilation": 2,
                "output_padding": 1,
                "stride": 1,
                "bias": False,
            },
        ],
    ),
    case(
        "convtranspose-1d-3d",
        [4, 6],
        [
            {
                "type": "convtranspose1d",
                "out_channels": 2,
                "kernel_size": 4,
                "stride": 3,
                "padding": 2,
            }
        ],
    ),
    case(
        "convtranspose3d-short-form",
        [2, 3, 4, 5],
        [{"type": "convtranspose", "out_channels": 3, "kernel_size": 2, "stride": [1, 2, 3]}],
    ),
    case(
        "maxpool-ceil-dilation-padding",
        [3, 13, 11],
        [
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True},
            {
                "type": "maxpool2d",
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "dilation": 2,
                "ceil_mode": True,
            },
            {"type": "pool", "kernel_size": [2, 1]},
        ],
    ),
    case(
        "avgpool-ceil-count-include-pad",
        [2, 10, 7],
        [
            {
                "type": "avgpool2d",
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "ceil_mode": True,
                "count_include_pad": False,
            },
            {"type": "avgpool", "kernel_size": [2, 1], "divisor_override": 3},
            {"type": "avgpool2d", "kernel_size": 2, "stride": [1, 2]},
        ],
    ),
    case(
        "adaptive-uneven-and-none",
        [4, 13, 9],
        [
            {"type": "adaptiveavgpool2d", "output_size": [5, None]},
            {"type": "adaptivemaxpool2d", "output_size": 4},
            {"type": "adaptivemaxpool", "output_size": [None, 3]},
            {"type": "adaptiveavgpool", "output_size": 1},
        ],
    ),
    case(
        "norms-and-activations",
        [6, 5, 5],
        [
            {"type": "batchnorm2d", "affine": False},
            {"type": "batchnorm", "track_running_stats": False},
            {"type": "groupnorm", "num_groups": 3},
            {"type": "layernorm", "normalized_shape": [5, 5]},
            {"type": "layernorm", "elementwise_affine": False},
            {"type": "layernorm", "bias": False},
            {"type": "prelu", "num_parameters": 6},
            {"type": "leakyrelu", "negative_slope": 0.2},
            {"type": "gelu", "approximate": "tanh"},
            {"type": "mish"},
            {"type": "hardswish"},
            {"type": "hardsigmoid"},
            {"type": "softsign"},
            {"type": "identity"},
            {"type": "softmax", "dim": 1},
            {"type": "logsoftmax", "dim": -1},
            {"type": "dropout2d", "p": 0.1},
        ],
    ),
    case(
        "batchnorm1d-flat-and-sequence",
        [8, 12],
        [
            {"type": "batchnorm1d"},
            {"type": "dropout1d"},
            {"type": "flatten"},
            {"type": "batchnorm1d", "num_features": 96},
            {"type": "prelu"},
        ],
    ),
    case(
        "flatten-ranges",
        [3, 4, 5, 6],
        [
            {"type": "flatten", "start_dim": 2, "end_dim": 3},
            {"type": "flatten", "start_dim": -2},
            {"type": "flatten", "start_dim": 1, "end_dim": 1},
        ],
    ),
    case(
        "linear-on-non-flat-tensor",
        [3, 4, 7],
        [
            {"type": "linear", "out_features": 5},
            {"type": "linear", "out_features": 2, "in_features": 5, "bias": False},
            {"type": "layernorm"},
            {"type": "softmax", "dim": -1},
        ],
    ),
    case("mlp-flat-input", [20], [{"type": "linear", "out_features": 7}, {"type": "tanh"}]),
    # -- invalid stacks: both reject, at the same layer
    case(
        "kernel-larger-than-input",
        [1, 4, 4],
        [{"type": "conv2d", "out_channels": 2, "kernel_size": 5}],
        rejected_at=0,
    ),
    case(
        "maxpool-kernel-larger-than-padded-input",
        [3, 4, 4],
        [{"type": "relu"}, {"type": "maxpool2d", "kernel_size": 5, "padding": 0}],
        rejected_at=1,
    ),
    case(
        "pool-padding-over-half-kernel",
        [3, 8, 8],
        [{"type": "maxpool2d", "kernel_size": 2, "padding": 2}],
        rejected_at=0,
    ),
    case(
        "groups-do-not-divide",
        [6, 8, 8],
        [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "groups": 3}],
        rejected_at=0,
    ),
    case(
        "same-with-stride",
        [3, 8, 8],
        [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2, "padding": "same"}],
        rejected_at=0,
    ),
    case(
        "reflect-padding-too-large",
        [1, 3, 8],
        [
            {
                "type": "conv2d",
                "out_channels": 1,
                "kernel_size": 3,
                "padding": 3,
                "padding_mode": "reflect",
            }
        ],
        rejected_at=0,
    ),
    case(
        "in-features-mismatch",
        [3, 4, 4],
        [{"type": "flatten"}, {"type": "linear", "out_features": 10, "in_features": 50}],
        rejected_at=1,
    ),
    case(
        "output-padding-too-large",
        [2, 5, 5],
        [
            {
                "type": "convtranspose2d",
                "out_channels": 2,
                "kernel_size": 3,
                "stride": 2,
                "output_padding": 2,
            }
        ],
        rejected_at=0,
    ),
    case(
        "transposed-output-below-one",
        [2, 1, 1],
        [{"type": "convtranspose2d", "out_channels": 2, "kernel_size": 1, "padding": 1}],
        rejected_at=0,
    ),
    case(
        "layernorm-shape-mismatch",
        [3, 4, 5],
        [{"type": "layernorm", "normalized_shape": [4]}],
        rejected_at=0,
    ),
    case(
        "groupnorm-groups-do-not-divide",
        [6, 4, 4],
        [{"type": "groupnorm", "num_groups": 4}],
        rejected_at=0,
    ),
    case(
        "prelu-parameters-mismatch",
        [6, 4, 4],
        [{"type": "prelu", "num_parameters": 4}],
        rejected_at=0,
    ),
    case(
        "softmax-dim-out-of-range",
        [6, 4],
        [{"type": "softmax", "dim": 3}],
        rejected_at=0,
    ),
    case(
        "flatten-start-after-end",
        [6, 4, 4],
        [{"type": "flatten", "start_dim": 3, "end_dim": 2}],
        rejected_at=0,
    ),
    case(
        "conv2d-on-sequence",
        [6, 40],
        [{"type": "conv2d", "out_channels": 2, "kernel_size": 3}],
        rejected_at=0,
    ),
    case(
        "batchnorm2d-on-flat",
        [16],
        [{"type": "batchnorm2d"}],
        rejected_at=0,
    ),
    case(
        "adaptive-output-size-axes",
        [2, 8, 8],
        [{"type": "adaptiveavgpool2d", "output_size": [2, 2, 2]}],
        rejected_at=0,
    ),
    # -- regressions: disagreements the differential check found, now fixed in the core
    case(
        "regression-layernorm-into-the-batch",
        [2],
        [{"type": "layernorm", "normalized_shape": [2, 2], "elementwise_affine": False}],
        rejected_at=0,
    ),
    case(
        "regression-ceil-mode-kernel-over-input",
        [1, 3, 5],
        [{"type": "avgpool2d", "kernel_size": 4, "ceil_mode": True}],
    ),
    case(
        "regression-ceil-mode-maxpool-kernel-over-input",
        [4, 5, 1, 4],
        [{"type": "maxpool", "kernel_size": 3, "ceil_mode": True}],
    ),
    case(
        "regression-adaptive-1d-none",
        [2, 10],
        [{"type": "adaptivemaxpool1d", "output_size": [None]}],
        rejected_at=0,
    ),
    case(
        "regression-adaptive-bare-none",
        [2, 10, 10],
        [{"type": "adaptiveavgpool2d", "output_size": None}],
        rejected_at=0,
    ),
    case(
        "regression-avgpool3d-kernel-over-unpadded-input",
        [1, 3, 6, 6],
        [{"type": "avgpool3d", "kernel_size": 4, "padding": 2}],
        rejected_at=0,
    ),
    case(
        "regression-one-value-kernel-list",
        [2, 6, 6],
        [{"type": "conv2d", "out_channels": 2, "kernel_size": [3]}],
        rejected_at=0,
    ),
    case(
        "regression-one-value-stride-list-repeats",
        [2, 6, 6],
        [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": [2], "padding": [1]}],
    ),
    case(
        "regression-one-value-padding-with-replicate",
        [4, 6, 3],
        [
            {
                "type": "conv2d",
                "out_channels": 3,
                "kernel_size": 2,
                "padding": [1],
                "padding_mode": "replicate",
            }
        ],
        rejected_at=0,
    ),
    case(
        "regression-dropout1d-on-flat",
        [6],
        [{"type": "dropout1d"}],
        rejected_at=0,
    ),
    case(
        "regression-dropout2d-on-sequence",
        [6, 9],
        [{"type": "dropout2d"}],
        rejected_at=0,
    ),
    case(
        "regression-in-channels-given-wrong",
        [4, 14],
        [
            {"type": "gelu"},
            {"type": "conv1d", "out_channels": 3, "kernel_size": 2, "in_channels": 7},
        ],
        rejected_at=1,
    ),
    case(
        "regression-num-features-given-wrong",
        [5, 4, 5, 2],
        [{"type": "batchnorm3d", "num_features": 3}],
        rejected_at=0,
    ),
    case(
        "instancenorm-affine-lrn-alexnet",
        [6, 9, 9],
        [
            {"type": "conv2d", "out_channels": 8, "kernel_size": 3},
            {"type": "instancenorm2d", "num_features": 8, "affine": True},
            {"type": "localresponsenorm", "size": 5, "alpha": 0.0001, "beta": 0.75, "k": 2.0},
            {"type": "instancenorm2d", "track_running_stats": True},
        ],
    ),
    case(
        "instancenorm1d-lrn-on-a-sequence",
        [4, 7],
        [
            {"type": "instancenorm1d", "momentum": None, "track_running_stats": True},
            {"type": "localresponsenorm", "size": 2},
        ],
    ),
    case(
        "instancenorm3d-lrn-on-a-volume",
        [2, 3, 4, 5],
        [
            {"type": "instancenorm3d", "num_features": 7},  # torch only warns: affine=False
            {"type": "localresponsenorm", "size": 4, "beta": 0.5},
        ],
    ),
    case(
        "instancenorm-num-features-given-wrong-with-affine",
        [5, 4, 4],
        [{"type": "instancenorm2d", "num_features": 3, "affine": True}],
        rejected_at=0,
    ),
    case(
        "instancenorm-num-features-given-wrong-with-running-stats",
        [5, 6],
        [{"type": "instancenorm1d", "num_features": 3, "track_running_stats": True}],
        rejected_at=0,
    ),
    case(
        "instancenorm-over-one-spatial-element",
        [3, 1, 1],
        [{"type": "instancenorm2d"}],
        rejected_at=0,
    ),
    case(
        "instancenorm1d-on-flat-reads-the-batch-as-channels",
        [6],
        [{"type": "instancenorm1d"}],
        rejected_at=0,
    ),
    case(
        "instancenorm3d-on-image",
        [2, 3, 4],
        [{"type": "instancenorm3d"}],
        rejected_at=0,
    ),
    case(
        "lrn-on-flat",
        [6],
        [{"type": "localresponsenorm", "size": 3}],
        rejected_at=0,
    ),
    case(
        "short-form-adaptive-pool-on-a-vector",
        [5],
        [{"type": "adaptiveavgpool", "output_size": 1}],
        rejected_at=0,
    ),
    case(
        "short-form-max-pool-after-a-flatten",
        [2, 4, 4],
        [{"type": "flatten"}, {"type": "maxpool", "kernel_size": 2}],
        rejected_at=1,
    ),
    case(
        "regression-adaptive2d-on-sequence",
        [1, 6],
        [{"type": "adaptiveavgpool2d", "output_size": 1}],
        rejected_at=0,
    ),
    case(
        "regression-maxpool3d-on-image",
        [2, 2, 3],
        [{"type": "maxpool3d", "kernel_size": 1}],
        rejected_at=0,
    ),
    # -- padding layers (tests/torch/test_padding.py has the rest)
    case(
        "pads-every-kind",
        [2, 6, 7],
        [
            {"type": "zeropad2d", "padding": [1, 2, 0, 1]},
            {"type": "constantpad2d", "padding": [-1, 2, 1, -2], "value": 3.5},
            {"type": "reflectionpad", "padding": 2},
            {"type": "replicationpad2d", "padding": [0, -3, 2, 0]},
            {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
        ],
    ),
    case(
        "reflection-pad-not-smaller-than-its-input",
        [3, 4],
        [{"type": "relu"}, {"type": "reflectionpad1d", "padding": [4, 0]}],
        rejected_at=1,
    ),
    case(
        "zero-pad-cropping-more-than-its-input",
        [3, 5],
        [{"type": "zeropad1d", "padding": [-6, 10]}],
        rejected_at=0,
    ),
]
# Every kind's own sample (tests/core/test_kinds.py), so that a new kind has a case too.
CASES += [
    pytest.param(list(x), [dict(layer)], None, id=f"sample-{kind}")
    for kind, (x, layer) in SAMPLES.items()
]


@pytest.mark.parametrize(("shape", "layers", "rejected_at"), CASES)
def test_core_matches_torch(shape: list[int], layers: list[L], rejected_at: int | None) -> None:
    require_torch()
    analysis, cpu = check_layers(shape, layers, devices=["cpu"])
    assert cpu.status is VerificationStatus.PASSED, cpu.mismatches
    if rejected_at is None:
        assert analysis is not None
        assert cpu.torch_error is None
        assert len(analysis.layers) == len(layers)
        _, meta = check_layers(shape, layers, devices=["meta"], batch_size=4096)
        assert meta.status is VerificationStatus.PASSED, meta.mismatches
    else:
        assert analysis is None
        with pytest.raises(LayerError) as rejected:
            analyze(shape, layers)
        assert rejected.value.index == rejected_at
        assert cpu.torch_error is not None
        assert cpu.torch_error.startswith(f"layer {rejected_at} ")


def test_every_kind_has_a_case_and_a_torch_class() -> None:
    torch = require_torch()
    covered: dict[str, tuple[list[int], L]] = {}
    for param in CASES:
        shape, layers, _ = param.values
        x = tuple(shape)
        for layer in layers:
            kind = TYPE_INDEX[layer["type"].lower()].__name__
            covered.setdefault(kind, (list(x), layer))
            (spec,) = LAYERS_ADAPTER.validate_python([layer])
            try:
                x = spec.infer(x).output
            except ValueError:
                break
    assert set(covered) == {kind.__name__ for kind in REGISTRY}
    for kind, (x_in, layer) in covered.items():
        (spec,) = LAYERS_ADAPTER.validate_python([layer])
        assert isinstance(getattr(torch.nn, spec.torch_name(tuple(x_in))), type), kind
        assert build_layer(torch, spec, tuple(x_in)) is not None


def test_a_wrong_torch_mapping_would_be_caught() -> None:
    """The comparison can fail: a stack that torch builds differently is reported."""
    require_torch()
    _, v = check_layers([3, 8, 8], [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}])
    assert v.status is VerificationStatus.PASSED
    analysis, _ = check_layers([3, 9, 8], [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}])
    assert analysis is not None
    specs = LAYERS_ADAPTER.validate_python(
        [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}]
    )
    from app.verify.torch_backend import verify_stack

    wrong = verify_stack([3, 8, 8], specs, analysis, max_elements=2**40, measure_rf=False)
    assert wrong.status is VerificationStatus.FAILED
    assert [(m.layer, m.field) for m in wrong.mismatches] == [(0, "output_shape"), (0, "macs")]


class DrawChooser:
    """``app.verify.stacks.Chooser`` over hypothesis's data, so that failures shrink."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(st.integers(low, high))


@settings(suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data(), first=st.sampled_from(KINDS), batch=st.integers(1, 3))
def test_random_stacks_agree_with_torch(data: st.DataObject, first: str, batch: int) -> None:
    """Random valid and invalid stacks over every kind: same numbers, same rejections."""
    require_torch()
    shape, layers = random_stack(DrawChooser(data), first_kind=first)
    analysis, verification = check_layers(shape, layers, batch_size=batch, max_elements=2**24)
    assert verification.status is VerificationStatus.PASSED, (shape, layers, verification)
    if analysis is not None:
        _, meta = check_layers(shape, layers, batch_size=batch, devices=["meta"])
        assert meta.status is VerificationStatus.PASSED, (shape, layers, meta)
