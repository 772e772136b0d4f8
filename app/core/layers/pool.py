"""Pooling: max, average (short forms ``maxpool``, ``avgpool``, ``pool``) and adaptive."""

from __future__ import annotations

from fractions import Fraction
from math import gcd
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    MAX_PHASE_WORK,
    NOT_WRITTEN,
    Bool,
    LayerSpec,
    Measurement,
    Mistake,
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
    half,
    ratio,
    window_course_call,
    window_size_mistakes,
)
from app.core.layers.cases import Chooser, axes_value, chance, spatial_dims
from app.core.layers.worked import (
    Axes,
    Line,
    Worked,
    axis_names,
    group_axes,
    output_line,
    say,
    shape_text,
    window_lines,
    without_parameters,
)
from app.core.messages import Msg, msg
from app.core.shapes import (
    AxisGeometry,
    AxisOutput,
    Shape,
    adaptive_max_window,
    pool_out,
)


def returned_indices(layer: dict[str, Any]) -> Msg | None:
    """A printed ``return_indices=True`` is refused: the layer would return a tuple."""
    if layer.pop("return_indices", False):
        return msg("return_indices")
    return None


class PoolFamily(LayerSpec):
    """Fields shared by max and average pooling. The stride defaults to the kernel size."""

    # The course's short names, then Keras's (pool_size, strides) and Caffe's (pad).
    kernel_size: PosAxes = Field(validation_alias=alias("kernel_size", "K", "k", "pool_size"))
    stride: PosAxes | None = Field(
        None,
        validation_alias=alias("stride", "S", "s", "strides"),
        description="Defaults to kernel_size.",
    )
    padding: NonNegAxes = Field(0, validation_alias=alias("padding", "P", "pad"))
    ceil_mode: Bool = False
    slides: ClassVar[bool] = True
    picture: ClassVar[str] = "pool"
    pooling: ClassVar[bool] = True
    takes_unbatched: ClassVar[bool] = True

    def size_mistakes(self, x: Shape, step: Step) -> dict[Mistake, tuple[Fraction, ...]]:
        """The window's mistakes; a stride of 1 taken for the default (the kernel)."""
        return window_size_mistakes(
            step.geometry,
            step.output[0],
            ceil_mode=self.ceil_mode,
            default_stride=self.stride is None,
        )

    def course_layer(self, x: Shape) -> str:
        """``MaxPool(K=2, S=2)``."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        return window_course_call(self.course_name or self.torch_name(x), values, "")

    def pool(self, x: Shape, dilation: PosAxes) -> Step:
        """Shared rule: per axis ``pool_out``; no parameters; windows like a convolution.

        One pass over the axes builds each axis's geometry, output and window once; a window
        spans ``k_eff - 1 = D(K - 1)`` and is offset by ``(D(K - 1) - 2P) / 2``.
        """
        d = self.expect_spatial(x)
        k = self.per_axis("kernel_size", self.kernel_size, d)
        s = k if self.stride is None else self.per_axis("stride", self.stride, d)
        p = self.per_axis("padding", self.padding, d)
        dil = self.per_axis("dilation", dilation, d)
        ceil_mode = self.ceil_mode
        geometry: list[AxisGeometry] = []
        axes: list[AxisOutput] = []
        windows: list[Window] = []
        sizes: list[int] = []
        notes: list[Note] = []
        for axis in range(d):
            n, kk, ss, pp, dl = x[axis + 1], k[axis], s[axis], p[axis], dil[axis]
            try:
                out = pool_out(n, kk, ss, pp, dl, ceil_mode)
            except FieldError as error:
                error.axis = axis
                raise
            reach = dl * (kk - 1)
            geometry.append(AxisGeometry(n, kk, ss, pp, pp, dl))
            axes.append(out)
            gaps = ((-pp, reach - pp, dl),) if dl > 1 else None  # a dilated pool's gaps
            windows.append(Window(reach, ss, half(reach - 2 * pp), gaps))
            sizes.append(out.size)
            if ceil_mode and (out.size - 1) * ss + reach + 1 > n + 2 * pp:
                notes.append(Note(WarningCode.CEIL_EXTRA_WINDOW, {"axis": axis}))
        return Step(
            output=(x[0], *sizes),
            windows=tuple(windows),
            axes=tuple(axes),
            geometry=tuple(geometry),
            notes=tuple(notes),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Output size per axis (the default stride said); no parameters."""
        output: list[Line] = []
        if self.stride is None:
            strides = [g.stride for g in step.geometry]
            stride = shape_text(strides) if len(set(strides)) > 1 else str(strides[0])
            output.append(say("stride_default", s=stride))
        output.extend(window_lines(step.geometry, step.axes, pool=True, ceil_mode=self.ceil_mode))
        output.append(output_line("out_pool", step.output))
        return without_parameters(output, "params_none_pool")

    def pool_kwargs(self) -> dict[str, Any]:
        """The constructor arguments both pools take."""
        return {
            "kernel_size": self.kernel_size,
            "stride": self.stride,
            "padding": self.padding,
            "ceil_mode": self.ceil_mode,
        }


class MaxPool(PoolFamily):
    """Max pooling (``nn.MaxPool1d/2d/3d``; ``pool`` is max pooling).

    Shape, per spatial axis: ``O = floor((N + 2P - D(K - 1) - 1) / S) + 1``; with ``ceil_mode``
    the division rounds up, then the last window is dropped if it would start in the right
    padding (``(O - 1) S >= N + P``). ``P <= K // 2``. No parameters.
    """

    type: Literal["maxpool1d", "maxpool2d", "maxpool3d", "maxpool", "pool"]
    dilation: PosAxes = Field(1, validation_alias=alias("dilation", "D", "d"))
    torch_class: ClassVar[str] = "MaxPool{d}d"
    course_name: ClassVar[str | None] = "MaxPool"
    positional: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "stride",
        "padding",
        "dilation",
        "return_indices",
        "ceil_mode",
    )
    notation_names: ClassVar[dict[str, str]] = {
        "pooling": "pool",
        "maxpooling": "maxpool",
        **{f"maxpooling{d}d": f"maxpool{d}d" for d in (1, 2, 3)},
    }
    refused_names: ClassVar[dict[str, Refusal]] = {
        # Caffe's Pooling rounds up and its stride defaults to 1: not PyTorch's defaults.
        "pooling": Refusal("foreign_caffe_pooling", {"max": "maxpool2d", "avg": "avgpool2d"}),
    }
    measured_as: ClassVar[Measurement] = "window_average"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """A random max pooling: ``random_pool_fields`` with a dilation."""
        return random_pool_fields(c, x, dilation=True)

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """``return_indices`` is printed but refused when true."""
        return returned_indices(layer)

    def infer(self, x: Shape) -> Step:
        """Output and windows of the max pooling."""
        return self.pool(x, self.dilation)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.MaxPoolNd`` arguments."""
        return {**self.pool_kwargs(), "dilation": self.dilation}


class AvgPool(PoolFamily):
    """Average pooling (``nn.AvgPool1d/2d/3d``).

    Shape as max pooling without dilation: ``O = floor((N + 2P - K) / S) + 1`` (or the
    ceil_mode rule). ``count_include_pad`` and ``divisor_override`` change values, not shapes.
    """

    type: Literal["avgpool1d", "avgpool2d", "avgpool3d", "avgpool"]
    count_include_pad: Bool = True
    divisor_override: Pos | None = None
    torch_class: ClassVar[str] = "AvgPool{d}d"
    course_name: ClassVar[str | None] = "AvgPool"
    positional: ClassVar[tuple[str, ...]] = (
        "kernel_size",
        "stride",
        "padding",
        "ceil_mode",
        "count_include_pad",
        "divisor_override",
    )
    notation_names: ClassVar[dict[str, str]] = {
        "avgpooling": "avgpool",
        "averagepool": "avgpool",
        "averagepooling": "avgpool",
        "avgpooling2d": "avgpool2d",
        **{f"averagepooling{d}d": f"avgpool{d}d" for d in (1, 2, 3)},
    }
    measured_as: ClassVar[Measurement] = "as_is"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """A random average pooling: ``random_pool_fields`` with its divisor options."""
        return random_pool_fields(c, x, dilation=False)

    def infer(self, x: Shape) -> Step:
        """Output and windows of the average pooling."""
        if self.divisor_override is not None and self.dims(x) == 1:
            raise FieldError("divisor_override", msg("avgpool1d_divisor"), ErrorCode.UNSUPPORTED)
        if self.dims(x) == 3 and len(x) == 4:
            # In 3-D, PyTorch also requires the unpadded input to be at least the kernel on
            # every axis: avg_pool3d alone checks it (ATen's pool3d_shape_check with
            # check_input_size), padding notwithstanding.
            k = self.per_axis("kernel_size", self.kernel_size, 3)
            if any(n < kk for n, kk in zip(x[1:], k, strict=True)):
                raise FieldError(
                    "kernel_size",
                    msg("avgpool3d_input", t=x[1], h=x[2], w=x[3], kt=k[0], kh=k[1], kw=k[2]),
                    ErrorCode.KERNEL_TOO_LARGE,
                )
        return self.pool(x, 1)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.AvgPoolNd`` arguments."""
        kwargs = {**self.pool_kwargs(), "count_include_pad": self.count_include_pad}
        if self.divisor_override is not None:
            kwargs["divisor_override"] = self.divisor_override
        return kwargs


if TYPE_CHECKING:
    OutputSize = int | None | tuple[int | None, ...]
else:
    OutputSize = axes_of(Pos | None)


def adaptive_phases(n: int, m: int) -> Reads | None:
    """The input units each output phase of an adaptive pooling reads (``Window.phases``).

    With ``N / M = a / b`` and output ``o = q b + r``, the window is ``floor(o N / M)`` to
    ``ceil((o + 1) N / M) - 1``: ``q a`` plus ``floor(r a / b)`` to ``ceil((r + 1) a / b) - 1``.
    ``None`` past ``MAX_PHASE_WORK`` phases.
    """
    g = gcd(n, m)
    a, b = n // g, m // g
    if b > MAX_PHASE_WORK:
        return None
    return tuple((r * a // b, -(-(r + 1) * a // b) - 1, 1) for r in range(b))


class AdaptivePoolFamily(LayerSpec):
    """Adaptive pooling: the output size is given, the windows follow from it.

    Output ``i`` of ``M`` pools input rows ``[floor(i N / M), ceil((i + 1) N / M))``; a
    ``None`` size keeps the input's. When ``M`` divides ``N`` this is a pooling of kernel and
    stride ``N / M``. Otherwise the windows differ by one: the receptive field takes the
    widest, ``ceil((N + M - gcd(N, M)) / M)``, a jump of ``N / M`` (a fraction), and the
    first window's centre for its start. To size 1 on every axis (global pooling) each unit
    depends on every input pixel: its receptive field is global.
    """

    output_size: OutputSize
    picture: ClassVar[str] = "pool"
    pooling: ClassVar[bool] = True
    takes_unbatched: ClassVar[bool] = True

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """An output size of 1 to 6, or one per axis (some ``None``, sometimes a wrong count)."""
        d = spatial_dims(x)
        if chance(c, 50):
            size: Any = c.integer(1, 6)
        else:
            count = d if chance(c, 90) else c.integer(1, 4)
            size = [None if chance(c, 25) else c.integer(1, 6) for _ in range(count)]
        return {"output_size": size}

    def infer(self, x: Shape) -> Step:
        """Output and windows of the adaptive pooling."""
        d = self.expect_spatial(x)
        sizes = self.output_size
        wanted = (sizes,) * d if isinstance(sizes, int) else self.per_axis_optional(sizes, d)
        out: list[int] = []
        windows: list[Window] = []
        notes: list[Note] = []
        for axis, (n, m) in enumerate(zip(x[1:], wanted, strict=True)):
            m = n if m is None else m
            out.append(m)
            if n % m == 0:
                k = n // m
                windows.append(Window(k - 1, k, half(k - 1)))
                continue
            first = -(-n // m)
            windows.append(
                Window(
                    adaptive_max_window(n, m) - 1,
                    ratio(n, m),
                    half(first - 1),
                    adaptive_phases(n, m),
                )
            )
            notes.append(Note(WarningCode.UNEVEN_ADAPTIVE, {"axis": axis, "input": n, "output": m}))
        # A global pooling (size 1 on every axis) mixes every unit: its field is the input.
        return Step(
            output=(x[0], *out),
            windows=tuple(windows),
            notes=tuple(notes),
            global_field=all(m == 1 for m in out),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """The given output size per axis and the windows it makes; no parameters."""
        d = len(x) - 1
        names = axis_names(d)
        sizes = self.output_size
        given = (sizes,) * d if sizes is None or isinstance(sizes, int) else tuple(sizes)
        out = step.output
        output: list[Line] = []
        for group in group_axes([(x[1 + a], given[a]) for a in range(d)]):
            a = group[0]
            axes = Axes(tuple(names[b] for b in group))
            n, m = x[1 + a], out[1 + a]
            if given[a] is None:
                output.append(say("adaptive_kept", f"{names[a]}' = {n}", axes=axes, n=n))
                continue
            output.append(say("adaptive_given", f"{names[a]}' = {m}", axes=axes, m=m))
            if n % m == 0:
                formula = f"K = S = N / M = {n} / {m} = {n // m}"
                output.append(say("adaptive_even", formula, n=n, m=m, k=n // m))
            else:
                widest = adaptive_max_window(n, m)
                formula = (
                    f"K_max = ⌈(N + M - gcd(N, M)) / M⌉ = ⌈({n} + {m} - {gcd(n, m)}) / {m}⌉ "
                    f"= {widest}"
                )
                output.append(say("adaptive_uneven", formula, n=n, m=m, widest=widest))
        output.append(output_line("out_pool", out))
        return without_parameters(output, "params_none_pool")

    def per_axis_optional(
        self, sizes: tuple[int | None, ...] | None, d: int
    ) -> tuple[int | None, ...]:
        """One output size (or ``None``) per axis; PyTorch takes ``None`` entries from 2-D up.

        Raises:
            FieldError: a bare ``None``, a ``None`` entry in 1-D, or the wrong count.
        """
        if sizes is None or (d == 1 and None in sizes):
            raise FieldError("output_size", msg("adaptive_none"), ErrorCode.AXES)
        if len(sizes) != d:
            raise FieldError(
                "output_size", msg("adaptive_axes", given=len(sizes), axes=d), ErrorCode.AXES
            )
        return sizes

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.AdaptiveXPoolNd`` arguments."""
        return {"output_size": self.output_size}


class AdaptiveAvgPool(AdaptivePoolFamily):
    """Adaptive average pooling (``nn.AdaptiveAvgPool1d/2d/3d``); see the family's rule."""

    type: Literal["adaptiveavgpool1d", "adaptiveavgpool2d", "adaptiveavgpool3d", "adaptiveavgpool"]
    torch_class: ClassVar[str] = "AdaptiveAvgPool{d}d"
    course_name: ClassVar[str | None] = "AdaptiveAvgPool"
    positional: ClassVar[tuple[str, ...]] = ("output_size",)
    refused_names: ClassVar[dict[str, Refusal]] = {
        f"globalaveragepooling{d}d": Refusal(
            "foreign_global_pool", {"pool": f"adaptiveavgpool{d}d"}
        )
        for d in (1, 2, 3)
    }
    measured_as: ClassVar[Measurement] = "as_is"


class AdaptiveMaxPool(AdaptivePoolFamily):
    """Adaptive max pooling (``nn.AdaptiveMaxPool1d/2d/3d``); see the family's rule."""

    type: Literal["adaptivemaxpool1d", "adaptivemaxpool2d", "adaptivemaxpool3d", "adaptivemaxpool"]
    torch_class: ClassVar[str] = "AdaptiveMaxPool{d}d"
    course_name: ClassVar[str | None] = "AdaptiveMaxPool"
    positional: ClassVar[tuple[str, ...]] = ("output_size", "return_indices")
    refused_names: ClassVar[dict[str, Refusal]] = {
        f"globalmaxpooling{d}d": Refusal("foreign_global_pool", {"pool": f"adaptivemaxpool{d}d"})
        for d in (1, 2, 3)
    }
    measured_as: ClassVar[Measurement] = "adaptive_average"

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """``return_indices`` is printed but refused when true."""
        return returned_indices(layer)


def random_pool_fields(c: Chooser, x: Shape, *, dilation: bool) -> dict[str, Any]:
    """Random fields of a pooling on ``x``.

    Kernel 1 to 4, stride 1 to 3, padding 0 to 2 (sometimes over half the kernel),
    ``ceil_mode``; a max pooling's dilation, an average's divisor options.
    """
    d = spatial_dims(x)
    layer: dict[str, Any] = {"kernel_size": axes_value(c, d, 1, 4)}
    if chance(c, 50):
        layer["stride"] = axes_value(c, d, 1, 3)
    if chance(c, 40):
        layer["padding"] = axes_value(c, d, 0, 2)
    if chance(c, 40):
        layer["ceil_mode"] = True
    if dilation and chance(c, 30):
        layer["dilation"] = axes_value(c, d, 1, 3)
    if not dilation:
        if chance(c, 20):
            layer["count_include_pad"] = False
        if chance(c, 10):
            layer["divisor_override"] = c.integer(1, 5)
    return layer
