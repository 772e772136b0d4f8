"""Resampling: ``upsample`` (``nn.Upsample``), ``pixelshuffle`` and ``pixelunshuffle``.

None of them has parameters or multiply-accumulates (``FlopCounterMode`` counts none); they
move, repeat or interpolate values. Their receptive fields follow Araujo et al. (Distill,
2019) with a window per spatial axis whose stride is the input distance between two
neighbouring outputs, ``c`` input units per output unit (``1/s`` when upsampling by ``s``,
as a transposed convolution's ``1/S``): ``jump' = jump × c``, ``size' = size + span × jump``,
``start' = start + offset × jump``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    MAX_PHASE_WORK,
    Bool,
    LayerSpec,
    Measurement,
    Number,
    Pos,
    PosAxes,
    Reads,
    Refusal,
    Step,
    Window,
    axes_of,
    fmt,
)
from app.core.layers.cases import Chooser, chance, pick, spatial_dims
from app.core.layers.worked import (
    Line,
    Worked,
    axis_names,
    group_axes,
    output_line,
    say,
    without_parameters,
)
from app.core.messages import Axes, Msg, msg
from app.core.shapes import Shape

PosReal = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
"""A real number above 0 (an int is read as a float, as ``nn.Upsample`` does)."""
if TYPE_CHECKING:
    ScaleAxes = float | tuple[float, ...]
else:
    ScaleAxes = axes_of(PosReal)

Mode = Literal["nearest", "linear", "bilinear", "bicubic", "trilinear"]
MODE_RANKS: dict[str, int] = {"linear": 3, "bilinear": 4, "bicubic": 4, "trilinear": 5}
"""The batched input rank each interpolating mode needs (``F.interpolate``)."""
TAPS: dict[str, int] = {"nearest": 1, "linear": 2, "bilinear": 2, "trilinear": 2, "bicubic": 4}
"""Input values one output reads along an axis: ``span + 1`` when the source falls between."""
SIZE_NAMES = {1: ("W",), 2: ("H", "W"), 3: ("D", "H", "W")}
"""ATen's names of the axes in its size checks (``upsample_1d_common_check``, …)."""


def decimal(value: float) -> Fraction:
    """The scale as the decimal it is written with: ``1.1`` is ``11/10``, not the binary float."""
    return Fraction(repr(value))


def _window(
    span: int,
    c: Fraction,
    offset: Fraction,
    phases: Reads | None = None,
) -> Window:
    """A window with whole numbers kept as ints."""
    exact: list[Number] = [v.numerator if v.denominator == 1 else v for v in (c, offset)]
    return Window(span, exact[0], exact[1], phases)


def source_phases(c: Fraction, taps: int, *, centred: bool, nearest: bool) -> Reads | None:
    """The input units each output phase of an upsampling reads (``Window.phases``).

    With ``c = a / b`` and output ``o = q b + r``, PyTorch's source index is ``o c`` (nearest,
    or ``align_corners``) or ``(o + 1/2) c - 1/2``, i.e. ``q a`` plus ``r a / b`` or
    ``(2 r a + a - b) / 2b``. Nearest reads its floor; an interpolation reads ``taps`` values
    from one before the floor (bicubic) or from the floor, but only the floor when the index
    is whole (the other weights are 0). ``None`` for a whole ``c`` (``b = 1``: the window
    says it) or past ``MAX_PHASE_WORK`` phases.
    """
    a, b = c.numerator, c.denominator
    if b == 1 or b > MAX_PHASE_WORK:
        return None
    out: list[tuple[int, int, int]] = []
    for r in range(b):
        top, bottom = (2 * r * a + a - b, 2 * b) if centred else (r * a, b)
        floor = top // bottom
        if nearest or top % bottom == 0:
            out.append((floor, floor, 1))
        else:
            before = 1 if taps == 4 else 0
            out.append((floor - before, floor - before + taps - 1, 1))
    return tuple(out)


class Upsample(LayerSpec):
    """Upsampling (``nn.Upsample``): ``size`` or ``scale_factor``, and an interpolation ``mode``.

    Shape, per spatial axis: ``O = size``, or ``O = floor(N × scale_factor)`` computed in
    double precision as PyTorch does (``50 × 2.3`` is ``114.99…``, so 114), at least 1.
    Exactly one of ``size`` and ``scale_factor``; ``linear`` needs a ``C × L`` input,
    ``bilinear`` and ``bicubic`` ``C × H × W``, ``trilinear`` ``C × D × H × W``; ``nearest``
    any of them; ``align_corners`` only with an interpolating mode; ``recompute_scale_factor``
    (values only) not with ``size``. No parameters, no MACs.

    Receptive field, per axis, from PyTorch's source index (``UpSample.h``): output ``o``
    reads around ``o × c`` with ``c`` = 1 when ``O = N``; else ``(N - 1) / (O - 1)`` with
    ``align_corners``; else ``1 / scale_factor`` when given (not recomputed), else ``N / O``
    (``nearest`` takes ``1/2`` when ``O = 2N``). Nearest reads ``floor(o c)``: span 0, centre
    ``o c - (b - 1) / (2b)`` on average, ``c = a / b``. Linear modes read the 2 (bicubic 4)
    values around ``(o + 1/2) c - 1/2`` (``o c`` with ``align_corners``), or 1 when that is
    whole for every ``o`` (``c`` odd, or whole with ``align_corners``): span 1 (3) or 0,
    offset ``(c - 1) / 2`` (0). Exact when ``c`` is whole (subsampling by an integer, or the
    same size): every unit's field is the one described, moved by the jump. Otherwise units
    alternate, as a strided transposed convolution's do (upsampling by 2 reads input
    ``floor(o / 2)``, two units per input): ``jump`` is exact, ``size`` is the widest unit's,
    ``start`` their centre on average over a period; and the scale is taken as the decimal
    written (PyTorch computes ``1 / scale_factor`` in floating point, so a unit far along may
    read its neighbour). The torch check then compares the widest field and the jump over a
    period, not the start (``tests/torch/test_resample.py`` checks the average centre).
    Units at the borders read fewer values (clamped indices), as padding would.
    """

    type: Literal["upsample"]
    size: PosAxes | None = None
    scale_factor: ScaleAxes | None = None
    mode: Mode = "nearest"
    align_corners: Bool | None = None
    recompute_scale_factor: Bool | None = None
    torch_class: ClassVar[str] = "Upsample"
    refused_names: ClassVar[dict[str, Refusal]] = {
        # Keras's size is a factor; PyTorch's size is the output size.
        f"upsampling{d}d": Refusal("foreign_upsampling")
        for d in (1, 2, 3)
    }
    positional: ClassVar[tuple[str, ...]] = (
        "size",
        "scale_factor",
        "mode",
        "align_corners",
        "recompute_scale_factor",
    )
    picture: ClassVar[str] = "pool"
    measured_as: ClassVar[Measurement] = "as_is"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a mode that fits the rank and one of size or scale_factor; sometimes not."""
        d = spatial_dims(x)
        fitting = {1: ["linear"], 2: ["bilinear", "bicubic"], 3: ["trilinear"]}.get(d, [])
        modes: list[str] = ["nearest", *fitting] if chance(c, 90) else list(TAPS)
        layer: dict[str, Any] = {"mode": pick(c, modes)}
        choice = c.integer(1, 100)
        scales = [1, 2, 3, 0.5, 1.5, 2.5, 4]
        if choice <= 60 or choice > 97:
            count = d if d <= 1 or chance(c, 92) else c.integer(1, 4)
            layer["scale_factor"] = (
                pick(c, scales) if chance(c, 60) else [pick(c, scales) for _ in range(count)]
            )
        if choice > 60:
            count = d if d <= 1 or chance(c, 92) else c.integer(1, 4)
            layer["size"] = (
                c.integer(1, 16) if chance(c, 50) else [c.integer(1, 16) for _ in range(count)]
            )
        interpolating = layer["mode"] != "nearest"
        if chance(c, 40 if interpolating else 4):
            layer["align_corners"] = chance(c, 50)
        if chance(c, 10):
            layer["recompute_scale_factor"] = chance(c, 70)
        return layer

    def check(self, x: Shape) -> int:
        """Check the fields against ``x`` in ``F.interpolate``'s order; the spatial axes.

        Raises:
            FieldError: PyTorch's refusal, in its words.
        """
        if self.mode == "nearest" and self.align_corners is not None:
            raise FieldError("align_corners", msg("upsample_align_corners"), ErrorCode.ARGUMENTS)
        d = len(x) - 1
        if (self.size is None) == (self.scale_factor is None):
            if self.size is None:
                raise FieldError("scale_factor", msg("upsample_no_size"), ErrorCode.ARGUMENTS)
            raise FieldError("size", msg("upsample_size_and_scale"), ErrorCode.ARGUMENTS)
        for name, value in (("size", self.size), ("scale_factor", self.scale_factor)):
            if isinstance(value, tuple) and len(value) != d:
                raise FieldError(
                    name,
                    msg(
                        f"upsample_{name}_axes",
                        dims=str(list(x[1:])),
                        value=literal_tuple(value),
                        given=len(value),
                        axes=d,
                    ),
                    ErrorCode.AXES,
                )
        if self.recompute_scale_factor and self.size is not None:
            raise FieldError(
                "recompute_scale_factor", msg("upsample_recompute_size"), ErrorCode.ARGUMENTS
            )
        rank = len(x) + 1
        needed = MODE_RANKS.get(self.mode)
        if rank not in (3, 4, 5) or (needed is not None and rank != needed):
            code = "upsample_mode_rank"
            if rank not in (3, 4, 5) or self.mode == "bicubic":
                code = "upsample_rank"
            raise FieldError(
                "mode",
                msg(code, mode=self.mode, shape=fmt(x), rank=rank, needed=needed or 4),
                ErrorCode.RANK,
            )
        return d

    def sizes(self, x: Shape, d: int) -> tuple[int, ...]:
        """The output size per axis: ``size``, or ``floor(N × scale_factor)`` in doubles.

        Raises:
            FieldError: an output size below 1, or one no tensor can have.
        """
        if self.size is not None:
            out = (self.size,) * d if isinstance(self.size, int) else self.size
        else:
            products = [n * (s or 0.0) for n, s in zip(x[1:], self.scales(d), strict=True)]
            if any(not math.isfinite(p) or p >= 2**62 for p in products):
                raise FieldError(
                    "scale_factor",
                    msg("upsample_scale_overflow", value=literal_tuple(self.scale_factor)),
                    ErrorCode.LIMIT,
                )
            out = tuple(int(p) for p in products)
        if min(out) < 1:
            names = " ".join(f"{a}: {n}," for a, n in zip(SIZE_NAMES[d], x[1:], strict=True))
            outs = " ".join(f"{a}: {n}," for a, n in zip(SIZE_NAMES[d], out, strict=True))
            axis = min(range(d), key=lambda a: out[a])
            raise FieldError(
                "scale_factor" if self.size is None else "size",
                msg("upsample_output_small", input=names[:-1], output=outs[:-1]),
                ErrorCode.OUTPUT_TOO_SMALL,
                axis=axis,
            )
        return out

    def scales(self, d: int) -> tuple[float | None, ...]:
        """``scale_factor`` per axis (one value expanded); ``None`` on each when not given."""
        s = self.scale_factor
        return (s,) * d if s is None or isinstance(s, float) else s

    def ratio(self, n: int, o: int, scale: float | None) -> Fraction:
        """``c``: input units per output unit along an axis, as PyTorch's source index uses it.

        ``scale`` is the axis's ``scale_factor``, or ``None`` when ``size`` is given.
        """
        if o == n:
            return Fraction(1)  # PyTorch copies: every mode reads o itself
        if self.mode == "nearest" and o == 2 * n:
            return Fraction(1, 2)  # nearest_idx shifts o right by one bit
        if self.mode != "nearest" and self.align_corners:
            return Fraction(n - 1, o - 1) if o > 1 else Fraction(1)
        if scale is not None and not self.recompute_scale_factor:
            return 1 / decimal(scale)
        return Fraction(n, o)

    def window(self, n: int, o: int, scale: float | None) -> Window:
        """The receptive-field window of one axis (see the class docstring)."""
        c = self.ratio(n, o, scale)
        if self.mode == "nearest":
            b = c.denominator
            phases = source_phases(c, 1, centred=False, nearest=True)
            return _window(0, c, Fraction(1 - b, 2 * b), phases)
        aligned = bool(self.align_corners)
        whole = c.denominator == 1 and (aligned or c.numerator % 2 == 1)
        span = 0 if whole else TAPS[self.mode] - 1
        phases = source_phases(c, TAPS[self.mode], centred=not aligned, nearest=False)
        return _window(span, c, Fraction(0) if aligned else (c - 1) / 2, phases)

    def infer(self, x: Shape) -> Step:
        """Output and windows of the upsampling; no parameters."""
        d = self.check(x)
        out = self.sizes(x, d)
        scales = self.scales(d) if self.size is None else (None,) * d
        windows = tuple(self.window(n, o, s) for n, o, s in zip(x[1:], out, scales, strict=True))
        return Step(output=(x[0], *out), windows=windows)

    def explain(self, x: Shape, step: Step) -> Worked:
        """Output size per axis (given, or the input times the scale, floored); the mode."""
        d = len(x) - 1
        names = axis_names(d)
        out = step.output[1:]
        lines: list[Line] = []
        scales = self.scales(d)
        for group in group_axes([(x[1 + a], scales[a]) for a in range(d)]):
            a, name = group[0], names[group[0]]
            axes = Axes(tuple(names[b] for b in group))
            scale = scales[a]
            if scale is None:
                lines.append(say("upsample_size", f"{name}' = {out[a]}", axes=axes, m=out[a]))
                continue
            n, product = x[1 + a], x[1 + a] * scale
            formula = f"{name}' = ⌊{name} × scale_factor⌋ = ⌊{n} × {scale_text(scale)}⌋"
            if not product.is_integer() or float(decimal(scale) * n) != product:
                formula += f" = ⌊{product!r}⌋"
            lines.append(
                say("upsample_scale", f"{formula} = {out[a]}", axes=axes, n=n, s=scale_text(scale))
            )
        taps = TAPS[self.mode]
        if self.mode == "nearest":
            lines.append(say("upsample_nearest"))
        else:
            corners = Msg("upsample_corners" if self.align_corners else "upsample_centres")
            lines.append(say("upsample_interpolate", mode=self.mode, taps=taps, corners=corners))
        lines.append(output_line("out_upsample", step.output))
        return without_parameters(lines, "params_none_resample")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.Upsample`` arguments (tuples stay tuples: it refuses a list of scales)."""
        return {
            "size": self.size,
            "scale_factor": self.scale_factor,
            "mode": self.mode,
            "align_corners": self.align_corners,
            "recompute_scale_factor": self.recompute_scale_factor,
        }


def literal_tuple(value: Any) -> str:
    """A value as PyTorch prints it in its messages: ``(3, 4)``, ``(2.0,)``, ``2.0``."""
    return repr(tuple(value)) if isinstance(value, tuple | list) else repr(value)


def space_lines(x: Shape, out: Shape, by: str, symbol: str, code: str, r: int) -> list[Line]:
    """``H' = H × r = 4 × 2 = 8`` for height and width, told once when they agree."""
    names = ("H", "W")
    lines: list[Line] = []
    for group in group_axes([x[1], x[2]]):
        a = group[0]
        name = names[a]
        formula = f"{name}' = {name} {symbol} = {x[1 + a]} {by} = {out[1 + a]}"
        lines.append(say(code, formula, axes=Axes(tuple(names[b] for b in group)), r=r))
    return lines


def scale_text(scale: float) -> str:
    """A scale as written: ``2`` for ``2.0``, ``2.3`` (never the binary float's fraction)."""
    return str(int(scale)) if scale.is_integer() else repr(scale)


class ShuffleFamily(LayerSpec):
    """Pixel shuffle and unshuffle: values moved between channels and space, on ``C × H × W``."""

    picture: ClassVar[str] = "pool"
    measured_as: ClassVar[Measurement] = "across_channels"
    op: ClassVar[str]
    """PyTorch's function name in its messages (``pixel_shuffle``)."""

    def image(self, x: Shape) -> None:
        """Check that ``x`` is ``C × H × W``.

        Raises:
            FieldError: fewer than 3 dimensions with the batch (PyTorch's refusal); 3 (the
                batch would be read as the channels) or more than 4 (the depth as the
                channels), which cnncalc does not take.
        """
        if len(x) == 3:
            return
        if len(x) < 2:
            raise FieldError(None, msg("shuffle_rank", op=self.op, rank=len(x) + 1), ErrorCode.RANK)
        if len(x) == 2:
            raise FieldError(
                None, msg("shuffle_batch", op=self.op, shape=fmt(x)), ErrorCode.UNSUPPORTED
            )
        raise FieldError(
            None, msg("shuffle_depth", op=self.op, shape=fmt(x), size=x[-3]), ErrorCode.UNSUPPORTED
        )


class PixelShuffle(ShuffleFamily):
    """Pixel shuffle (``nn.PixelShuffle``): ``C × H × W`` to ``C / r² × rH × rW``.

    Shape: ``C' = C / r²`` (``C`` must be divisible by ``r²``), ``H' = r H``, ``W' = r W``. No
    parameters, no MACs. PyTorch takes any rank from 3 with the batch and rearranges the last
    three axes; cnncalc takes ``C × H × W`` only (on ``C × L`` the batch would be the
    channels, on ``C × D × H × W`` the depth).

    Receptive field: output ``(c', i, j)`` is input ``(c' r² + (i mod r) r + j mod r,
    floor(i / r), floor(j / r))``, so across its channels a position reads one input position,
    as a nearest upsampling by ``r`` does: per axis span 0, stride ``1/r``, offset
    ``-(r - 1) / (2r)`` (a transposed convolution of kernel and stride ``r``). ``size`` and
    ``jump`` are exact; ``r`` outputs share an input, so ``start`` is their average centre.
    The torch check measures it on all the channels it reads (``across_channels``).
    """

    type: Literal["pixelshuffle"]
    upscale_factor: Pos
    torch_class: ClassVar[str] = "PixelShuffle"
    positional: ClassVar[tuple[str, ...]] = ("upscale_factor",)
    op: ClassVar[str] = "pixel_shuffle"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a factor whose square divides the channels, else 1 to 3."""
        fits = [r for r in (1, 2, 3) if x[0] % (r * r) == 0]
        return {"upscale_factor": pick(c, fits) if chance(c, 80) else c.integer(1, 3)}

    def infer(self, x: Shape) -> Step:
        """Output and windows of the shuffle."""
        self.image(x)
        r = self.upscale_factor
        if x[0] % (r * r) != 0:
            raise FieldError(
                "upscale_factor",
                msg("pixel_shuffle_channels", channels=x[0], square=r * r),
                ErrorCode.NOT_DIVISIBLE,
            )
        # Output o reads input floor(o / r) along each axis: phase by phase, the same unit.
        phases = ((0, 0, 1),) * r if r <= MAX_PHASE_WORK else None
        window = _window(0, Fraction(1, r), Fraction(1 - r, 2 * r), phases)
        return Step(output=(x[0] // (r * r), x[1] * r, x[2] * r), windows=(window, window))

    def explain(self, x: Shape, step: Step) -> Worked:
        """Channels divided by ``r²``, height and width multiplied by ``r``."""
        r, out = self.upscale_factor, step.output
        lines = [
            say("pixelshuffle", f"C' = C / r² = {x[0]} / {r * r} = {out[0]}", r=r, r2=r * r),
            *space_lines(x, out, f"× {r}", "× r", "space_times", r),
            output_line("out_shape", out),
        ]
        return without_parameters(lines, "params_none_resample")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.PixelShuffle`` arguments."""
        return {"upscale_factor": self.upscale_factor}


class PixelUnshuffle(ShuffleFamily):
    """Pixel unshuffle (``nn.PixelUnshuffle``): ``C × H × W`` to ``C r² × H / r × W / r``.

    Shape: ``C' = C r²``, ``H' = H / r``, ``W' = W / r`` (``H`` and ``W`` must be divisible by
    ``r``). No parameters, no MACs. Ranks as ``pixelshuffle``.

    Receptive field, exact (a whole stride): output ``(c', i, j)`` is input ``(floor(c' / r²),
    r i + floor(c' / r) mod r, r j + c' mod r)``, so across its channels a position reads the
    ``r × r`` block at ``(r i, r j)``: per axis a window of ``r`` with stride ``r`` and no
    padding, as a pooling of kernel and stride ``r``. The torch check measures it on all the
    channels it writes (``across_channels``).
    """

    type: Literal["pixelunshuffle"]
    downscale_factor: Pos
    torch_class: ClassVar[str] = "PixelUnshuffle"
    positional: ClassVar[tuple[str, ...]] = ("downscale_factor",)
    op: ClassVar[str] = "pixel_unshuffle"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a factor that divides the height and the width, else 1 to 3."""
        spatial = x[-2:] if len(x) >= 2 else x
        fits = [r for r in (1, 2, 3) if all(n % r == 0 for n in spatial)]
        return {"downscale_factor": pick(c, fits) if chance(c, 80) else c.integer(1, 3)}

    def infer(self, x: Shape) -> Step:
        """Output and windows of the unshuffle."""
        self.image(x)
        r = self.downscale_factor
        for axis, (name, n) in enumerate((("height", x[1]), ("width", x[2]))):
            if n % r != 0:
                raise FieldError(
                    "downscale_factor",
                    msg(f"pixel_unshuffle_{name}", dim=axis - 2, size=n, r=r),
                    ErrorCode.NOT_DIVISIBLE,
                    axis=axis,
                )
        window = _window(r - 1, Fraction(r), Fraction(r - 1, 2))
        return Step(output=(x[0] * r * r, x[1] // r, x[2] // r), windows=(window, window))

    def explain(self, x: Shape, step: Step) -> Worked:
        """Channels multiplied by ``r²``, height and width divided by ``r``."""
        r, out = self.downscale_factor, step.output
        lines = [
            say("pixelunshuffle", f"C' = C × r² = {x[0]} × {r * r} = {out[0]}", r=r, r2=r * r),
            *space_lines(x, out, f"/ {r}", "/ r", "space_divided", r),
            output_line("out_shape", out),
        ]
        return without_parameters(lines, "params_none_resample")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.PixelUnshuffle`` arguments."""
        return {"downscale_factor": self.downscale_factor}
