"""Normalisation layers: params, buffers, rank and channel checks."""

from __future__ import annotations

import pytest

from app.core import LayerError, analyze


def test_batchnorm2d_params_and_buffers() -> None:
    a = analyze([64, 8, 8], [{"type": "batchnorm2d"}])
    r = a.layers[0]
    assert (r.params, r.buffers, r.weight_shape, r.bias_shape) == (128, 129, [64], [64])
    assert a.total_params == 128
    assert a.total_buffers == 129


def test_batchnorm_without_affine_or_stats() -> None:
    r = analyze([8, 4], [{"type": "batchnorm1d", "affine": False, "track_running_stats": False}])
    assert (r.layers[0].params, r.layers[0].buffers) == (0, 0)


def test_batchnorm_rank_and_num_features() -> None:
    with pytest.raises(LayerError, match="BatchNorm2d expects 4D input"):
        analyze([64, 8], [{"type": "batchnorm2d"}])
    with pytest.raises(LayerError, match="running_mean should contain 64 elements not 32") as info:
        analyze([64, 8, 8], [{"type": "batchnorm2d", "num_features": 32}])
    assert info.value.field == "num_features"


def test_layernorm_defaults_to_last_axis() -> None:
    r = analyze([16, 32], [{"type": "layernorm"}]).layers[0]
    assert (r.weight_shape, r.params) == ([32], 64)
    r = analyze([4, 5, 6], [{"type": "layernorm", "normalized_shape": [5, 6]}]).layers[0]
    assert r.params == 60
    with pytest.raises(LayerError, match="normalized_shape"):
        analyze([4, 5, 6], [{"type": "layernorm", "normalized_shape": [4, 5]}])


def test_groupnorm_groups_divide_channels() -> None:
    assert analyze([32, 8, 8], [{"type": "groupnorm", "num_groups": 8}]).total_params == 64
    with pytest.raises(LayerError, match="num_channels must be divisible by num_groups"):
        analyze([30, 8, 8], [{"type": "groupnorm", "num_groups": 8}])


def test_layernorm_never_reaches_into_the_batch() -> None:
    # torch accepts [2, 2] on a batch of two 2-vectors: the statistics would mix samples.
    with pytest.raises(LayerError, match="reaches into the batch dimension") as info:
        analyze([2], [{"type": "layernorm", "normalized_shape": [2, 2]}], batch_size=2)
    assert info.value.code == "unsupported"


@pytest.mark.parametrize("length", [5, 300_000])
def test_layernorm_normalized_shape_has_at_most_four_entries(length: int) -> None:
    # Longer than any input's rank, it could never match; before, 300,000 entries were
    # validated, and echoed back as the weight's and the bias's shapes.
    from pydantic import ValidationError

    with pytest.raises(ValidationError) as info:
        analyze([2, 2, 2, 2], [{"type": "layernorm", "normalized_shape": [2] * length}])
    (too_long,) = [e for e in info.value.errors() if e["type"] == "too_long"]
    assert "normalized_shape" in too_long["loc"]
    assert too_long["ctx"]["max_length"] == 4


def test_layernorm_over_four_axes_is_still_read() -> None:
    r = analyze([2, 3, 4, 5], [{"type": "layernorm", "normalized_shape": [2, 3, 4, 5]}])
    assert r.layers[0].weight_shape == [2, 3, 4, 5]
    assert r.total_params == 2 * 120
