"""Flatten and linear: batch-inclusive dims, the last axis, the course's LeNet-5 sizes."""

from __future__ import annotations

import pytest

from app.core import LayerError, analyze


def test_flatten_default_merges_all_but_batch() -> None:
    r = analyze([50, 7, 7], [{"type": "flatten"}]).layers[0]
    assert r.output_shape == (2450,)
    assert r.receptive_field.global_


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(1, -1, [60]), (2, -1, [3, 20]), (1, 2, [12, 5]), (2, 2, [3, 4, 5]), (-2, -1, [3, 20])],
    ids=["default", "spatial", "first-two", "no-op", "negative"],
)
def test_flatten_ranges(start: int, end: int, expected: list[int]) -> None:
    layer = {"type": "flatten", "start_dim": start, "end_dim": end}
    assert list(analyze([3, 4, 5], [layer]).layers[0].output_shape) == expected


def test_flatten_dim_out_of_range_and_order() -> None:
    with pytest.raises(LayerError, match="Dimension out of range") as info:
        analyze([3, 4], [{"type": "flatten", "start_dim": 3}])
    assert info.value.field == "start_dim"
    with pytest.raises(LayerError, match="start_dim cannot come after end_dim"):
        analyze([3, 4, 5], [{"type": "flatten", "start_dim": 3, "end_dim": 2}])
    with pytest.raises(LayerError, match="batch"):
        analyze([3, 4, 5], [{"type": "flatten", "start_dim": 0}])


def test_linear_course_lenet_sizes() -> None:
    r = analyze([2450], [{"type": "linear", "out_features": 500}]).layers[0]
    assert r.weight_shape == (500, 2450)  # PyTorch stores out x in
    assert r.params == 2450 * 500 + 500


def test_linear_acts_on_last_axis() -> None:
    r = analyze([3, 8, 16], [{"type": "linear", "out_features": 4}], batch_size=2).layers[0]
    assert r.output_shape == (3, 8, 4)
    assert r.macs == 2 * 3 * 8 * 16 * 4
    assert [w.code for w in r.warnings] == ["linear_on_last_axis"]


def test_linear_in_features_checked() -> None:
    with pytest.raises(LayerError, match="mat1 and mat2 shapes cannot be multiplied") as info:
        analyze([2400], [{"type": "linear", "in_features": 2450, "out_features": 500}])
    assert info.value.field == "in_features"
