"""How a list of layer dicts is read: any case of ``type``, and one clear error per bad field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from app.core import analyze
from app.core.layers import LAYERS_ADAPTER
from app.core.layers.conv import Conv

CONV: dict[str, Any] = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}


def errors_of(layers: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        LAYERS_ADAPTER.validate_python(layers)
    return [{k: e[k] for k in ("loc", "type", "msg")} for e in info.value.errors()]


@pytest.mark.parametrize(
    ("tag", "kind"),
    [
        ("Conv2d", "conv2d"),
        ("CONV2D", "conv2d"),
        ("MaxPool2d", "maxpool2d"),
        ("ReLU", "relu"),
        ("BatchNorm2d", "batchnorm2d"),
        ("AdaptiveAvgPool2d", "adaptiveavgpool2d"),
        ("Conv", "conv"),
    ],
)
def test_type_is_matched_in_any_case(tag: str, kind: str) -> None:
    fields = {
        "conv2d": {"out_channels": 4, "kernel_size": 3},
        "conv": {"out_channels": 4, "kernel_size": 3},
        "maxpool2d": {"kernel_size": 2},
        "adaptiveavgpool2d": {"output_size": 1},
    }.get(kind, {})
    layer = {"type": tag, **fields}
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    assert spec.kind == kind
    assert layer["type"] == tag  # the caller's dict is left as it was


def test_mixed_case_stack_gives_the_same_specs_as_lower_case() -> None:
    lower: list[dict[str, Any]] = [
        {"type": "conv2d", "C_out": 6, "K": 5, "P": 2},
        {"type": "relu"},
        {"type": "maxpool2d", "K": 2, "S": 2},
        {"type": "flatten"},
        {"type": "linear", "out_features": 10},
    ]
    mixed = [{**layer, "type": layer["type"].upper()} for layer in lower]
    assert LAYERS_ADAPTER.validate_python(mixed) == LAYERS_ADAPTER.validate_python(lower)
    assert analyze([1, 28, 28], mixed) == analyze([1, 28, 28], lower)


def test_a_tuple_a_generator_and_specs_are_read_too() -> None:
    layers = ({"type": "ReLU"}, {"type": "Flatten"})
    assert [s.kind for s in LAYERS_ADAPTER.validate_python(layers)] == ["relu", "flatten"]
    assert [s.kind for s in LAYERS_ADAPTER.validate_python(x for x in layers)] == [
        "relu",
        "flatten",
    ]
    spec = Conv(type="conv2d", out_channels=4, kernel_size=3)
    assert LAYERS_ADAPTER.validate_python([spec, {"type": "RELU"}])[0] is spec


def test_a_bad_field_in_a_mixed_case_stack_is_the_only_error() -> None:
    layers = [{"type": "Conv2d", "out_channels": 4, "kernel_size": 3}, {**CONV, "type": "CONV2D"}]
    layers[1]["stride"] = 0
    assert errors_of(layers) == [
        {
            "loc": (1, "conv2d", "stride", "int"),
            "type": "greater_than_equal",
            "msg": "Input should be greater than or equal to 1",
        }
    ]


@pytest.mark.parametrize("layer", [{"type": "conv9d"}, {"kernel_size": 3}, {"type": 3}])
def test_unknown_or_missing_type(layer: dict[str, Any]) -> None:
    (error,) = errors_of([{"type": "relu"}, layer])
    assert error["loc"] == (1,)
    assert error["type"] == "unknown_layer_type"
    assert "conv2d" in error["msg"]
    assert "GET /v1/layers" not in error["msg"]


@pytest.mark.parametrize("layer", ["conv2d", 3, None, [CONV]])
def test_a_layer_that_is_not_an_object(layer: Any) -> None:
    (error,) = errors_of([layer])
    assert error["loc"] == (0,)
    assert error["type"] == "model_attributes_type"


INT_OR_LIST = "Input should be a valid integer, or a list of one per spatial axis"


@pytest.mark.parametrize(
    ("value", "loc", "kind", "msg"),
    [
        (0, ("int",), "greater_than_equal", "Input should be greater than or equal to 1"),
        (-1, ("int",), "greater_than_equal", "Input should be greater than or equal to 1"),
        ("3", ("int",), "int_type", INT_OR_LIST),
        (2.5, ("int",), "int_type", INT_OR_LIST),
        (3.0, ("int",), "int_type", INT_OR_LIST),
        (True, ("int",), "int_type", INT_OR_LIST),
        (None, ("int",), "int_type", INT_OR_LIST),
        ({}, ("int",), "int_type", INT_OR_LIST),
        ({3}, ("int",), "int_type", INT_OR_LIST),
        ([3, 0], ("tuple", 1), "greater_than_equal", "Input should be greater than or equal to 1"),
        ([3, "x"], ("tuple", 1), "int_type", "Input should be a valid integer"),
        ([3.0, 3], ("tuple", 0), "int_type", "Input should be a valid integer"),
        ([True, 3], ("tuple", 0), "int_type", "Input should be a valid integer"),
        ([[3]], ("tuple", 0), "int_type", "Input should be a valid integer"),
    ],
    ids=repr,
)
def test_a_wrong_per_axis_value_gets_one_error(
    value: Any, loc: tuple[Any, ...], kind: str, msg: str
) -> None:
    assert errors_of([{"type": "relu"}, {**CONV, "kernel_size": value}]) == [
        {"loc": (1, "conv2d", "kernel_size", *loc), "type": kind, "msg": msg}
    ]


@pytest.mark.parametrize(
    ("value", "kind", "msg"),
    [
        ("full", "literal_error", "Input should be 'same' or 'valid'"),
        ("SAME", "literal_error", "Input should be 'same' or 'valid'"),
        (-1, "greater_than_equal", "Input should be greater than or equal to 0"),
        (
            1.5,
            "int_type",
            "Input should be a valid integer, a list of one per spatial axis, or 'same' or 'valid'",
        ),
    ],
)
def test_a_wrong_padding_gets_one_error(value: Any, kind: str, msg: str) -> None:
    (error,) = errors_of([{**CONV, "padding": value}])
    assert error["loc"][:3] == (0, "conv2d", "padding")
    assert (error["type"], error["msg"]) == (kind, msg)


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("kernel_size", 3, 3),
        ("kernel_size", [3, 5], (3, 5)),
        ("kernel_size", (3, 5), (3, 5)),
        ("kernel_size", [], ()),
        ("padding", "same", "same"),
        ("padding", "valid", "valid"),
        ("padding", [1, 0], (1, 0)),
        ("stride", [2], (2,)),
    ],
)
def test_per_axis_values_that_are_accepted(field: str, value: Any, expected: Any) -> None:
    (spec,) = LAYERS_ADAPTER.validate_python([{**CONV, field: value}])
    assert getattr(spec, field) == expected


def test_several_bad_fields_are_each_named_once() -> None:
    layers = [
        {**CONV, "kernel_size": [3, 0], "stride": "2"},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 0},
        {"type": "adaptiveavgpool2d", "output_size": [7, 0]},
    ]
    assert [e["loc"] for e in errors_of(layers)] == [
        (0, "conv2d", "kernel_size", "tuple", 1),
        (0, "conv2d", "stride", "int"),
        (1, "maxpool2d", "stride", "int"),
        (2, "adaptiveavgpool2d", "output_size", "tuple", 1),
    ]


def test_adaptive_output_size_takes_none_per_axis() -> None:
    (spec,) = LAYERS_ADAPTER.validate_python(
        [{"type": "adaptiveavgpool2d", "output_size": [7, None]}]
    )
    assert getattr(spec, "output_size") == (7, None)  # noqa: B009


@pytest.mark.parametrize("first", ["relu", "ReLU"])
def test_a_stack_mixing_styles_is_read_whatever_its_first_type(first: str) -> None:
    layers = [{"type": first}, {**CONV, "type": "Conv2d"}, {"type": "flatten"}, {"type": "LINEAR"}]
    layers[3]["out_features"] = 10
    kinds = [spec.kind for spec in LAYERS_ADAPTER.validate_python(layers)]
    assert kinds == ["relu", "conv2d", "flatten", "linear"]
    layers[1]["kernel_size"] = [3, 0]
    assert [e["loc"] for e in errors_of(layers)] == [(1, "conv2d", "kernel_size", "tuple", 1)]


@pytest.mark.parametrize("tag", ["lea\u212ayrelu", "LEA\u212aYRELU", "Lea\u212ayReLU"])
def test_a_type_with_the_kelvin_sign_is_unknown(tag: str) -> None:
    with pytest.raises(ValidationError) as caught:
        LAYERS_ADAPTER.validate_python([{"type": tag}])
    assert caught.value.errors()[0]["type"] == "unknown_layer_type"
