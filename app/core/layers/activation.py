"""Layers that keep the shape: activations and dropout."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    NOT_WRITTEN,
    Bool,
    Int,
    LayerSpec,
    Measurement,
    Note,
    Pos,
    Step,
    WarningCode,
    alias,
    course_call,
    fmt,
)
from app.core.layers.cases import Chooser, chance
from app.core.layers.linear import batch_dim
from app.core.layers.worked import Msg, Worked, kept_lines, say, without_parameters
from app.core.messages import msg
from app.core.shapes import Shape

Real = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Probability = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]

ACTIVATION_CLASSES = {
    "relu": "ReLU",
    "relu6": "ReLU6",
    "sigmoid": "Sigmoid",
    "tanh": "Tanh",
    "silu": "SiLU",
    "mish": "Mish",
    "hardswish": "Hardswish",
    "hardsigmoid": "Hardsigmoid",
    "softsign": "Softsign",
    "identity": "Identity",
}
TAKES_INPLACE = frozenset({"relu", "relu6", "silu", "mish", "hardswish", "hardsigmoid"})


class Elementwise(LayerSpec):
    """A layer applied value by value: the shape is kept, no parameters, no MACs."""

    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Its defaults: a value-by-value layer's fields change values, never shapes."""
        return {}

    def infer(self, x: Shape) -> Step:
        """``output = input``."""
        return Step(output=x)

    def explain(self, x: Shape, step: Step) -> Worked:
        """Applied value by value: the shape is kept, no parameters."""
        return without_parameters(kept_lines(say("kept_activation", name=self.torch_name(x)), x))


class Activation(Elementwise):
    """Parameter-free activations (``nn.ReLU``, ``nn.Sigmoid``, …). Shape kept, 0 params."""

    type: Literal[
        "relu",
        "relu6",
        "sigmoid",
        "tanh",
        "silu",
        "mish",
        "hardswish",
        "hardsigmoid",
        "softsign",
        "identity",
    ]
    inplace: Bool = False
    torch_class: ClassVar[str] = "{name}"
    positional: ClassVar[tuple[str, ...]] = ("inplace",)

    def torch_name(self, x: Shape) -> str:
        """The PyTorch class of this tag (``relu`` -> ``ReLU``)."""
        return ACTIVATION_CLASSES[self.kind]

    @classmethod
    def tag_name(cls, tag: str) -> str:
        """The PyTorch class of ``tag`` (``relu`` -> ``ReLU``)."""
        return ACTIVATION_CLASSES[tag]

    def course_layer(self, x: Shape) -> str:
        """``ReLU``, or ``ReLU(inplace=True)``."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        name = self.torch_name(x)
        return course_call(name, values) if values else name

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``inplace`` for the activations that take it."""
        return {"inplace": self.inplace} if self.kind in TAKES_INPLACE else {}


class LeakyReLU(Elementwise):
    """``nn.LeakyReLU``: ``max(0, x) + negative_slope × min(0, x)``. Shape kept, 0 params."""

    type: Literal["leakyrelu"]
    negative_slope: Real = 0.01
    inplace: Bool = False
    torch_class: ClassVar[str] = "LeakyReLU"
    positional: ClassVar[tuple[str, ...]] = ("negative_slope", "inplace")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.LeakyReLU`` arguments."""
        return {"negative_slope": self.negative_slope, "inplace": self.inplace}


class ELU(Elementwise):
    """``nn.ELU``: ``x`` if positive, else ``alpha (exp(x) - 1)``. Shape kept, 0 params."""

    type: Literal["elu"]
    alpha: Real = 1.0
    inplace: Bool = False
    torch_class: ClassVar[str] = "ELU"
    positional: ClassVar[tuple[str, ...]] = ("alpha", "inplace")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.ELU`` arguments."""
        return {"alpha": self.alpha, "inplace": self.inplace}


class GELU(Elementwise):
    """``nn.GELU``, exact or with the tanh approximation. Shape kept, 0 params."""

    type: Literal["gelu"]
    approximate: Literal["none", "tanh"] = "none"
    torch_class: ClassVar[str] = "GELU"
    positional: ClassVar[tuple[str, ...]] = ("approximate",)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.GELU`` arguments."""
        return {"approximate": self.approximate}


class Softmax(Elementwise):
    """``nn.Softmax`` / ``nn.LogSoftmax`` along ``dim`` (the batch is dimension 0).

    Shape kept, 0 params. Without ``dim``, PyTorch picks 0 for 1-D and 3-D inputs and 1
    otherwise (batch included), and warns; so does cnncalc.
    """

    type: Literal["softmax", "logsoftmax"]
    dim: Int | None = None
    torch_class: ClassVar[str] = "{name}"
    positional: ClassVar[tuple[str, ...]] = ("dim",)

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a ``dim``, one past the rank either way at most."""
        rank = len(x) + 1
        return {"dim": c.integer(-rank - 1, rank)} if chance(c, 80) else {}

    @classmethod
    def tag_name(cls, tag: str) -> str:
        """``Softmax`` or ``LogSoftmax``."""
        return "Softmax" if tag == "softmax" else "LogSoftmax"

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``dim`` checked against the batch-inclusive rank."""
        ndim = len(x) + 1
        if self.dim is not None:
            batch_dim(self.dim, ndim, "dim")
            return Step(output=x)
        implicit = 0 if ndim in (0, 1, 3) else 1
        return Step(
            output=x,
            notes=(Note(WarningCode.IMPLICIT_DIM, {"dim": implicit, "ndim": ndim}),),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; the dimension normalised along."""
        dim = self.dim if self.dim is not None else Msg("dim_implicit")
        first = say("kept_softmax", name=self.torch_name(x), dim=dim)
        return without_parameters(kept_lines(first, x))

    def torch_name(self, x: Shape) -> str:
        """``Softmax`` or ``LogSoftmax``."""
        return self.tag_name(self.kind)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``dim``."""
        return {"dim": self.dim}


class PReLU(Elementwise):
    """``nn.PReLU``: a learned negative slope, shared (``num_parameters=1``) or per channel.

    Shape kept. Weight ``num_parameters``, which must be 1 or the channel count ``x[0]``.
    """

    type: Literal["prelu"]
    num_parameters: Pos = 1
    init: Real = 0.25
    torch_class: ClassVar[str] = "PReLU"
    positional: ClassVar[tuple[str, ...]] = ("num_parameters", "init")

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Often ``num_parameters``: mostly the channels, else 1 to 8."""
        if chance(c, 60):
            return {"num_parameters": x[0] if chance(c, 70) else c.integer(1, 8)}
        return {}

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``num_parameters`` params."""
        channels = x[0]
        if self.num_parameters not in (1, channels):
            raise FieldError(
                "num_parameters",
                msg("prelu_parameters", given=self.num_parameters, actual=channels, shape=fmt(x)),
                ErrorCode.CHANNELS,
            )
        return Step(output=x, weight=(self.num_parameters,), params=self.num_parameters)

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; the learned slopes are its parameters."""
        n = self.num_parameters
        return {
            "output_shape": kept_lines(say("kept_activation", name=self.torch_name(x)), x),
            "weight_shape": [
                say("weight_prelu", f"num_parameters = {n}", n=n, plural="s" if n > 1 else "")
            ],
            "bias_shape": [],
            "params": [say("params_prelu", f"num_parameters = {step.params}")],
        }

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.PReLU`` arguments."""
        return {"num_parameters": self.num_parameters, "init": self.init}


class Dropout(Elementwise):
    """``nn.Dropout``: zeroes values with probability ``p`` in training. Shape kept, 0 params."""

    type: Literal["dropout"]
    p: Probability = Field(0.5, validation_alias=alias("p", "rate", "dropout_ratio"))
    inplace: Bool = False
    torch_class: ClassVar[str] = "Dropout"
    positional: ClassVar[tuple[str, ...]] = ("p", "inplace")

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; values zeroed with probability ``p`` while training."""
        first = say("kept_dropout", p=f"{self.p:g}", what=Msg("what_values"))
        return without_parameters(kept_lines(first, x))

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.Dropout`` arguments."""
        return {"p": self.p, "inplace": self.inplace}


class FeatureDropout(Elementwise):
    """``nn.Dropout1d/2d/3d``: zeroes whole channels. Shape kept, 0 params.

    ``dropout1d`` takes ``C × L``, ``dropout2d`` ``C × H × W``, ``dropout3d``
    ``C × D × H × W`` (batch excluded). PyTorch reads a batched tensor of any other rank as
    one unbatched sample (``N × C`` as ``C × L``, dropping whole samples) or deprecates it.
    """

    type: Literal["dropout1d", "dropout2d", "dropout3d"]
    p: Probability = Field(0.5, validation_alias=alias("p", "rate"))
    inplace: Bool = False
    torch_class: ClassVar[str] = "Dropout{d}d"
    positional: ClassVar[tuple[str, ...]] = ("p", "inplace")
    notation_names: ClassVar[dict[str, str]] = {
        f"spatialdropout{d}d": f"dropout{d}d" for d in (1, 2, 3)
    }
    takes_unbatched: ClassVar[bool] = True

    def infer(self, x: Shape) -> Step:
        """Shape kept; the rank must suit the kind."""
        d = self.dims(x)
        ranks = (d + 1,)
        if len(x) not in ranks:
            raise FieldError(
                None,
                msg("dropout_rank", kind=self.kind, want=d + 2, rank=len(x) + 1, shape=fmt(x)),
                ErrorCode.RANK,
            )
        return Step(output=x)

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; whole channels zeroed with probability ``p`` while training."""
        first = say("kept_dropout", p=f"{self.p:g}", what=Msg("what_channels"))
        return without_parameters(kept_lines(first, x))

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.DropoutNd`` arguments."""
        return {"p": self.p, "inplace": self.inplace}
