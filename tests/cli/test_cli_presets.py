"""``cnncalc examples``, ``cnncalc analyze NAME`` and the table's inputs column for graphs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from app.cli import main


def lines_of(out: str) -> list[str]:
    return out.splitlines()


def test_examples_lists_chains_and_presets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["examples"]) == 0
    names = [line.split()[0] for line in lines_of(capsys.readouterr().out)]
    assert {"lenet5_course", "vgg16", "resnet18", "densenet121", "unet"} <= set(names)
    assert main(["examples", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert "ResNet-50 tel que torchvision le construit" in out
    assert "LeNet-5 comme dans le cours" in out


def test_analyze_a_preset_by_name_with_inputs(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "resnet18"]) == 0
    out = lines_of(capsys.readouterr().out)
    assert out[0].split()[-1] == "Inputs"
    assert out[0].split()[:3] == ["Layer", "Output", "size"]
    first = next(line for line in out if line.startswith("0 Conv2d"))
    assert first.split()[-1] == "input"
    # The first residual block's add reads its main path's last norm and the max pooling.
    add = next(line for line in out if line.startswith("9 "))
    assert add.split()[:3] == ["9", "4.0.0", "torch.add"]
    assert add.endswith("4.0.0.4, 3")
    assert "Total parameters: 11,689,512" in out


def test_inputs_column_in_french_and_markdown(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "unet", "--lang", "fr", "--format", "markdown"]) == 0
    out = lines_of(capsys.readouterr().out)
    assert out[0].startswith("| Couche |")
    assert out[0].endswith("| Entrées |")
    cats = [line for line in out if "torch.cat" in line]
    assert len(cats) == 4
    assert cats[0].endswith("| enc4, up1 |")


def test_a_chain_has_no_inputs_column(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "lenet5_course"]) == 0
    header = lines_of(capsys.readouterr().out)[0]
    assert header.split()[-1] == "MACs"
    assert "Inputs" not in header


def test_a_chain_with_ids_only_is_still_a_chain(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "ids.json"
    layers = [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "id": "a"}, {"type": "relu"}]
    path.write_text(json.dumps({"input_shape": [1, 8, 8], "layers": layers}))
    assert main(["analyze", str(path)]) == 0
    out = lines_of(capsys.readouterr().out)
    assert "Inputs" not in out[0]
    assert out[3].startswith("0 a Conv2d")


def test_a_graph_written_by_hand_gets_the_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "skip.json"
    layers = [
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1, "id": "stem"},
        {"type": "relu"},
        {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1},
        {"type": "add", "inputs": ["stem", "2"]},
    ]
    path.write_text(json.dumps({"input_shape": [1, 8, 8], "layers": layers}))
    assert main(["analyze", str(path)]) == 0
    out = lines_of(capsys.readouterr().out)
    assert out[0].split()[-1] == "Inputs"
    add = next(line for line in out if line.startswith("3 torch.add"))
    assert add.endswith("stem, 2")
    assert "Total parameters: 188" in out  # 4·1·9 + 4 = 40 and 4·4·9 + 4 = 148


def test_a_file_of_that_name_wins_over_the_example(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "resnet18").write_text(json.dumps({"input_shape": [1, 4, 4], "layers": []}))
    here = Path.cwd()
    os.chdir(tmp_path)
    try:
        assert main(["analyze", "resnet18"]) == 0
    finally:
        os.chdir(here)
    assert "Total parameters: 0" in capsys.readouterr().out


def test_unknown_name_is_a_missing_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "resnet19"]) == 2
    assert "cnncalc:" in capsys.readouterr().err
