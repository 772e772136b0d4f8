"""``POST /v1/check`` on a graph: answers by id or index, the branching mistakes, a wrong id."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.core.test_grading_graphs import INPUT, NET


def test_check_grades_a_graph_over_http(client: TestClient) -> None:
    body = {
        "input_shape": INPUT,
        "layers": NET,
        "lang": "fr",
        "answers": [
            {"layer": "block.shortcut.0", "params": 32},
            {"layer": 9, "output_shape": "6x4x4"},
        ],
        "total_params": "685",
    }
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["score"] == {"correct": 1, "total": 3}
    marks = [(x["layer"], x["id"], x["field"], x["mistake"]) for x in data["results"]]
    assert marks == [
        (3, "block.shortcut.0", "params", None),
        (9, "mix", "output_shape", "concat_not_summed"),
        (None, None, "total_params", "shortcut_forgotten"),
    ]
    assert data["results"][1]["note"].startswith("Les tailles selon C")


def test_check_unknown_id_is_a_422_at_the_answer(client: TestClient) -> None:
    body = {"input_shape": INPUT, "layers": NET, "answers": [{"layer": "nope", "params": 0}]}
    r = client.post("/v1/check", json=body)
    assert r.status_code == 422, r.text
    (error,) = r.json()["errors"]
    assert error["loc"] == ["body", "answers", 0, "layer"]
    assert error["type"] == "unknown_input"
    assert "'nope'" in error["msg"]
