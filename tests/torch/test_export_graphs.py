"""A graph's export is an nn.Module whose forward follows the graph and runs on its input."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest

from app.core import analyze
from app.core.export import identifiers, to_pytorch
from app.core.layers import LAYERS_ADAPTER
from app.core.presets import PRESETS
from tests.torch.test_graph_verify import INCEPTION, SQUEEZE_EXCITATION
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

TORCHVISION_RESNET18 = 11_689_512


def _run(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(source, "exported.py", "exec"), namespace)
    return namespace


def test_resnet18_exports_to_a_module_with_torchvisions_parameters() -> None:
    torch = require_torch()
    preset = PRESETS["resnet18"]
    analysis = analyze(preset["input_shape"], LAYERS_ADAPTER.validate_python(preset["layers"]))
    source = to_pytorch(preset["input_shape"], preset["layers"])
    model = _run(source)["model"]
    assert isinstance(model, torch.nn.Module)
    assert not isinstance(model, torch.nn.Sequential)
    params = sum(p.numel() for p in model.parameters())
    assert params == analysis.total_params == TORCHVISION_RESNET18
    assert "torch.add(" in source
    named = [r.id.replace(".", "_") for r in analysis.layers if r.type != "add"]
    assert [name for name, _ in model.named_children()] == [f"layer_{n}" for n in named]
    model.to("meta").eval()
    with torch.no_grad():
        y = model(torch.empty(2, *preset["input_shape"], device="meta"))
    assert list(y.shape) == [2, 1000]


def test_an_inception_block_runs_on_a_small_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    torch = require_torch()
    program = tmp_path / "model.py"
    program.write_text(to_pytorch([3, 12, 12], INCEPTION), encoding="utf-8")
    namespace = runpy.run_path(str(program), run_name="__main__")
    assert capsys.readouterr().out.rstrip().endswith("torch.Size([1, 22, 12, 12])")
    model = namespace["model"]
    assert not model.training
    # 3→4 1×1; 3→3 1×1, 3→5 3×3; 3→2 1×1, 2→6 5×5; pool, 3→7 1×1: weights and biases.
    expected = (12 + 4) + (9 + 3) + (135 + 5) + (6 + 2) + (300 + 6) + (21 + 7)
    assert sum(p.numel() for p in model.parameters()) == expected
    with torch.no_grad():
        x = torch.randn(2, 3, 12, 12)
        y = model(x)
        branch = model.mixed_1_1(model.mixed_1_0(x))
    assert list(y.shape) == [2, 22, 12, 12]
    assert torch.equal(y[:, 4:9], branch)  # the second branch's channels, in order


def test_squeeze_excitation_multiplies_by_the_gate() -> None:
    torch = require_torch()
    source = to_pytorch([3, 10, 10], SQUEEZE_EXCITATION)
    assert "torch.mul(features, gate)" in source
    model = _run(source)["model"].eval()
    with torch.no_grad():
        x = torch.randn(1, 3, 10, 10)
        features = model.features(x)
        assert torch.allclose(model(x), features * model.gate(model.layer_4(model.layer_3(
            model.layer_2(model.layer_1(features))))))  # fmt: skip


def test_identifiers_are_valid_and_distinct() -> None:
    names = identifiers(["0", "layer1.0.conv1", "forward", "a.b", "a_b", "_x", "class", "x"])
    assert names == [
        "layer_0",
        "layer1_0_conv1",
        "layer_forward",
        "a_b",
        "a_b_2",
        "layer__x",
        "layer_class",
        "layer_x",
    ]
    assert all(n.isidentifier() for n in names)
