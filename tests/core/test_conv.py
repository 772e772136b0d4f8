"""Convolutions: the course's worked examples and PyTorch's documented rules and rejections."""

from __future__ import annotations

from typing import Any

import pytest

from app.core import LayerError, LayerReport, analyze


def one(input_shape: list[int], layer: dict[str, Any]) -> LayerReport:
    return analyze(input_shape, [layer]).layers[0]


def test_course_32x32_ten_5x5_filters() -> None:
    # "10 filtres 5×5 avec une stride de 1 et un padding de 2" on 3×32×32: 10×32×32, 760.
    r = one([3, 32, 32], {"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2})
    assert r.output_shape == (10, 32, 32)
    assert r.weight_shape == (10, 3, 5, 5)
    assert r.bias_shape == (10,)
    assert r.params == 760


@pytest.mark.parametrize(
    ("stride", "expected"), [(1, (1, 5, 5)), (2, (1, 3, 3))], ids=["stride1", "stride2"]
)
def test_course_7x7_with_3x3(stride: int, expected: tuple[int, ...]) -> None:
    r = one([1, 7, 7], {"type": "conv", "C_out": 1, "K": 3, "S": stride})
    assert r.output_shape == expected


def test_course_chain_6_then_10_filters() -> None:
    a = analyze(
        [3, 32, 32],
        [
            {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": 10, "kernel_size": 3},
        ],
    )
    assert a.layers[0].output_shape == (6, 28, 28)
    assert a.layers[2].weight_shape == (10, 6, 3, 3)
    assert a.layers[2].output_shape == (10, 26, 26)


def test_floor_division_and_unread_rows_warning() -> None:
    # (8 - 3 + 0) / 2 + 1 = 3.5 -> 3; windows start at 0, 2, 4 and read up to row 6: row 7 unread.
    r = one([1, 8, 8], {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2})
    assert r.output_shape == (1, 3, 3)
    codes = [w.code for w in r.warnings]
    assert codes == ["unread_input", "unread_input"]
    assert r.warnings[0].params["unread"] == 1


def test_strict_mode_rejects_inexact_division() -> None:
    with pytest.raises(LayerError, match=r"layer 0 \(conv2d\): axis H: the stride 2") as info:
        analyze(
            [1, 8, 8],
            [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}],
            strict=True,
        )
    assert info.value.field == "stride"
    assert info.value.axis == 0


def test_non_square_kernel_per_axis_stride_and_dilation() -> None:
    r = one(
        [4, 17, 23],
        {
            "type": "conv2d",
            "out_channels": 8,
            "kernel_size": [3, 5],
            "stride": [2, 1],
            "dilation": [1, 2],
            "padding": [1, 0],
        },
    )
    # H: (17 + 2 - 3) // 2 + 1 = 9; W: (23 - 2*4 - 1) // 1 + 1 = 15
    assert r.output_shape == (8, 9, 15)
    assert r.weight_shape == (8, 4, 3, 5)
    assert r.receptive_field.size == (3, 9)


def test_groups_divide_channels() -> None:
    r = one([32, 8, 8], {"type": "conv2d", "out_channels": 64, "kernel_size": 3, "groups": 32})
    assert r.weight_shape == (64, 1, 3, 3)
    assert r.params == 64 * 9 + 64
    with pytest.raises(LayerError, match="in_channels must be divisible by groups") as info:
        one([30, 8, 8], {"type": "conv2d", "out_channels": 64, "kernel_size": 3, "groups": 4})
    assert info.value.field == "groups"
    with pytest.raises(LayerError, match="out_channels must be divisible by groups"):
        one([32, 8, 8], {"type": "conv2d", "out_channels": 30, "kernel_size": 3, "groups": 4})


def test_same_padding_even_kernel_is_asymmetric() -> None:
    r = one([1, 10], {"type": "conv1d", "out_channels": 1, "kernel_size": 4, "padding": "same"})
    assert r.output_shape == (1, 10)
    # total padding 3: 1 before, 2 after; the first unit's centre is at (4-1)/2 - 1 = 0.5
    assert r.receptive_field.start == (0.5,)
    assert [w.code for w in r.warnings] == ["asymmetric_same_padding"]


def test_same_padding_refuses_stride() -> None:
    with pytest.raises(LayerError, match="padding='same' is not supported for strided") as info:
        one([1, 10, 10], {"type": "conv2d", "out_channels": 1, "K": 3, "S": 2, "P": "same"})
    assert info.value.field == "padding"


def test_kernel_larger_than_padded_input() -> None:
    with pytest.raises(LayerError, match="kernel 5 is larger than the padded input 4") as info:
        one([1, 4, 4], {"type": "conv2d", "out_channels": 1, "kernel_size": 5})
    assert info.value.index == 0
    assert info.value.field == "kernel_size"


@pytest.mark.parametrize(
    ("mode", "padding", "ok"),
    [
        ("reflect", 2, True),
        ("reflect", 3, False),
        ("circular", 3, True),
        ("circular", 4, False),
        ("replicate", 5, True),
    ],
    ids=lambda v: str(v),
)
def test_padding_modes_bounds(mode: str, padding: int, ok: bool) -> None:
    layer = {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": padding}
    layer["padding_mode"] = mode
    if ok:
        assert one([1, 3, 3], layer).output_shape[1] == 3 + 2 * padding - 2
    else:
        with pytest.raises(LayerError, match="padding"):
            one([1, 3, 3], layer)


def test_in_channels_given_must_match() -> None:
    with pytest.raises(LayerError, match="in_channels is 3 but the incoming tensor has 1"):
        one([1, 8, 8], {"type": "conv2d", "in_channels": 3, "out_channels": 4, "kernel_size": 3})


def test_conv3d_video() -> None:
    r = one([3, 16, 112, 112], {"type": "conv3d", "out_channels": 64, "kernel_size": 3, "P": 1})
    assert r.output_shape == (64, 16, 112, 112)
    assert r.weight_shape == (64, 3, 3, 3, 3)
    assert r.macs == 64 * 3 * 27 * 16 * 112 * 112


def test_conv_rank_mismatch() -> None:
    with pytest.raises(LayerError, match="conv2d expects a C×H×W input"):
        one([3, 32], {"type": "conv2d", "out_channels": 4, "kernel_size": 3})


def test_transposed_convolution() -> None:
    r = one(
        [16, 7, 7],
        {
            "type": "convtranspose2d",
            "out_channels": 8,
            "kernel_size": 3,
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
    )
    # (7 - 1) * 2 - 2 + 3 + 1 = 14
    assert r.output_shape == (8, 14, 14)
    assert r.weight_shape == (16, 8, 3, 3)
    assert r.params == 16 * 8 * 9 + 8
    assert r.macs == 7 * 7 * 16 * 8 * 9
    assert r.receptive_field.jump == (0.5, 0.5)


def test_transposed_output_padding_must_be_below_stride_or_dilation() -> None:
    with pytest.raises(LayerError, match="output padding must be smaller") as info:
        one([1, 5], {"type": "convtranspose1d", "out_channels": 1, "K": 3, "output_padding": 1})
    assert info.value.field == "output_padding"
