"""The executor as a feature: built-in examples pass, wrong answers fail, no torch: unavailable."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from typing import Any

import pytest

from app.core import analyze
from app.core.examples import EXAMPLES
from app.core.layers import LAYERS_ADAPTER
from app.verify import Mismatch, VerificationStatus, torch_available, torch_backend
from app.verify.torch_backend import check_layers, verify_stack
from tests.torch_util import require_torch

EXPECTED_PARAMS = {
    "lenet5_course": 1_256_080,
    "course_32x32": 760,
    "course_7x7": 10,
    "course_7x7_stride2": 10,
    "lenet5_original": 61_706,
    "alexnet": 61_100_840,
    "vgg16": 138_357_544,
}


@pytest.mark.torch
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_builtin_examples_pass(name: str) -> None:
    torch = require_torch()
    body: dict[str, Any] = EXAMPLES[name]
    specs = LAYERS_ADAPTER.validate_python(body["layers"])
    analysis = analyze(body["input_shape"], specs)
    v = verify_stack(body["input_shape"], specs, analysis, max_elements=2**50)
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.engine == f"torch {torch.__version__}"
    assert v.mismatches == []
    assert v.torch_error is None
    assert v.receptive_field
    if name in EXPECTED_PARAMS:
        assert analysis.total_params == EXPECTED_PARAMS[name]


@pytest.mark.torch
def test_course_examples_shapes() -> None:
    require_torch()
    for name, out in (("course_32x32", [10, 32, 32]), ("course_7x7", [1, 5, 5])):
        body = EXAMPLES[name]
        analysis, v = check_layers(body["input_shape"], body["layers"])
        assert v.status is VerificationStatus.PASSED
        assert analysis is not None
        assert list(analysis.output_shape) == out
    analysis, _ = check_layers(
        EXAMPLES["course_7x7_stride2"]["input_shape"], EXAMPLES["course_7x7_stride2"]["layers"]
    )
    assert analysis is not None
    assert analysis.output_shape == (1, 3, 3)


@pytest.mark.torch
def test_a_wrong_analysis_fails_with_each_mismatch() -> None:
    require_torch()
    body = EXAMPLES["lenet5_course"]
    specs = LAYERS_ADAPTER.validate_python(body["layers"])
    analysis = analyze(body["input_shape"], specs)
    layers = list(analysis.layers)
    layers[3] = replace(layers[3], params=25_000, weight_shape=(50, 20, 5))
    layers[7] = replace(layers[7], output_shape=(501,), bias_shape=None)
    wrong = replace(analysis, layers=layers)
    v = verify_stack(body["input_shape"], specs, wrong, max_elements=2**40, measure_rf=False)
    assert v.status is VerificationStatus.FAILED
    assert v.mismatches == [
        Mismatch(3, "weight_shape", [50, 20, 5], [50, 20, 5, 5]),
        Mismatch(3, "params", 25_000, 25_050),
        Mismatch(7, "output_shape", [501], [500]),
        Mismatch(7, "bias_shape", None, [500]),
    ]


@pytest.mark.torch
def test_buffers_are_compared() -> None:
    require_torch()
    specs = LAYERS_ADAPTER.validate_python([{"type": "batchnorm2d"}])
    analysis = analyze([4, 3, 3], specs)
    assert analysis.layers[0].buffers == 9
    wrong = replace(analysis, layers=[replace(analysis.layers[0], buffers=8)])
    v = verify_stack([4, 3, 3], specs, wrong, max_elements=2**20, measure_rf=False)
    assert v.mismatches == [Mismatch(0, "buffers", 8, 9)]


@pytest.mark.torch
def test_core_and_torch_both_reject_and_torch_is_quoted() -> None:
    require_torch()
    layers = [{"type": "conv2d", "out_channels": 2, "kernel_size": 7}]
    analysis, v = check_layers([1, 5, 5], layers)
    assert analysis is None
    assert v.status is VerificationStatus.PASSED
    assert v.torch_error is not None
    assert "Kernel size can't be greater than actual input size" in v.torch_error


@pytest.mark.torch
def test_core_accepts_what_torch_rejects_is_a_failure() -> None:
    require_torch()
    specs = LAYERS_ADAPTER.validate_python(
        [{"type": "conv2d", "out_channels": 2, "kernel_size": 3}]
    )
    fake = analyze([1, 5, 5], specs)
    v = verify_stack([1, 2, 2], specs, fake, max_elements=2**20, measure_rf=False)
    assert v.status is VerificationStatus.FAILED
    (valid,) = [m for m in v.mismatches if m.field == "valid"]
    assert valid.calculated == "accepted"
    assert "Kernel size can't be greater than actual input size" in valid.torch


@pytest.mark.torch
def test_huge_input_and_batch_on_the_meta_device() -> None:
    require_torch()
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 64, "kernel_size": 3, "stride": 2},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "out_channels": 8, "kernel_size": 3, "padding": "same"},
        {"type": "adaptiveavgpool2d", "output_size": 7},
        {"type": "flatten"},
        {"type": "linear", "out_features": 10},
    ]
    analysis, v = check_layers([3, 100_000, 100_000], layers, batch_size=4096, measure_rf=True)
    assert analysis is not None
    assert v.status is VerificationStatus.PASSED, v.mismatches
    assert v.receptive_field is not None
    assert v.receptive_field[0]["status"] == "skipped"


@pytest.mark.torch
def test_refused_over_max_elements() -> None:
    require_torch()
    analysis, v = check_layers(
        [3, 64, 64], [{"type": "conv2d", "out_channels": 8, "kernel_size": 3}], max_elements=1000
    )
    assert analysis is not None
    assert v.status is VerificationStatus.UNAVAILABLE
    assert v.reason is not None
    assert "1000" in v.reason


def test_unavailable_without_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch_backend, "find_spec", lambda name: None)
    specs = LAYERS_ADAPTER.validate_python([{"type": "relu"}])
    v = verify_stack([3, 4, 4], specs, analyze([3, 4, 4], specs), max_elements=2**20)
    assert v.status is VerificationStatus.UNAVAILABLE
    assert v.reason_code == "torch_missing"
    assert v.reason == "the server cannot check with PyTorch: it is not installed there"
    assert v.mismatches == []


def test_torch_available_follows_find_spec(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    assert torch_available() is False


def test_unavailable_when_torch_cannot_be_found_in_a_fresh_process() -> None:
    """``sys.modules['torch'] = None`` and no spec: the check says that it cannot run."""
    code = (
        "import sys, importlib.util\n"
        "sys.modules['torch'] = None\n"
        "real = importlib.util.find_spec\n"
        "importlib.util.find_spec = lambda n, *a: None if n == 'torch' else real(n, *a)\n"
        "from app.verify import torch_backend as tb\n"
        "tb.find_spec = importlib.util.find_spec\n"
        "from app.core import analyze\n"
        "from app.core.layers import LAYERS_ADAPTER\n"
        "specs = LAYERS_ADAPTER.validate_python([{'type': 'relu'}])\n"
        "v = tb.verify_stack([3], specs, analyze([3], specs), max_elements=100)\n"
        "print(v.status.value, v.reason)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert (
        out.stdout
        == "unavailable the server cannot check with PyTorch: it is not installed there\n"
    )


@pytest.mark.torch
def test_torch_is_imported_lazily_and_once() -> None:
    require_torch()
    code = (
        "import sys\n"
        "from app.verify import torch_backend as tb\n"
        "import app.core, app.verify\n"
        "assert 'torch' not in sys.modules, 'imported too early'\n"
        "assert tb.torch_import_seconds() is None\n"
        "from app.verify.torch_backend import check_layers\n"
        "check_layers([1, 8, 8], [{'type': 'conv2d', 'out_channels': 2, 'kernel_size': 3}])\n"
        "assert 'torch' in sys.modules\n"
        "first = tb.torch_import_seconds()\n"
        "check_layers([1, 8, 8], [{'type': 'relu'}])\n"
        "assert tb.torch_import_seconds() == first\n"
        "print(first)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert float(out.stdout) > 0
