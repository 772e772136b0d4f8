"""The course's receptive field and the general rule through the API, in English and French.

LeNet-5 as in the course, by hand: the second convolution (layer 3) sees 6 + (5 − 1) × 2 = 14
pixels; the course's 1 + L × (K − 1) over the two convolutions gives 1 + 2 × 4 = 9, over every
window with the strides taken as 1, 1 + 4 + 1 + 4 = 10.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient


def lenet(client: TestClient) -> dict[str, Any]:
    r = client.get("/v1/examples")
    assert r.status_code == 200, r.text
    example: dict[str, Any] = r.json()["lenet5_course"]
    return {"input_shape": example["input_shape"], "layers": example["layers"]}


@pytest.mark.parametrize(
    ("lang", "note", "names_pooling"),
    [
        ("en", "The pooling layers are ignored", "layer 2 (maxpool2d) has stride S = 2"),
        ("fr", "Les couches de pooling sont ignorées", "la couche 2 (maxpool2d) a un pas S = 2"),
    ],
)
def test_lenet_layer_3_answered_9_names_the_pooling_mistake(
    client: TestClient, lang: str, note: str, names_pooling: str
) -> None:
    body = {**lenet(client), "lang": lang, "answers": [{"layer": 3, "receptive_field": 9}]}
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    data = r.json()
    assert data["score"] == {"correct": 0, "total": 1}
    (result,) = data["results"]
    assert (result["given"], result["expected"], result["mistake"]) == (9, 14, "ignored_pooling")
    assert result["note"].startswith(note)
    formulas = [step["formula"] for step in result["explanation"]]
    assert formulas == [
        "1 + (K_1 − 1) + … + (K_L − 1) = 1 + (5 − 1) + (2 − 1) + (5 − 1) = 10",
        "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9",
        "r' = r + (K_eff − 1) × j = 6 + 4 × 2 = 14",
        "j' = j × S = 2 × 1 = 2",
    ]
    assert names_pooling in result["explanation"][0]["text"]


def test_lenet_layer_3_answered_10_used_the_course_formula_past_a_stride(
    client: TestClient,
) -> None:
    body = {**lenet(client), "lang": "fr", "answers": [{"layer": 3, "receptive_field": "10x10"}]}
    r = client.post("/v1/check", json=body)
    assert r.status_code == 200, r.text
    (result,) = r.json()["results"]
    assert result["mistake"] == "ignored_stride"
    assert result["note"].startswith("La formule du cours est utilisée après un pas")


@pytest.mark.parametrize(
    ("lang", "stops", "agrees"),
    [
        ("en", "the course's formula gives 10; the general rule gives 14", "It agrees"),
        ("fr", "la formule du cours donne 10 ; la règle générale donne 14", "Elle concorde"),
    ],
)
def test_analyze_explains_both_values(
    client: TestClient, lang: str, stops: str, agrees: str
) -> None:
    body = {**lenet(client), "lang": lang, "explain": True}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    layers = r.json()["layers"]
    first = [s["text"] for s in layers[0]["explanation"]]
    assert any(agrees in text for text in first)
    second = layers[3]["explanation"]
    assert any(stops in s["text"] and "(maxpool2d)" in s["text"] for s in second)
    assert "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9" in [s["formula"] for s in second]
