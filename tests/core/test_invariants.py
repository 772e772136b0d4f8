"""Properties of every analysis of a random valid stack."""

from __future__ import annotations

import contextlib
from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from app.core import CnnCalcError, analyze


@st.composite
def conv_pool_stacks(draw: st.DrawFn) -> tuple[list[int], list[dict[str, Any]]]:
    size = draw(st.integers(8, 96))
    layers: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(1, 6))):
        k = draw(st.integers(1, 5))
        s = draw(st.integers(1, 3))
        if draw(st.booleans()):
            layers.append(
                {
                    "type": "conv2d",
                    "out_channels": draw(st.integers(1, 8)),
                    "kernel_size": k,
                    "stride": s,
                    "padding": draw(st.integers(0, 2)),
                    "dilation": draw(st.integers(1, 2)),
                }
            )
        else:
            layers.append(
                {
                    "type": "maxpool2d",
                    "kernel_size": k,
                    "stride": s,
                    "padding": draw(st.integers(0, k // 2)),
                    "ceil_mode": draw(st.booleans()),
                }
            )
    return [draw(st.integers(1, 4)), size, size], layers


@given(conv_pool_stacks())
def test_invariants(case: tuple[list[int], list[dict[str, Any]]]) -> None:
    shape, layers = case
    a = None
    with contextlib.suppress(CnnCalcError):
        a = analyze(shape, layers)
    assume(a is not None)  # an impossible stack; acceptance is compared with torch elsewhere
    assert a is not None
    strides = 1
    previous = 1.0
    for layer, report in zip(layers, a.layers, strict=True):
        strides *= layer.get("stride", 1)
        rf = report.receptive_field
        assert report.params >= 0
        assert all(n >= 1 for n in report.output_shape)
        assert rf.jump == (strides, strides)
        assert rf.size[0] >= previous
        previous = rf.size[0]
        # effective padding = (size - 1) / 2 - start
        assert rf.padding[0] == (rf.size[0] - 1) / 2 - rf.start[0]
    assert a.total_params == sum(r.params for r in a.layers)
    assert a.total_macs == sum(r.macs for r in a.layers)
