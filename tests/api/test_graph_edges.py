"""The graph form's edge cases over HTTP: broadcasting, concatenation, ids, blocks, limits.

Every expected shape below is PyTorch's, worked by hand from its rules (``torch.add`` and
``torch.mul`` broadcast trailing axes, ``torch.cat`` sums the sizes along ``dim``, the batch
being dimension 0); ``tests/torch/test_graph_edges_torch.py`` runs the same graphs in torch.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.core.analysis import parse_layers
from app.core.notation import to_text

Layer = dict[str, Any]


def conv(out: int, k: int = 3, **fields: Any) -> Layer:
    """A ``conv2d`` entry."""
    return {"type": "conv2d", "out_channels": out, "kernel_size": k, **fields}


def pool(size: int | list[int], **fields: Any) -> Layer:
    """An ``adaptiveavgpool2d`` entry."""
    return {"type": "adaptiveavgpool2d", "output_size": size, **fields}


def analyze(client: TestClient, layers: Any, shape: list[int], **extra: Any) -> Any:
    return client.post("/v1/analyze", json={"input_shape": shape, "layers": layers, **extra})


def ok(client: TestClient, layers: Any, shape: list[int], **extra: Any) -> dict[str, Any]:
    r = analyze(client, layers, shape, **extra)
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


def refused(client: TestClient, layers: Any, shape: list[int], **extra: Any) -> dict[str, Any]:
    r = analyze(client, layers, shape, **extra)
    assert r.status_code == 422, r.text[:500]
    assert r.headers["content-type"].startswith("application/problem+json")
    data: dict[str, Any] = r.json()
    return data


# ---------- broadcasting in add and mul ----------

BROADCASTS: dict[str, tuple[list[int], list[Layer], list[int]]] = {
    # name: (input shape, layers, output shape as torch gives it)
    "c11_times_chw": (
        [3, 8, 8],
        [pool(1, id="g"), {"type": "mul", "inputs": ["g", "input"]}],
        [3, 8, 8],
    ),
    "1hw_plus_chw": (
        [3, 8, 8],
        [conv(1, 1, id="o"), {"type": "add", "inputs": ["o", "input"]}],
        [3, 8, 8],
    ),
    "111_plus_chw": (
        [3, 8, 8],
        [conv(1, 1), pool(1, id="p"), {"type": "add", "inputs": ["input", "p"]}],
        [3, 8, 8],
    ),
    "c1w_plus_ch1": (
        [3, 6, 8],
        [
            pool([1, 8], id="a"),
            pool([6, 1], id="b", inputs=["input"]),
            {"type": "add", "inputs": ["a", "b"]},
        ],
        [3, 6, 8],
    ),
    "111_times_111": (
        [3, 8, 8],
        [conv(1, 1), pool(1, id="p"), {"type": "mul", "inputs": ["p", "p"]}],
        [1, 1, 1],
    ),
    "five_inputs": (
        [3, 8, 8],
        [
            conv(1, 1, id="one"),
            pool(1, id="p111"),
            pool(1, id="pc11", inputs=["input"]),
            pool([1, 8], id="pc1w", inputs=["input"]),
            {"type": "add", "inputs": ["p111", "pc11", "input", "pc1w", "one"]},
        ],
        [3, 8, 8],
    ),
    "vectors": (
        [12],
        [
            {"type": "linear", "out_features": 1, "id": "s"},
            {"type": "mul", "inputs": ["s", "input"]},
        ],
        [12],
    ),
    "x_plus_x": ([3, 8, 8], [{"type": "add", "inputs": ["input", "input"]}], [3, 8, 8]),
    "one_input": ([3, 8, 8], [{"type": "mul", "inputs": ["input"]}], [3, 8, 8]),
}


@pytest.mark.parametrize("name", BROADCASTS)
def test_what_torch_broadcasts_is_accepted_with_its_shape(client: TestClient, name: str) -> None:
    shape, layers, expected = BROADCASTS[name]
    data = ok(client, layers, shape)
    assert data["output_shape"] == expected
    merge = data["layers"][-1]
    assert (merge["params"], merge["macs"], merge["weight_shape"]) == (0, 0, None)


def test_a_merge_lists_the_inputs_it_read_in_order_even_twice(client: TestClient) -> None:
    data = ok(
        client, [conv(3, 1, id="a"), {"type": "add", "inputs": ["a", "input", "a"]}], [3, 4, 4]
    )
    assert data["layers"][1]["inputs"] == ["a", "input", "a"]
    assert data["layers"][1]["id"] == "1"


BROADCAST_REFUSALS: dict[str, tuple[list[Layer], str, str, list[str]]] = {
    # name: (layers on 3×8×8, kind, code, words the message must hold: both ids and sizes)
    "channels": (
        [conv(4, 1, id="a"), {"type": "add", "inputs": ["input", "a"]}],
        "add",
        "shapes_do_not_broadcast",
        ["'input'", "'a'", "(3)", "(4)"],
    ),
    "width": (
        [pool([1, 5], id="a"), {"type": "mul", "inputs": ["a", "input"]}],
        "mul",
        "shapes_do_not_broadcast",
        ["'a'", "'input'", "(5)", "(8)"],
    ),
    "third_input": (
        [
            conv(3, 3, id="o"),
            pool(1, id="p", inputs=["input"]),
            {"type": "add", "inputs": ["p", "input", "o"]},
        ],
        "add",
        "shapes_do_not_broadcast",
        ["'input'", "'o'", "(8)", "(6)"],
    ),
    "ranks": (
        [{"type": "flatten", "id": "f"}, {"type": "mul", "inputs": ["f", "input"]}],
        "mul",
        "shapes_do_not_broadcast",
        ["'f'", "'input'", "192", "3×8×8"],
    ),
}


@pytest.mark.parametrize("name", BROADCAST_REFUSALS)
def test_what_does_not_broadcast_is_a_422_naming_both_inputs_and_sizes(
    client: TestClient, name: str
) -> None:
    layers, kind, code, words = BROADCAST_REFUSALS[name]
    data = refused(client, layers, [3, 8, 8])
    (error,) = data["errors"]
    assert error["loc"] == ["body", "layers", len(layers) - 1, "inputs"]
    assert error["type"] == code
    for word in words:
        assert word in error["msg"], (word, error["msg"])
    assert f"({kind}" in data["detail"]


# ---------- concatenation ----------


@pytest.mark.parametrize(
    ("dim", "expected"),
    [
        (1, [6, 8, 5]),
        (2, [3, 16, 5]),
        (3, [3, 8, 10]),
        (-1, [3, 8, 10]),
        (-2, [3, 16, 5]),
        (-3, [6, 8, 5]),
    ],
)
def test_concat_counts_dim_as_torch_cat_does(
    client: TestClient, dim: int, expected: list[int]
) -> None:
    data = ok(client, [{"type": "concat", "dim": dim, "inputs": ["input", "input"]}], [3, 8, 5])
    assert data["output_shape"] == expected


@pytest.mark.parametrize(
    ("dim", "code"),
    [
        (0, "unsupported"),
        (-4, "unsupported"),
        (4, "dimension_out_of_range"),
        (-5, "dimension_out_of_range"),
    ],
)
def test_concat_refuses_the_batch_and_dims_out_of_range(
    client: TestClient, dim: int, code: str
) -> None:
    data = refused(client, [{"type": "cat", "dim": dim, "inputs": ["input", "input"]}], [3, 8, 5])
    (error,) = data["errors"]
    assert (error["loc"], error["type"]) == (["body", "layers", 0, "dim"], code)


def test_concat_of_three_inputs_sums_their_sizes(client: TestClient) -> None:
    layers = [
        conv(4, 1, id="a"),
        conv(5, 3, padding=1, id="b", inputs=["input"]),
        {"type": "concat", "inputs": ["a", "input", "b"]},
    ]
    assert ok(client, layers, [3, 6, 6])["output_shape"] == [12, 6, 6]


def test_concat_with_other_sizes_names_both_inputs_and_sizes(client: TestClient) -> None:
    layers = [
        conv(4, 3, padding=1, stride=2, id="half"),
        {"type": "concat", "inputs": ["input", "half"]},
    ]
    (error,) = refused(client, layers, [3, 8, 8])["errors"]
    assert error["loc"] == ["body", "layers", 1, "inputs"]
    assert error["type"] == "sizes_do_not_match"
    for word in ("'input'", "'half'", "size 8", "size 4", "3×8×8", "4×4×4"):
        assert word in error["msg"], (word, error["msg"])


def test_concat_of_two_ranks_names_both_inputs(client: TestClient) -> None:
    layers = [{"type": "flatten", "id": "f"}, {"type": "concat", "inputs": ["f", "input"]}]
    (error,) = refused(client, layers, [3, 8, 8])["errors"]
    assert error["type"] == "sizes_do_not_match"
    for word in ("'f'", "'input'", "2 and 4", "192"):
        assert word in error["msg"], (word, error["msg"])


# ---------- ids, scopes and references ----------


def test_a_dotted_id_is_an_id_and_positions_name_the_rest(client: TestClient) -> None:
    layers = [
        conv(4, padding=1, id="layer1.0.conv1"),
        {"type": "relu"},
        {"type": "add", "inputs": ["layer1.0.conv1", "1"], "id": "a-b_c"},
    ]
    data = ok(client, layers, [3, 8, 8])
    assert [(x["id"], x["inputs"]) for x in data["layers"]] == [
        ("layer1.0.conv1", ["input"]),
        ("1", ["layer1.0.conv1"]),
        ("a-b_c", ["layer1.0.conv1", "1"]),
    ]


def test_ids_in_a_repeated_block_are_scoped_to_their_copy(client: TestClient) -> None:
    layers = [
        conv(4, padding=1, id="x"),
        {
            "type": "sequential",
            "id": "layer1",
            "repeat": 2,
            "layers": [
                conv(4, padding=1, id="x"),  # shadows the outer x inside each copy
                {"type": "add", "inputs": ["x", "layer1.0.x"], "id": "sum"},
            ],
        },
        {"type": "add", "inputs": ["x", "layer1", "layer1.1.x"]},  # the outer x again
    ]
    data = ok(client, layers, [3, 8, 8])
    wiring = [(x["id"], x["inputs"]) for x in data["layers"]]
    assert wiring == [
        ("x", ["input"]),
        ("layer1.0.x", ["x"]),
        ("layer1.0.sum", ["layer1.0.x", "layer1.0.x"]),
        ("layer1.1.x", ["layer1.0.sum"]),
        ("layer1.1.sum", ["layer1.1.x", "layer1.0.x"]),
        ("2", ["x", "layer1.1.sum", "layer1.1.x"]),
    ]
    assert data["warnings"] == []


def test_a_position_inside_a_block_names_a_top_level_entry_and_dotted_names_reach_in(
    client: TestClient,
) -> None:
    relu: Layer = {"type": "relu"}
    inner = [relu, relu, relu, relu, {"type": "add", "inputs": ["3", "s.2", "input"]}]
    layers = [relu, relu, relu, relu, {"type": "sequential", "id": "s", "layers": inner}]
    data = ok(client, layers, [3, 8, 8])
    assert data["layers"][-1]["id"] == "s.4"
    assert data["layers"][-1]["inputs"] == ["3", "s.2", "input"]
    assert [w["params"]["id"] for w in data["warnings"]] == ["s.3"]


WIRING_ERRORS: dict[str, tuple[list[Layer], list[Any], str, str]] = {
    # name: (layers, loc, code, a word of the message)
    "forward_id": (
        [{"type": "relu", "inputs": ["b"]}, {"type": "relu", "id": "b"}],
        [0, "inputs", 0],
        "unknown_input",
        "'b'",
    ),
    "forward_position": (
        [{"type": "relu"}, {"type": "relu", "inputs": ["3"]}, {"type": "relu"}, {"type": "relu"}],
        [1, "inputs", 0],
        "unknown_input",
        "'3'",
    ),
    "self_by_id": (
        [{"type": "relu", "id": "a", "inputs": ["a"]}],
        [0, "inputs", 0],
        "unknown_input",
        "'a'",
    ),
    "self_by_position": (
        [{"type": "relu"}, {"type": "relu", "inputs": ["1"]}],
        [1, "inputs", 0],
        "unknown_input",
        "'1'",
    ),
    "position_of_an_entry_with_an_id": (
        [{"type": "relu", "id": "a"}, {"type": "relu", "inputs": ["0"]}],
        [1, "inputs", 0],
        "unknown_input",
        "'0'",
    ),
    "second_input_unknown": (
        [{"type": "relu", "id": "a"}, {"type": "add", "inputs": ["a", "nope"]}],
        [1, "inputs", 1],
        "unknown_input",
        "'nope'",
    ),
    "enclosing_block": (
        [{"type": "residual", "id": "blk", "layers": [{"type": "relu", "inputs": ["blk"]}]}],
        [0, "layers", 0, "inputs", 0],
        "unknown_input",
        "'blk'",
    ),
    "duplicate_top": (
        [{"type": "relu", "id": "a"}, {"type": "relu", "id": "a"}],
        [1, "id"],
        "duplicate_id",
        "'a'",
    ),
    "duplicate_in_a_copy": (
        [
            {
                "type": "sequential",
                "repeat": 3,
                "layers": [{"type": "relu", "id": "a"}, {"type": "relu", "id": "a"}],
            }
        ],
        [0, "layers", 1, "id"],
        "duplicate_id",
        "'a'",
    ),
    "dotted_name_twice": (
        [
            {"type": "relu", "id": "b.0"},
            {"type": "sequential", "id": "b", "layers": [{"type": "relu"}]},
        ],
        [1, "layers", 0],
        "duplicate_id",
        "'b.0'",
    ),
    "reserved": ([{"type": "relu", "id": "input"}], [0, "id"], "reserved_id", '"input"'),
    "two_inputs_to_relu": (
        [{"type": "relu", "id": "a"}, {"type": "relu", "inputs": ["a", "input"]}],
        [1, "inputs"],
        "wrong_input_count",
        "2",
    ),
    "two_inputs_to_a_residual": (
        [
            {"type": "relu", "id": "a"},
            {"type": "residual", "inputs": ["a", "input"], "layers": [{"type": "relu"}]},
        ],
        [1, "inputs"],
        "wrong_input_count",
        "2",
    ),
    "empty_sequential": (
        [{"type": "sequential", "layers": []}],
        [0, "layers"],
        "empty_block",
        "sequential",
    ),
    "empty_residual": (
        [{"type": "residual", "layers": []}],
        [0, "layers"],
        "empty_block",
        "residual",
    ),
    "empty_branch": (
        [{"type": "parallel", "branches": [[{"type": "relu"}], []]}],
        [0, "branches", 1],
        "empty_block",
        "parallel",
    ),
    "empty_nested": (
        [{"type": "sequential", "layers": [{"type": "parallel", "branches": [[]]}]}],
        [0, "layers", 0, "branches", 0],
        "empty_block",
        "parallel",
    ),
}


@pytest.mark.parametrize("name", WIRING_ERRORS)
def test_every_wiring_error_is_a_422_at_its_layer_and_field(client: TestClient, name: str) -> None:
    layers, loc, code, word = WIRING_ERRORS[name]
    data = refused(client, layers, [3, 8, 8])
    (error,) = data["errors"]
    assert (error["loc"], error["type"]) == (["body", "layers", *loc], code)
    assert word in error["msg"]
    assert data["title"] == "Invalid layer stack"


@pytest.mark.parametrize("name", WIRING_ERRORS)
def test_a_wiring_error_s_detail_says_which_layer_and_field(client: TestClient, name: str) -> None:
    layers, loc, _, _ = WIRING_ERRORS[name]
    en = refused(client, layers, [3, 8, 8])
    fr = refused(client, layers, [3, 8, 8], lang="fr")
    where = f"{loc[0]}, {'.'.join(map(str, loc[1:]))}"
    assert en["detail"] == f"layer {where}: {en['errors'][0]['msg']}"
    assert fr["detail"] == f"couche {where} : {fr['errors'][0]['msg']}"


SCHEMA_ERRORS: dict[str, tuple[list[Layer], list[Any]]] = {
    "inputs_empty": ([{"type": "add", "inputs": []}], [0, "inputs"]),
    "inputs_a_string": ([{"type": "add", "inputs": "input"}], [0, "inputs"]),
    "repeat_0": (
        [{"type": "sequential", "repeat": 0, "layers": [{"type": "relu"}]}],
        [0, "repeat"],
    ),
    "repeat_a_float": (
        [{"type": "sequential", "repeat": 2.0, "layers": [{"type": "relu"}]}],
        [0, "repeat"],
    ),
    "no_branches": ([{"type": "parallel", "branches": []}], [0, "branches"]),
    "id_of_digits": ([{"type": "relu", "id": "3"}], [0, "id"]),
    "id_too_long": ([{"type": "relu", "id": "a" * 65}], [0, "id"]),
    "dim_a_bool": ([{"type": "concat", "dim": True}], [0, "dim"]),
    "dim_on_add": ([{"type": "add", "dim": 1}], [0, "dim"]),
    "merge_mul": (
        [{"type": "parallel", "merge": "mul", "branches": [[{"type": "relu"}]]}],
        [0, "merge"],
    ),
}


@pytest.mark.parametrize("name", SCHEMA_ERRORS)
def test_malformed_graph_fields_are_422_at_the_field(client: TestClient, name: str) -> None:
    layers, loc = SCHEMA_ERRORS[name]
    data = refused(client, layers, [3, 8, 8])
    assert ["body", "layers", *loc] in [e["loc"] for e in data["errors"]]


# ---------- bounds ----------


@pytest.mark.parametrize(
    ("layers", "loc"),
    [
        ([{"type": "sequential", "repeat": 10**15, "layers": [conv(3, 1)]}], [0, "repeat"]),
        (
            [
                {
                    "type": "sequential",
                    "repeat": 1000,
                    "layers": [
                        {"type": "sequential", "repeat": 1000, "layers": [{"type": "relu"}]}
                    ],
                }
            ],
            [0, "repeat"],
        ),
        (
            [
                {
                    "type": "parallel",
                    "branches": [
                        [{"type": "sequential", "repeat": 2048, "layers": [{"type": "relu"}]}]
                    ],
                }
            ],
            [0],
        ),
    ],
)
def test_a_huge_expansion_is_refused_at_once(
    client: TestClient, layers: list[Layer], loc: list[Any]
) -> None:
    # Refused by counting the expansion, before anything is built (its time is the
    # benchmarks' business: docs/benchmarks.md, "Bounded work for hostile bodies").
    data = refused(client, layers, [3, 8, 8])
    (error,) = data["errors"]
    assert (error["loc"], error["type"]) == (["body", "layers", *loc], "limit_exceeded")


def test_deep_nesting_is_bounded_by_the_json_depth(client: TestClient) -> None:
    layers: list[Layer] = [{"type": "relu"}]
    for _ in range(40):
        layers = [{"type": "sequential", "layers": layers}]
    data = refused(client, layers, [3, 8, 8])
    assert data["errors"][0]["loc"] == ["body"]
    layers = [{"type": "relu"}]
    for _ in range(6):
        layers = [{"type": "sequential", "layers": layers}]
    assert ok(client, layers, [3, 8, 8])["layers"][0]["id"] == "0.0.0.0.0.0.0"


def test_concatenations_that_double_are_stopped_by_the_size_limit(client: TestClient) -> None:
    layers = [{"type": "concat", "inputs": ["input", "input"]}]
    layers += [{"type": "concat", "inputs": [str(i), str(i)]} for i in range(200)]
    (error,) = refused(client, layers, [3, 8, 8])["errors"]
    assert error["type"] == "limit_exceeded"


# ---------- outputs nothing uses ----------


def test_an_unused_branch_is_a_warning_naming_it(client: TestClient) -> None:
    layers = [
        conv(4, padding=1, id="a"),
        conv(4, padding=1, id="dead", inputs=["input"]),
        {"type": "relu", "inputs": ["a"]},
    ]
    data = ok(client, layers, [3, 8, 8])
    assert data["output_shape"] == [4, 8, 8]
    assert [(w["layer"], w["code"], w["params"]["id"]) for w in data["warnings"]] == [
        (1, "unused_output", "dead")
    ]
    assert "dead" in data["warnings"][0]["message"]


def test_an_unused_block_warns_once_at_its_output(client: TestClient) -> None:
    layers = [
        {"type": "residual", "id": "r", "layers": [conv(3, padding=1)]},
        {"type": "relu", "inputs": ["input"]},
    ]
    data = ok(client, layers, [3, 8, 8])
    assert [(w["code"], w["params"]["id"]) for w in data["warnings"]] == [("unused_output", "r")]


# ---------- grading by id ----------


def test_check_grades_answers_named_by_dotted_id(client: TestClient) -> None:
    layers = [
        conv(4, padding=1, id="stem"),
        {
            "type": "sequential",
            "id": "layer1",
            "repeat": 2,
            "layers": [
                conv(4, padding=1, id="conv1"),
                {"type": "add", "inputs": ["conv1", "stem"]},
            ],
        },
        {"type": "parallel", "id": "mix", "branches": [[conv(2, 1)], [{"type": "relu"}]]},
    ]
    body = {
        "input_shape": [3, 8, 8],
        "layers": layers,
        "answers": [
            {"layer": "layer1.1.conv1", "params": 148, "output_shape": [4, 8, 8]},
            {"layer": "layer1.0.1", "params": 0},
            {"layer": "mix", "output_shape": [6, 8, 8]},
            {"layer": "mix.0.0", "weight_shape": [2, 4, 1, 1]},
            {"layer": "stem", "params": 100},
        ],
        "total_params": 3 * 4 * 9 + 4 + 2 * (4 * 4 * 9 + 4) + 4 * 2 + 2,
    }
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["score"] == {"correct": 6, "total": 7}
    wrong = [(x["id"], x["field"]) for x in data["results"] if not x["correct"]]
    assert wrong == [("stem", "params")]


# ---------- French ----------

ENGLISH = re.compile(
    r"\b(the|is|are|given|twice|which|layer|needs|takes|must|match|size of|tensor|with|"
    r"expected|but|got|should|least|limit|block|branch|names)\b"
)

FRENCH_CASES: list[list[Layer]] = [
    *(case[0] for case in WIRING_ERRORS.values()),
    *(case[0] for case in BROADCAST_REFUSALS.values()),
    [conv(4, 3, padding=1, stride=2, id="h"), {"type": "concat", "inputs": ["input", "h"]}],
    [{"type": "flatten", "id": "f"}, {"type": "concat", "inputs": ["f", "input"]}],
    [{"type": "concat", "dim": 0, "inputs": ["input", "input"]}],
    [{"type": "concat", "dim": 9, "inputs": ["input", "input"]}],
    [{"type": "sequential", "repeat": 10**9, "layers": [{"type": "relu"}]}],
    *(case[0] for case in SCHEMA_ERRORS.values()),
]


@pytest.mark.parametrize("layers", FRENCH_CASES)
def test_graph_errors_in_french_hold_no_english(client: TestClient, layers: list[Layer]) -> None:
    data = refused(client, layers, [3, 8, 8], lang="fr")
    texts = [data["title"], data["detail"], *(e["msg"] for e in data["errors"])]
    # quoted ids, field names, kinds and torch's own names are not words of either language
    names = (
        r"'[^']*'|\"[^\"]*\"|torch\.\w+|\b(inputs|id|dim|layers|branches|repeat|merge|"
        r"relu|add|mul|concat|cat|sequential|residual|parallel|conv2d|flatten)\b"
    )
    for text in texts:
        assert not ENGLISH.search(re.sub(names, "", text)), text


# ---------- graphs run in torch (tests/torch/test_graph_edges_torch.py), written as text ----------

GRAPHS: dict[str, tuple[list[int], list[Layer]]] = {
    "squeeze_excitation": (
        [8, 6, 6],
        [
            conv(8, padding=1, id="c"),
            pool(1),
            conv(2, 1),
            {"type": "relu"},
            conv(8, 1),
            {"type": "sigmoid", "id": "g"},
            {"type": "mul", "inputs": ["c", "g"]},
        ],
    ),
    "inception": (
        [3, 9, 9],
        [
            {
                "type": "parallel",
                "id": "mix",
                "branches": [
                    [conv(4, 1)],
                    [conv(5, 3, padding=1)],
                    [{"type": "maxpool2d", "kernel_size": 3, "stride": 1, "padding": 1}],
                ],
            },
            conv(2, 1),
        ],
    ),
    "residual_repeated": (
        [4, 8, 8],
        [
            {
                "type": "sequential",
                "repeat": 2,
                "id": "layer1",
                "layers": [
                    {
                        "type": "residual",
                        "layers": [
                            conv(6, padding=1, bias=False),
                            {"type": "batchnorm2d"},
                            {"type": "relu"},
                            conv(6, padding=1),
                        ],
                        "shortcut": [conv(6, 1)],
                    },
                    {"type": "relu"},
                ],
            }
        ],
    ),
    "concat_every_dim": (
        [3, 8, 8],
        [
            {"type": "concat", "dim": -1, "inputs": ["input", "input"], "id": "w"},
            {"type": "cat", "dim": 2, "inputs": ["w", "w"], "id": "h"},
            {"type": "concat", "dim": -3, "inputs": ["h", "h", "h"]},
            conv(1, 1),
        ],
    ),
    "broadcast_five": (
        [3, 8, 8],
        [
            conv(1, 1, id="one"),
            pool(1, id="p111"),
            pool(1, id="pc11", inputs=["input"]),
            {"type": "adaptivemaxpool2d", "output_size": [1, 8], "inputs": ["input"], "id": "pc1w"},
            {"type": "add", "inputs": ["p111", "pc11", "input", "pc1w", "one"]},
            {"type": "mul", "inputs": ["pc11", "p111"], "id": "m"},
            {"type": "mul", "inputs": ["m", "4"]},
        ],
    ),
    "dotted_references": (
        [4, 8, 8],
        [
            conv(4, padding=1, id="stem"),
            {
                "type": "sequential",
                "repeat": 2,
                "id": "layer1",
                "layers": [
                    conv(4, padding=1, id="conv1"),
                    {"type": "add", "inputs": ["conv1", "stem"], "id": "sum"},
                    {"type": "relu"},
                ],
            },
            {"type": "add", "inputs": ["layer1.0.conv1", "layer1.1.sum", "stem", "layer1"]},
            {"type": "mul", "inputs": ["input", "input"], "id": "sq"},
            {"type": "concat", "inputs": ["sq", "2"]},
        ],
    ),
    "parallel_add": (
        [3, 7, 7],
        [
            {
                "type": "parallel",
                "merge": "add",
                "branches": [
                    [conv(5, 1)],
                    [conv(5, 3, padding=1), {"type": "relu"}],
                    [conv(5, 3, padding=2, dilation=2)],
                ],
            }
        ],
    ),
    "one_d": (
        [4, 16],
        [
            {"type": "conv1d", "out_channels": 4, "kernel_size": 3, "id": "a"},
            {"type": "concat", "dim": -1, "inputs": ["a", "input"]},
            {
                "type": "residual",
                "layers": [{"type": "conv1d", "out_channels": 4, "kernel_size": 3, "padding": 1}],
            },
        ],
    ),
    "vectors": (
        [12],
        [
            {"type": "linear", "out_features": 6, "id": "a"},
            {"type": "linear", "out_features": 6, "inputs": ["input"], "id": "b"},
            {"type": "concat", "inputs": ["a", "b", "a"]},
            {"type": "linear", "out_features": 1},
            {"type": "mul", "inputs": ["3", "a"]},
        ],
    ),
}


@pytest.mark.parametrize("name", GRAPHS)
def test_a_graph_written_as_text_and_read_back_is_the_same_network(
    client: TestClient, name: str
) -> None:
    shape, layers = GRAPHS[name]
    as_json = ok(client, layers, shape)
    text = to_text(parse_layers(layers))
    as_text = ok(client, text, shape)

    def wiring(data: dict[str, Any]) -> list[tuple[Any, ...]]:
        kinds = {"cat": "concat"}  # the text writes the alias under its name
        return [
            (
                x["id"],
                x["inputs"],
                kinds.get(x["type"], x["type"]),
                x["output_shape"],
                x["params"],
                x["macs"],
            )
            for x in data["layers"]
        ]

    assert wiring(as_text) == wiring(as_json)
    assert to_text(parse_layers(text)) == text


# ---------- the warning of a merge whose field depends on position ----------


def test_a_spatial_broadcast_warns_that_a_unit_is_repeated_not_put_side_by_side(
    client: TestClient,
) -> None:
    layers = [
        pool([1, 8], id="row"),
        {"type": "add", "inputs": ["row", "input"], "id": "spread"},
        {"type": "concat", "dim": 2, "inputs": ["spread", "input"], "id": "tall"},
    ]
    en = ok(client, layers, [3, 6, 8])
    fr = ok(client, layers, [3, 6, 8], lang="fr")
    assert [(w["code"], w["params"]["id"]) for w in en["warnings"]] == [
        ("receptive_field_not_aligned", "spread"),
        ("receptive_field_not_aligned", "tall"),
    ]
    spread, tall = (w["message"] for w in en["warnings"])
    assert spread.startswith("add spread: a size 1 of an input is repeated along H")
    assert "side by side" not in spread
    assert tall.startswith("concat tall: it puts units side by side along H")
    spread_fr, tall_fr = (w["message"] for w in fr["warnings"])
    assert spread_fr.startswith("add spread : une taille 1 d'une entrée est répétée selon H")
    assert tall_fr.startswith("concat tall : elle met des unités côte à côte selon H")
