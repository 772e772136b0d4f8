"""Real branching networks, written twice, as cnncalc JSON and as their authors' torch code.

Each network of ``tests/torch/real_networks.py`` (U-Nets, Inception-v3's reduction and
asymmetric blocks, a dense block, MobileNetV3's squeeze-excitation blocks, ResNeXt, a feature
pyramid, a causal TCN, a 3-D ResNet) is compared node by node with cnncalc's analysis of its
JSON twin, by torch alone, without the code under test:

- shapes, parameters, buffers, weight and bias shapes from forward hooks on every leaf module
  (the merges are modules there), in the order the network runs them, which is the graph's;
  every node's inputs have the shapes of the nodes cnncalc says it reads;
- MACs by the layer formula (a convolution's output elements × ``C_in / groups × ∏K``, a
  transposed one's input elements × ``C_out / groups × ∏K``, a linear layer's
  ``out × in``), the network's total also by ``FlopCounterMode``;
- receptive fields by back-propagation on a one-channel skeleton of the network (every
  convolution one channel with weights 1, batch norms and activations the identity, a max
  pool the average pool of its windows, a concatenation the sum of its inputs, a linear
  layer the sum of its features, all in float64 on an input of ones): the hull of the input
  pixels one unit's gradient reaches is its ``size``, its centre less ``unit × jump`` the
  ``start``, ``jump`` the move of that centre from unit to unit; a global unit reaches every
  input pixel.

The project's own check (``verify_stack``) must also pass on each network.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from types import ModuleType
from typing import Any

import pytest

from app.core import analyze
from app.core.analysis import Analysis
from app.core.errors import CnnCalcError
from app.core.layers import LAYERS_ADAPTER
from app.verify import VerificationStatus
from app.verify.torch_backend import verify_stack
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

Layer = dict[str, Any]
Call = tuple[Any, tuple[Any, ...], Any]
"""A leaf module's call: the module, its inputs, its output."""


# cnncalc's side, as JSON.


def conv(c: int, k: Any, *, kind: str = "conv2d", bias: bool = False, **more: Any) -> Layer:
    return {"type": kind, "out_channels": c, "kernel_size": k, "bias": bias, **more}


def bn(kind: str = "batchnorm2d", **more: Any) -> Layer:
    return {"type": kind, **more}


def act(kind: str = "relu") -> Layer:
    return {"type": kind}


def seq(name: str, layers: list[Layer]) -> Layer:
    return {"type": "sequential", "id": name, "layers": layers}


def double_conv(c: int, mid: int | None = None) -> list[Layer]:
    return [
        conv(mid or c, 3, padding=1),
        bn(),
        act(),
        conv(c, 3, padding=1),
        bn(),
        act(),
    ]


def basic(c: int, k: Any, **more: Any) -> list[Layer]:
    """Inception-v3's ``BasicConv2d``."""
    return [conv(c, k, **more), bn(eps=0.001), act()]


def unet(bilinear: bool) -> list[Layer]:
    def up(name: str, c: int) -> Layer:
        if bilinear:
            return {
                "type": "upsample",
                "id": name,
                "scale_factor": 2,
                "mode": "bilinear",
                "align_corners": True,
            }
        return conv(c, 2, kind="convtranspose2d", bias=True, stride=2, id=name)

    factor = 2 if bilinear else 1
    return [
        seq("inc", double_conv(8)),
        {"type": "maxpool2d", "kernel_size": 2},
        seq("down1", double_conv(16)),
        {"type": "maxpool2d", "kernel_size": 2},
        seq("down2", double_conv(32 // factor)),
        up("up1", 16),
        {"type": "concat", "inputs": ["down1", "up1"]},
        seq("conv1", double_conv(16 // factor, 16 if bilinear else None)),
        up("up2", 8),
        {"type": "concat", "inputs": ["inc", "up2"]},
        seq("conv2", double_conv(8, 8 if bilinear else None)),
        conv(2, 1, bias=True, id="outc"),
    ]


INCEPTION_B: Layer = {
    "type": "parallel",
    "id": "Mixed_6a",
    "branches": [
        basic(384, 3, stride=2),
        [*basic(64, 1), *basic(96, 3, padding=1), *basic(96, 3, stride=2)],
        [{"type": "maxpool2d", "kernel_size": 3, "stride": 2}],
    ],
}
C7 = 128
INCEPTION_C: Layer = {
    "type": "parallel",
    "id": "Mixed_6b",
    "branches": [
        basic(192, 1),
        [
            *basic(C7, 1),
            *basic(C7, [1, 7], padding=[0, 3]),
            *basic(192, [7, 1], padding=[3, 0]),
        ],
        [
            *basic(C7, 1),
            *basic(C7, [7, 1], padding=[3, 0]),
            *basic(C7, [1, 7], padding=[0, 3]),
            *basic(C7, [7, 1], padding=[3, 0]),
            *basic(192, [1, 7], padding=[0, 3]),
        ],
        [{"type": "avgpool2d", "kernel_size": 3, "stride": 1, "padding": 1}, *basic(192, 1)],
    ],
}
INCEPTION_D: Layer = {
    "type": "parallel",
    "id": "Mixed_7a",
    "branches": [
        [*basic(192, 1), *basic(320, 3, stride=2)],
        [
            *basic(192, 1),
            *basic(192, [1, 7], padding=[0, 3]),
            *basic(192, [7, 1], padding=[3, 0]),
            *basic(192, 3, stride=2),
        ],
        [{"type": "maxpool2d", "kernel_size": 3, "stride": 2}],
    ],
}


def split_3x3(c: int) -> Layer:
    """InceptionE's ``[1×3, 3×1]`` pair, concatenated."""
    return {
        "type": "parallel",
        "branches": [
            basic(c, [1, 3], padding=[0, 1]),
            basic(c, [3, 1], padding=[1, 0]),
        ],
    }


INCEPTION_E: Layer = {
    "type": "parallel",
    "id": "Mixed_7b",
    "branches": [
        basic(320, 1),
        [*basic(384, 1), split_3x3(384)],
        [*basic(448, 1), *basic(384, 3, padding=1), split_3x3(384)],
        [{"type": "avgpool2d", "kernel_size": 3, "stride": 1, "padding": 1}, *basic(192, 1)],
    ],
}


def dense_block() -> list[Layer]:
    def dense_layer(i: int, reads: list[str]) -> list[Layer]:
        return [
            {"type": "concat", "inputs": reads},
            bn(),
            act(),
            conv(32, 1),
            bn(),
            act(),
            conv(8, 3, padding=1, id=f"new{i}"),
        ]

    layers: list[Layer] = [conv(16, 3, padding=1, id="conv0")]
    maps = ["conv0"]
    for i in range(3):
        layers += dense_layer(i, list(maps))
        maps.append(f"new{i}")
    layers += [
        {"type": "concat", "inputs": maps},
        bn(),
        act(),
        conv(20, 1),
        {"type": "avgpool2d", "kernel_size": 2, "stride": 2},
    ]
    return layers


def _make_divisible(v: float) -> int:
    new_v = max(8, int(v + 4) // 8 * 8)
    return new_v + 8 if new_v < 0.9 * v else new_v


def conv_bn_act(
    c: int, k: int, stride: int = 1, groups: int = 1, kind: str | None = None
) -> list[Layer]:
    layers = [
        conv(c, k, stride=stride, padding=(k - 1) // 2, groups=groups),
        bn(eps=0.001, momentum=0.01),
    ]
    return layers if kind is None else [*layers, act(kind)]


def mobilenet_v3_block(
    c_in: int, k: int, expanded: int, c_out: int, se: bool, hs: bool, stride: int
) -> Layer:
    kind = "hardswish" if hs else "relu"
    layers: list[Layer] = []
    if expanded != c_in:
        layers += conv_bn_act(expanded, 1, kind=kind)
    layers += conv_bn_act(expanded, k, stride, groups=expanded, kind=kind)
    if se:
        layers[-1] = {**layers[-1], "id": "x"}
        layers += [
            {"type": "adaptiveavgpool2d", "output_size": 1},
            conv(_make_divisible(expanded // 4), 1, bias=True),
            act(),
            conv(expanded, 1, bias=True),
            {"type": "hardsigmoid", "id": "scale"},
            {"type": "mul", "inputs": ["x", "scale"]},
        ]
    layers += conv_bn_act(c_out, 1)
    if stride == 1 and c_in == c_out:
        return {"type": "residual", "layers": layers}
    return {"type": "sequential", "layers": layers}


MOBILENET_V3_SMALL = [
    # c_in, kernel, expanded, c_out, SE, hardswish, stride
    (16, 3, 16, 16, True, False, 2),
    (16, 3, 72, 24, False, False, 2),
    (24, 3, 88, 24, False, False, 1),
    (24, 5, 96, 40, True, True, 2),
    (40, 5, 240, 40, True, True, 1),
]


def resnext_block(c_in: int, planes: int, stride: int) -> Layer:
    width = planes * 4 // 64 * 32  # int(planes × base_width / 64) × groups
    shortcut: list[Layer] = []
    if stride != 1 or c_in != planes * 4:
        shortcut = [conv(planes * 4, 1, stride=stride), bn()]
    return {
        "type": "residual",
        "layers": [
            conv(width, 1),
            bn(),
            act(),
            conv(width, 3, stride=stride, padding=1, groups=32),
            bn(),
            act(),
            conv(planes * 4, 1),
            bn(),
        ],
        "shortcut": shortcut,
    }


def fpn() -> list[Layer]:
    def c(n: int, k: int, **more: Any) -> Layer:
        return conv(n, k, bias=True, **more)

    return [
        c(8, 3, stride=2, padding=1, id="c3"),
        c(16, 3, stride=2, padding=1, id="c4"),
        c(32, 3, stride=2, padding=1, id="c5"),
        c(16, 1, id="last5"),
        c(16, 3, padding=1, id="p5"),
        c(16, 1, inputs=["c4"], id="inner4"),
        {"type": "upsample", "size": [16, 16], "mode": "nearest", "inputs": ["last5"], "id": "td4"},
        {"type": "add", "inputs": ["inner4", "td4"], "id": "last4"},
        c(16, 3, padding=1, id="p4"),
        c(16, 1, inputs=["c3"], id="inner3"),
        {
            "type": "upsample",
            "scale_factor": 2,
            "mode": "nearest",
            "inputs": ["last4"],
            "id": "td3",
        },
        {"type": "add", "inputs": ["inner3", "td3"], "id": "last3"},
        c(16, 3, padding=1, id="p3"),
        {"type": "maxpool2d", "kernel_size": 1, "stride": 2, "inputs": ["p5"], "id": "p6"},
    ]


def temporal_block(c_in: int, c_out: int, d: int, zero: bool) -> Layer:
    def pad() -> Layer:
        if zero:
            return {"type": "zeropad1d", "padding": [2 * d, 0]}
        return {"type": "constantpad1d", "padding": [2 * d, 0], "value": 0.0}

    half = [pad(), conv(c_out, 3, kind="conv1d", bias=True, dilation=d), act()]
    dropout: Layer = {"type": "dropout", "p": 0.2}
    shortcut = [conv(c_out, 1, kind="conv1d", bias=True)] if c_in != c_out else []
    return {"type": "residual", "layers": [*half, dropout, *half, dropout], "shortcut": shortcut}


def r3d() -> list[Layer]:
    return [
        conv(8, [3, 7, 7], kind="conv3d", stride=[1, 2, 2], padding=[1, 3, 3]),
        bn("batchnorm3d"),
        act(),
        {
            "type": "residual",
            "layers": [
                conv(16, 3, kind="conv3d", stride=2, padding=1),
                bn("batchnorm3d"),
                act(),
                conv(16, 3, kind="conv3d", padding=1),
                bn("batchnorm3d"),
            ],
            "shortcut": [conv(16, 1, kind="conv3d", stride=2), bn("batchnorm3d")],
        },
        act(),
        {"type": "adaptiveavgpool3d", "output_size": 1},
        {"type": "flatten"},
        {"type": "linear", "out_features": 10},
    ]


@dataclass(frozen=True)
class Network:
    """One network twice: cnncalc's JSON and the torch module of ``real_networks``."""

    input_shape: list[int]
    layers: list[Layer]
    build: Callable[[Any], Any]
    """The torch module, from the ``real_networks`` module."""
    fields: int
    """Nodes whose receptive field must be measured (the others: global, or clipped)."""
    period: int = 1
    """Units after which every field repeats, moved (4 after two upsamplings by 2)."""


NETWORKS: dict[str, Network] = {
    "unet_transposed": Network(
        [3, 64, 64],
        unet(False),
        lambda rn: rn.SmallUNet(bilinear=False),
        25,
        period=4,
    ),
    "unet_bilinear": Network(
        [3, 64, 64], unet(True), lambda rn: rn.SmallUNet(bilinear=True), 20, period=4
    ),
    "inception_v3_mixed_6a_6b": Network(
        [288, 35, 35],
        [INCEPTION_B, INCEPTION_C],
        lambda rn: rn.nn.Sequential(rn.InceptionB(288), rn.InceptionC(768, C7)),
        40,
    ),
    "inception_v3_mixed_7a_7b": Network(
        [768, 23, 23],
        [INCEPTION_D, INCEPTION_E],
        lambda rn: rn.nn.Sequential(rn.InceptionD(768), rn.InceptionE(1280)),
        40,
    ),
    "densenet_block_transition": Network(
        [3, 24, 24], dense_block(), lambda rn: rn.DenseBlockTransition(), 20
    ),
    "mobilenet_v3_small_blocks": Network(
        [3, 64, 64],
        [
            *conv_bn_act(16, 3, 2, kind="hardswish"),
            *[mobilenet_v3_block(*s) for s in MOBILENET_V3_SMALL],
        ],
        lambda rn: rn.MobileNetV3SmallHead(),
        10,
    ),
    "resnext50_layer2": Network(
        [256, 24, 24],
        [resnext_block(256, 128, 2), act(), resnext_block(512, 128, 1), act()],
        lambda rn: rn.ResNeXtLayer2(),
        15,
    ),
    "fpn_top_down": Network([3, 64, 64], fpn(), lambda rn: rn.TinyFPN(), 10, period=4),
    "tcn_causal": Network(
        [4, 64],
        [
            temporal_block(4, 8, 1, False),
            act(),
            temporal_block(8, 8, 2, True),
            act(),
            temporal_block(8, 8, 4, False),
            act(),
        ],
        lambda rn: rn.TCN(),
        20,
    ),
    "r3d_block": Network([3, 16, 32, 32], r3d(), lambda rn: rn.R3D(), 8),
}


# torch's side.


def trace(model: Any, x: Any) -> list[Call]:
    """Every leaf module's call during ``model(x)``, in the order they run."""
    calls: list[Call] = []

    def hook(module: Any, args: tuple[Any, ...], out: Any) -> None:
        calls.append((module, args, out))

    leaves = [m for m in model.modules() if not list(m.children())]
    handles = [m.register_forward_hook(hook) for m in leaves]
    try:
        model(x)
    finally:
        for handle in handles:
            handle.remove()
    return calls


def macs_of(module: Any, args: tuple[Any, ...], out: Any) -> int:
    """The layer formula's multiply-accumulates (batch 1), the convention of FlopCounterMode."""
    name = type(module).__name__
    if name.startswith("ConvTranspose"):
        return int(args[0].numel() * module.weight[0].numel())
    if name.startswith("Conv"):
        return int(out.numel() * module.weight[0].numel())
    if name == "Linear":
        return int(out.numel() * module.in_features)
    return 0


MERGE_CLASSES = {"Cat": "torch.cat", "Add": "torch.add", "Mul": "torch.mul"}


def shape(t: Any) -> tuple[int, ...]:
    return tuple(int(n) for n in t.shape[1:])


def compare_nodes(analysis: Analysis, calls: list[Call]) -> list[str]:
    """Every node's numbers against its torch call's; the disagreements, in words."""
    assert len(analysis.layers) == len(calls), [type(m).__name__ for m, _, _ in calls]
    produced: dict[str, tuple[int, ...]] = {"input": analysis.input_shape}
    wrong: list[str] = []
    for r, (module, args, out) in zip(analysis.layers, calls, strict=True):
        cls = type(module).__name__
        weight = getattr(module, "weight", None)
        bias = getattr(module, "bias", None)
        torch_side = {
            "class": MERGE_CLASSES.get(cls, cls),
            "inputs": [shape(a) for a in args],
            "output_shape": shape(out),
            "weight_shape": None if weight is None else tuple(weight.shape),
            "bias_shape": None if bias is None else tuple(bias.shape),
            "params": sum(p.numel() for p in module.parameters()),
            "buffers": sum(b.numel() for b in module.buffers()),
            "macs": macs_of(module, args, out),
        }
        ours = {
            "class": r.torch_class,
            "inputs": [produced[i] for i in r.inputs],
            "output_shape": r.output_shape,
            "weight_shape": r.weight_shape,
            "bias_shape": r.bias_shape,
            "params": r.params,
            "buffers": r.buffers,
            "macs": r.macs,
        }
        wrong += [
            f"{r.id} ({r.type}) {key}: cnncalc {ours[key]}, torch {torch_side[key]}"
            for key in ours
            if ours[key] != torch_side[key]
        ]
        produced[r.id] = r.output_shape
    return wrong


def reach(torch: ModuleType, x: Any, y: Any, unit: tuple[int, ...]) -> Any:
    """The input pixels (a boolean map) whose gradient from ``y``'s ``unit`` is not zero."""
    (grad,) = torch.autograd.grad(y[(0, slice(None), *unit)].sum(), x, retain_graph=True)
    return grad[0, 0] != 0


def hull(torch: ModuleType, mask: Any, axis: int) -> tuple[int, int] | None:
    """The first and last index along ``axis`` that ``mask`` reaches."""
    others = tuple(a for a in range(mask.dim()) if a != axis)
    along = mask.any(dim=others) if others else mask
    hits = torch.nonzero(along).flatten().tolist()
    return (hits[0], hits[-1]) if hits else None


def measure_fields(
    torch: ModuleType, model: Any, analysis: Analysis, extents: tuple[int, ...], period: int
) -> tuple[list[str], int]:
    """Each node's field measured on the measuring copy of ``model``, against cnncalc's.

    A node cnncalc calls ``global`` (or a flat one) must reach every input pixel from its
    middle unit. Otherwise, per spatial axis, the units ``u`` to ``u + 2P - 1`` near the
    middle (``P`` the network's ``period``: after upsamplings by 2, neighbours share their
    field, and the fields repeat every ``P`` units) give ``size`` (the widest hull, as
    cnncalc reports it), ``jump`` (the move of a hull's centre over ``P`` units, divided by
    ``P``), ``start`` (the centres less ``unit × jump``, averaged over one period: the first
    unit's centre when every unit has the same window) and ``padding`` (``(size - 1) / 2 -
    start``). A node whose hulls touch the input's border is not measured (its field is
    clipped). A node whose fields do not repeat every ``P`` units, or that follows an
    interpolation with ``align_corners`` (whose ratio ``(N - 1) / (2N - 1)`` two periods
    cannot tell from a whole jump), is held only to sizes no larger than cnncalc's (rounded
    up), and not measured at all after paths that cnncalc says are not aligned (its one field
    is then the first unit's hull, which changes from unit to unit); after paths that
    disagree on centre alone, the hull moves evenly and is compared as any other field.

    Returns:
        The disagreements in words, and the number of nodes measured.
    """
    from tests.torch.real_networks import measuring_copy

    x = torch.ones((1, 1, *extents), dtype=torch.float64, requires_grad=True)
    with torch.enable_grad():
        calls = trace(measuring_copy(model), x)
        wrong: list[str] = []
        measured = 0
        uneven = False  # after an interpolation with align_corners, for good
        for r, (module, _, y) in zip(analysis.layers, calls, strict=True):
            uneven = uneven or bool(getattr(module, "align_corners", False))
            rf = r.receptive_field
            spatial = tuple(int(n) for n in y.shape[2:])
            where = f"{r.id} ({r.type})"
            if rf.global_ or not spatial:
                sees_all = bool(reach(torch, x, y, tuple(n // 2 for n in spatial)).all())
                if not (rf.global_ and sees_all):
                    wrong.append(f"{where} global: cnncalc {rf.global_}, torch {sees_all}")
                measured += 1
                continue
            field = _measure_one(torch, x, y, spatial, extents, period)
            if field is not None and uneven:
                field = Field(field.size, [], [], [], False)
            if field is None or not (field.even or rf.aligned):
                continue
            measured += 1
            if not field.even:
                if any(s > math.ceil(c) for s, c in zip(field.size, rf.size, strict=True)):
                    wrong.append(f"{where} size: cnncalc at most {rf.size}, torch {field.size}")
                continue
            for name, ours, theirs in (
                ("size", rf.size, field.size),
                ("jump", rf.jump, field.jump),
                ("start", rf.start, field.start),
                ("padding", rf.padding, field.padding),
            ):
                if [Fraction(v) for v in ours] != list(theirs):
                    shown = [str(v) for v in theirs]
                    wrong.append(f"{where} {name}: cnncalc {list(ours)}, torch {shown}")
            if any(s < n for s, n in zip(field.size, extents, strict=True)):
                sees_all = bool(reach(torch, x, y, tuple(n // 2 for n in spatial)).all())
                if sees_all:
                    wrong.append(f"{where} global: cnncalc False, torch True")
    return wrong, measured


@dataclass(frozen=True)
class Field:
    """A node's field as measured, per spatial axis (``jump``, ``start``, ``padding`` empty
    when the fields do not repeat evenly)."""

    size: list[int]
    jump: list[Fraction]
    start: list[Fraction]
    padding: list[Fraction]
    even: bool


def _measure_one(
    torch: ModuleType,
    x: Any,
    y: Any,
    spatial: tuple[int, ...],
    extents: tuple[int, ...],
    period: int,
) -> Field | None:
    """The field of ``y``'s units near the middle (``measure_fields``), ``None`` if clipped."""
    u = tuple(max(0, n // 2 - period) for n in spatial)
    hulls: list[list[tuple[int, int]]] = []  # per unit u + t (the diagonal), per axis
    for t in range(2 * period):
        unit = tuple(i + t for i in u)
        if any(i >= n for i, n in zip(unit, spatial, strict=True)):
            return None
        mask = reach(torch, x, y, unit)
        row = [hull(torch, mask, axis) for axis in range(len(spatial))]
        if any(h is None or h[0] == 0 or h[1] == n - 1 for h, n in zip(row, extents, strict=True)):
            return None
        hulls.append([h for h in row if h is not None])
    axes = range(len(spatial))
    sizes = [[b - a + 1 for a, b in row] for row in hulls]
    widest = [max(row[axis] for row in sizes) for axis in axes]
    centres = [[Fraction(a + b, 2) for a, b in row] for row in hulls]
    moves = [
        [c1 - c0 for c0, c1 in zip(centres[t], centres[t + period], strict=True)]
        for t in range(period)
    ]
    repeats = [sizes[t] == sizes[t + period] for t in range(period)]
    if any(m != moves[0] for m in moves) or not all(repeats):
        return Field(widest, [], [], [], False)
    jump = [m / period for m in moves[0]]
    start = [
        sum((centres[t][axis] - (u[axis] + t) * jump[axis] for t in range(period)), Fraction(0))
        / period
        for axis in axes
    ]
    padding = [Fraction(n - 1, 2) - b for n, b in zip(widest, start, strict=True)]
    return Field(widest, jump, start, padding, True)


# The networks themselves.


@pytest.fixture(scope="module")
def torch() -> ModuleType:
    return require_torch()


def build(torch: ModuleType, name: str) -> Any:
    from tests.torch import real_networks

    with torch.device("meta"):
        return NETWORKS[name].build(real_networks).eval()


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_node_agrees_with_torch(torch: ModuleType, name: str) -> None:
    from torch.utils.flop_counter import FlopCounterMode

    network = NETWORKS[name]
    analysis = analyze(network.input_shape, network.layers)
    model = build(torch, name)
    x = torch.empty((1, *network.input_shape), device="meta")
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        calls = trace(model, x)
    assert compare_nodes(analysis, calls) == []
    assert analysis.total_params == sum(p.numel() for p in model.parameters())
    assert analysis.total_buffers == sum(b.numel() for b in model.buffers())
    assert analysis.total_macs == counter.get_total_flops() // 2
    assert analysis.total_macs == sum(macs_of(*call) for call in calls)


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_every_receptive_field_is_torchs(torch: ModuleType, name: str) -> None:
    network = NETWORKS[name]
    analysis = analyze(network.input_shape, network.layers)
    extents = tuple(network.input_shape[1:])
    model = build(torch, name)
    wrong, measured = measure_fields(torch, model, analysis, extents, network.period)
    assert wrong == []
    assert measured >= network.fields


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_the_projects_torch_check_passes(torch: ModuleType, name: str) -> None:
    network = NETWORKS[name]
    specs = LAYERS_ADAPTER.validate_python(network.layers)
    analysis = analyze(network.input_shape, specs)
    v = verify_stack(network.input_shape, specs, analysis, max_elements=2**24)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)


STACKED: list[Layer] = [
    {"type": "avgpool1d", "kernel_size": 4},
    conv(1, 2, kind="convtranspose1d", stride=2),
    conv(1, 2, kind="convtranspose1d", stride=2),
    conv(1, 3, kind="conv1d", padding=1),
]
"""What a U-Net decoder meets: jump 4, two 2×2/2 transposed convs (an output ``o`` reads the
input ``o // 4``), then a 3-tap conv, whose three consecutive units read one input unit or
two: 4 or 8 pixels. The average over the units, ``4 + 2 × 1 = 6``, is not what any unit
sees; the size is the widest unit's, 8."""


def test_two_stacked_upsamplings_then_a_kernel_give_the_widest_unit(torch: ModuleType) -> None:
    analysis = analyze([1, 64], STACKED)
    assert analysis.layers[-1].receptive_field.size == (8,)
    nn = torch.nn
    model = nn.Sequential(
        nn.AvgPool1d(4),
        nn.ConvTranspose1d(1, 1, 2, 2, bias=False),
        nn.ConvTranspose1d(1, 1, 2, 2, bias=False),
        nn.Conv1d(1, 1, 3, padding=1, bias=False),
    ).double()
    for p in model.parameters():
        nn.init.ones_(p)
    x = torch.ones((1, 1, 64), dtype=torch.float64, requires_grad=True)
    y = model(x)
    widths = set()
    for o in range(8, 56):
        (grad,) = torch.autograd.grad(y[0, 0, o], x, retain_graph=True)
        seen = torch.nonzero(grad[0, 0]).flatten().tolist()
        widths.add(seen[-1] - seen[0] + 1)
    assert widths == {4, 8}
    specs = LAYERS_ADAPTER.validate_python(STACKED)
    v = verify_stack([1, 64], specs, analysis, max_elements=2**24)
    assert v.status is VerificationStatus.PASSED, (v.mismatches, v.reason)


@pytest.mark.parametrize("bilinear", [False, True], ids=["transposed", "bilinear"])
def test_an_odd_unet_input_is_refused_naming_both_inputs(torch: ModuleType, bilinear: bool) -> None:
    from fastapi.testclient import TestClient

    from app.api.app import create_app
    from app.settings import Settings
    from tests.torch import real_networks

    # 97 → 48 → 24, up to 48 (the skip is 48: it joins) and 96 against the first skip's 97.
    layers = unet(bilinear)
    with pytest.raises(CnnCalcError) as caught:
        analyze([3, 97, 97], layers)
    text = str(caught.value)
    for said in ("inc", "up2", "97", "96"):
        assert said in text
    model = real_networks.SmallUNet(bilinear).eval()
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"), torch.no_grad():
        model(torch.zeros((1, 3, 97, 97)))
    client = TestClient(create_app(Settings()), raise_server_exceptions=False)
    response = client.post("/v1/analyze", json={"input_shape": [3, 97, 97], "layers": layers})
    assert response.status_code == 422
    problem = response.json()
    (error,) = problem["errors"]
    assert error["loc"] == ["body", "layers", 9, "inputs"]
    assert error["type"] == "sizes_do_not_match"
    assert "inputs 'inc.5' and 'up2'" in error["msg"]
    assert "8×97×97 and 8×96×96" in error["msg"]
