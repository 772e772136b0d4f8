"""``cnncalc analyze --input-format``: a channels-last shape read as PyTorch's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main


@pytest.fixture
def hwc_file(tmp_path: Path) -> Path:
    path = tmp_path / "hwc.json"
    layers = [{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]
    path.write_text(json.dumps({"input_shape": "32 × 32 × 3", "layers": layers}))
    return path


def test_hwc_reads_the_shape_channels_last(
    hwc_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(hwc_file), "--input-format", "HWC", "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["input_shape"] == [3, 32, 32]
    assert body["total_params"] == 10 * (3 * 25 + 1)
    assert body["warnings"] == []


def test_without_it_the_table_warns(hwc_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(hwc_file), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "Vouliez-vous dire 3×32×32 ?" in out


def test_a_format_for_another_rank_fails(
    hwc_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["analyze", str(hwc_file), "--input-format", "LC"]) == 1
    assert "input_format LC is for 2 axes" in capsys.readouterr().err


def test_an_unknown_format_is_a_usage_error(hwc_file: Path) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["analyze", str(hwc_file), "--input-format", "NHWC"])
    assert caught.value.code == 2


def test_check_and_export_take_it_too(
    hwc_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = tmp_path / "answers.json"
    # 10 × (3 × 5 × 5 + 1) = 760 when the 3 is read as the channels.
    answers.write_text(json.dumps({"answers": [], "total_params": 760}))
    assert main(["check", str(hwc_file), str(answers), "--input-format", "HWC", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["score"] == {"correct": 1, "total": 1}
    assert main(["export", str(hwc_file), "--input-format", "HWC"]) == 0
    code = capsys.readouterr().out
    assert "for a 3×32×32 input (760 parameters)" in code
    assert "torch.randn(1, 3, 32, 32)" in code
