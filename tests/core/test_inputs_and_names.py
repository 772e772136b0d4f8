"""Inputs as people write them: the channels-last rule, text shapes, other libraries' names."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core import analyze
from app.core.inputs import (
    InputFormat,
    channels_first,
    channels_last_hint,
    input_warnings,
    read_shape,
)
from app.core.layers import LAYERS_ADAPTER, REGISTRY
from app.core.layers.base import REFUSED_INDEX
from app.core.layers.names import closest, edit_distance, foreign_type
from app.core.messages import CATALOGUES, placeholders


@pytest.mark.parametrize(
    ("shape", "suggested"),
    [
        ([32, 32, 3], [3, 32, 32]),
        ([224, 224, 3], [3, 224, 224]),
        ([28, 28, 1], [1, 28, 28]),
        ([480, 640, 3], [3, 480, 640]),
        ([64, 64, 4], [4, 64, 64]),
        ([16, 112, 112, 3], [3, 16, 112, 112]),
    ],
    ids=str,
)
def test_a_channels_last_shape_gets_the_channels_first_one(
    shape: list[int], suggested: list[int]
) -> None:
    assert channels_last_hint(shape) == suggested


@pytest.mark.parametrize(
    "shape",
    [
        [3, 32, 32],
        [1, 28, 28],
        [64, 56, 56],
        [3, 224, 224],
        [4, 4, 3],  # too small to be an image's height and width
        [100, 32, 3],  # 100 × 32 is no near-square image
        [32, 32, 2],  # 2 is no image's channel count
        [100, 3],  # a sequence is never guessed
        [784],
        [3, 16, 112, 112],
    ],
    ids=str,
)
def test_a_channels_first_or_ambiguous_shape_gets_no_hint(shape: list[int]) -> None:
    assert channels_last_hint(shape) is None
    assert input_warnings(shape) == []


def test_the_warning_carries_shape_and_suggestion_in_both_languages() -> None:
    (en,) = input_warnings([32, 32, 3])
    (fr,) = input_warnings([32, 32, 3], lang="fr")
    assert en.code == fr.code == "channels_last"
    assert en.layer is None
    assert en.params == fr.params == {"shape": [32, 32, 3], "suggested": [3, 32, 32]}
    assert "Did you mean 3×32×32?" in en.message
    assert "Vouliez-vous dire 3×32×32 ?" in fr.message
    assert input_warnings([32, 32, 3], "CHW") == []  # the layout is meant: no hint


@pytest.mark.parametrize(
    ("shape", "fmt", "first"),
    [
        ([32, 32, 3], "HWC", [3, 32, 32]),
        ([3, 32, 32], "CHW", [3, 32, 32]),
        ([100, 8], "LC", [8, 100]),
        ([16, 112, 112, 3], InputFormat.DHWC, [3, 16, 112, 112]),
        ([32, 32, 3], None, [32, 32, 3]),
    ],
    ids=str,
)
def test_channels_first(shape: list[int], fmt: str | None, first: list[int]) -> None:
    assert channels_first(shape, fmt) == first


def test_hwc_gives_the_numbers_of_the_chw_shape() -> None:
    layers = [{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]
    hwc = analyze(channels_first([32, 32, 3], "HWC"), layers)
    assert hwc.total_params == 10 * (3 * 25 + 1) == 760
    assert hwc == analyze([3, 32, 32], layers)
    # Read channels first, the same list is 32 channels: the 8,010 parameters.
    assert analyze([32, 32, 3], [{**layers[0], "kernel_size": 3, "padding": 1}]).total_params == (
        10 * (32 * 9 + 1)
    )


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("32 × 32 × 3", [32, 32, 3]),
        ("32x32x3", [32, 32, 3]),
        ("3 X 224 X 224", [3, 224, 224]),
        ("(3, 32, 32)", [3, 32, 32]),
        ("[1, 28, 28]", [1, 28, 28]),
        ("3 32 32", [3, 32, 32]),
        ("784", [784]),
    ],
)
def test_a_shape_as_text(text: str, sizes: list[int]) -> None:
    assert read_shape(text) == sizes


@pytest.mark.parametrize("text", ["", "32 by 32", "3x", "x3", "3.5x2", "1" * 200, "-3x4"])
def test_text_that_is_no_shape(text: str) -> None:
    assert read_shape(text) is None


def test_edit_distance_and_closest() -> None:
    assert edit_distance("flaten", "flatten", 3) == 1
    assert edit_distance("kernal_size", "kernel_size", 3) == 1
    assert edit_distance("abcdef", "uvwxyz", 2) == 3  # stops past the limit
    assert closest("conv2dd", ["conv1d", "conv2d", "conv3d"]) == "conv2d"
    assert closest("zzzz", ["conv2d", "linear"]) is None


@pytest.mark.parametrize(
    ("written", "tag"),
    [
        ("Dense", "linear"),
        ("InnerProduct", "linear"),
        ("Convolution", "conv"),
        ("MaxPooling2D", "maxpool2d"),
        ("max_pooling2d", "maxpool2d"),
        ("AveragePooling2D", "avgpool2d"),
        ("BatchNormalization", "batchnorm"),
        ("Conv2DTranspose", "convtranspose2d"),
        ("SpatialDropout2D", "dropout2d"),
        ("Deconvolution", "convtranspose"),
    ],
)
def test_other_libraries_layer_names(written: str, tag: str) -> None:
    assert foreign_type(written) == tag


def test_known_tags_and_refused_names_are_not_translated() -> None:
    assert foreign_type("conv2d") is None
    assert foreign_type("Pooling") is None
    assert foreign_type("GlobalAveragePooling2D") is None
    assert foreign_type(3) is None


def test_keras_lenet5_gives_the_classic_count() -> None:
    """Keras's LeNet-5 on 1×28×28, counted by hand: 61,706 parameters.

    conv 6 × (1·25 + 1) = 156; conv 16 × (6·25 + 1) = 2,416; dense 120 × (400 + 1) = 48,120;
    dense 84 × (120 + 1) = 10,164; dense 10 × (84 + 1) = 850.
    """
    layers: list[dict[str, Any]] = [
        {"type": "Conv2D", "filters": 6, "kernel_size": 5, "padding": "same", "use_bias": True},
        {"type": "ReLU"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Conv2D", "filters": 16, "kernel_size": [5, 5], "padding": "valid"},
        {"type": "AveragePooling2D", "pool_size": 2, "strides": 2},
        {"type": "Flatten"},
        {"type": "Dense", "units": 120},
        {"type": "Dropout", "rate": 0.5},
        {"type": "Dense", "units": 84},
        {"type": "Dense", "units": 10},
    ]
    analysis = analyze([1, 28, 28], layers)
    assert [r.params for r in analysis.layers if r.params] == [156, 2416, 48120, 10164, 850]
    assert analysis.total_params == 61706
    assert analysis.layers[4].output_shape == (16, 5, 5)


def test_caffe_names_read_as_pytorch() -> None:
    """Caffe on 1×8×8: conv 4 × (9 + 1) = 40, fc 10 × (4·8·8 + 1) = 2,570."""
    layers = [
        {"type": "Convolution", "num_output": 4, "kernel_size": 3, "pad": 1, "stride": 1},
        {"type": "ReLU"},
        {"type": "Flatten"},
        {"type": "Dropout", "dropout_ratio": 0.2},
        {"type": "InnerProduct", "num_output": 10, "bias_term": True},
    ]
    specs = LAYERS_ADAPTER.validate_python(layers)
    assert [s.kind for s in specs] == ["conv", "relu", "flatten", "dropout", "linear"]
    assert specs[3].model_dump()["p"] == 0.2
    analysis = analyze([1, 8, 8], specs)
    assert analysis.layers[0].output_shape == (4, 8, 8)
    assert [r.params for r in analysis.layers] == [40, 0, 0, 0, 2570]


def errors_of(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as caught:
        LAYERS_ADAPTER.validate_python(layers)
    return [dict(e) for e in caught.value.errors()]


@pytest.mark.parametrize(
    ("layer", "code", "near"),
    [
        ({"type": "Flaten"}, "layer_type_did_you_mean", "'flatten'"),
        (
            {"type": "Conv2dd", "out_channels": 2, "kernel_size": 3},
            "layer_type_did_you_mean",
            "'conv2d'",
        ),
        ({"type": "Dens", "out_features": 2}, "layer_type_did_you_mean", "'linear'"),
        ({"type": "GlobalAveragePooling2D"}, "foreign_global_pool", "adaptiveavgpool2d"),
        ({"type": "GlobalMaxPooling1D"}, "foreign_global_pool", "adaptivemaxpool1d"),
        ({"type": "Pooling", "pool": "MAX"}, "foreign_caffe_pooling", "maxpool2d"),
        ({"type": "SeparableConv2D", "filters": 8}, "foreign_separable", "conv2d"),
        ({"type": "UpSampling2D", "size": 2}, "foreign_upsampling", "scale_factor"),
        ({"type": "ZeroPadding2D", "padding": 1}, "foreign_zero_padding", "zeropad2d"),
    ],
    ids=lambda v: v if isinstance(v, str) else v["type"],
)
def test_a_type_gets_what_to_write(layer: dict[str, Any], code: str, near: str) -> None:
    (error,) = errors_of([layer])
    assert error["type"] == code
    assert error["loc"] == (0,)
    assert near in error["msg"]
    assert repr(layer["type"])[1:-1] in error["msg"]  # the name as written


def test_an_unknown_type_with_nothing_near_keeps_its_message() -> None:
    (error,) = errors_of([{"type": "frobnicate"}])
    assert error["type"] == "unknown_layer_type"


@pytest.mark.parametrize(
    ("layer", "field", "near"),
    [
        ({"type": "conv2d", "out_channels": 6, "kernal_size": 5}, "kernal_size", "kernel_size"),
        ({"type": "conv2d", "out_channel": 6, "kernel_size": 5}, "out_channel", "out_channels"),
        ({"type": "Conv2D", "filter": 6, "kernel_size": 5}, "filter", "out_channels"),
        ({"type": "linear", "out_feature": 6}, "out_feature", "out_features"),
        ({"type": "maxpool2d", "kernel_sizes": 2}, "kernel_sizes", "kernel_size"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_misspelt_field_gets_the_pytorch_name(
    layer: dict[str, Any], field: str, near: str
) -> None:
    (error,) = errors_of([layer])  # the "field required" of the field meant is dropped
    assert error["type"] == "field_did_you_mean"
    assert error["loc"][-1] == field
    assert error["ctx"]["near"] == near
    assert f"did you mean '{near}'?" in error["msg"]


@pytest.mark.parametrize(
    ("layer", "field", "code"),
    [
        ({"type": "Dense", "units": 3, "activation": "relu"}, "activation", "foreign_activation"),
        (
            {"type": "Conv2D", "filters": 3, "kernel_size": 3, "activation": "relu"},
            "activation",
            "foreign_activation",
        ),
        ({"type": "flatten", "input_shape": [28, 28]}, "input_shape", "foreign_input_shape"),
        ({"type": "Flatten", "data_format": "channels_last"}, "data_format", "foreign_data_format"),
        ({"type": "relu", "name": "act1"}, "name", "foreign_name"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_keras_field_is_refused_with_what_to_write(
    layer: dict[str, Any], field: str, code: str
) -> None:
    (error,) = errors_of([layer])
    assert error["type"] == code
    assert error["loc"][-1] == field


def test_errors_in_blocks_and_later_layers_get_suggestions_too() -> None:
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
        {"type": "sequential", "layers": [{"type": "Flaten"}]},
        {"type": "linear", "out_feature": 3},
    ]
    errors = {e["loc"]: e["type"] for e in errors_of(layers)}
    assert errors == {
        (1, "sequential", "layers", 0): "layer_type_did_you_mean",
        (2, "linear", "out_feature"): "field_did_you_mean",
    }


def test_every_refusal_reads_in_both_languages() -> None:
    refusals = list(REFUSED_INDEX.values())
    refusals += [r for kind in REGISTRY for r in kind.refused_fields.values()]
    for refusal in refusals:
        for lang in ("en", "fr"):
            template = CATALOGUES[lang][f"pydantic.{refusal.code}"]
            assert placeholders(template) <= {"given", *refusal.params}, refusal


@pytest.mark.parametrize("tag", ["conv9d", "maxpool4d", "lea\u212ayrelu"])
def test_no_suggestion_for_a_missing_dimension_or_a_non_ascii_name(tag: str) -> None:
    (error,) = errors_of([{"type": tag}])
    assert error["type"] == "unknown_layer_type"
