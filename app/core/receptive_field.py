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

After such a fractional stride the units no longer all see the same number of pixels (two
upsamplings by 2 then a 3-wide kernel: 4 or 8 pixels, by position), and ``size + span ×
jump`` gives only their average. From the first fractional stride on, each axis is also
followed unit by unit over its period (``Phases``: the first and last input pixel of each
unit of one period, from the windows' ``phases``), and ``size`` reports the widest unit;
``jump`` and ``start`` stay the continuous ones (the centre's average). The work is counted
(``MAX_PHASE_STEPS`` per analysis); past it, or past a period of ``MAX_PERIOD`` units, or
after a hull of paths that disagree on jump, the field keeps the average size. When no
unit of a period sees any input pixel (a stride that keeps only inserted zeros), ``size`` is 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from fractions import Fraction
from math import gcd, lcm
from typing import Annotated, Any, Final, cast

from pydantic import Field

from app.core.layers.base import Number, Reads, Window
from app.core.shapes import Shape


@dataclass(slots=True)
class ReceptiveField:
    """A unit's field on the network's input, one entry per spatial axis (see the module).

    ``aligned`` is false when a layer before united paths that disagree on ``jump`` or
    centre: the field given is then the hull of their regions.
    """

    # Tuples: a field is an immutable value, shared by the layers that keep their units in
    # place and by the exact values of ``exact_of``.
    size: tuple[int | float, ...]
    jump: tuple[int | float, ...]
    start: tuple[float, ...]
    padding: tuple[float, ...]
    global_: Annotated[bool, Field(alias="global", serialization_alias="global")] = False
    aligned: bool = True


Exact = tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]
"""A field's exact ``size``, ``jump`` and ``start`` per axis, when one is a ``Fraction``."""


def as_number(value: Number) -> int | float:
    """An exact value for JSON: an int when whole, a float otherwise."""
    if type(value) is Fraction:  # no isinstance: the ABC check costs on this hot path
        return value.numerator if value.denominator == 1 else float(value)
    return cast("int | float", value)


def exact_of(rf: ReceptiveField, exact: Exact | None) -> Exact:
    """The exact values of a field: ``exact`` when given, else its report's (ints and floats)."""
    return (rf.size, rf.jump, rf.start) if exact is None else exact


def input_field(extents: Shape) -> ReceptiveField:
    """The field of the network's input: one pixel, jump 1, first centre at 0."""
    axes = len(extents)
    return ReceptiveField((1,) * axes, (1,) * axes, (0.0,) * axes, (0.0,) * axes)


def _report(
    size: list[Any], jump: list[Any], start: list[Any], aligned: bool, fraction: bool
) -> tuple[ReceptiveField, Exact | None]:
    """The report of a field, and its exact values when ``fraction`` (one may be a Fraction).

    Without a fraction the sizes and jumps are ints and the starts floats, so the values are
    the report's own; starts and effective paddings ``(size - 1) / 2 - start`` are floats.
    """
    if not fraction:
        padding = tuple([(n - 1) / 2 - t for n, t in zip(size, start, strict=True)])
        return ReceptiveField(tuple(size), tuple(jump), tuple(start), padding, False, aligned), None
    report = ReceptiveField(
        tuple([as_number(n) for n in size]),
        tuple([as_number(j) for j in jump]),
        tuple([float(t) for t in start]),
        tuple([float((n - 1) / 2 - t) for n, t in zip(size, start, strict=True)]),
        False,
        aligned,
    )
    return report, (tuple(size), tuple(jump), tuple(start))


def global_field(rf: ReceptiveField, extents: Shape) -> ReceptiveField:
    """A unit that sees the whole input: its extent, centred; jumps kept."""
    return ReceptiveField(
        extents,
        rf.jump,
        tuple([(n - 1) / 2 for n in extents]),
        (0.0,) * len(extents),
        True,
    )


def through(
    rf: ReceptiveField,
    exact: Exact | None,
    windows: Sequence[Window] | None,
    global_: bool,
    extents: Shape,
) -> tuple[ReceptiveField, Exact | None]:
    """The field after a one-input layer with these ``windows`` (``None``: units kept in place).

    ``rf`` and ``exact`` are the incoming field (``exact`` when it holds a ``Fraction``);
    returns the outgoing one the same way. ``global_`` is the layer's ``Step.global_field``;
    a layer whose windows no longer match the input's spatial axes makes the field global.
    A layer that keeps its units in place returns ``rf`` itself: its report is shared.
    """
    if rf.global_ or (windows is None and not global_):
        return rf, exact
    if global_ or windows is None or len(windows) != len(extents):
        return global_field(rf, extents), None
    if exact is None:
        # Ints and floats (wholes and halves): the report's values are the exact values,
        # built in one pass over the axes.
        size: list[Any] = []
        jump: list[Any] = []
        start: list[Any] = []
        padding: list[float] = []
        for w, n, j, t in zip(windows, rf.size, rf.jump, rf.start, strict=True):
            if not w.plain:
                break  # a Fraction: the exact path below
            n += w.span * j
            t += w.offset * j
            size.append(n)
            jump.append(j * w.stride)
            start.append(t)
            padding.append((n - 1) / 2 - t)
        else:
            field = ReceptiveField(
                tuple(size), tuple(jump), tuple(start), tuple(padding), False, rf.aligned
            )
            return field, None
    sizes, jumps, starts = exact_of(rf, exact)
    return _report(
        [n + w.span * j for w, n, j in zip(windows, sizes, jumps, strict=True)],
        [j * w.stride for w, j in zip(windows, jumps, strict=True)],
        [
            Fraction(t) + Fraction(w.offset) * j
            for w, t, j in zip(windows, starts, jumps, strict=True)
        ],
        rf.aligned,
        True,
    )


@dataclass(slots=True)
class Disagreement:
    """Why a merge's paths do not line up: ``jump``, ``centre`` or ``spatial``, and the axis."""

    reason: str
    axis: int


def union(
    rfs: Sequence[ReceptiveField],
    exacts: Sequence[Exact | None],
    spatial: int | None,
    extents: Shape,
) -> tuple[ReceptiveField, Exact | None, Disagreement | None]:
    """The field of a layer taking several inputs: per axis, the hull of their regions.

    ``rfs`` and ``exacts`` are the inputs' fields (see ``through``). ``spatial`` is the
    spatial axis along which the merge itself is not shift-invariant (a concatenation along
    it, a size 1 repeated along it), ``None`` when it is. Returns the
    field and, when the paths do not line up, why.
    """
    first = rfs[0]
    same = aligned = True  # every input the same field; every field aligned
    for rf in rfs:
        if rf.global_:
            return global_field(first, extents), None, None
        same = same and rf is first
        aligned = aligned and rf.aligned
    why = None if spatial is None else Disagreement("spatial", spatial)
    if same:  # one input, or the same one several times
        if why is None:
            return first, exacts[0], None
        return replace(first, aligned=False), exacts[0], why
    for exact in exacts:
        if exact is not None:
            return _exact_union(rfs, exacts, why, extents)
    size: list[Any] = []
    jump: list[Any] = []
    start: list[Any] = []
    padding: list[float] = []
    for axis in range(len(extents)):
        # Ints and floats: wholes and halves, exact in binary.
        n0, j0, t0 = first.size[axis], first.jump[axis], first.start[axis]
        lo, hi, top = t0 - (n0 - 1) / 2, t0 + (n0 - 1) / 2, j0
        jumps_differ = centres_differ = False
        for rf in rfs:
            n, j, t = rf.size[axis], rf.jump[axis], rf.start[axis]
            half = (n - 1) / 2
            if t - half < lo:
                lo = t - half
            if t + half > hi:
                hi = t + half
            if j != j0:
                jumps_differ = True
                top = max(top, j)
            if t != t0:
                centres_differ = True
        if why is None and jumps_differ:
            why = Disagreement("jump", axis)
        elif why is None and centres_differ:
            why = Disagreement("centre", axis)
        whole = hi - lo + 1
        n = int(whole) if whole == int(whole) else whole
        t = float((lo + hi) / 2)
        size.append(n)
        jump.append(top)
        start.append(t)
        padding.append((n - 1) / 2 - t)
    aligned = aligned and why is None
    field = ReceptiveField(tuple(size), tuple(jump), tuple(start), tuple(padding), False, aligned)
    return field, None, why


def _exact_union(
    rfs: Sequence[ReceptiveField],
    exacts: Sequence[Exact | None],
    why: Disagreement | None,
    extents: Shape,
) -> tuple[ReceptiveField, Exact | None, Disagreement | None]:
    """``union`` when an input's field holds a ``Fraction``: every value as a Fraction."""
    values = [exact_of(rf, exact) for rf, exact in zip(rfs, exacts, strict=True)]
    size: list[Any] = []
    jump: list[Any] = []
    start: list[Any] = []
    for axis in range(len(extents)):
        per = [(Fraction(t[axis]), Fraction(n[axis]), Fraction(j[axis])) for n, j, t in values]
        lo = min(t - (n - 1) / 2 for t, n, _ in per)
        hi = max(t + (n - 1) / 2 for t, n, _ in per)
        jumps = {j for _, _, j in per}
        if why is None and len(jumps) > 1:
            why = Disagreement("jump", axis)
        elif why is None and len({t for t, _, _ in per}) > 1:
            why = Disagreement("centre", axis)
        size.append(_plain(hi - lo + 1))
        jump.append(_plain(max(jumps)))
        start.append(_plain((lo + hi) / 2, half_float=True))
    aligned = why is None and all(rf.aligned for rf in rfs)
    fraction = any(type(v) is Fraction for v in (*size, *jump, *start))
    report, exact = _report(size, jump, start, aligned, fraction)
    return report, exact, why


MAX_PERIOD: Final = 4096
"""The most units one period of a field may hold for it to be followed unit by unit."""
MAX_PHASE_STEPS: Final = 200_000
"""The most unit-by-unit steps one analysis spends on its fields (``Phases``): about a tenth
of a second here; a U-Net or an FPN spends a few thousand."""


@dataclass(frozen=True, slots=True)
class Phases:
    """One axis of a field followed unit by unit, after a fractional stride.

    Unit ``u = m × period + s`` sees the input pixels ``lo[s] + m × shift`` to
    ``hi[s] + m × shift`` (``None``: it sees none, a transposed convolution's phase that no
    tap reaches). ``shift / period`` is the field's ``jump``.
    """

    period: int
    shift: int
    lo: tuple[int | None, ...]
    hi: tuple[int | None, ...]

    def edges(self, u: int) -> tuple[int, int] | None:
        """The first and last input pixel unit ``u`` sees, or ``None``."""
        m, s = divmod(u, self.period)
        lo, hi = self.lo[s], self.hi[s]
        if lo is None or hi is None:
            return None
        return lo + m * self.shift, hi + m * self.shift

    def widest(self) -> int:
        """The most input pixels one unit sees (0 when no unit sees any)."""
        widths = [
            hi - lo + 1
            for lo, hi in zip(self.lo, self.hi, strict=True)
            if lo is not None and hi is not None
        ]
        return max(widths, default=0)


Tables = tuple[Phases, ...]
"""A field's ``Phases``, one per spatial axis."""


def uniform_phases(rf: ReceptiveField, exact: Exact | None) -> Tables | None:
    """The ``Phases`` of a field whose units all see the same window (period 1).

    ``None`` when its values are not whole pixels (a field already past a fractional stride,
    or a hull of paths that disagree).
    """
    out: list[Phases] = []
    for n, j, t in zip(*exact_of(rf, exact), strict=True):
        lo = Fraction(t) - (Fraction(n) - 1) / 2
        if lo.denominator != 1 or Fraction(n).denominator != 1 or Fraction(j).denominator != 1:
            return None
        first = int(lo)
        out.append(Phases(1, int(j), (first,), (first + int(n) - 1,)))
    return tuple(out)


def phases_through(
    tables: Tables | None,
    rf: ReceptiveField,
    exact: Exact | None,
    windows: Sequence[Window],
    budget: int,
) -> tuple[Tables | None, int]:
    """The field unit by unit after a layer's ``windows``, and the steps it took.

    ``tables`` are the incoming field's (``None``: its units all see the same window, taken
    from ``rf`` and ``exact``). Output unit ``o = q b + r`` of a window of stride ``a / b``
    reads the input units ``q a + first``, ``+ step``, … ``q a + last`` (``Window.phases``);
    its pixels run from the lowest first pixel of the units it reads to their highest last
    one (units that see nothing left out). The period becomes ``b × T / gcd(a, T)``. ``None``
    when a window cannot say its phases, or past ``budget`` steps or ``MAX_PERIOD`` units.
    """
    if tables is None:
        tables = uniform_phases(rf, exact)
        if tables is None:
            return None, 0
    out: list[Phases] = []
    spent = 0
    for field, w in zip(tables, windows, strict=True):
        stride = Fraction(w.stride)
        a, b = stride.numerator, stride.denominator
        reads = w.phases if w.phases is not None else _whole_reads(w, b)
        if reads is None:
            return None, spent
        k = field.period // gcd(a, field.period)
        period = k * b
        taps = max(len(range(first, last + 1, step)) for first, last, step in reads)
        spent += period * max(taps, 1)
        if period > MAX_PERIOD or spent > budget:
            return None, spent
        lo: list[int | None] = []
        hi: list[int | None] = []
        for o in range(period):
            q, r = divmod(o, b)
            first, last, step = reads[r]
            units = range(q * a + first, q * a + last + 1, step)
            first_px, last_px = _hull([field.edges(u) for u in units])
            lo.append(first_px)
            hi.append(last_px)
        out.append(Phases(period, k * a // field.period * field.shift, tuple(lo), tuple(hi)))
    return tuple(out), spent


def _hull(edges: Sequence[tuple[int, int] | None]) -> tuple[int | None, int | None]:
    """The first and last pixel any of ``edges`` sees (``None``, ``None``: none sees one)."""
    seen = [e for e in edges if e is not None]
    if not seen:
        return None, None
    return min(e[0] for e in seen), max(e[1] for e in seen)


def _whole_reads(w: Window, b: int) -> Reads | None:
    """The one phase of a window with a whole stride: ``offset - span / 2`` to ``+ span``."""
    first = Fraction(w.offset) - Fraction(w.span) / 2
    if b != 1 or first.denominator != 1 or Fraction(w.span).denominator != 1:
        return None
    return ((int(first), int(first) + int(w.span), 1),)


def phases_union(
    tables: Sequence[Tables | None],
    rfs: Sequence[ReceptiveField],
    exacts: Sequence[Exact | None],
    budget: int,
) -> tuple[Tables | None, int]:
    """The hull unit by unit of a merge's inputs, and the steps it took.

    ``None`` when an input's field cannot be followed unit by unit, when the paths disagree
    on jump, or past ``budget`` steps or ``MAX_PERIOD`` units.
    """
    given: list[Tables] = []
    for table, rf, exact in zip(tables, rfs, exacts, strict=True):
        one = table if table is not None else uniform_phases(rf, exact)
        if one is None:
            return None, 0
        given.append(one)
    out: list[Phases] = []
    spent = 0
    for axis in range(len(given[0])):
        fields = [t[axis] for t in given]
        jumps = {Fraction(f.shift, f.period) for f in fields}
        if len(jumps) != 1:
            return None, spent
        period = lcm(*(f.period for f in fields))
        spent += period * len(fields)
        if period > MAX_PERIOD or spent > budget:
            return None, spent
        lo: list[int | None] = []
        hi: list[int | None] = []
        for u in range(period):
            first_px, last_px = _hull([f.edges(u) for f in fields])
            lo.append(first_px)
            hi.append(last_px)
        shift = int(jumps.pop() * period)
        out.append(Phases(period, shift, tuple(lo), tuple(hi)))
    return tuple(out), spent


def widest(rf: ReceptiveField, tables: Tables) -> ReceptiveField:
    """``rf`` reported with each axis's widest unit as its ``size`` (see the module)."""
    size = list(rf.size)
    for axis, field in enumerate(tables):
        size[axis] = field.widest()
    if size == list(rf.size):
        return rf
    padding = tuple(
        [float((Fraction(n) - 1) / 2 - Fraction(t)) for n, t in zip(size, rf.start, strict=True)]
    )
    return replace(rf, size=tuple(size), padding=padding)


def _plain(value: Number, *, half_float: bool = False) -> Number:
    """An int when whole (a float when ``half_float``), a float when a half, else exact."""
    if type(value) is Fraction:
        if value.denominator == 1:
            return float(value) if half_float else value.numerator
        return float(value) if value.denominator == 2 else value
    if half_float:
        return float(value)
    return int(value) if float(value).is_integer() else value


__all__ = [
    "MAX_PERIOD",
    "MAX_PHASE_STEPS",
    "Disagreement",
    "Exact",
    "Phases",
    "ReceptiveField",
    "Tables",
    "as_number",
    "exact_of",
    "global_field",
    "input_field",
    "phases_through",
    "phases_union",
    "through",
    "uniform_phases",
    "union",
    "widest",
]
