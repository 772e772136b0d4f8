"""Convolutions: ``conv1d/2d/3d`` (short form ``conv``) and ``convtranspose1d/2d/3d``."""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    COMMON_REFUSED_FIELDS,
    MAX_PHASE_WORK,
    NOT_WRITTEN,
    Bool,
    LayerSpec,
    Measurement,
    Mistake,
    NonNeg,
    NonNegAxes,
    Note,
    Pos,
    PosAxes,
    Reads,
    Refusal,
    Step,
    WarningCode,
    Window,
    alias,
    axes_of,
    fmt,
    half,
    prod,
    ratio,
    window_course_call,
    window_size_mistakes,
)
from app.core.layers.cases import Chooser, axes_value, chance, pick, spatial_dims
from app.core.layers.worked import (
    Line,
    Worked,
    axes_label,
    axis_names,
    group_axes,
    kernel_symbols,
    output_line,
    say,
    shape_text,
    window_lines,
)
from app.core.messages import msg
from app.core.shapes import (
    AxisGeometry,
    AxisOutput,
    Shape,
    conv_out,
    conv_transpose_out,
    effective_kernel,
)

if TYPE_CHECKING:
    Padding = int | tuple[int, ...] | Literal["same", "valid"]
else:
    Padding = axes_of(NonNeg, Literal["same", "valid"])


class ConvFamily(LayerSpec):
    """Fields shared by convolutions and transposed convolutions (PyTorch's ``_ConvNd``)."""

    # The course's short names, then Keras's (filters, strides, dilation_rate, use_bias) and
    # Caffe's (num_output, group, bias_term): docs/aliases.md.
    out_channels: Pos = Field(
        validation_alias=alias("out_channels", "C_out", "c_out", "filters", "num_output")
    )
    kernel_size: PosAxes = Field(validation_alias=alias("kernel_size", "K", "k"))
    stride: PosAxes = Field(1, validation_alias=alias("stride", "S", "s", "strides"))
    dilation: PosAxes = Field(1, validation_alias=alias("dilation", "D", "d", "dilation_rate"))
    groups: Pos = Field(1, validation_alias=alias("groups", "group"))
    bias: Bool = Field(True, validation_alias=alias("bias", "use_bias", "bias_term"))
    in_channels: Pos | None = Field(
        None, description="Checked against the incoming tensor when given; inferred otherwise."
    )
    refused_fields: ClassVar[dict[str, Refusal]] = {
        **COMMON_REFUSED_FIELDS,
        "activation": Refusal("foreign_activation"),
    }
    takes_unbatched: ClassVar[bool] = True

    def channels(self, x: Shape) -> int:
        """Check ``in_channels`` and ``groups`` against the incoming ``C_in = x[0]``.

        Raises:
            FieldError: a given in_channels differs from the tensor's, or groups does not
                divide both channel counts (PyTorch: "in_channels must be divisible by groups").
        """
        c_in = x[0]
        if self.in_channels is not None and self.in_channels != c_in:
            raise FieldError(
                "in_channels",
                msg("in_channels_mismatch", given=self.in_channels, actual=c_in, shape=fmt(x)),
                ErrorCode.CHANNELS,
            )
        if self.groups == 1:
            return c_in
        for name, count in (("in_channels", c_in), ("out_channels", self.out_channels)):
            if count % self.groups:
                raise FieldError(
                    "groups",
                    msg("groups_divide", name=name, count=count, groups=self.groups),
                    ErrorCode.GROUPS,
                )
        return c_in

    def geometry(self, x: Shape) -> tuple[int, tuple[int, ...], tuple[int, ...], tuple[int, ...]]:
        """Spatial axes, kernel, stride and dilation, each expanded to one value per axis."""
        d = self.expect_spatial(x)
        if isinstance(self.kernel_size, tuple) and len(self.kernel_size) != d:
            # Unlike stride or padding, a one-value kernel list is not repeated: the weight
            # gets one spatial axis and the convolution fails.
            raise FieldError(
                "kernel_size",
                msg("kernel_axes", given=len(self.kernel_size), axes=d),
                ErrorCode.AXES,
            )
        return (
            d,
            self.per_axis("kernel_size", self.kernel_size, d),
            self.per_axis("stride", self.stride, d),
            self.per_axis("dilation", self.dilation, d),
        )

    def course_layer(self, x: Shape) -> str:
        """``Conv (Cout=20, K=5, P=2, S=1)``: padding and stride always written."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        values.setdefault("padding", getattr(self, "padding"))  # noqa: B009 - both kinds have it
        values.setdefault("stride", self.stride)
        return window_course_call(self.course_name or self.torch_name(x), values, " ")

    def common_kwargs(self, x: Shape) -> dict[str, Any]:
        """The constructor arguments every convolution takes."""
        return {
            "in_channels": x[0] if self.in_channels is None else self.in_channels,
            "out_channels": self.out_channels,
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "dilation": self.dilation,
            "groups": self.groups,
            "bias": self.bias,
        }


class Conv(ConvFamily):
    """Convolution (``nn.Conv1d/2d/3d``).

    Shape, per spatial axis: ``O = floor((N + 2P - D(K - 1) - 1) / S) + 1``, the course's
    ``(N - K + 2P) / S + 1`` when ``D = 1``. ``padding="same"`` (stride 1 only) pads
    ``D(K - 1)`` in all, the odd pixel on the right/bottom; ``"valid"`` pads nothing.
    Weight ``C_out × C_in/groups × K…``, bias ``C_out``;
    params ``C_out × (C_in/groups × ∏K + 1)``. MACs per sample ``∏O × C_out × C_in/groups × ∏K``.
    """

    type: Literal["conv1d", "conv2d", "conv3d", "conv"]
    padding: Padding = Field(0, validation_alias=alias("padding", "P", "pad"))
    padding_mode: Literal["zeros", "reflect", "replicate", "circular"] = "zeros"
    torch_class: ClassVar[str] = "Conv{d}d"
    course_name: ClassVar[str | None] = "Conv"
    positional: ClassVar[tuple[str, ...]] = (
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "groups",
        "bias",
        "padding_mode",
    )
    lone_positional: ClassVar[str | None] = "out_channels"
    notation_names: ClassVar[dict[str, str]] = {"convolution": "conv"}
    refused_names: ClassVar[dict[str, Refusal]] = {
        **{
            f"separableconv{d}d": Refusal("foreign_separable", {"conv": f"conv{d}d"})
            for d in (1, 2)
        },
        "depthwiseconv2d": Refusal("foreign_depthwise", {"conv": "conv2d"}),
    }
    picture: ClassVar[str] = "conv"
    slides: ClassVar[bool] = True
    measured_as: ClassVar[Measurement] = "as_is"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """A random convolution: ``random_conv_fields``, padding modes and ``"same"`` too."""
        return random_conv_fields(c, x, transposed=False)

    def pads(
        self, d: int, k: tuple[int, ...], s: tuple[int, ...], dil: tuple[int, ...]
    ) -> list[tuple[int, int]]:
        """Left and right padding per axis, resolving ``"same"`` and ``"valid"``.

        Raises:
            FieldError: ``"same"`` with a stride other than 1 (PyTorch's own rule).
        """
        if isinstance(self.padding, int):
            return [(self.padding, self.padding)] * d
        if self.padding == "valid":
            return [(0, 0)] * d
        if self.padding == "same":
            if any(v != 1 for v in s):
                raise FieldError("padding", msg("same_with_stride"), ErrorCode.SAME_WITH_STRIDE)
            totals = [dl * (kk - 1) for kk, dl in zip(k, dil, strict=True)]
            return [(t // 2, t - t // 2) for t in totals]
        return [(p, p) for p in self.per_axis("padding", self.padding, d)]

    def check_padding_mode(self, spatial: Shape, pads: list[tuple[int, int]]) -> None:
        """Reflect padding must be smaller than the input; circular at most its size.

        Raises:
            FieldError: those limits, or a one-value padding list with a padding mode other
                than zeros in 2-D or 3-D (``F.pad`` then pads the last axis only and fails).
        """
        padding = self.padding
        if (
            self.padding_mode != "zeros"
            and isinstance(padding, tuple)
            and len(padding) != len(spatial)
        ):
            raise FieldError(
                "padding",
                msg(
                    "padding_mode_axes",
                    mode=self.padding_mode,
                    given=len(padding),
                    axes=len(spatial),
                    size=2 * len(padding),
                    rank=len(spatial) + 2,
                ),
                ErrorCode.AXES,
            )
        if self.padding_mode not in ("reflect", "circular"):
            return
        for axis, (n, (left, right)) in enumerate(zip(spatial, pads, strict=True)):
            pad = max(left, right)
            if self.padding_mode == "reflect" and pad >= n:
                raise FieldError(
                    "padding",
                    msg("reflect_padding_too_large", padding=pad, size=n, axis=axis),
                    ErrorCode.PADDING_TOO_LARGE,
                    axis=axis,
                )
            if self.padding_mode == "circular" and pad > n:
                raise FieldError(
                    "padding",
                    msg("circular_padding_too_large", padding=pad, size=n, axis=axis),
                    ErrorCode.PADDING_TOO_LARGE,
                    axis=axis,
                )

    def infer(self, x: Shape) -> Step:
        """Output, weight, params, MACs and windows of the convolution.

        One pass over the axes builds each axis's geometry, output and window once; a
        window spans ``k_eff - 1 = D(K - 1)`` and is offset by ``(D(K - 1) - 2 P_left) / 2``.
        """
        d, k, s, dil = self.geometry(x)
        c_in = self.channels(x)
        pads = self.pads(d, k, s, dil)
        if self.padding_mode != "zeros":
            self.check_padding_mode(x[1:], pads)
        geometry: list[AxisGeometry] = []
        axes: list[AxisOutput] = []
        windows: list[Window] = []
        sizes: list[int] = []
        notes: list[Note] = []
        for axis in range(d):
            n, kk, ss, dl = x[axis + 1], k[axis], s[axis], dil[axis]
            left, right = pads[axis]
            try:
                out = conv_out(n, kk, ss, left, right, dl)
            except FieldError as error:
                error.axis = axis
                raise
            reach = dl * (kk - 1)
            geometry.append(AxisGeometry(n, kk, ss, left, right, dl))
            axes.append(out)
            # A dilated kernel reads every D-th unit: said, for the field after an upsampling.
            gaps = ((-left, reach - left, dl),) if dl > 1 else None
            windows.append(Window(reach, ss, half(reach - 2 * left), gaps))
            sizes.append(out.size)
            if left != right:
                notes.append(
                    Note(
                        WarningCode.ASYMMETRIC_SAME,
                        {"axis": axis, "left": left, "right": right, "kernel": reach + 1},
                    )
                )
        c_out = self.out_channels
        weight = (c_out, c_in // self.groups, *k)
        weights = prod(weight)
        out_spatial = tuple(sizes)
        return Step(
            output=(c_out, *out_spatial),
            weight=weight,
            bias=(c_out,) if self.bias else None,
            params=weights + c_out if self.bias else weights,
            macs=prod(out_spatial) * weights,
            windows=tuple(windows),
            axes=tuple(axes),
            geometry=tuple(geometry),
            notes=tuple(notes),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Output size per axis, weight, bias and parameters of the convolution."""
        geometry = step.geometry
        output: list[Line] = []
        if self.padding == "same":
            keys = [(g.kernel, g.dilation, (g.pad_left, g.pad_right)) for g in geometry]
            for group in group_axes(keys):
                axis = geometry[group[0]]
                total = axis.dilation * (axis.kernel - 1)
                output.append(
                    say(
                        "same",
                        f"D × (K - 1) = {axis.dilation} × ({axis.kernel} - 1) = {total}",
                        total=total,
                        pl=axis.pad_left,
                        pr=axis.pad_right,
                    )
                )
        elif self.padding == "valid":
            output.append(say("valid"))
        output.extend(window_lines(geometry, step.axes))
        output.append(output_line("out_conv", step.output, c_out=True))
        kernel = tuple(g.kernel for g in geometry)
        ks = kernel_symbols(len(kernel))
        c_in, c_out, g = x[0], self.out_channels, self.groups
        per_group = c_in // g
        cin_sym = "C_in/G" if g > 1 else "C_in"
        weight: list[Line] = []
        if g > 1:
            weight.append(say("groups", f"C_in / G = {c_in} / {g} = {per_group}", g=g))
        w_sym = " × ".join(("C_out", cin_sym, *ks))
        w_num = " × ".join(str(v) for v in (c_out, per_group, *kernel))
        weight.append(
            say(
                "weight_conv",
                f"{w_sym} = {w_num} = {prod((c_out, per_group, *kernel))}",
                c=c_out,
                filter=shape_text((per_group, *kernel)),
            )
        )
        if not self.bias:
            return {
                "output_shape": output,
                "weight_shape": weight,
                "bias_shape": [say("no_bias")],
                "params": [say("params_conv_nobias", f"{w_sym} = {w_num} = {step.params}")],
            }
        per_filter_sym = " × ".join((cin_sym, *ks))
        per_filter_num = " × ".join(str(v) for v in (per_group, *kernel))
        per = prod((per_group, *kernel))
        params = [
            say(
                "params_filter",
                f"{per_filter_sym} + 1 = {per_filter_num} + 1 = {per + 1}",
                per=per,
            ),
            say(
                "params_conv",
                f"C_out × ({per_filter_sym} + 1) = {c_out} × ({per_filter_num} + 1) = "
                f"{step.params}",
                c=c_out,
                each=per + 1,
            ),
        ]
        return {
            "output_shape": output,
            "weight_shape": weight,
            "bias_shape": [say("bias_conv", f"C_out = {c_out}")],
            "params": params,
        }

    def size_mistakes(self, x: Shape, step: Step) -> dict[Mistake, tuple[Fraction, ...]]:
        """The window's mistakes, and the input's channels kept instead of ``C_out``."""
        out = window_size_mistakes(step.geometry, step.output[0])
        out[Mistake.INPUT_CHANNELS] = tuple(Fraction(v) for v in (x[0], *step.output[1:]))
        return out

    def param_mistakes(self, step: Step) -> dict[Mistake, Fraction]:
        """``C_out`` twice, one filter's count, ``C_in`` forgotten."""
        weight, params = step.weight or (), step.params
        if not weight:
            return {}
        c_out, bias = weight[0], 1 if self.bias else 0
        out = {Mistake.C_OUT_TWICE: Fraction(params * c_out)}
        if bias:
            out[Mistake.FORGOT_C_OUT] = Fraction(params, c_out)
        out[Mistake.FORGOT_C_IN] = Fraction(c_out * (prod(weight[2:]) + bias))
        return out

    def weight_mistakes(self, step: Step) -> dict[Mistake, tuple[Fraction, ...]]:
        """``C_in`` left out of the filter: ``C_out × K…``."""
        w = step.weight or ()
        return {Mistake.FORGOT_C_IN: tuple(Fraction(v) for v in (w[0], *w[2:]))} if w else {}

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.ConvNd`` arguments."""
        return {
            **self.common_kwargs(x),
            "padding": self.padding,
            "padding_mode": self.padding_mode,
        }


def transposed_span(k: int, s: int, dil: int) -> int:
    """Input units an output of a transposed convolution reaches, less one, in input steps.

    Output ``o`` gathers input ``i`` for every tap ``j`` with ``i S + j D = o + P``; the taps
    that hit one output are ``S / gcd(D, S)`` apart, so at most ``ceil(K gcd(D, S) / S)`` of
    them, spaced ``D / gcd(D, S)`` inputs apart.
    """
    g = gcd(dil, s)
    taps = -(-k * g // s)
    return (taps - 1) * dil // g


def transposed_phases(k: int, s: int, p: int, dil: int) -> Reads:
    """The input units each output phase of a transposed convolution reads (``Window.phases``).

    Output ``o = q S + r`` gathers input ``i`` for every tap ``j`` with ``i S - P + j D = o``,
    i.e. ``i = q + (r + P - j D) / S`` when that divides: taps ``S / g`` apart, inputs
    ``D / g`` apart (``g = gcd(D, S)``), from the first to the last such ``i - q`` per phase
    ``r`` (none: ``(1, 0, 1)``). ``S × K`` steps: the caller bounds them
    (``MAX_PHASE_WORK``; past it the field keeps its average size).
    """
    step = dil // gcd(dil, s)
    out: list[tuple[int, int, int]] = []
    for r in range(s):
        reached = [(r + p - j * dil) // s for j in range(k) if (r + p - j * dil) % s == 0]
        out.append((min(reached), max(reached), step) if reached else (1, 0, 1))
    return tuple(out)


class ConvTranspose(ConvFamily):
    """Transposed convolution (``nn.ConvTranspose1d/2d/3d``).

    Shape, per spatial axis: ``O = (N - 1) S - 2P + D(K - 1) + OP + 1``, with the output
    padding ``OP`` smaller than the stride or the dilation. Weight ``C_in × C_out/groups × K…``
    (PyTorch stores it input-first), bias ``C_out``. MACs per sample
    ``∏N × C_in × C_out/groups × ∏K``: every input value meets every tap once.
    Receptive field: the output's jump is the input's divided by ``S``, and its size counts
    the input units one output really gathers, ``ceil(K g / S)`` taps with ``g = gcd(D, S)``.
    """

    type: Literal["convtranspose1d", "convtranspose2d", "convtranspose3d", "convtranspose"]
    padding: NonNegAxes = Field(0, validation_alias=alias("padding", "P", "pad"))
    output_padding: NonNegAxes = 0
    padding_mode: str = "zeros"
    torch_class: ClassVar[str] = "ConvTranspose{d}d"
    course_name: ClassVar[str | None] = "ConvTranspose"
    positional: ClassVar[tuple[str, ...]] = (
        "in_channels",
        "out_channels",
        "kernel_size",
        "stride",
        "padding",
        "output_padding",
        "groups",
        "bias",
        "dilation",
        "padding_mode",
    )
    lone_positional: ClassVar[str | None] = "out_channels"
    notation_names: ClassVar[dict[str, str]] = {
        "deconv": "convtranspose",
        "transposedconv": "convtranspose",
        "upconv": "convtranspose",
        "deconvolution": "convtranspose",
        **{f"conv{d}dtranspose": f"convtranspose{d}d" for d in (1, 2, 3)},
    }
    picture: ClassVar[str] = "conv"
    spreads: ClassVar[bool] = True
    weight_order_note: ClassVar[str | None] = "transposed_order"
    measured_as: ClassVar[Measurement] = "as_is"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """A random transposed convolution: ``random_conv_fields`` with an output padding."""
        return random_conv_fields(c, x, transposed=True)

    def infer(self, x: Shape) -> Step:
        """Output, weight, params, MACs and windows of the transposed convolution."""
        d, k, s, dil = self.geometry(x)
        if self.padding_mode != "zeros":
            raise FieldError(
                "padding_mode",
                msg("transposed_padding_mode", name=self.torch_name(x)),
                ErrorCode.PADDING_MODE,
            )
        c_in = self.channels(x)
        pad = self.per_axis("padding", self.padding, d)
        out_pad = self.per_axis("output_padding", self.output_padding, d)
        axes: list[AxisOutput] = []
        windows: list[Window] = []
        geometry: list[AxisGeometry] = []
        for axis, (n, kk, ss, dl, p, op) in enumerate(
            zip(x[1:], k, s, dil, pad, out_pad, strict=True)
        ):
            geometry.append(AxisGeometry(n, kk, ss, p, p, dl, op))
            if op >= ss and op >= dl:
                raise FieldError(
                    "output_padding",
                    msg(
                        "output_padding_too_large",
                        output_padding=op,
                        stride=ss,
                        dilation=dl,
                        axis=axis,
                    ),
                    ErrorCode.OUTPUT_PADDING,
                    axis=axis,
                )
            try:
                axes.append(conv_transpose_out(n, kk, ss, p, op, dl))
            except FieldError as error:
                error.axis = axis
                raise
            k_eff = effective_kernel(kk, dl)
            windows.append(
                Window(
                    transposed_span(kk, ss, dl),
                    ratio(1, ss),
                    ratio(2 * p - (k_eff - 1), 2 * ss),
                    transposed_phases(kk, ss, p, dl)
                    if (ss > 1 or dl > 1) and ss * kk <= MAX_PHASE_WORK
                    else None,
                )
            )
        weight = (c_in, self.out_channels // self.groups, *k)
        out_spatial = tuple(a.size for a in axes)
        return Step(
            output=(self.out_channels, *out_spatial),
            weight=weight,
            bias=(self.out_channels,) if self.bias else None,
            params=prod(weight) + (self.out_channels if self.bias else 0),
            macs=prod(x[1:]) * prod(weight),
            windows=tuple(windows),
            axes=tuple(axes),
            geometry=tuple(geometry),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Output size per axis, weight (input-first), bias and parameters."""
        geometry, out = step.geometry, step.output
        names = axis_names(len(geometry))
        output: list[Line] = []
        keys = [
            (g.size, g.kernel, g.stride, g.dilation, g.pad_left, g.output_padding) for g in geometry
        ]
        for group in group_axes(keys):
            a = group[0]
            g, name, size = geometry[a], names[a], out[1 + a]
            n, k, s, p, dl, op = (
                g.size,
                g.kernel,
                g.stride,
                g.pad_left,
                g.dilation,
                g.output_padding,
            )
            if dl == 1 and op == 0:
                formula = f"{name}' = ({name} - 1) × S - 2P + K = ({n} - 1) × {s} - 2×{p} + {k}"
            else:
                formula = (
                    f"{name}' = ({name} - 1) × S - 2P + D × (K - 1) + OP + 1 = ({n} - 1) × {s} - "
                    f"2×{p} + {dl} × ({k} - 1) + {op} + 1"
                )
            axes = axes_label(name, [names[b] for b in group[1:]])
            output.append(
                say("transposed", f"{formula} = {size}", axes=axes, n=n, k=k, s=s, p=p, op=op)
            )
        output.append(output_line("out_conv", out, c_out=True))
        kernel = tuple(g.kernel for g in geometry)
        cout_sym = "C_out/G" if self.groups > 1 else "C_out"
        per_group = self.out_channels // self.groups
        w_sym = " × ".join(("C_in", cout_sym, *kernel_symbols(len(kernel))))
        w_num = " × ".join(str(v) for v in (x[0], per_group, *kernel))
        weight = [
            say("weight_transposed", f"{w_sym} = {w_num} = {prod((x[0], per_group, *kernel))}")
        ]
        if not self.bias:
            return {
                "output_shape": output,
                "weight_shape": weight,
                "bias_shape": [say("no_bias")],
                "params": [say("params_conv_nobias", f"{w_sym} = {w_num} = {step.params}")],
            }
        c_out = self.out_channels
        return {
            "output_shape": output,
            "weight_shape": weight,
            "bias_shape": [say("bias_conv", f"C_out = {c_out}")],
            "params": [
                say("params_transposed", f"{w_sym} + C_out = {w_num} + {c_out} = {step.params}")
            ],
        }

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.ConvTransposeNd`` arguments."""
        return {
            **self.common_kwargs(x),
            "padding": self.padding,
            "output_padding": self.output_padding,
            "padding_mode": self.padding_mode,
        }


def random_conv_fields(c: Chooser, x: Shape, *, transposed: bool) -> dict[str, Any]:
    """Random fields of a (transposed) convolution on ``x``.

    Groups that mostly divide the channels; kernels of 1 to 5, strides and dilations of 1 to
    3, paddings of 0 to 3 (or ``"same"``, ``"valid"``), sometimes a wrong count of them, a
    wrong ``in_channels`` or a padding mode torch refuses.
    """
    d = spatial_dims(x)
    channels = x[0]
    groups = pick(c, [1, 1, 1, 2, 3, channels]) if chance(c, 40) else 1
    out = groups * c.integer(1, 3) if chance(c, 85) else c.integer(1, 8)
    layer: dict[str, Any] = {"out_channels": out, "kernel_size": axes_value(c, d, 1, 5)}
    if chance(c, 50):
        layer["stride"] = axes_value(c, d, 1, 3)
    if chance(c, 30):
        layer["dilation"] = axes_value(c, d, 1, 3)
    if groups != 1:
        layer["groups"] = groups
    if chance(c, 20):
        layer["bias"] = False
    if chance(c, 10):
        layer["in_channels"] = channels if chance(c, 50) else c.integer(1, 8)
    if transposed:
        if chance(c, 60):
            layer["padding"] = axes_value(c, d, 0, 3)
        if chance(c, 40):
            layer["output_padding"] = axes_value(c, d, 0, 2)
        if chance(c, 3):
            layer["padding_mode"] = "reflect"
        return layer
    if chance(c, 60):
        layer["padding"] = pick(c, ["same", "valid"]) if chance(c, 30) else axes_value(c, d, 0, 3)
    if chance(c, 25):
        layer["padding_mode"] = pick(c, ["zeros", "reflect", "replicate", "circular"])
    return layer
