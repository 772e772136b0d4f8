"""POST /v1/analyze with "verify": true: passed on real stacks, at any size, or unavailable."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import routes
from app.api.app import create_app
from app.core.examples import EXAMPLES
from app.settings import Settings
from tests.torch_util import require_torch


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(access_log=False))
    with TestClient(app, raise_server_exceptions=False) as c:  # the lifespan stops the workers
        yield c


def body(name: str, **extra: Any) -> dict[str, Any]:
    example = EXAMPLES[name]
    return {"input_shape": example["input_shape"], "layers": example["layers"], **extra}


@pytest.mark.torch
@pytest.mark.parametrize("name", ["lenet5_course", "vgg16", "unet_decoder"])
def test_verify_passes(client: TestClient, name: str) -> None:
    torch = require_torch()
    r = client.post("/v1/analyze", json=body(name, verify=True))
    assert r.status_code == 200, r.text
    v = r.json()["verification"]
    assert v["status"] == "passed", v
    assert v["engine"] == f"torch {torch.__version__}"
    assert v["mismatches"] == []


@pytest.mark.torch
def test_verify_reports_measured_receptive_fields(client: TestClient) -> None:
    require_torch()
    r = client.post("/v1/analyze", json=body("lenet5_course", verify=True))
    fields = r.json()["verification"]["receptive_field"]
    measured = [f for f in fields if f["status"] == "measured"]
    assert [f["measured"]["size"] for f in measured][-1] == [16, 16]
    assert measured[-1]["compared"] == ["size", "jump", "start", "padding"]
    assert measured[-1]["measured"]["jump"] == [4, 4]
    assert "macs" in r.json()["verification"]["compared"]
    assert all(f["agrees"] for f in measured)


@pytest.mark.torch
def test_verify_a_huge_input_and_batch(client: TestClient) -> None:
    require_torch()
    r = client.post(
        "/v1/analyze",
        json={
            "input_shape": [3, 100_000, 100_000],
            "batch_size": 4096,
            "verify": True,
            "layers": [
                {"type": "conv2d", "out_channels": 16, "kernel_size": 7, "stride": 2},
                {"type": "maxpool2d", "kernel_size": 2},
                {"type": "adaptiveavgpool2d", "output_size": 1},
                {"type": "flatten"},
                {"type": "linear", "out_features": 10},
            ],
        },
    )
    assert r.status_code == 200, r.text
    v = r.json()["verification"]
    assert v["status"] == "passed", v
    assert v["receptive_field"][0]["status"] == "skipped"


def test_verify_without_torch_is_unavailable_and_a_200(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(routes, "torch_available", lambda: False)
    r = client.post("/v1/analyze", json=body("course_7x7", verify=True))
    assert r.status_code == 200, r.text
    v = r.json()["verification"]
    assert v["status"] == "unavailable"
    assert v["reason"] == "the server cannot check with PyTorch: it is not installed there"
    assert "pip" not in v["reason"]
    assert r.json()["total_params"] == 10


@pytest.mark.torch
def test_verify_runs_a_graph(client: TestClient) -> None:
    require_torch()
    conv = {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}
    layers = [conv, {"type": "residual", "id": "block", "layers": [conv, {"type": "relu"}, conv]}]
    r = client.post(
        "/v1/analyze", json={"input_shape": [4, 8, 8], "layers": layers, "verify": True}
    )
    assert r.status_code == 200, r.text
    v = r.json()["verification"]
    assert v["status"] == "passed", v
    assert v["reason"].startswith("a graph, run node by node")
    # The worker measured the graph's fields: three 3×3 convolutions on the longest path, 7.
    assert "receptive_field.size" in v["compared"]
    block = next(e for e in v["receptive_field"] if e.get("id") == "block")
    assert (block["status"], block["measured"]["size"]) == ("measured", [7, 7])
    assert [x["id"] for x in r.json()["layers"]] == ["0", "block.0", "block.1", "block.2", "block"]
