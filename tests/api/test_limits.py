"""Bad input and limits on the real app: every one is a clear 4xx problem+json, never a 500."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.core import Limits
from app.core.examples import EXAMPLES
from app.settings import Settings
from tests.api.conftest import ClientFactory

CONV = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
LENET5 = {"input_shape": EXAMPLES["lenet5_course"]["input_shape"], **EXAMPLES["lenet5_course"]}
LENET5.pop("title", None)


def body(**overrides: Any) -> dict[str, Any]:
    return {"input_shape": [3, 32, 32], "layers": [CONV], **overrides}


def post_raw(client: TestClient, raw: str | bytes, content_type: str = "application/json") -> Any:
    return client.post("/v1/analyze", content=raw, headers={"content-type": content_type})


def assert_problem(r: httpx.Response, status: int, loc: list[Any] | None = None) -> dict[str, Any]:
    """A problem+json of ``status``; with ``loc``, its first error is there."""
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    data: dict[str, Any] = r.json()
    assert data["status"] == status
    assert data["title"]
    assert data["detail"]
    if loc is not None:
        assert [e["loc"] for e in data["errors"]][:1] == [loc], data
    return data


# --- numbers -------------------------------------------------------------------------------


def test_giant_integer_over_the_value_limit_names_the_field(client: TestClient) -> None:
    raw = json.dumps(body()).replace('"out_channels": 4', '"out_channels": ' + "9" * 30)
    data = assert_problem(post_raw(client, raw), 422, ["body", "layers", 0, "out_channels"])
    assert "limit" in data["detail"]


def test_integer_with_thousands_of_digits_is_invalid_json_not_a_crash(client: TestClient) -> None:
    raw = json.dumps(body()).replace('"out_channels": 4', '"out_channels": ' + "9" * 5000)
    data = assert_problem(post_raw(client, raw), 422, ["body"])
    assert "too many digits" in data["detail"]


def test_giant_input_size_names_the_axis(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(input_shape=[3, 10**30, 32]))
    assert_problem(r, 422, ["body", "input_shape", 1])


@pytest.mark.parametrize(
    ("layer", "field"),
    [
        ({**CONV, "out_channels": 4.0}, "out_channels"),
        ({**CONV, "out_channels": 4.5}, "out_channels"),
        ({**CONV, "kernel_size": [3.0, 3]}, "kernel_size"),
        ({**CONV, "out_channels": True}, "out_channels"),
        ({**CONV, "out_channels": "4"}, "out_channels"),
        ({**CONV, "out_channels": None}, "out_channels"),
        ({**CONV, "out_channels": -4}, "out_channels"),
        ({**CONV, "out_channels": 0}, "out_channels"),
    ],
    ids=["float-whole", "float", "float-in-list", "bool", "string", "null", "negative", "zero"],
)
def test_non_integers_where_integers_belong(
    client: TestClient, layer: dict[str, Any], field: str
) -> None:
    r = client.post("/v1/analyze", json=body(layers=[layer]))
    data = assert_problem(r, 422)
    assert data["errors"][0]["loc"][:4] == ["body", "layers", 0, field], data


def test_float_in_the_input_shape(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(input_shape=[3, 32.5, 32]))
    assert_problem(r, 422, ["body", "input_shape", 1])


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e400"])
@pytest.mark.parametrize("field", ["p", "out_channels"])
def test_nan_and_infinities_are_refused(client: TestClient, token: str, field: str) -> None:
    layer = (
        '{"type": "dropout", "p": %s}'
        if field == "p"
        else '{"type": "conv2d", "kernel_size": 3, "out_channels": %s}'
    )
    raw = '{"input_shape": [3, 32, 32], "layers": [' + layer % token + "]}"
    r = post_raw(client, raw)
    assert_problem(r, 422, ["body", "layers", 0, field])

    def strict(constant: str) -> None:
        raise AssertionError(f"the problem is not strict JSON: {constant}")

    json.loads(r.text, parse_constant=strict)


# --- structure -----------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [33, 200, 100_000])
def test_deeply_nested_json(client: TestClient, depth: int) -> None:
    raw = '{"input_shape": [3, 32, 32], "layers": ' + "[" * depth + "]" * depth + "}"
    data = assert_problem(post_raw(client, raw), 422, ["body"])
    assert data["errors"][0]["type"] == "json_too_deep"


def test_nesting_within_the_depth_limit_is_judged_by_the_schema(client: TestClient) -> None:
    raw = '{"input_shape": [3, 32, 32], "layers": ' + "[" * 10 + "]" * 10 + "}"
    assert_problem(post_raw(client, raw), 422, ["body", "layers", 0])


def test_duplicate_top_level_key(client: TestClient) -> None:
    raw = '{"input_shape": [3, 32, 32], "input_shape": [3, 8, 8], "layers": []}'
    data = assert_problem(post_raw(client, raw), 422, ["body", "input_shape"])
    assert data["errors"][0]["type"] == "duplicate_key"


def test_duplicate_key_inside_a_layer_names_the_layer(client: TestClient) -> None:
    raw = (
        '{"input_shape": [3, 32, 32], "layers": [{"type": "relu"}, '
        '{"type": "conv2d", "out_channels": 4, "out_channels": 5, "kernel_size": 3}]}'
    )
    assert_problem(post_raw(client, raw), 422, ["body", "layers", 1, "out_channels"])


@pytest.mark.parametrize(
    ("layer", "field"),
    [
        ({"type": "conv2d", "out_channels": 4, "kernal_size": 3}, "kernal_size"),
        ({"type": "maxpool2d", "kernel_size": 2, "stirde": 2}, "stirde"),
        ({"type": "relu", "inplace": True, "alpha": 1}, "alpha"),
    ],
    ids=["kernal_size", "stirde", "relu-alpha"],
)
def test_unknown_layer_fields_are_named(
    client: TestClient, layer: dict[str, Any], field: str
) -> None:
    data = assert_problem(client.post("/v1/analyze", json=body(layers=[layer])), 422)
    locs = [e["loc"] for e in data["errors"]]
    assert ["body", "layers", 0, field] in locs, data
    assert field in data["detail"]


def test_unknown_top_level_field_is_named(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(verfy=True))
    assert_problem(r, 422, ["body", "verfy"])


def test_unknown_layer_type(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(layers=[{"type": "conv9d"}]))
    assert_problem(r, 422, ["body", "layers", 0])


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "hello",
        "null",
        "[1, 2, 3]",
        '"a string"',
        '{"input_shape": [3, 32, 32], "layers": [',
        "{}",
    ],
    ids=["empty", "not-json", "null", "array", "string", "truncated", "empty-object"],
)
def test_bodies_that_are_not_a_request(client: TestClient, raw: str) -> None:
    assert_problem(post_raw(client, raw), 422)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"input_shape": [3, 32, 32], "layers": [{"type": "\xff\xfe"}]}',
        b'{"input_shape": [3, 32, 32], "layers": [{"type": "\\ud800"}]}',
        b"\xef\xbb\xbf" + json.dumps(body()).encode(),
        json.dumps(body()).encode("utf-16"),
    ],
    ids=["invalid-utf8", "lone-surrogate", "bom", "utf16"],
)
def test_bad_encodings_are_invalid_json(client: TestClient, raw: bytes) -> None:
    """RFC 8259: JSON between systems is UTF-8 without a byte order mark."""
    data = assert_problem(post_raw(client, raw), 422, ["body"])
    assert data["errors"][0]["type"] == "json_invalid"


# --- media type, method, path --------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""],
    ids=["text", "form", "multipart", "missing"],
)
def test_wrong_content_type_is_415(client: TestClient, content_type: str) -> None:
    r = post_raw(client, json.dumps(body()), content_type)
    assert_problem(r, 415)


def test_json_with_a_charset_parameter_is_json(client: TestClient) -> None:
    r = post_raw(client, json.dumps(body()), "application/json; charset=utf-8")
    assert r.status_code == 200, r.text


def test_wrong_method_and_path(client: TestClient) -> None:
    assert_problem(client.get("/v1/analyze"), 405)
    assert_problem(client.get("/v1/nothing-here"), 404)
    assert_problem(client.delete("/healthz"), 405)


# --- size limits ---------------------------------------------------------------------------


def test_body_over_the_limit_is_413(client_factory: ClientFactory) -> None:
    client = client_factory(max_body_bytes=1000)
    layers = [{"type": "relu"}] * 200
    r = client.post("/v1/analyze", json=body(layers=layers))
    data = assert_problem(r, 413)
    assert "1000 bytes" in data["detail"]


def test_default_limit_is_one_mebibyte(client: TestClient) -> None:
    r = post_raw(client, b" " * (1 << 20) + json.dumps(body()).encode())
    assert_problem(r, 413)
    r = post_raw(client, json.dumps(body()).encode() + b" " * ((1 << 20) - 200))
    assert r.status_code == 200, r.text


@pytest.mark.anyio
async def test_chunked_body_over_the_limit_is_413_without_reading_the_rest() -> None:
    app = create_app(Settings(max_body_bytes=10_000, access_log=False))
    pulled = 0

    async def trickle() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"input_shape": [3, 32, 32], "layers": ['
        for _ in range(10_000):
            pulled += 1
            yield b'{"type": "relu"},'

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        r = await c.post(
            "/v1/analyze", content=trickle(), headers={"content-type": "application/json"}
        )
    assert_problem(r, 413)
    assert "content-length" not in r.request.headers
    assert pulled < 700  # 10,000 bytes is about 590 chunks of 17 bytes


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.parametrize(
    ("overrides", "request_body", "loc"),
    [
        ({"max_layers": 5}, body(layers=[{"type": "relu"}] * 6), ["body", "layers"]),
        ({"max_dim": 1000}, body(input_shape=[3, 1001, 32]), ["body", "input_shape", 1]),
        ({}, body(input_shape=[3, 2**25, 32]), ["body", "input_shape", 1]),
        (
            {"max_value": 64},
            body(layers=[{**CONV, "out_channels": 65}]),
            ["body", "layers", 0, "out_channels"],
        ),
        (
            {"max_value": 64},
            body(layers=[{**CONV, "kernel_size": [3, 65]}]),
            ["body", "layers", 0, "kernel_size"],
        ),
        (
            {"max_value": 64},
            body(layers=[{**CONV, "padding": 100}]),
            ["body", "layers", 0, "padding"],
        ),
        ({"max_batch": 8}, body(batch_size=9), ["body", "batch_size"]),
        (
            {"max_elements": 10**6},
            body(input_shape=[3, 1000, 1000], layers=[{"type": "relu"}]),
            ["body", "layers", 0],
        ),
        (
            {"max_dim": 100},
            body(
                input_shape=[3, 60, 60],
                layers=[
                    {"type": "convtranspose2d", "out_channels": 3, "kernel_size": 2, "stride": 2}
                ],
            ),
            ["body", "layers", 0],
        ),
    ],
    ids=[
        "layers",
        "dim",
        "dim-default",
        "value",
        "value-per-axis",
        "padding",
        "batch",
        "elements",
        "output-dim",
    ],
)
def test_limits_are_422_naming_the_field(
    client_factory: ClientFactory,
    overrides: dict[str, Any],
    request_body: dict[str, Any],
    loc: list[Any],
) -> None:
    client = client_factory(limits=Limits(**overrides))
    data = assert_problem(client.post("/v1/analyze", json=request_body), 422, loc)
    assert "limit" in data["detail"]


def test_rank_over_the_limit(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(input_shape=[3, 3, 3, 3, 3, 3]))
    assert_problem(r, 422, ["body", "input_shape"])


def test_too_many_values_per_axis(client: TestClient) -> None:
    layer = {**CONV, "kernel_size": [3] * 100_000}
    assert_problem(client.post("/v1/analyze", json=body(layers=[layer])), 422)


def test_long_text_stack(client: TestClient) -> None:
    r = client.post("/v1/analyze", json=body(layers="conv " * 100_000))
    assert_problem(r, 422, ["body", "layers"])


def test_huge_input_is_answered_like_a_small_one(client: TestClient) -> None:
    small = client.post("/v1/analyze", json=body(input_shape=[3, 32, 32]))
    huge = client.post("/v1/analyze", json=body(input_shape=[3, 100_000, 100_000]))
    assert small.status_code == huge.status_code == 200, huge.text
    assert huge.json()["output_shape"] == [4, 99_998, 99_998]


# --- regressions found by schemathesis (tests/api/test_fuzz.py) -----------------------------


@pytest.mark.parametrize(
    "layer",
    [
        {"type": "dropout1d", "p": False},
        {"type": "dropout", "p": "0.5"},
        {"type": "batchnorm2d", "eps": True},
        {"type": "batchnorm2d", "momentum": "0.1"},
    ],
    ids=["bool-probability", "string-probability", "bool-eps", "string-momentum"],
)
def test_floats_refuse_booleans_and_strings(client: TestClient, layer: dict[str, Any]) -> None:
    field = next(k for k in layer if k != "type")
    shape = [300, 64] if layer["type"] == "dropout1d" else [3, 32, 32]
    r = client.post("/v1/analyze", json=body(input_shape=shape, layers=[layer]))
    assert_problem(r, 422, ["body", "layers", 0, field])


def test_check_refuses_a_numeric_string_longer_than_an_answer(client: TestClient) -> None:
    lenet = EXAMPLES["lenet5_course"]
    request = {"input_shape": lenet["input_shape"], "layers": lenet["layers"]}
    r = client.post("/v1/check", json={**request, "total_params": "0" * 201})
    assert_problem(r, 422)
    r = client.post("/v1/check", json={**request, "total_params": "1 256 080"})
    assert r.status_code == 200, r.text


def test_undecodable_body_on_a_typed_route_is_a_documented_problem(client: TestClient) -> None:
    r = post_raw(client, b"\xd8(\xa5@\xe9", "application/json")
    assert_problem(r, 422)
    r = client.post(
        "/v1/solve", content=b"\xd8(\xa5@\xe9", headers={"content-type": "application/json"}
    )
    assert r.status_code in (400, 422), r.text
    assert_problem(r, r.status_code)
    documented = client.get("/openapi.json").json()["paths"]["/v1/solve"]["post"]["responses"]
    assert str(r.status_code) in documented


def test_problems_are_documented_as_problem_json(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert list(response["content"]) == ["application/problem+json"], (
                        path,
                        method,
                        status,
                    )


# --- headers on the real app ---------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/docs", "/openapi.json", "/healthz", "/v1/layers", "/x"])
def test_every_page_has_the_strict_policy_and_an_id(client: TestClient, path: str) -> None:
    from app.api.middleware import CSP

    r = client.get(path, headers={"X-Request-ID": "t-1"})
    assert r.headers["content-security-policy"] == CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-request-id"] == "t-1"


def test_the_page_and_swagger_use_no_inline_script(client: TestClient) -> None:
    for path in ("/", "/docs", "/redoc"):
        html = client.get(path).text
        assert "<script>" not in html.replace(" ", ""), path
        assert "cdn." not in html, path
