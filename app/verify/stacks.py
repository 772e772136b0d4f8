"""Random layer stacks over every registered kind, valid and invalid, for differential checks.

One generator serves two drivers through ``Chooser``: ``cnncalc selfcheck`` draws from a
seeded ``random.Random`` (``RandomChooser``), the hypothesis test from hypothesis's data (so
that failures shrink). Each kind draws its own fields (``LayerSpec.random_fields``), mostly
plausible values, knowing the incoming shape from cnncalc's rules, and sometimes wrong ones,
so that both sides' rejections are exercised. The stack ends at the first layer cnncalc
rejects. Pure: no torch here.
"""

from __future__ import annotations

import random
from typing import Any

from app.core.errors import FieldError
from app.core.layers import LAYERS_ADAPTER, REGISTRY
from app.core.layers.cases import Chooser, pick

Layer = dict[str, Any]


class RandomChooser:
    """Choices from a seeded ``random.Random``."""

    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        return self.rng.randint(low, high)


KINDS = tuple(kind.__name__ for kind in REGISTRY)


def random_layer(c: Chooser, x: tuple[int, ...], kind: str | None = None) -> Layer:
    """One layer of ``kind`` (or a random kind), a random tag of it, for an input ``x``.

    The fields are the kind's own random case (``LayerSpec.random_fields``).
    """
    cls = next(k for k in REGISTRY if k.__name__ == kind) if kind else pick(c, REGISTRY)
    tag = pick(c, cls.tags)
    return {"type": tag, **cls.random_fields(c, x)}


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
