"""``cnncalc check`` and ``cnncalc solve`` through the CLI's ``main``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from app.cli import main
from app.teaching_cli import run_check


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps({"input_shape": [3, 32, 32], "layers": "Conv (Cout=10, K=5, P=2, S=1)"}),
        encoding="utf-8",
    )
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps([{"layer": 0, "output_shape": "10 × 32 × 32", "params": 750}]),
        encoding="utf-8",
    )
    return stack, answers


def test_check_in_french(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    stack, answers = files
    assert main(["check", str(stack), str(answers), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "juste      0 output_shape     10 × 32 × 32",
        "faux       0 params           750  (attendu 760)",
        "          Le biais est oublié : chaque filtre (ou sortie) a aussi un biais.",
        "          C_in × K_h × K_w + 1 = 3 × 5 × 5 + 1 = 76",
        "          C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760",
        "Note : 1/2",
    ]


def test_check_json_is_the_api_body(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stack, answers = files
    assert main(["check", str(stack), str(answers), "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["score"] == {"correct": 1, "total": 2}
    assert body["results"][1]["mistake"] == "forgot_bias"


def test_check_of_a_bad_stack_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps({"input_shape": [1, 8, 8], "layers": "Conv(K=5"}), "utf-8")
    answers = tmp_path / "answers.json"
    answers.write_text("[]", encoding="utf-8")
    assert main(["check", str(stack), str(answers)]) == 1
    assert "line 1, column 9: expected ')'" in capsys.readouterr().err


def test_solve(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "--in", "224", "--out", "112", "-K", "3", "--max-solutions", "1"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[:3] == [
        "conv: 224 -> 112, 4 solution(s) (1 shown)",
        "  K=3  S=2  P=1  D=1  floored",
        "      N' = ⌊(N - K + 2P) / S⌋ + 1 = ⌊(224 - 3 + 2×1) / 2⌋ + 1 = ⌊223 / 2⌋ + 1"
        " = 111 + 1 = 112",
    ]


def test_solve_json_and_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["solve", "--layer", "pool", "--in", "28", "--out", "14", "--json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["solutions"][0]["kernel_size"] == 2
    assert main(["solve", "--in", "0", "--out", "4"]) == 1
    assert "input_size must be" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:
        main(["solve", "--out", "4"])
    assert usage.value.code == 2


def test_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps({"input_shape": [1, 28, 28], "layers": "Conv(Cout=20, K=5, P=2), ReLU"}),
        encoding="utf-8",
    )
    assert main(["export", str(stack)]) == 0
    assert "nn.Conv2d(in_channels=1, out_channels=20, kernel_size=5, padding=2)," in (
        capsys.readouterr().out
    )
    assert main(["export", str(stack), "--format", "course"]) == 0
    assert capsys.readouterr().out.splitlines()[2] == (
        "Conv (Cout=20, K=5, P=2, S=1)\t20 x 28 x 28\t20 x 1 x 5 x 5"
    )
    stack.write_text(json.dumps({"input_shape": [1, 2, 2], "layers": "Conv(Cout=1, K=5)"}), "utf-8")
    assert main(["export", str(stack)]) == 1
    assert "kernel 5 is larger" in capsys.readouterr().err


def test_check_a_preset_by_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    answers = tmp_path / "answers.json"
    # ResNet-18's layer2.0 projection: 128 × 64 × 1 × 1 = 8,192; the add of that block
    # counted with the block's 73,728 + 256 + 147,456 + 256 + 8,192 + 256 parameters.
    answers.write_text(
        json.dumps(
            [
                {"layer": "5.0.shortcut.0", "params": 8192},
                {"layer": "5.0", "params": 230144},
            ]
        )
    )
    out = io.StringIO()
    assert run_check("resnet18", str(answers), "en", out) == 0
    lines = out.getvalue().splitlines()
    assert lines[0].split()[:4] == ["ok", "23", "5.0.shortcut.0", "params"]
    assert lines[1].split()[:4] == ["NO", "25", "5.0", "params"]
    assert lines[2].strip().startswith("torch.add has no parameters")
    assert lines[-1] == "Score: 1/2"
