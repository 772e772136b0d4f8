"""Fully connected layers: ``flatten`` and ``linear``."""

from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    COMMON_REFUSED_FIELDS,
    NOT_WRITTEN,
    Bool,
    Int,
    LayerSpec,
    Measurement,
    Mistake,
    Note,
    Pos,
    Refusal,
    Step,
    WarningCode,
    alias,
    course_call,
    fmt,
    prod,
)
from app.core.layers.cases import Chooser, chance
from app.core.layers.worked import (
    Line,
    Worked,
    say,
    shape_formula,
    shape_text,
    tensor_names,
    without_parameters,
)
from app.core.messages import msg
from app.core.shapes import Shape


def batch_dim(dim: int, ndim: int, field: str) -> int:
    """Normalise a batch-inclusive dimension index as PyTorch does (``-1`` is the last).

    Raises:
        FieldError: out of ``[-ndim, ndim - 1]`` (PyTorch: "Dimension out of range").
    """
    if not -ndim <= dim < ndim:
        raise FieldError(
            field, msg("dim_range", dim=dim, low=-ndim, high=ndim - 1), ErrorCode.DIM_RANGE
        )
    return dim % ndim


class Flatten(LayerSpec):
    """Flatten (``nn.Flatten``): merges dimensions ``start_dim..end_dim`` into one.

    Dimensions count the batch as 0, as in PyTorch, so the default ``1..-1`` turns
    ``C × H × W`` into ``C·H·W``. Flattening the batch itself (``start_dim=0``) is refused.
    After a flatten that merges axes, a unit's receptive field is the whole input.
    """

    type: Literal["flatten"]
    start_dim: Int = 1
    end_dim: Int = -1
    torch_class: ClassVar[str] = "Flatten"
    positional: ClassVar[tuple[str, ...]] = ("start_dim", "end_dim")
    picture: ClassVar[str] = "flatten"
    measured_as: ClassVar[Measurement] = "identity"
    """Merging one axis keeps every unit; merging several makes the field global, where the
    measurement ends."""

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """``start_dim`` and ``end_dim`` each half the time, one past the rank either way."""
        rank = len(x) + 1
        layer: dict[str, Any] = {}
        if chance(c, 50):
            layer["start_dim"] = c.integer(-rank - 1, rank)
        if chance(c, 50):
            layer["end_dim"] = c.integer(-rank - 1, rank)
        return layer

    def course_layer(self, x: Shape) -> str:
        """``Flatten``, or ``Flatten(start_dim=2)``."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        return course_call("Flatten", values) if values else "Flatten"

    def infer(self, x: Shape) -> Step:
        """``x[:s] + (∏x[s..e],) + x[e+1:]`` in batch-inclusive numbering."""
        ndim = len(x) + 1
        start = batch_dim(self.start_dim, ndim, "start_dim")
        end = batch_dim(self.end_dim, ndim, "end_dim")
        if start > end:
            raise FieldError(
                "start_dim", msg("flatten_order", start=start, end=end), ErrorCode.DIM_RANGE
            )
        if start == 0:
            raise FieldError("start_dim", msg("flatten_batch"), ErrorCode.UNSUPPORTED)
        merged = x[start - 1 : end]
        return Step(
            output=(*x[: start - 1], prod(merged), *x[end:]),
            global_field=len(merged) > 1,
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """The dimensions merged and their product; no parameters."""
        out = step.output
        ndim = len(x) + 1
        start, end = self.start_dim % ndim, self.end_dim % ndim
        merged = x[start - 1 : end]
        names = tensor_names(len(x))[start - 1 : end]
        formula = f"{' × '.join(names)} = {shape_formula(merged)} = {prod(merged)}"
        output: list[Line]
        if start == 1 and end == ndim - 1:
            output = [say("out_flatten", formula, shape_in=shape_text(x), n=prod(merged))]
        else:
            output = [
                say("out_flatten_part", formula, start=start, end=end, shape=shape_text(out)),
                say("out_shape", shape_formula(out), shape=shape_text(out)),
            ]
        return without_parameters(output)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.Flatten`` arguments."""
        return {"start_dim": self.start_dim, "end_dim": self.end_dim}


class Linear(LayerSpec):
    """Fully connected layer (``nn.Linear``), applied to the last axis as PyTorch does.

    ``in_features = x[-1]``; output ``x[:-1] + (out_features,)``. Weight
    ``out_features × in_features`` (PyTorch's order; the course's table writes ``in × out``),
    bias ``out_features``; params ``out × (in + 1)``. MACs per sample ``∏x[:-1] × in × out``.
    """

    type: Literal["linear"]
    out_features: Pos = Field(validation_alias=alias("out_features", "units", "num_output"))
    in_features: Pos | None = Field(
        None, description="Checked against the incoming tensor when given; inferred otherwise."
    )
    bias: Bool = Field(True, validation_alias=alias("bias", "use_bias", "bias_term"))
    torch_class: ClassVar[str] = "Linear"
    positional: ClassVar[tuple[str, ...]] = ("in_features", "out_features", "bias")
    lone_positional: ClassVar[str | None] = "out_features"
    arrow: ClassVar[tuple[str, str] | None] = ("in_features", "out_features")
    notation_names: ClassVar[dict[str, str]] = {
        "fc": "linear",
        "dense": "linear",
        "fullyconnected": "linear",
        "innerproduct": "linear",
    }
    refused_fields: ClassVar[dict[str, Refusal]] = {
        **COMMON_REFUSED_FIELDS,
        "activation": Refusal("foreign_activation"),
    }
    picture: ClassVar[str] = "linear"
    measured_as: ClassVar[Measurement] = "whole_input"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """1 to 8 outputs; sometimes ``in_features``, half the time wrong; sometimes no bias."""
        layer: dict[str, Any] = {"out_features": c.integer(1, 8)}
        if chance(c, 15):
            layer["in_features"] = x[-1] if chance(c, 50) else c.integer(1, 8)
        if chance(c, 20):
            layer["bias"] = False
        return layer

    def course_layer(self, x: Shape) -> str:
        """``Linear (2450 -> 500)``."""
        extra = "" if self.bias else ", bias=False"
        return f"Linear ({x[-1]} -> {self.out_features}{extra})"

    course_weight_note: ClassVar[str | None] = "linear_order"

    def param_mistakes(self, step: Step) -> dict[Mistake, Fraction]:
        """``out_features`` twice; one output's count."""
        outputs, params = self.out_features, step.params
        out = {Mistake.C_OUT_TWICE: Fraction(params * outputs)}
        if self.bias:
            out[Mistake.FORGOT_C_OUT] = Fraction(params, outputs)
        return out

    def course_weight(self, weight: Shape) -> Shape:
        """The course's table writes a linear weight ``in × out``, PyTorch ``out × in``."""
        return weight[::-1]

    def infer(self, x: Shape) -> Step:
        """Output, weight, params and MACs of the linear layer."""
        n_in = x[-1]
        if self.in_features is not None and self.in_features != n_in:
            raise FieldError(
                "in_features",
                msg(
                    "in_features_mismatch",
                    given=self.in_features,
                    actual=n_in,
                    shape=fmt(x),
                    out=self.out_features,
                ),
                ErrorCode.FEATURES,
            )
        notes: tuple[Note, ...] = ()
        if len(x) > 1:
            notes = (Note(WarningCode.LINEAR_ON_LAST_AXIS, {"shape": list(x)}),)
        weight = (self.out_features, n_in)
        return Step(
            output=(*x[:-1], self.out_features),
            weight=weight,
            bias=(self.out_features,) if self.bias else None,
            params=prod(weight) + (self.out_features if self.bias else 0),
            macs=prod(x[:-1]) * prod(weight),
            global_field=True,
            notes=notes,
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Output, weight (PyTorch's out × in), bias and parameters."""
        n_in, n_out = x[-1], self.out_features
        if len(x) == 1:
            output = [say("out_linear", f"out_features = {n_out}", m=n_out)]
        else:
            formula = f"{shape_formula(x[:-1])} × out_features = {shape_formula(step.output)}"
            output = [say("out_linear_last", formula, n=n_in, shape=shape_text(step.output))]
        weight = [
            say(
                "weight_linear",
                f"out_features × in_features = {n_out} × {n_in} = {n_out * n_in}",
                out=n_out,
                inn=n_in,
            )
        ]
        if not self.bias:
            formula = f"out × in = {n_out} × {n_in} = {step.params}"
            return {
                "output_shape": output,
                "weight_shape": weight,
                "bias_shape": [say("no_bias")],
                "params": [say("params_conv_nobias", formula)],
            }
        formula = f"out × (in + 1) = {n_out} × ({n_in} + 1) = {step.params}"
        return {
            "output_shape": output,
            "weight_shape": weight,
            "bias_shape": [say("bias_linear", f"out_features = {n_out}")],
            "params": [say("params_linear", formula, out=n_out, inn=n_in)],
        }

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.Linear`` arguments."""
        n_in = x[-1] if self.in_features is None else self.in_features
        return {"in_features": n_in, "out_features": self.out_features, "bias": self.bias}
