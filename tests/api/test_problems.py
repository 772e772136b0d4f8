"""Every error is problem+json naming the layer and field; never a 500 for client input."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.core import Limits
from app.settings import Settings
from tests.api.conftest import ClientFactory

PROBLEM = "application/problem+json"
LAYER0 = ["body", "layers", 0]
CONV_WITH = (
    b'{"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": %s, "K": 3}]}'
)


def post(client: TestClient, body: Any) -> Any:
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    data = r.json()
    assert data["type"] == "about:blank"
    assert data["status"] == 422
    return data


def test_impossible_stack_names_layer_and_field(client: TestClient) -> None:
    data = post(
        client,
        {
            "input_shape": [1, 8, 8],
            "layers": [
                {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
                {"type": "relu"},
                {"type": "maxpool2d", "kernel_size": 2},
                {"type": "maxpool2d", "kernel_size": 5},
            ],
        },
    )
    assert data["title"] == "Invalid layer stack"
    assert data["detail"] == (
        "layer 3 (maxpool2d): kernel 5 is larger than the padded input 3 (Output size is too small)"
    )
    assert data["errors"][0]["loc"] == ["body", "layers", 3, "kernel_size"]
    assert data["errors"][0]["type"] == "kernel_too_large"


@pytest.mark.parametrize(
    ("layer", "loc"),
    [
        (
            {"type": "conv2d", "out_channels": 4, "kernal_size": 3},
            ["body", "layers", 0, "kernal_size"],
        ),
        (
            {"type": "conv2d", "out_channels": "4", "kernel_size": 3},
            ["body", "layers", 0, "out_channels"],
        ),
        (
            {"type": "conv2d", "out_channels": True, "kernel_size": 3},
            ["body", "layers", 0, "out_channels"],
        ),
        (
            {"type": "conv2d", "out_channels": 4.0, "kernel_size": 3},
            ["body", "layers", 0, "out_channels"],
        ),
        (
            {"type": "conv2d", "out_channels": 4, "kernel_size": [3, "x"]},
            ["body", "layers", 0, "kernel_size", 1],
        ),
        ({"type": "maxpool2d", "kernel_size": 0}, ["body", "layers", 0, "kernel_size"]),
        ({"type": "conv9d"}, ["body", "layers", 0]),
    ],
    ids=["typo", "string", "bool", "float", "tuple-item", "zero", "unknown-type"],
)
def test_schema_errors_name_the_field(
    client: TestClient, layer: dict[str, Any], loc: list[Any]
) -> None:
    data = post(client, {"input_shape": [1, 8, 8], "layers": [layer]})
    assert loc in [e["loc"] for e in data["errors"]]
    assert "input" not in data["errors"][0]


@pytest.mark.parametrize(
    "raw",
    [
        CONV_WITH % b"NaN",
        CONV_WITH % b"1e400",
        CONV_WITH % b"Infinity",
        CONV_WITH % (b"9" * 5000),
        b'{"input_shape": [1, 8, 8], "layers": ',
        b"[" * 10_000,
    ],
    ids=["nan", "1e400", "infinity", "giant-int", "truncated", "deep"],
)
def test_hostile_json_is_422(client: TestClient, raw: bytes) -> None:
    r = client.post("/v1/analyze", content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    assert len(r.content) < 4096  # the input is never echoed back


def test_giant_integer_is_a_limit_not_a_hang(client_factory: Any) -> None:
    client = client_factory(limits=Limits(max_value=1000))
    data = post(
        client,
        {"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "out_channels": 10**30, "K": 1}]},
    )
    assert data["errors"][0]["loc"] == ["body", "layers", 0, "out_channels"]


def test_input_shape_errors(client: TestClient) -> None:
    data = post(client, {"input_shape": [1, 0, 8], "layers": []})
    assert data["errors"][0]["loc"][:2] == ["body", "input_shape"]
    data = post(client, {"input_shape": [1, 2, 3, 4, 5], "layers": []})
    assert data["errors"][0]["loc"][:2] == ["body", "input_shape"]


def test_wrong_content_type_is_415(client: TestClient) -> None:
    r = client.post("/v1/analyze", content=b"input_shape=1", headers={"content-type": "text/plain"})
    assert r.status_code == 415
    assert r.headers["content-type"] == PROBLEM


def test_not_found_and_method(client: TestClient) -> None:
    r = client.get("/v2/nothing")
    assert r.status_code == 404
    assert r.headers["content-type"] == PROBLEM
    r = client.get("/v1/analyze")
    assert r.status_code == 405
    assert r.json()["title"] == "Method Not Allowed"


def test_unexpected_errors_are_a_problem_500() -> None:
    app: FastAPI = create_app(Settings())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("internal detail that must not leak")

    client = TestClient(app, raise_server_exceptions=False)
    r = client.get("/boom")
    assert r.status_code == 500
    assert r.headers["content-type"] == PROBLEM
    assert "internal detail" not in r.text


def test_notation_error_points_at_line_and_column(client: TestClient) -> None:
    data = post(
        client, {"input_shape": [1, 28, 28], "layers": "Conv (Cout=20, K=5, P=2, S=1\nReLU"}
    )
    error = data["errors"][0]
    assert error["loc"] == ["body", "layers"]
    assert (error["line"], error["column"]) == (1, 29)


POST_PATHS = ["/v1/analyze", "/v1/check", "/v1/solve", "/v1/export/pytorch"]


@pytest.mark.parametrize("path", POST_PATHS)
@pytest.mark.parametrize(
    ("raw", "content_type", "status", "code"),
    [
        (b'{"a":[{"k":1,"k":2}] x', "application/json", 422, "json_invalid"),
        (b'{"a":[{"k":1,"k":2}]}', "application/json", 422, "duplicate_key"),
        (b'{"input_shape": [3, "\xff"]}', "application/json", 422, "json_invalid"),
        (b'{"input_shape": [3, ' + b"9" * 5000 + b"]}", "application/json", 422, "json_invalid"),
        (b"[" * 10_000, "application/json", 422, "json_too_deep"),
        (b"{}", "text/plain", 415, None),
        (b"{}", "", 415, None),
    ],
    ids=["duplicate-then-syntax", "duplicate", "latin1", "giant-int", "deep", "text", "no-type"],
)
def test_the_same_fault_gets_the_same_answer_on_every_path(
    client: TestClient, path: str, raw: bytes, content_type: str, status: int, code: str | None
) -> None:
    r = client.post(path, content=raw, headers={"content-type": content_type})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["title"] == {415: "Unsupported Media Type", 422: "Invalid request"}[status]
    if code is not None:
        assert r.json()["errors"][0]["type"] == code


def test_a_long_unknown_key_is_echoed_as_a_short_excerpt(client: TestClient) -> None:
    key = "k" * 900_000
    body = {"input_shape": [3, 8, 8], "layers": [{"type": "relu", key: 1}]}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 422, r.text
    assert len(r.content) < 2048
    loc = r.json()["errors"][0]["loc"]
    assert loc[:3] == ["body", "layers", 0]
    assert loc[3].startswith("kkk")
    assert loc[3].endswith("…")


def test_many_wrong_layers_give_a_bounded_answer_that_counts_them(client: TestClient) -> None:
    r = client.post("/v1/analyze", json={"input_shape": [3, 8, 8], "layers": [{}] * 2048})
    assert r.status_code == 422, r.text
    data = r.json()
    assert len(data["errors"]) == 50
    assert data["detail"].endswith("and at least 47 more")  # checking stops at 50 errors
    assert len(r.content) < 16_384


def test_a_list_of_layers_past_the_ceiling_is_refused_before_any_layer_is_read(
    client: TestClient,
) -> None:
    r = client.post("/v1/analyze", json={"input_shape": [3, 8, 8], "layers": [{}] * 200_000})
    assert r.status_code == 422, r.text
    assert r.json()["errors"] == [  # refused while the JSON is parsed
        {
            "loc": ["body", "layers"],
            "msg": "the JSON array at layers has 200000 items; no array of a request has more "
            "than 4096",
            "type": "json_too_many_items",
        }
    ]


@pytest.mark.parametrize("path", ["/", "/healthz", "/v1/layers", "/docs", "/openapi.json"])
def test_head_is_answered_wherever_get_is(client: TestClient, path: str) -> None:
    get = client.get(path)
    head = client.head(path)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


def test_a_refused_cors_preflight_is_a_problem(client_factory: ClientFactory) -> None:
    client = client_factory(cors_origins=("https://course.example",))
    r = client.options(
        "/v1/analyze",
        headers={"origin": "https://other.example", "access-control-request-method": "POST"},
    )
    assert r.status_code == 400, r.text
    assert r.headers["content-type"] == PROBLEM
    assert r.json()["title"] == "Bad Request"
    assert "origin" in r.json()["detail"]
    allowed = client.options(
        "/v1/analyze",
        headers={"origin": "https://course.example", "access-control-request-method": "POST"},
    )
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://course.example"


def test_integral_floats_are_integers_as_json_schema_says(client: TestClient) -> None:
    body = {"layer": "conv", "input_size": 32.0, "output_size": 32, "kernel_size": 5.0}
    r = client.post("/v1/solve", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["solutions"][0]["padding"] == 2
    fraction = client.post("/v1/solve", json={**body, "input_size": 32.5})
    assert fraction.status_code == 422
    assert fraction.json()["errors"][0]["loc"] == ["body", "input_size"]
    shaped = client.post("/v1/analyze", json={"input_shape": [3.0, 32, 32], "layers": []})
    assert shaped.status_code == 200, shaped.text
    assert shaped.json()["output_shape"] == [3, 32, 32]
    text = client.post("/v1/solve", json={**body, "input_size": "32"})
    assert text.status_code == 422
