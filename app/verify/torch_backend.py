"""The torch executor: builds a stack as real ``torch.nn`` modules and compares every layer.

This is the only module that imports torch, inside functions, once (``load_torch``). The
check runs on the ``meta`` device: modules and tensors carry shapes and dtypes but no data,
so a 3×100000×100000 input or a batch of 4096 costs what a 1×28×28 one does; when every
tensor is small it runs again on the CPU, the reference, since a few checks exist only in
the real kernels. Every layer is built generically,
``getattr(torch.nn, spec.torch_name(x))(**spec.torch_kwargs(x))``, run in ``eval()`` mode on
the tensor the previous layer produced, and compared with cnncalc's answer on
``output_shape``, ``weight_shape``, ``bias_shape``, ``params`` (``sum(p.numel())``),
``buffers`` (``sum(b.numel())``), ``macs`` (``FlopCounterMode``'s FLOPs over two; both
sides count only multiply-accumulates with a weight, bias excluded: convolutions,
transposed convolutions and linear layers, 0 for every other kind) and on whether torch
rejects the stack, and where. A kind the check cannot build is a ``CheckError``: the check
fails, naming it.

The receptive field (``size``, ``jump``, ``start``, ``padding``) is measured empirically
(``measure_receptive_fields``) on a real CPU copy in float64 when the input is small: see
that function for the bound and conventions.
``docs/verify.md`` describes the whole check.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from app.core.analysis import Analysis, ReceptiveField, analyze, as_number, parse_layers
from app.core.errors import CnnCalcError, ErrorCode, FieldError
from app.core.graph import INPUT as GRAPH_INPUT
from app.core.graph import Graph, build_graph
from app.core.layers.base import LayerSpec, Number, Step, WarningCode, prod
from app.verify import Mismatch, Verification, VerificationStatus, unavailable
from app.verify.budget import (
    RF_MAX_UNITS,
    AxisField,
    NodeField,
    cpu_work,
    graph_geometry,
    rf_geometry,
    rf_graph_work,
    rf_units,
    rf_work,
)

RF_MAX_SPATIAL = 2**14
"""Receptive fields are measured when the input has at most this many spatial elements per
sample (128×128, 26×26×24, …)."""
RF_MAX_ACTIVATIONS = 2**18
"""… and the layers' outputs hold at most this many spatial elements in all (the measuring
copy has one channel, so this bounds its cost)."""
DEFAULT_MAX_WORK = 2**27
"""Element-operations (``app.verify.budget``) allowed to each CPU part of the check: the
CPU rerun and the receptive-field measurement (the service's ``max_verify_work``)."""

GIVEN_SIZES = frozenset({"in_channels", "in_features", "num_features", "num_channels"})
"""Fields a user may give and cnncalc checks against the incoming tensor."""
COMPARED_FIELDS = ("output_shape", "weight_shape", "bias_shape", "params", "buffers", "macs")
"""Fields compared on every layer both sides built (and ``valid``: accepted or rejected)."""
RF_FIELDS = ("size", "jump", "start", "padding", "global")
"""Receptive-field fields the measurement can compare (``receptive_field.size``, …)."""
FLOPS_PER_MAC = 2
"""``FlopCounterMode`` counts a multiply-accumulate as two FLOPs (``aten.convolution``,
``mm``, ``addmm``, ``bmm``, ``baddbmm``: ``2 × M × N × K``, bias excluded)."""


class CheckError(Exception):
    """The check itself cannot build or measure a layer: an error of the check, not of torch."""

    def __init__(self, layer: int, field: str, message: str) -> None:
        super().__init__(message)
        self.layer = layer
        self.field = field


_lock = threading.Lock()
_run_lock = threading.Lock()
"""Torch runs take turns: they record warnings, and ``warnings.catch_warnings`` swaps
process-wide state that two threads entering and leaving out of order would corrupt."""
_torch: ModuleType | None = None
_import_seconds: float | None = None


def load_torch() -> ModuleType | None:
    """Import torch on first use and cache it; ``None`` when it is not installed.

    The import, with a few meta-device kernels to load torch's shape functions (about
    four seconds in all), happens once per process, under a lock, and never at service start.
    Its one-off warnings (a missing NumPy) are silenced here.
    """
    global _torch, _import_seconds
    if _torch is not None:
        return _torch
    with _lock:
        if _torch is None:
            if find_spec("torch") is None:
                return None
            started = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import torch

                # The first meta-device kernels load torch's shape functions, sympy and
                # (for linear) dynamo: pay for it here, once, not in a request's layers.
                nn = torch.nn
                warm = nn.Sequential(
                    nn.Conv2d(1, 1, 2),
                    nn.ConvTranspose2d(1, 1, 2),
                    nn.BatchNorm2d(1),
                    nn.GroupNorm(1, 1),
                    nn.MaxPool2d(1),
                    nn.AdaptiveAvgPool2d(1),
                    nn.Flatten(),
                    nn.Linear(1, 1),
                    nn.LayerNorm(1),
                )
                warm.to("meta").eval()(torch.empty(2, 1, 3, 3, device="meta"))
            _import_seconds = time.perf_counter() - started
            _torch = torch
    return _torch


def torch_import_seconds() -> float | None:
    """How long the first ``import torch`` (and meta warm-up) took, or ``None`` before."""
    return _import_seconds


def engine_name() -> str | None:
    """``torch 2.13.0+cpu`` once torch is loaded, else ``None``."""
    return None if _torch is None else f"torch {_torch.__version__}"


@dataclass(frozen=True, slots=True)
class CoreLayer:
    """cnncalc's numbers for one layer, as compared with torch's."""

    output_shape: list[int]
    weight_shape: list[int] | None
    bias_shape: list[int] | None
    params: int
    buffers: int
    macs: int
    warnings: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CoreSide:
    """cnncalc's view of a stack: its layers, and where and why it rejects the stack."""

    layers: list[CoreLayer]
    rejected_at: int | None = None
    message: str | None = None
    code: ErrorCode | None = None
    field: str | None = None
    rule: str | None = None
    """The rejection's message code (``broadcast_rank``)."""

    @property
    def declared(self) -> bool:
        """A rejection cnncalc makes on purpose where torch has nothing to reject.

        ``ErrorCode.UNSUPPORTED`` (flattening the batch, say), a given ``in_channels``,
        ``num_features`` or ``num_channels`` that differs from the tensor's: CONTRACT.md
        checks it even when torch builds no tensor of that size (``affine=False``), and a
        merge of inputs of different ranks (``broadcast_rank``: torch would align one's batch
        with a feature axis of the other, docs/graphs.md).
        """
        return (
            self.code is ErrorCode.UNSUPPORTED
            or self.field in GIVEN_SIZES
            or self.rule == "broadcast_rank"
        )


@dataclass(frozen=True, slots=True)
class TorchLayer:
    """torch's numbers for one layer; ``macs`` is ``FlopCounterMode``'s FLOPs over two."""

    output_shape: list[int]
    weight_shape: list[int] | None
    bias_shape: list[int] | None
    params: int
    buffers: int
    macs: int | float


@dataclass(frozen=True, slots=True)
class TorchSide:
    """torch's run of a stack: every layer it built and ran, and its error if it stopped."""

    layers: list[TorchLayer]
    rejected_at: int | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()


def core_side(
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
    batch_size: int = 1,
    nodes: Sequence[tuple[LayerSpec, tuple[int, ...]]] | None = None,
) -> CoreSide:
    """The core's per-layer numbers from ``analysis``; without one, from each kind's rule.

    A stack the core rejected has no analysis: the layers' own ``infer()`` rules (a
    merge's ``infer_many()`` over its inputs, when ``nodes`` give a graph's wiring) are then
    threaded to find which layer rejects it and why (MACs: a sample's times ``batch_size``).
    """
    if analysis is not None:
        return CoreSide(
            [
                CoreLayer(
                    list(r.output_shape),
                    None if r.weight_shape is None else list(r.weight_shape),
                    None if r.bias_shape is None else list(r.bias_shape),
                    r.params,
                    r.buffers,
                    r.macs,
                    frozenset(str(w.code) for w in r.warnings),
                )
                for r in analysis.layers
            ]
        )
    layers: list[CoreLayer] = []
    wiring = nodes or [(spec, (index - 1,)) for index, spec in enumerate(specs)]
    shapes: dict[int, tuple[int, ...]] = {GRAPH_INPUT: tuple(input_shape)}
    for index, (spec, inputs) in enumerate(wiring):
        xs = tuple(shapes[i] for i in inputs)
        try:
            step = spec.infer_many(xs) if spec.merges else spec.infer(xs[0])
        except FieldError as error:
            message = f"layer {index} ({spec.kind}): {error}"
            return CoreSide(layers, index, message, error.code, error.field, error.msg.code)
        layers.append(
            CoreLayer(
                list(step.output),
                None if step.weight is None else list(step.weight),
                None if step.bias is None else list(step.bias),
                step.params,
                step.buffers,
                step.macs * batch_size,
                frozenset(str(note.code) for note in step.notes),
            )
        )
        shapes[index] = step.output
    return CoreSide(layers)


def _shape_of(value: Any, torch: ModuleType) -> list[int] | None:
    return list(value.shape) if isinstance(value, torch.Tensor) else None


def build_layer(torch: ModuleType, spec: LayerSpec, x: tuple[int, ...], index: int = 0) -> Any:
    """The ``torch.nn`` module for ``spec`` receiving a tensor of shape ``x`` (no batch).

    Raises:
        _Rejected: the kind names no class for ``x`` (``torch_name`` refuses a short form
            such as ``adaptiveavgpool`` on a tensor with no spatial axis: torch has no
            ``…0d`` layer, as cnncalc says).
        CheckError: ``torch.nn`` has no class of the kind's name (the check cannot build
            the kind; never read as torch rejecting the stack).
    """
    try:
        name = spec.torch_name(x)
    except FieldError as error:
        raise _Rejected(f"torch.nn has no layer for this input: {error}") from None
    cls = getattr(torch.nn, name, None)
    if not isinstance(cls, type):
        raise CheckError(
            index, "torch_class", f"layer {index} ({spec.kind}): torch.nn has no class {name!r}"
        )
    return cls(**spec.torch_kwargs(x))


DEPRECATED = "will result in an error"
"""A torch warning with these words announces that the input is no longer accepted."""


class _Rejected(Exception):
    """torch accepted the batched tensor only by a deprecated or unbatched reading."""


def _run_layer(spec: LayerSpec, module: Any, x: Any, caught: list[Any]) -> Any:
    """``module(x)``, holding a kind that ``takes_unbatched`` to its batched rank.

    Given a batched tensor of another rank, such a module silently reads it as one
    unbatched sample (``N × C × L`` as a ``C × H × W`` image, mixing the batch into the
    channels), or its kernel accepts an undocumented rank. Either way torch does not run the
    layer cnncalc was asked about, so the check holds it to its batched rank ``d + 2``.
    """
    name = type(module).__name__
    if spec.takes_unbatched:
        axes = spec.dims(tuple(int(n) for n in x.shape[1:]))
        if x.dim() != axes + 2:
            raise _Rejected(
                f"{name} takes (N, C, {axes} spatial axes), batch included; a batched tensor "
                f"of shape {list(x.shape)} would be read as one unbatched sample (Expected "
                f"{axes + 1}D (unbatched) or {axes + 2}D (batched) input)"
            )
    seen = len(caught)
    y = module(x)
    if 0 in y.shape:
        # Some CPU kernels return an empty tensor where the meta kernels raise; cnncalc (and
        # CONTRACT.md) hold an output size below 1 to be an error.
        raise _Rejected(f"the output {list(y.shape)} is empty (an output size below 1)")
    for w in caught[seen:]:
        if DEPRECATED in str(w.message):
            raise _Rejected(f"deprecated input: {w.message}")
    return y


def run_torch(
    torch: ModuleType,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    *,
    batch_size: int,
    device: str,
    max_elements: int | None = None,
) -> TorchSide:
    """Build and run every layer of a chain on ``device``, stopping at torch's first error.

    Each layer's MACs are ``FlopCounterMode``'s FLOPs during its call over ``FLOPS_PER_MAC``
    (it counts from shapes, so on the meta device too).

    Raises:
        OverflowError: a layer's output (whole batch) holds more than ``max_elements``.
        CheckError: the check cannot build a layer's kind.
    """
    nodes = [(spec, (index - 1,)) for index, spec in enumerate(specs)]
    return run_nodes(
        torch,
        input_shape,
        nodes,
        batch_size=batch_size,
        device=device,
        max_elements=max_elements,
    )


def run_nodes(
    torch: ModuleType,
    input_shape: Sequence[int],
    nodes: Sequence[tuple[LayerSpec, tuple[int, ...]]],
    *,
    batch_size: int,
    device: str,
    max_elements: int | None = None,
    count_macs: bool = True,
) -> TorchSide:
    """Run a graph's nodes in order, each on the outputs of its inputs (``-1``: the input).

    A primitive node is built as a chain's layer (``build_layer``) and called on its one
    input; a merge is ``torch.add``, ``torch.mul`` or ``torch.cat(xs, dim)`` over its inputs
    (one input: the identity), with no parameters. An output is dropped once the last node
    reading it has run, so a chain holds one tensor at a time. Without ``count_macs`` no
    ``FlopCounterMode`` runs (it dispatches every op through Python, most of a small run's
    time) and every ``macs`` is 0: compare the other fields only (``compare``'s ``fields``).

    Raises:
        OverflowError: a node's output (whole batch) holds more than ``max_elements``.
        CheckError: the check cannot build a node's kind.
    """
    from torch.utils.flop_counter import FlopCounterMode

    last_use: dict[int, int] = {}
    for index, (_, inputs) in enumerate(nodes):
        for i in inputs:
            last_use[i] = index
    layers: list[TorchLayer] = []
    outputs: dict[int, Any] = {}
    counter = FlopCounterMode(display=False) if count_macs else None
    with (
        warnings.catch_warnings(record=True) as caught,
        torch.no_grad(),
        counter or contextlib.nullcontext(),
    ):
        warnings.simplefilter("always")
        with torch.device(device):
            outputs[GRAPH_INPUT] = torch.zeros((batch_size, *input_shape))
        for index, (spec, inputs) in enumerate(nodes):
            xs = [outputs[i] for i in inputs]
            flops = 0 if counter is None else counter.get_total_flops()
            module: Any = None
            try:
                if spec.merges:
                    y = _merge(torch, spec, xs, index)
                else:
                    shape = tuple(int(n) for n in xs[0].shape[1:])
                    with torch.device(device):
                        module = build_layer(torch, spec, shape, index)
                    module.eval()
                    y = _run_layer(spec, module, xs[0], caught)
            except CheckError:
                raise
            except Exception as error:  # torch's own rejection, quoted as it is
                what = "" if isinstance(error, _Rejected) else f"{type(error).__name__}: "
                message = f"layer {index} ({spec.kind}): {what}{error}"
                return TorchSide(layers, index, message, _warning_texts(caught))
            if max_elements is not None and y.numel() > max_elements:
                raise OverflowError(
                    f"layer {index} ({spec.kind}) outputs {y.numel()} elements, over the "
                    f"verification limit of {max_elements}"
                )
            layers.append(
                TorchLayer(
                    [int(n) for n in y.shape[1:]],
                    _shape_of(getattr(module, "weight", None), torch),
                    _shape_of(getattr(module, "bias", None), torch),
                    0 if module is None else sum(int(p.numel()) for p in module.parameters()),
                    0 if module is None else sum(int(b.numel()) for b in module.buffers()),
                    0 if counter is None else _macs(counter.get_total_flops() - flops),
                )
            )
            for i in set(inputs):
                if last_use.get(i) == index:
                    del outputs[i]
            outputs[index] = y
    return TorchSide(layers, warnings=_warning_texts(caught))


def _merge(torch: ModuleType, spec: LayerSpec, xs: Sequence[Any], index: int) -> Any:
    """A merge: its torch function on ``xs``, as one list or folded two at a time.

    ``torch.cat`` takes the list (one input too: torch checks its ``dim``); ``torch.add``
    is folded over ``xs`` (one input: itself).

    Raises:
        CheckError: a merge kind that names no function of ``torch``.
    """
    try:
        call = spec.torch_function()
    except NotImplementedError:
        call = None
    function = None if call is None else getattr(torch, call.name.removeprefix("torch."), None)
    if call is None or function is None:
        raise CheckError(
            index, "torch_class", f"layer {index} ({spec.kind}): no torch function for it"
        )
    if call.listed:
        return function(list(xs), **call.kwargs)
    y = xs[0]
    for x in xs[1:]:
        y = function(y, x, **call.kwargs)
    return y


def _macs(flops: int) -> int | float:
    """FLOPs as multiply-accumulates (an odd count, which no MAC gives, stays visible)."""
    return flops // FLOPS_PER_MAC if flops % FLOPS_PER_MAC == 0 else flops / FLOPS_PER_MAC


def _warning_texts(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(w.message).strip() for w in caught))


def compare(
    core: CoreSide, ran: TorchSide, fields: Sequence[str] = COMPARED_FIELDS
) -> list[Mismatch]:
    """Every field of ``fields`` on which a layer both sides built differs, then accept/reject."""
    mismatches: list[Mismatch] = []
    for index, (ours, theirs) in enumerate(zip(core.layers, ran.layers, strict=False)):
        for name in fields:
            a, b = getattr(ours, name), getattr(theirs, name)
            if a != b:
                mismatches.append(Mismatch(index, name, a, b))
    if (
        core.rejected_at != ran.rejected_at
        and not (
            core.declared and (ran.rejected_at is None or ran.rejected_at > (core.rejected_at or 0))
        )
        and not _warned(core, ran)
    ):
        # cnncalc declines a few things torch allows on purpose (CoreSide.declared);
        # everything else must be rejected by both, at the same layer.
        at = min(i for i in (core.rejected_at, ran.rejected_at) if i is not None)
        mismatches.append(
            Mismatch(
                at,
                "valid",
                "accepted" if core.rejected_at != at else f"rejected: {core.message}",
                "accepted" if ran.rejected_at != at else f"rejected: {ran.message}",
            )
        )
    return mismatches


BATCH_OF_ONE = "Expected more than 1 value per channel"
"""torch's rejection of batch statistics over a single value, which depends on the batch."""


def _warned(core: CoreSide, ran: TorchSide) -> bool:
    """Whether torch rejects a normalisation over one value where cnncalc warned of it.

    The rejection depends on the batch size, which the layer rules do not see: cnncalc
    reports it as the ``single_value_per_channel`` warning, and torch raises it at batch 1.
    """
    at = ran.rejected_at
    return (
        at is not None
        and (core.rejected_at is None or core.rejected_at > at)
        and at < len(core.layers)
        and WarningCode.SINGLE_VALUE_NORM in core.layers[at].warnings
        and BATCH_OF_ONE in (ran.message or "")
    )


def verify_stack(
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
    *,
    batch_size: int = 1,
    max_elements: int,
    measure_rf: bool = True,
    core_error: str | None = None,
    devices: Sequence[str] | None = None,
    max_work: int = DEFAULT_MAX_WORK,
) -> Verification:
    """Run the stack in torch and compare it, layer by layer, with cnncalc's answer.

    Args:
        input_shape: the input without the batch.
        specs: the parsed layers.
        analysis: cnncalc's answer, or ``None`` when it rejected the stack.
        batch_size: the batch torch runs (on ``meta`` it costs nothing).
        max_elements: the largest input or layer output (whole batch) the check accepts.
        measure_rf: also measure receptive fields by back-propagation when the input is
            small enough (``RF_MAX_SPATIAL``, ``RF_MAX_ACTIVATIONS``).
        core_error: cnncalc's message when it rejected the stack (``analysis`` is ``None``).
        devices: where to run, each compared with cnncalc. By default ``meta`` (any size,
            no memory), then, when the CPU rerun is cheap (``cpu_refusal``), ``cpu``
            instead: a few checks exist only in the real kernels (``docs/verify.md``).
            Without the CPU rerun, ``reason`` says why.
        max_work: element-operations (``app.verify.budget``) allowed to the CPU rerun and,
            separately, to the receptive-field measurement; either is skipped above it.

    Returns:
        ``passed`` when torch agrees on every compared field and on accept/reject,
        ``failed`` with the mismatches otherwise, ``unavailable`` without torch, when the
        check is refused, or when an allocation fails (``MemoryError``, or torch's
        ``DefaultCPUAllocator: can't allocate memory``).
    """
    started = time.perf_counter()
    if find_spec("torch") is None:
        return unavailable("torch_missing")
    elements = batch_size * prod(tuple(input_shape))
    largest = max(
        [elements, *(batch_size * prod(tuple(r.output_shape)) for r in _reports(analysis))]
    )
    if largest > max_elements:
        return unavailable("verify_too_large", elements=largest, limit=max_elements)
    torch = load_torch()
    if torch is None:  # pragma: no cover - find_spec saw it a moment ago
        return unavailable("torch_missing")
    graph = _expanded(specs, analysis)
    nodes: list[tuple[LayerSpec, tuple[int, ...]]] | None = None
    if graph is not None:
        specs = [node.spec for node in graph.nodes]
        if graph.chain:
            graph = None
        else:
            nodes = [(node.spec, node.inputs) for node in graph.nodes]
    core = core_side(input_shape, specs, analysis, batch_size, nodes)
    if analysis is None and core.rejected_at is None:
        return unavailable("verify_stack_refused", engine_name(), error=core_error)
    try:
        with _run_lock:
            return _verify_locked(
                torch,
                input_shape,
                specs,
                analysis,
                core,
                batch_size,
                max_elements,
                measure_rf,
                devices,
                started,
                max_work,
                graph,
            )
    except CheckError as error:
        return Verification(
            VerificationStatus.FAILED,
            engine=engine_name(),
            mismatches=[Mismatch(error.layer, error.field, specs[error.layer].kind, str(error))],
            reason=f"the check cannot build or measure a layer: {error}",
            elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        )
    except (MemoryError, RuntimeError) as error:
        if isinstance(error, RuntimeError) and not _allocation_failed(error):
            raise
        return unavailable(
            "verify_out_of_memory", engine_name(), kind=type(error).__name__, error=str(error)
        )


GRAPH_MAX_NODES = 2**16
"""Nodes a stack cnncalc refused may expand to for the check to tell a chain from a graph."""


def _expanded(specs: Sequence[LayerSpec], analysis: Analysis | None) -> Graph | None:
    """The stack's nodes (blocks expanded, ids resolved), or ``None`` when they cannot be had.

    A stack cnncalc refused may not expand (a bad id, too many nodes): it is then checked
    as the chain of its entries, as before graphs.
    """
    limit = GRAPH_MAX_NODES if analysis is None else len(analysis.layers)
    try:
        return build_graph(specs, limit)
    except CnnCalcError:
        return None


def _allocation_failed(error: RuntimeError) -> bool:
    """Whether torch's allocator refused memory (``DefaultCPUAllocator: can't allocate``)."""
    text = str(error)
    return "can't allocate memory" in text or "DefaultCPUAllocator" in text


def _verify_locked(
    torch: ModuleType,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
    core: CoreSide,
    batch_size: int,
    max_elements: int,
    measure_rf: bool,
    devices: Sequence[str] | None,
    started: float,
    max_work: int,
    graph: Graph | None = None,
) -> Verification:
    """``verify_stack``'s torch runs, one at a time (``warnings.catch_warnings`` is global).

    A ``graph`` (one that branches) runs on the meta device unless ``devices`` say
    otherwise, node by node (``run_nodes``); its receptive fields are measured as a chain's
    (``measure_graph_receptive_fields``).
    """
    if graph is not None:
        return _verify_graph(
            torch,
            input_shape,
            graph,
            analysis,
            core,
            batch_size,
            max_elements,
            devices,
            started,
            measure_rf,
            max_work,
        )
    mismatches: list[Mismatch] = []
    torch_error: str | None = None
    meta_only: str | None = None
    try:
        for device in devices or ("meta", "cpu"):
            ran = run_torch(
                torch,
                input_shape,
                specs,
                batch_size=batch_size,
                device=device,
                max_elements=max_elements,
            )
            if devices is None and device == "meta":
                meta_only = cpu_refusal(input_shape, specs, ran, batch_size, max_work)
                if meta_only is None:
                    continue  # the CPU run is the reference: a few checks exist only there
            torch_error = torch_error or ran.message
            seen = {(m.layer, m.field) for m in mismatches}
            mismatches += [m for m in compare(core, ran) if (m.layer, m.field) not in seen]
            if devices is None:
                break
    except OverflowError as error:
        return unavailable("verify_overflow", engine_name(), error=str(error))
    rf: list[dict[str, Any]] | None = None
    compared = ["valid", *COMPARED_FIELDS]
    if measure_rf:
        rf = measure_receptive_fields(torch, input_shape, specs, analysis, max_work=max_work)
        mismatches += _rf_mismatches(rf)
        compared += _rf_compared(rf)
    return Verification(
        VerificationStatus.FAILED if mismatches else VerificationStatus.PASSED,
        engine=engine_name(),
        mismatches=mismatches,
        compared=compared,
        torch_error=torch_error,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        receptive_field=rf,
        reason=None if meta_only is None else f"checked on the meta device only: {meta_only}",
    )


def _verify_graph(
    torch: ModuleType,
    input_shape: Sequence[int],
    graph: Graph,
    analysis: Analysis | None,
    core: CoreSide,
    batch_size: int,
    max_elements: int,
    devices: Sequence[str] | None,
    started: float,
    measure_rf: bool = True,
    max_work: int = DEFAULT_MAX_WORK,
) -> Verification:
    """A branching graph's check: every node's fields compared, each mismatch named by id.

    As for a chain, it runs on the meta device, then on the CPU (the reference) when that is
    cheap (``cpu_refusal``, counted over the graph's wiring). Its receptive fields are
    measured by back-propagation when ``measure_rf`` (``measure_graph_receptive_fields``),
    each node's compared with the analysis's.
    """
    nodes = [(node.spec, node.inputs) for node in graph.nodes]
    specs = [node.spec for node in graph.nodes]
    mismatches: list[Mismatch] = []
    torch_error: str | None = None
    meta_only: str | None = None
    ran_on: list[str] = []
    try:
        for device in devices or ("meta", "cpu"):
            ran = run_nodes(
                torch,
                input_shape,
                nodes,
                batch_size=batch_size,
                device=device,
                max_elements=max_elements,
            )
            ran_on.append(device)
            if devices is None and device == "meta":
                meta_only = cpu_refusal(input_shape, specs, ran, batch_size, max_work, nodes)
                if meta_only is None:
                    continue  # the CPU run is the reference: a few checks exist only there
            torch_error = torch_error or ran.message
            seen = {(m.layer, m.field) for m in mismatches}
            mismatches += [m for m in compare(core, ran) if (m.layer, m.field) not in seen]
            if devices is None:
                break
    except OverflowError as error:
        return unavailable("verify_overflow", engine_name(), error=str(error))
    compared = ["valid", *COMPARED_FIELDS]
    rf: list[dict[str, Any]] | None = None
    if measure_rf:
        rf = measure_graph_receptive_fields(torch, input_shape, graph, analysis, max_work=max_work)
        mismatches += _rf_mismatches(rf)
        compared += _rf_compared(rf)
    reasons = [f"a graph, run node by node on {' then '.join(ran_on)}"]
    if meta_only is not None:
        reasons.append(f"checked on the meta device only: {meta_only}")
    if mismatches:
        named = dict.fromkeys(
            f"layer {m.layer} ({graph.nodes[m.layer].id}): {m.field}"
            for m in mismatches
            if m.layer is not None and m.layer < len(graph.nodes)
        )
        reasons.append("differs at " + "; ".join(named))
    return Verification(
        VerificationStatus.FAILED if mismatches else VerificationStatus.PASSED,
        engine=engine_name(),
        mismatches=mismatches,
        compared=compared,
        torch_error=torch_error,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        receptive_field=rf,
        reason="; ".join(reasons),
    )


def _rf_mismatches(rf: Sequence[dict[str, Any]]) -> list[Mismatch]:
    """A mismatch per measured field that differs from the analysis's."""
    return [
        Mismatch(r["layer"], f"receptive_field.{name}", r["calculated"][name], r["measured"][name])
        for r in rf
        if r.get("status") == "measured"
        for name in r["compared"]
        if name in r["differs"]
    ]


def _rf_compared(rf: Sequence[dict[str, Any]]) -> list[str]:
    """``receptive_field.<name>`` for each field compared on at least one layer."""
    measured = [r for r in rf if r.get("status") == "measured"]
    return [
        f"receptive_field.{name}"
        for name in RF_FIELDS
        if any(name in r["compared"] for r in measured)
    ]


CPU_MAX_ELEMENTS = 2**20
"""The CPU run happens when no output (whole batch) holds more elements than this, …"""
CPU_MAX_INPUT = 2**24
"""… the input (whole batch) at most this many (64 MiB in float32), …"""
CPU_MAX_PARAMS = 2**24
"""… the layers at most this many parameters, and it costs at most ``max_work``."""


def cpu_refusal(
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    ran: TorchSide,
    batch_size: int,
    max_work: int,
    nodes: Sequence[tuple[LayerSpec, tuple[int, ...]]] | None = None,
) -> str | None:
    """Why the stack the meta run built is not run again on the CPU, or ``None`` when it is.

    Counted from torch's own shapes (the meta run), so that the bound holds even where
    cnncalc's shapes are wrong.
    """
    sizes = {
        "input": batch_size * prod(tuple(input_shape)),
        "output": max([0, *(batch_size * prod(tuple(t.output_shape)) for t in ran.layers)]),
        "parameter": sum(t.params for t in ran.layers),
    }
    limits = {"input": CPU_MAX_INPUT, "output": CPU_MAX_ELEMENTS, "parameter": CPU_MAX_PARAMS}
    for what, count in sizes.items():
        if count > limits[what]:
            name = "parameters" if what == "parameter" else f"elements in the largest {what}"
            return f"{count} {name} (whole batch), over the CPU rerun's {limits[what]}"
    outputs = [t.output_shape for t in ran.layers]
    work = cpu_work(input_shape, specs, outputs, batch_size, nodes)
    if work > max_work:
        return f"the CPU rerun would cost {work} element-operations, over the limit of {max_work}"
    return None


def check_layers(
    input_shape: Sequence[int],
    layers: Sequence[LayerSpec | Mapping[str, Any]],
    *,
    batch_size: int = 1,
    max_elements: int = 2**50,
    measure_rf: bool = False,
    devices: Sequence[str] | None = None,
) -> tuple[Analysis | None, Verification]:
    """Analyse a stack with the core, then verify it in torch, whether the core accepts it or not.

    Returns:
        cnncalc's analysis (``None`` when it rejects the stack) and the verification.
    """
    specs = parse_layers(layers)
    analysis: Analysis | None = None
    error: str | None = None
    try:
        analysis = analyze(input_shape, specs, batch_size=batch_size)
    except CnnCalcError as rejected:
        error = str(rejected)
    verification = verify_stack(
        input_shape,
        specs,
        analysis,
        batch_size=batch_size,
        max_elements=max_elements,
        measure_rf=measure_rf,
        core_error=error,
        devices=devices,
    )
    return analysis, verification


def _reports(analysis: Analysis | None) -> list[Any]:
    return [] if analysis is None else list(analysis.layers)


# --- receptive fields, measured by back-propagation ------------------------------------------


def measure_receptive_fields(
    torch: ModuleType,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
    *,
    max_work: int = DEFAULT_MAX_WORK,
) -> list[dict[str, Any]]:
    """Measure each layer's receptive field by back-propagation and compare it with cnncalc's.

    Bound: at most ``RF_MAX_SPATIAL`` spatial input elements, ``RF_MAX_ACTIVATIONS``
    spatial output elements summed over the layers, and ``max_work`` element-operations
    (``budget.rf_work``, counted before anything runs); above it (or without an analysis,
    or without spatial axes) the result is ``[{"status": "skipped", "reason": ...}]``.

    Method: a real CPU copy of the stack in float64 with one channel, input all ones
    (``_measuring_copy``). For a chosen output unit ``i`` the gradient's first and last
    non-zero input index per axis, ``a`` and ``b``, give its field: ``size = b - a + 1``,
    centre ``(a + b) / 2``. A second unit ``i + q`` (``q = 1`` while every stride is whole,
    else the fields' period, ``budget.AxisField``) gives ``jump = (centre' - centre) / q``;
    then ``start = centre - i × jump`` and ``padding = (size - 1) / 2 - start``.

    Units are chosen among those whose field, threaded from the kinds' windows
    (``budget.rf_geometry``), lies inside the input on every axis and whose windows read no
    padding through the layers so far (``AxisField.valid``: a pad after a crop puts padding
    inside the input's span): the rule counts padding, the gradient never reaches it, so a
    unit cut by the border would measure short.

    - While every stride so far is whole (``"exact": true``) every unit's field is the same
      window moved by ``jump``: ``size``, ``jump``, ``start`` and ``padding`` must equal the
      analysis's (``jump`` when a neighbouring unit is inside too; otherwise ``start`` is
      taken with the calculated jump).
    - After a fractional stride (a strided transposed convolution, an upsampling, an uneven
      adaptive pool) windows alternate in width and cnncalc's ``start`` is the continuous
      centre, which no single unit need have: ``RF_MAX_UNITS`` consecutive units are
      measured (kept ``1 + ⌈jump⌉`` pixels further from the border than the wider of the
      threaded and the calculated size), and the unit a period away must move by exactly
      ``jump × period``. When those units span a whole period on every axis (a period of at
      most ``RF_MAX_UNITS``), every kind of unit is among them: their widest field must
      equal cnncalc's ``size``, the widest unit's; over a longer period it must not exceed
      it (rounded up). ``start`` and ``padding`` are not compared there.

    Cost: one forward pass of ``units`` samples keeps its graph; each layer is then one
    backward pass from its output, a one on each chosen unit of its own sample, zeros
    elsewhere (``budget.rf_work`` counts it).

    Raises:
        CheckError: a kind with windows that the measurement has no module for.
    """
    skipped = _rf_bound(input_shape, analysis)
    if skipped is None and analysis is not None:
        work = rf_work(input_shape, specs, analysis)
        if work > max_work:
            skipped = (
                f"the measurement would cost {work} element-operations, over the limit of "
                f"{max_work}"
            )
    if skipped is not None or analysis is None:
        return [{"status": "skipped", "reason": skipped or "the stack was rejected"}]
    geometry = rf_geometry(input_shape, specs)
    units = rf_units(geometry)
    extents = tuple(input_shape[1:])
    results: list[dict[str, Any]] = []
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")
        modules = _measuring_copy(torch, input_shape, specs, len(geometry))
        x = torch.ones((units, 1, *extents), dtype=torch.float64, requires_grad=True)
        outputs: list[Any] = []
        y = x
        for module in modules:
            y = module(y)
            outputs.append(y)
        for index, fields in enumerate(geometry):
            rf = analysis.layers[index].receptive_field
            if rf.global_ or len(rf.size) != len(extents):
                break
            y = outputs[index]
            plan = _plan(fields, extents, tuple(int(n) for n in y.shape[2:]), rf.size)
            if plan is None:
                results.append(
                    {
                        "layer": index,
                        "status": "skipped",
                        "reason": "no output unit has its whole field inside the input",
                        "calculated": {"size": list(rf.size)},
                    }
                )
                continue
            selector = torch.zeros_like(y)
            for sample, unit in enumerate(plan.samples):
                selector[(sample, slice(None), *unit)] = 1.0
            (grad,) = torch.autograd.grad(y, x, grad_outputs=selector, retain_graph=True)
            edges = _edges(torch, grad[: len(plan.samples)], len(extents))
            results.append(_judge(index, rf, plan, edges, extents))
    return results


def measure_graph_receptive_fields(
    torch: ModuleType,
    input_shape: Sequence[int],
    graph: Graph,
    analysis: Analysis | None,
    *,
    max_work: int = DEFAULT_MAX_WORK,
) -> list[dict[str, Any]]:
    """Measure each node's receptive field of a graph by back-propagation, as for a chain.

    Bound and method as ``measure_receptive_fields`` (``budget.rf_graph_work`` counts the
    work): one float64 CPU copy with one channel, each primitive node its measuring module,
    a merge ``torch.add`` or ``torch.mul`` folded over its inputs, or ``torch.cat`` (along
    the channels, followed by their sum, which keeps one measuring channel and depends on an
    input pixel wherever one of the concatenated channels does). Each node is one backward
    pass from its own output; entries carry the node's ``id``.

    What is compared, per node (``budget.graph_geometry`` threads the fields from the kinds'
    windows, independently of the analysis):

    - A node the analysis or the geometry calls ``global`` (after a global pooling, a merge
      with a global input): ``global`` only, measured as one unit's gradient reaching every
      input pixel that the node's units together reach (a crop, or a stride longer than its
      window, removes pixels from every unit alike: the unit still sees all there is to
      see). The unit reads no padding (``_unpadded``): a constant padding's units depend on
      no pixel at all.
    - A merge whose paths agree on ``jump`` on every axis, and the nodes after it: its field
      is the hull of its paths' regions, the same window moved by ``jump`` from unit to unit
      whether or not the paths agree on centre (the analysis's ``aligned`` false for a centre
      only): ``size``, ``jump``, ``start`` and ``padding`` as for a chain (exact while every
      stride is whole, else ``size`` bounded and ``jump``), and ``global`` (false: the unit's
      gradient misses an input pixel) when the calculated field is smaller than the input on
      some axis.
    - A merge whose paths disagree on ``jump`` on an axis, or that moves units along a
      spatial axis (a concatenation along it, a spatial size 1 broadcast), and every node
      after it: the hull changes from unit to unit, so the single field the analysis reports
      (its first unit's hull, with ``aligned`` false) has no measured counterpart; the node is
      ``skipped``, saying why.
    - A layer with no one-channel module (flatten, linear) and every node after it: not
      measured, no entry.

    Raises:
        CheckError: a kind with windows that the measurement has no module for.
    """
    nodes = [(node.spec, node.inputs) for node in graph.nodes]
    skipped = _rf_bound(input_shape, analysis)
    geometry: list[NodeField] = []
    if skipped is None and analysis is not None:
        geometry = graph_geometry(input_shape, nodes)
        work = rf_graph_work(input_shape, nodes, analysis, geometry)
        if work > max_work:
            skipped = (
                f"the measurement would cost {work} element-operations, over the limit of "
                f"{max_work}"
            )
    if skipped is not None or analysis is None:
        return [{"status": "skipped", "reason": skipped or "the stack was rejected"}]
    # The last sample back-propagates from every unit of the node at once: the input
    # pixels the node depends on at all, against which ``global`` is judged.
    samples = rf_units([g.fields for g in geometry if g.state == "field"]) + 1
    extents = tuple(input_shape[1:])
    results: list[dict[str, Any]] = []
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")
        x = torch.ones((samples, 1, *extents), dtype=torch.float64, requires_grad=True)
        outputs: dict[int, Any] = {GRAPH_INPUT: x}
        for index, ((spec, inputs), g) in enumerate(zip(nodes, geometry, strict=False)):
            if g.state == "end":
                continue
            xs = [outputs[i] for i in inputs]
            if spec.merges:
                outputs[index] = _measuring_merge(torch, spec, xs, index)
            else:
                shape = tuple(analysis.layers[index].input_shape)
                outputs[index] = _measuring_module(torch, index, spec, shape)(xs[0])
        for index, g in enumerate(geometry):
            if g.state == "end":
                continue
            node = graph.nodes[index]
            rf = analysis.layers[index].receptive_field
            y = outputs[index]
            entry: dict[str, Any]
            if g.state == "global" or rf.global_:
                units = _unpadded(g.fields, tuple(int(n) for n in y.shape[2:]), samples - 1)
                if not units:
                    entry = {"layer": index, "status": "skipped", "reason": PADDING_ONLY}
                else:
                    grad = _gradient(torch, x, y, units)
                    seeing = [k for k in range(len(units)) if bool(grad[k].abs().sum() > 0)]
                    if not seeing:
                        entry = {"layer": index, "status": "skipped", "reason": SEES_NOTHING}
                    else:
                        entry = _judge_global(index, rf, grad[seeing[0]], grad[-1])
            elif g.why is not None:
                entry = {"layer": index, "status": "skipped", "reason": g.why}
            else:
                plan = _plan(g.fields, extents, tuple(int(n) for n in y.shape[2:]), rf.size)
                if plan is None:
                    entry = {
                        "layer": index,
                        "status": "skipped",
                        "reason": "no output unit has its whole field inside the input",
                        "calculated": {"size": list(rf.size)},
                    }
                else:
                    grad = _gradient(torch, x, y, plan.samples)
                    edges = _edges(torch, grad[: len(plan.samples)], len(extents))
                    entry = _judge(index, rf, plan, edges, extents)
                    _judge_not_global(entry, rf, extents, grad[0])
            results.append({"id": node.id, **entry})
    return results


def _measuring_merge(torch: ModuleType, spec: LayerSpec, xs: Sequence[Any], index: int) -> Any:
    """A merge on the one-channel measuring copy (``measure_graph_receptive_fields``).

    Every input has one channel; a merge that puts channels side by side (a concatenation
    along them) has them summed, which keeps one.
    """
    y = _merge(torch, spec, xs, index)
    return y.sum(dim=1, keepdim=True) if y.shape[1] > 1 else y


def _gradient(torch: ModuleType, x: Any, y: Any, units: Sequence[tuple[int, ...]]) -> Any:
    """The input's gradient: sample ``k`` from unit ``units[k]``, the last from every unit."""
    selector = torch.zeros_like(y)
    for sample, unit in enumerate(units):
        selector[(sample, slice(None), *unit)] = 1.0
    selector[-1] = 1.0
    (grad,) = torch.autograd.grad(y, x, grad_outputs=selector, retain_graph=True)
    return grad


PADDING_ONLY = "every unit reads padding on some axis"


SEES_NOTHING = "no unit chosen depends on any input pixel (an empty phase)"


def _unpadded(
    fields: Sequence[AxisField], sizes: tuple[int, ...], count: int
) -> list[tuple[int, ...]]:
    """Up to ``count`` units whose windows read no padding; none when there is none.

    From the middle of ``AxisField.valid`` on, one more each time along every axis (without
    a known valid range on an axis, from its centre unit). Several, because a unit
    of an empty phase (a strided transposed convolution's inserted zeros) sees no pixel,
    and through a multiplication hides what the other factor sees.
    """
    ranges: list[range] = []
    for field, n in zip(fields, sizes, strict=True):
        low, high = (0, n - 1) if field.valid is None else field.valid
        low, high = max(low, 0), min(high, n - 1)
        if low > high:
            return []
        ranges.append(range((low + high) // 2, high + 1))
    width = min(count, max(len(r) for r in ranges))
    return [tuple(r[min(t, len(r) - 1)] for r in ranges) for t in range(width)]


def _sees_all(unit: Any, whole: Any) -> bool:
    """Whether one unit's gradient reaches every input pixel that all the node's units reach."""
    return bool(((unit.abs().sum(dim=0) > 0) == (whole.abs().sum(dim=0) > 0)).all())


def _judge_global(index: int, rf: ReceptiveField, unit: Any, whole: Any) -> dict[str, Any]:
    """``global`` measured (``_sees_all``, the centre unit) against ``rf.global_``."""
    measured = _sees_all(unit, whole)
    agrees = measured == rf.global_
    return {
        "layer": index,
        "status": "measured",
        "units": 1,
        "exact": True,
        "compared": ["global"],
        "measured": {"global": measured},
        "calculated": {"global": rf.global_},
        "agrees": agrees,
        "differs": [] if agrees else ["global"],
    }


def _judge_not_global(
    entry: dict[str, Any], rf: ReceptiveField, extents: tuple[int, ...], unit: Any
) -> None:
    """Add ``global`` (false) to a measured field smaller than the input on some axis.

    Such a field misses input pixels: the unit's gradient must not reach every one.
    """
    if all(n >= e for n, e in zip(rf.size, extents, strict=True)):
        return
    measured = bool((unit.abs().sum(dim=0) > 0).all())
    entry["compared"].append("global")
    entry["measured"]["global"] = measured
    entry["calculated"]["global"] = rf.global_
    if measured != rf.global_:
        entry["differs"].append("global")
        entry["agrees"] = False


@dataclass(frozen=True, slots=True)
class _Plan:
    """The units one layer's measurement back-propagates, one per sample.

    ``samples[0]`` is the main unit; with ``exact``, ``samples[1]`` its partner, else the
    first ``width`` samples are consecutive units along the diagonal and the last the
    partner. Per axis, ``partner`` is the partner's index less the main unit's (``None``
    when no unit a period away is inside the input; the partner then repeats the main).
    ``periods``: per axis, the units after which every field repeats, moved (1 while every
    stride is whole). ``whole_period``: per axis, the consecutive units span a whole period,
    so the widest measured unit is the widest of all.
    """

    samples: list[tuple[int, ...]]
    main: tuple[int, ...]
    partner: tuple[int | None, ...]
    exact: bool
    width: int
    periods: tuple[int, ...]
    whole_period: tuple[bool, ...]


def _plan(
    fields: tuple[AxisField, ...],
    extents: tuple[int, ...],
    sizes: tuple[int, ...],
    calculated: Sequence[Number],
) -> _Plan | None:
    """The units to measure: inside the input on every axis (see measure_receptive_fields).

    ``calculated`` is the analysis's size per axis. After a fractional stride it is the
    widest unit's, which may exceed the threaded (average) one: the units are kept
    ``1 + ⌈jump⌉`` pixels clear of the border beyond the wider of the two, so that no
    measured unit is cut by it; where too few units are that far in for a whole period,
    one pixel beyond the threaded size, and the size is then only bounded.
    """
    exact = all(f.uniform for f in fields)
    count = 1 if exact else RF_MAX_UNITS
    runs: list[list[int]] = []
    partners: list[int | None] = []
    whole_period: list[bool] = []
    for field, n, m, widest in zip(fields, extents, sizes, calculated, strict=True):
        clear = True
        if exact:
            inside = _inside(field, n, m, (field.size - 1) / 2)
        else:
            margin = (max(field.size, Fraction(widest)) - 1) / 2 + 1 + math.ceil(field.jump)
            inside = _inside(field, n, m, margin)
            if len(inside) < field.period:
                clear = False
                inside = _inside(field, n, m, (field.size - 1) / 2 + 1)
        if not inside:
            return None
        middle = max(0, len(inside) // 2 - count // 2)
        run = inside[middle : middle + count]
        first, q = run[0], field.period
        partners.append(q if first + q in inside else -q if first - q in inside else None)
        runs.append(run)
        whole_period.append(clear and len(run) >= q)
    width = max(len(r) for r in runs)
    samples = [tuple(r[min(t, len(r) - 1)] for r in runs) for t in range(width)]
    main = samples[0]
    samples.append(tuple(i + (q or 0) for i, q in zip(main, partners, strict=True)))
    periods = tuple(f.period for f in fields)
    return _Plan(samples, main, tuple(partners), exact, width, periods, tuple(whole_period))


def _inside(field: AxisField, n: int, m: int, half_size: Fraction) -> list[int]:
    """The units, of ``m``, whose field lies within the ``n`` input pixels and reads no padding.

    A unit's field is taken ``half_size`` either side of its centre.
    """
    return [
        i
        for i in range(m)
        if field.start + i * field.jump - half_size >= 0
        and field.start + i * field.jump + half_size <= n - 1
        and (field.valid is None or field.valid[0] <= i <= field.valid[1])
    ]


Edges = list[list[tuple[int, int] | None]]


def _judge(
    index: int, rf: ReceptiveField, plan: _Plan, edges: Edges, extents: tuple[int, ...]
) -> dict[str, Any]:
    """One layer's measured field against the analysis's ``rf`` (measure_receptive_fields).

    After a fractional stride the units are chosen from the fields' continuous centres,
    which a unit's own window need not have: a measured unit whose field touches the input's
    border may be cut by it. Such a unit is left out of ``jump`` (two others a whole number
    of periods apart stand in for the main unit and its partner), and ``size`` on that axis
    is then only bounded; so is every axis's when a measured unit sees no pixel at all.
    """
    main = edges[0]
    calculated = {"size": rf.size, "jump": rf.jump, "start": rf.start, "padding": rf.padding}
    measured: dict[str, list[Any]] = {}
    sizes = [
        max((b - a + 1 for a, b in _present(e[axis] for e in edges[: plan.width])), default=0)
        for axis in range(len(main))
    ]
    measured["size"] = sizes
    size_exact = list(plan.whole_period)
    if len(extents) > 1 and any(all(e is None for e in row) for row in edges[: plan.width]):
        # A unit that sees no pixel (an empty phase on one axis) hides its other axes: the
        # units measured there need not span a whole period any more.
        size_exact = [False] * len(extents)
    jumps: list[Fraction | None] = []
    for axis, n in enumerate(extents):
        units = [(sample[axis], e[axis]) for sample, e in zip(plan.samples, edges, strict=True)]
        if not plan.exact:
            cut = [i for i, edge in units if edge is not None and _touches(edge, n)]
            if any(i in cut for i in (s[axis] for s in plan.samples[: plan.width])):
                size_exact[axis] = False
            units = [(i, edge) for i, edge in units if i not in cut]
        jumps.append(_jump(units, plan.periods[axis]))
    if all(j is not None for j in jumps):
        measured["jump"] = [as_number(j) for j in jumps if j is not None]
    if plan.exact:
        starts: list[Fraction | None] = []
        for axis, i in enumerate(plan.main):
            ours = main[axis]
            known = jumps[axis]
            jump = Fraction(rf.jump[axis]) if known is None else known
            starts.append(None if ours is None else _centre(ours) - i * jump)
        measured["start"] = [None if s is None else as_number(s) for s in starts]
        measured["padding"] = [
            None if s is None else as_number(Fraction(size - 1, 2) - s)
            for size, s in zip(sizes, starts, strict=True)
        ]
    compared = [name for name in RF_FIELDS if name in measured]
    differs = [
        name
        for name in compared
        if not all(
            _agrees(name, m, c, exact)
            for m, c, exact in zip(measured[name], calculated[name], size_exact, strict=True)
        )
    ]
    return {
        "layer": index,
        "status": "measured",
        "units": len(plan.samples),
        "exact": plan.exact,
        "compared": compared,
        "measured": measured,
        "calculated": {name: list(calculated[name]) for name in compared},
        "agrees": not differs,
        "differs": differs,
    }


def _touches(edge: tuple[int, int], n: int) -> bool:
    """Whether a measured field reaches the first or last of ``n`` input pixels."""
    return edge[0] == 0 or edge[1] == n - 1


def _jump(units: Sequence[tuple[int, tuple[int, int] | None]], period: int) -> Fraction | None:
    """The centre's move per unit between the first two units a whole number of periods apart.

    ``units`` are each an index and its measured edges; ``None`` when no two are.
    """
    seen = [(i, edge) for i, edge in units if edge is not None]
    for k, (i, ours) in enumerate(seen):
        for j, theirs in seen[k + 1 :]:
            if j != i and (j - i) % period == 0:
                return (_centre(theirs) - _centre(ours)) / (j - i)
    return None


def _present(edges: Iterable[tuple[int, int] | None]) -> list[tuple[int, int]]:
    return [e for e in edges if e is not None]


def _centre(edge: tuple[int, int]) -> Fraction:
    return Fraction(edge[0] + edge[1], 2)


def _agrees(name: str, measured: Any, calculated: float, size_exact: bool) -> bool:
    """Whether a measured value meets the calculated one.

    Equal, except a ``size`` not measured over a whole period of uncut units (after a
    fractional stride whose period exceeds ``RF_MAX_UNITS``, or near the border): cnncalc's
    size is the widest unit's, which the measured units need not include, so the
    measurement must then not exceed it (rounded up).
    """
    if measured is None:
        return False
    if name == "size" and not size_exact:
        return bool(measured <= math.ceil(calculated))
    return bool(measured == calculated)


def _rf_bound(input_shape: Sequence[int], analysis: Analysis | None) -> str | None:
    """Why the receptive fields are not measured, or ``None`` when they are."""
    if analysis is None:
        return "the stack was rejected"
    spatial = prod(tuple(input_shape[1:]))
    if len(input_shape) < 2:
        return "the input has no spatial axis"
    if spatial > RF_MAX_SPATIAL:
        return (
            f"the input has {spatial} spatial elements, over the {RF_MAX_SPATIAL} for which "
            "receptive fields are measured by back-propagation"
        )
    activations = sum(prod(tuple(r.output_shape[1:])) for r in analysis.layers)
    if activations > RF_MAX_ACTIVATIONS:
        return (
            f"the layers' outputs hold {activations} spatial elements, over the "
            f"{RF_MAX_ACTIVATIONS} for which receptive fields are measured by back-propagation"
        )
    return None


def _measuring_module(torch: ModuleType, index: int, spec: LayerSpec, x: tuple[int, ...]) -> Any:
    """The float64 CPU module that measures one layer's field (measure_receptive_fields).

    Built as the kind's ``measured_as`` says (``app.core.layers.base.Measurement``):
    ``identity`` for a kind that keeps every unit where it is; ``as_is`` with one channel,
    weights a positive constant (``1 / fan_in``: any positive constant gives the same extent,
    this one keeps deep stacks in range) and biases 0; ``window_average`` as a depthwise
    average convolution of the step's geometry; ``adaptive_average`` as the adaptive average
    pooling of the same output size; ``across_channels`` as its own class on the channels one
    position reads, the measuring channel spread in and summed out (``_across_channels``).

    Raises:
        CheckError: the kind declares no treatment, or one that does not fit its step (an
            ``identity`` with windows or a global field, windows without geometry, a layer
            that sees the whole input, where the measurement ends): never an identity.
    """
    step = spec.infer(x)
    treatment = getattr(spec, "measured_as", None)
    has_windows = step.windows is not None
    if treatment == "identity" and not has_windows and not step.global_field:
        return torch.nn.Identity()
    if treatment == "as_is" and has_windows:
        return _one_channel(torch, spec.torch_name(x), spec.torch_kwargs(x))
    if treatment == "window_average" and step.geometry:
        return _window_average(torch, step)
    if treatment == "adaptive_average" and has_windows:
        pool = getattr(torch.nn, f"AdaptiveAvgPool{len(x) - 1}d")
        return pool(**spec.torch_kwargs(x)).to(torch.float64)
    if treatment == "across_channels" and has_windows:
        return _across_channels(torch, spec, x, step)
    said = "declares no treatment (measured_as)" if treatment is None else f"is {treatment!r}"
    raise CheckError(
        index,
        "receptive_field",
        f"layer {index} ({spec.kind}): the receptive-field measurement cannot build "
        f"{spec.torch_name(x)}, a layer {'with' if has_windows else 'without'} windows whose "
        f"measurement {said}; it is not measured as an identity",
    )


def _one_channel(torch: ModuleType, name: str, kwargs: dict[str, Any]) -> Any:
    """``torch.nn.<name>(**kwargs)`` in float64 on one channel, weights ``1 / fan_in``, bias 0."""
    if "in_channels" in kwargs:
        # One channel: with positive weights every channel sees the same window.
        kwargs = {**kwargs, "in_channels": 1, "out_channels": 1, "groups": 1}
    module = getattr(torch.nn, name)(**kwargs).to(torch.float64)
    weight = getattr(module, "weight", None)
    if isinstance(weight, torch.Tensor):
        with torch.no_grad():
            weight.fill_(1.0 / max(1, weight[0].numel()))
            if isinstance(module.bias, torch.Tensor):
                module.bias.zero_()
    return module


def _across_channels(torch: ModuleType, spec: LayerSpec, x: tuple[int, ...], step: Step) -> Any:
    """The kind's own module between 1×1 convolutions of weight 1 (``across_channels``).

    The first repeats the measuring channel into ``C_in / g`` channels, the last sums the
    ``C_out / g`` it gives back into one (``g = gcd(C_in, C_out)``): a unit's gradient then
    reaches every input its channels read. Intermediate tensors hold no more values than the
    layer's input or output per channel, so ``RF_MAX_ACTIVATIONS`` bounds them too.
    """
    g = math.gcd(x[0], step.output[0])
    conv = getattr(torch.nn, f"Conv{len(x) - 1}d")
    spread = conv(1, x[0] // g, 1, bias=False).to(torch.float64)
    gather = conv(step.output[0] // g, 1, 1, bias=False).to(torch.float64)
    with torch.no_grad():
        spread.weight.fill_(1.0)
        gather.weight.fill_(1.0)
    module = getattr(torch.nn, spec.torch_name(x))(**spec.torch_kwargs(x)).to(torch.float64)
    return torch.nn.Sequential(spread, module, gather)


def _measuring_copy(
    torch: ModuleType, input_shape: Sequence[int], specs: Sequence[LayerSpec], count: int
) -> list[Any]:
    """The first ``count`` layers (those before any global one) as measuring modules."""
    modules: list[Any] = []
    x = tuple(input_shape)
    for index, spec in enumerate(specs[:count]):
        modules.append(_measuring_module(torch, index, spec, x))
        x = spec.infer(x).output
    return modules


def _window_average(torch: ModuleType, step: Step) -> Any:
    """A pooling's windows as a depthwise average convolution of the same geometry.

    Kernel, stride, dilation and left padding come from ``step.geometry``; the right side is
    padded (or cropped) so that the convolution yields the pool's output sizes, ceil_mode
    included: ``(O - 1) S + k_eff - N - P_left``.
    """
    geometry = step.geometry
    d = len(geometry)
    kernel = tuple(g.kernel for g in geometry)
    conv = getattr(torch.nn, f"Conv{d}d")(
        1,
        1,
        kernel,
        stride=tuple(g.stride for g in geometry),
        dilation=tuple(g.dilation for g in geometry),
        bias=False,
    ).to(torch.float64)
    with torch.no_grad():
        conv.weight.fill_(1.0 / prod(kernel))
    pads: list[int] = []
    for g, o in reversed(list(zip(geometry, step.output[1:], strict=True))):
        pads.extend((g.pad_left, (o - 1) * g.stride + g.k_eff - g.size - g.pad_left))
    return torch.nn.Sequential(getattr(torch.nn, f"ConstantPad{d}d")(tuple(pads), 0.0), conv)


def _edges(torch: ModuleType, grad: Any, axes: int) -> Edges:
    """Per sample and spatial axis, the first and last index of non-zero gradient."""
    found: Edges = []
    for sample in grad:
        nonzero = sample.abs().sum(dim=0) > 0
        row: list[tuple[int, int] | None] = []
        for axis in range(axes):
            other = tuple(a for a in range(axes) if a != axis)
            line = nonzero.any(dim=other) if other else nonzero
            where = torch.nonzero(line).flatten()
            row.append((int(where[0]), int(where[-1])) if len(where) else None)
        found.append(row)
    return found


__all__ = [
    "COMPARED_FIELDS",
    "RF_FIELDS",
    "RF_MAX_ACTIVATIONS",
    "RF_MAX_SPATIAL",
    "RF_MAX_UNITS",
    "CheckError",
    "check_layers",
    "load_torch",
    "measure_graph_receptive_fields",
    "measure_receptive_fields",
    "run_nodes",
    "run_torch",
    "torch_import_seconds",
    "verify_stack",
]
