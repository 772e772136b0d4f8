"""``create_app(settings)``: the FastAPI application, wired from its parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter

from app import __version__
from app.api.cache import ResponseCache
from app.api.docs import install_docs
from app.api.middleware import install_middleware
from app.api.problems import Problem, install_problem_handlers
from app.api.routes import raw_router, router
from app.api.schemas import AnalyzeRequest
from app.api.teaching import router as teaching_router
from app.api.work import WorkPool
from app.settings import Settings
from app.verify.pool import VerifyPool
from app.verify.pool import lifespan as verify_lifespan

WEB = Path(__file__).resolve().parent.parent / "web"

DESCRIPTION = """\
For a stack of CNN layers: every layer's output shape, weight-tensor shape, parameter count,
receptive field and cost, exactly as PyTorch builds and runs it.

Shapes exclude the batch. MACs are multiply-accumulates (bias excluded) for the whole batch.
Errors are `application/problem+json` (RFC 9457) whose `errors[].loc` names the layer and field.
"""

RAW_BODY_MODELS: dict[str, type[Any]] = {"AnalyzeRequest": AnalyzeRequest, "Problem": Problem}
"""Models the generated document must hold though no route names them as a model: bodies
read raw, and the problem details documented as ``application/problem+json``."""


def custom_openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, plus the schemas of bodies declared through ``openapi_extra``."""
    if app.openapi_schema:
        return app.openapi_schema
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, model in RAW_BODY_MODELS.items():
        body = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
        for def_name, definition in body.pop("$defs", {}).items():
            components.setdefault(def_name, definition)
        components[name] = body
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, with ``settings`` (from the environment when not given)."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="cnncalc",
        version=__version__,
        description=DESCRIPTION,
        docs_url=None,
        redoc_url=None,
        lifespan=verify_lifespan,
    )
    app.state.settings = settings
    app.state.limits = settings.limits
    app.state.verify_pool = VerifyPool.from_settings(settings)
    app.state.analyze_cache = ResponseCache()
    app.state.work = WorkPool(settings.max_concurrent_work, settings.work_timeout_s)
    install_problem_handlers(app)
    install_middleware(app, settings)
    app.include_router(raw_router)
    app.include_router(router)
    app.include_router(teaching_router)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=WEB, check_dir=False), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.openapi = lambda: custom_openapi(app)  # type: ignore[method-assign]
    return app
