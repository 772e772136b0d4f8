"""analyze(): the course's LeNet-5 table, totals, receptive fields, limits and warnings."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core import LayerError, LimitError, Limits, StackError, analyze
from app.core.layers.conv import Conv

LENET5: list[dict[str, Any]] = [
    {"type": "conv2d", "out_channels": 20, "kernel_size": 5, "padding": 2, "stride": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    {"type": "conv2d", "out_channels": 50, "kernel_size": 5, "padding": 2, "stride": 1},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 500},
    {"type": "relu"},
    {"type": "linear", "out_features": 10},
]

# The course's LeNet-5 table (Couche / Taille Sortie / Taille Poids); linear weights are
# written there in x out, PyTorch stores out x in.
COURSE_TABLE = [
    ((20, 28, 28), (20, 1, 5, 5)),
    ((20, 28, 28), None),
    ((20, 14, 14), None),
    ((50, 14, 14), (50, 20, 5, 5)),
    ((50, 14, 14), None),
    ((50, 7, 7), None),
    ((2450,), None),
    ((500,), (500, 2450)),
    ((500,), None),
    ((10,), (10, 500)),
]


def test_lenet5_matches_the_course_table() -> None:
    a = analyze([1, 28, 28], LENET5)
    assert [(r.output_shape, r.weight_shape) for r in a.layers] == COURSE_TABLE
    assert a.total_params == 1_256_080
    assert a.trainable_params == a.total_params


def test_lenet5_totals_follow_the_conventions() -> None:
    a = analyze([1, 28, 28], LENET5, batch_size=3, dtype="float16")
    assert a.total_macs == 3 * (20 * 25 * 28 * 28 + 50 * 20 * 25 * 14 * 14 + 2450 * 500 + 5000)
    assert a.param_bytes == 2 * a.total_params
    assert a.activation_bytes == sum(r.output_bytes for r in a.layers)
    assert a.layers[0].output_bytes == 3 * 20 * 28 * 28 * 2
    assert sum(r.params for r in a.layers) == a.total_params


@pytest.mark.parametrize("depth", [1, 2, 3, 5, 8])
def test_course_receptive_field_formula(depth: int) -> None:
    # "Avec des filtres de taille K, après L couches, une sortie voit 1 + L × (K - 1) pixels."
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}
    ] * depth
    rf = analyze([1, 64, 64], layers).layers[-1].receptive_field
    assert rf.size == (1 + depth * 2,) * 2
    assert rf.jump == (1, 1)
    assert rf.padding == (float(depth),) * 2


def test_receptive_field_through_strides() -> None:
    rf = analyze([1, 28, 28], LENET5).layers[5].receptive_field
    # conv5 (5), pool2 (+1 -> 6, jump 2), conv5 (+8 -> 14), pool2 (+2 -> 16, jump 4)
    assert (rf.size, rf.jump, rf.start) == ((16, 16), (4, 4), (1.5, 1.5))
    assert analyze([1, 28, 28], LENET5).layers[6].receptive_field.global_


def test_receptive_field_exceeding_the_input_is_warned_once() -> None:
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1}
    ] * 4
    a = analyze([1, 6, 6], layers)
    codes = [(w.layer, w.code) for w in a.warnings]
    assert codes == [(2, "receptive_field_exceeds_input")]


def test_layers_as_models_or_dicts_agree() -> None:
    spec = Conv(type="conv2d", out_channels=4, kernel_size=3)
    as_model = analyze([1, 8, 8], [spec])
    as_dict = analyze([1, 8, 8], [{"type": "CONV2D", "C_out": 4, "k": 3}])
    assert as_model == as_dict


def test_unknown_type_and_field_are_validation_errors() -> None:
    with pytest.raises(ValidationError, match="unknown or missing layer type"):
        analyze([1, 8, 8], [{"type": "conv9d"}])
    with pytest.raises(ValidationError, match="kernal_size"):
        analyze([1, 8, 8], [{"type": "conv2d", "out_channels": 1, "kernal_size": 3}])
    with pytest.raises(ValidationError):
        analyze([1, 8, 8], [{"type": "conv2d", "out_channels": "3", "kernel_size": 3}])
    with pytest.raises(ValidationError):
        analyze([1, 8, 8], [{"type": "conv2d", "out_channels": True, "kernel_size": 3}])


def test_input_shape_checks() -> None:
    with pytest.raises(StackError, match="input_shape"):
        analyze([1, 2, 3, 4, 5], [])
    with pytest.raises(StackError, match="at least 1"):
        analyze([1, 0, 3], [])


def test_limits_name_the_field() -> None:
    tight = Limits(max_layers=2, max_value=100, max_dim=1000, max_elements=10_000)
    with pytest.raises(LimitError, match="3 layers is over the limit of 2"):
        analyze([1, 8, 8], [{"type": "relu"}] * 3, limits=tight)
    with pytest.raises(LimitError) as info:
        analyze([1, 8, 8], [{"type": "conv2d", "out_channels": 101, "K": 1}], limits=tight)
    assert info.value.loc == ("layers", 0, "out_channels")
    with pytest.raises(LimitError, match="input_shape"):
        analyze([1, 1001], [], limits=tight)
    with pytest.raises(LimitError, match="elements"):
        analyze([1, 16, 16], [{"type": "conv2d", "out_channels": 100, "K": 1}], limits=tight)


def test_error_names_layer_index_and_type() -> None:
    layers: list[dict[str, Any]] = [*LENET5[:6], {"type": "maxpool2d", "kernel_size": 9}]
    with pytest.raises(LayerError, match=r"^layer 6 \(maxpool2d\): kernel 9 is larger") as info:
        analyze([1, 28, 28], layers)
    assert (info.value.index, info.value.field) == (6, "kernel_size")


def test_huge_input_costs_nothing_special() -> None:
    a = analyze([3, 100_000, 100_000], [{"type": "conv2d", "out_channels": 8, "K": 3}])
    assert a.output_shape == (8, 99_998, 99_998)
    assert isinstance(a.total_macs, int)
    assert a.total_macs == 8 * 27 * 99_998 * 99_998


def test_a_remainder_of_padding_only_is_no_warning() -> None:
    # ResNet's stem: (224 + 2 × 3 - 7) / 2 = 111.5, floored to 111 + 1 = 112; the half step
    # left over falls in the padding, so no input pixel is lost.
    stem = analyze(
        [3, 224, 224],
        [{"type": "conv2d", "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3}],
    )
    assert stem.layers[0].output_shape == (64, 112, 112)
    assert [w.code for w in stem.warnings] == []
    # (8 - 3) / 2 = 2.5: three positions read columns 0–6, column 7 is never read.
    lossy = analyze(
        [1, 8, 8], [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}]
    )
    assert lossy.layers[0].output_shape == (1, 3, 3)
    assert [(w.code, w.params["unread"]) for w in lossy.warnings] == [
        ("unread_input", 1),
        ("unread_input", 1),
    ]


@pytest.mark.parametrize(
    ("shape", "layer", "code"),
    [
        (
            [1, 7, 7],
            {"type": "maxpool2d", "kernel_size": 2, "ceil_mode": True},
            "ceil_mode_partial_window",
        ),
        ([1, 7, 7], {"type": "adaptiveavgpool2d", "output_size": 3}, "uneven_adaptive_windows"),
        (
            [1, 7, 7],
            {"type": "conv2d", "out_channels": 1, "kernel_size": 2, "padding": "same"},
            "asymmetric_same_padding",
        ),
    ],
)
def test_every_warning_names_its_axis_as_the_course_does(
    shape: list[int], layer: dict[str, Any], code: str
) -> None:
    # H and W, as the unread-input warning says them, never the index 0 and 1.
    warnings = analyze(shape, [layer]).warnings
    assert [(w.code, w.params["axis"]) for w in warnings] == [(code, "H"), (code, "W")]
    assert [w.message.split(":")[0] for w in warnings] == ["axis H", "axis W"]


def test_a_one_dimensional_warning_names_the_length_axis() -> None:
    (warning,) = analyze(
        [1, 7], [{"type": "maxpool1d", "kernel_size": 2, "ceil_mode": True}]
    ).warnings
    assert warning.params["axis"] == "L"
    assert warning.message.startswith("axis L:")


@pytest.mark.parametrize(
    ("layers", "axis"),
    [
        # A concatenation along dim 3 (batch counted, as torch.cat) puts units side by side
        # along W; along dim 2, along H.
        (
            [{"type": "relu", "id": "a"}, {"type": "concat", "dim": 3, "inputs": ["a", "input"]}],
            "W",
        ),
        (
            [{"type": "relu", "id": "a"}, {"type": "concat", "dim": 2, "inputs": ["a", "input"]}],
            "H",
        ),
        # A height of 1 repeated along H by an addition.
        (
            [
                {"type": "adaptiveavgpool2d", "output_size": [1, 4], "id": "row"},
                {"type": "add", "inputs": ["input", "row"]},
            ],
            "H",
        ),
    ],
)
def test_a_merge_that_moves_units_names_the_axis_it_moves_them_along(
    layers: list[dict[str, Any]], axis: str
) -> None:
    (warning,) = [
        w for w in analyze([2, 4, 4], layers).warnings if w.code == "receptive_field_not_aligned"
    ]
    assert warning.params["axis"] == axis


def test_an_output_over_the_size_limit_names_its_axis() -> None:
    with pytest.raises(LimitError) as caught:
        analyze([1, 8, 8], [{"type": "upsample", "scale_factor": [1, 2**22]}])
    assert "on axis W" in str(caught.value)
