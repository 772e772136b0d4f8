"""Every graph error is a 422 at its place, and its mended twin a 200."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

Layer = dict[str, Any]

CONV: Layer = {"type": "conv2d", "out_channels": 4, "kernel_size": 3, "padding": 1}

CASES: dict[str, tuple[list[Layer], list[Any], str, list[Layer]]] = {
    # name: (wrong layers, loc, code, mended layers)
    "forward_id": (
        [{**CONV, "inputs": ["later"]}, {"type": "relu", "id": "later"}],
        ["body", "layers", 0, "inputs", 0],
        "unknown_input",
        [{"type": "relu", "id": "later"}, {**CONV, "inputs": ["later"]}],
    ),
    "unknown_id": (
        [{**CONV, "id": "a"}, {"type": "add", "inputs": ["a", "b"]}],
        ["body", "layers", 1, "inputs", 1],
        "unknown_input",
        [{**CONV, "id": "a"}, {"type": "add", "inputs": ["a", "input"]}],
    ),
    "duplicate_id": (
        [{**CONV, "id": "a"}, {"type": "relu", "id": "a"}],
        ["body", "layers", 1, "id"],
        "duplicate_id",
        [{**CONV, "id": "a"}, {"type": "relu", "id": "b"}],
    ),
    "reserved_id": (
        [{**CONV, "id": "input"}],
        ["body", "layers", 0, "id"],
        "reserved_id",
        [{**CONV, "id": "stem"}],
    ),
    "shapes_do_not_add": (
        [{**CONV, "out_channels": 8, "id": "a"}, {"type": "add", "inputs": ["a", "input"]}],
        ["body", "layers", 1, "inputs"],
        "shapes_do_not_broadcast",
        [{**CONV, "id": "a"}, {"type": "add", "inputs": ["a", "input"]}],
    ),
    "sizes_do_not_concatenate": (
        [
            {**CONV, "stride": 2, "id": "a"},
            {"type": "concat", "inputs": ["a", "input"]},
        ],
        ["body", "layers", 1, "inputs"],
        "sizes_do_not_match",
        [{**CONV, "id": "a"}, {"type": "concat", "inputs": ["a", "input"]}],
    ),
    "empty_block": (
        [{"type": "residual", "layers": []}],
        ["body", "layers", 0, "layers"],
        "empty_block",
        [{"type": "residual", "layers": [CONV]}],
    ),
    "empty_branch": (
        [{"type": "parallel", "branches": [[CONV], []]}],
        ["body", "layers", 0, "branches", 1],
        "empty_block",
        [{"type": "parallel", "branches": [[CONV], [{"type": "identity"}]]}],
    ),
    "nested_kernel": (
        [{"type": "sequential", "layers": [{"type": "relu"}, {**CONV, "kernel_size": 9}]}],
        ["body", "layers", 0, "layers", 1, "kernel_size"],
        "kernel_too_large",
        [{"type": "sequential", "layers": [{"type": "relu"}, CONV]}],
    ),
    "two_inputs_to_a_conv": (
        [{"type": "relu", "id": "a"}, {**CONV, "inputs": ["a", "input"]}],
        ["body", "layers", 1, "inputs"],
        "wrong_input_count",
        [{"type": "relu", "id": "a"}, {**CONV, "inputs": ["a"]}],
    ),
    "concat_dim_0": (
        [{"type": "concat", "dim": 0}],
        ["body", "layers", 0, "dim"],
        "unsupported",
        [{"type": "concat", "dim": 1}],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_graph_error_is_a_422_at_its_place_and_its_twin_a_200(
    client: TestClient, name: str
) -> None:
    wrong, loc, code, mended = CASES[name]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": wrong})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    (entry,) = r.json()["errors"]
    assert (entry["loc"], entry["type"]) == (loc, code)
    ok = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": mended})
    assert ok.status_code == 200, ok.text


def test_an_unknown_id_is_named(client: TestClient) -> None:
    r = client.post(
        "/v1/analyze",
        json={"input_shape": [4, 6, 6], "layers": [{"type": "add", "inputs": ["input", "ghost"]}]},
    )
    assert r.status_code == 422, r.text
    assert "'ghost'" in r.json()["errors"][0]["msg"]


def test_shapes_that_do_not_add_name_both_inputs_and_their_sizes(client: TestClient) -> None:
    wrong = CASES["shapes_do_not_add"][0]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": wrong})
    msg = r.json()["errors"][0]["msg"]
    assert "'a'" in msg
    assert "'input'" in msg
    assert "(8)" in msg
    assert "(4)" in msg


def test_a_bad_id_pattern_is_a_schema_error_at_its_place(client: TestClient) -> None:
    r = client.post(
        "/v1/analyze",
        json={
            "input_shape": [4, 6, 6],
            "layers": [{"type": "sequential", "layers": [{"type": "relu", "id": "9lives"}]}],
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "layers", 0, "layers", 0, "id"]


def test_a_huge_repeat_in_a_tiny_body_is_refused_before_it_is_built(
    client: TestClient, node_fuse: list[int]
) -> None:
    body = (
        b'{"input_shape":[1],"layers":[{"type":"sequential","repeat":1000000000000000,'
        b'"layers":[{"type":"relu"}]}]}'
    )
    r = client.post("/v1/analyze", content=body, headers={"content-type": "application/json"})
    assert node_fuse == [0]
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["loc"] == ["body", "layers", 0, "repeat"]


def test_a_graph_answer_lists_ids_inputs_and_names(client: TestClient) -> None:
    layers = [{"type": "residual", "id": "block", "layers": [CONV]}, {"type": "relu"}]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": layers})
    assert r.status_code == 200, r.text
    got = [(x["id"], x["name"], x["type"], x["inputs"]) for x in r.json()["layers"]]
    assert got == [
        ("block.0", "block.0", "conv2d", ["input"]),
        ("block", "block", "add", ["block.0", "input"]),
        ("1", "1", "relu", ["block"]),
    ]
    assert r.json()["layers"][1]["receptive_field"]["aligned"] is True


def test_export_writes_a_graph_and_check_grades_it(client: TestClient) -> None:
    body = {"input_shape": [4, 6, 6], "layers": [{"type": "residual", "layers": [CONV]}]}
    r = client.post("/v1/export/pytorch", json=body)
    assert r.status_code == 200, r.text
    assert "class Net(nn.Module):" in r.text
    assert "block_0 = self.block_0(x)" not in r.text
    assert "layer_0 = torch.add(layer_0_0, x)" in r.text
    r = client.post("/v1/check", json={**body, "answers": [{"layer": 0, "params": 148}]})
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert (result["layer"], result["id"], result["correct"]) == (0, "0.0", True)


FRENCH_WORDS = {
    "forward_id": "qu'aucune couche précédente n'a pour id",
    "unknown_id": "qu'aucune couche précédente n'a pour id",
    "duplicate_id": "est donné deux fois",
    "reserved_id": "est réservé",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_graph_error_is_said_in_french(client: TestClient, name: str) -> None:
    wrong, loc, code, _ = CASES[name]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": wrong, "lang": "fr"})
    assert r.status_code == 422, r.text
    (entry,) = r.json()["errors"]
    assert (entry["loc"], entry["type"]) == (loc, code)
    english = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": wrong})
    assert entry["msg"] != english.json()["errors"][0]["msg"]
    if name in FRENCH_WORDS:
        assert FRENCH_WORDS[name] in entry["msg"]


def test_a_merge_whose_shapes_do_not_add_names_its_inputs_in_french(client: TestClient) -> None:
    wrong = CASES["shapes_do_not_add"][0]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": wrong, "lang": "fr"})
    message = r.json()["errors"][0]["msg"]
    assert message.startswith("entrées 'a' et 'input' : la taille du tenseur a (8)"), message


def test_a_graph_comes_back_as_understood_with_its_wiring(client: TestClient) -> None:
    layers: list[Layer] = [
        {**CONV, "id": "a"},
        {"type": "ADD", "inputs": ["a", "input"]},
        {"type": "residual", "layers": [{"type": "relu"}]},
    ]
    r = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": layers})
    assert r.status_code == 200, r.text
    understood = r.json()["layers_as_understood"]
    assert understood[0]["id"] == "a"
    assert "inputs" not in understood[0]
    assert understood[1] == {"type": "add", "inputs": ["a", "input"]}
    assert understood[2]["type"] == "residual"
    assert understood[2]["layers"] == [{"type": "relu", "inplace": False}]
    again = client.post("/v1/analyze", json={"input_shape": [4, 6, 6], "layers": understood})
    assert again.json()["layers"] == r.json()["layers"]
