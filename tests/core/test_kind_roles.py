"""What a kind declares for the modules that ask it: its merge's torch function, its role."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.export import to_pytorch
from app.core.layers import LAYERS_ADAPTER, REGISTRY, LayerSpec
from app.core.layers.base import TorchFunction
from app.core.layers.merge import Merge

MERGES = [kind for kind in REGISTRY if kind.merges]


def one(layer: dict[str, Any]) -> LayerSpec:
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    return spec


def test_the_merges_are_the_three_whose_functions_are_known() -> None:
    # A new merge must come with its torch function: this list is its reminder.
    assert sorted(kind.__name__ for kind in MERGES) == ["Add", "Concat", "Mul"]


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        ({"type": "add"}, TorchFunction("torch.add")),
        ({"type": "mul"}, TorchFunction("torch.mul")),
        ({"type": "concat"}, TorchFunction("torch.cat", listed=True, kwargs={"dim": 1})),
        ({"type": "cat", "dim": -2}, TorchFunction("torch.cat", listed=True, kwargs={"dim": -2})),
    ],
    ids=["add", "mul", "concat", "cat-dim"],
)
def test_each_merge_names_its_torch_function(
    layer: dict[str, Any], expected: TorchFunction
) -> None:
    assert one(layer).torch_function() == expected


@pytest.mark.parametrize("kind", [k for k in REGISTRY if not k.merges], ids=lambda k: k.__name__)
def test_a_kind_of_one_input_has_no_torch_function(kind: type[LayerSpec]) -> None:
    with pytest.raises(NotImplementedError, match=f"{kind.__name__} has no torch function"):
        kind.torch_function(kind.model_construct())


def test_a_merge_that_names_no_function_fails_loudly() -> None:
    class Silent(Merge):  # a family base: declares no type, so it is not registered
        pass

    with pytest.raises(NotImplementedError, match="Silent has no torch function"):
        Silent().torch_function()


def test_the_poolings_shifts_and_sums_are_the_kinds_that_say_so() -> None:
    def declaring(role: str) -> set[str]:
        return {kind.__name__ for kind in REGISTRY if getattr(kind, role)}

    assert declaring("pooling") == {"MaxPool", "AvgPool", "AdaptiveAvgPool", "AdaptiveMaxPool"}
    assert declaring("shifts_only") == {"ZeroPad", "ConstantPad", "ReflectionPad", "ReplicationPad"}
    assert declaring("sums_inputs") == {"Add"}


def test_the_export_writes_each_merge_as_its_function() -> None:
    code = to_pytorch(
        (4, 6, 6),
        [
            {"id": "a", "type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
            {"id": "s", "type": "add", "inputs": ["input", "a", "a"]},
            {"id": "m", "type": "mul", "inputs": ["s", "a"]},
            {"id": "c", "type": "concat", "dim": 2, "inputs": ["m", "s"]},
        ],
    )
    assert "s = torch.add(torch.add(x, a), a)" in code
    assert "m = torch.mul(s, a)" in code
    assert "c = torch.cat([m, s], dim=2)" in code
