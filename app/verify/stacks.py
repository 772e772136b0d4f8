"""Random layer stacks over every registered kind, valid and invalid, for differential checks.

One generator serves two drivers through ``Chooser``: ``cnncalc selfcheck`` draws from a
seeded ``random.Random`` (``RandomChooser``), the hypothesis test from hypothesis's data (so
that failures shrink). Each kind draws its own fields (``LayerSpec.random_fields``), mostly
plausible values, knowing the incoming shape from cnncalc's rules, and sometimes wrong ones,
so that both sides' rejections are exercised. The stack ends at the first layer cnncalc
rejects. Random graphs (``random_graph``) wire such layers into residual and parallel
blocks and add, mul and concat merges. Pure: no torch here.
"""

from __future__ import annotations

import random
from typing import Any

from app.core.analysis import analyze
from app.core.errors import CnnCalcError, FieldError
from app.core.layers import LAYERS_ADAPTER, REGISTRY
from app.core.layers.cases import Chooser, chance, pick

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


Shape = tuple[int, ...]
REDRAWS = 4
"""Times a random graph's chain draws a layer the core rejects again before keeping it."""
FORMS = ("layer", "residual", "parallel", "add", "mul", "concat", "gate")
"""The entries a random graph draws: a layer (on the last output or an earlier one), a
``residual`` or ``parallel`` block, an ``add``, ``mul`` or ``concat`` of earlier outputs, and
a squeeze-excitation gate (global pooling, 1×1 convolutions, ``sigmoid``, ``mul``)."""


def random_chain(
    c: Chooser, x: Shape, count: int, first_kind: str | None = None
) -> tuple[list[Layer], Shape | None]:
    """``count`` random layers from ``x`` and their output (``None``: the core rejects one).

    A layer the core rejects is mostly drawn again (up to ``REDRAWS`` times), so that a graph
    of several chains is still valid most of the time; the rest end the chain.
    """
    layers: list[Layer] = []
    for index in range(count):
        for attempt in range(REDRAWS + 1):
            layer = random_layer(c, x, first_kind if index == 0 else None)
            (spec,) = LAYERS_ADAPTER.validate_python([layer])
            try:
                y = spec.infer(x).output
            except FieldError:
                if attempt < REDRAWS and chance(c, 90):
                    continue
                layers.append(layer)
                return layers, None
            break
        layers.append(layer)
        x = y
    return layers, x


def fitting(c: Chooser, x: Shape, y: Shape) -> list[Layer]:
    """Layers taking ``x`` to ``y`` (most of the time), so that merges mostly line up.

    An adaptive average pooling to ``y``'s spatial sizes, then a 1×1 convolution (a linear
    layer without spatial axes) to its channels; nothing when ``x`` is ``y``, and sometimes
    nothing at all, so that a merge of mismatched shapes is drawn too.
    """
    if x == y or len(x) != len(y) or chance(c, 8):
        return []
    d = len(x) - 1
    layers: list[Layer] = []
    if d and x[1:] != y[1:]:
        layers.append({"type": f"adaptiveavgpool{d}d", "output_size": list(y[1:])})
    if x[0] != y[0] or not layers:
        if d:
            layers.append({"type": f"conv{d}d", "out_channels": y[0], "kernel_size": 1})
        else:
            layers.append({"type": "linear", "out_features": y[0]})
    return layers


def gate(x: Shape) -> list[Layer]:
    """A squeeze-excitation gate for ``x``: global pooling, 1×1 convolutions, ``sigmoid``."""
    d = len(x) - 1
    inner = max(1, x[0] // 2)
    return [
        {"type": f"adaptiveavgpool{d}d", "output_size": 1},
        {"type": f"conv{d}d", "out_channels": inner, "kernel_size": 1},
        {"type": "relu"},
        {"type": f"conv{d}d", "out_channels": x[0], "kernel_size": 1},
        {"type": "sigmoid"},
    ]


def random_graph(
    c: Chooser, *, max_entries: int = 5, first_kind: str | None = None
) -> tuple[list[int], list[Layer]]:
    """An input shape and a random graph of up to ``max_entries`` entries (``FORMS``).

    Each entry is named ``n<k>`` and may read any earlier output; its blocks hold random
    chains of every kind (``first_kind`` forces the first layer drawn). Shapes are followed
    with the core, and the graph ends at the first entry the core rejects, so a few
    graphs are invalid (a merge of shapes that do not line up, a layer torch refuses).
    """
    d = c.integer(1, 3) if chance(c, 92) else 0
    high = {0: 16, 1: 24, 2: 12, 3: 6}[d]
    shape = [c.integer(1, 6), *(c.integer(2, high) for _ in range(d))]
    outputs: list[tuple[str, Shape]] = [("input", tuple(shape))]
    layers: list[Layer] = []
    forced = first_kind
    for n in range(c.integer(1, max_entries)):
        name, x = outputs[-1] if chance(c, 70) else pick(c, outputs)
        other, y = pick(c, outputs)
        form = pick(c, FORMS) if n or forced is None else pick(c, ("layer", "residual", "parallel"))
        entry: Layer
        if form == "layer":
            chain, _ = random_chain(c, x, 1, forced)
            entry = chain[0]
        elif form == "residual":
            main, out = random_chain(c, x, c.integer(1, 3), forced)
            entry = {"type": "residual", "layers": main}
            if out is not None:
                entry["shortcut"] = fitting(c, x, out)
        elif form == "parallel":
            merge = "concat" if chance(c, 60) else "add"
            branches: list[list[Layer]] = []
            target: Shape | None = None
            for b in range(c.integer(2, 3)):
                branch, out = random_chain(c, x, c.integer(1, 2), forced if b == 0 else None)
                if out is not None and target is None:
                    target = out
                elif out is not None and target is not None:
                    want = target if merge == "add" else (out[0], *target[1:])
                    branch += fitting(c, out, want)
                branches.append(branch)
            entry = {"type": "parallel", "branches": branches, "merge": merge}
            if merge == "concat" and chance(c, 10):
                entry["dim"] = c.integer(1, len(x))
        elif form in ("add", "mul"):
            side = fitting(c, y, x)
            if side:
                side[0]["inputs"] = [other]
                side[-1]["id"] = f"n{n}s"
                layers.extend(side)
                other = f"n{n}s"
            entry = {"type": form, "inputs": [name, other]}
        elif form == "concat":
            side = fitting(c, y, (y[0], *x[1:]))
            if side:
                side[0]["inputs"] = [other]
                side[-1]["id"] = f"n{n}s"
                layers.extend(side)
                other = f"n{n}s"
            entry = {"type": "concat", "inputs": [name, other]}
        else:
            if len(x) < 2:
                continue
            side = gate(x)
            side[0]["inputs"] = [name]
            side[-1]["id"] = f"n{n}g"
            layers.extend(side)
            entry = {"type": "mul", "inputs": [name, f"n{n}g"]}
        if form in ("layer", "residual", "parallel") and name != outputs[-1][0]:
            entry["inputs"] = [name]
        forced = None
        entry["id"] = f"n{n}"
        layers.append(entry)
        try:
            analysis = analyze(shape, layers)
        except CnnCalcError:
            break
        out = tuple(analysis.layers[-1].output_shape)
        outputs.append((f"n{n}", out))
        if max(out) > 64:
            break
    return shape, layers


__all__ = [
    "FORMS",
    "KINDS",
    "Chooser",
    "RandomChooser",
    "fitting",
    "gate",
    "random_chain",
    "random_graph",
    "random_input",
    "random_layer",
    "random_stack",
]
