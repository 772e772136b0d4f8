"""Export: runnable PyTorch code that round-trips through the printed-module parser."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from app.core import LayerError, analyze
from app.core.examples import EXAMPLES
from app.core.export import course_layer, to_course, to_pytorch
from app.core.notation import parse_stack
from tests.core.test_explain import BATTERY
from tests.core.test_notation import COURSE_TABLE, outputs
from tests.torch_util import require_torch

ALL: dict[str, tuple[list[int], Any]] = {
    **{name: (ex["input_shape"], ex["layers"]) for name, ex in EXAMPLES.items()},
    **{f"battery_{name}": stack for name, stack in BATTERY.items()},
}


def test_lenet5_code_reads_like_a_person_wrote_it() -> None:
    code = to_pytorch(EXAMPLES["lenet5_course"]["input_shape"], EXAMPLES["lenet5_course"]["layers"])
    tree = ast.parse(code)
    assert any(isinstance(node, ast.Assign) for node in tree.body)
    assert "import torch\nfrom torch import nn\n" in code
    assert "nn.Conv2d(in_channels=1, out_channels=20, kernel_size=5, padding=2)," in code
    assert "nn.MaxPool2d(kernel_size=2, stride=2)," in code
    assert "nn.Linear(in_features=2450, out_features=500)," in code
    assert "nn.ReLU()," in code
    assert "# 6: 2450" in code
    assert "x = torch.randn(1, 1, 28, 28)" in code
    assert "1,256,080 parameters" in code


def test_batch_size_goes_into_the_example_input() -> None:
    code = to_pytorch(
        [3, 32, 32], [{"type": "conv2d", "out_channels": 10, "kernel_size": 5}], batch_size=4
    )
    assert "x = torch.randn(4, 3, 32, 32)" in code
    assert "torch.Size([4, 10, 28, 28])" in code


def test_an_impossible_stack_is_not_exported() -> None:
    with pytest.raises(LayerError):
        to_pytorch([1, 3, 3], [{"type": "conv2d", "out_channels": 1, "kernel_size": 5}])


def test_the_course_table_is_written_as_the_course_writes_it() -> None:
    example = EXAMPLES["lenet5_course"]
    table = to_course(example["input_shape"], example["layers"])
    expected = [line.rstrip("\t") for line in COURSE_TABLE.splitlines()]
    assert table.splitlines() == [expected[0], expected[1] + "\t", *expected[2:]]


def test_course_layer_names() -> None:
    assert course_layer(parse_stack_one("Conv2d(1, 20, 5, padding=2)"), (1, 28, 28)) == (
        "Conv (Cout=20, K=5, P=2, S=1)"
    )
    assert course_layer(parse_stack_one("MaxPool2d(2)"), (1, 28, 28)) == "MaxPool(K=2)"
    assert course_layer(parse_stack_one("Dropout2d(0.1)"), (1, 28, 28)) == "Dropout2d(p=0.1)"


def parse_stack_one(text: str) -> Any:
    from app.core.analysis import parse_layers

    (spec,) = parse_layers(text)
    return spec


@pytest.mark.parametrize("name", sorted(ALL))
def test_course_table_round_trips(name: str) -> None:
    shape, layers = ALL[name]
    assert outputs(shape, parse_stack(to_course(shape, layers))) == outputs(shape, layers)


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.filterwarnings("ignore:Implicit dimension choice:UserWarning")
@pytest.mark.parametrize("name", sorted(ALL))
def test_code_runs_and_its_printout_reads_back(name: str) -> None:
    torch = require_torch()
    shape, layers = ALL[name]
    code = to_pytorch(shape, layers, batch_size=2)
    namespace: dict[str, Any] = {"__name__": "exported"}
    with torch.device("meta"):  # built without memory or arithmetic: VGG-16 stays instant
        exec(compile(code, f"<{name}>", "exec"), namespace)
    model = namespace["model"]
    analysis = analyze(shape, layers, batch_size=2)
    model.eval()
    with torch.no_grad():
        out = model(torch.empty(2, *shape, device="meta"))
    assert list(out.shape) == [2, *analysis.output_shape]
    assert sum(p.numel() for p in model.parameters()) == analysis.total_params
    printed = str(model)
    assert outputs(shape, parse_stack(printed)) == outputs(shape, layers)


GLOBAL_POOL_THEN_BATCHNORM: list[dict[str, Any]] = [
    {"type": "conv2d", "out_channels": 8, "kernel_size": 3},
    {"type": "adaptiveavgpool2d", "output_size": 1},
    {"type": "batchnorm2d"},
    {"type": "flatten"},
    {"type": "batchnorm1d"},
    {"type": "linear", "out_features": 4},
]
"""A BatchNorm after a global pool sees one value per channel: training mode fails at batch 1."""


def test_the_example_runs_in_eval_mode_before_the_model_is_called() -> None:
    code = to_pytorch([3, 16, 16], GLOBAL_POOL_THEN_BATCHNORM)
    main = code[code.index('if __name__ == "__main__":') :]
    lines = [line.strip() for line in main.splitlines()]
    (eval_line,) = [i for i, line in enumerate(lines) if line.startswith("model.eval()")]
    (call_line,) = [i for i, line in enumerate(lines) if "model(x)" in line]
    assert eval_line < call_line
    assert "x = torch.randn(1, 3, 16, 16)" in main
