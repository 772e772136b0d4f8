"""``create_app(settings)``: the FastAPI application, wired from its parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import TypeAdapter

from app import __version__
from app.api.docs import TAGS, add_examples, api_examples, install_docs
from app.api.middleware import install_middleware
from app.api.problems import Problem, install_problem_handlers
from app.api.routes import router
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


def openapi_with_problem(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the ``Problem`` schema and the recorded examples.

    ``PROBLEM_RESPONSES`` documents errors as ``application/problem+json`` holding
    ``#/components/schemas/Problem``; FastAPI adds a model to the components only for the
    route's own media type, so the schema is added here. The examples are real exchanges
    with the app (``app.api.docs.add_examples``).
    """
    if app.openapi_schema is not None:
        return app.openapi_schema
    schema = FastAPI.openapi(app)  # kept as app.openapi_schema, with what is added below
    problem = TypeAdapter(Problem).json_schema(ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(problem.pop("$defs", {}))
    components["Problem"] = problem
    add_examples(schema, api_examples())
    return schema


def create_app(settings: Settings | None = None) -> FastAPI:
    """The service, with ``settings`` (from the environment when not given)."""
    settings = settings or Settings.from_env()
    app = FastAPI(
        title="cnncalc",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
        lifespan=verify_lifespan,
    )
    app.state.settings = settings
    app.state.limits = settings.limits
    app.state.verify_pool = VerifyPool.from_settings(settings)
    app.state.work = WorkPool(
        settings.max_concurrent_work, settings.work_timeout_s, settings.inline_work_us
    )
    install_problem_handlers(app)
    install_middleware(app, settings)
    app.include_router(router)
    app.include_router(teaching_router)
    install_docs(app)
    app.mount("/static", StaticFiles(directory=WEB, check_dir=False), name="static")

    @app.get("/", include_in_schema=False)
    async def index() -> FileResponse:
        return FileResponse(WEB / "index.html", media_type="text/html")

    app.openapi = lambda: openapi_with_problem(app)  # type: ignore[method-assign]
    return app
