"""In French, the API says the torch check's reasons in French and groups formulas' numbers.

The student reads that the server cannot check with PyTorch, never how to install it (that
is in docs/verify.md, for the administrator).
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api import routes
from app.core.examples import EXAMPLES
from app.core.messages import CATALOGUES
from app.verify import in_lang, unavailable

NNBSP = "\u202f"


def body(name: str, **extra: Any) -> dict[str, Any]:
    example = EXAMPLES[name]
    return {"input_shape": example["input_shape"], "layers": example["layers"], **extra}


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        ("fr", "le serveur ne peut pas vérifier avec PyTorch : il n'y est pas installé"),
        ("en", "the server cannot check with PyTorch: it is not installed there"),
    ],
)
def test_verify_without_torch_tells_the_student(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, lang: str, reason: str
) -> None:
    monkeypatch.setattr(routes, "torch_available", lambda: False)
    r = client.post("/v1/analyze", json=body("course_7x7", verify=True, lang=lang))
    assert r.status_code == 200, r.text
    v = r.json()["verification"]
    assert v["status"] == "unavailable"
    assert v["reason"] == reason
    assert "pip" not in v["reason"]
    assert "torch==" not in v["reason"]


def test_every_reason_of_the_torch_check_is_said_in_both_languages() -> None:
    codes = [code for code in CATALOGUES["en"] if code.startswith("verify_")]
    assert len(codes) >= 10
    for code in codes:
        for lang in ("en", "fr"):
            assert "pip install" not in CATALOGUES[lang][code]
    timeout = unavailable("verify_timeout", seconds=2.0)
    assert timeout.reason == "the torch check took over 2.0 s; its worker process was stopped"
    assert timeout.reason_code == "verify_timeout"
    assert in_lang(timeout, "fr").reason == (
        "la vérification par PyTorch a pris plus de 2 s ; son processus a été arrêté"
    )
    assert in_lang(timeout, "en") == timeout
    too_large = in_lang(unavailable("verify_too_large", elements=1024, limit=1000), "fr")
    assert too_large.reason == (
        "un tenseur de 1\u202f024 éléments (tout le batch) dépasse la limite de 1\u202f000 de la "
        "vérification par PyTorch (max_verify_elements)"
    )


def test_a_french_formula_groups_its_thousands(client: TestClient) -> None:
    """LeNet-5's Linear(2450 -> 500) has 500 × (2450 + 1) = 1 225 500 parameters."""
    r = client.post("/v1/analyze", json=body("lenet5_course", explain=True, lang="fr"))
    assert r.status_code == 200, r.text
    layer = r.json()["layers"][7]
    assert layer["params"] == 1_225_500
    formulas = [s["formula"] for s in layer["explanation"]]
    assert f"out × (in + 1) = 500 × (2{NNBSP}450 + 1) = 1{NNBSP}225{NNBSP}500" in formulas
    r = client.post("/v1/analyze", json=body("lenet5_course", explain=True))
    formulas = [s["formula"] for s in r.json()["layers"][7]["explanation"]]
    assert "out × (in + 1) = 500 × (2,450 + 1) = 1,225,500" in formulas
