"""The committed schema is the app's schema (`make openapi` rewrites it)."""

from __future__ import annotations

import json
from pathlib import Path

from scripts.write_openapi import TARGET, render


def test_committed_openapi_matches_the_app() -> None:
    assert TARGET.exists(), "run `make openapi`"
    committed = json.loads(Path(TARGET).read_text(encoding="utf-8"))
    assert committed == json.loads(render()), "the schema drifted: run `make openapi`"


def test_analyze_documents_its_body_and_problems() -> None:
    schema = json.loads(render())
    op = schema["paths"]["/v1/analyze"]["post"]
    body = op["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/AnalyzeRequest"}
    assert "AnalyzeRequest" in schema["components"]["schemas"]
    assert {"200", "413", "415", "422"} <= set(op["responses"])
