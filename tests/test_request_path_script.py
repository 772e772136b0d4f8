"""``scripts.request_path`` runs and prints its table, every request answered as expected."""

from __future__ import annotations

import json

import pytest

from scripts import request_path


def table_rows(out: str) -> list[list[str]]:
    return [
        [cell.strip() for cell in line.split("|")[1:-1]]
        for line in out.splitlines()
        if line.startswith("| ") and not line.startswith("| request") and "bytes" not in line
    ]


def test_the_request_path_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert request_path.main(["--rounds", "1", "--number", "3"]) == 0
    rows = table_rows(capsys.readouterr().out)
    assert [row[0] for row in rows][-1] == "POST /v1/analyze, every body new"
    assert len(rows) == 8
    for row in rows:
        assert float(row[1]) > 0
    assert all(row[2].startswith(("+", "-")) for row in rows if row[0].startswith("+"))


def test_the_largest_bodies_stay_under_the_body_limit() -> None:
    (convs, many_keys, one_layer) = request_path.largest_bodies(1 << 20)
    assert json.loads(convs[1])["layers"] == [json.loads(convs[1])["layers"][0]] * 4096
    for _, body, status in (convs, many_keys, one_layer):
        assert len(body) <= 1 << 20
        assert status == 422
    for _, body, _ in (many_keys, one_layer):
        assert len(body) > (1 << 20) * 0.9
