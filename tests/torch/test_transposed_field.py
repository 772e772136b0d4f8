"""A transposed convolution's field after another: the core's size against torch's gradient.

Input ``[3, 14, 16]``, ``convtranspose2d(3, kernel [1, 3], stride 3, dilation 2)``, ``elu``,
``convtranspose2d(6, kernel 5, stride 2, groups 3)``. Along the width, the first layer's
output column ``o`` reads the one input column ``i`` with ``o - 3i`` in ``{0, 2, 4}``:
columns 4, 5, 6 read inputs 0, 1, 2 although their centres on the affine model
(``-2/3 + o/3``) are 2/3, 1 and 4/3. The second layer's output column 12 reads columns 4, 5
and 6 (``12 - 2j`` in ``0..4``), so it depends on inputs 0 to 2: three columns. The affine
rule alone gives ``1 + 2 × 1/3 = 5/3``, the average over the units: which taps meet an output
moves with ``o``. The core follows the field unit by unit over its period after a fractional
stride (``app.core.receptive_field.Phases``), so it reports the widest unit's, 3, as torch
measures it.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.verify import VerificationStatus
from app.verify.torch_backend import check_layers
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

SHAPE = [3, 14, 16]
LAYERS: list[dict[str, Any]] = [
    {
        "type": "convtranspose2d",
        "out_channels": 3,
        "kernel_size": [1, 3],
        "stride": 3,
        "dilation": 2,
    },
    {"type": "elu"},
    {"type": "convtranspose2d", "out_channels": 6, "kernel_size": 5, "stride": 2, "groups": 3},
]


def _widest_columns() -> int:
    """The widest span of input columns one output column depends on, by plain autograd."""
    torch = require_torch()
    x = torch.ones(1, 1, 1, 16, dtype=torch.float64, requires_grad=True)
    first = torch.nn.ConvTranspose2d(1, 1, (1, 3), stride=3, dilation=2, bias=False).double()
    second = torch.nn.ConvTranspose2d(1, 1, 5, stride=2, bias=False).double()
    with torch.no_grad():
        first.weight.fill_(1.0)
        second.weight.fill_(1.0)
    y = second(first(x))
    widest = 0
    for o in range(y.shape[-1]):
        (grad,) = torch.autograd.grad(y[0, 0, 2, o], x, retain_graph=True)
        seen = torch.nonzero(grad[0, 0, 0]).flatten()
        if len(seen):
            widest = max(widest, int(seen[-1] - seen[0] + 1))
    return widest


def test_torch_sees_three_columns_and_the_check_measures_them() -> None:
    require_torch()
    assert _widest_columns() == 3
    analysis, v = check_layers(SHAPE, LAYERS, measure_rf=True)
    assert analysis is not None
    last = next(r for r in v.receptive_field or [] if r.get("layer") == 2)
    assert last["measured"]["size"] == [1, 3]  # rows: one tap in each; columns: three
    assert last["measured"]["jump"] == [1 / 6, 1 / 6]


def test_the_core_gives_the_widest_unit_torch_measures() -> None:
    require_torch()
    analysis, v = check_layers(SHAPE, LAYERS, measure_rf=True)
    assert analysis is not None
    assert analysis.layers[2].receptive_field.size == (1, _widest_columns())
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)
