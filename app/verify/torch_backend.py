"""The torch executor: builds a stack as real ``torch.nn`` modules and compares every layer.

This is the only module that imports torch, inside functions, once (``load_torch``). The
check runs on the ``meta`` device: modules and tensors carry shapes and dtypes but no data,
so a 3×100000×100000 input or a batch of 4096 costs what a 1×28×28 one does. Every layer is
built generically, ``getattr(torch.nn, spec.torch_name(x))(**spec.torch_kwargs(x))``, run on
the tensor the previous layer produced, and compared with cnncalc's answer on
``output_shape``, ``weight_shape``, ``bias_shape``, ``params`` (``sum(p.numel())``) and
``buffers`` (``sum(b.numel())`` over the module's buffers). Modules run in ``eval()`` mode:
shapes are the same in both modes, and the batch statistics that only training checks
(BatchNorm's "more than 1 value per channel") are a warning in cnncalc, not a rejection.

The receptive field is measured empirically (``measure_receptive_fields``) on a real CPU
copy in float64 when the input is small: see that function for the bound and conventions.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from importlib.util import find_spec
from types import ModuleType
from typing import Any

from app.core.analysis import Analysis, ReceptiveField
from app.core.errors import CnnCalcError, ErrorCode, FieldError
from app.core.layers.base import LayerSpec, prod
from app.verify import INSTALL_HINT, Mismatch, Verification, VerificationStatus

RF_MAX_SPATIAL = 2**14
"""Receptive fields are measured when the input has at most this many spatial elements per
sample (128×128, 26×26×24, …)."""
RF_MAX_MACS = 2**25
"""… and one forward pass costs at most this many MACs per sample (float64 on the CPU)."""
RF_MAX_UNITS = 12
"""Output units measured at once per layer, one per batch sample, along the diagonal."""

COMPARED_FIELDS = ("output_shape", "weight_shape", "bias_shape", "params", "buffers")

_lock = threading.Lock()
_torch: ModuleType | None = None
_import_seconds: float | None = None


def load_torch() -> ModuleType | None:
    """Import torch on first use and cache it; ``None`` when it is not installed.

    The import (about two seconds) happens once per process, under a lock, and never at
    service start. Its one-off warnings (a missing NumPy) are silenced here.
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
            _import_seconds = time.perf_counter() - started
            _torch = torch
    return _torch


def torch_import_seconds() -> float | None:
    """How long the first ``import torch`` took, or ``None`` before it happened."""
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


@dataclass(frozen=True, slots=True)
class CoreSide:
    """cnncalc's view of a stack: its layers, and where and why it rejects the stack."""

    layers: list[CoreLayer]
    rejected_at: int | None = None
    message: str | None = None
    code: ErrorCode | None = None


@dataclass(frozen=True, slots=True)
class TorchLayer:
    """torch's numbers for one layer."""

    output_shape: list[int]
    weight_shape: list[int] | None
    bias_shape: list[int] | None
    params: int
    buffers: int


@dataclass(frozen=True, slots=True)
class TorchSide:
    """torch's run of a stack: every layer it built and ran, and its error if it stopped."""

    layers: list[TorchLayer]
    rejected_at: int | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()


def core_side(
    input_shape: Sequence[int], specs: Sequence[LayerSpec], analysis: Analysis | None
) -> CoreSide:
    """The core's per-layer numbers from ``analysis``; without one, from each kind's rule.

    A stack the core rejected has no analysis: the layers' own ``infer()`` rules are then
    threaded to find which layer rejects it and why.
    """
    if analysis is not None:
        return CoreSide(
            [
                CoreLayer(r.output_shape, r.weight_shape, r.bias_shape, r.params, r.buffers)
                for r in analysis.layers
            ]
        )
    layers: list[CoreLayer] = []
    x = tuple(input_shape)
    for index, spec in enumerate(specs):
        try:
            step = spec.infer(x)
        except FieldError as error:
            return CoreSide(layers, index, f"layer {index} ({spec.kind}): {error}", error.code)
        layers.append(
            CoreLayer(
                list(step.output),
                None if step.weight is None else list(step.weight),
                None if step.bias is None else list(step.bias),
                step.params,
                step.buffers,
            )
        )
        x = step.output
    return CoreSide(layers)


def _shape_of(value: Any, torch: ModuleType) -> list[int] | None:
    return list(value.shape) if isinstance(value, torch.Tensor) else None


def build_layer(torch: ModuleType, spec: LayerSpec, x: tuple[int, ...]) -> Any:
    """The ``torch.nn`` module for ``spec`` receiving a tensor of shape ``x`` (no batch)."""
    return getattr(torch.nn, spec.torch_name(x))(**spec.torch_kwargs(x))


def run_torch(
    torch: ModuleType,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    *,
    batch_size: int,
    device: str,
    max_elements: int | None = None,
) -> TorchSide:
    """Build and run every layer on ``device``, stopping at the first error torch raises.

    Raises:
        OverflowError: a layer's output (whole batch) holds more than ``max_elements``.
    """
    layers: list[TorchLayer] = []
    with warnings.catch_warnings(record=True) as caught, torch.no_grad():
        warnings.simplefilter("always")
        with torch.device(device):
            x = torch.empty((batch_size, *input_shape))
        for index, spec in enumerate(specs):
            shape = tuple(int(n) for n in x.shape[1:])
            try:
                with torch.device(device):
                    module = build_layer(torch, spec, shape)
                module.eval()
                y = module(x)
            except Exception as error:  # torch's own rejection, quoted as it is
                message = f"layer {index} ({spec.kind}): {type(error).__name__}: {error}"
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
                    sum(int(p.numel()) for p in module.parameters()),
                    sum(int(b.numel()) for b in module.buffers()),
                )
            )
            x = y
    return TorchSide(layers, warnings=_warning_texts(caught))


def _warning_texts(caught: list[warnings.WarningMessage]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(w.message).strip() for w in caught))


def compare(core: CoreSide, ran: TorchSide) -> list[Mismatch]:
    """Every field of every layer both sides built on which they differ, then accept/reject."""
    mismatches: list[Mismatch] = []
    for index, (ours, theirs) in enumerate(zip(core.layers, ran.layers, strict=False)):
        for name in COMPARED_FIELDS:
            a, b = getattr(ours, name), getattr(theirs, name)
            if a != b:
                mismatches.append(Mismatch(index, name, a, b))
    if core.rejected_at != ran.rejected_at and not (
        core.code is ErrorCode.UNSUPPORTED
        and (ran.rejected_at is None or ran.rejected_at > (core.rejected_at or 0))
    ):
        # cnncalc declines a few things torch allows on purpose (ErrorCode.UNSUPPORTED,
        # e.g. flattening the batch); everything else must be rejected by both, at one layer.
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


def verify_stack(
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
    *,
    batch_size: int = 1,
    max_elements: int,
    measure_rf: bool = True,
    core_error: str | None = None,
    device: str = "meta",
) -> Verification:
    """Run the stack in torch and compare it, layer by layer, with cnncalc's answer.

    Args:
        input_shape: the input without the batch.
        specs: the parsed layers.
        analysis: cnncalc's answer, or ``None`` when it rejected the stack.
        batch_size: the batch torch runs (on ``meta`` it costs nothing).
        max_elements: the largest input or layer output (whole batch) the check accepts.
        measure_rf: also measure receptive fields by back-propagation when the input is
            small enough (``RF_MAX_SPATIAL``, ``RF_MAX_MACS``).
        core_error: cnncalc's message when it rejected the stack (``analysis`` is ``None``).
        device: ``"meta"`` (shapes only, any size); ``"cpu"`` runs real tensors.

    Returns:
        ``passed`` when torch agrees on every compared field and on accept/reject,
        ``failed`` with the mismatches otherwise, ``unavailable`` without torch or when the
        check is refused.
    """
    started = time.perf_counter()
    if find_spec("torch") is None:
        return Verification(
            VerificationStatus.UNAVAILABLE,
            reason=f"torch is not installed; install it with: {INSTALL_HINT}",
        )
    elements = batch_size * prod(tuple(input_shape))
    largest = max(
        [elements, *(batch_size * prod(tuple(r.output_shape)) for r in _reports(analysis))]
    )
    if largest > max_elements:
        return Verification(
            VerificationStatus.UNAVAILABLE,
            reason=f"a tensor of {largest} elements (whole batch) is over the verification "
            f"limit of {max_elements}",
        )
    torch = load_torch()
    if torch is None:  # pragma: no cover - find_spec saw it a moment ago
        return Verification(VerificationStatus.UNAVAILABLE, reason=INSTALL_HINT)
    core = core_side(input_shape, specs, analysis)
    if analysis is None and core.rejected_at is None:
        return Verification(
            VerificationStatus.UNAVAILABLE,
            engine=engine_name(),
            reason=f"the stack was refused before its layers were checked: {core_error}",
        )
    try:
        ran = run_torch(
            torch,
            input_shape,
            specs,
            batch_size=batch_size,
            device=device,
            max_elements=max_elements,
        )
    except OverflowError as error:
        return Verification(VerificationStatus.UNAVAILABLE, engine=engine_name(), reason=str(error))
    mismatches = compare(core, ran)
    rf: list[dict[str, Any]] | None = None
    if measure_rf:
        rf = measure_receptive_fields(torch, input_shape, specs, analysis)
    return Verification(
        VerificationStatus.FAILED if mismatches else VerificationStatus.PASSED,
        engine=engine_name(),
        mismatches=mismatches,
        torch_error=ran.message,
        elapsed_ms=round((time.perf_counter() - started) * 1000, 3),
        receptive_field=rf,
    )


def _reports(analysis: Analysis | None) -> list[Any]:
    return [] if analysis is None else list(analysis.layers)


# --- receptive fields, measured by back-propagation ------------------------------------------

_KEEP = ("ConvTranspose", "Conv", "AvgPool", "AdaptiveAvgPool")
"""torch classes measured as they are (prefixes; ``Conv1d``, ``AvgPool2d``, …)."""


def measure_receptive_fields(
    torch: ModuleType,
    input_shape: Sequence[int],
    specs: Sequence[LayerSpec],
    analysis: Analysis | None,
) -> list[dict[str, Any]]:
    """Measure each layer's receptive field by back-propagation and compare it with cnncalc's.

    Bound: at most ``RF_MAX_SPATIAL`` spatial input elements per sample and ``RF_MAX_MACS``
    MACs per sample; above it (or without an analysis, or without spatial axes) the result
    is ``[{"status": "skipped", "reason": ...}]``.

    Method: a real CPU copy of the stack in float64, input all ones. Convolutions keep
    their geometry, weights a positive constant (``1 / fan_in``, which keeps deep stacks in
    range; any positive constant gives the same extent) and biases 0. Max pools become
    average pools of the same geometry (kernel, stride, padding, dilation, ceil_mode) so
    that the gradient reaches the whole window, adaptive max pools adaptive average pools.
    Layers that keep every unit where it is (activations, normalisation, dropout, softmax)
    are identities: the receptive field ignores statistics, as Araujo et al. do. Flatten and
    linear end the measurement: their units are global.

    Per layer with a spatial output, up to ``RF_MAX_UNITS`` consecutive output units along
    the diagonal are measured at once, one per batch sample, keeping only units whose
    calculated field ``[c - (size-1)/2, c + (size-1)/2]``, ``c = start + i × jump``, lies
    inside the input on every axis (the core's rule counts padding, torch's gradient does
    not reach it). The measured size per axis is the largest extent (last - first input
    index with a non-zero gradient, plus one) over those units: for convolutions and pools
    every unit has the same extent; for transposed convolutions and adaptive pools with
    uneven windows the units differ, and cnncalc's size is the widest one.
    """
    skipped = _rf_bound(input_shape, analysis)
    if skipped is not None or analysis is None:
        return [{"status": "skipped", "reason": skipped or "the stack was rejected"}]
    results: list[dict[str, Any]] = []
    with warnings.catch_warnings(), torch.enable_grad():
        warnings.simplefilter("ignore")
        modules = _measuring_copy(torch, input_shape, specs, analysis)
        units = RF_MAX_UNITS
        x = torch.ones((units, *input_shape), dtype=torch.float64, requires_grad=True)
        outputs = []
        y = x
        for module in modules:
            if module is None:
                break
            y = module(y)
            outputs.append(y)
        extents = tuple(input_shape[1:])
        for index, y in enumerate(outputs):
            report = analysis.layers[index]
            rf = report.receptive_field
            if rf.global_ or len(y.shape) != len(input_shape) + 1:
                break
            picked = _interior_units(rf, extents, tuple(int(n) for n in y.shape[2:]), units)
            if not picked:
                results.append(
                    {
                        "layer": index,
                        "status": "skipped",
                        "reason": "no output unit has its whole field inside the input",
                        "calculated": list(rf.size),
                    }
                )
                continue
            selector = torch.zeros_like(y)
            for sample, unit in enumerate(picked):
                selector[(sample, slice(None), *unit)] = 1.0
            (grad,) = torch.autograd.grad(y, x, grad_outputs=selector, retain_graph=True)
            measured = _extents(torch, grad[: len(picked)], len(extents))
            calculated = [float(s) for s in rf.size]
            results.append(
                {
                    "layer": index,
                    "status": "measured",
                    "units": len(picked),
                    "measured": measured,
                    "calculated": list(rf.size),
                    "agrees": [float(m) for m in measured] == calculated,
                }
            )
    return results


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
    macs = analysis.total_macs // max(analysis.batch_size, 1)
    if macs > RF_MAX_MACS:
        return (
            f"one forward pass costs {macs} MACs, over the {RF_MAX_MACS} for which receptive "
            "fields are measured by back-propagation"
        )
    return None


class _MeasureFactory:
    """Builds the float64 CPU modules that measure fields (see measure_receptive_fields)."""

    def __init__(self, torch: ModuleType) -> None:
        self.torch = torch

    def module(self, spec: LayerSpec, x: tuple[int, ...], out: list[int]) -> Any:
        torch = self.torch
        name = spec.torch_name(x)
        kwargs = spec.torch_kwargs(x)
        if name.startswith("MaxPool"):
            return _window_average(torch, x, kwargs, out)
        if name.startswith("AdaptiveMaxPool"):
            name = name.replace("AdaptiveMaxPool", "AdaptiveAvgPool")
        if not name.startswith(_KEEP):
            return torch.nn.Identity()
        module = getattr(torch.nn, name)(**kwargs).to(torch.float64)
        weight = getattr(module, "weight", None)
        if isinstance(weight, torch.Tensor):
            with torch.no_grad():
                weight.fill_(1.0 / max(1, weight[0].numel()))
                if isinstance(module.bias, torch.Tensor):
                    module.bias.zero_()
        return module


def _measuring_copy(
    torch: ModuleType, input_shape: Sequence[int], specs: Sequence[LayerSpec], analysis: Analysis
) -> list[Any]:
    """The stack as measuring modules; ``None`` from the first global layer on."""
    factory = _MeasureFactory(torch)
    modules: list[Any] = []
    x = tuple(input_shape)
    for spec, report in zip(specs, analysis.layers, strict=True):
        if report.receptive_field.global_:
            modules.append(None)
            break
        modules.append(factory.module(spec, x, report.output_shape))
        x = tuple(report.output_shape)
    return modules


def _window_average(
    torch: ModuleType, x: tuple[int, ...], kwargs: dict[str, Any], out: list[int]
) -> Any:
    """A pooling's windows as a depthwise average convolution of the same geometry.

    The input is padded (or cropped) so that the convolution's kernel, stride and dilation
    yield the pool's ``out`` sizes, ceil_mode included.
    """
    d = len(x) - 1

    def axes(value: Any) -> tuple[int, ...]:
        if isinstance(value, int):
            return (value,) * d
        return tuple(value) * d if len(value) == 1 else tuple(value)

    k = axes(kwargs["kernel_size"])
    s = k if kwargs.get("stride") is None else axes(kwargs["stride"])
    p = axes(kwargs.get("padding", 0))
    dil = axes(kwargs.get("dilation", 1))
    channels = x[0]
    conv = getattr(torch.nn, f"Conv{d}d")(
        channels, channels, k, stride=s, dilation=dil, groups=channels, bias=False
    ).to(torch.float64)
    with torch.no_grad():
        conv.weight.fill_(1.0 / prod(k))
    pads: list[int] = []
    for n, kk, ss, pp, dl, o in reversed(list(zip(x[1:], k, s, p, dil, out[1:], strict=True))):
        right = (o - 1) * ss + dl * (kk - 1) + 1 - n - pp
        pads.extend((pp, right))
    return torch.nn.Sequential(getattr(torch.nn, f"ConstantPad{d}d")(tuple(pads), 0.0), conv)


def _interior_units(
    rf: ReceptiveField, extents: tuple[int, ...], sizes: tuple[int, ...], count: int
) -> list[tuple[int, ...]]:
    """Up to ``count`` consecutive diagonal units whose calculated field is inside the input."""
    ranges: list[list[int]] = []
    for axis, (n, m) in enumerate(zip(extents, sizes, strict=True)):
        half_size = (Fraction(rf.size[axis]) - 1) / 2
        start, jump = Fraction(rf.start[axis]), Fraction(rf.jump[axis])
        inside = [
            i
            for i in range(m)
            if start + i * jump - half_size >= 0 and start + i * jump + half_size <= n - 1
        ]
        if not inside:
            return []
        middle = max(0, len(inside) // 2 - count // 2)
        ranges.append(inside[middle : middle + count])
    width = max(len(r) for r in ranges)
    return [tuple(r[min(t, len(r) - 1)] for r in ranges) for t in range(width)]


def _extents(torch: ModuleType, grad: Any, axes: int) -> list[int]:
    """Per spatial axis, the widest run ``last - first + 1`` of non-zero gradient per sample."""
    widest = [0] * axes
    for sample in grad:
        nonzero = sample.abs().sum(dim=0) > 0
        for axis in range(axes):
            other = tuple(a for a in range(axes) if a != axis)
            line = nonzero.any(dim=other) if other else nonzero
            where = torch.nonzero(line).flatten()
            if len(where):
                widest[axis] = max(widest[axis], int(where[-1] - where[0]) + 1)
    return widest


__all__ = [
    "COMPARED_FIELDS",
    "RF_MAX_MACS",
    "RF_MAX_SPATIAL",
    "CnnCalcError",
    "load_torch",
    "measure_receptive_fields",
    "run_torch",
    "torch_import_seconds",
    "verify_stack",
]
