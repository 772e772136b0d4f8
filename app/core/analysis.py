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
  effective padding ``(size - 1) / 2 - start``. After a flatten, a linear layer or a global
  pooling a unit sees the whole input: ``global`` is true and ``size`` is the input's extent.
  Over a graph, a layer with several inputs sees the hull of their fields
  (``app.core.receptive_field``).
- A graph (``app.core.graph``) is analysed node by node in the order its layers run; a
  merge's ``input_shape`` is its first input's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum, unique
from typing import Any, NoReturn

from app.core.errors import ErrorCode, FieldError, LayerError, LimitError, StackError
from app.core.graph import Graph, Node, build_graph
from app.core.layers import LAYERS_ADAPTER, LayerSpec, Step
from app.core.layers.base import INPUT_ID, WarningCode, prod
from app.core.messages import msg, render, warning_message
from app.core.receptive_field import (
    MAX_PERIOD,
    MAX_PHASE_STEPS,
    Disagreement,
    Exact,
    ReceptiveField,
    Tables,
    as_number,
    exact_of,
    input_field,
    phases_through,
    phases_union,
    through,
    union,
    widest,
)
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
    """Everything cnncalc says about one layer of the network.

    ``id`` is the unique id its output is known by (the given one, or generated: its dotted
    name, ``"3"`` for a chain's fourth layer), ``name`` its dotted place among the blocks,
    ``inputs`` the ids it reads (``"input"`` for the network's input), and ``input_shape``
    the shape of the first of them.
    """

    index: int
    id: str
    name: str
    type: str
    # Tuples: immutable values, shared rather than copied with the layer before
    # (``input_shape`` is its ``output_shape``) and with the layer's rule.
    inputs: tuple[str, ...]
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    weight_shape: tuple[int, ...] | None
    bias_shape: tuple[int, ...] | None
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

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
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
                ("input_shape", axis),
                msg("input_axis", axis=axis, value=n),
                ErrorCode.INPUT_SHAPE,
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
            ("batch_size",),
            msg("batch_size_limit", value=batch_size, limit=limits.max_batch),
        )
    return shape


def check_values(
    index: int,
    spec: LayerSpec,
    limits: Limits,
    loc: tuple[str | int, ...] | None = None,
) -> None:
    """Every integer field of a layer must be at most ``limits.max_value``.

    Raises:
        LimitError: naming the layer and field (at ``loc``, its place in the request, when
            that is not ``("layers", index)``).
    """
    top = limits.max_value
    for name, value in spec.__dict__.items():
        # ``type(v) is int`` leaves bools out and is the cheapest test on this hot path.
        if type(value) is int:
            if value > top:
                _over(index, spec, name, value, top, loc)
        elif type(value) is tuple:
            for v in value:
                if type(v) is int and v > top:
                    _over(index, spec, name, v, top, loc)


def _over(
    index: int,
    spec: LayerSpec,
    name: str,
    value: int,
    top: int,
    loc: tuple[str | int, ...] | None,
) -> NoReturn:
    raise LimitError(
        (*(("layers", index) if loc is None else loc), name),
        msg(
            "field_limit",
            index=index,
            kind=spec.kind,
            name=name,
            value=value,
            limit=top,
        ),
    )


def parse_layers(
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    *,
    max_layers: int = DEFAULT_LIMITS.max_layers,
) -> list[LayerSpec]:
    """Layers (and blocks) as models, from models, dicts or text in a known notation.

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
    """Shapes, weights, parameters, receptive fields and cost of every layer of a network.

    A chain, or a graph: layers with ``id`` and ``inputs``, merges, blocks (``app.core.graph``
    expands the blocks and resolves the ids, in the order the layers run).

    Args:
        input_shape: ``[C, L]``, ``[C, H, W]``, ``[C, D, H, W]`` or ``[F]``, batch excluded.
        layers: layer specs, dicts as the API takes them, or text in the course's notation
            or PyTorch's printed ``nn.Sequential``.
        batch_size: multiplies MACs and bytes.
        dtype: element type, for byte sizes.
        strict: reject a stride that does not divide ``N - K + 2P`` instead of flooring.
        limits: bounds on the request.

    Returns:
        The per-layer reports (one per primitive layer or merge) and totals.

    Raises:
        LayerError: a layer is impossible for the tensors it receives (names index and field).
        GraphError: a wrong ``id`` or ``inputs``, or a block without layers.
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
    graph = build_graph(specs, limits.max_layers)
    nodes = graph.nodes
    count = len(nodes)
    itemsize = dtype.itemsize
    extents = x[1:]
    axes = len(extents)
    names = AXIS_NAMES.get(axes, tuple(str(i) for i in range(axes)))
    # Per node, and the network's input last (so that ``INPUT``, -1, reads it): the output
    # shape, the field of its units (its report, and its exact values when a ``Fraction``
    # is among them: ``app.core.receptive_field``), its id, and whether a layer reads it.
    shapes: list[Shape] = [x] * (count + 1)
    fields: list[ReceptiveField] = [input_field(extents)] * (count + 1)
    exacts: list[Exact | None] = [None] * (count + 1)
    # Past a fractional stride, each field unit by unit too: its report's size is the widest
    # unit's (``app.core.receptive_field.Phases``), within a counted number of steps.
    tables: list[Tables | None] = [None] * (count + 1)
    phase_steps = MAX_PHASE_STEPS
    ids: list[str] = [node.id for node in nodes]
    ids.append(INPUT_ID)
    used = [False] * (count + 1)
    rf_warned = False
    averaged = False  # the field's size told as the average over units (said once)
    reports: list[LayerReport] = []
    total_params = total_buffers = total_macs = activation_bytes = 0
    # One inference per distinct (rule, inputs) of the network: a network that repeats a
    # block (500 × conv, relu; a ResNet stage) infers each once, its checks and names with it.
    done: dict[tuple[Any, ...], _Done] = {}
    for index, node in enumerate(nodes):
        spec = node.spec
        inputs = node.inputs
        first = inputs[0]
        x0 = shapes[first]
        if len(inputs) == 1:
            used[first] = True
            xs: tuple[Shape, ...] = (x0,)
            input_ids: tuple[str, ...] = (ids[first],)
        else:
            for i in inputs:
                used[i] = True
            input_ids = tuple(ids[i] for i in inputs)
            xs = tuple(shapes[i] for i in inputs)
        key = (spec.rule_key(), xs)
        entry = done.get(key)
        if entry is None:
            entry = done[key] = _infer(
                index, node, graph, xs, batch_size, itemsize, strict, limits, names
            )
        step = entry.step
        output = step.output
        # The rule's warnings, told once per rule and placed at this layer.
        layer_warnings = (
            [LayerWarning(index, w.code, w.message, dict(w.params)) for w in entry.remarks]
            if entry.remarks
            else []
        )
        table: Tables | None = None
        if spec.merges:
            rf, exact, why = union(
                [fields[i] for i in inputs],
                [exacts[i] for i in inputs],
                entry.spatial,
                extents,
            )
            if why is not None:
                layer_warnings.append(_unaligned(index, node, ids, fields, exacts, why, names))
            if (
                not rf.global_
                and (why is None or why.reason == "centre")
                and any(tables[i] is not None for i in inputs)
            ):
                table, spent = phases_union(
                    [tables[i] for i in inputs],
                    [fields[i] for i in inputs],
                    [exacts[i] for i in inputs],
                    phase_steps,
                )
                phase_steps -= spent
        else:
            rf, exact = through(
                fields[first], exacts[first], step.windows, step.global_field, extents
            )
            if rf is fields[first]:
                table = tables[first]
            elif (
                (exact is not None or tables[first] is not None)
                and not rf.global_
                and step.windows is not None
                and phase_steps > 0
            ):
                table, spent = phases_through(
                    tables[first], fields[first], exacts[first], step.windows, phase_steps
                )
                phase_steps -= spent
        if table is None and not averaged and not rf.global_:
            # Past a fractional stride, yet not followed unit by unit: said once. A merge of
            # paths that disagree has said so already.
            past = exact is not None or tables[first] is not None
            if len(inputs) > 1:  # a merge of paths
                past = why is None and (past or any(tables[i] is not None for i in inputs))
            if past:
                averaged = True
                layer_warnings.append(_averaged(index, node))
        shown = rf if table is None else widest(rf, table)
        # A field shared with the input before was checked with it.
        if not rf_warned and not rf.global_ and rf is not fields[first]:
            for size, n in zip(shown.size, extents, strict=True):
                if size > n:
                    rf_warned = True
                    layer_warnings.append(_field_warning(index, shown, extents))
                    break
        shapes[index] = output
        fields[index] = rf
        exacts[index] = exact
        tables[index] = table
        output_bytes = entry.output_bytes
        macs = entry.macs
        reports.append(
            LayerReport(
                index,
                node.id,
                node.id,
                entry.kind,
                input_ids,
                x0,
                output,
                step.weight,
                step.bias,
                step.params,
                step.buffers,
                shown,
                macs,
                output_bytes,
                layer_warnings,
                None,
                entry.torch_class,
            )
        )
        total_params += step.params
        total_buffers += step.buffers
        total_macs += macs
        activation_bytes += output_bytes
    for index in range(count - 1):
        if not used[index]:
            reports[index].warnings.append(_unused(index, nodes[index]))
    stack_warnings = [w for report in reports if report.warnings for w in report.warnings]
    return Analysis(
        input_shape=x,
        output_shape=shapes[count - 1] if count else x,
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


@dataclass(slots=True)
class _Done:
    """What the analysis infers once per distinct (rule, inputs): the step and its answers."""

    step: Step
    kind: str
    torch_class: str
    remarks: list[LayerWarning]
    spatial: int | None
    macs: int
    output_bytes: int


def _infer(
    index: int,
    node: Node,
    graph: Graph,
    xs: tuple[Shape, ...],
    batch_size: int,
    itemsize: int,
    strict: bool,
    limits: Limits,
    names: tuple[str, ...],
) -> _Done:
    """Infer one layer and check it (values, output size, strict division), once per rule.

    Raises:
        LayerError: the layer is impossible for ``xs``, or inexact in strict mode.
        LimitError: a value or the output is over ``limits``.
    """
    spec = node.spec
    kind = spec.kind
    check_values(index, spec, limits, node.loc)
    try:
        step = spec.infer_many(xs) if spec.merges else spec.infer(xs[0])
    except FieldError as error:
        raise _placed(index, node, graph, error) from None
    output = step.output
    elements = prod(output)
    _check_output(index, kind, output, elements, batch_size, limits, names, node.loc)
    if strict and not all(axis.exact for axis in step.axes):
        _raise_inexact(index, kind, step, names)
    return _Done(
        step=step,
        kind=kind,
        # A merge of several inputs is a function (``torch.cat``), not a module.
        torch_class=spec.torch_class if spec.merges else spec.torch_name(xs[0]),
        remarks=_remarks(index, step, names) if step.notes or step.axes else [],
        spatial=spec.spatial(xs, step) if spec.merges else None,
        macs=batch_size * step.macs,
        output_bytes=batch_size * itemsize * elements,
    )


def _placed(index: int, node: Node, graph: Graph, error: FieldError) -> LayerError:
    """A layer's rejection placed in the request; a merge's names the inputs at fault."""
    if node.spec.merges and error.field == "inputs" and "b" in error.params:
        ids = graph.input_ids(node)
        a, b = ids[error.params.get("a", 0)], ids[error.params["b"]]
        error = FieldError(
            error.field,
            msg("merge_inputs", input_a=a, input_b=b, message=error.msg),
            error.code,
            axis=error.axis,
        )
    name = None if graph.chain else node.id
    return LayerError(index, node.spec.kind, error, name=name, loc=node.loc)


def _unaligned(
    index: int,
    node: Node,
    ids: Sequence[str],
    fields: Sequence[ReceptiveField],
    exacts: Sequence[Exact | None],
    why: Disagreement,
    names: tuple[str, ...],
) -> LayerWarning:
    """A merge whose paths disagree on jump or centre, or that is not shift-invariant."""
    axis = _axis_name(why.axis, names)
    params: dict[str, Any] = {
        "id": node.id,
        "kind": node.spec.kind,
        "paths": [ids[i] for i in node.inputs],
        "reason": why.reason,
        "axis": axis,
    }
    if why.reason != "spatial":
        part = 1 if why.reason == "jump" else 2  # exact values: size, jump, start
        params["values"] = [
            as_number(exact_of(fields[i], exacts[i])[part][why.axis]) for i in node.inputs
        ]
    return _warning(index, WarningCode.UNALIGNED_PATHS, params)


def _averaged(index: int, node: Node) -> LayerWarning:
    """The first layer whose field is past a fractional stride but not followed unit by unit.

    Its ``size`` (and every later layer's) is the average over its units, not the widest's:
    a window that lists no phases, or past ``MAX_PERIOD`` units or ``MAX_PHASE_STEPS``.
    """
    return _warning(
        index,
        WarningCode.RF_AVERAGE,
        {"id": node.id, "kind": node.spec.kind, "period": MAX_PERIOD, "steps": MAX_PHASE_STEPS},
    )


def _unused(index: int, node: Node) -> LayerWarning:
    """An output nothing reads: a dead branch."""
    return _warning(index, WarningCode.UNUSED_OUTPUT, {"id": node.id, "kind": node.spec.kind})


def _raise_inexact(index: int, kind: str, step: Step, names: tuple[str, ...]) -> NoReturn:
    """Strict mode: a stride that does not divide its span is an error.

    Raises:
        LayerError: naming the axis, the span and the stride.
    """
    for axis, out in enumerate(step.axes):
        if not out.exact:
            name = _axis_name(axis, names)
            error = FieldError(
                "stride",
                msg("inexact", span=out.span, stride=out.stride, axis=name),
                ErrorCode.INEXACT,
                axis=axis,
            )
            raise LayerError(index, kind, error) from None
    raise AssertionError("an inexact layer has an inexact axis")


def _check_output(
    index: int,
    kind: str,
    output: Shape,
    elements: int,
    batch: int,
    limits: Limits,
    names: tuple[str, ...],
    loc: tuple[str | int, ...] = (),
) -> None:
    """The output's sizes, and its ``elements`` times the batch, must stay within ``limits``.

    Raises:
        LimitError: naming the layer, and the axis as the course does (``C``, ``H``, ``W``)
            when the output keeps the input's axes.
    """
    axis_names = ("C", *names) if len(output) == len(names) + 1 else None
    for axis, n in enumerate(output):
        if n > limits.max_dim:
            raise LimitError(
                loc or ("layers", index),
                msg(
                    "output_size_limit",
                    index=index,
                    kind=kind,
                    size=n,
                    axis=axis if axis_names is None else axis_names[axis],
                    limit=limits.max_dim,
                ),
            )
    if batch * elements > limits.max_elements:
        raise LimitError(
            loc or ("layers", index),
            msg(
                "output_elements_limit",
                index=index,
                kind=kind,
                elements=batch * elements,
                limit=limits.max_elements,
            ),
        )


def _remarks(index: int, step: Step, names: tuple[str, ...]) -> list[LayerWarning]:
    """The layer rule's notes, and a teacher's remark wherever a stride leaves input unread.

    A remainder made of padding only loses no input pixel: the layer's worked steps still
    show the floor, but it is no warning.
    """
    if not step.notes and not step.axes:  # most layers: nothing to remark
        return []
    out = [_warning(index, note.code, _named_axis(note.params, names)) for note in step.notes]
    for axis, a in enumerate(step.axes):
        if a.exact or a.unread == 0:
            continue  # exact, or only padding left out: no input pixel is lost
        params = {"axis": _axis_name(axis, names), "span": a.span, "stride": a.stride}
        params["unread"] = a.unread
        out.append(_warning(index, WarningCode.UNREAD_INPUT, {**params, "size": a.size}))
    return out


def _axis_name(axis: int, names: tuple[str, ...]) -> str:
    """A spatial axis as the course names it (``H``, ``W``; ``L`` in 1-D; ``D``, ``H``, ``W``)."""
    return names[axis] if axis < len(names) else str(axis)


def _named_axis(params: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """A rule's note with its ``axis`` index named, as every warning names it."""
    axis = params.get("axis")
    if type(axis) is not int:
        return params
    return {**params, "axis": _axis_name(axis, names)}


def _warning(index: int, code: str, params: dict[str, Any]) -> LayerWarning:
    """A warning with its message in English, made from its code and parameters."""
    return LayerWarning(index, code, render(warning_message(code, params)), params)


def _field_warning(index: int, rf: ReceptiveField, extents: Shape) -> LayerWarning:
    """The first layer whose units see past the input's edges."""
    return _warning(
        index, WarningCode.RF_EXCEEDS_INPUT, {"size": list(rf.size), "input": list(extents)}
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
    "as_number",
    "parse_layers",
]
