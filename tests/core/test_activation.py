"""Shape-keeping layers: activations, PReLU's parameters, softmax dims, dropout ranks."""

from __future__ import annotations

import pytest

from app.core import LayerError, analyze


@pytest.mark.parametrize(
    "kind",
    ["relu", "ReLU", "leakyrelu", "elu", "gelu", "silu", "sigmoid", "tanh", "identity", "dropout"],
)
def test_shape_kept_no_params(kind: str) -> None:
    r = analyze([3, 5, 7], [{"type": kind}]).layers[0]
    assert r.output_shape == (3, 5, 7)
    assert (r.params, r.macs) == (0, 0)


def test_prelu_parameters() -> None:
    assert analyze([20, 4, 4], [{"type": "prelu"}]).total_params == 1
    assert analyze([20, 4, 4], [{"type": "prelu", "num_parameters": 20}]).total_params == 20
    with pytest.raises(LayerError, match="Mismatch of parameter numbers"):
        analyze([20, 4, 4], [{"type": "prelu", "num_parameters": 3}])


def test_softmax_dim() -> None:
    a = analyze([10], [{"type": "softmax", "dim": 1}, {"type": "logsoftmax", "dim": -1}])
    assert a.output_shape == (10,)
    assert a.warnings == []
    with pytest.raises(LayerError, match="Dimension out of range"):
        analyze([10], [{"type": "softmax", "dim": 2}])
    implicit = analyze([10], [{"type": "softmax"}])
    assert [w.code for w in implicit.warnings] == ["implicit_softmax_dim"]


def test_feature_dropout_ranks() -> None:
    assert analyze([8, 4, 4], [{"type": "dropout2d", "p": 0.2}]).output_shape == (8, 4, 4)
    with pytest.raises(LayerError, match="dropout3d expects"):
        analyze([8, 4, 4], [{"type": "dropout3d"}])
