"""``POST /v1/check``, ``/v1/solve``, ``/v1/export/pytorch`` and the teaching side of analyze."""

from __future__ import annotations

import ast
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.examples import EXAMPLES
from tests.torch_util import require_torch

LENET = EXAMPLES["lenet5_course"]
LENET_TEXT = (
    "Conv (Cout=20, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2)\nConv (Cout=50, K=5, P=2, S=1)\n"
    "ReLU\nMaxPool(K=2, S=2)\nFlatten\nLinear (2450 -> 500)\nReLU\nLinear (500 -> 10)"
)
CONV = [{"type": "conv2d", "C_out": 10, "K": 5, "P": 2, "S": 1}]


def problem_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["status"] == 422
    return body


def test_check_marks_answers_with_formulas(client: TestClient) -> None:
    body = {
        "input_shape": [3, 32, 32],
        "layers": CONV,
        "lang": "fr",
        "answers": [
            {"layer": 0, "output_shape": "10x32x32", "params": 750, "receptive_field": 5},
            {"layer": 0, "weight_shape": "10 × 3 × 5 × 5", "bias_shape": [10]},
        ],
        "total_params": "760",
    }
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["score"] == {"correct": 5, "total": 6}
    fields = [(x["layer"], x["field"], x["correct"]) for x in data["results"]]
    assert fields == [
        (0, "output_shape", True),
        (0, "params", False),
        (0, "receptive_field", True),
        (0, "weight_shape", True),
        (0, "bias_shape", True),
        (None, "total_params", True),
    ]
    params = data["results"][1]
    assert (params["given"], params["expected"], params["mistake"]) == (750, 760, "forgot_bias")
    assert params["note"].startswith("Le biais est oublié")
    assert params["explanation"][-1] == {
        "text": (
            "Nombre de paramètres : 76 par filtre, multiplié par le nombre de filtres C_out = 10."
        ),
        "formula": "C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760",
    }
    assert data["results"][0]["expected"] == [10, 32, 32]


def test_check_takes_the_course_notation_and_the_course_weight_order(client: TestClient) -> None:
    body = {
        "input_shape": [1, 28, 28],
        "layers": LENET_TEXT,
        "answers": [{"layer": 7, "weight_shape": "2450 x 500", "params": 1225500}],
        "total_params": "1 256 080",
    }
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["score"] == {"correct": 3, "total": 3}
    assert "PyTorch stores a linear weight as out × in" in data["results"][0]["note"]


def test_check_names_a_notation_error_with_line_and_column(client: TestClient) -> None:
    text = "Conv (Cout=20, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2,\nFlatten"
    body = problem_of(
        client.post("/v1/check", json={"input_shape": [1, 28, 28], "layers": text, "answers": []})
    )
    (error,) = body["errors"]
    assert error["loc"] == ["body", "layers"]
    assert (error["line"], error["column"]) == (3, 18)
    assert error["msg"] == "line 3, column 18: expected ')'"
    assert error["type"] == "notation_syntax"


def test_check_rejects_an_answer_for_a_missing_layer(client: TestClient) -> None:
    body = {"input_shape": [3, 32, 32], "layers": CONV, "answers": [{"layer": 4, "params": 1}]}
    (error,) = problem_of(client.post("/v1/check", json=body))["errors"]
    assert error["loc"] == ["body", "answers", 0, "layer"]


@pytest.mark.parametrize(
    ("answers", "loc"),
    [
        ([{"layer": 0, "flops": 3}], ["body", "answers", 0, "flops"]),
        ([{"layer": -1}], ["body", "answers", 0, "layer"]),
        ([{"layer": True}], ["body", "answers", 0, "layer"]),
    ],
)
def test_check_schema_errors(client: TestClient, answers: list[Any], loc: list[Any]) -> None:
    body = {"input_shape": [3, 32, 32], "layers": CONV, "answers": answers}
    errors = problem_of(client.post("/v1/check", json=body))["errors"]
    assert loc in [e["loc"] for e in errors]


def test_check_strict_mode_is_a_french_422_naming_layer_and_axis(client: TestClient) -> None:
    body = {
        "input_shape": [1, 8, 8],
        "layers": [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": 2}],
        "strict": True,
        "lang": "fr",
        "answers": [],
    }
    data = problem_of(client.post("/v1/check", json=body))
    (error,) = data["errors"]
    assert error["loc"] == ["body", "layers", 0, "stride"]
    assert error["axis"] == 0
    assert error["type"] == "inexact_division"
    assert data["detail"].startswith("couche 0 (conv2d) : axe H : le pas 2 ne divise pas")


def test_analyze_strict_mode_names_layer_and_axis(client: TestClient) -> None:
    body = {
        "input_shape": [1, 8, 9],
        "layers": [{"type": "conv2d", "out_channels": 1, "kernel_size": 3, "stride": [2, 3]}],
        "strict": True,
    }
    (error,) = problem_of(client.post("/v1/analyze", json=body))["errors"]
    assert error["loc"] == ["body", "layers", 0, "stride"]
    assert error["axis"] == 0
    assert "does not divide" in error["msg"]
    body["strict"] = False
    assert client.post("/v1/analyze", json=body).status_code == 200


def test_analyze_explains_in_french(client: TestClient) -> None:
    example = EXAMPLES["course_32x32"]
    body = {**{k: example[k] for k in ("input_shape", "layers")}, "explain": True, "lang": "fr"}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    steps = r.json()["layers"][0]["explanation"]
    formulas = [s["formula"] for s in steps]
    assert "H' = (H - K + 2P) / S + 1 = (32 - 5 + 2×2) / 1 + 1 = 32" in formulas
    assert "C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760" in formulas
    assert steps[0]["text"].startswith("Taille de sortie")


def test_analyze_reads_a_pytorch_printout(client: TestClient) -> None:
    printed = """Sequential(
  (0): Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))
  (1): ReLU()
  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)
  (3): Flatten(start_dim=1, end_dim=-1)
  (4): Linear(in_features=3920, out_features=10, bias=True)
)"""
    r = client.post("/v1/analyze", json={"input_shape": [1, 28, 28], "layers": printed})
    assert r.status_code == 200, r.text
    assert r.json()["total_params"] == 520 + 39210


def test_analyze_notation_error(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"input_shape": [1, 28, 28], "layers": "Conv(K=5"})
    (error,) = problem_of(r)["errors"]
    assert (error["loc"], error["line"], error["column"]) == (["body", "layers"], 1, 9)


def test_solve_examples(client: TestClient) -> None:
    r = client.post(
        "/v1/solve",
        json={"layer": "conv", "input_size": 32, "output_size": 32, "kernel_size": 5, "stride": 1},
    )
    assert r.status_code == 200, r.text
    data = r.json()
    first = data["solutions"][0]
    assert {k: first[k] for k in ("kernel_size", "stride", "padding", "dilation", "exact")} == {
        "kernel_size": 5,
        "stride": 1,
        "padding": 2,
        "dilation": 1,
        "exact": True,
    }
    assert first["explanation"][0]["formula"].endswith("(32 - 5 + 2×2) / 1 + 1 = 32")
    assert data["truncated"] is False
    r = client.post(
        "/v1/solve", json={"layer": "conv", "input_size": 224, "output_size": 112, "kernel_size": 3}
    )
    first = r.json()["solutions"][0]
    assert (first["stride"], first["padding"], first["exact"]) == (2, 1, False)


def test_solve_in_french_with_bounds(client: TestClient) -> None:
    body = {"layer": "pool", "input_size": 28, "output_size": 14, "lang": "fr", "max_solutions": 2}
    data = client.post("/v1/solve", json=body).json()
    assert len(data["solutions"]) == 2
    assert data["truncated"] is True
    assert data["bounds"]["max_solutions"] == 2
    assert data["solutions"][0]["explanation"][0]["text"].startswith("Taille de sortie selon N")


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        ({"layer": "conv", "input_size": 0, "output_size": 4}, ["body", "input_size"]),
        ({"layer": "dense", "input_size": 8, "output_size": 4}, ["body", "layer"]),
        ({"layer": "conv", "input_size": 8}, ["body", "output_size"]),
        (
            {"layer": "conv", "input_size": 8, "output_size": 4, "max_kernel": 9999},
            ["body", "max_kernel"],
        ),
        (
            {
                "layer": "conv",
                "input_size": 8,
                "output_size": 4,
                "max_kernel": 256,
                "max_stride": 256,
                "max_dilation": 64,
            },
            ["body", "max_kernel"],
        ),
    ],
)
def test_solve_rejects_bad_requests(
    client: TestClient, body: dict[str, Any], loc: list[Any]
) -> None:
    errors = problem_of(client.post("/v1/solve", json=body))["errors"]
    assert loc in [e["loc"] for e in errors]


def test_export_returns_python(client: TestClient) -> None:
    r = client.post(
        "/v1/export/pytorch",
        json={"input_shape": LENET["input_shape"], "layers": LENET["layers"], "batch_size": 3},
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/x-python")
    ast.parse(r.text)
    assert "model = nn.Sequential(" in r.text
    assert "nn.Conv2d(in_channels=20, out_channels=50, kernel_size=5, padding=2)," in r.text
    assert "x = torch.randn(3, 1, 28, 28)" in r.text


def test_export_from_text_and_its_errors(client: TestClient) -> None:
    r = client.post("/v1/export/pytorch", json={"input_shape": [1, 28, 28], "layers": LENET_TEXT})
    assert "nn.Linear(in_features=2450, out_features=500)," in r.text
    bad = {
        "input_shape": [1, 3, 3],
        "layers": CONV[:1] and [{"type": "conv2d", "C_out": 1, "K": 5}],
    }
    (error,) = problem_of(client.post("/v1/export/pytorch", json=bad))["errors"]
    assert error["loc"] == ["body", "layers", 0, "kernel_size"]
    bad["lang"] = "fr"
    assert problem_of(client.post("/v1/export/pytorch", json=bad))["detail"].startswith("couche 0")
    (error,) = problem_of(
        client.post(
            "/v1/export/pytorch",
            json={"input_shape": [1, 8, 8], "layers": "Conv(Cout=1, K=3, Q=1)"},
        )
    )["errors"]
    assert error["loc"] == ["body", "layers", 0, "Q"]


@pytest.mark.torch
def test_exported_code_runs(client: TestClient) -> None:
    torch = require_torch()
    r = client.post("/v1/export/pytorch", json={"input_shape": [1, 28, 28], "layers": LENET_TEXT})
    namespace: dict[str, Any] = {"__name__": "exported"}
    exec(compile(r.text, "<export>", "exec"), namespace)
    model = namespace["model"].eval()
    with torch.no_grad():
        assert list(model(torch.randn(1, 1, 28, 28)).shape) == [1, 10]


def test_openapi_documents_the_teaching_endpoints(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    solve = schema["paths"]["/v1/solve"]["post"]
    examples = solve["requestBody"]["content"]["application/json"]["examples"]
    assert {"same_padding", "halve", "pool"} <= set(examples)
    assert {"200", "422"} <= set(solve["responses"])
    check = schema["paths"]["/v1/check"]["post"]
    assert "course_32x32" in check["requestBody"]["content"]["application/json"]["examples"]
    export = schema["paths"]["/v1/export/pytorch"]["post"]
    assert "text/x-python" in export["responses"]["200"]["content"]


def test_analyze_errors_in_french(client: TestClient) -> None:
    body = {
        "input_shape": [1, 8, 8],
        "layers": [{"type": "maxpool2d", "kernel_size": 2, "padding": 2}],
        "lang": "fr",
    }
    data = problem_of(client.post("/v1/analyze", json=body))
    (error,) = data["errors"]
    assert error["loc"] == ["body", "layers", 0, "padding"]
    assert data["detail"] == (
        "couche 0 (maxpool2d) : le padding doit valoir au plus la moitié du noyau, or padding=2, "
        "kernel_size=2 et dilation=1"
    )
    body["lang"] = "en"
    assert (
        "pad should be at most half" in problem_of(client.post("/v1/analyze", json=body))["detail"]
    )


def test_check_notation_error_in_french(client: TestClient) -> None:
    body = {"input_shape": [1, 28, 28], "layers": "Conv(K=5", "answers": [], "lang": "fr"}
    data = problem_of(client.post("/v1/check", json=body))
    (error,) = data["errors"]
    assert error == {
        "loc": ["body", "layers"],
        "msg": "ligne 1, colonne 9 : on attendait ')'",
        "type": "notation_syntax",
        "line": 1,
        "column": 9,
    }
    export = client.post(
        "/v1/export/pytorch", json={"input_shape": [1, 8, 8], "layers": "Foo", "lang": "fr"}
    )
    assert problem_of(export)["detail"].startswith("ligne 1, colonne 1 : couche inconnue 'Foo'")


def test_analyze_notation_error_in_french(client: TestClient) -> None:
    body = {"input_shape": [1, 28, 28], "layers": "Conv(Cout=2, K=5\nReLU", "lang": "fr"}
    (error,) = problem_of(client.post("/v1/analyze", json=body))["errors"]
    assert error["msg"] == "ligne 1, colonne 17 : on attendait ')'"
    assert (error["line"], error["column"]) == (1, 17)
