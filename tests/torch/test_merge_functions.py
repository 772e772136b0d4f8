"""The torch check runs each merge as the function its kind names."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.layers import LAYERS_ADAPTER, LayerSpec
from app.core.layers.base import TorchFunction
from app.core.layers.merge import Add
from app.verify.torch_backend import CheckError, _measuring_merge, _merge
from tests.torch_util import require_torch


def one(layer: dict[str, Any]) -> LayerSpec:
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    return spec


def test_each_merge_runs_as_its_torch_function() -> None:
    torch = require_torch()
    a = torch.full((1, 2, 3, 3), 2.0)
    b = torch.full((1, 2, 3, 3), 5.0)
    c = torch.full((1, 2, 3, 3), 7.0)
    assert torch.equal(_merge(torch, one({"type": "add"}), [a, b, c], 0), a * 0 + 14.0)
    assert torch.equal(_merge(torch, one({"type": "mul"}), [a, b, c], 0), a * 0 + 70.0)
    assert _merge(torch, one({"type": "concat", "dim": 3}), [a, b, c], 0).shape == (1, 2, 3, 9)
    assert _merge(torch, one({"type": "add"}), [a], 0) is a


def test_a_concatenation_of_one_input_still_checks_its_dim() -> None:
    torch = require_torch()
    with pytest.raises(IndexError, match="Dimension out of range"):
        _merge(torch, one({"type": "concat", "dim": 4}), [torch.ones(1, 2, 3, 3)], 0)


def test_the_measuring_copy_sums_concatenated_channels_back_to_one() -> None:
    torch = require_torch()
    a = torch.full((1, 1, 2, 2), 2.0)
    b = torch.full((1, 1, 2, 2), 3.0)
    channels = _measuring_merge(torch, one({"type": "concat", "dim": -3}), [a, b], 0)
    assert torch.equal(channels, a * 0 + 5.0)
    beside = _measuring_merge(torch, one({"type": "concat", "dim": 2}), [a, b], 0)
    assert beside.shape == (1, 1, 4, 2)


def test_a_merge_naming_no_torch_function_is_an_error_of_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    torch = require_torch()
    monkeypatch.setattr(Add, "torch_class", "torch.blend")
    spec = one({"type": "add"})
    assert spec.torch_function() == TorchFunction("torch.blend")
    with pytest.raises(CheckError, match=r"layer 3 \(add\): no torch function for it"):
        _merge(torch, spec, [torch.ones(1, 1)], 3)
