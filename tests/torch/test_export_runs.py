"""Exported programs run as they are written, ``__main__`` block included, at batch 1."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

from app.core.export import to_pytorch
from tests.core.test_export import GLOBAL_POOL_THEN_BATCHNORM
from tests.torch_util import require_torch


@pytest.mark.torch
def test_a_batchnorm_after_a_global_pool_runs_at_batch_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # In training mode torch refuses it: "Expected more than 1 value per channel when training".
    require_torch()
    program = tmp_path / "model.py"
    program.write_text(to_pytorch([3, 16, 16], GLOBAL_POOL_THEN_BATCHNORM), encoding="utf-8")
    namespace = runpy.run_path(str(program), run_name="__main__")
    printed = capsys.readouterr().out
    assert printed.rstrip().endswith("torch.Size([1, 4])")
    assert not namespace["model"].training
