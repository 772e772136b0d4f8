"""Swagger UI and ReDoc served from this machine: no CDN, and no inline script.

FastAPI's default pages load their assets from a CDN and start Swagger UI with an inline
script, which a strict Content-Security-Policy forbids and an offline machine cannot load.
The assets come from the ``fastapi-offline`` package; the start-up script is a file of ours.
Two remote loads the bundles would still make are removed: Swagger UI's validator badge
(an image from ``validator.swagger.io``, off with ``validatorUrl: null``) and ReDoc's
"API docs by Redocly" logo (``cdn.redoc.ly``, an image the bundle always shows and no
option hides): ``/docs-assets/redoc.standalone.js`` is the package's bundle with that
address replaced by ``data:,``, which fails to load as an image, so ReDoc hides it.

The document's tags (``TAGS``) group the operations, and its response examples are real
answers: ``app/data/api_examples.json`` holds requests with the app's answers to them,
recorded by ``python -m scripts.write_api_examples`` (``make openapi``) and replayed by
``tests/api/test_api_examples.py``, so an example that no longer matches the app fails.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"

API_EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "api_examples.json"
"""Recorded exchanges: ``[{"name", "summary", "method", "path", "status", "media_type",
"request", "response", "excerpt"}]``; ``excerpt``: the response is a part of the answer."""

TAGS: list[dict[str, str]] = [
    {
        "name": "analysis",
        "description": "The calculator: each layer's output shape, weight and bias shapes, "
        "parameters, receptive field, MACs and bytes, exactly as PyTorch builds the stack. "
        'With `"verify": true` the server also runs the stack in PyTorch, when it has torch '
        '(`GET /healthz` says so), and compares every field; with `"explain": true` each '
        "layer carries its worked formulas. `GET /v1/layers` lists the layer kinds.",
    },
    {
        "name": "teaching",
        "description": "For the course: a student's answers graded with the worked formulas "
        "and the classic mistakes named, and the K, S, P, D that take one size to another.",
    },
    {
        "name": "PyTorch",
        "description": "The stack as runnable PyTorch code: an `nn.Sequential` for a chain, an "
        "`nn.Module` with its `forward` for a graph, whose parameter count is the analysis's.",
    },
    {
        "name": "examples",
        "description": "Ready-made request bodies, the course's networks and torchvision's, "
        "to send to `POST /v1/analyze` as they are.",
    },
    {
        "name": "service",
        "description": "For operators and load balancers: liveness, versions, and whether "
        "the torch check can run here.",
    },
]
"""The groups of Swagger UI and ReDoc, in this order; every operation names one."""

REDOC_REMOTE_LOGO = b"https://cdn.redoc.ly/redoc/logo-mini.svg"
"""The one address ReDoc's bundle loads by itself (``<img src>`` in its sidebar's footer)."""

SWAGGER_HTML = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cnncalc – Swagger UI</title>
<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{ASSETS_URL}/swagger-ui-bundle.js"></script>
<script src="{ASSETS_URL}/swagger-init.js"></script>
</body>
</html>
"""

SWAGGER_INIT = """window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  tryItOutEnabled: true,
  validatorUrl: null,
  displayRequestDuration: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
"""

REDOC_HTML = f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>cnncalc – ReDoc</title>
<link rel="icon" href="{ASSETS_URL}/favicon.png">
</head>
<body>
<redoc spec-url="/openapi.json"></redoc>
<script src="{ASSETS_URL}/redoc.standalone.js"></script>
</body>
</html>
"""


def redoc_bundle() -> bytes:
    """ReDoc's standalone bundle with its remote logo replaced by ``data:,`` (no request)."""
    return (ASSETS / "redoc.standalone.js").read_bytes().replace(REDOC_REMOTE_LOGO, b"data:,")


def install_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc``, with their assets under ``/docs-assets``."""
    redoc_js = redoc_bundle()

    @app.get(f"{ASSETS_URL}/redoc.standalone.js", include_in_schema=False)
    async def redoc_standalone() -> Response:
        return Response(redoc_js, media_type="text/javascript")

    @app.get(f"{ASSETS_URL}/swagger-init.js", include_in_schema=False)
    async def swagger_init() -> Response:
        return Response(SWAGGER_INIT, media_type="text/javascript")

    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return HTMLResponse(SWAGGER_HTML)

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return HTMLResponse(REDOC_HTML)


@cache
def api_examples() -> list[dict[str, Any]]:
    """The recorded exchanges of ``API_EXAMPLES``."""
    examples: list[dict[str, Any]] = json.loads(API_EXAMPLES.read_text(encoding="utf-8"))
    return examples


def add_examples(schema: dict[str, Any], examples: list[dict[str, Any]]) -> None:
    """Put each recorded exchange in ``schema``: its request and its answer, under one name.

    The answer goes to the operation's response for its status and media type (replacing a
    hand-written ``example``); the request, if any, joins the request body's examples, so
    that "Try it out" with it gives that answer.
    """
    for ex in examples:
        operation = schema["paths"][ex["path"]][ex["method"].lower()]
        response = operation["responses"][str(ex["status"])]
        media = response.setdefault("content", {}).setdefault(ex["media_type"], {})
        media.pop("example", None)
        answer = "An excerpt of the answer" if ex["excerpt"] else "The answer"
        sent = f" to the request example `{ex['name']}`" if ex["request"] is not None else ""
        media.setdefault("examples", {})[ex["name"]] = {
            "summary": ex["summary"],
            "description": f"{answer}{sent}, as this version of the service gives it.",
            "value": ex["response"],
        }
        if ex["request"] is not None:
            body = operation["requestBody"]["content"]["application/json"]
            body.setdefault("examples", {})[ex["name"]] = {
                "summary": ex["summary"],
                "value": ex["request"],
            }
