"""InstanceNorm1d/2d/3d and LocalResponseNorm against torch, run on the spot.

Counts come from the torch modules' own ``parameters()`` and ``buffers()``, refusals from
torch raising (its message quoted by cnncalc), warnings from torch warning, and the layers
read from ``str(nn.Sequential(m))`` and from the course's notation build the same module.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import pytest

from app.core import LayerError, analyze
from app.core.layers import LAYERS_ADAPTER
from app.core.notation import parse_stack
from app.verify import VerificationStatus
from app.verify.budget import CALL_WORK, cpu_work
from app.verify.torch_backend import build_layer, check_layers
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

L = dict[str, Any]


def torch_counts(
    module: Any,
) -> tuple[int, int, tuple[int, ...] | None, tuple[int, ...] | None]:
    """Parameters, buffers, weight and bias shapes as torch holds them."""
    weight = getattr(module, "weight", None)
    bias = getattr(module, "bias", None)
    return (
        sum(p.numel() for p in module.parameters()),
        sum(b.numel() for b in module.buffers()),
        None if weight is None else tuple(weight.shape),
        None if bias is None else tuple(bias.shape),
    )


def run(torch: Any, module: Any, shape: list[int], *, train: bool = False) -> tuple[Any, list[str]]:
    """``module`` on a batch of zeros (batch included in ``shape``): output and warnings."""
    module.train(train)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        y = module(torch.zeros(shape))
    return y, [str(w.message) for w in caught]


def refusal(torch: Any, module: Any, shape: list[int], *, train: bool = False) -> str:
    """torch's message when it refuses ``module`` on ``shape``, whitespace collapsed."""
    with pytest.raises((ValueError, RuntimeError)) as refused:
        run(torch, module, shape, train=train)
    return " ".join(str(refused.value).split())


INSTANCE_CASES = [
    pytest.param("instancenorm1d", [4, 9], {}, id="1d-defaults"),
    pytest.param("instancenorm1d", [4, 9], {"affine": True}, id="1d-affine"),
    pytest.param("instancenorm2d", [64, 8, 8], {"affine": True}, id="2d-affine"),
    pytest.param("instancenorm2d", [3, 5, 7], {"track_running_stats": True}, id="2d-stats"),
    pytest.param(
        "instancenorm3d",
        [5, 2, 3, 4],
        {"affine": True, "track_running_stats": True, "momentum": None},
        id="3d-both",
    ),
]


@pytest.mark.parametrize(("tag", "shape", "fields"), INSTANCE_CASES)
def test_instancenorm_counts_are_torchs(tag: str, shape: list[int], fields: L) -> None:
    torch = require_torch()
    d = int(tag[-2])
    module = getattr(torch.nn, f"InstanceNorm{d}d")(shape[0], **fields)
    params, buffers, weight, bias = torch_counts(module)
    y, caught = run(torch, module.eval(), [2, *shape])
    report = analyze(shape, [{"type": tag, **fields}]).layers[0]
    assert (report.params, report.buffers) == (params, buffers)
    assert (report.weight_shape, report.bias_shape) == (weight, bias)
    assert report.output_shape == tuple(y.shape[1:])
    assert report.macs == 0
    assert caught == []


def test_instancenorm_buffers_count_num_batches_tracked_as_batchnorm_does() -> None:
    torch = require_torch()
    module = torch.nn.InstanceNorm2d(64, track_running_stats=True)
    assert {name: b.numel() for name, b in module.named_buffers()} == {
        "running_mean": 64,
        "running_var": 64,
        "num_batches_tracked": 1,
    }
    instance = analyze([64, 4, 4], [{"type": "instancenorm2d", "track_running_stats": True}])
    batch = analyze([64, 4, 4], [{"type": "batchnorm2d", "affine": False}])
    assert instance.total_buffers == batch.total_buffers == 129


@pytest.mark.parametrize("size", [1, 2, 5, 9])
@pytest.mark.parametrize("shape", [[6, 7], [6, 4, 5], [3, 2, 3, 4]], ids=str)
def test_local_response_norm_keeps_the_shape_with_nothing_learned(
    size: int, shape: list[int]
) -> None:
    torch = require_torch()
    module = torch.nn.LocalResponseNorm(size, alpha=0.0001, beta=0.75, k=2)
    y, _ = run(torch, module, [2, *shape])
    assert torch_counts(module) == (0, 0, None, None)
    report = analyze(shape, [{"type": "localresponsenorm", "size": size, "k": 2}]).layers[0]
    assert list(report.output_shape) == list(y.shape[1:]) == shape
    assert (report.params, report.buffers, report.macs) == (0, 0, 0)


def test_local_response_norm_mixes_channels_at_one_position_only() -> None:
    torch = require_torch()
    module = torch.nn.LocalResponseNorm(3).double()
    x = torch.rand((1, 5, 6, 6), dtype=torch.float64, requires_grad=True)
    module(x)[0, 2, 3, 4].backward()
    touched = x.grad[0].abs().sum(dim=0).nonzero().tolist()
    assert touched == [[3, 4]]  # one position of the input, whatever the channels
    channels = x.grad[0, :, 3, 4].nonzero().flatten().tolist()
    assert channels == [1, 2, 3]  # n = 3: one channel before, one after
    report = analyze([5, 6, 6], [{"type": "localresponsenorm", "size": 3}]).layers[0]
    assert report.receptive_field.size == (1, 1)


# --- what torch refuses, cnncalc refuses with torch's words -------------------------------


REFUSALS = [
    pytest.param(
        [5, 4, 4],
        {"type": "instancenorm2d", "num_features": 3, "affine": True},
        "expected input's size at dim=1 to match num_features (3), but got: 5.",
        "num_features",
        id="num-features-with-affine",
    ),
    pytest.param(
        [5, 6],
        {"type": "instancenorm1d", "num_features": 3, "track_running_stats": True},
        "running_mean should contain 5 elements not 3",
        "num_features",
        id="num-features-with-running-stats",
    ),
    pytest.param(
        [3, 1, 1],
        {"type": "instancenorm2d"},
        "Expected more than 1 spatial element when training",
        None,
        id="one-spatial-element-in-eval-too",
    ),
    pytest.param(
        [4, 1],
        {"type": "instancenorm1d", "affine": True},
        "Expected more than 1 spatial element when training",
        None,
        id="one-position",
    ),
    pytest.param(
        [3, 8, 8],
        {"type": "instancenorm1d"},
        "expected 2D or 3D input (got 4D input)",
        None,
        id="1d-on-an-image",
    ),
    pytest.param(
        [2, 3, 4, 5],
        {"type": "instancenorm2d"},
        "expected 3D or 4D input (got 5D input)",
        None,
        id="2d-on-a-volume",
    ),
    pytest.param(
        [6],
        {"type": "localresponsenorm", "size": 3},
        "Expected 3D or higher dimensionality input (got 2 dimensions)",
        None,
        id="lrn-on-a-vector",
    ),
]


@pytest.mark.parametrize(("shape", "layer", "words", "field"), REFUSALS)
def test_what_torch_refuses_is_refused_in_its_words(
    shape: list[int], layer: L, words: str, field: str | None
) -> None:
    torch = require_torch()
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    module = build_layer(torch, spec, tuple(shape))
    assert words in refusal(torch, module, [1, *shape])
    with pytest.raises(LayerError) as refused:
        analyze(shape, [layer])
    assert words in refused.value.message
    assert refused.value.field == field
    _, verification = check_layers(shape, [layer], devices=["cpu"])
    assert verification.status is VerificationStatus.PASSED, verification.mismatches


def test_a_sequence_without_its_channels_is_read_by_torch_as_one_unbatched_sample() -> None:
    # A batch of two 6-vectors is a 2-D tensor, which InstanceNorm1d takes as one unbatched
    # sample of 2 channels: with affine it says so; cnncalc refuses the rank itself.
    torch = require_torch()
    message = refusal(torch, torch.nn.InstanceNorm1d(6, affine=True), [2, 6])
    assert message == "expected input's size at dim=0 to match num_features (6), but got: 2."
    with pytest.raises(LayerError, match="read it as one unbatched sample") as refused:
        analyze([6], [{"type": "instancenorm1d"}])
    assert refused.value.code == "wrong_rank"


def test_a_wrong_num_features_without_affine_is_only_warned_of_as_torch_does() -> None:
    torch = require_torch()
    y, caught = run(torch, torch.nn.InstanceNorm3d(7), [2, 2, 3, 4, 5])
    assert tuple(y.shape) == (2, 2, 3, 4, 5)
    assert len(caught) == 1
    assert caught[0].startswith("input's size at dim=1 does not match num_features.")
    a = analyze([2, 3, 4, 5], [{"type": "instancenorm3d", "num_features": 7}])
    assert a.output_shape == (2, 3, 4, 5)
    (warning,) = a.warnings
    assert warning.code == "num_features_unused"
    assert warning.params == {"given": 7, "actual": 2}
    assert analyze([2, 3, 4, 5], [{"type": "instancenorm3d", "num_features": 2}]).warnings == []


def test_one_spatial_element_with_running_stats_fails_only_in_training() -> None:
    torch = require_torch()
    module = torch.nn.InstanceNorm2d(3, track_running_stats=True)
    y, _ = run(torch, module, [2, 3, 1, 1])
    assert tuple(y.shape) == (2, 3, 1, 1)
    words = "Expected more than 1 spatial element when training"
    assert words in refusal(torch, module, [2, 3, 1, 1], train=True)
    layer = {"type": "instancenorm2d", "track_running_stats": True}
    (warning,) = analyze([3, 1, 1], [layer]).warnings
    assert warning.code == "single_spatial_element"
    assert words in warning.message


# --- read from the printout and the course's notation ---------------------------------------


PRINTED = [
    pytest.param(
        "InstanceNorm1d(4)",
        lambda nn: nn.InstanceNorm1d(4),
        [4, 9],
        {"type": "instancenorm1d", "num_features": 4, "eps": 1e-5, "momentum": 0.1},
        id="1d",
    ),
    pytest.param(
        "InstanceNorm2d(64, affine=True)",
        lambda nn: nn.InstanceNorm2d(64, affine=True),
        [64, 8, 8],
        {"type": "instancenorm2d", "num_features": 64, "affine": True},
        id="2d-affine",
    ),
    pytest.param(
        "InstanceNorm3d(3, eps=0.001, momentum=None, track_running_stats=True)",
        lambda nn: nn.InstanceNorm3d(3, eps=0.001, momentum=None, track_running_stats=True),
        [3, 2, 3, 4],
        {
            "type": "instancenorm3d",
            "num_features": 3,
            "eps": 0.001,
            "momentum": None,
            "track_running_stats": True,
        },
        id="3d-stats",
    ),
    pytest.param(
        "LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=2)",
        lambda nn: nn.LocalResponseNorm(5, alpha=0.0001, beta=0.75, k=2),
        [96, 55, 55],
        {"type": "localresponsenorm", "size": 5, "k": 2.0},
        id="lrn-alexnet",
    ),
    pytest.param(
        "LocalResponseNorm(3)",
        lambda nn: nn.LocalResponseNorm(3),
        [6, 7],
        {"type": "localresponsenorm", "size": 3},
        id="lrn-defaults",
    ),
]


def settings(module: Any) -> dict[str, Any]:
    """A module's constructor settings (``size``, ``eps``, ``affine``, …) as torch keeps them."""
    return {k: v for k, v in vars(module).items() if not k.startswith("_") and k != "training"}


def same_layer(text: str, expected: L) -> Any:
    """The one layer ``text`` reads as, checked equal to the layer ``expected`` describes."""
    (layer,) = parse_stack(text)
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    (want,) = LAYERS_ADAPTER.validate_python([expected])
    assert spec == want
    return spec


@pytest.mark.parametrize(("call", "make", "shape", "expected"), PRINTED)
def test_the_printout_and_the_course_notation_read_back_as_the_torch_module(
    call: str, make: Callable[[Any], Any], shape: list[int], expected: L
) -> None:
    torch = require_torch()
    module = make(torch.nn)  # what the course writes as ``call``
    printed = str(torch.nn.Sequential(module))
    from_printout = same_layer(printed, expected)
    from_course = same_layer(call, expected)
    for spec in (from_printout, from_course):
        built = build_layer(torch, spec, tuple(shape))
        assert type(built) is type(module)
        assert settings(built) == settings(module)  # k=2.0 where the printout says k=2
    # The course's notation cnncalc writes reads back as the same layer too.
    same_layer(from_printout.course_layer(tuple(shape)), expected)


def test_the_course_notation_writes_the_first_argument_as_the_course_does() -> None:
    (instance, lrn) = LAYERS_ADAPTER.validate_python(
        [
            {"type": "instancenorm2d", "num_features": 64, "affine": True},
            {"type": "localresponsenorm", "size": 5, "alpha": 0.0001, "beta": 0.75, "k": 2},
        ]
    )
    assert instance.course_layer((64, 8, 8)) == "InstanceNorm2d(64, affine=True)"
    assert lrn.course_layer((96, 55, 55)) == "LocalResponseNorm(5, k=2.0)"


def test_a_printed_bias_other_than_affine_is_refused() -> None:
    with pytest.raises(ValueError, match="bias=True and affine=False is not supported"):
        parse_stack("InstanceNorm2d(3, affine=False, bias=True)")


# --- the torch check -----------------------------------------------------------------------


def test_the_torch_check_compares_every_field_and_measures_the_fields() -> None:
    require_torch()
    layers: list[L] = [
        {"type": "conv2d", "out_channels": 6, "kernel_size": 3},
        {"type": "localresponsenorm", "size": 5, "k": 2.0},
        {"type": "instancenorm2d", "affine": True, "track_running_stats": True},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2},
    ]
    analysis, verification = check_layers([3, 11, 11], layers, measure_rf=True)
    assert analysis is not None
    assert verification.status is VerificationStatus.PASSED, verification.mismatches
    assert {"output_shape", "params", "buffers", "macs"} <= set(verification.compared)
    assert verification.receptive_field is not None
    measured = {r["layer"]: r for r in verification.receptive_field}
    for layer in (1, 2):  # kept where the convolution left them: 3×3, start 1
        assert measured[layer]["status"] == "measured"
        assert measured[layer]["measured"]["size"] == [3, 3]
        assert measured[layer]["measured"]["start"] == [1, 1]
    assert measured[3]["measured"]["size"] == [5, 5]


def test_the_cpu_rerun_counts_the_channels_a_local_response_norm_reads() -> None:
    # torch pads the channels by size - 1 and averages size of them per output value.
    specs = LAYERS_ADAPTER.validate_python([{"type": "localresponsenorm", "size": 2**20}])
    expected = 16 + 16 + 16 * (1 + 2**20) + CALL_WORK
    assert cpu_work([1, 4, 4], specs, [[1, 4, 4]], 1) == expected


def test_a_huge_local_response_norm_is_checked_on_the_meta_device_only() -> None:
    require_torch()
    layer = {"type": "localresponsenorm", "size": 2**24}
    _, verification = check_layers([1, 64, 64], [layer])
    assert verification.status is VerificationStatus.PASSED, verification.mismatches
    assert verification.reason is not None
    assert re.match(
        r"checked on the meta device only: the CPU rerun would cost", verification.reason
    )
