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

import gc
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum, unique
from fractions import Fraction
from typing import Annotated, Any, NoReturn

from pydantic import Field

from app.core.errors import ErrorCode, FieldError, LayerError, LimitError, StackError
from app.core.layers import LAYERS_ADAPTER, LayerSpec, Step, Window
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


@contextmanager
def paused_gc() -> Iterator[None]:
    """Hold the cyclic garbage collector while many short-lived objects are made.

    An analysis makes a few objects per layer, and validation a model per layer; none of
    them forms a reference cycle, so reference counting frees them all, while the collector
    would scan them over and over as they pile up (for 1,000 layers it doubles the time).
    The collector is resumed afterwards, and left alone if it was already off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


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
    with paused_gc():
        return _analyze(input_shape, layers, batch_size, dtype, strict, limits)


def _analyze(
    input_shape: Sequence[int],
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    batch_size: int,
    dtype: DType | str,
    strict: bool,
    limits: Limits,
) -> Analysis:
    dtype = DType(dtype)
    x = check_input(input_shape, batch_size, limits)
    specs = parse_layers(layers, max_layers=limits.max_layers)
    if len(specs) > limits.max_layers:
        raise LimitError(
            ("layers",), f"{len(specs)} layers is over the limit of {limits.max_layers}"
        )
    itemsize = dtype.itemsize
    extents = x[1:]
    axes = len(extents)
    names = AXIS_NAMES.get(axes, tuple(str(i) for i in range(axes)))
    # The receptive field of every spatial axis, threaded through the stack (see the module):
    # ints and floats until a window moves by a fraction of a pixel, then exact fractions.
    sizes: list[Any] = [1] * axes  # Number: int, float or Fraction
    jumps: list[Any] = [1] * axes
    starts: list[Any] = [0.0] * axes
    pads: list[float] = [0.0] * axes
    plain = True
    is_global = False
    rf_warned = False
    rf = ReceptiveField(sizes.copy(), jumps.copy(), [0.0] * axes, pads.copy())
    reports: list[LayerReport] = []
    add_report = reports.append
    stack_warnings: list[LayerWarning] = []
    total_params = total_buffers = total_macs = activation_bytes = 0
    max_dim, max_value = limits.max_dim, limits.max_value
    max_elements = limits.max_elements // batch_size  # per sample
    bytes_per_element = batch_size * itemsize
    known_layers = _KNOWN
    for index, spec in enumerate(specs):
        # The spec's field values (its ``type`` tag names its kind), rather than the spec:
        # equal tuples of plain values compare in C, two pydantic models field by field.
        layer = known_layers.get((*spec.__dict__.values(), x, max_value))
        if layer is None:
            layer = _learn(index, spec, x, limits)
        (kind, torch_class, output, weight, bias, params, buffers, macs, elements, peak,
         moves, global_field, exact, remarks, step) = layer  # fmt: skip
        if strict and not exact:
            _raise_inexact(index, kind, step, names)
        if elements > max_elements or peak > max_dim:
            _check_output(index, kind, output, batch_size, limits)
        layer_warnings = _remarks(index, step, names) if remarks else []
        if not is_global and (global_field or moves is not None):
            if global_field or len(moves) != axes:
                # Every unit now sees the whole input, or the layer no longer lines up with
                # the input's axes.
                is_global = True
                rf = _global_field(jumps, extents)
            else:
                if plain and moves[0] is not None:
                    for axis, (span, stride, offset, shift) in enumerate(moves):
                        jump = jumps[axis]
                        sizes[axis] += span * jump
                        starts[axis] += offset * jump
                        pads[axis] += shift * jump
                        jumps[axis] = jump * stride
                    rf = ReceptiveField(sizes.copy(), jumps.copy(), starts.copy(), pads.copy())
                else:
                    plain = False
                    rf = _move_exactly(sizes, jumps, starts, step.windows)
                if not rf_warned and any(s > n for s, n in zip(rf.size, extents, strict=True)):
                    rf_warned = True
                    layer_warnings.append(_field_warning(index, rf, extents))
        output_bytes = bytes_per_element * elements
        macs *= batch_size
        add_report(
            LayerReport(
                index,
                kind,
                list(x),
                list(output),
                None if weight is None else list(weight),
                None if bias is None else list(bias),
                params,
                buffers,
                rf,
                macs,
                output_bytes,
                layer_warnings,
                None,
                torch_class,
            )
        )
        if layer_warnings:
            stack_warnings.extend(layer_warnings)
        total_params += params
        total_buffers += buffers
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


INFERRED_CACHE_SIZE = 8192
"""Layer answers kept per process (a few MiB at most); the cache starts afresh when full."""


_Known = tuple[Any, ...]
"""One layer's answer for one incoming shape, as the loop unpacks it (see ``_known``)."""

_KNOWN: dict[tuple[Any, ...], _Known] = {}


def _known(kind: str, step: Step, torch_class: str) -> _Known:
    """What the loop reads from a layer's answer, worked out once.

    Everything here depends on the spec and the incoming shape alone (never on the layers
    before, the batch or the dtype), so it is computed once per process and shared. A plain
    tuple: the loop unpacks it in one step.

    ``moves`` holds, per spatial axis, the window's ``(span, stride, offset, shift)`` where
    ``shift = span / 2 - offset`` moves the effective padding ``(size - 1) / 2 - start``;
    its first entry is ``None`` when a value is a ``Fraction`` (transposed convolution,
    uneven adaptive pooling), which the loop then threads exactly.
    """
    windows = step.windows
    moves: tuple[Any, ...] | None = None
    if windows is not None:
        fractional = any(
            type(value) is Fraction
            for window in windows
            for value in (window.span, window.stride, window.offset)
        )
        moves = (
            (None,) * len(windows)
            if fractional
            else tuple((w.span, w.stride, w.offset, w.span / 2 - w.offset) for w in windows)
        )
    exact = all(axis.exact for axis in step.axes)  # every stride divides its span
    return (
        kind,
        torch_class,
        step.output,
        step.weight,
        step.bias,
        step.params,
        step.buffers,
        step.macs,
        prod(step.output),
        max(step.output, default=0),
        moves,
        step.global_field,
        exact,
        bool(step.notes) or not exact,  # the layer has warnings to give
        step,
    )


def _learn(index: int, spec: LayerSpec, x: Shape, limits: Limits) -> _Known:
    """``spec.infer(x)`` and what the loop needs from it, kept for the next time.

    ``infer()`` is a pure function of a frozen spec and a shape, so its answer is kept: the
    repeated blocks of a network (VGG's, a deep stack of equal convolutions), and every
    unchanged layer when a page or a notebook sends the same stack again after one edit,
    cost a dictionary look-up. Rejections are not kept; they are raised again. The field
    values are checked against ``limits.max_value`` before the first inference, and the key
    holds that bound, so a hit has passed the same check.

    Raises:
        LayerError: the rule rejects the layer for ``x``.
        LimitError: a field is over ``limits.max_value``.
    """
    check_values(index, spec, limits)
    kind = spec.kind
    try:
        layer = _known(kind, spec.infer(x), spec.torch_name(x))
    except FieldError as error:
        raise LayerError(index, kind, error) from None
    if len(_KNOWN) >= INFERRED_CACHE_SIZE:
        _KNOWN.clear()
    _KNOWN[(*spec.__dict__.values(), x, limits.max_value)] = layer
    return layer


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
                f"axis {name}: the stride {out.stride} does not divide N - K + 2P = {out.span} "
                f"({out.span} / {out.stride} is not whole; PyTorch would floor it)",
                ErrorCode.INEXACT,
                axis=axis,
                params={"span": out.span, "stride": out.stride, "axis": name},
            )
            raise LayerError(index, kind, error) from None
    raise AssertionError("an inexact layer has an inexact axis")


def _check_output(index: int, kind: str, output: Shape, batch: int, limits: Limits) -> None:
    """The output's sizes and element count must stay within ``limits``."""
    for axis, n in enumerate(output):
        if n > limits.max_dim:
            raise LimitError(
                ("layers", index),
                f"layer {index} ({kind}): output size {n} on axis {axis} is over the "
                f"limit of {limits.max_dim}",
            )
    elements = batch * prod(output)
    if elements > limits.max_elements:
        raise LimitError(
            ("layers", index),
            f"layer {index} ({kind}): the output holds {elements} elements for the "
            f"batch, over the limit of {limits.max_elements}",
        )


def _remarks(index: int, step: Step, names: tuple[str, ...]) -> list[LayerWarning]:
    """The layer rule's notes, and a teacher's remark wherever a stride leaves a remainder."""
    out = [LayerWarning(index, note.code, note.message, note.params) for note in step.notes]
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


def _field_warning(index: int, rf: ReceptiveField, extents: Shape) -> LayerWarning:
    """The first layer whose units see past the input's edges."""
    return LayerWarning(
        index,
        WarningCode.RF_EXCEEDS_INPUT,
        f"the receptive field ({fmt(tuple(int(s) for s in rf.size))}) already "
        f"exceeds the input ({fmt(extents)}): deeper units see padding",
        {"size": rf.size, "input": list(extents)},
    )


def _global_field(jumps: list[Number], extents: Shape) -> ReceptiveField:
    """A unit that sees the whole input: its extent, centred."""
    return ReceptiveField(
        list(extents),
        [as_number(j) for j in jumps],
        [(n - 1) / 2 for n in extents],
        [0.0] * len(extents),
        True,
    )


def _move_exactly(
    sizes: list[Any], jumps: list[Any], starts: list[Any], windows: Sequence[Window]
) -> ReceptiveField:
    """Move the field through windows holding fractions, in place, with exact arithmetic.

    The starts become ``Fraction``s (a float start is a half or a whole, so exactly one).
    """
    for axis, w in enumerate(windows):
        jump = jumps[axis]
        sizes[axis] = sizes[axis] + w.span * jump
        starts[axis] = Fraction(starts[axis]) + Fraction(w.offset) * jump
        jumps[axis] = jump * w.stride
    return ReceptiveField(
        [as_number(s) for s in sizes],
        [as_number(j) for j in jumps],
        [float(s) for s in starts],
        [float(Fraction(s) - 1) / 2 - float(t) for s, t in zip(sizes, starts, strict=True)],
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
