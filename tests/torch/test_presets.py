"""The branching presets describe the networks they name, checked in torch without the core.

Each preset's JSON is built into ``torch.nn`` modules by the small interpreter below, which
reads the contract's graph form (``sequential`` with ``repeat``, ``residual``, ``parallel``,
``id``/``inputs``, ``add``/``mul``/``concat``), and run on the meta device. Its parameters,
parameter shapes, MACs and output shape must equal the reference network's
(``tests/torch/reference_networks.py``), whose totals must equal torchvision's published ones.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from app.core.layers import LAYERS_ADAPTER
from app.core.presets import PRESETS
from tests.torch_util import require_torch

Layer = dict[str, Any]

BLOCKS = frozenset({"sequential", "residual", "parallel"})
MERGES = frozenset({"add", "mul", "concat", "cat"})
GRAPH_FIELDS = frozenset({"id", "inputs"})
ID = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]{0,63}")

TORCH_CLASSES = {
    "conv2d": "Conv2d",
    "convtranspose2d": "ConvTranspose2d",
    "batchnorm2d": "BatchNorm2d",
    "linear": "Linear",
    "relu": "ReLU",
    "relu6": "ReLU6",
    "silu": "SiLU",
    "sigmoid": "Sigmoid",
    "identity": "Identity",
    "maxpool2d": "MaxPool2d",
    "avgpool2d": "AvgPool2d",
    "adaptiveavgpool2d": "AdaptiveAvgPool2d",
    "flatten": "Flatten",
    "dropout": "Dropout",
}
"""The ``torch.nn`` class of each kind the presets use."""

IN_FIRST = {"conv2d": 1, "convtranspose2d": 1, "batchnorm2d": 1, "linear": -1}
"""Kinds whose first constructor argument is the incoming size on this axis (batch first)."""

TORCHVISION_MACS = {"resnet18": 1.814e9, "resnet50": 4.089e9}
"""torchvision's documented "GFLOPS" (multiply-accumulates) at 3×224×224."""

MEASURED_MACS = {
    "resnet18": 1_814_073_344,
    "resnet50": 4_089_184_256,
    "mobilenet_v2": 300_774_272,
    "densenet121": 2_834_161_664,
    "googlenet": 1_498_376_192,
    "squeezenet1_1": 349_151_936,
    "efficientnet_b0": 385_814_752,
    "unet": 48_171_581_440,
}
"""MACs of the reference networks as torch 2.13's ``FlopCounterMode`` measured them (FLOPs of
convolutions and matrix products / 2), at 3×224×224, and 3×256×256 for the U-Net."""

UNET_PARAMS = 31_037_698
"""``UNet(3, 2, bilinear=False)`` of milesial/Pytorch-UNet, as torch counts its build."""


class Scope:
    """The ids defined in one block copy, and the scope around it."""

    def __init__(self, parent: Scope | None = None) -> None:
        self.parent = parent
        self.outputs: dict[str, Any] = {}

    def define(self, name: str, value: Any) -> None:
        assert ID.fullmatch(name), f"id {name!r} is not a valid id"
        assert name != "input" or self.parent is None, "'input' is reserved"
        assert name not in self.outputs, f"id {name!r} defined twice in one block"
        self.outputs[name] = value

    def lookup(self, name: str) -> Any:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.outputs:
                return scope.outputs[name]
            scope = scope.parent
        raise AssertionError(f"unknown or forward id {name!r}")


@dataclass
class Node:
    """One primitive layer or merge as built: where it sits, its module, its output shape."""

    name: str
    type: str
    module: Any
    output_shape: tuple[int, ...]


@dataclass
class Interpreter:
    """Builds and runs a graph body's layers eagerly, one torch module per primitive layer."""

    torch: Any
    nodes: list[Node] = field(default_factory=list)

    def network(self, input_shape: list[int]) -> tuple[Any, Scope]:
        """A meta tensor of ``input_shape`` with batch 1, and the root scope naming it."""
        x = self.torch.empty((1, *input_shape), device="meta")
        root = Scope()
        root.define("input", x)
        return x, root

    def run(self, layers: list[Layer], x: Any, scope: Scope, prefix: str) -> Any:
        """Each entry in turn, the first taking ``x``, each the previous output by default."""
        for i, layer in enumerate(layers):
            x = self.entry(layer, x, scope, f"{prefix}{i}")
        return x

    def entry(self, layer: Layer, previous: Any, scope: Scope, name: str) -> Any:
        kind = layer["type"]
        inputs = [scope.lookup(i) for i in layer["inputs"]] if "inputs" in layer else [previous]
        if kind == "sequential":
            (out,) = inputs
            repeat = layer.get("repeat", 1)
            for copy in range(repeat):
                where = f"{name}.{copy}." if repeat > 1 else f"{name}."
                out = self.run(layer["layers"], out, Scope(scope), where)
        elif kind == "residual":
            (x,) = inputs
            inner = Scope(scope)
            body = self.run(layer["layers"], x, inner, f"{name}.layers.")
            shortcut = self.run(layer.get("shortcut") or [], x, inner, f"{name}.shortcut.")
            out = self.merge("add", [body, shortcut], 1, f"{name}.add")
        elif kind == "parallel":
            (x,) = inputs
            inner = Scope(scope)
            outputs = [
                self.run(branch, x, inner, f"{name}.branches.{b}.")
                for b, branch in enumerate(layer["branches"])
            ]
            out = self.merge(layer.get("merge", "concat"), outputs, layer.get("dim", 1), name)
        elif kind in MERGES:
            out = self.merge(kind, inputs, layer.get("dim", 1), name)
        else:
            (x,) = inputs
            module = self.module(layer, x)
            out = module(x)
            self.nodes.append(Node(name, kind, module, tuple(out.shape[1:])))
        if "id" in layer:
            scope.define(layer["id"], out)
        return out

    def merge(self, kind: str, inputs: list[Any], dim: int, name: str) -> Any:
        """``torch.add`` / ``torch.mul`` over the inputs, or ``torch.cat`` along ``dim``."""
        if kind in ("concat", "cat"):
            out = self.torch.cat(inputs, dim)
        else:
            out = inputs[0]
            for other in inputs[1:]:
                out = self.torch.add(out, other) if kind == "add" else self.torch.mul(out, other)
        self.nodes.append(Node(name, kind, None, tuple(out.shape[1:])))
        return out

    def module(self, layer: Layer, x: Any) -> Any:
        """The ``torch.nn`` module of a primitive layer with its fields, on the meta device."""
        kind = layer["type"]
        kwargs = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in layer.items()
            if key != "type" and key not in GRAPH_FIELDS
        }
        cls = getattr(self.torch.nn, TORCH_CLASSES[kind])
        args = (x.shape[IN_FIRST[kind]],) if kind in IN_FIRST else ()
        with self.torch.device("meta"):
            return cls(*args, **kwargs).eval()


@dataclass(frozen=True)
class Measured:
    """What torch says about a network: totals, parameter shapes, output shape, MACs."""

    params: int
    param_shapes: list[tuple[int, ...]]
    output_shape: tuple[int, ...]
    macs: int


def params_of(modules: list[Any]) -> tuple[int, list[tuple[int, ...]]]:
    tensors = [p for m in modules for p in m.parameters()]
    return sum(p.numel() for p in tensors), sorted(tuple(p.shape) for p in tensors)


def measure_preset(torch: Any, body: dict[str, Any]) -> tuple[Measured, Interpreter]:
    from torch.utils.flop_counter import FlopCounterMode

    interpreter = Interpreter(torch)
    x, root = interpreter.network(body["input_shape"])
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = interpreter.run(body["layers"], x, root, "")
    params, shapes = params_of([n.module for n in interpreter.nodes if n.module is not None])
    macs = counter.get_total_flops() // 2
    return Measured(params, shapes, tuple(out.shape[1:]), macs), interpreter


def measure_reference(torch: Any, name: str, input_shape: list[int]) -> Measured:
    from torch.utils.flop_counter import FlopCounterMode

    from tests.torch.reference_networks import REFERENCES

    with torch.device("meta"):
        model = REFERENCES[name]().eval()
        x = torch.empty((1, *input_shape))
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        out = model(x)
    params, shapes = params_of([model])
    return Measured(params, shapes, tuple(out.shape[1:]), counter.get_total_flops() // 2)


def walk(layers: list[Layer]) -> Iterator[Layer]:
    """Every entry of a body, blocks' contents included, in order."""
    for layer in layers:
        yield layer
        if layer["type"] in ("sequential", "residual"):
            yield from walk(layer["layers"])
            yield from walk(layer.get("shortcut") or [])
        elif layer["type"] == "parallel":
            for branch in layer["branches"]:
                yield from walk(branch)


def primitives(layers: list[Layer]) -> list[Layer]:
    """The entries that are neither blocks nor merges, without their graph fields."""
    return [
        {k: v for k, v in layer.items() if k not in GRAPH_FIELDS}
        for layer in walk(layers)
        if layer["type"] not in BLOCKS | MERGES
    ]


@pytest.fixture(scope="module")
def torch() -> Any:
    return require_torch()


def test_the_presets_are_the_eight_networks_as_plain_json() -> None:
    assert sorted(PRESETS) == sorted(MEASURED_MACS)
    for name, body in PRESETS.items():
        assert set(body) == {"title", "title_fr", "input_shape", "layers"}, name
        assert json.loads(json.dumps(body)) == body, name


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_every_primitive_layer_is_a_cnncalc_kind_with_its_fields(name: str) -> None:
    layers = primitives(PRESETS[name]["layers"])
    specs = LAYERS_ADAPTER.validate_python(layers)
    assert [spec.kind for spec in specs] == [layer["type"] for layer in layers]


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_ids_are_valid_blocks_are_not_empty_and_only_merges_take_several_inputs(name: str) -> None:
    entries = list(walk(PRESETS[name]["layers"]))
    for layer in entries:
        if "id" in layer:
            assert ID.fullmatch(layer["id"]), layer
            assert layer["id"] != "input", layer
        if len(layer.get("inputs", [])) > 1:
            assert layer["type"] in MERGES, layer
        if layer["type"] in ("sequential", "residual"):
            assert layer["layers"], layer
        if layer["type"] == "parallel":
            assert all(layer["branches"]), layer


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_preset_is_the_reference_network(torch: Any, name: str) -> None:
    body = PRESETS[name]
    preset, _ = measure_preset(torch, body)
    reference = measure_reference(torch, name, body["input_shape"])
    assert preset.output_shape == reference.output_shape
    assert preset.params == reference.params
    assert preset.param_shapes == reference.param_shapes
    assert preset.macs == reference.macs == MEASURED_MACS[name]
    assert f"{preset.params:,} parameters" in body["title"]


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(PRESETS))
def test_the_reference_has_the_published_parameter_count(torch: Any, name: str) -> None:
    from tests.torch.reference_networks import TORCHVISION_PARAMS

    expected = UNET_PARAMS if name == "unet" else TORCHVISION_PARAMS[name]
    assert measure_reference(torch, name, PRESETS[name]["input_shape"]).params == expected


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(TORCHVISION_MACS))
def test_the_reference_has_torchvisions_documented_macs(torch: Any, name: str) -> None:
    macs = measure_reference(torch, name, [3, 224, 224]).macs
    assert macs == pytest.approx(TORCHVISION_MACS[name], rel=0.01)


@pytest.mark.torch
def test_resnet18_has_eight_shortcut_additions_of_two_inputs(torch: Any) -> None:
    _, interpreter = measure_preset(torch, PRESETS["resnet18"])
    adds = [node for node in interpreter.nodes if node.type == "add"]
    assert len(adds) == 8
    assert [node.output_shape for node in adds] == [(64, 56, 56)] * 2 + [(128, 28, 28)] * 2 + [
        (256, 14, 14)
    ] * 2 + [(512, 7, 7)] * 2


def test_unet_concatenates_each_skip_before_the_upsampled_map() -> None:
    # milesial/Pytorch-UNet's Up.forward: torch.cat([x2, x1], dim=1), x2 the skip.
    concats = [layer for layer in walk(PRESETS["unet"]["layers"]) if layer["type"] == "concat"]
    assert [layer["inputs"] for layer in concats] == [
        ["enc4", "up1"],
        ["enc3", "up2"],
        ["enc2", "up3"],
        ["enc1", "up4"],
    ]


@pytest.mark.torch
def test_unet_skips_meet_maps_of_their_own_size(torch: Any) -> None:
    _, interpreter = measure_preset(torch, PRESETS["unet"])
    concats = [node.output_shape for node in interpreter.nodes if node.type == "concat"]
    assert concats == [(1024, 32, 32), (512, 64, 64), (256, 128, 128), (128, 256, 256)]
