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
from app.core.layers import LAYERS_ADAPTER, LayerSpec, Step, Window
from app.core.layers.base import Number, WarningCode, prod
from app.core.messages import msg, render, warning_message
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


@dataclass(frozen=True, slots=True)
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

from app.core.layers.worked import AXIS_NAMES  # noqa: E402 - one definition, in worked.py


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
    if isinstance(value, int | float):  # first: a Fraction's check goes through its ABC
        return value
    return value.numerator if value.denominator == 1 else float(value)


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
            msg("input_rank", count=len(shape), max_rank=limits.max_rank),
            ErrorCode.INPUT_SHAPE,
        )
    for axis, n in enumerate(shape):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise StackError(
                ("input_shape", axis), msg("input_axis", axis=axis, value=n), ErrorCode.INPUT_SHAPE
            )
        if n > limits.max_dim:
            raise LimitError(
                ("input_shape", axis),
                msg("input_axis_limit", axis=axis, value=n, limit=limits.max_dim),
            )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise StackError(
            ("batch_size",), msg("batch_size", value=batch_size), ErrorCode.INPUT_SHAPE
        )
    if batch_size > limits.max_batch:
        raise LimitError(
            ("batch_size",), msg("batch_size_limit", value=batch_size, limit=limits.max_batch)
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
        msg("field_limit", index=index, kind=spec.kind, name=name, value=value, limit=top),
    )


def parse_layers(
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    *,
    max_layers: int = DEFAULT_LIMITS.max_layers,
) -> list[LayerSpec]:
    """Layers as models, from models, dicts or text in a known notation.

    Args:
        layers: specs, dicts as the API takes them, or text.
        max_layers: the most layers a text may stand for (its repeats expanded); the text
            is refused while it is read, before any layer is built. Lists are counted by
            ``analyze``.

    Raises:
        pydantic.ValidationError: a dict is not a valid layer.
        app.core.notation.NotationError: a text with a syntax error, or over ``max_layers``.
    """
    if isinstance(layers, str):
        from app.core.notation import parse_stack

        return LAYERS_ADAPTER.validate_python(parse_stack(layers, max_layers=max_layers))
    if all(isinstance(layer, LayerSpec) for layer in layers):
        return list(layers)  # type: ignore[arg-type]
    return LAYERS_ADAPTER.validate_python(
        [layer.model_dump() if isinstance(layer, LayerSpec) else layer for layer in layers]
    )


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
    specs = parse_layers(layers, max_layers=limits.max_layers)
    if len(specs) > limits.max_layers:
        raise LimitError(
            ("layers",), msg("layers_limit", count=len(specs), limit=limits.max_layers)
        )
    itemsize = dtype.itemsize
    extents = x[1:]
    axes = len(extents)
    names = AXIS_NAMES.get(axes, tuple(str(i) for i in range(axes)))
    # The receptive field of every spatial axis, threaded through the stack (see the module).
    sizes: list[Number] = [1] * axes
    jumps: list[Number] = [1] * axes
    starts: list[Number] = [0.0] * axes
    rf = _reported(sizes, jumps, starts)
    rf_warned = False
    reports: list[LayerReport] = []
    stack_warnings: list[LayerWarning] = []
    total_params = total_buffers = total_macs = activation_bytes = 0
    # One inference per distinct (layer, input) of the stack: a stack that repeats a block
    # (500 × conv, relu) infers each once. The 1,000-layer stack: 17 → 12 ms from dicts
    # (docs/benchmarks.md); no cost measured on stacks without repeats (VGG-16, LeNet-5).
    steps: dict[tuple[LayerSpec, Shape], Step] = {}
    for index, spec in enumerate(specs):
        kind = spec.kind
        step = steps.get((spec, x))
        if step is None:
            check_values(index, spec, limits)
            try:
                step = steps[spec, x] = spec.infer(x)
            except FieldError as error:
                raise LayerError(index, kind, error) from None
        output = step.output
        elements = prod(output)
        _check_output(index, kind, output, elements, batch_size, limits)
        if strict and not all(axis.exact for axis in step.axes):
            _raise_inexact(index, kind, step, names)
        layer_warnings = _remarks(index, step, names)
        if not rf.global_ and (step.global_field or step.windows is not None):
            if step.global_field or len(step.windows or ()) != axes:
                # Every unit now sees the whole input, or the layer no longer lines up with
                # the input's axes.
                rf = _global_field(jumps, extents)
            else:
                rf = _move(sizes, jumps, starts, step.windows or ())
                if not rf_warned and any(s > n for s, n in zip(rf.size, extents, strict=True)):
                    rf_warned = True
                    layer_warnings.append(_field_warning(index, rf, extents))
        output_bytes = batch_size * itemsize * elements
        macs = batch_size * step.macs
        reports.append(
            LayerReport(
                index=index,
                type=kind,
                input_shape=list(x),
                output_shape=list(output),
                weight_shape=None if step.weight is None else list(step.weight),
                bias_shape=None if step.bias is None else list(step.bias),
                params=step.params,
                buffers=step.buffers,
                receptive_field=rf,
                macs=macs,
                output_bytes=output_bytes,
                warnings=layer_warnings,
                torch_class=spec.torch_name(x),
            )
        )
        stack_warnings.extend(layer_warnings)
        total_params += step.params
        total_buffers += step.buffers
        total_macs += macs
        activation_bytes += output_bytes
        x = output
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


def _raise_inexact(index: int, kind: str, step: Step, names: tuple[str, ...]) -> NoReturn:
    """Strict mode: a stride that does not divide its span is an error.

    Raises:
        LayerError: naming the axis, the span and the stride.
    """
    for axis, out in enumerate(step.axes):
        if not out.exact:
            name = names[axis] if axis < len(names) else str(axis)
            error = FieldError(
                "stride",
                msg("inexact", span=out.span, stride=out.stride, axis=name),
                ErrorCode.INEXACT,
                axis=axis,
            )
            raise LayerError(index, kind, error) from None
    raise AssertionError("an inexact layer has an inexact axis")


def _check_output(
    index: int, kind: str, output: Shape, elements: int, batch: int, limits: Limits
) -> None:
    """The output's sizes, and its ``elements`` times the batch, must stay within ``limits``.

    Raises:
        LimitError: naming the layer.
    """
    for axis, n in enumerate(output):
        if n > limits.max_dim:
            raise LimitError(
                ("layers", index),
                msg(
                    "output_size_limit",
                    index=index,
                    kind=kind,
                    size=n,
                    axis=axis,
                    limit=limits.max_dim,
                ),
            )
    if batch * elements > limits.max_elements:
        raise LimitError(
            ("layers", index),
            msg(
                "output_elements_limit",
                index=index,
                kind=kind,
                elements=batch * elements,
                limit=limits.max_elements,
            ),
        )


def _remarks(index: int, step: Step, names: tuple[str, ...]) -> list[LayerWarning]:
    """The layer rule's notes, and a teacher's remark wherever a stride leaves a remainder."""
    if not step.notes and not step.axes:  # most layers: nothing to remark
        return []
    out = [_warning(index, note.code, note.params) for note in step.notes]
    for axis, a in enumerate(step.axes):
        if a.exact:
            continue
        name = names[axis] if axis < len(names) else str(axis)
        params = {"axis": name, "span": a.span, "stride": a.stride, "unread": a.unread}
        out.append(_warning(index, WarningCode.UNREAD_INPUT, {**params, "size": a.size}))
    return out


def _warning(index: int, code: str, params: dict[str, Any]) -> LayerWarning:
    """A warning with its message in English, made from its code and parameters."""
    return LayerWarning(index, code, render(warning_message(code, params)), params)


def _field_warning(index: int, rf: ReceptiveField, extents: Shape) -> LayerWarning:
    """The first layer whose units see past the input's edges."""
    return _warning(index, WarningCode.RF_EXCEEDS_INPUT, {"size": rf.size, "input": list(extents)})


def _global_field(jumps: list[Number], extents: Shape) -> ReceptiveField:
    """A unit that sees the whole input: its extent, centred."""
    return ReceptiveField(
        list(extents),
        [as_number(j) for j in jumps],
        [(n - 1) / 2 for n in extents],
        [0.0] * len(extents),
        True,
    )


def _move(
    sizes: list[Number], jumps: list[Number], starts: list[Number], windows: Sequence[Window]
) -> ReceptiveField:
    """Move the field through one layer's windows, in place, and report it.

    Per axis: ``size + span × jump``, ``start + offset × jump``, ``jump × stride`` (see
    ``Window``). Ints and floats (halves, exact in binary) stay so; once a window or the
    field holds a ``Fraction`` (a transposed convolution, uneven adaptive pooling), that
    axis's start is a ``Fraction`` too, so the field stays exact.
    """
    for axis, w in enumerate(windows):
        jump, start = jumps[axis], starts[axis]
        sizes[axis] += w.span * jump
        if Fraction in (type(jump), type(start), type(w.offset)):
            starts[axis] = Fraction(start) + Fraction(w.offset) * jump
        else:
            starts[axis] = start + w.offset * jump
        jumps[axis] = jump * w.stride
    return _reported(sizes, jumps, starts)


def _reported(sizes: list[Number], jumps: list[Number], starts: list[Number]) -> ReceptiveField:
    """The field as answered: sizes and jumps exact, starts and effective paddings as floats.

    The effective padding is ``(size - 1) / 2 - start``.
    """
    return ReceptiveField(
        [as_number(s) for s in sizes],
        [as_number(j) for j in jumps],
        [float(t) for t in starts],
        [float((s - 1) / 2 - t) for s, t in zip(sizes, starts, strict=True)],
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
