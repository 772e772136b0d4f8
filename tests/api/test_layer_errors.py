"""Layer dicts over HTTP: ``type`` in any case on every route, one error per bad field."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api.problems import UNION_TAGS
from app.api.schemas import AnalyzeRequest
from app.api.teaching import CheckRequest, SolveRequest
from app.core import REGISTRY, TYPE_INDEX
from app.core.examples import EXAMPLES

CONV: dict[str, Any] = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
LENET = EXAMPLES["lenet5_course"]


def shouted(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same layers with ``type`` written the way PyTorch or capitals would."""
    spelled = {"conv2d": "Conv2d", "maxpool2d": "MAXPOOL2D", "relu": "ReLU", "linear": "Linear"}
    return [
        {**layer, "type": spelled.get(layer["type"], layer["type"].upper())} for layer in layers
    ]


def entries(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    found: list[dict[str, Any]] = response.json()["errors"]
    return found


@pytest.mark.parametrize("path", ["/v1/analyze", "/v1/check", "/v1/export/pytorch"])
def test_every_route_reads_type_in_any_case(client: TestClient, path: str) -> None:
    lower = {"input_shape": LENET["input_shape"], "layers": LENET["layers"]}
    mixed = {**lower, "layers": shouted(LENET["layers"])}
    assert mixed["layers"][0]["type"] == "Conv2d"
    expected = client.post(path, json=lower)
    assert expected.status_code == 200, expected.text
    r = client.post(path, json=mixed)
    assert r.status_code == 200, r.text
    assert r.text == expected.text


INT_OR_LIST = "Input should be a valid integer, or a list of one per spatial axis"


@pytest.mark.parametrize(
    ("value", "loc", "msg"),
    [
        (0, [], "Input should be greater than or equal to 1"),
        ("3", [], INT_OR_LIST),
        (2.5, [], INT_OR_LIST),
        (True, [], INT_OR_LIST),
        (None, [], INT_OR_LIST),
        ([3, 0], [1], "Input should be greater than or equal to 1"),
        ([3, "x"], [1], "Input should be a valid integer"),
    ],
    ids=repr,
)
def test_a_wrong_kernel_size_is_one_entry_naming_layer_and_field(
    client: TestClient, value: Any, loc: list[int], msg: str
) -> None:
    body = {"input_shape": [1, 8, 8], "layers": [{"type": "ReLU"}, {**CONV, "kernel_size": value}]}
    (entry,) = entries(client.post("/v1/analyze", json=body))
    assert entry["loc"] == ["body", "layers", 1, "kernel_size", *loc]
    assert entry["msg"] == msg


@pytest.mark.parametrize("path", ["/v1/check", "/v1/export/pytorch"])
def test_the_other_routes_name_the_field_once_too(client: TestClient, path: str) -> None:
    body = {"input_shape": [1, 8, 8], "layers": [{**CONV, "type": "Conv2d", "padding": 1.5}]}
    (entry,) = entries(client.post(path, json=body))
    assert entry["loc"] == ["body", "layers", 0, "padding"]
    assert entry["msg"] == (
        "Input should be a valid integer, a list of one per spatial axis, or 'same' or 'valid'"
    )


@pytest.mark.parametrize(
    ("layers", "kind"),
    [(3, "list_type"), ({"type": "relu"}, "list_type"), ("x" * 200_001, "string_too_long")],
    ids=["number", "object", "long-text"],
)
def test_layers_neither_a_list_nor_text_is_one_entry(
    client: TestClient, layers: Any, kind: str
) -> None:
    (entry,) = entries(client.post("/v1/analyze", json={"input_shape": [1], "layers": layers}))
    assert entry["loc"] == ["body", "layers"]
    assert entry["type"] == kind


def test_a_layer_that_is_not_an_object(client: TestClient) -> None:
    body = {"input_shape": [1, 8, 8], "layers": [CONV, "relu"]}
    (entry,) = entries(client.post("/v1/analyze", json=body))
    assert entry["loc"] == ["body", "layers", 1]
    assert entry["type"] == "model_attributes_type"
    assert entry["msg"].startswith("Input should be a valid dictionary")


def test_union_labels_dropped_from_loc_are_never_field_names() -> None:
    """``clean_loc`` drops these words anywhere in a ``loc``: no field may be spelled so."""
    models: list[type[BaseModel]] = [*REGISTRY, AnalyzeRequest, CheckRequest, SolveRequest]
    fields = {name for model in models for name in model.model_fields}
    aliases = {
        str(choice)
        for kind in REGISTRY
        for info in kind.model_fields.values()
        for choice in getattr(info.validation_alias, "choices", ())
    }
    assert set(TYPE_INDEX) <= UNION_TAGS
    assert not UNION_TAGS & (fields | aliases)
