"""Swagger UI and ReDoc served from this machine: no CDN, and no inline script.

FastAPI's default pages load their assets from a CDN and start Swagger UI with an inline
script, which a strict Content-Security-Policy forbids and an offline machine cannot load.
The assets come from the ``fastapi-offline`` package; the start-up script is a file of ours.
Two remote loads the bundles would still make are removed: Swagger UI's validator badge
(an image from ``validator.swagger.io``, off with ``validatorUrl: null``) and ReDoc's
"API docs by Redocly" logo (``cdn.redoc.ly``, an image the bundle always shows and no
option hides): ``/docs-assets/redoc.standalone.js`` is the package's bundle with that
address replaced by ``data:,``, which fails to load as an image, so ReDoc hides it.
"""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/docs-assets"

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
