"""Pooling: the floor and ceil_mode rules, padding bounds, adaptive windows."""

from __future__ import annotations

import math
from typing import Any

import pytest

from app.core import LayerError, LayerReport, analyze
from app.core.shapes import adaptive_max_window, pool_out


def one(input_shape: list[int], layer: dict[str, Any]) -> LayerReport:
    return analyze(input_shape, [layer]).layers[0]


def test_course_max_pool_2x2_stride_2() -> None:
    r = one([20, 28, 28], {"type": "maxpool2d", "kernel_size": 2, "stride": 2})
    assert r.output_shape == (20, 14, 14)
    assert r.params == 0
    assert r.weight_shape is None


def test_stride_defaults_to_kernel() -> None:
    assert one([3, 9, 9], {"type": "maxpool", "K": 3}).output_shape == (3, 3, 3)


@pytest.mark.parametrize(
    ("n", "k", "s", "p", "ceil", "expected"),
    [
        (5, 2, 2, 0, False, 2),
        (5, 2, 2, 0, True, 3),
        (4, 2, 2, 1, True, 3),
        # ceil gives 4, but the 4th window would start at 6 >= N + P = 6: dropped
        (5, 2, 2, 1, True, 3),
        (6, 3, 2, 1, True, 4),
        (7, 3, 3, 0, True, 3),
    ],
)
def test_ceil_mode_rule(n: int, k: int, s: int, p: int, ceil: bool, expected: int) -> None:
    assert pool_out(n, k, s, p, 1, ceil).size == expected


def test_padding_at_most_half_kernel() -> None:
    with pytest.raises(LayerError, match="pad should be at most half") as info:
        one([1, 8, 8], {"type": "maxpool2d", "kernel_size": 3, "padding": 2})
    assert info.value.field == "padding"


def test_kernel_larger_than_input() -> None:
    with pytest.raises(LayerError, match=r"layer 0 \(maxpool2d\): kernel 5 is larger"):
        one([1, 4, 4], {"type": "maxpool2d", "kernel_size": 5})


def test_avgpool1d_has_no_divisor_override() -> None:
    with pytest.raises(LayerError, match="divisor_override"):
        one([1, 8], {"type": "avgpool1d", "kernel_size": 2, "divisor_override": 3})


def test_adaptive_keeps_none_axes() -> None:
    r = one([512, 13, 9], {"type": "adaptiveavgpool2d", "output_size": [None, 3]})
    assert r.output_shape == (512, 13, 3)


def test_adaptive_global_pool_sees_everything() -> None:
    r = one([8, 7, 7], {"type": "adaptivemaxpool2d", "output_size": 1})
    assert r.output_shape == (8, 1, 1)
    assert r.receptive_field.size == (7, 7)


@pytest.mark.parametrize("n", range(1, 40))
def test_adaptive_widest_window_closed_form(n: int) -> None:
    for m in range(1, 40):
        # Window i pools rows [floor(i N / M), ceil((i + 1) N / M)) (ATen's start_index and
        # end_index), written out here rather than taken from the code under test.
        widest = max(math.ceil((i + 1) * n / m) - math.floor(i * n / m) for i in range(m))
        assert adaptive_max_window(n, m) == widest
