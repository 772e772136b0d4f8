"""What the torch check's CPU runs cost, counted before they start (no torch import here).

The check always runs on torch's ``meta`` device, where a tensor has a shape but no data:
that costs a few microseconds per layer whatever the sizes. Two parts touch real memory
and take CPU time in proportion to the sizes, and each is counted here first, in
*element-operations*:

- the **CPU rerun** (the reference run, whole batch, float32):
  ``N × (prod(input) + Σ_layers (prod(in) + prod(out) × (1 + per_output)))``, where
  ``per_output = max(ceil(MACs / prod(out)), window volume)`` (a convolution's
  multiply-accumulates per output element, a pooling's ``kernel volume``, with dilation);
- the **receptive-field measurement** (one channel, float64, ``units`` samples): one
  forward pass over the measured layers, then one backward pass per measured layer through
  its whole prefix, so ``Σ_j c_j + Σ_i Σ_{j ≤ i} c_j`` with
  ``c_j = units × (in_j + out_j × (1 + window volume_j)) + CALL_WORK`` (in and out per
  sample and channel), plus reading each input gradient.

``CALL_WORK`` stands for torch's fixed cost per module call, which dominates on tiny
tensors: 2,048 1×1 convolutions on an 8×8 input cost 2,048 calls forward and 2,098,176
backward, about 8.6 × 10⁹ element-operations here, a minute of CPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from app.core.analysis import Analysis
from app.core.errors import CnnCalcError
from app.core.layers.base import LayerSpec, Step, prod

CALL_WORK = 2**12
"""Element-operations charged for each module call (torch's dispatch, a few microseconds)."""
RF_MAX_UNITS = 8
"""Output units measured at once per layer after a fractional jump, one per sample."""


def window_volume(step: Step) -> int:
    """Input elements one output element's window spans per channel: ``Π (span + 1)``."""
    if not step.windows:
        return 1
    return prod(tuple(math.ceil(w.span) + 1 for w in step.windows))


def per_output(spec: LayerSpec, x: tuple[int, ...]) -> tuple[Step | None, int]:
    """The layer's step on input ``x`` and the work per output element.

    When the core rejects ``x`` (torch's shapes differ from cnncalc's), the bound is
    ``prod(x)``: no layer reads more than its whole input per output element.
    """
    try:
        step = spec.infer(x)
    except CnnCalcError:
        return None, max(1, prod(x))
    out = prod(step.output)
    macs = -(-step.macs // out) if out else 0
    return step, max(1, macs, window_volume(step))


def cpu_work(
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    outputs: Sequence[Sequence[int]],
    batch_size: int,
) -> int:
    """Element-operations of the CPU rerun of ``specs`` whose outputs are ``outputs``.

    ``outputs`` holds the layers' output shapes (no batch) as the run will produce them
    (torch's meta run); layers past its end are not run.
    """
    x = tuple(input_shape)
    work = prod(x)
    for spec, y in zip(specs, outputs, strict=False):
        _, each = per_output(spec, x)
        out = prod(tuple(y))
        work += prod(x) + out * (1 + each) + CALL_WORK
        x = tuple(y)
    return batch_size * work


def rf_units(analysis: Analysis) -> int:
    """Samples the measurement runs: 1 while every jump is whole, else ``RF_MAX_UNITS``."""
    whole = all(float(j).is_integer() for r in analysis.layers for j in r.receptive_field.jump)
    return 1 if whole else RF_MAX_UNITS


def rf_work(input_shape: Sequence[int], specs: Sequence[LayerSpec], analysis: Analysis) -> int:
    """Element-operations of the receptive-field measurement (module docstring).

    Counts every layer before the first global one (flatten, linear) as measured; the
    measurement may skip a few (no interior unit), so this is an upper bound.
    """
    units = rf_units(analysis)
    extents = tuple(input_shape[1:])
    calls: list[int] = []
    for spec, report in zip(specs, analysis.layers, strict=True):
        if report.receptive_field.global_:
            break
        x = tuple(report.input_shape)
        step, _ = per_output(spec, x)
        volume = 1 if step is None else window_volume(step)
        calls.append(
            units * (prod(x[1:]) + prod(tuple(report.output_shape[1:])) * (1 + volume)) + CALL_WORK
        )
    forward = sum(calls)
    backward = 0
    prefix = 0
    for cost in calls:
        prefix += cost
        backward += prefix + units * prod(extents) * max(1, len(extents))
    return forward + backward


__all__ = ["CALL_WORK", "RF_MAX_UNITS", "cpu_work", "per_output", "rf_units", "rf_work"]
