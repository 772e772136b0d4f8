"""Random layer stacks over every registered kind, valid and invalid, for differential checks.

One generator serves two drivers through ``Chooser``: ``cnncalc selfcheck`` draws from a
seeded ``random.Random`` (``RandomChooser``), the hypothesis test from hypothesis's data (so
that failures shrink). Fields are drawn mostly from plausible values, knowing the incoming
shape from cnncalc's rules, and sometimes from wrong ones, so that both sides' rejections
are exercised. The stack ends at the first layer cnncalc rejects. Pure: no torch here.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from app.core.errors import FieldError
from app.core.layers import LAYERS_ADAPTER, REGISTRY

T = TypeVar("T")
Layer = dict[str, Any]


class Chooser(Protocol):
    """A source of choices: integers in a closed range."""

    def integer(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        ...


class RandomChooser:
    """Choices from a seeded ``random.Random``."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        return self.rng.randint(low, high)


def pick(c: Chooser, options: Sequence[T]) -> T:
    """One of ``options``."""
    return options[c.integer(0, len(options) - 1)]


def chance(c: Chooser, percent: int) -> bool:
    """True ``percent`` times in a hundred."""
    return c.integer(1, 100) <= percent


def axes_value(c: Chooser, d: int, low: int, high: int) -> int | list[int]:
    """An int, or one int per axis (sometimes a wrong count of them)."""
    if d <= 1 or chance(c, 60):
        return c.integer(low, high)
    count = d if chance(c, 90) else pick(c, [n for n in (1, 2, 3, 4) if n != d])
    return [c.integer(low, high) for _ in range(count)]


def spatial_dims(x: tuple[int, ...]) -> int:
    """Spatial axes of a ``C × spatial…`` tensor."""
    return max(len(x) - 1, 1)


def _conv(c: Chooser, tag: str, x: tuple[int, ...], transposed: bool) -> Layer:
    d = spatial_dims(x)
    channels = x[0]
    groups = pick(c, [1, 1, 1, 2, 3, channels]) if chance(c, 40) else 1
    out = groups * c.integer(1, 3) if chance(c, 85) else c.integer(1, 8)
    layer: Layer = {
        "type": tag,
        "out_channels": out,
        "kernel_size": axes_value(c, d, 1, 5),
    }
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


def _pool(c: Chooser, tag: str, x: tuple[int, ...], dilation: bool) -> Layer:
    d = spatial_dims(x)
    layer: Layer = {"type": tag, "kernel_size": axes_value(c, d, 1, 4)}
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


def _adaptive(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    d = spatial_dims(x)
    if chance(c, 50):
        size: Any = c.integer(1, 6)
    else:
        count = d if chance(c, 90) else c.integer(1, 4)
        size = [None if chance(c, 25) else c.integer(1, 6) for _ in range(count)]
    return {"type": tag, "output_size": size}


def _flatten(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    rank = len(x) + 1
    layer: Layer = {"type": tag}
    if chance(c, 50):
        layer["start_dim"] = c.integer(-rank - 1, rank)
    if chance(c, 50):
        layer["end_dim"] = c.integer(-rank - 1, rank)
    return layer


def _linear(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    layer: Layer = {"type": tag, "out_features": c.integer(1, 8)}
    if chance(c, 15):
        layer["in_features"] = x[-1] if chance(c, 50) else c.integer(1, 8)
    if chance(c, 20):
        layer["bias"] = False
    return layer


def _batchnorm(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    layer: Layer = {"type": tag}
    if chance(c, 15):
        layer["num_features"] = x[0] if chance(c, 50) else c.integer(1, 8)
    if chance(c, 20):
        layer["affine"] = False
    if chance(c, 20):
        layer["track_running_stats"] = False
    return layer


def _layernorm(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    layer: Layer = {"type": tag}
    if chance(c, 70):
        if chance(c, 85):
            layer["normalized_shape"] = list(x[len(x) - c.integer(1, len(x)) :])
        else:
            layer["normalized_shape"] = [c.integer(1, 6) for _ in range(c.integer(1, 3))]
    if chance(c, 20):
        layer["elementwise_affine"] = False
    if chance(c, 20):
        layer["bias"] = False
    return layer


def _groupnorm(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    divisors = [g for g in range(1, x[0] + 1) if x[0] % g == 0]
    layer: Layer = {
        "type": tag,
        "num_groups": pick(c, divisors) if chance(c, 80) else c.integer(1, 6),
    }
    if chance(c, 10):
        layer["num_channels"] = x[0] if chance(c, 50) else c.integer(1, 8)
    if chance(c, 20):
        layer["affine"] = False
    return layer


def _softmax(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    rank = len(x) + 1
    layer: Layer = {"type": tag}
    if chance(c, 80):
        layer["dim"] = c.integer(-rank - 1, rank)
    return layer


def _prelu(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    layer: Layer = {"type": tag}
    if chance(c, 60):
        layer["num_parameters"] = x[0] if chance(c, 70) else c.integer(1, 8)
    return layer


def _plain(c: Chooser, tag: str, x: tuple[int, ...]) -> Layer:
    return {"type": tag}


Maker = Callable[[Chooser, str, tuple[int, ...]], Layer]

MAKERS: dict[str, Maker] = {
    "Conv": lambda c, tag, x: _conv(c, tag, x, transposed=False),
    "ConvTranspose": lambda c, tag, x: _conv(c, tag, x, transposed=True),
    "MaxPool": lambda c, tag, x: _pool(c, tag, x, dilation=True),
    "AvgPool": lambda c, tag, x: _pool(c, tag, x, dilation=False),
    "AdaptiveAvgPool": _adaptive,
    "AdaptiveMaxPool": _adaptive,
    "Flatten": _flatten,
    "Linear": _linear,
    "BatchNorm": _batchnorm,
    "LayerNorm": _layernorm,
    "GroupNorm": _groupnorm,
    "Softmax": _softmax,
    "PReLU": _prelu,
}
"""Field generators by kind; any other kind (activations, dropout) takes its defaults."""

KINDS = tuple(kind.__name__ for kind in REGISTRY)


def random_layer(c: Chooser, x: tuple[int, ...], kind: str | None = None) -> Layer:
    """One layer of ``kind`` (or a random kind), a random tag of it, for an input ``x``."""
    cls = next(k for k in REGISTRY if k.__name__ == kind) if kind else pick(c, REGISTRY)
    tag = pick(c, cls.tags)
    return MAKERS.get(cls.__name__, _plain)(c, tag, x)


def random_input(c: Chooser) -> list[int]:
    """``[F]``, ``[C, L]``, ``[C, H, W]`` or ``[C, D, H, W]`` with small sizes."""
    d = c.integer(0, 3)
    high = {0: 16, 1: 24, 2: 12, 3: 6}[d]
    return [c.integer(1, 6), *(c.integer(1, high) for _ in range(d))]


def random_stack(
    c: Chooser, *, max_layers: int = 5, first_kind: str | None = None
) -> tuple[list[int], list[Layer]]:
    """An input shape and up to ``max_layers`` layers, ending at the first one cnncalc rejects.

    ``first_kind`` forces the kind of the first layer (to cover every kind evenly).
    """
    shape = random_input(c)
    x = tuple(shape)
    layers: list[Layer] = []
    for index in range(c.integer(1, max_layers)):
        layer = random_layer(c, x, first_kind if index == 0 else None)
        layers.append(layer)
        (spec,) = LAYERS_ADAPTER.validate_python([layer])
        try:
            x = spec.infer(x).output
        except FieldError:
            break
        if max(x) > 64:
            break
    return shape, layers


__all__ = ["KINDS", "Chooser", "RandomChooser", "random_input", "random_layer", "random_stack"]
