"""Padding layers: ``zeropad``, ``constantpad``, ``reflectionpad``, ``replicationpad``.

Each comes as ``…1d``, ``…2d``, ``…3d`` (PyTorch's classes) and as a short form without the
dimension, which takes it from the input's rank, as ``conv`` and ``maxpool`` do. ``padding`` is
an int (every side) or one value per side in PyTorch's order, last axis first:
``(left, right)``, ``(left, right, top, bottom)``, ``(left, right, top, bottom, front, back)``.
A negative value crops that side. Per spatial axis the output is ``N + before + after``; the
channels are kept; no parameters, no MACs. For the receptive field a padding layer is a window
of one unit, stride 1, moved by the padding before the axis: ``Window(0, 1, -before)``, so the
field's ``start`` moves by ``-before × jump`` while its size and jump are kept.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    Int,
    LayerSpec,
    Measurement,
    Refusal,
    Step,
    Window,
    alias,
    axes_of,
    literal,
)
from app.core.layers.cases import Chooser, chance, pick, spatial_dims
from app.core.layers.worked import (
    Line,
    Worked,
    axes_label,
    axis_names,
    group_axes,
    output_line,
    say,
    without_parameters,
)
from app.core.messages import Msg, msg
from app.core.shapes import AxisGeometry, Shape

if TYPE_CHECKING:
    Sides = int | tuple[int, ...]
else:
    Sides = axes_of(Int)

Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]

SIDE_NAMES = {"W": ("left", "right"), "L": ("left", "right"), "H": ("top", "bottom")}
"""PyTorch's names of the two sides of an axis (``padding_left``, …); depth: front, back."""


def side_names(axis: str) -> tuple[str, str]:
    """``left, right`` for W (and a 1-D L), ``top, bottom`` for H, ``front, back`` for D."""
    return SIDE_NAMES.get(axis, ("front", "back"))


def signed(value: int) -> str:
    """A term of a sum: ``2``, or ``(-2)`` for a negative one."""
    return f"({value})" if value < 0 else str(value)


class PadFamily(LayerSpec):
    """Fields and rule shared by the padding layers (PyTorch's ``_ConstantPadNd``, …).

    Shape, per spatial axis: ``N' = N + before + after`` (``W + left + right``,
    ``H + top + bottom``, ``D + front + back``); channels kept. No parameters, no MACs.
    """

    padding: Sides = Field(validation_alias=alias("padding", "P"))
    positional: ClassVar[tuple[str, ...]] = ("padding",)
    picture: ClassVar[str] = "pool"
    slides: ClassVar[bool] = True
    """A one-unit window of stride 1: the course's ``1 + L × (K − 1)`` still holds after it."""
    shifts_only: ClassVar[bool] = True
    measured_as: ClassVar[Measurement] = "as_is"
    takes_unbatched: ClassVar[bool] = True
    fills: ClassVar[str]
    """The code of the sentence saying what the new border holds."""

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly an int of 0 to 3; else one value per side, from -2 to 4 (crops included).

        Sometimes a wrong count of sides, and values large enough for a reflection to refuse.
        """
        d = spatial_dims(x)
        if chance(c, 50):
            return {"padding": c.integer(0, 3) if chance(c, 90) else c.integer(-2, 6)}
        count = 2 * d if chance(c, 90) else pick(c, [n for n in (1, 2, 3, 4, 6) if n != 2 * d])
        return {"padding": [c.integer(-2, 4) for _ in range(count)]}

    def sides(self, x: Shape) -> tuple[tuple[int, int], ...]:
        """``(before, after)`` per spatial axis in the tensor's order (``D, H, W``).

        Raises:
            FieldError: the input has no spatial axes of this kind's count, or ``padding``
                is a list with other than two values per spatial axis.
        """
        d = self.expect_spatial(x)
        padding = self.padding
        if isinstance(padding, int):
            return ((padding, padding),) * d
        if len(padding) != 2 * d:
            given, name = len(padding), self.torch_name(x)
            sides = Msg(f"pad_sides_{d}")
            if given % 2:
                raise FieldError(
                    "padding",
                    msg("pad_count_odd", given=given, name=name, want=2 * d, sides=sides),
                    ErrorCode.AXES,
                )
            # F.pad would pad the last len(padding) / 2 axes of the batched tensor, channels
            # or batch included; PyTorch's padding classes document one value per side.
            raise FieldError(
                "padding",
                msg(
                    "pad_count_pairs",
                    given=given,
                    name=name,
                    want=2 * d,
                    sides=sides,
                    pairs=given // 2,
                ),
                ErrorCode.UNSUPPORTED,
            )
        pairs = [(padding[2 * i], padding[2 * i + 1]) for i in range(d)]  # last axis first
        return tuple(reversed(pairs))

    def check_side(self, axis: str, n: int, before: int, after: int) -> None:
        """What the kind refuses on one axis (named ``axis``), before the output size.

        Raises:
            FieldError: the kind's own limit on the sides of that axis.
        """

    def infer(self, x: Shape) -> Step:
        """``N + before + after`` per axis; a window of one unit moved by ``-before``.

        Raises:
            FieldError: the kind's own limits (``check_side``), or an output size below 1.
        """
        sides = self.sides(x)
        names = axis_names(len(sides))
        for axis in reversed(range(len(sides))):  # PyTorch checks the last axis first
            try:
                self.check_side(names[axis], x[1 + axis], *sides[axis])
            except FieldError as error:
                error.axis = axis
                raise
        out: list[int] = []
        for axis, (n, (before, after)) in enumerate(zip(x[1:], sides, strict=True)):
            size = n + before + after
            if size < 1:
                raise FieldError(
                    "padding",
                    msg(
                        "pad_output_too_small",
                        before=before,
                        after=after,
                        axis=names[axis],
                        size=n,
                        out=size,
                    ),
                    ErrorCode.OUTPUT_TOO_SMALL,
                    axis=axis,
                )
            out.append(size)
        return Step(
            output=(x[0], *out),
            windows=tuple(Window(0, 1, -before) for before, _ in sides),
            geometry=tuple(
                AxisGeometry(n, 1, 1, before, after)
                for n, (before, after) in zip(x[1:], sides, strict=True)
            ),
        )

    def fill_line(self, x: Shape) -> Line:
        """What the new border holds."""
        return say(self.fills, name=self.torch_name(x))

    def explain(self, x: Shape, step: Step) -> Worked:
        """What fills the border; ``N' = N + before + after`` per axis; no parameters."""
        geometry = step.geometry
        names = axis_names(len(geometry))
        output: list[Line] = [self.fill_line(x)]
        keys = [(g.size, g.pad_left, g.pad_right) for g in geometry]
        for group in group_axes(keys):
            g, name = geometry[group[0]], names[group[0]]
            first, second = side_names(name)
            n, before, after = g.size, g.pad_left, g.pad_right
            axes = axes_label(name, [names[b] for b in group[1:]])
            formula = (
                f"{name}' = {name} + {first} + {second} = {n} + {signed(before)} + "
                f"{signed(after)} = {n + before + after}"
            )
            output.append(
                say(
                    "pad_axis",
                    formula,
                    axes=axes,
                    n=n,
                    before=before,
                    after=after,
                    first=Msg(f"side_{first}"),
                    second=Msg(f"side_{second}"),
                )
            )
            cut = -min(before, 0) - min(after, 0)
            if cut:
                output.append(say("pad_crop", axes=axes, cut=cut))
        output.append(output_line("out_pad", step.output))
        return without_parameters(output, "params_none_pad")

    def course_layer(self, x: Shape) -> str:
        """PyTorch's call with the padding as given: ``ZeroPad2d((1, 2, 0, 1))``."""
        return f"{self.torch_name(x)}({literal(self.padding)})"

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``padding`` as given (PyTorch repeats an int on every side)."""
        return {"padding": self.padding}


class ZeroPad(PadFamily):
    """Zero padding (``nn.ZeroPad1d/2d/3d``): ``ConstantPad`` with the value 0.

    Shape, per spatial axis: ``N' = N + before + after``; a negative side crops, at most the
    whole axis (``N + min(before, 0) + min(after, 0) >= 0``), and ``N' >= 1``. No parameters.
    """

    type: Literal["zeropad1d", "zeropad2d", "zeropad3d", "zeropad"]
    torch_class: ClassVar[str] = "ZeroPad{d}d"
    course_name: ClassVar[str | None] = "ZeroPad"
    refused_names: ClassVar[dict[str, Refusal]] = {
        # Keras writes ((top, bottom), (left, right)); PyTorch (left, right, top, bottom).
        f"zeropadding{d}d": Refusal("foreign_zero_padding", {"pad": f"zeropad{d}d"})
        for d in (1, 2, 3)
    }
    fills: ClassVar[str] = "pad_zero"

    def check_side(self, axis: str, n: int, before: int, after: int) -> None:
        """The crops first narrow the axis; they cannot remove more than it holds."""
        constant_crop(axis, n, before, after)


class ConstantPad(PadFamily):
    """Constant padding (``nn.ConstantPad1d/2d/3d``): the border holds ``value``.

    Shape, per spatial axis: ``N' = N + before + after``; a negative side crops, at most the
    whole axis (``N + min(before, 0) + min(after, 0) >= 0``), and ``N' >= 1``. No parameters.
    """

    type: Literal["constantpad1d", "constantpad2d", "constantpad3d", "constantpad"]
    value: Real
    torch_class: ClassVar[str] = "ConstantPad{d}d"
    course_name: ClassVar[str | None] = "ConstantPad"
    positional: ClassVar[tuple[str, ...]] = ("padding", "value")
    fills: ClassVar[str] = "pad_constant"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """The family's padding and a value (a whole number or not)."""
        value = pick(c, [0.0, 1.0, -1.5, 3.5, 2])
        return {**super().random_fields(c, x), "value": value}

    def check_side(self, axis: str, n: int, before: int, after: int) -> None:
        """The crops first narrow the axis; they cannot remove more than it holds."""
        constant_crop(axis, n, before, after)

    def fill_line(self, x: Shape) -> Line:
        """The border holds the value."""
        return say(self.fills, name=self.torch_name(x), value=f"{self.value:g}")

    def course_layer(self, x: Shape) -> str:
        """``ConstantPad2d(2, 3.5)``."""
        return f"{self.torch_name(x)}({literal(self.padding)}, {self.value!r})"

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``padding`` and ``value``."""
        return {"padding": self.padding, "value": self.value}


class ReflectionPad(PadFamily):
    """Reflection padding (``nn.ReflectionPad1d/2d/3d``): the input mirrored at its edge.

    Shape, per spatial axis: ``N' = N + before + after``, each side smaller than the input
    (``before < N`` and ``after < N``; a negative side crops), and ``N' >= 1``. No parameters.
    """

    type: Literal["reflectionpad1d", "reflectionpad2d", "reflectionpad3d", "reflectionpad"]
    torch_class: ClassVar[str] = "ReflectionPad{d}d"
    course_name: ClassVar[str | None] = "ReflectionPad"
    fills: ClassVar[str] = "pad_reflect"

    def check_side(self, axis: str, n: int, before: int, after: int) -> None:
        """The mirror reaches at most ``N - 1`` values past the edge on each side."""
        if before >= n or after >= n:
            raise FieldError(
                "padding",
                msg("pad_reflect_too_large", before=before, after=after, axis=axis, size=n),
                ErrorCode.PADDING_TOO_LARGE,
            )


class ReplicationPad(PadFamily):
    """Replication padding (``nn.ReplicationPad1d/2d/3d``): the edge value repeated.

    Shape, per spatial axis: ``N' = N + before + after`` with any sides (a negative side crops)
    as long as ``N' >= 1``. No parameters.
    """

    type: Literal["replicationpad1d", "replicationpad2d", "replicationpad3d", "replicationpad"]
    torch_class: ClassVar[str] = "ReplicationPad{d}d"
    course_name: ClassVar[str | None] = "ReplicationPad"
    fills: ClassVar[str] = "pad_replicate"


def constant_crop(axis: str, n: int, before: int, after: int) -> None:
    """A constant padding crops first: ``N + min(before, 0) + min(after, 0)`` must be ``>= 0``.

    Raises:
        FieldError: PyTorch's ``narrow(): length must be non-negative``.
    """
    kept = n + min(before, 0) + min(after, 0)
    if kept < 0:
        raise FieldError(
            "padding",
            msg("pad_crop_too_large", before=before, after=after, axis=axis, cut=n - kept, size=n),
            ErrorCode.PADDING_TOO_LARGE,
        )


__all__ = ["ConstantPad", "PadFamily", "ReflectionPad", "ReplicationPad", "ZeroPad"]
