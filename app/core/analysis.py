"""``analyze()``: threads a tensor through a stack of layers and reports every layer.

Conventions, stated once:

- Shapes exclude the batch; ``batch_size`` multiplies MACs and bytes only.
- MACs: one multiply-accumulate per weight use, bias excluded, for the whole batch; counted
  for convolutions, transposed convolutions and linear layers, 0 for the rest. FLOPs are
  about twice as many.
- Parameters count every learnable element; buffers (BatchNorm's running statistics) are
  reported apart.
- Receptive field, per spatial axis of the network's input: ``size`` (input pixels a unit
  sees), ``jump`` (input pixels between neighbouring units), ``start`` (input coordinate of
  the first unit's centre, pixel centres at 0, 1, 2, …) and ``padding``, Araujo et al.'s
  effective padding ``(size - 1) / 2 - start``. After a flatten or a linear layer a unit sees
  the whole input: ``global`` is true and ``size`` is the input's extent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum, unique
from fractions import Fraction
from typing import Annotated, Any, NoReturn

from pydantic import Field

from app.core.errors import ErrorCode, FieldError, LayerError, LimitError, StackError
from app.core.layers import LAYERS_ADAPTER, LayerSpec, Step
from app.core.layers.base import Number, WarningCode, fmt, prod
from app.core.shapes import Shape


@unique
class DType(StrEnum):
    """Element types, for byte sizes."""

    __slots__ = ()

    FLOAT64 = "float64"
    FLOAT32 = "float32"
    FLOAT16 = "float16"
    BFLOAT16 = "bfloat16"
    INT8 = "int8"
    UINT8 = "uint8"

    @property
    def itemsize(self) -> int:
        """Bytes per element."""
        return _ITEMSIZE[self]


_ITEMSIZE = {
    DType.FLOAT64: 8,
    DType.FLOAT32: 4,
    DType.FLOAT16: 2,
    DType.BFLOAT16: 2,
    DType.INT8: 1,
    DType.UINT8: 1,
}


@dataclass(slots=True)
class Limits:
    """Bounds on what one analysis may be asked, each giving a 422 that names the field.

    Attributes:
        max_layers: layers in one stack.
        max_rank: axes of the input shape, channels included (4 is ``C × D × H × W``).
        max_dim: any size of the input or of a layer's output.
        max_value: any integer field of a layer (channels, kernel, stride, padding, …).
        max_batch: the batch size.
        max_elements: elements of one layer's output for the whole batch.
    """

    max_layers: int = 2048
    max_rank: int = 4
    max_dim: int = 2**24
    max_value: int = 2**24
    max_batch: int = 2**20
    max_elements: int = 2**50


DEFAULT_LIMITS = Limits()

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(slots=True)
class ReceptiveField:
    """A unit's field on the network's input, one entry per spatial axis (see the module)."""

    size: list[int | float]
    jump: list[int | float]
    start: list[float]
    padding: list[float]
    global_: Annotated[bool, Field(alias="global", serialization_alias="global")] = False


@dataclass(slots=True)
class LayerWarning:
    """A warning about the stack: the layer it concerns (or ``None``), a code, a message."""

    layer: int | None
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class ExplanationStep:
    """One worked step: a sentence, and the formula alone with its numbers substituted."""

    text: str
    formula: str | None = None


@dataclass(slots=True)
class LayerReport:
    """Everything cnncalc says about one layer of the stack."""

    index: int
    type: str
    input_shape: list[int]
    output_shape: list[int]
    weight_shape: list[int] | None
    bias_shape: list[int] | None
    params: int
    buffers: int
    receptive_field: ReceptiveField
    macs: int
    output_bytes: int
    warnings: list[LayerWarning]
    explanation: list[ExplanationStep] | None = None
    torch_class: str = ""


@dataclass(slots=True)
class Analysis:
    """The whole stack: per-layer reports and totals."""

    input_shape: list[int]
    output_shape: list[int]
    layers: list[LayerReport]
    total_params: int
    trainable_params: int
    total_buffers: int
    total_macs: int
    param_bytes: int
    activation_bytes: int
    batch_size: int
    dtype: str
    warnings: list[LayerWarning]


def as_number(value: Number) -> int | float:
    """An exact value for JSON: an int when whole, a float otherwise."""
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else float(value)
    return value


def check_input(input_shape: Sequence[int], batch_size: int, limits: Limits) -> tuple[int, ...]:
    """Validate the input shape and the batch size against ``limits``.

    Raises:
        StackError: the shape has the wrong rank or a size below 1.
        LimitError: a size or the batch is over its limit.
    """
    shape = tuple(input_shape)
    if not 1 <= len(shape) <= limits.max_rank:
        raise StackError(
            ("input_shape",),
            f"input_shape must be [C, L], [C, H, W], [C, D, H, W] or [F]; got {len(shape)} "
            f"values (at most {limits.max_rank}, the batch excluded)",
            ErrorCode.INPUT_SHAPE,
        )
    for axis, n in enumerate(shape):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise StackError(
                ("input_shape", axis),
                f"input_shape[{axis}] must be a whole number of at least 1, got {n!r}",
                ErrorCode.INPUT_SHAPE,
            )
        if n > limits.max_dim:
            raise LimitError(
                ("input_shape", axis),
                f"input_shape[{axis}] = {n} is over the limit of {limits.max_dim}",
            )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise StackError(
            ("batch_size",),
            f"batch_size must be at least 1, got {batch_size!r}",
            ErrorCode.INPUT_SHAPE,
        )
    if batch_size > limits.max_batch:
        raise LimitError(
            ("batch_size",), f"batch_size {batch_size} is over the limit of {limits.max_batch}"
        )
    return shape


def check_values(index: int, spec: LayerSpec, limits: Limits) -> None:
    """Every integer field of a layer must be at most ``limits.max_value``.

    Raises:
        LimitError: naming the layer and field.
    """
    top = limits.max_value
    for name, value in spec.__dict__.items():
        # ``type(v) is int`` leaves bools out and is the cheapest test on this hot path.
        if type(value) is int:
            if value > top:
                _over(index, spec, name, value, top)
        elif type(value) is tuple:
            for v in value:
                if type(v) is int and v > top:
                    _over(index, spec, name, v, top)


def _over(index: int, spec: LayerSpec, name: str, value: int, top: int) -> NoReturn:
    raise LimitError(
        ("layers", index, name),
        f"layer {index} ({spec.kind}): {name} = {value} is over the limit of {top}",
    )


def parse_layers(layers: Sequence[LayerSpec | Mapping[str, Any]] | str) -> list[LayerSpec]:
    """Layers as models, from models, dicts or text in a known notation.

    Raises:
        pydantic.ValidationError: a dict is not a valid layer.
    """
    if isinstance(layers, str):
        from app.core.notation import parse_stack

        return LAYERS_ADAPTER.validate_python(parse_stack(layers))
    if all(isinstance(layer, LayerSpec) for layer in layers):
        return list(layers)  # type: ignore[arg-type]
    return LAYERS_ADAPTER.validate_python(
        [layer.model_dump() if isinstance(layer, LayerSpec) else layer for layer in layers]
    )


class _Field:
    """The receptive field of one spatial axis, threaded through the stack."""

    __slots__ = ("jump", "size", "start")

    def __init__(self) -> None:
        self.size: Number = 1
        self.jump: Number = 1
        self.start: Number = 0


def analyze(
    input_shape: Sequence[int],
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    *,
    batch_size: int = 1,
    dtype: DType | str = DType.FLOAT32,
    strict: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> Analysis:
    """Shapes, weights, parameters, receptive fields and cost of every layer of a stack.

    Args:
        input_shape: ``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]`` or ``[F]``, batch excluded.
        layers: layer specs, dicts as the API takes them, or text in the course's notation
            or PyTorch's printed ``nn.Sequential``.
        batch_size: multiplies MACs and bytes.
        dtype: element type, for byte sizes.
        strict: reject a stride that does not divide ``N - K + 2P`` instead of flooring.
        limits: bounds on the request.

    Returns:
        The per-layer reports and totals.

    Raises:
        LayerError: a layer is impossible for the tensor it receives (names index and field).
        LimitError: a bound of ``limits`` is exceeded.
        StackError: the input shape or batch size is invalid.
        pydantic.ValidationError: a layer given as a dict does not match its kind's schema.
    """
    dtype = DType(dtype)
    x = check_input(input_shape, batch_size, limits)
    specs = parse_layers(layers)
    if len(specs) > limits.max_layers:
        raise LimitError(
            ("layers",), f"{len(specs)} layers is over the limit of {limits.max_layers}"
        )
    itemsize = dtype.itemsize
    extents = x[1:]
    fields = [_Field() for _ in extents]
    names = AXIS_NAMES.get(len(extents), tuple(str(i) for i in range(len(extents))))
    is_global = False
    rf_warned = False
    rf = _report_field(fields, extents, is_global)
    reports: list[LayerReport] = []
    stack_warnings: list[LayerWarning] = []
    total_params = total_buffers = total_macs = activation_bytes = 0
    max_dim, max_elements = limits.max_dim, limits.max_elements
    for index, spec in enumerate(specs):
        try:
            step, elements, torch_class = _inferred(index, spec, x, limits)
            if strict:
                _check_exact(step, names)
        except FieldError as error:
            raise LayerError(index, spec.kind, error) from None
        if elements * batch_size > max_elements or max(step.output) > max_dim:
            _check_output(index, spec, step, batch_size, limits)
        layer_warnings = (
            [LayerWarning(index, note.code, note.message, note.params) for note in step.notes]
            if step.notes
            else []
        )
        if step.axes:
            layer_warnings.extend(_division_warnings(index, step, names))
        if step.windows is not None or step.global_field:
            was_global = is_global
            is_global = _advance(fields, step, is_global)
            if step.windows is not None or is_global != was_global:
                rf = _report_field(fields, extents, is_global)  # else unchanged: share it
            if not (is_global or rf_warned) and any(
                s > n for s, n in zip(rf.size, extents, strict=True)
            ):
                rf_warned = True
                layer_warnings.append(
                    LayerWarning(
                        index,
                        WarningCode.RF_EXCEEDS_INPUT,
                        f"the receptive field ({fmt(tuple(int(s) for s in rf.size))}) already "
                        f"exceeds the input ({fmt(extents)}): deeper units see padding",
                        {"size": rf.size, "input": list(extents)},
                    )
                )
        output_bytes = batch_size * elements * itemsize
        macs = batch_size * step.macs
        reports.append(
            LayerReport(
                index=index,
                type=spec.kind,
                input_shape=list(x),
                output_shape=list(step.output),
                weight_shape=None if step.weight is None else list(step.weight),
                bias_shape=None if step.bias is None else list(step.bias),
                params=step.params,
                buffers=step.buffers,
                receptive_field=rf,
                macs=macs,
                output_bytes=output_bytes,
                warnings=layer_warnings,
                torch_class=torch_class,
            )
        )
        if layer_warnings:
            stack_warnings.extend(layer_warnings)
        total_params += step.params
        total_buffers += step.buffers
        total_macs += macs
        activation_bytes += output_bytes
        x = step.output
    return Analysis(
        input_shape=list(input_shape),
        output_shape=list(x),
        layers=reports,
        total_params=total_params,
        trainable_params=total_params,
        total_buffers=total_buffers,
        total_macs=total_macs,
        param_bytes=total_params * itemsize,
        activation_bytes=activation_bytes,
        batch_size=batch_size,
        dtype=dtype.value,
        warnings=stack_warnings,
    )


INFERRED_CACHE_SIZE = 8192
"""Layer answers kept per process (a few MiB at most); the cache starts afresh when full."""
_INFERRED: dict[tuple[Any, ...], tuple[Step, int, str]] = {}


def _inferred(index: int, spec: LayerSpec, x: Shape, limits: Limits) -> tuple[Step, int, str]:
    """``spec.infer(x)``, its output's element count and PyTorch class, memoised.

    ``infer()`` is a pure function of a frozen spec and a shape, so its answer is kept: the
    repeated blocks of a network (VGG's, a deep stack of equal convolutions), and every
    unchanged layer when a page or a notebook sends the same stack again after one edit,
    cost a dictionary look-up. Rejections are not kept; they are raised again. The field
    values are checked against ``limits.max_value`` before the first inference, and the key
    holds that bound, so a hit has passed the same check.
    """
    # The spec's class and field values, rather than the spec: equal tuples of plain values
    # compare in C, where two pydantic models compare field by field in Python.
    key = (type(spec), *spec.__dict__.values(), x, limits.max_value)
    known = _INFERRED.get(key)
    if known is None:
        check_values(index, spec, limits)
        step = spec.infer(x)
        known = (step, prod(step.output), spec.torch_name(x))
        if len(_INFERRED) >= INFERRED_CACHE_SIZE:
            _INFERRED.clear()
        _INFERRED[key] = known
    return known


def _check_exact(step: Step, names: tuple[str, ...]) -> None:
    """Strict mode: every stride must divide its span."""
    for axis, out in enumerate(step.axes):
        if not out.exact:
            name = names[axis] if axis < len(names) else str(axis)
            raise FieldError(
                "stride",
                f"axis {name}: the stride {out.stride} does not divide N - K + 2P = {out.span} "
                f"({out.span} / {out.stride} is not whole; PyTorch would floor it)",
                ErrorCode.INEXACT,
                axis=axis,
                params={"span": out.span, "stride": out.stride, "axis": name},
            )


def _check_output(index: int, spec: LayerSpec, step: Step, batch: int, limits: Limits) -> None:
    """The output's sizes and element count must stay within ``limits``."""
    for axis, n in enumerate(step.output):
        if n > limits.max_dim:
            raise LimitError(
                ("layers", index),
                f"layer {index} ({spec.kind}): output size {n} on axis {axis} is over the limit "
                f"of {limits.max_dim}",
            )
    elements = batch * prod(step.output)
    if elements > limits.max_elements:
        raise LimitError(
            ("layers", index),
            f"layer {index} ({spec.kind}): the output holds {elements} elements for the batch, "
            f"over the limit of {limits.max_elements}",
        )


def _division_warnings(index: int, step: Step, names: tuple[str, ...]) -> list[LayerWarning]:
    """A teacher's remark wherever the stride does not divide ``N - K + 2P``."""
    out = []
    for axis, a in enumerate(step.axes):
        if a.exact:
            continue
        name = names[axis] if axis < len(names) else str(axis)
        unread = (
            f"the last {a.unread} input {'row' if name != 'W' else 'column'}"
            f"{'s are' if a.unread > 1 else ' is'} never read"
            if a.unread
            else "only padding is left out"
        )
        out.append(
            LayerWarning(
                index,
                WarningCode.UNREAD_INPUT,
                f"axis {name}: the stride {a.stride} does not divide N - K + 2P = {a.span}, so the "
                f"size is rounded ({a.span} / {a.stride} + 1 → {a.size}) and {unread}",
                {"axis": name, "span": a.span, "stride": a.stride, "unread": a.unread},
            )
        )
    return out


def _advance(fields: list[_Field], step: Step, is_global: bool) -> bool:
    """Move every axis's field through one layer; returns whether it became global."""
    if is_global or step.global_field:
        return True
    if step.windows is None:
        return False
    if len(step.windows) != len(fields):
        return True  # the layer no longer lines up with the input's axes
    for f, w in zip(fields, step.windows, strict=True):
        f.size = f.size + w.span * f.jump
        f.start = f.start + w.offset * f.jump
        f.jump = f.jump * w.stride
    return False


def _report_field(
    fields: list[_Field], extents: tuple[int, ...], is_global: bool
) -> ReceptiveField:
    if is_global:
        return ReceptiveField(
            size=list(extents),
            jump=[as_number(f.jump) for f in fields],
            start=[(n - 1) / 2 for n in extents],
            padding=[0.0 for _ in extents],
            global_=True,
        )
    return ReceptiveField(
        size=[f.size if type(f.size) is int else as_number(f.size) for f in fields],
        jump=[f.jump if type(f.jump) is int else as_number(f.jump) for f in fields],
        start=[float(f.start) for f in fields],
        padding=[float(f.size - 1) / 2 - float(f.start) for f in fields],
    )


__all__ = [
    "DEFAULT_LIMITS",
    "Analysis",
    "DType",
    "ExplanationStep",
    "LayerReport",
    "LayerWarning",
    "Limits",
    "ReceptiveField",
    "analyze",
]
