"""The command line, in-process with capsys, plus one `python -m app` smoke run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.core.examples import EXAMPLES


@pytest.fixture
def lenet_file(tmp_path: Path) -> Path:
    path = tmp_path / "lenet.json"
    example = EXAMPLES["lenet5_course"]
    path.write_text(
        json.dumps({"input_shape": example["input_shape"], "layers": example["layers"]})
    )
    return path


def test_table_in_french(lenet_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(lenet_file), "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["Couche", "Taille", "Sortie"]
    assert "20 x 28 x 28" in out
    assert "20 x 1 x 5 x 5" in out
    assert "Nombre total de paramètres : 1\u202f256\u202f080" in out


def test_json_is_the_api_body(lenet_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(lenet_file), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["total_params"] == 1_256_080
    assert data["layers"][0]["receptive_field"]["global"] is False


def test_markdown(lenet_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(lenet_file), "--format", "markdown"]) == 0
    assert capsys.readouterr().out.startswith("| Layer | Output size |")


def test_invalid_stack_exits_1_with_the_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"input_shape": [1, 4, 4], "layers": [{"type": "maxpool", "K": 5}]}))
    assert main(["analyze", str(path)]) == 1
    assert "layer 0 (maxpool): kernel 5 is larger" in capsys.readouterr().err


def test_missing_file_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "/nonexistent/stack.json"]) == 2
    assert "cnncalc:" in capsys.readouterr().err


def test_usage_error_exits_2() -> None:
    with pytest.raises(SystemExit) as info:
        main(["analyze"])
    assert info.value.code == 2


def test_layers_listing(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["layers"]) == 0
    assert "conv1d, conv2d, conv3d, conv  (Conv{d}d)" in capsys.readouterr().out


def test_module_entry_point_reads_stdin(lenet_file: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "app", "analyze", "-", "--format", "json"],
        input=lenet_file.read_text(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(out.stdout)["output_shape"] == [10]


def test_errors_in_french(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad_stack = tmp_path / "bad.json"
    bad_stack.write_text(
        json.dumps({"input_shape": [1, 2, 2], "layers": [{"type": "conv2d", "C_out": 4, "K": 3}]})
    )
    assert main(["analyze", str(bad_stack), "--lang", "fr"]) == 1
    assert capsys.readouterr().err == (
        "couche 0 (conv2d) : le noyau (3) est plus grand que l'entrée avec son padding (2) : "
        "PyTorch refuse un noyau plus grand que l'entrée\n"
    )
    assert main(["analyze", str(bad_stack)]) == 1
    assert capsys.readouterr().err == (
        "layer 0 (conv2d): kernel 3 is larger than the padded input 2 (Kernel size can't be "
        "greater than actual input size)\n"
    )
    bad_field = tmp_path / "field.json"
    bad_field.write_text(json.dumps({"input_shape": [1, 8, 8], "layers": [], "strict": "yes"}))
    assert main(["analyze", str(bad_field), "--lang", "fr"]) == 1
    assert capsys.readouterr().err == (
        "requête invalide : strict : la valeur doit être un booléen (true ou false)\n"
    )
    assert main(["check", str(bad_stack), str(bad_field), "--lang", "fr"]) == 1
    assert capsys.readouterr().err.startswith("requête invalide : ")
