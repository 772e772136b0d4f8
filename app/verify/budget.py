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

A graph's measurement is counted the same way over its nodes in order (``rf_graph_work``): a
node's backward pass runs through its ancestors, at most every node before it, and a merge
reads each of its inputs.

``CALL_WORK`` stands for torch's fixed cost per module call, which dominates on tiny
tensors: 2,048 1×1 convolutions on an 8×8 input cost 2,048 calls forward and 2,098,176
backward, about 8.6 × 10⁹ element-operations here, a minute of CPU.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Literal

from app.core.analysis import Analysis
from app.core.errors import CnnCalcError
from app.core.graph import INPUT
from app.core.layers.base import LayerSpec, Step, Window, prod

CALL_WORK = 2**12
"""Element-operations charged for each module call (torch's dispatch, a few microseconds)."""
Nodes = Sequence[tuple[LayerSpec, tuple[int, ...]]]
"""A graph's nodes in order: each layer and the indices of its inputs (``INPUT``: -1)."""
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
    (``None`` once a window that lists no phases makes it unknown). A padding layer that
    follows a crop puts padding between units whose fields, threaded alone, lie inside the
    input; after a fractional stride, a unit whose window reaches past its input's edge
    reads nothing there, which cuts its field as padding would."""


def _valid_after(
    valid: tuple[int, int] | None, window: Window, size: int
) -> tuple[int, int] | None:
    """The output units whose window reads only the units ``valid`` of its input.

    Output unit ``o = q b + r`` of a window of stride ``a / b`` reads the input units
    ``q a + first`` to ``q a + last`` of its phase ``r`` (``Window.phases``; for a whole
    stride ``S`` and no gap, the one phase ``c`` to ``c + span`` with ``c = offset - span / 2``:
    ``-P_left`` for a convolution, ``-before`` for a padding layer). Every unit whose ``q``
    keeps each reading phase inside ``valid`` is valid (a phase that reads nothing asks
    nothing): one run of units. ``None`` when a window lists no phases and is not whole.
    """
    if valid is None:
        return None
    stride = Fraction(window.stride)
    a, b = stride.numerator, stride.denominator
    reads = window.phases
    if reads is None:
        span = Fraction(window.span)
        first = Fraction(window.offset) - span / 2
        if b != 1 or span.denominator != 1 or first.denominator != 1:
            return None
        reads = ((int(first), int(first + span), 1),)
    reading = [(first, last) for first, last, _ in reads if first <= last]
    if not reading:
        return (1, 0)  # no unit reads an input unit: none is valid
    if a == 0:  # a stride of 0 (one unit upsampled): every unit reads the same ones
        inside = all(valid[0] <= first and last <= valid[1] for first, last in reading)
        return (0, size - 1) if inside else (1, 0)
    low = max(-((first - valid[0]) // a) for first, _ in reading)
    high = min((valid[1] - last) // a for _, last in reading)
    return (max(0, low * b), min(size - 1, high * b + b - 1))


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
    nodes: Nodes | None = None,
) -> int:
    """Element-operations of the CPU rerun of ``specs`` whose outputs are ``outputs``.

    ``outputs`` holds the layers' output shapes (no batch) as the run will produce them
    (torch's meta run); layers past its end are not run. ``nodes`` give a graph's wiring
    (each layer then reads its inputs' outputs, a merge every one of them); without them
    each layer reads the one before.
    """
    wiring = nodes or [(spec, (index - 1,)) for index, spec in enumerate(specs)]
    shapes: dict[int, tuple[int, ...]] = {INPUT: tuple(input_shape)}
    work = prod(tuple(input_shape))
    for index, ((spec, inputs), y) in enumerate(zip(wiring, outputs, strict=False)):
        x = shapes[inputs[0]]
        _, each = per_output(spec, x)
        out = prod(tuple(y))
        read = sum(prod(shapes[i]) for i in inputs)
        work += read + out * (len(inputs) if spec.merges else 1 + each) + CALL_WORK
        shapes[index] = tuple(y)
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
    return _passes_work(calls, units, extents)


@dataclass(frozen=True, slots=True)
class NodeField:
    """One graph node's field as the measurement sees it, threaded from the kinds' windows.

    ``state``: ``field`` (per axis ``fields``, see ``AxisField``), ``global`` (the node
    depends on every input pixel: after a global pooling, or a merge with a global input;
    its ``fields`` are still threaded, for the units that read no padding), or
    ``end`` (a layer the measurement has no one-channel module for, a flatten or a linear
    layer, or any node after one: not measured). ``why``, for a ``field``: why its size,
    jump, start and padding cannot be compared (its hull changes from unit to unit), or
    ``None`` when they can.
    """

    state: Literal["field", "global", "end"]
    fields: tuple[AxisField, ...] = ()
    why: str | None = None


def _hull(fields: Sequence[AxisField]) -> AxisField | None:
    """The hull of several paths' fields on one axis, or ``None`` when their jumps differ.

    With one jump every path's window moves by it from unit to unit, so the hull does too:
    ``[min(start - (size - 1) / 2), max(start + (size - 1) / 2)]`` at unit 0, moved by
    ``jump``. Its period is the paths' least common multiple; the units valid on every path
    are the intersection of theirs.
    """
    jump = fields[0].jump
    if any(f.jump != jump for f in fields):
        return None
    lo = min(f.start - (f.size - 1) / 2 for f in fields)
    hi = max(f.start + (f.size - 1) / 2 for f in fields)
    period = math.lcm(*(f.period for f in fields))
    valid = _valid_of(fields)
    return AxisField(
        size=hi - lo + 1,
        jump=jump,
        start=(lo + hi) / 2,
        uniform=all(f.uniform for f in fields),
        period=period,
        shift=int(jump * period),
        valid=valid,
    )


def graph_geometry(input_shape: Sequence[int], nodes: Nodes) -> list[NodeField]:
    """Each node's field for the measurement (``NodeField``), from the kinds' windows.

    Independent of the analysis whose fields the measurement checks. A one-input node moves
    its input's field by its windows (``None``: units kept in place); a merge takes the hull
    of its inputs' (``_hull``), not comparable when their jumps differ on an axis or when the
    merge moves units along a spatial axis (``Merge.spatial``: a concatenation along one, a
    spatial size 1 broadcast). A node the core rejects ends the list.
    """
    axes = len(input_shape) - 1
    first = NodeField(
        "field",
        tuple(
            AxisField(Fraction(1), Fraction(1), Fraction(0), True, 1, 1, (0, n - 1))
            for n in input_shape[1:]
        ),
    )
    shapes: dict[int, tuple[int, ...]] = {INPUT: tuple(input_shape)}
    known: dict[int, NodeField] = {INPUT: first}
    out: list[NodeField] = []
    for index, (spec, inputs) in enumerate(nodes):
        if any(i not in shapes for i in inputs):
            break
        xs = tuple(shapes[i] for i in inputs)
        try:
            step = spec.infer_many(xs) if spec.merges else spec.infer(xs[0])
        except CnnCalcError:
            break
        ins = [known[i] for i in inputs]
        lined_up = len(step.output) - 1 == axes and (
            step.windows is None or len(step.windows) == axes
        )
        node: NodeField
        if any(g.state == "end" for g in ins) or not lined_up:
            node = NodeField("end")
        elif spec.merges:
            node = _merged(ins, xs, step.output, spec.spatial(xs, step))
        elif step.global_field and step.windows is None:
            node = NodeField("end")
        elif step.windows is None:
            node = ins[0]
        else:
            moved = tuple(
                _moved(f, w, n)
                for f, w, n in zip(ins[0].fields, step.windows, step.output[1:], strict=True)
            )
            if step.global_field:
                # A global pooling reads every unit, padded or not: each of its units
                # depends on every pixel, so every one is valid.
                sizes = step.output[1:]
                moved = tuple(
                    replace(f, valid=(0, n - 1)) for f, n in zip(moved, sizes, strict=True)
                )
            node = NodeField("global" if step.global_field else ins[0].state, moved, ins[0].why)
        shapes[index] = step.output
        known[index] = node
        out.append(node)
    return out


def _merged(
    ins: Sequence[NodeField],
    xs: Sequence[tuple[int, ...]],
    out: tuple[int, ...],
    spatial: int | None,
) -> NodeField:
    """A merge's field: the hull per axis (``_hull``), global with a global input.

    An input of size 1 broadcast along an axis feeds every unit its one unit: its valid
    units are then all of them, or none when that one reads padding.
    """
    state: Literal["field", "global"] = (
        "global" if any(g.state == "global" for g in ins) else "field"
    )
    why = next((g.why for g in ins if g.why is not None), None)
    if why is None and spatial is not None:
        why = (
            "the merge moves units along a spatial axis (a concatenation along it, a spatial "
            "size 1 broadcast)"
        )
    fields: list[AxisField] = []
    for axis, given in enumerate(zip(*(g.fields for g in ins), strict=True)):
        n = out[axis + 1]
        per = [
            replace(f, valid=(0, n - 1) if f.valid[0] <= 0 <= f.valid[1] else (1, 0))
            if x[axis + 1] == 1 < n and f.valid is not None
            else f
            for f, x in zip(given, xs, strict=True)
        ]
        hull = _hull(per)
        if hull is None:
            why = why or f"the paths disagree on jump along spatial axis {axis}"
            hull = replace(per[0], valid=_valid_of(per))
        fields.append(hull)
    return NodeField(state, tuple(fields), why)


def _valid_of(fields: Sequence[AxisField]) -> tuple[int, int] | None:
    """The units valid on every path whose valid units are known (``AxisField.valid``).

    ``None`` when none is known (after a fractional stride on every path).
    """
    known = [f.valid for f in fields if f.valid is not None]
    if not known:
        return None
    return (max(v[0] for v in known), min(v[1] for v in known))


def rf_graph_work(
    input_shape: Sequence[int], nodes: Nodes, analysis: Analysis, geometry: Sequence[NodeField]
) -> int:
    """Element-operations of a graph's receptive-field measurement (module docstring).

    Counts every node the measurement builds (those not ``end`` in ``geometry``) as
    measured, each backward pass through every node before it: an upper bound. One sample
    more than a chain's: it back-propagates from all of a node's units together.
    """
    units = rf_units([g.fields for g in geometry if g.state == "field"]) + 1  # + every unit
    extents = tuple(input_shape[1:])
    reports = analysis.layers
    calls: list[int] = []
    for (spec, inputs), report, g in zip(nodes, reports, geometry, strict=False):
        if g.state == "end":
            continue
        read = sum(
            prod(tuple(input_shape[1:])) if i == INPUT else prod(tuple(reports[i].output_shape[1:]))
            for i in inputs
        )
        out = prod(tuple(report.output_shape[1:]))
        if spec.merges:
            volume = len(inputs)
        else:
            step, _ = per_output(spec, tuple(report.input_shape))
            volume = 1 if step is None else window_volume(step)
        calls.append(units * (read + out * (1 + volume)) + CALL_WORK)
    return _passes_work(calls, units, extents)


def _passes_work(calls: list[int], units: int, extents: tuple[int, ...]) -> int:
    """One forward pass over the layers' ``calls``, then one backward pass from each layer.

    The backward pass from layer ``l`` goes through every layer up to it and writes the input's
    gradient: ``Σ_l (calls_0 + … + calls_l + units × pixels × axes)``.
    """
    backward = 0
    prefix = 0
    for cost in calls:
        prefix += cost
        backward += prefix + units * prod(extents) * max(1, len(extents))
    return sum(calls) + backward


__all__ = [
    "CALL_WORK",
    "RF_MAX_UNITS",
    "AxisField",
    "NodeField",
    "Nodes",
    "cpu_work",
    "graph_geometry",
    "per_output",
    "rf_geometry",
    "rf_graph_work",
    "rf_units",
    "rf_work",
]
