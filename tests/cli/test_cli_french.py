"""``cnncalc --lang fr``: French numbers, units, grading and errors; English unchanged.

Expected figures are LeNet-5's (LeCun et al., 1998: 61,706 parameters) and the course's
3×32×32 input under 20 filters of 5×5 (20 × (3 × 5 × 5 + 1) = 1520 parameters), by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import app.verify
from app.cli import main

NNBSP = "\u202f"
ENGLISH = re.compile(
    r"\b(the|is|layer|kernel|larger|than|input|cannot|file|such|no|not|must|expected|read)\b",
    re.IGNORECASE,
)
"""English words no French message holds (``input_shape`` and the like are field names)."""


def test_lenet5_table_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "lenet5_original", "--lang", "fr"]) == 0
    out = capsys.readouterr().out
    assert f"Nombre total de paramètres : 61{NNBSP}706" in out
    assert f"MACs au total : 416{NNBSP}520" in out
    assert f"Mémoire (poids / activations) : 246{NNBSP}824 o / 58{NNBSP}888 o" in out
    assert re.search(rf"6 x 1 x 5 x 5\s+156\s+5 x 5\s+117{NNBSP}600", out)
    assert not re.search(r"\d,\d{3}", out)  # no English thousands
    assert " B" not in out


def test_lenet5_table_in_english_is_unchanged(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", "lenet5_original"]) == 0
    out = capsys.readouterr().out
    assert "Total parameters: 61,706\n" in out
    assert "Memory (params / activations): 246,824 B / 58,888 B" in out
    assert NNBSP not in out


def words(line: str) -> list[str]:
    """The words of a line split at ordinary spaces (a number keeps its U+202F)."""
    return [word for word in line.split(" ") if word]


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    stack = tmp_path / "stack.json"
    stack.write_text(
        json.dumps({"input_shape": [3, 32, 32], "layers": "Conv (Cout=20, K=5, P=0, S=1)"}),
        encoding="utf-8",
    )
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps(
            {"answers": [{"layer": 0, "output_shape": "20 x 28 x 28"}], "total_params": 1500}
        ),
        encoding="utf-8",
    )
    return stack, answers


def test_grading_in_french(files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    """20 × 28 × 28 is right; 1500 parameters is wrong (1520)."""
    stack, answers = files
    assert main(["check", str(stack), str(answers), "--lang", "fr"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert words(lines[0]) == ["juste", "0", "output_shape", "20", "x", "28", "x", "28"]
    assert words(lines[1]) == [
        "faux",
        "total",
        "total_params",
        f"1{NNBSP}500",
        "(attendu",
        f"1{NNBSP}520)",
    ]
    assert lines[-1] == "Note : 1/2"
    assert not [line for line in lines if line.startswith(("ok", "NO"))]


def test_grading_in_english_is_unchanged(
    files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    stack, answers = files
    assert main(["check", str(stack), str(answers)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "ok      0 output_shape     20 x 28 x 28"
    assert lines[1] == "NO  total total_params     1500  (expected 1520)"
    assert lines[-1] == "Score: 1/2"


def test_a_stack_error_in_french_has_no_english_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps({"input_shape": [1, 4, 4], "layers": [{"type": "maxpool2d", "kernel_size": 5}]})
    )
    assert main(["analyze", str(path), "--lang", "fr"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("couche 0 (maxpool2d) : "), err
    assert not ENGLISH.search(err.replace(str(path), "")), err


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "ce fichier n'existe pas"),
        ('{"input_shape": ', "JSON invalide : une valeur était attendue à la ligne 1, colonne 17"),
    ],
    ids=["missing", "not JSON"],
)
def test_a_file_error_in_french_has_no_english_word(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, expected: str
) -> None:
    path = tmp_path / "stack.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    assert main(["analyze", str(path), "--lang", "fr"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("cnncalc : "), err
    assert err.rstrip().endswith(expected), err
    assert not ENGLISH.search(err.replace(str(path), "")), err


def test_verify_without_torch_in_french(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(app.verify, "torch_available", lambda: False)
    assert main(["analyze", "course_7x7", "--lang", "fr", "--verify"]) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == (
        "PyTorch : indisponible (le serveur ne peut pas vérifier avec PyTorch : "
        "il n'y est pas installé)"
    )
    assert "pip" not in last
