"""The worst 1 MiB bodies get a small 422, and the work done for them is bounded by counts.

Before any validation the JSON parse refuses an object of more than ``MAX_KEYS`` keys and an
array of more than ``MAX_ITEMS`` items; the lists that remain fail fast, so the schema
reports a bounded number of errors (asserted on the models the routes validate with, not
by timing), and an answer lists at most ``MAX_ENTRIES`` of them.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from app.api.json_body import MAX_ITEMS, MAX_KEYS, JsonFaultError, parse_json
from app.api.problems import MAX_ENTRIES
from app.api.schemas import AnalyzeRequest
from app.api.teaching import CheckRequest
from app.core.layers import LAYERS_ADAPTER

MIB = 1 << 20
SMALL_ANSWER = 16_000
"""An answer of at most 50 entries whose strings are cut to 80 characters is far below this."""


def _body(document: Any) -> bytes:
    body = json.dumps(document, separators=(",", ":")).encode()
    assert len(body) <= MIB  # the service reads up to max_body_bytes
    return body


def _unknown_keys(count: int, width: int = 5) -> dict[str, int]:
    """``count`` keys of ``width`` hexadecimal digits (10 bytes a key at width 5)."""
    return {f"{i:0{width}x}": 0 for i in range(count)}


def _error_count(model: type[AnalyzeRequest | CheckRequest], document: Any) -> int:
    """How many errors validating ``document`` makes pydantic report (what the loop handles)."""
    with pytest.raises(ValidationError) as caught:
        model.model_validate(document)
    return caught.value.error_count()


def _post(client: TestClient, path: str, body: bytes) -> dict[str, Any]:
    response = client.post(path, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text[:300]
    assert len(response.content) < SMALL_ANSWER
    answer: dict[str, Any] = response.json()
    assert len(answer["errors"]) <= MAX_ENTRIES
    return answer


def test_an_object_with_100000_unknown_keys_is_refused_while_parsing(client: TestClient) -> None:
    body = _body(
        {"input_shape": [1, 28, 28], "layers": [{"type": "relu"}], **_unknown_keys(100_000)}
    )
    for path in ("/v1/analyze", "/v1/check", "/v1/solve", "/v1/export/pytorch"):
        answer = _post(client, path, body)
        assert [e["type"] for e in answer["errors"]] == ["json_too_many_keys"]
        assert answer["errors"][0]["loc"] == ["body"]
        assert "100002 keys" in answer["detail"]
        assert len(body) > 1_000_000
        assert f"more than {MAX_KEYS}" in answer["detail"]


def test_a_layer_with_100000_unknown_keys_is_named(client: TestClient) -> None:
    layers = [{"type": "relu"}, {"type": "conv2d", "out_channels": 4, **_unknown_keys(90_000)}]
    answer = _post(client, "/v1/analyze", _body({"input_shape": [1, 28, 28], "layers": layers}))
    assert answer["errors"][0]["loc"] == ["body", "layers", 1]
    assert answer["errors"][0]["type"] == "json_too_many_keys"


def test_an_array_over_the_ceiling_is_refused_while_parsing(client: TestClient) -> None:
    layers = [{"type": "relu"}] * (MAX_ITEMS + 1)
    answer = _post(client, "/v1/analyze", _body({"input_shape": [1, 28, 28], "layers": layers}))
    assert answer["errors"][0]["type"] == "json_too_many_items"
    assert answer["errors"][0]["loc"] == ["body", "layers"]
    nested = {
        "input_shape": [1, 28, 28],
        "layers": [{"type": "conv", "kernel_size": [[0] * 300_000]}],
    }
    answer = _post(client, "/v1/analyze", _body(nested))
    assert answer["errors"][0]["loc"] == ["body", "layers", 0, "kernel_size", 0]


def test_counts_at_the_bounds_are_parsed() -> None:
    document = {"layers": [{f"k{i}": [0] * MAX_ITEMS for i in range(MAX_KEYS)}]}
    assert parse_json(json.dumps(document).encode(), 32) == document
    with pytest.raises(JsonFaultError):
        parse_json(json.dumps({f"k{i}": 0 for i in range(MAX_KEYS + 1)}).encode(), 32)


def test_many_bad_layers_stop_after_the_first_errors(client: TestClient) -> None:
    """2,000 layers of 60 unknown keys each (120,000 errors if each were reported)."""
    layers = [{"type": "relu", **_unknown_keys(60, 2)} for _ in range(2000)]
    document = {"input_shape": [1, 28, 28], "layers": layers}
    answer = _post(client, "/v1/analyze", _body(document))
    assert answer["errors"][0]["loc"] == ["body", "layers", 0, "00"]
    assert answer["errors"][0]["type"] == "extra_forbidden"
    # The first bad layer's 60 errors, then none more: already past MAX_ENTRIES.
    assert _error_count(AnalyzeRequest, document) == 60
    assert "and at least 57 more" in answer["detail"]


def test_later_bad_layers_are_reported_up_to_the_bound() -> None:
    """Each layer has one bad field: the errors of the first 50 are collected, no more."""
    layers = [{"type": "conv2d", "out_channels": 0, "kernel_size": 3}] * 3000
    with pytest.raises(ValidationError) as caught:
        LAYERS_ADAPTER.validate_python(layers)
    errors = caught.value.errors()
    assert len(errors) == MAX_ENTRIES
    assert [e["loc"][0] for e in errors] == list(range(MAX_ENTRIES))
    assert {e["loc"][-1] for e in errors} == {"out_channels"}


def test_a_per_axis_list_of_bad_values_reports_its_first(client: TestClient) -> None:
    layers = [
        {
            "type": "conv2d",
            "out_channels": 4,
            "kernel_size": [0] * MAX_ITEMS,
            "stride": [0] * MAX_ITEMS,
        }
        for _ in range(60)
    ]
    document = {"input_shape": [1, 28, 28], "layers": layers}
    answer = _post(client, "/v1/analyze", _body(document))
    assert answer["errors"][0]["loc"] == ["body", "layers", 0, "kernel_size", 0]
    # Two fields of the first layer, each stopping at its first item (with the member
    # errors of its union), then as many layers again until the bound.
    assert _error_count(AnalyzeRequest, document) <= 2 * MAX_ENTRIES


def test_many_bad_answers_stop_at_the_first(client: TestClient) -> None:
    answers: list[dict[str, Any]] = [{"layer": 0, **_unknown_keys(60, 2)} for _ in range(2000)]
    answers[0]["output_shape"] = ["x"] * MAX_ITEMS
    document = {"input_shape": [1, 28, 28], "layers": [{"type": "relu"}], "answers": answers}
    answer = _post(client, "/v1/check", _body(document))
    assert answer["errors"][0]["loc"][:3] == ["body", "answers", 0]
    assert _error_count(CheckRequest, document) <= MAX_KEYS + 8
