"""Thin handlers: the stack's analysis, the catalogue, the examples and the health check.

``POST /v1/analyze`` is an ordinary FastAPI route declared with its body model, so OpenAPI
documents it from the declaration. Its body is checked and parsed once (``JsonBodyRoute``),
then validated by FastAPI on the event loop; the analysis, the explanations and the
serialisation run in the ``WorkPool``: at once on the loop when their estimated cost is
under ``Settings.inline_work_us`` (``estimated_us``: a dozen layers without explanations),
in a worker thread otherwise. The handler returns the serialised bytes.

FastAPI's validation runs on the event loop, and so is bounded by counts: the parse refuses
an object of more than 64 keys and an array over the layer list's ceiling (``json_body``),
the lists of layers, per-axis values, shapes and answers stop at their first bad item, and
later bad layers are validated one by one only up to 50 errors (``validate_layers``), so a
body makes pydantic report at most about a hundred errors. Measured (``python -m
scripts.request_path --largest``, 2 shared CPUs): the largest valid body, 4,096
convolutions with every field given (700 KB; refused after validation, over ``max_layers``),
17 ms of validation (LeNet-5's body 11 µs, VGG-16's 41 µs); the worst 1 MiB bodies (100,000
unknown keys in one object, 2,000 layers of 60 unknown keys, 60 layers of 4,096 bad
per-axis values, 2,000 bad answers) are answered in 0.1–0.4 s, against 1 to 32 s when
every error was reported (``docs/benchmarks.md``).
"""

from __future__ import annotations

import logging
import math
import platform
from dataclasses import fields, replace
from functools import cache, partial
from importlib.metadata import PackageNotFoundError, version
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from pydantic import ValidationError

from app import __version__
from app.api.json_body import JsonBodyRoute
from app.api.problems import PROBLEM_RESPONSES, located
from app.api.schemas import ANALYZE_RESPONSE, AnalyzeRequest, AnalyzeResponse, Health, Lang
from app.api.work import WorkPool
from app.core import Analysis, LayerSpec, Limits, catalogue
from app.core.inputs import CHANNELS_LAST
from app.settings import Settings
from app.verify import Verification, in_lang, torch_available, unavailable
from app.verify.pool import VerifyPool

router = APIRouter(route_class=JsonBodyRoute)
ANALYSIS_FIELDS = tuple(f.name for f in fields(Analysis))
log = logging.getLogger("cnncalc")


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


@router.post(
    "/v1/analyze",
    response_model=AnalyzeResponse,
    responses=PROBLEM_RESPONSES,
    summary="Shapes, weights, parameters, receptive field and cost of every layer",
    tags=["analysis"],
)
async def analyze_stack(
    request: Request,
    req: Annotated[AnalyzeRequest, Body(openapi_examples=_example_bodies())],
) -> Response:
    """Analyse a stack; with ``verify``, also run it in PyTorch and compare."""
    request.state.lang = req.lang  # the problem handlers answer in it
    request.state.input_hints = req.input_hints()
    settings: Settings = request.app.state.settings
    work: WorkPool = request.app.state.work
    outcome = await work.run(partial(_analyze, req, settings.limits), estimated_us(req))
    if isinstance(outcome, Response):
        return outcome
    specs, analysis = outcome
    verification = await _verify(request, settings, req, specs, analysis)
    return await work.run(partial(_answer, analysis, specs, verification))


ANSWER_US = 30.0
"""Estimated CPU of an analysis and its answer, besides its layers (µs)."""
LAYER_US = 20.0
"""Estimated CPU per layer of an analysis with its answer serialised (µs). Measured
(``time.process_time``, best of 7, 2 shared CPUs at load 5): LeNet-5's 10 layers 202 µs,
VGG-16's 40 layers 499 µs, with French warnings 227 and 787 µs."""
EXPLAINED_LAYER_US = 160.0
"""The same with explanations: LeNet-5 1,251 µs, VGG-16 3,853 µs (4,919 µs in French)."""


def estimated_us(req: AnalyzeRequest) -> float:
    """The work of ``req`` estimated before it starts (µs), for ``WorkPool.run``.

    ``ANSWER_US`` plus ``LAYER_US`` (``EXPLAINED_LAYER_US`` with explanations or another
    language) per layer; text (its layers known only once it is read, repeats expanded) and
    the torch check are not estimated, so they always run in the pool.
    """
    if isinstance(req.layers, str) or req.verify:
        return math.inf
    teach = req.explain or req.lang != Lang.EN
    return ANSWER_US + len(req.layers) * (EXPLAINED_LAYER_US if teach else LAYER_US)


def _analyze(req: AnalyzeRequest, limits: Limits) -> Response | tuple[list[LayerSpec], Analysis]:
    """The answer to ``req``, or what the torch check needs when it asks for one."""
    try:
        specs = req.specs(limits)
    except ValidationError as error:
        raise located(error, ("body", "layers")) from None
    analysis = req.analyze(specs, limits)  # a CnnCalcError goes to the problem handler
    if req.explain or req.lang != "en":
        analysis = _teach(analysis, specs, req)
    if req.verify:
        return specs, analysis
    return _answer(analysis, specs, None)


def _answer(
    analysis: Analysis, specs: list[LayerSpec], verification: Verification | None
) -> Response:
    """The analysis, the layers as read and the torch check's verdict as the JSON answer."""
    body = AnalyzeResponse(
        **{name: getattr(analysis, name) for name in ANALYSIS_FIELDS},
        verification=verification,
        layers_as_understood=specs,
    )
    return Response(ANALYZE_RESPONSE.dump_json(body, by_alias=True), media_type="application/json")


def _teach(analysis: Analysis, specs: list[LayerSpec], req: AnalyzeRequest) -> Analysis:
    """Worked formulas and translated warnings (the ``explain`` module).

    The warnings about the input itself (``channels_last``) are said in ``lang`` already
    (``StackRequest.analyze``): they stay first, as they are.
    """
    from app.core import explain  # type: ignore[attr-defined,unused-ignore]

    said = [w for w in analysis.warnings if w.code == CHANNELS_LAST]
    if said:
        layer_warnings = [w for w in analysis.warnings if w.code != CHANNELS_LAST]
        analysis = replace(analysis, warnings=layer_warnings)
    if req.explain:
        analysis = explain.explain_analysis(analysis, specs, req.lang)
    if req.lang != Lang.EN:
        layers = [
            replace(r, warnings=[explain.warning_in(w, req.lang) for w in r.warnings])
            for r in analysis.layers
        ]
        warnings = [w for r in layers for w in r.warnings]
        analysis = replace(analysis, layers=layers, warnings=warnings)
    return replace(analysis, warnings=[*said, *analysis.warnings]) if said else analysis


async def _verify(
    request: Request,
    settings: Settings,
    req: AnalyzeRequest,
    specs: list[LayerSpec],
    analysis: Analysis,
) -> Verification:
    """The torch check in a worker process (``app.verify.pool``), bounded before it starts.

    A chain and a graph alike (``verify_stack``).
    """
    if not torch_available():
        return in_lang(unavailable("torch_missing"), req.lang)
    pool: VerifyPool = request.app.state.verify_pool
    verification = await pool.check(
        req.input_shape,
        specs,
        analysis,
        batch_size=req.batch_size,
        max_elements=settings.max_verify_elements,
        max_work=settings.max_verify_work,
    )
    return in_lang(verification, req.lang)


@router.get(
    "/v1/layers",
    summary="The catalogue of layer kinds: fields, defaults, aliases, formulas",
    tags=["analysis"],
)
async def layers() -> list[dict[str, Any]]:
    """Every layer kind, generated from the core's registry."""
    return catalogue()


@router.get(
    "/v1/examples",
    summary="Built-in examples: the course's chains (LeNet-5, VGG-16, …) and branching presets "
    "(ResNet-18/50, MobileNetV2, DenseNet-121, GoogLeNet, SqueezeNet 1.1, EfficientNet-B0, U-Net)",
    tags=["examples"],
)
async def examples() -> dict[str, Any]:
    """Named request bodies ``{"title", "title_fr", "input_shape", "layers"}``.

    ``input_shape`` and ``layers`` are ready to send to ``POST /v1/analyze``; the presets use
    the graph form (blocks, ``id`` and ``inputs``).
    """
    from app.core.examples import ALL_EXAMPLES

    return ALL_EXAMPLES


@cache
def _health() -> Health:
    try:
        torch_version: str | None = version("torch")
    except PackageNotFoundError:
        torch_version = None
    return Health(
        "ok", __version__, platform.python_version(), torch_version, verify=torch_available()
    )


@router.get("/healthz", summary="Liveness, with versions", tags=["service"])
async def healthz() -> Health:
    """``{"status": "ok"}``, the versions in use and whether the torch check can run."""
    return _health()
