"""Solving backwards: the kernel, stride, padding and dilation that take N to a target size.

For one spatial axis of a convolution or a max pooling, the values left out are searched
within bounds (``SolveBounds``), and every combination whose output is the target is listed,
simplest first: exact divisions first (the course's formulas assume them), then by dilation,
stride, kernel and padding, smallest first. Each answer is checked with ``shapes.conv_out``
or ``shapes.pool_out``, the very functions ``analyze()`` uses, so it is what PyTorch gives.

The padding is not enumerated: for a kernel, stride and dilation,
``O = floor((N + 2P - K_eff) / S) + 1`` holds exactly when
``S (O - 1) <= N + 2P - K_eff <= S O - 1``, which gives the run of paddings that work. With
``ceil_mode``, ``O' = ceil((N + 2P - K_eff) / S) + 1`` less one when ``(O' - 1) S >= N + P``,
the paddings that work are two runs: ``S (O - 2) < N + 2P - K_eff <= S (O - 1)`` with
``P > S (O - 1) - N`` (the last window kept), and ``S (O - 1) < N + 2P - K_eff <= S O`` with
``P <= S O - N`` (the last window dropped). In each run the stride divides
``N + 2P - K_eff`` for at most one padding, the exact one. Padding bounds: a convolution is
offered at most ``K_eff - 1`` (more only adds windows made of zeros) and a pooling at most
``K // 2`` (PyTorch's own rule), within ``max_padding``.

The work is bounded: at most ``MAX_SEARCH`` (K, S, D) combinations are examined, each in
constant time (its runs are computed, or the one fixed padding is checked), so that the
number of solutions, ``found``, is counted without listing them. The combinations are
visited in the order of the listing (dilation, stride, kernel, then padding), so the
simplest exact and inexact solutions are kept as they come, ``max_solutions`` of each at
most, and only the ``max_solutions`` listed are built and explained.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum, unique
from typing import Final, Literal

from app.core.analysis import ExplanationStep
from app.core.errors import ErrorCode, FieldError, LimitError, StackError
from app.core.explain import Lang, conv_axis_steps, lang_of
from app.core.messages import msg
from app.core.shapes import AxisOutput, conv_out, effective_kernel, pool_out


@unique
class SolveLayer(StrEnum):
    """The layers the solver knows: a convolution or a (max) pooling."""

    __slots__ = ()

    CONV = "conv"
    POOL = "pool"


@dataclass(frozen=True, slots=True)
class SolveBounds:
    """Where unknowns are searched (inclusive). Fixed values are not bounded by these.

    Attributes:
        max_kernel: kernel sizes 1 to this.
        max_stride: strides 1 to this.
        max_padding: paddings 0 to this (and see the module on the padding bounds).
        max_dilation: dilations 1 to this (a pooling of kernel 1 is never dilated).
        max_solutions: answers listed; the rest are counted in ``SolveResult.found``.
    """

    max_kernel: int = 11
    max_stride: int = 8
    max_padding: int = 16
    max_dilation: int = 4
    max_solutions: int = 20


DEFAULT_BOUNDS: Final = SolveBounds()
CEILINGS: Final = SolveBounds(
    max_kernel=256, max_stride=256, max_padding=1024, max_dilation=64, max_solutions=1000
)
"""The largest bounds a request may ask for."""
MAX_SEARCH: Final = 200_000
"""Kernel × stride × dilation combinations one request may search."""
MAX_SIZE: Final = 2**24
"""The largest input or output size."""


@dataclass(frozen=True, slots=True)
class Solution:
    """One combination that gives the target size, with its worked formula."""

    kernel_size: int
    stride: int
    padding: int
    dilation: int
    exact: bool
    explanation: list[ExplanationStep] = field(default_factory=list)
    ceil_mode: bool = False


@dataclass(frozen=True, slots=True)
class SolveResult:
    """Every combination found (at most ``bounds.max_solutions``), simplest first.

    Attributes:
        solutions: the answers.
        truncated: more were found than listed.
        found: how many were found in all.
        bounds: the bounds the unknowns were searched in.
    """

    layer: str
    input_size: int
    output_size: int
    solutions: list[Solution]
    truncated: bool
    found: int
    bounds: SolveBounds


def _check_value(name: str, value: int | None, low: int, high: int) -> None:
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise StackError((name,), msg("solve_whole", name=name, low=low), ErrorCode.NON_POSITIVE)
    if value > high:
        raise LimitError((name,), msg("solve_limit", name=name, value=value, high=high))


def _range(fixed: int | None, low: int, high: int) -> range:
    return range(fixed, fixed + 1) if fixed is not None else range(low, high + 1)


def _run(n: int, k_eff: int, spans: tuple[int, int], low: int, high: int) -> range:
    """The paddings ``low <= P <= high`` with ``spans[0] <= N + 2P - K_eff <= spans[1]``."""
    first = max(low, -(-(spans[0] + k_eff - n) // 2))
    last = min(high, (spans[1] + k_eff - n) // 2)
    return range(first, last + 1)


def _padding_runs(
    n: int, o: int, s: int, k_eff: int, ceil_mode: bool, high: int
) -> tuple[range, ...]:
    """The paddings ``0..high`` that give ``o``, as runs (see the module for the rules)."""
    if not ceil_mode:
        return (_run(n, k_eff, (s * (o - 1), s * o - 1), 0, high),)
    kept = _run(n, k_eff, (s * (o - 2) + 1, s * (o - 1)), max(0, s * (o - 1) - n + 1), high)
    dropped = _run(n, k_eff, (s * (o - 1) + 1, s * o), 0, min(high, s * o - n))
    return (kept, dropped)


def _exact_padding(run: range, n: int, s: int, k_eff: int) -> int | None:
    """The padding of ``run`` whose ``N + 2P - K_eff`` the stride divides, if any.

    A run's spans lie within ``S - 1`` of each other, so at most one is a multiple of ``S``.
    """
    if not run:
        return None
    first = n + 2 * run.start - k_eff
    multiple = -(-first // s) * s
    p, odd = divmod(multiple + k_eff - n, 2)
    return p if not odd and p in run else None


def solve(
    layer: Literal["conv", "pool"] | SolveLayer,
    input_size: int,
    output_size: int,
    kernel_size: int | None = None,
    stride: int | None = None,
    padding: int | None = None,
    dilation: int | None = None,
    *,
    ceil_mode: bool = False,
    lang: str = "en",
    max_kernel: int = DEFAULT_BOUNDS.max_kernel,
    max_stride: int = DEFAULT_BOUNDS.max_stride,
    max_padding: int = DEFAULT_BOUNDS.max_padding,
    max_dilation: int = DEFAULT_BOUNDS.max_dilation,
    max_solutions: int = DEFAULT_BOUNDS.max_solutions,
) -> SolveResult:
    """Every (K, S, P, D) within bounds that takes ``input_size`` to ``output_size``.

    Args:
        layer: ``"conv"`` (``(N - K + 2P) / S + 1`` floored) or ``"pool"`` (max pooling,
            ``P <= K // 2``, optionally ``ceil_mode``).
        input_size: N, the input's size along the axis.
        output_size: the size wanted.
        kernel_size: K, or ``None`` to search it.
        stride: S, or ``None`` to search it.
        padding: P, or ``None`` to search it.
        dilation: D, or ``None`` to search it.
        ceil_mode: a pooling that rounds up.
        lang: language of the worked formulas.
        max_kernel: searched kernels are ``1..max_kernel``.
        max_stride: searched strides are ``1..max_stride``.
        max_padding: searched paddings are ``0..max_padding``.
        max_dilation: searched dilations are ``1..max_dilation``.
        max_solutions: answers listed at most.

    Raises:
        StackError: a size or value below its minimum.
        LimitError: a value or a bound over its ceiling, or too large a search.
    """
    kind = SolveLayer(layer)
    language: Lang = lang_of(lang)
    _check_value("input_size", input_size, 1, MAX_SIZE)
    _check_value("output_size", output_size, 1, MAX_SIZE)
    _check_value("kernel_size", kernel_size, 1, MAX_SIZE)
    _check_value("stride", stride, 1, MAX_SIZE)
    _check_value("padding", padding, 0, MAX_SIZE)
    _check_value("dilation", dilation, 1, MAX_SIZE)
    bounds = SolveBounds(max_kernel, max_stride, max_padding, max_dilation, max_solutions)
    for name in ("max_kernel", "max_stride", "max_padding", "max_dilation", "max_solutions"):
        low = 0 if name == "max_padding" else 1
        _check_value(name, getattr(bounds, name), low, getattr(CEILINGS, name))
    kernels = _range(kernel_size, 1, max_kernel)
    strides = _range(stride, 1, max_stride)
    dilations = _range(dilation, 1, max_dilation)
    if len(kernels) * len(strides) * len(dilations) > MAX_SEARCH:
        raise LimitError(
            ("max_kernel",),
            msg(
                "solve_search_limit",
                kernels=len(kernels),
                strides=len(strides),
                dilations=len(dilations),
                most=MAX_SEARCH,
            ),
        )
    n, o = input_size, output_size
    pool = kind is SolveLayer.POOL
    ceil = ceil_mode and pool
    # Visited in the listing's order (exact first, then by D, S, K, P): the first
    # ``max_solutions`` exact and inexact ones are the simplest, and the rest are counted.
    exact: list[tuple[int, int, int, int]] = []
    inexact: list[tuple[int, int, int, int]] = []
    found = 0
    for d in dilations:
        for s in strides:
            for k in kernels:
                if dilation is None and d > 1 and k == 1:
                    continue  # dilating a single tap changes nothing
                if padding is not None:
                    out = _size(kind, n, k, s, padding, d, ceil_mode)
                    if out is not None and out.size == o:
                        found += 1
                        kept = exact if out.exact else inexact
                        if len(kept) < max_solutions:
                            kept.append((k, s, padding, d))
                    continue
                k_eff = effective_kernel(k, d)
                high = min(max_padding, k // 2 if pool else k_eff - 1)
                for run in _padding_runs(n, o, s, k_eff, ceil, high):
                    found += len(run)
                    exact_p = _exact_padding(run, n, s, k_eff)
                    if exact_p is not None and len(exact) < max_solutions:
                        exact.append((k, s, exact_p, d))
                    for p in run:  # stops at once when the inexact ones are all kept
                        if len(inexact) >= max_solutions:
                            break
                        if p != exact_p:
                            inexact.append((k, s, p, d))
    listed = []
    for k, s, p, d in (exact + inexact)[:max_solutions]:
        out = _size(kind, n, k, s, p, d, ceil_mode)
        if out is None:  # never: every combination kept gives ``o``
            continue
        steps = _explain(kind, n, k, s, p, d, out, ceil_mode, language)
        listed.append(Solution(k, s, p, d, out.exact, steps, ceil_mode if pool else False))
    return SolveResult(
        layer=kind.value,
        input_size=n,
        output_size=o,
        solutions=listed,
        truncated=found > max_solutions,
        found=found,
        bounds=bounds,
    )


def _size(
    kind: SolveLayer, n: int, k: int, s: int, p: int, d: int, ceil_mode: bool
) -> AxisOutput | None:
    """The output along the axis, or ``None`` where PyTorch would refuse the layer."""
    try:
        if kind is SolveLayer.CONV:
            return conv_out(n, k, s, p, p, d)
        return pool_out(n, k, s, p, d, ceil_mode)
    except FieldError:
        return None


def _explain(
    kind: SolveLayer,
    n: int,
    k: int,
    s: int,
    p: int,
    d: int,
    out: AxisOutput,
    ceil_mode: bool,
    lang: Lang,
) -> list[ExplanationStep]:
    pool = kind is SolveLayer.POOL
    return conv_axis_steps(
        "N", n, k, s, p, p, d, out, lang, pool=pool, ceil_mode=ceil_mode and pool
    )


__all__ = ["DEFAULT_BOUNDS", "Solution", "SolveBounds", "SolveLayer", "SolveResult", "solve"]
