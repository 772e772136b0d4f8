"""POST /v1/analyze, GET /v1/layers, /v1/examples, /healthz through HTTP."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core import REGISTRY, analyze
from app.core.examples import EXAMPLES

LENET5 = EXAMPLES["lenet5_course"]


def test_contract_example(client: TestClient) -> None:
    body = {
        "input_shape": [1, 28, 28],
        "batch_size": 1,
        "dtype": "float32",
        "layers": [
            {"type": "conv2d", "out_channels": 20, "kernel_size": 5, "padding": 2, "stride": 1},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 2, "stride": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 500},
            {"type": "relu"},
            {"type": "linear", "out_features": 10},
        ],
        "verify": False,
        "explain": False,
        "lang": "en",
    }
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["output_shape"] == [10]
    first = data["layers"][0]
    assert first["weight_shape"] == [20, 1, 5, 5]
    assert first["params"] == 520
    assert first["macs"] == 392000
    assert first["output_bytes"] == 62720
    assert first["receptive_field"] == {
        "size": [5, 5],
        "jump": [1, 1],
        "start": [0.0, 0.0],
        "padding": [2.0, 2.0],
        "global": False,
        "aligned": True,  # the graph form's: false only after paths that do not line up
    }
    assert (first["id"], first["name"], first["inputs"]) == ("0", "0", ["input"])
    assert data["layers"][1]["inputs"] == ["0"]
    assert data["verification"] is None
    assert data["total_params"] == 20 * 26 + 14 * 14 * 20 * 500 + 500 + 5010


def test_same_numbers_as_the_library(client: TestClient) -> None:
    r = client.post(
        "/v1/analyze", json={"input_shape": LENET5["input_shape"], "layers": LENET5["layers"]}
    )
    assert r.status_code == 200, r.text
    lib = analyze(LENET5["input_shape"], LENET5["layers"])
    assert r.json()["total_params"] == lib.total_params == 1_256_080
    assert [layer["output_shape"] for layer in r.json()["layers"]] == [
        list(report.output_shape) for report in lib.layers
    ]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_every_example_analyses(client: TestClient, name: str) -> None:
    example = EXAMPLES[name]
    r = client.post(
        "/v1/analyze", json={"input_shape": example["input_shape"], "layers": example["layers"]}
    )
    assert r.status_code == 200, r.text


def test_layers_catalogue_covers_every_kind(client: TestClient) -> None:
    r = client.get("/v1/layers")
    assert r.status_code == 200
    entries: list[dict[str, Any]] = r.json()
    assert {e["kind"] for e in entries} == {k.__name__ for k in REGISTRY}
    conv = next(e for e in entries if e["kind"] == "Conv")
    kernel = next(f for f in conv["fields"] if f["name"] == "kernel_size")
    assert kernel["required"] is True
    assert kernel["aliases"] == ["K", "k"]
    assert "floor" in conv["formula"]


def test_examples_and_health(client: TestClient) -> None:
    assert set(EXAMPLES) < set(client.get("/v1/examples").json())
    health = client.get("/healthz").json()
    assert health["status"] == "ok"
    assert health["version"]


def test_verify_field_is_reported(client: TestClient) -> None:
    r = client.post(
        "/v1/analyze",
        json={"input_shape": [1, 8, 8], "layers": [{"type": "relu"}], "verify": True},
    )
    assert r.status_code == 200, r.text
    assert r.json()["verification"]["status"] in ("passed", "unavailable")


def test_docs_are_served_from_this_machine(client: TestClient) -> None:
    for page in ("/docs", "/redoc"):
        r = client.get(page)
        assert r.status_code == 200
        assert "http" not in r.text  # no CDN: every asset is ours
        assert "<script>" not in r.text  # no inline script (CSP)
    assert client.get("/docs-assets/swagger-ui-bundle.js").status_code == 200
    assert "SwaggerUIBundle" in client.get("/docs-assets/swagger-init.js").text
    assert client.get("/openapi.json").json()["info"]["title"] == "cnncalc"
