"""``scripts.request_path`` runs and prints its table, every request answered 200."""

from __future__ import annotations

import pytest

from scripts import request_path


def test_the_request_path_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert request_path.main(["--rounds", "1", "--number", "3"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ") and "µs" not in line]
    assert len(rows) == 9
    for row in rows:
        assert float(row.split("|")[2]) > 0
    assert "(the JSON guard)" in out
