"""Per-axis size arithmetic, written once and mirrored on PyTorch's own rules.

Shapes never include the batch dimension: ``(C, H, W)`` for an image. Every function here
works on one spatial axis and on Python ints, so counts never overflow and never become
floats. The rules follow ATen: ``conv_output_size`` / ``check_shape_forward`` for
convolutions and ``pooling_output_shape_pad_lr`` / ``pool2d_shape_check`` for pooling
(``aten/src/ATen/native/Pool.h``).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import gcd

from app.core.errors import ErrorCode, FieldError
from app.core.messages import msg

Shape = tuple[int, ...]
"""A tensor shape without the batch dimension."""


@dataclass(slots=True, unsafe_hash=True)  # a value: hashable, never mutated
class AxisOutput:
    """One spatial axis of a sliding-window layer.

    Attributes:
        size: the output size along the axis.
        span: what the stride divides, ``N + P_l + P_r - k_eff`` (0 when not applicable).
        stride: the stride along the axis.
        unread: input rows/columns (padding excluded) after the last window, never read.
    """

    size: int
    span: int = 0
    stride: int = 1
    unread: int = 0

    @property
    def exact(self) -> bool:
        """Whether the stride divides the span, so that no floor (or ceil) was needed."""
        return self.span % self.stride == 0


@dataclass(slots=True, unsafe_hash=True)  # a value: hashable, never mutated
class AxisGeometry:
    """One spatial axis of a sliding-window layer, expanded once by the layer's ``infer()``.

    Explanations, grading, export and the torch check read it from ``Step.geometry``
    instead of expanding the layer's fields again.

    Attributes:
        size: the input size ``N`` along the axis.
        kernel: ``K``.
        stride: ``S`` (a pooling's default, the kernel, already applied).
        pad_left: padding before the first input value (``"same"`` resolved).
        pad_right: padding after the last one.
        dilation: ``D``; ``k_eff = D × (K - 1) + 1``.
        output_padding: a transposed convolution's ``OP`` (0 otherwise).
    """

    size: int
    kernel: int
    stride: int
    pad_left: int
    pad_right: int
    dilation: int = 1
    output_padding: int = 0

    @property
    def k_eff(self) -> int:
        """The extent the dilated kernel covers, ``D × (K - 1) + 1``."""
        return self.dilation * (self.kernel - 1) + 1


def effective_kernel(kernel: int, dilation: int) -> int:
    """The extent a dilated kernel covers: ``k_eff = D × (K - 1) + 1``."""
    return dilation * (kernel - 1) + 1


def conv_out(n: int, k: int, s: int, pad_l: int, pad_r: int, d: int) -> AxisOutput:
    """Convolution: ``O = floor((N + P_l + P_r - D(K-1) - 1) / S) + 1``.

    With symmetric padding this is the course's ``(N - K + 2P) / S + 1``, floored.

    Raises:
        FieldError: the padded input is smaller than the effective kernel (PyTorch: "Kernel
            size can't be greater than actual input size").
    """
    k_eff = d * (k - 1) + 1
    padded = n + pad_l + pad_r
    if padded < k_eff:
        code = "kernel_too_large" if d == 1 else "dilated_kernel_too_large"
        raise FieldError(
            "kernel_size",
            msg(code, kernel=k_eff, padded=padded),
            ErrorCode.KERNEL_TOO_LARGE,
        )
    span = padded - k_eff
    out = span // s + 1
    # Input positions after the last window: N + P_l - ((O - 1) S + k_eff), at least 0.
    unread = n + pad_l - (out - 1) * s - k_eff
    return AxisOutput(out, span, s, unread if unread > 0 else 0)


def pool_out(n: int, k: int, s: int, p: int, d: int, ceil_mode: bool) -> AxisOutput:
    """Pooling: ``O = floor((N + 2P - D(K-1) - 1) / S) + 1``, or the ceil_mode rule.

    With ``ceil_mode``, ``O = ceil((N + 2P - D(K-1) - 1) / S) + 1``, less one when that last
    window would start in the right padding, i.e. when ``(O - 1) S >= N + P``
    (``pooling_output_shape_pad_lr``).

    Raises:
        FieldError: padding over half the kernel (``K // 2 >= P`` is required), a kernel
            larger than the padded input, or an output below 1 (PyTorch: "Output size is
            too small").
    """
    if p > k // 2:
        raise FieldError(
            "padding",
            msg("pool_padding_too_large", padding=p, kernel=k, dilation=d),
            ErrorCode.PADDING_TOO_LARGE,
        )
    k_eff = d * (k - 1) + 1
    span = n + 2 * p - k_eff
    # Python's // floors like ATen's div_rtn, so a negative span is handled as torch does:
    # with ceil_mode a kernel up to S - 1 larger than the padded input still gives one window.
    out = (span + (s - 1 if ceil_mode else 0)) // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    if out < 1:
        raise FieldError(
            "kernel_size",
            msg("pool_kernel_too_large", kernel=k_eff, padded=n + 2 * p),
            ErrorCode.KERNEL_TOO_LARGE,
        )
    unread = n + p - (out - 1) * s - k_eff  # as in ``conv_out``
    return AxisOutput(out, span, s, unread if unread > 0 else 0)


def conv_transpose_out(n: int, k: int, s: int, p: int, op: int, d: int) -> AxisOutput:
    """Transposed convolution: ``O = (N - 1) S - 2P + D(K - 1) + OP + 1``.

    Raises:
        FieldError: an output below 1.
    """
    out = (n - 1) * s - 2 * p + d * (k - 1) + op + 1
    if out < 1:
        raise FieldError(
            "padding",
            msg("transposed_output_too_small", padding=p, size=out),
            ErrorCode.OUTPUT_TOO_SMALL,
        )
    return AxisOutput(out)


def adaptive_window(n: int, m: int, i: int) -> tuple[int, int]:
    """Input rows ``[start, end)`` pooled into output ``i`` of ``m`` from ``n``.

    ``start = floor(i N / M)``, ``end = ceil((i + 1) N / M)`` (ATen's ``start_index`` and
    ``end_index`` in ``AdaptivePooling.h``).
    """
    return (i * n) // m, -((-(i + 1) * n) // m)


def adaptive_max_window(n: int, m: int) -> int:
    """The widest window adaptive pooling uses from ``n`` to ``m``: ``ceil((N + M - g) / M)``.

    Window ``i`` is ``ceil((r + N) / M)`` wide, where ``r = iN mod M`` runs over the multiples
    of ``g = gcd(N, M)`` below ``M``; the largest ``r`` is ``M - g``.
    """
    return -(-(n + m - gcd(n, m)) // m)
