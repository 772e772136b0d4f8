"""Every registered kind, in torch: its class builds the same layer, its measurement builds."""

from __future__ import annotations

import pytest

from app.core.layers import REGISTRY, LayerSpec
from app.verify.torch_backend import CheckError, _measuring_module, build_layer
from tests.core.test_kinds import sample
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_builds_in_torch_with_the_shape_it_infers(kind: type[LayerSpec]) -> None:
    torch = require_torch()
    x, spec = sample(kind)
    module = build_layer(torch, spec, x).eval()
    with torch.no_grad():
        y = module(torch.zeros((2, *x)))
    assert tuple(y.shape[1:]) == spec.infer(x).output


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_builds_its_measuring_module(kind: type[LayerSpec]) -> None:
    """One channel in float64, with the spatial sizes the kind infers; never a stand-in."""
    torch = require_torch()
    x, spec = sample(kind)
    step = spec.infer(x)
    if step.global_field:
        # The measurement ends before a layer that sees the whole input (flatten, linear);
        # asked to build one, it refuses.
        with pytest.raises(CheckError, match="not measured as an identity"):
            _measuring_module(torch, 0, spec, x)
        return
    module = _measuring_module(torch, 0, spec, x)
    assert isinstance(module, torch.nn.Identity) is (kind.measured_as == "identity")
    y = module(torch.ones((1, 1, *x[1:]), dtype=torch.float64))
    assert tuple(y.shape[2:]) == step.output[1:]
    assert y.dtype == torch.float64


def test_a_flatten_of_one_axis_is_measured_as_an_identity() -> None:
    torch = require_torch()
    x = (2, 4, 4)
    (spec,) = sample(REGISTRY[[k.__name__ for k in REGISTRY].index("Flatten")])[1:]
    one_axis = spec.model_copy(update={"start_dim": 2, "end_dim": 2})
    assert one_axis.infer(x).output == x
    assert isinstance(_measuring_module(torch, 0, one_axis, x), torch.nn.Identity)
