r"""The receptive field: carried through each layer's windows, and united over a graph's paths.

Per spatial axis of the network's input a unit's field is ``size`` (input pixels it sees),
``jump`` (input pixels between neighbouring units) and ``start`` (the input coordinate of the
first unit's centre; pixel centres are 0, 1, 2, …), with Araujo et al.'s effective padding
``(size - 1) / 2 - start`` (Distill 2019). Through one layer's window (``Window``):
``size + span × jump``, ``jump × stride``, ``start + offset × jump``.

A layer with several inputs sees, on each axis, the union of its inputs' regions, taken as
the hull from the first to the last input pixel any path reaches: ``size`` is the hull's and
``start`` its centre. Its paths are ``aligned`` when they agree on ``jump`` and centre; then
this is Araujo et al.'s maximum over paths. When they do not (or when the merge is not
shift-invariant: a concatenation along a spatial axis, a spatial size 1 broadcast), the
hull is reported with ``aligned`` false, and it stays false after.

A unit is ``global`` (its ``size`` the input's extent) once it depends on every input
pixel: after a flatten or a linear layer, after an adaptive pooling to size 1 on every
spatial axis (global pooling), after any merge with a global input (squeeze-excitation), or
when a layer no longer lines up with the input's spatial axes. Sizes are never clipped.

Ints and floats (halves, exact in binary) are kept while they suffice; a window that moves
by a fraction of a pixel (transposed convolution, uneven adaptive pooling) turns that axis's
values into ``Fraction``\\ s, so the field stays exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Annotated, Any

from pydantic import Field

from app.core.layers.base import Number, Window
from app.core.shapes import Shape


@dataclass(slots=True)
class ReceptiveField:
    """A unit's field on the network's input, one entry per spatial axis (see the module).

    ``aligned`` is false when a layer before united paths that disagree on ``jump`` or
    centre: the field given is then the hull of their regions.
    """

    size: list[int | float]
    jump: list[int | float]
    start: list[float]
    padding: list[float]
    global_: Annotated[bool, Field(alias="global", serialization_alias="global")] = False
    aligned: bool = True


@dataclass(slots=True)
class FieldState:
    """The exact field of one tensor, as carried from layer to layer, and its report."""

    size: list[Any]  # Number per axis
    jump: list[Any]
    start: list[Any]
    global_: bool
    aligned: bool
    report: ReceptiveField


def as_number(value: Number) -> int | float:
    """An exact value for JSON: an int when whole, a float otherwise."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


def input_field(extents: Shape) -> FieldState:
    """The field of the network's input: one pixel, jump 1, first centre at 0."""
    axes = len(extents)
    return _state([1] * axes, [1] * axes, [0.0] * axes, True)


def _state(size: list[Any], jump: list[Any], start: list[Any], aligned: bool) -> FieldState:
    report = ReceptiveField(
        [as_number(s) for s in size],
        [as_number(j) for j in jump],
        [float(t) for t in start],
        [float((s - 1) / 2 - t) for s, t in zip(size, start, strict=True)],
        False,
        aligned,
    )
    return FieldState(size, jump, start, False, aligned, report)


def global_field(state: FieldState, extents: Shape) -> FieldState:
    """A unit that sees the whole input: its extent, centred; jumps kept."""
    report = ReceptiveField(
        list(extents),
        [as_number(j) for j in state.jump],
        [(n - 1) / 2 for n in extents],
        [0.0] * len(extents),
        True,
    )
    return FieldState(list(extents), state.jump, report.start, True, True, report)


def through(
    state: FieldState,
    windows: Sequence[Window] | None,
    global_: bool,
    extents: Shape,
) -> FieldState:
    """The field after a one-input layer with these ``windows`` (``None``: units kept in place).

    ``global_`` is the layer's ``Step.global_field``; a layer whose windows no longer match
    the input's spatial axes makes the field global too.
    """
    if state.global_ or (windows is None and not global_):
        return state
    if global_ or windows is None or len(windows) != len(extents):
        return global_field(state, extents)
    size, jump, start = state.size.copy(), state.jump.copy(), state.start.copy()
    for axis, w in enumerate(windows):
        j, t = jump[axis], start[axis]
        size[axis] += w.span * j
        if Fraction in (type(j), type(t), type(w.offset)):
            start[axis] = Fraction(t) + Fraction(w.offset) * j
        else:
            start[axis] = t + w.offset * j
        jump[axis] = j * w.stride
    return _state(size, jump, start, state.aligned)


@dataclass(slots=True)
class Disagreement:
    """Why a merge's paths do not line up: ``jump``, ``centre`` or ``spatial``, and the axis."""

    reason: str
    axis: int


def union(
    states: Sequence[FieldState], spatial: bool, extents: Shape
) -> tuple[FieldState, Disagreement | None]:
    """The field of a layer taking several inputs: per axis, the hull of their regions.

    ``spatial`` says the merge itself is not shift-invariant (a concatenation along a
    spatial axis). Returns the field and, when the paths do not line up, why.
    """
    if any(s.global_ for s in states):
        return global_field(states[0], extents), None
    first = states[0]
    if len(states) == 1:
        return first, Disagreement("spatial", 0) if spatial else None
    axes = len(extents)
    size: list[Any] = []
    jump: list[Any] = []
    start: list[Any] = []
    why = Disagreement("spatial", 0) if spatial else None
    for axis in range(axes):
        values = [(s.start[axis], s.size[axis], s.jump[axis]) for s in states]
        if any(Fraction in (type(t), type(n), type(j)) for t, n, j in values):
            values = [(Fraction(t), Fraction(n), Fraction(j)) for t, n, j in values]
        # Halves and wholes are exact as floats; a Fraction anywhere makes them all exact.
        lo = min(t - (n - 1) / 2 for t, n, _ in values)
        hi = max(t + (n - 1) / 2 for t, n, _ in values)
        jumps = {j for _, _, j in values}
        if why is None and len(jumps) > 1:
            why = Disagreement("jump", axis)
        elif why is None and len({t for t, _, _ in values}) > 1:
            why = Disagreement("centre", axis)
        size.append(_plain(hi - lo + 1))
        jump.append(_plain(max(jumps)))
        start.append(_plain((lo + hi) / 2, half_float=True))
    aligned = why is None and all(s.aligned for s in states)
    return _state(size, jump, start, aligned), why


def _plain(value: Number, *, half_float: bool = False) -> Number:
    """An int when whole (a float when ``half_float``), a float when a half, else exact."""
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return float(value) if half_float else value.numerator
        return float(value) if value.denominator == 2 else value
    if half_float:
        return float(value)
    return int(value) if float(value).is_integer() else value


__all__ = ["Disagreement", "FieldState", "ReceptiveField", "global_field", "through", "union"]
