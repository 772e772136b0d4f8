"""Teaching endpoints: grading, solving backwards and export as PyTorch code.

``POST /v1/check``, ``POST /v1/solve`` and ``POST /v1/export/pytorch``: thin handlers over
``app.core.grading``, ``app.core.solve`` and ``app.core.export``. Each route puts the
request's ``lang`` on ``request.state``; a rejection by the core or by the schema is raised
to the problem handlers (``app.api.problems``), which answer in that language.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import partial
from typing import Annotated, Any, Literal, Union

from fastapi import APIRouter, Body, Request, Response
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
)
from pydantic import Tag as UnionTag

from app.api.json_body import JsonBodyRoute
from app.api.problems import PROBLEM_RESPONSES, located
from app.api.schemas import (
    UNDERSTOOD_DESCRIPTION,
    AnalyzeRequest,
    Lang,
    StackRequest,
    Whole,
    integral,
)
from app.api.work import WorkPool
from app.core import AnyLayer, Limits
from app.core.export import render_pytorch
from app.core.grading import CheckResult, grade
from app.core.layers.base import FAIL_FAST
from app.core.solve import CEILINGS, DEFAULT_BOUNDS, MAX_SIZE, SolveResult, solve

router = APIRouter(route_class=JsonBodyRoute)

Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Text = Annotated[str, Field(max_length=200)]
ShapeAnswer = Annotated[
    Annotated[list[Whole | Number], FAIL_FAST] | Whole | Text,
    Field(
        description="A list, or text as students write it: `10x32x32`, `10 × 32 × 32`, "
        "`(10, 32, 32)`.",
        examples=["10x32x32", [10, 32, 32]],
    ),
]
MAX_ID_CHARS = 512
"""The longest id an answer may name (a dotted name inside nested blocks grows with them)."""

CountAnswer = Annotated[
    Whole | Number | Text,
    Field(description="A number, or text such as `1 256 080`.", examples=[760]),
]


class Answer(BaseModel):
    """A student's answers for one layer; a field left out is not marked."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    layer: Annotated[
        Union[  # noqa: UP007 - members labelled for the errors' loc
            Annotated[int, Strict(), Field(ge=0), BeforeValidator(integral), UnionTag("int")],
            Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS), UnionTag("str")],
        ],
        Field(
            union_mode="left_to_right",
            description="The layer's index, from 0, or its id as the analysis reports it "
            "(given, or generated: `3`, `layer1.0.conv1`).",
            examples=[3, "layer1.0.conv1"],
        ),
    ]
    output_shape: ShapeAnswer | None = None
    weight_shape: ShapeAnswer | None = None
    bias_shape: ShapeAnswer | None = None
    params: CountAnswer | None = None
    receptive_field: ShapeAnswer | None = Field(
        None, description="One number when every axis agrees, or one per axis."
    )


class CheckRequest(StackRequest):
    """``POST /v1/check``: a stack and a student's answers."""

    answers: Annotated[list[Answer], FAIL_FAST] = Field(default_factory=list, max_length=2048)
    total_params: CountAnswer | None = Field(
        None, description="The answer for the whole stack's number of parameters."
    )


@dataclass(frozen=True, slots=True)
class CheckResponse(CheckResult):
    """The grades, with the layers as the server read them (as ``POST /v1/analyze`` gives)."""

    layers_as_understood: Annotated[list[AnyLayer], Field(description=UNDERSTOOD_DESCRIPTION)] = (
        field(default_factory=list)
    )


CHECK_FIELDS = tuple(f.name for f in fields(CheckResult))


class SolveRequest(BaseModel):
    """``POST /v1/solve``: one spatial axis; the fields left out are the unknowns."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    layer: Literal["conv", "pool"] = Field(description="A convolution or a max pooling.")
    input_size: Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE), BeforeValidator(integral)]
    output_size: Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE), BeforeValidator(integral)]
    kernel_size: (
        Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE), BeforeValidator(integral)] | None
    ) = None
    stride: Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE), BeforeValidator(integral)] | None = (
        None
    )
    padding: (
        Annotated[int, Strict(), Field(ge=0, le=MAX_SIZE), BeforeValidator(integral)] | None
    ) = None
    dilation: (
        Annotated[int, Strict(), Field(ge=1, le=MAX_SIZE), BeforeValidator(integral)] | None
    ) = None
    ceil_mode: Annotated[bool, Strict()] = Field(False, description="Pooling only.")
    lang: Lang = Lang.EN
    max_kernel: Annotated[
        int, Strict(), Field(ge=1, le=CEILINGS.max_kernel), BeforeValidator(integral)
    ] = DEFAULT_BOUNDS.max_kernel
    max_stride: Annotated[
        int, Strict(), Field(ge=1, le=CEILINGS.max_stride), BeforeValidator(integral)
    ] = DEFAULT_BOUNDS.max_stride
    max_padding: Annotated[
        int, Strict(), Field(ge=0, le=CEILINGS.max_padding), BeforeValidator(integral)
    ] = DEFAULT_BOUNDS.max_padding
    max_dilation: Annotated[
        int, Strict(), Field(ge=1, le=CEILINGS.max_dilation), BeforeValidator(integral)
    ] = DEFAULT_BOUNDS.max_dilation
    max_solutions: Annotated[
        int, Strict(), Field(ge=1, le=CEILINGS.max_solutions), BeforeValidator(integral)
    ] = DEFAULT_BOUNDS.max_solutions


CHECK_EXAMPLES: dict[str, Any] = {
    "course_32x32": {
        "summary": "The course's 3×32×32 example: one right answer of each kind, one mistake",
        "value": {
            "input_shape": [3, 32, 32],
            "layers": [{"type": "conv2d", "C_out": 10, "K": 5, "P": 2, "S": 1}],
            "lang": "fr",
            "answers": [
                {"layer": 0, "output_shape": "10x32x32", "params": 760, "receptive_field": 5},
                {"layer": 0, "weight_shape": "10 × 3 × 5 × 5", "bias_shape": [10]},
            ],
            "total_params": 750,
        },
    },
    "lenet5_text": {
        "summary": "LeNet-5 in the course's notation, the linear weight written in × out",
        "value": {
            "input_shape": [1, 28, 28],
            "layers": (
                "Conv (Cout=20, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2)\n"
                "Conv (Cout=50, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2)\nFlatten\n"
                "Linear (2450 -> 500)\nReLU\nLinear (500 -> 10)"
            ),
            "answers": [
                {"layer": 5, "output_shape": "50 x 7 x 7"},
                {"layer": 7, "weight_shape": "2450 x 500", "params": 1225500},
            ],
            "total_params": "1 256 080",
        },
    },
}

SOLVE_EXAMPLES: dict[str, Any] = {
    "same_padding": {
        "summary": "Which padding keeps 32 → 32 with K = 5? (P = 2)",
        "value": {
            "layer": "conv",
            "input_size": 32,
            "output_size": 32,
            "kernel_size": 5,
            "stride": 1,
            "dilation": 1,
        },
    },
    "halve": {
        "summary": "Which stride takes 224 to 112 with K = 3?",
        "value": {"layer": "conv", "input_size": 224, "output_size": 112, "kernel_size": 3},
    },
    "pool": {
        "summary": "Every max pooling from 28 to 14, in French",
        "value": {"layer": "pool", "input_size": 28, "output_size": 14, "lang": "fr"},
    },
}


def _export_examples() -> dict[str, Any]:
    from app.core.examples import EXAMPLES

    return {
        name: {
            "summary": EXAMPLES[name]["title"],
            "value": {
                "input_shape": EXAMPLES[name]["input_shape"],
                "layers": EXAMPLES[name]["layers"],
            },
        }
        for name in ("lenet5_course", "text_cnn_1d", "unet_decoder")
        if name in EXAMPLES
    }


@router.post(
    "/v1/check",
    tags=["teaching"],
    response_model=CheckResponse,
    responses=PROBLEM_RESPONSES,
    summary="Grade a student's answers for a stack, with the worked formulas",
)
async def check(
    request: Request,
    req: Annotated[CheckRequest, Body(openapi_examples=CHECK_EXAMPLES)],
) -> Response | CheckResponse:
    """Mark each answered field right or wrong, with the expected value and its formula.

    A wrong answer that a classic mistake explains (forgot the bias, forgot 2P, C_out twice,
    K instead of K − 1, forgot to floor, …) names it in ``mistake`` and ``note``.
    """
    request.state.lang = req.lang
    request.state.input_hints = req.input_hints()
    work: WorkPool = request.app.state.work
    return await work.run(partial(_grade, req, request.app.state.limits))


def _grade(req: CheckRequest, limits: Limits) -> CheckResponse:
    try:
        specs = req.specs(limits)
    except ValidationError as error:
        raise located(error, ("body", "layers")) from None
    answers = [a.model_dump(exclude_none=True) for a in req.answers]
    result = grade(
        req.input_shape,
        specs,
        answers,
        req.total_params,
        req.lang,
        strict=req.strict,
        limits=limits,
    )
    graded = {name: getattr(result, name) for name in CHECK_FIELDS}
    return CheckResponse(**graded, layers_as_understood=specs)


@router.post(
    "/v1/solve",
    tags=["teaching"],
    response_model=SolveResult,
    responses=PROBLEM_RESPONSES,
    summary="Solve backwards: the K, S, P, D that take an input size to a target size",
)
async def solve_sizes(
    request: Request,
    req: Annotated[SolveRequest, Body(openapi_examples=SOLVE_EXAMPLES)],
) -> Response | SolveResult:
    """List every combination, within the bounds, that gives ``output_size``, simplest first.

    Fields left out are unknowns, searched in ``1..max_kernel``, ``1..max_stride``,
    ``0..max_padding`` and ``1..max_dilation``; a convolution's padding stays below its
    effective kernel and a pooling's at most half its kernel (PyTorch's rule). Exact
    divisions come first, then smaller dilation, stride, kernel and padding. Each solution
    carries its worked formula in ``lang``.
    """
    request.state.lang = req.lang
    work: WorkPool = request.app.state.work
    return await work.run(partial(_solve, req))


def _solve(req: SolveRequest) -> SolveResult:
    return solve(
        req.layer,
        req.input_size,
        req.output_size,
        req.kernel_size,
        req.stride,
        req.padding,
        req.dilation,
        ceil_mode=req.ceil_mode,
        lang=req.lang,
        max_kernel=req.max_kernel,
        max_stride=req.max_stride,
        max_padding=req.max_padding,
        max_dilation=req.max_dilation,
        max_solutions=req.max_solutions,
    )


@router.post(
    "/v1/export/pytorch",
    tags=["PyTorch"],
    response_class=Response,
    responses={
        200: {
            "description": "Python source defining `model = nn.Sequential(...)`",
            "content": {
                "text/x-python": {
                    "schema": {"type": "string"},
                    "example": (
                        "import torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n"
                        "    nn.Conv2d(in_channels=3, out_channels=10, kernel_size=5, "
                        "padding=2),  # 0: 10×32×32\n)\n"
                    ),
                }
            },
        },
        **PROBLEM_RESPONSES,
    },
    summary="The stack as runnable PyTorch code",
)
async def export_pytorch(
    request: Request,
    req: Annotated[AnalyzeRequest, Body(openapi_examples=_export_examples())],
) -> Response:
    """The stack as an ``nn.Sequential`` bound to ``model``, ready to run on ``input_shape``.

    ``in_channels`` / ``in_features`` are filled in; ``print(model)`` of it reads back as
    ``layers`` text. A graph that branches is an ``nn.Module`` subclass instead, one
    submodule per layer and a ``forward`` that follows the graph (merges as ``torch.add``,
    ``torch.mul``, ``torch.cat``), with the analysis's parameter count.
    """
    request.state.lang = req.lang
    request.state.input_hints = req.input_hints()
    work: WorkPool = request.app.state.work
    return await work.run(partial(_export, req, request.app.state.limits))


def _export(req: AnalyzeRequest, limits: Limits) -> Response:
    try:
        specs = req.specs(limits)
    except ValidationError as error:
        raise located(error, ("body", "layers")) from None
    analysis = req.analyze(specs, limits)
    return Response(render_pytorch(analysis, specs), media_type="text/x-python; charset=utf-8")


__all__ = ["CheckRequest", "SolveRequest", "router"]
