"""Request and response envelopes of the HTTP API (the results themselves are the core's)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum, unique
from typing import Annotated, Any, Self, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    TypeAdapter,
    ValidationInfo,
    WrapValidator,
    field_validator,
    model_validator,
)
from pydantic import Tag as UnionTag
from pydantic_core import PydanticCustomError

from app.core import Analysis, AnyLayer, DType, LayerSpec, Limits, analyze
from app.core.analysis import LayerWarning, parse_layers
from app.core.inputs import (
    InputFormat,
    channels_first,
    format_fits,
    input_warnings,
    read_shape,
)
from app.core.layers import validate_layers
from app.core.layers.base import FAIL_FAST
from app.core.messages import CATALOGUES
from app.verify import Verification


@unique
class Lang(StrEnum):
    """Languages of explanations, warnings and error messages."""

    __slots__ = ()

    EN = "en"
    FR = "fr"


def integral(value: Any) -> Any:
    """A float with no fractional part (``3.0``, an integer to JSON Schema) as an int."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


Whole = Annotated[int, Strict(), BeforeValidator(integral)]
"""An integer, written ``3`` or ``3.0``; never ``"3"`` or ``true``. Bounds go before the
``BeforeValidator`` (``Annotated[int, Strict(), Field(ge=1), BeforeValidator(integral)]``),
where the JSON schema shows them as ``minimum`` and ``maximum``."""

LAYERS_CEILING = 4096
"""The most layers a list may hold, whatever ``max_layers`` says: longer lists are refused
before any layer is validated (``max_layers``, 2,048 by default, is checked after)."""

Layers = Annotated[
    Union[  # noqa: UP007 - members labelled for the errors' loc
        Annotated[list[AnyLayer], UnionTag("list"), Field(max_length=LAYERS_CEILING), FAIL_FAST],
        Annotated[str, UnionTag("text"), Field(max_length=200_000)],
    ],
    Field(
        union_mode="left_to_right",
        description=(
            "The stack: a list of layers, or text in the course's notation "
            "(`Conv (Cout=20, K=5, P=2, S=1)`, one per line) or PyTorch's printed "
            "`nn.Sequential`."
        ),
    ),
    WrapValidator(validate_layers),
]


def shape_text(value: Any) -> Any:
    """A shape written as text (``"32 × 32 × 3"``, ``"3x32x32"``) as its list of sizes.

    Raises:
        PydanticCustomError: ``shape_text``, the text is no shape.
    """
    if not isinstance(value, str):
        return value
    sizes = read_shape(value)
    if sizes is None:
        template = CATALOGUES["en"]["pydantic.shape_text"]
        raise PydanticCustomError("shape_text", template, {"given": value[:40]})
    return sizes


INPUT_FORMAT_DESCRIPTION = (
    "How `input_shape` is written: `CHW` (PyTorch's channels first, the default when left "
    "out), `HWC` (channels last, as Keras and image files write it), `CL` / `LC` for a "
    "sequence, `CDHW` / `DHWC` for a volume; it names as many axes as `input_shape` has. A "
    "channels-last shape is read as the channels-first one (`[32, 32, 3]` HWC is "
    "`[3, 32, 32]`), which the answer's `input_shape` gives. Left out, a shape that looks "
    "channels last gets a `channels_last` warning; given (even `CHW`), it gets none."
)


class StackRequest(BaseModel):
    """A stack of layers and the tensor it receives."""

    model_config = ConfigDict(extra="forbid", hide_input_in_errors=True)

    input_shape: Annotated[
        list[Annotated[int, Strict(), Field(ge=1), BeforeValidator(integral)]],
        FAIL_FAST,
        BeforeValidator(shape_text, json_schema_input_type=list[int] | str),
    ] = Field(
        min_length=1,
        max_length=4,
        description=(
            "`[C, L]`, `[C, H, W]`, `[C, D, H, W]` or `[F]`; the batch is excluded. Also "
            "text, `3 × 32 × 32` or `3x32x32`. See `input_format` for a channels-last shape."
        ),
    )
    input_format: InputFormat | None = Field(None, description=INPUT_FORMAT_DESCRIPTION)
    layers: Layers
    batch_size: Annotated[int, Strict(), Field(ge=1), BeforeValidator(integral)] = 1
    dtype: DType = DType.FLOAT32
    strict: Annotated[bool, Strict()] = Field(
        False, description="Reject a stride that does not divide N - K + 2P instead of flooring."
    )
    lang: Lang = Lang.EN

    @field_validator("input_format")
    @classmethod
    def _format_fits(cls, value: InputFormat | None, info: ValidationInfo) -> InputFormat | None:
        """The format names as many axes as the shape has."""
        shape = info.data.get("input_shape")
        if value is None or shape is None or format_fits(shape, value):
            return value
        fitting = InputFormat.for_rank(len(shape))
        key = "pydantic.input_format_rank" if fitting else "pydantic.input_format_vector"
        params = {
            "given": value.value,
            "axes": value.rank,
            "rank": len(shape),
            "expected": ", ".join(f.value for f in fitting),
        }
        raise PydanticCustomError(key.removeprefix("pydantic."), CATALOGUES["en"][key], params)

    @model_validator(mode="after")
    def _channels_first(self) -> Self:
        """A channels-last ``input_shape`` is kept channels first: every route reads that."""
        if self.input_format is not None:
            self.input_shape = channels_first(self.input_shape, self.input_format)
        return self

    def input_hints(self) -> list[LayerWarning]:
        """The warnings about how ``input_shape`` is written (``channels_last``), in ``lang``.

        Given with the analysis's warnings, and beside a refusal of the stack (the problem
        handler adds them), since a channels-last shape is often why a layer does not fit.
        """
        return input_warnings(self.input_shape, self.input_format, self.lang)

    def specs(self, limits: Limits) -> list[LayerSpec]:
        """The layers as specs; text is parsed by the core, counting layers against ``limits``."""
        return parse_layers(self.layers, max_layers=limits.max_layers)

    def analyze(self, specs: list[LayerSpec], limits: Limits) -> Analysis:
        """The core's analysis of ``specs`` with this request's batch, dtype and strictness.

        A shape that looks channels last, given without ``input_format``, adds a
        ``channels_last`` warning (``layer`` null) first among the warnings, in ``lang``.
        """
        analysis = analyze(
            self.input_shape,
            specs,
            batch_size=self.batch_size,
            dtype=self.dtype,
            strict=self.strict,
            limits=limits,
        )
        said = self.input_hints()
        if not said:
            return analysis
        return replace(analysis, warnings=[*said, *analysis.warnings])


class AnalyzeRequest(StackRequest):
    """``POST /v1/analyze``: the stack, and what to add to the numbers."""

    verify: Annotated[bool, Strict()] = Field(
        False, description="Also build and run the stack in PyTorch and compare."
    )
    explain: Annotated[bool, Strict()] = Field(
        False, description="Add each layer's worked formulas in `lang`."
    )


UNDERSTOOD_DESCRIPTION = (
    "Each layer as the server read it, index for index with `layers`: the kind's tag, "
    "PyTorch's field names and every field with its value, defaults filled in, whether the "
    "stack came as a list or as text. `null` stands for a value taken from elsewhere: "
    "`in_channels` / `in_features` from the incoming tensor, a pooling's `stride` from its "
    "`kernel_size`. Sent back as `layers`, it gives the same analysis."
)


@dataclass(slots=True)
class AnalyzeResponse(Analysis):
    """The core's analysis, with the torch cross-check when asked for."""

    verification: Verification | None = None
    layers_as_understood: Annotated[list[AnyLayer], Field(description=UNDERSTOOD_DESCRIPTION)] = (
        field(default_factory=list)
    )


@dataclass(frozen=True, slots=True)
class Health:
    """``GET /healthz``."""

    status: str
    version: str
    python: str
    torch: str | None
    verify: Annotated[
        bool, Field(description="Whether `verify: true` can run the stack in PyTorch here.")
    ] = False


ANALYZE_RESPONSE: TypeAdapter[AnalyzeResponse] = TypeAdapter(AnalyzeResponse)
