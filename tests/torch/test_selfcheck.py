"""``cnncalc selfcheck``: examples, random stacks and graphs against torch, a table, a code."""

from __future__ import annotations

import io
from typing import Any

import pytest

from app import selfcheck
from app.verify import Mismatch, Verification, VerificationStatus, torch_backend
from app.verify.stacks import KINDS
from tests.torch_util import require_torch


@pytest.mark.torch
def test_selfcheck_passes_and_prints_a_table_per_kind() -> None:
    require_torch()
    out = io.StringIO()
    count = 2 * len(KINDS)
    code = selfcheck.main(["--samples", str(count), "--graphs", str(count), "--seed", "7"], out=out)
    text = out.getvalue()
    assert code == 0, text
    assert "lenet5_course          passed" in text
    for kind in KINDS:
        assert f"\n{kind} " in text
    assert "all agree with torch" in text
    assert f"{count} random and {count} random graphs with seed 7" in text
    assert f"{10 + 2 * count} stacks checked" in text


@pytest.mark.torch
def test_selfcheck_fails_on_a_mismatch(monkeypatch: pytest.MonkeyPatch) -> None:
    require_torch()
    real = torch_backend.check_layers

    def disagreeing(*args: Any, **kwargs: Any) -> tuple[Any, Verification]:
        analysis, _ = real(*args, **kwargs)
        return analysis, Verification(
            VerificationStatus.FAILED, mismatches=[Mismatch(0, "params", 1, 2)]
        )

    monkeypatch.setattr(torch_backend, "check_layers", disagreeing)
    out = io.StringIO()
    argv = ["--samples", "1", "--graphs", "0", "--seed", "1", "--no-receptive-field"]
    assert selfcheck.main(argv, out=out) == 1
    assert "layer 0, params: cnncalc 1, torch 2" in out.getvalue()
    assert "11 disagree with torch" in out.getvalue()


def test_selfcheck_without_torch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(selfcheck, "torch_available", lambda: False)
    assert selfcheck.main(["--samples", "1"]) == 3
    assert "pip install" in capsys.readouterr().err


def test_selfcheck_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert selfcheck.main(["--samples", "-1"]) == 2
    assert selfcheck.main(["--graphs", "-1"]) == 2
    assert selfcheck.main(["--timings", "nope"]) == 2
    with pytest.raises(SystemExit) as usage:
        selfcheck.main(["--samples", "many"])
    assert usage.value.code == 2
    capsys.readouterr()


@pytest.mark.torch
def test_selfcheck_timings() -> None:
    require_torch()
    out = io.StringIO()
    assert selfcheck.main(["--timings", "course_7x7"], out=out) == 0
    text = out.getvalue()
    assert "course_7x7" in text
    assert "3×100000×100000 at batch 4096 (8 layers): passed" in text


@pytest.mark.torch
def test_cnncalc_selfcheck_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    require_torch()
    from app.cli import main

    argv = ["selfcheck", "--samples", "3", "--graphs", "2", "--seed", "5", "--no-receptive-field"]
    assert main(argv) == 0
    assert "15 stacks checked: all agree with torch" in capsys.readouterr().out
