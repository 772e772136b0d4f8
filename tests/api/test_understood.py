"""The layers as the server read them (``layers_as_understood``) and ``/healthz``'s ``verify``."""

from __future__ import annotations

from importlib.util import find_spec
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.examples import EXAMPLES

# The course's LeNet-5 table as a student pastes it (tabs between the columns).
COURSE_TABLE = (
    "Couche\tTaille Sortie\tTaille Poids\n"
    "Entrée\t1 x 28 x 28\t\n"
    "Conv (Cout=20, K=5, P=2, S=1)\t20 x 28 x 28\t20 x 1 x 5 x 5\n"
    "ReLU\t20 x 28 x 28\t\n"
    "MaxPool(K=2, S=2)\t20 x 14 x 14\t\n"
    "Conv (Cout=50, K=5, P=2, S=1)\t50 x 14 x 14\t50 x 20 x 5 x 5\n"
    "ReLU\t50 x 14 x 14\t\n"
    "MaxPool(K=2, S=2)\t50 x 7 x 7\t\n"
    "Flatten\t2450\t\n"
    "Linear (2450 -> 500)\t500\t2450 x 500\n"
    "ReLU\t500\t\n"
    "Linear (500 -> 10)\t10\t500 x 10\n"
)

CONV_DEFAULTS = {
    "dilation": 1,
    "groups": 1,
    "bias": True,
    "in_channels": None,
    "padding_mode": "zeros",
}
POOL_DEFAULTS = {"padding": 0, "ceil_mode": False, "dilation": 1}


def conv(out: int) -> dict[str, Any]:
    return {
        "type": "conv",
        "out_channels": out,
        "kernel_size": 5,
        "padding": 2,
        "stride": 1,
        **CONV_DEFAULTS,
    }


def pool() -> dict[str, Any]:
    return {"type": "maxpool", "kernel_size": 2, "stride": 2, **POOL_DEFAULTS}


RELU = {"type": "relu", "inplace": False}
# Written by hand from the course's table and PyTorch's defaults.
LENET_UNDERSTOOD = [
    conv(20),
    RELU,
    pool(),
    conv(50),
    RELU,
    pool(),
    {"type": "flatten", "start_dim": 1, "end_dim": -1},
    {"type": "linear", "in_features": 2450, "out_features": 500, "bias": True},
    RELU,
    {"type": "linear", "in_features": 500, "out_features": 10, "bias": True},
]


def test_a_pasted_table_comes_back_as_layers(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"input_shape": [1, 28, 28], "layers": COURSE_TABLE})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["layers_as_understood"] == LENET_UNDERSTOOD
    assert body["total_params"] == 1_256_080
    assert [layer["index"] for layer in body["layers"]] == list(range(10))


def test_the_course_names_come_back_as_pytorch_names_with_defaults(client: TestClient) -> None:
    layers = [
        {"type": "Conv2d", "C_out": 6, "K": 3},
        {"type": "MaxPool2d", "K": 2},
        {"type": "dropout"},
    ]
    r = client.post("/v1/analyze", json={"input_shape": [3, 8, 8], "layers": layers})
    assert r.status_code == 200, r.text
    assert r.json()["layers_as_understood"] == [
        {
            "type": "conv2d",
            "out_channels": 6,
            "kernel_size": 3,
            "stride": 1,
            "padding": 0,
            **CONV_DEFAULTS,
        },
        # The stride follows the kernel: null, as PyTorch's None.
        {"type": "maxpool2d", "kernel_size": 2, "stride": None, **POOL_DEFAULTS},
        {"type": "dropout", "p": 0.5, "inplace": False},
    ]


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_sent_back_the_layers_as_understood_give_the_same_answer(
    client: TestClient, name: str
) -> None:
    example = EXAMPLES[name]
    first = client.post(
        "/v1/analyze", json={"input_shape": example["input_shape"], "layers": example["layers"]}
    )
    assert first.status_code == 200, first.text
    understood = first.json()["layers_as_understood"]
    assert len(understood) == len(first.json()["layers"])
    again = client.post(
        "/v1/analyze", json={"input_shape": example["input_shape"], "layers": understood}
    )
    assert again.status_code == 200, again.text
    assert again.json() == first.json()


def test_check_returns_the_layers_as_understood(client: TestClient) -> None:
    r = client.post(
        "/v1/check",
        json={
            "input_shape": [1, 28, 28],
            "layers": COURSE_TABLE,
            "answers": [{"layer": 0, "params": 520}],
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["score"] == {"correct": 1, "total": 1}
    assert body["results"][0]["expected"] == 520
    assert body["layers_as_understood"] == LENET_UNDERSTOOD


def test_health_says_whether_the_torch_check_can_run(client: TestClient) -> None:
    health = client.get("/healthz").json()
    assert health["verify"] is (find_spec("torch") is not None)
    assert health["verify"] is (health["torch"] is not None)
