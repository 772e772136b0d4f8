"""POST /v1/analyze with a graph written in the course notation, and its errors in French."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.analysis import parse_layers
from app.core.notation import to_text
from tests.core.test_notation_graphs import ENGLISH, INCEPTION, RESNET18, SQUEEZE_EXCITATION


def analysed(client: TestClient, input_shape: list[int], layers: Any) -> dict[str, Any]:
    r = client.post("/v1/analyze", json={"input_shape": input_shape, "layers": layers})
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def problem_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    return body


def test_resnet18_as_text_and_written_back(client: TestClient) -> None:
    body = analysed(client, [3, 224, 224], RESNET18)
    assert body["total_params"] == 11_689_512
    adds = [layer for layer in body["layers"] if layer["type"] == "add"]
    assert len(adds) == 8
    assert all(len(layer["inputs"]) == 2 for layer in adds)
    # What the server read, written as text and sent back, is the same network.
    text = to_text(parse_layers(body["layers_as_understood"]))
    again = analysed(client, [3, 224, 224], text)
    assert again["total_params"] == 11_689_512
    assert [(x["id"], x["inputs"], x["params"]) for x in again["layers"]] == [
        (x["id"], x["inputs"], x["params"]) for x in body["layers"]
    ]
    assert again["layers_as_understood"] == body["layers_as_understood"]


@pytest.mark.parametrize(
    ("input_shape", "text", "total", "output"),
    [
        ([192, 28, 28], INCEPTION, 163_696, [256, 28, 28]),
        ([3, 32, 32], SQUEEZE_EXCITATION, 2_372, [64, 32, 32]),
    ],
    ids=["inception", "squeeze-excitation"],
)
def test_blocks_as_text(
    client: TestClient, input_shape: list[int], text: str, total: int, output: list[int]
) -> None:
    body = analysed(client, input_shape, text)
    assert (body["total_params"], body["output_shape"]) == (total, output)


@pytest.mark.parametrize(
    ("text", "code", "loc", "french"),
    [
        (
            "Convv(64, K=3)",
            "notation_unknown_layer",
            ["body", "layers"],
            "ligne 1, colonne 1 : couche inconnue 'Convv' ; vouliez-vous dire Conv ?",
        ),
        (
            "Conv(8, K=3)\nFlaten",
            "notation_unknown_layer",
            ["body", "layers"],
            "ligne 2, colonne 1 : couche inconnue 'Flaten' ; vouliez-vous dire Flatten ?",
        ),
        (
            "ReLU\nResidual(Conv(8, kernal_size=3))",
            "notation_unknown_field",
            ["body", "layers", 1, "layers", 0, "kernal_size"],
            "ligne 2, colonne 18 : Conv n'a pas de champ 'kernal_size' ; "
            "vouliez-vous dire kernel_size ?",
        ),
        (
            "Residual(ReLU | ReLU | ReLU)",
            "notation_syntax",
            ["body", "layers"],
            "ligne 1, colonne 22 : un Residual a un seul raccourci : un '|' au plus",
        ),
    ],
)
def test_notation_errors_in_french_with_did_you_mean(
    client: TestClient, text: str, code: str, loc: list[Any], french: str
) -> None:
    body = {"input_shape": [3, 16, 16], "layers": text, "lang": "fr"}
    problem = problem_of(client.post("/v1/analyze", json=body))
    (error,) = problem["errors"]
    assert (error["type"], error["loc"], error["msg"]) == (code, loc, french)
    assert problem["detail"] == french
    names = r"'[^']*'|\b(Conv|Flatten|Residual|kernel_size)\b"
    assert not ENGLISH.search(re.sub(names, "", problem["title"] + " " + french)), problem
    assert "/v1/layers" not in str(problem)
