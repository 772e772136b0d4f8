"""With ``"lang": "fr"``, every refusal is said in French: title, detail and each message."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

ENGLISH = ("Input", "should", "layer ", "expected", "Invalid", "the ", "is ", "limit", "must")
"""Words of the English messages that no French message holds (matched as whole words)."""

CONV = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}

REFUSALS: dict[str, tuple[str, dict[str, Any]]] = {
    "unknown type": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": [{"type": "foo"}]}),
    "unknown field": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{**CONV, "bogus": 1}]},
    ),
    "unknown body field": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": [], "x": 1}),
    "wrong int": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{**CONV, "kernel_size": "three"}]},
    ),
    "wrong padding word": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{**CONV, "padding": "full"}]},
    ),
    "wrong bool": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": [], "strict": "yes"}),
    "missing field": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "kernel_size": 3}]},
    ),
    "kernel too large": ("/v1/analyze", {"input_shape": [1, 2, 2], "layers": [CONV]}),
    "wrong rank": ("/v1/analyze", {"input_shape": [3, 8], "layers": [CONV]}),
    "notation syntax": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": "Conv(K=5,, P=2)"}),
    "notation unknown layer": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": "Foo(2)"}),
    "notation limit": ("/v1/analyze", {"input_shape": [1, 8, 8], "layers": "10000 x ReLU"}),
    "too many layers": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{"type": "relu"}] * 5000},
    ),
    "limit exceeded": ("/v1/analyze", {"input_shape": [1, 10**9, 2], "layers": [CONV]}),
    "input rank": ("/v1/analyze", {"input_shape": [1, 2, 3, 4, 5], "layers": []}),
    "strict division": (
        "/v1/analyze",
        {"input_shape": [1, 8, 8], "layers": [{**CONV, "stride": 2}], "strict": True},
    ),
    "check answer index": (
        "/v1/check",
        {"input_shape": [1, 8, 8], "layers": [CONV], "answers": [{"layer": 9, "params": 1}]},
    ),
    "check stack": ("/v1/check", {"input_shape": [1, 2, 2], "layers": [CONV], "answers": []}),
    "solve impossible sizes": (
        "/v1/solve",
        {"layer": "conv", "input_size": 4, "output_size": 100, "kernel_size": 0},
    ),
    "solve bounds": (
        "/v1/solve",
        {
            "layer": "conv",
            "input_size": 500,
            "output_size": 3,
            "max_kernel": 500,
            "max_stride": 500,
            "max_dilation": 100,
        },
    ),
    "export": ("/v1/export/pytorch", {"input_shape": [3, 8], "layers": [CONV]}),
}


def english_words(problem: dict[str, Any]) -> list[str]:
    """The English words found in the problem's title, detail and messages."""
    texts = [problem["title"], problem["detail"], *(e["msg"] for e in problem["errors"])]
    return [
        f"{word!r} in {text!r}"
        for text in texts
        for word in ENGLISH
        if re.search(rf"(?<![\w.]){re.escape(word)}(?!\w)", text)
    ]


@pytest.mark.parametrize(("path", "body"), REFUSALS.values(), ids=list(REFUSALS))
def test_refusals_in_french_hold_no_english(
    client: TestClient, path: str, body: dict[str, Any]
) -> None:
    response = client.post(path, json={**body, "lang": "fr"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"], problem
    assert english_words(problem) == []
    english = client.post(path, json=body).json()
    assert english_words(english), english  # the same refusal in English does say them
    assert [e["loc"] for e in english["errors"]] == [e["loc"] for e in problem["errors"]]
    assert [e["type"] for e in english["errors"]] == [e["type"] for e in problem["errors"]]


def test_a_duplicate_key_is_refused_in_the_body_language(client: TestClient) -> None:
    raw = '{"input_shape": [1, 8, 8], "layers": [], "lang": "fr", "lang": "fr"}'
    response = client.post("/v1/analyze", content=raw, headers={"content-type": "application/json"})
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["title"] == "Requête invalide"
    assert problem["detail"] == "lang : la clé 'lang' apparaît deux fois dans le même objet JSON"
    assert problem["errors"][0]["type"] == "duplicate_key"


def test_broken_json_and_media_type_follow_accept_language(client: TestClient) -> None:
    french = {"accept-language": "fr-FR,fr;q=0.9,en;q=0.5"}
    broken = client.post(
        "/v1/analyze", content=b"{", headers={**french, "content-type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"] == (
        "corps de la requête : JSON invalide : un nom de propriété entre guillemets doubles "
        "était attendu à la ligne 1, colonne 2"
    )
    english = client.post("/v1/analyze", content=b"{", headers={"content-type": "application/json"})
    assert english.json()["detail"] == (
        "body: invalid JSON: Expecting property name enclosed in double quotes at line 1 column 2"
    )
    text = client.post(
        "/v1/analyze", content=b"x", headers={**french, "content-type": "text/plain"}
    )
    assert text.status_code == 415
    assert text.json()["title"] == "Type de contenu non pris en charge"
    assert text.json()["detail"] == "envoyez le corps en application/json"
    missing = client.get("/v1/nothing", headers=french)
    assert (missing.status_code, missing.json()["title"]) == (404, "Introuvable")


def test_an_oversized_body_is_refused_in_french(client_factory: Any) -> None:
    client = client_factory(max_body_bytes=100)
    body = json.dumps({"input_shape": [1, 8, 8], "layers": [CONV] * 10, "lang": "fr"})
    response = client.post(
        "/v1/analyze",
        content=body,
        headers={"content-type": "application/json", "accept-language": "fr"},
    )
    assert response.status_code == 413
    assert response.json()["title"] == "Corps de requête trop grand"
    assert response.json()["detail"] == "le corps de la requête dépasse la limite de 100 octets"


def test_the_body_lang_wins_over_accept_language(client: TestClient) -> None:
    body = {"input_shape": [1, 2, 2], "layers": [CONV], "lang": "en"}
    response = client.post("/v1/analyze", json=body, headers={"accept-language": "fr"})
    assert response.json()["title"] == "Invalid layer stack"
