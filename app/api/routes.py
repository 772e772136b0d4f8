"""Thin handlers: parse, call the core, serialise.

``POST /v1/analyze`` reads the raw body and validates it once with a pre-built
``TypeAdapter`` (``validate_json``: no ``json.loads`` then a second walk), and answers with
bytes serialised by another pre-built adapter; the core costs microseconds, so this is where
a request's time goes. It is a ``RawRoute``: FastAPI documents it from its declaration,
but calls it with the ``Request`` and sends the ``Response`` it returns, with no dependency
resolution in between, which costs more than analysing a small stack. Its request schema is
declared through ``openapi_extra`` (see ``app.api.app.custom_openapi``).
"""

from __future__ import annotations

import logging
import platform
from collections.abc import Callable, Coroutine
from dataclasses import fields, replace
from functools import cache, partial
from importlib.metadata import PackageNotFoundError, version
from typing import Any, cast

from fastapi import APIRouter, Request, Response
from fastapi.routing import APIRoute
from pydantic import ValidationError

from app import __version__
from app.api.cache import ResponseCache
from app.api.json_body import json_body
from app.api.problems import PROBLEM_RESPONSES, validation_entries, validation_problem
from app.api.schemas import (
    ANALYZE_REQUEST,
    ANALYZE_RESPONSE,
    AnalyzeRequest,
    AnalyzeResponse,
    Health,
    Lang,
)
from app.api.work import WorkPool
from app.core import Analysis, CnnCalcError, LayerSpec, Limits, catalogue
from app.settings import Settings
from app.verify import INSTALL_HINT, Verification, VerificationStatus, torch_available
from app.verify.pool import VerifyPool


class RawRoute(APIRoute):
    """A route whose endpoint takes the ``Request`` and returns the ``Response`` itself.

    FastAPI builds its OpenAPI entry from the declaration as usual; at run time the endpoint
    is called directly (FastAPI's documented ``get_route_handler`` hook), so no dependency is
    resolved and no return value serialised on the way.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """The endpoint itself."""
        return cast("Callable[[Request], Coroutine[Any, Any, Response]]", self.endpoint)


router = APIRouter()
raw_router = APIRouter(route_class=RawRoute)
"""Routes whose endpoints read the request and build the response themselves."""
ANALYSIS_FIELDS = tuple(f.name for f in fields(Analysis))
log = logging.getLogger("cnncalc")


JSON_BODY = ("application/json",)


def json_body_schema(name: str, examples: dict[str, Any] | None = None) -> dict[str, Any]:
    """``openapi_extra`` declaring a JSON request body of the component ``name``."""
    content: dict[str, Any] = {"schema": {"$ref": f"#/components/schemas/{name}"}}
    if examples:
        content["examples"] = examples
    return {"requestBody": {"required": True, "content": {"application/json": content}}}


@cache
def _example_bodies() -> dict[str, Any]:
    from app.core.examples import EXAMPLES

    swagger = ("lenet5_course", "course_32x32", "text_cnn_1d", "video_cnn_3d", "vgg16")
    return {
        name: {
            "summary": EXAMPLES[name]["title"],
            "value": {
                "input_shape": EXAMPLES[name]["input_shape"],
                "layers": EXAMPLES[name]["layers"],
            },
        }
        for name in swagger
        if name in EXAMPLES
    }


@raw_router.post(
    "/v1/analyze",
    response_model=AnalyzeResponse,
    responses=PROBLEM_RESPONSES,
    summary="Shapes, weights, parameters, receptive field and cost of every layer",
    openapi_extra=json_body_schema("AnalyzeRequest", _example_bodies()),
)
async def analyze_stack(request: Request) -> Response:
    """Analyse a stack; with ``verify``, also run it in PyTorch and compare."""
    raw = await json_body(request)
    if isinstance(raw, Response):
        return raw
    cache: ResponseCache = request.app.state.analyze_cache
    if (kept := cache.get(raw)) is not None:
        return Response(kept, media_type="application/json")
    work: WorkPool = request.app.state.work
    outcome = await work.run(partial(_analyze_body, raw, request.app.state.limits))
    if isinstance(outcome, Response):
        if outcome.status_code == 200:
            cache.put(raw, bytes(outcome.body))
        return outcome
    req, specs, analysis = outcome
    verification = await _verify(request, request.app.state.settings, req, specs, analysis)
    return await work.run(partial(_answer, analysis, verification))


def _analyze_body(
    raw: bytes, limits: Limits
) -> Response | tuple[AnalyzeRequest, list[LayerSpec], Analysis]:
    """The answer to ``raw``, or what the torch check needs when it asks for one."""
    try:
        req = ANALYZE_REQUEST.validate_json(raw)
    except ValidationError as error:
        return validation_problem(validation_entries(error.errors(), ("body",)))
    try:
        specs = req.specs(limits)
        analysis = req.analyze(specs, limits)
    except ValidationError as error:
        return validation_problem(validation_entries(error.errors(), ("body", "layers")))
    except CnnCalcError as error:  # a rejected stack or a typo in its text
        if req.lang == Lang.EN:
            raise
        from app.api.teaching import localized_problem  # the message in the request's lang

        return localized_problem(error, req.lang)
    if req.explain or req.lang != "en":
        analysis = _teach(analysis, specs, req)
    if req.verify:
        return req, specs, analysis
    return _answer(analysis, None)


def _answer(analysis: Analysis, verification: Verification | None) -> Response:
    """The analysis (and the torch check's verdict) as the JSON answer."""
    body = AnalyzeResponse(
        **{name: getattr(analysis, name) for name in ANALYSIS_FIELDS}, verification=verification
    )
    return Response(ANALYZE_RESPONSE.dump_json(body, by_alias=True), media_type="application/json")


def _teach(analysis: Analysis, specs: list[LayerSpec], req: AnalyzeRequest) -> Analysis:
    """Worked formulas and translated warnings (the ``explain`` module)."""
    from app.core import explain  # type: ignore[attr-defined,unused-ignore]

    if req.explain:
        analysis = explain.explain_analysis(analysis, specs, req.lang)
    if req.lang == Lang.EN:
        return analysis
    layers = [
        replace(r, warnings=[explain.translate_warning(w, req.lang) for w in r.warnings])
        for r in analysis.layers
    ]
    return replace(analysis, layers=layers, warnings=[w for r in layers for w in r.warnings])


async def _verify(
    request: Request,
    settings: Settings,
    req: AnalyzeRequest,
    specs: list[LayerSpec],
    analysis: Analysis,
) -> Verification:
    """The torch check in a worker process (``app.verify.pool``), bounded before it starts."""
    if not torch_available():
        return Verification(
            VerificationStatus.UNAVAILABLE, reason=f"torch is not installed: {INSTALL_HINT}"
        )
    pool: VerifyPool = request.app.state.verify_pool
    return await pool.check(
        req.input_shape,
        specs,
        analysis,
        batch_size=req.batch_size,
        max_elements=settings.max_verify_elements,
        max_work=settings.max_verify_work,
    )


@router.get(
    "/v1/layers", summary="The catalogue of layer kinds: fields, defaults, aliases, formulas"
)
async def layers() -> list[dict[str, Any]]:
    """Every layer kind, generated from the core's registry."""
    return catalogue()


@router.get("/v1/examples", summary="Built-in example stacks (the course's LeNet-5, VGG-16, …)")
async def examples() -> dict[str, Any]:
    """Named request bodies ready to send to ``POST /v1/analyze``."""
    from app.core.examples import EXAMPLES

    return EXAMPLES


@cache
def _health() -> Health:
    try:
        torch_version: str | None = version("torch")
    except PackageNotFoundError:
        torch_version = None
    return Health("ok", __version__, platform.python_version(), torch_version)


@router.get("/healthz", summary="Liveness, with versions")
async def healthz() -> Health:
    """``{"status": "ok"}`` and the versions in use."""
    return _health()
