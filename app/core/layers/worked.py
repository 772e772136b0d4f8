"""The toolkit a layer kind writes its worked steps with: message codes, numbers, formulas.

A kind's ``explain()`` returns, per field (output shape, weight, bias, parameters), a list of
``Line``: a message (a code of the catalogues in ``app.core.messages`` with its parameters)
and the formula alone. The kind picks the codes and the numbers; ``app.core.explain`` renders
the messages in English or French. Formulas use the course's notation; they chain
``symbolic = substituted = … = result``. Nothing here knows a language: numbers are written
with plain digits (``num``), and ``app.core.explain`` writes them as the language does
(``1 225 500`` in French, ``app.core.messages.numbers.format_formula``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from app.core.messages import Axes, Msg
from app.core.shapes import AxisGeometry, AxisOutput

AXIS_NAMES: Final = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}
"""The course's names of the spatial axes."""


@dataclass(frozen=True, slots=True)
class Line:
    """One worked step: its sentence (``None`` for a formula alone) and its formula."""

    text: Msg | None
    formula: str | None = None


Worked = dict[str, list[Line]]
"""A layer's worked steps by field: ``output_shape``, ``weight_shape``, ``bias_shape``,
``params`` (the receptive field is told from the windows, by ``app.core.explain``)."""


def say(code: str, formula: str | None = None, **params: Any) -> Line:
    """The line ``code`` with ``params``, and its formula."""
    return Line(Msg(code, params), formula)


# --- numbers and shapes ---------------------------------------------------------------------


def num(value: int | float | Fraction) -> str:
    """A number as a formula writes it: ``32``, ``7/2`` for a fraction, ``0.5``."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        value = Fraction(value).limit_denominator(1 << 20)
    if isinstance(value, Fraction):
        if value.denominator == 1:
            return str(value.numerator)
        return f"{value.numerator}/{value.denominator}"
    return str(value)


def shape_text(shape: Sequence[int | float]) -> str:
    """A shape as the course writes it in a sentence: ``10×32×32``."""
    return "×".join(num(n) for n in shape) if shape else "1"


def shape_formula(shape: Sequence[int | float]) -> str:
    """A shape inside a formula: ``10 × 32 × 32``."""
    return " × ".join(num(n) for n in shape) if shape else "1"


def axis_names(d: int) -> tuple[str, ...]:
    """``L``; ``H, W``; ``D, H, W``."""
    return AXIS_NAMES.get(d, tuple(f"X{i}" for i in range(d)))


def kernel_symbols(d: int) -> list[str]:
    """``K`` in 1-D, ``K_h × K_w`` in 2-D, ``K_d × K_h × K_w`` in 3-D."""
    if d == 1:
        return ["K"]
    return ["K_" + name.lower() for name in AXIS_NAMES.get(d, tuple(str(i) for i in range(d)))]


def tensor_names(rank: int) -> tuple[str, ...]:
    """Names of a tensor's axes, channels first: ``C × H × W``; a bare vector is ``F``."""
    if rank == 1:
        return ("F",)
    return ("C", *axis_names(rank - 1))


def group_axes(keys: Sequence[Any]) -> list[list[int]]:
    """Axes grouped by equal keys, in order: ``[(32,5), (32,5)]`` gives ``[[0, 1]]``."""
    groups: dict[Any, list[int]] = {}
    for axis, key in enumerate(keys):
        groups.setdefault(key, []).append(axis)
    return list(groups.values())


def axes_label(name: str, others: Sequence[str]) -> str | Msg:
    """``H``, or ``H (the same for W)`` when other axes share its numbers."""
    if not others:
        return name
    return Msg("axes_same", {"name": name, "others": Axes(tuple(others))})


def unit_of(name: str) -> str:
    """What one step along an axis is called: a column (W), a position (L), a slice (D), a row."""
    return {"W": "column", "L": "position", "D": "slice"}.get(name, "row")


# --- a sliding window along one axis --------------------------------------------------------


def window_formula(
    name: str,
    n: int,
    k: int,
    s: int,
    pad_l: int,
    pad_r: int,
    d: int,
    out: AxisOutput,
    *,
    ceil_mode: bool = False,
) -> str:
    """``H' = (H - K + 2P) / S + 1 = (32 - 5 + 2×2) / 1 + 1 = 32``, floored when not exact.

    The symbolic form follows the course when it can (no dilation, symmetric padding) and
    PyTorch's ``(N + 2P - D × (K - 1) - 1) / S + 1`` otherwise.
    """
    if pad_l != pad_r:
        pads_sym, pads_num = "P_l + P_r", f"{pad_l} + {pad_r}"
        if d == 1:
            sym, sub = f"{name} + {pads_sym} - K", f"{n} + {pads_num} - {k}"
        else:
            sym = f"{name} + {pads_sym} - D × (K - 1) - 1"
            sub = f"{n} + {pads_num} - {d} × ({k} - 1) - 1"
    elif d == 1:
        sym, sub = f"{name} - K + 2P", f"{n} - {k} + 2×{pad_l}"
    else:
        sym = f"{name} + 2P - D × (K - 1) - 1"
        sub = f"{n} + 2×{pad_l} - {d} × ({k} - 1) - 1"
    span, size = out.span, out.size
    if out.exact:
        text = f"{name}' = ({sym}) / S + 1 = ({sub}) / {s} + 1"
        if s != 1:
            text += f" = {span} / {s} + 1"
        return f"{text} = {size}"
    if ceil_mode:
        rounded = -(-span // s)
        return (
            f"{name}' = ⌈({sym}) / S⌉ + 1 = ⌈({sub}) / {s}⌉ + 1 = ⌈{span} / {s}⌉ + 1"
            f" = {rounded} + 1 = {rounded + 1}"
        )
    return (
        f"{name}' = ⌊({sym}) / S⌋ + 1 = ⌊({sub}) / {s}⌋ + 1 = ⌊{span} / {s}⌋ + 1"
        f" = {span // s} + 1 = {size}"
    )


def division_lines(
    name: str, out: AxisOutput, *, ceil_mode: bool = False, n: int = 0, p: int = 0
) -> list[Line]:
    """What the division did: exact, floored (and what is left unread), or ceiled."""
    s, span = out.stride, out.span
    if out.exact:
        return [] if s == 1 else [say("exact", span=span, s=s)]
    if ceil_mode:
        rounded = -(-span // s) + 1
        lines = [say("ceil", span=span, s=s)]
        if rounded != out.size:
            start, end = (rounded - 1) * s, n + p
            lines.append(
                say(
                    "ceil_drop",
                    f"{name}' = {rounded} - 1 = {out.size}",
                    o=rounded,
                    s=s,
                    start=start,
                    n=n,
                    p=p,
                    end=end,
                )
            )
        return lines
    unit = unit_of(name)
    if out.unread > 1:
        left = Msg("unread", {"u": out.unread, "units": Msg(f"units_{unit}")})
    elif out.unread == 1:
        left = Msg("unread_one", {"unit": Msg(f"unit_{unit}")})
    else:
        left = Msg("unread_pad")
    return [say("floor", span=span, s=s, left=left)]


def axis_lines(
    name: str,
    n: int,
    k: int,
    s: int,
    pad_l: int,
    pad_r: int,
    d: int,
    out: AxisOutput,
    *,
    others: Sequence[str] = (),
    pool: bool = False,
    ceil_mode: bool = False,
) -> list[Line]:
    """The output size of one axis (or several with the same sizes) of a sliding window."""
    axes = axes_label(name, others)
    if pad_l != pad_r:
        intro = Msg(
            "size_conv_asym", {"axes": axes, "n": n, "k": k, "pl": pad_l, "pr": pad_r, "s": s}
        )
    else:
        code = "size_pool" if pool else "size_conv"
        intro = Msg(code, {"axes": axes, "n": n, "k": k, "p": pad_l, "s": s})
    lines: list[Line] = []
    if d != 1:
        keff = d * (k - 1) + 1
        lines.append(
            say(
                "dilation",
                f"K_eff = D × (K - 1) + 1 = {d} × ({k} - 1) + 1 = {keff}",
                d=d,
                k=k,
                keff=keff,
            )
        )
    lines.append(
        Line(intro, window_formula(name, n, k, s, pad_l, pad_r, d, out, ceil_mode=ceil_mode))
    )
    lines.extend(division_lines(name, out, ceil_mode=ceil_mode, n=n, p=pad_l))
    return lines


def window_lines(
    geometry: Sequence[AxisGeometry],
    outputs: Sequence[AxisOutput],
    *,
    pool: bool = False,
    ceil_mode: bool = False,
) -> list[Line]:
    """``axis_lines`` for every axis of a sliding window, grouped where the numbers agree."""
    names = axis_names(len(geometry))
    keys = [
        (g.size, g.kernel, g.stride, (g.pad_left, g.pad_right), g.dilation, out)
        for g, out in zip(geometry, outputs, strict=True)
    ]
    lines: list[Line] = []
    for group in group_axes(keys):
        g = geometry[group[0]]
        lines.extend(
            axis_lines(
                names[group[0]],
                g.size,
                g.kernel,
                g.stride,
                g.pad_left,
                g.pad_right,
                g.dilation,
                outputs[group[0]],
                others=[names[b] for b in group[1:]],
                pool=pool,
                ceil_mode=ceil_mode,
            )
        )
    return lines


# --- whole layers ---------------------------------------------------------------------------


def output_line(code: str, out: Sequence[int], *, c_out: bool = False) -> Line:
    """``So the output is 20×28×28 …`` with ``C_out × H' × W' = 20 × 28 × 28``."""
    symbols = " × ".join(("C_out" if c_out else "C", *(f"{n}'" for n in axis_names(len(out) - 1))))
    return say(code, f"{symbols} = {shape_formula(out)}", shape=shape_text(out), c=out[0])


def kept_lines(first: Line, x: Sequence[int]) -> list[Line]:
    """A layer that keeps the shape: what it does, then ``The shape is kept``."""
    return [first, say("out_kept", shape_formula(x), shape=shape_text(x))]


def without_parameters(output: list[Line], code: str = "params_none") -> Worked:
    """The steps of a layer that has no weight, no bias and no parameters."""
    return {"output_shape": output, "weight_shape": [], "bias_shape": [], "params": [say(code)]}


__all__ = [
    "AXIS_NAMES",
    "Axes",
    "Line",
    "Msg",
    "Worked",
    "axis_lines",
    "axis_names",
    "division_lines",
    "group_axes",
    "kept_lines",
    "kernel_symbols",
    "num",
    "output_line",
    "say",
    "shape_formula",
    "shape_text",
    "tensor_names",
    "window_formula",
    "window_lines",
    "without_parameters",
]
