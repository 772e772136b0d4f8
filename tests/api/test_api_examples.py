"""Swagger's examples are the app's real answers, and every operation sits under a named tag."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.api.docs import TAGS, api_examples
from app.settings import Settings
from scripts.write_api_examples import REQUESTS
from scripts.write_openapi import render
from tests.torch_util import require_torch

EXAMPLES = api_examples()
VARYING = frozenset({"elapsed_ms"})
"""Measured on each run: left out of the comparison."""
HEALTH_VARYING = frozenset({"python", "torch", "verify"})
"""What ``/healthz`` says about the machine it runs on."""


def steady(value: Any) -> Any:
    """``value`` without the keys in ``VARYING``, at any depth."""
    if isinstance(value, dict):
        return {k: steady(v) for k, v in value.items() if k not in VARYING}
    if isinstance(value, list):
        return [steady(v) for v in value]
    return value


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    # A loaded machine may take long to start the torch check's worker (it imports torch).
    settings = Settings(verify_warm_workers=0, verify_timeout_s=180)
    with TestClient(create_app(settings)) as client:
        yield client


def test_every_documented_request_is_recorded() -> None:
    assert [ex["name"] for ex in EXAMPLES] == [r.name for r in REQUESTS]
    assert [ex["request"] for ex in EXAMPLES] == [r.body for r in REQUESTS]


@pytest.mark.parametrize("example", EXAMPLES, ids=[ex["name"] for ex in EXAMPLES])
def test_the_app_still_gives_the_documented_answer(
    client: TestClient, example: dict[str, Any]
) -> None:
    if example["request"] is not None and example["request"].get("verify"):
        require_torch()
    reply = client.request(example["method"], example["path"], json=example["request"])
    assert reply.status_code == example["status"]
    assert reply.headers["content-type"].split(";")[0] == example["media_type"]
    documented = example["response"]
    if example["media_type"].endswith("json"):
        answer = reply.json()
        if example["excerpt"]:
            answer = {key: answer[key] for key in documented}
        if example["path"] == "/healthz":
            assert set(answer) == set(documented)
            answer = {k: v for k, v in answer.items() if k not in HEALTH_VARYING}
            documented = {k: v for k, v in documented.items() if k not in HEALTH_VARYING}
        assert steady(answer) == steady(documented), "run `make openapi`"
    else:
        assert reply.text == documented, "run `make openapi`"


def test_the_examples_say_what_the_course_says() -> None:
    """Figures worked by hand, so that a recording of a wrong answer is not accepted."""
    by_name = {ex["name"]: ex["response"] for ex in EXAMPLES}
    first = by_name["lenet5_first_layers"]
    # conv 20 filters of 1×5×5 plus a bias: 20 × (25 + 1) = 520; (28 - 5 + 2×2)/1 + 1 = 28.
    assert first["total_params"] == 520
    assert [r["output_shape"] for r in first["layers"]] == [
        [20, 28, 28],
        [20, 28, 28],
        [20, 14, 14],
    ]
    assert first["layers"][0]["weight_shape"] == [20, 1, 5, 5]
    # 28 × 28 outputs × 20 filters × 25 taps = 392,000 MACs; the pool sees 5 + 1 = 6 pixels.
    assert first["total_macs"] == 392_000
    assert first["layers"][2]["receptive_field"]["size"] == [6, 6]
    assert by_name["lenet5_first_layers_verified"]["verification"]["status"] == "passed"
    problem = by_name["kernel_larger_than_input"]
    assert problem["status"] == 422
    assert problem["errors"][0]["loc"] == ["body", "layers", 3, "kernel_size"]
    graded = by_name["lenet5_homework"]
    # 500 for layer 0's parameters forgets the 20 biases; the other three answers are right.
    assert graded["score"] == {"correct": 3, "total": 4}
    (wrong,) = [r for r in graded["results"] if not r["correct"]]
    assert (wrong["layer"], wrong["field"], wrong["expected"]) == (0, "params", 520)
    # (32 - 5 + 2P)/1 + 1 = 32 gives P = 2.
    assert [s["padding"] for s in by_name["same_size_with_k5"]["solutions"]] == [2]
    assert "nn.Conv2d(in_channels=1, out_channels=20" in by_name["lenet5_first_layers_code"]


def test_the_schema_shows_each_exchange_under_its_name() -> None:
    schema = json.loads(render())
    for ex in EXAMPLES:
        operation = schema["paths"][ex["path"]][ex["method"].lower()]
        content = operation["responses"][str(ex["status"])]["content"][ex["media_type"]]
        assert "example" not in content
        assert content["examples"][ex["name"]]["value"] == ex["response"]
        if ex["request"] is not None:
            body = operation["requestBody"]["content"]["application/json"]["examples"]
            assert body[ex["name"]]["value"] == ex["request"]


def test_every_operation_is_under_a_described_tag() -> None:
    schema = json.loads(render())
    described = {tag["name"] for tag in schema["tags"] if tag["description"]}
    assert [tag["name"] for tag in schema["tags"]] == [tag["name"] for tag in TAGS]
    used = set()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert len(operation.get("tags", [])) == 1, f"{method} {path}"
            used.update(operation["tags"])
    assert used == described
    assert schema["paths"]["/v1/analyze"]["post"]["tags"] == ["analysis"]
    assert schema["paths"]["/healthz"]["get"]["tags"] == ["service"]
