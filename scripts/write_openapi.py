"""Write the app's OpenAPI document to openapi/openapi.json (``make openapi``)."""

from __future__ import annotations

import json
from pathlib import Path

from app.api.app import create_app
from app.settings import Settings

TARGET = Path(__file__).resolve().parent.parent / "openapi" / "openapi.json"


def render() -> str:
    """The document as committed: two-space indent, final newline."""
    return json.dumps(create_app(Settings()).openapi(), indent=2) + "\n"


if __name__ == "__main__":
    TARGET.write_text(render(), encoding="utf-8")
    print(f"wrote {TARGET}")
