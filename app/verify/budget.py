"""What the torch check's CPU runs cost, counted before they start (no torch import here).

The check always runs on torch's ``meta`` device, where a tensor has a shape but no data:
that costs a few microseconds per layer whatever the sizes. Two parts touch real memory
and take CPU time in proportion to the sizes, and each is counted here first, in
*element-operations*:

- the **CPU rerun** (the reference run, whole batch, float32):
  ``N × (prod(input) + Σ_layers (prod(in) + prod(out) × (1 + per_output)))``, where
  ``per_output = max(ceil(MACs / prod(out)), window volume, reads_per_output)`` (a
  convolution's multiply-accumulates per output element, a pooling's ``kernel volume``, with
  dilation, a local response normalisation's ``size`` channels);
- the **receptive-field measurement** (one channel, float64, ``units`` samples: 2 while
  every stride is whole, ``RF_MAX_UNITS + 1`` after a fractional one): one
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
from dataclasses import dataclass
from fractions import Fraction

from app.core.analysis import Analysis
from app.core.errors import CnnCalcError
from app.core.layers.base import LayerSpec, Step, Window, prod

CALL_WORK = 2**12
"""Element-operations charged for each module call (torch's dispatch, a few microseconds)."""
RF_MAX_UNITS = 8
"""Consecutive output units measured per layer after a fractional stride, one per sample
(plus one more, a period away, for the jump)."""


@dataclass(frozen=True, slots=True)
class AxisField:
    """One axis of a layer's receptive field, threaded exactly from the kinds' windows.

    ``size``, ``jump`` and ``start`` as in ``app.core.analysis``; ``uniform``: every layer so
    far has a whole stride, so every unit's field is the same window moved by ``jump`` and
    the rule is exact; ``period`` output units move every field by ``shift`` input pixels
    (``shift / period == jump``; 1 unit while ``uniform``).
    """

    size: Fraction
    jump: Fraction
    start: Fraction
    uniform: bool
    period: int
    shift: int
    valid: tuple[int, int] | None = None
    """The first and last unit whose window reads no padding, through every layer so far
    (``None`` once a fractional stride makes it unknown). A padding layer that follows a
    crop puts padding between units whose fields, threaded alone, lie inside the input."""


def _valid_after(
    valid: tuple[int, int] | None, window: Window, size: int
) -> tuple[int, int] | None:
    """The output units whose window reads only the units ``valid`` of its input.

    Unit ``i`` of a window with a whole stride ``S`` reads the input units ``i S + c`` to
    ``i S + c + span``, where ``c = offset - span / 2`` (``-P_left`` for a convolution,
    ``-before`` for a padding layer).
    """
    stride, span = Fraction(window.stride), Fraction(window.span)
    first = Fraction(window.offset) - span / 2
    if valid is None:
        return None
    if stride.denominator != 1 or span.denominator != 1 or first.denominator != 1:
        return None
    s, c, width = int(stride), int(first), int(span)
    low = max(0, -((c - valid[0]) // s))
    high = min(size - 1, (valid[1] - width - c) // s)
    return (low, high)


def _moved(field: AxisField, window: Window, size: int) -> AxisField:
    """The field after one window: Araujo et al.'s rule, and the period of its units.

    With the window's stride ``a / b`` (``b`` output units per ``a`` input units), the
    smallest input move that is a whole number of periods is ``k a`` with
    ``k = period / gcd(a, period)``: ``k b`` output units move by ``k a / period`` shifts.
    """
    stride = Fraction(window.stride)
    a, b = stride.numerator, stride.denominator
    k = field.period // math.gcd(a, field.period)
    return AxisField(
        size=field.size + Fraction(window.span) * field.jump,
        jump=field.jump * stride,
        start=field.start + Fraction(window.offset) * field.jump,
        uniform=field.uniform and b == 1,
        period=k * b,
        shift=k * a // field.period * field.shift,
        valid=_valid_after(field.valid, window, size),
    )


def rf_geometry(
    input_shape: Sequence[int], specs: Sequence[LayerSpec]
) -> list[tuple[AxisField, ...]]:
    """Each layer's field per spatial axis, up to the first that mixes the whole input.

    Computed from each kind's ``infer().windows`` (``None``: the layer keeps every unit
    where it is), independently of the analysis whose fields the measurement checks.
    """
    axes = len(input_shape) - 1
    fields = tuple(
        AxisField(Fraction(1), Fraction(1), Fraction(0), True, 1, 1, (0, n - 1))
        for n in input_shape[1:]
    )
    out: list[tuple[AxisField, ...]] = []
    x = tuple(input_shape)
    for spec in specs:
        try:
            step = spec.infer(x)
        except CnnCalcError:
            break
        if step.global_field or (step.windows is not None and len(step.windows) != axes):
            break
        if step.windows is not None:
            fields = tuple(
                _moved(f, w, n)
                for f, w, n in zip(fields, step.windows, step.output[1:], strict=True)
            )
        out.append(fields)
        x = step.output
    return out


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
    return step, max(1, macs, window_volume(step), spec.reads_per_output())


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


def rf_units(geometry: Sequence[tuple[AxisField, ...]]) -> int:
    """Samples the measurement runs per layer, the most any layer needs.

    A unit and its neighbour while every stride is whole; else ``RF_MAX_UNITS``
    consecutive units and one a period away.
    """
    uniform = all(f.uniform for fields in geometry for f in fields)
    return 2 if uniform else RF_MAX_UNITS + 1


def rf_work(input_shape: Sequence[int], specs: Sequence[LayerSpec], analysis: Analysis) -> int:
    """Element-operations of the receptive-field measurement (module docstring).

    Counts every layer before the first global one (flatten, linear) as measured; the
    measurement may skip a few (no interior unit), so this is an upper bound.
    """
    units = rf_units(rf_geometry(input_shape, specs))
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


__all__ = [
    "CALL_WORK",
    "RF_MAX_UNITS",
    "AxisField",
    "cpu_work",
    "per_output",
    "rf_geometry",
    "rf_units",
    "rf_work",
]
