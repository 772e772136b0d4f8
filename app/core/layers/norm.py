"""Normalisation layers. All keep the shape.

``batchnorm1d/2d/3d``, ``layernorm``, ``groupnorm``, ``instancenorm1d/2d/3d`` (statistics per
sample and channel) and ``localresponsenorm`` (across neighbouring channels, as in AlexNet).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field

from app.core.errors import ErrorCode, FieldError
from app.core.layers.activation import Real
from app.core.layers.base import (
    Bool,
    LayerSpec,
    Measurement,
    Mistake,
    Note,
    Pos,
    Step,
    WarningCode,
    alias,
    fmt,
    literal,
    prod,
)
from app.core.layers.cases import Chooser, chance, pick
from app.core.layers.worked import (
    Line,
    Msg,
    Worked,
    axis_names,
    kept_lines,
    say,
    shape_formula,
    shape_text,
    without_parameters,
)
from app.core.messages import OneOf, msg
from app.core.shapes import Shape

Eps = Annotated[float, Field(strict=True, gt=0, allow_inf_nan=False)]
Momentum = Annotated[float, Field(strict=True, ge=0, le=1, allow_inf_nan=False)]

MAX_NORMALIZED_AXES = 4
"""``normalized_shape`` has at most as many entries as the input has axes, at most 4
(``Limits.max_rank``, ``C × D × H × W``); the schema refuses a longer one before it is read."""


def printed_affine(layer: dict[str, Any], name: str) -> Msg | None:
    """PyTorch 2.6 and later print ``affine`` again as ``bias``: the two must agree."""
    if "bias" not in layer:
        return None
    bias = layer.pop("bias")
    affine = layer.get("affine", True)
    if bias != affine:
        return msg("printed_affine", name=name, bias=bias, affine=affine)
    return None


def norm_worked(
    name: str,
    x: Shape,
    step: Step,
    *,
    what: Msg,
    symbol: str,
    count: int,
    has_weight: bool,
    has_bias: bool,
    flag: str,
    first: Line | None = None,
) -> Worked:
    """A normalisation's steps: shape kept; ``γ`` and ``β`` of ``count`` values each.

    ``first`` says what the layer does (by default, that ``name`` normalises).
    """
    output = kept_lines(first or say("kept_norm", name=name), x)
    weight = [say("weight_norm", f"{symbol} = {count}", what=what)] if has_weight else []
    bias: list[Line]
    if has_bias:
        bias = [say("bias_norm", f"{symbol} = {count}", what=what)]
    else:
        bias = [say("no_bias" if has_weight else "no_affine", flag=flag)]
    if has_weight and has_bias:
        params = [say("params_norm", f"2 × {symbol} = 2 × {count} = {step.params}", n=count)]
    elif has_weight:
        params = [say("params_norm_weight", f"{symbol} = {step.params}", n=count)]
    else:
        params = [say("params_none")]
    return {"output_shape": output, "weight_shape": weight, "bias_shape": bias, "params": params}


def channel_norm_worked(
    spec: LayerSpec, x: Shape, step: Step, affine: bool, first: Line | None = None
) -> Worked:
    """``norm_worked`` for a normalisation with one ``γ`` and ``β`` per channel."""
    return norm_worked(
        spec.torch_name(x),
        x,
        step,
        what=Msg("what_channel"),
        symbol="C",
        count=x[0],
        has_weight=affine,
        has_bias=affine,
        flag="affine",
        first=first,
    )


def first_positional(spec: LayerSpec, x: Shape, field: str) -> str:
    """``Name(value, key=value, …)``: ``field`` written as PyTorch's first positional argument.

    The other fields left at their defaults are left out; ``field`` too when it is unset.
    """
    values = spec.model_dump(exclude={"type"}, exclude_defaults=True)
    first = values.pop(field, None)
    parts = [] if first is None else [literal(first)]
    parts += [f"{key}={literal(value)}" for key, value in values.items()]
    return f"{spec.torch_name(x)}({', '.join(parts)})"


def buffer_line(c: int, buffers: int) -> Line:
    """``running_mean``, ``running_var`` and ``num_batches_tracked``: ``2 × C + 1`` buffers."""
    return say("buffers", f"2 × C + 1 = 2 × {c} + 1 = {buffers}", c=c)


class BatchNorm(LayerSpec):
    """Batch normalisation (``nn.BatchNorm1d/2d/3d``), per channel ``C = x[0]``.

    Shape kept. Weight ``C`` and bias ``C`` when ``affine``: params ``2C``. Buffers
    ``running_mean`` and ``running_var`` (``C`` each) and ``num_batches_tracked`` (1) when
    ``track_running_stats``: they are state, not parameters. ``batchnorm1d`` takes ``C`` or
    ``C × L``, ``batchnorm2d`` ``C × H × W``, ``batchnorm3d`` ``C × D × H × W``.
    """

    type: Literal["batchnorm1d", "batchnorm2d", "batchnorm3d", "batchnorm"]
    num_features: Pos | None = Field(
        None, description="Checked against the incoming channels when given; inferred otherwise."
    )
    eps: Eps = Field(1e-5, validation_alias=alias("eps", "epsilon"))  # Keras: epsilon
    momentum: Momentum | None = 0.1
    affine: Bool = True
    track_running_stats: Bool = True
    torch_class: ClassVar[str] = "BatchNorm{d}d"
    course_name: ClassVar[str | None] = "BatchNorm"
    positional: ClassVar[tuple[str, ...]] = (
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
    )
    notation_names: ClassVar[dict[str, str]] = {
        "bn": "batchnorm",
        "batchnormalization": "batchnorm",
    }
    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Sometimes ``num_features`` (half the time wrong), no affine, no running stats."""
        layer: dict[str, Any] = {}
        if chance(c, 15):
            layer["num_features"] = x[0] if chance(c, 50) else c.integer(1, 8)
        if chance(c, 20):
            layer["affine"] = False
        if chance(c, 20):
            layer["track_running_stats"] = False
        return layer

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """The printout's ``bias`` must equal ``affine``."""
        return printed_affine(layer, name)

    def dims(self, x: Shape) -> int:
        """The tag's digit; the short form ``batchnorm`` is 1-D for ``C`` and ``C × L``."""
        d = super().dims(x)
        return max(d, 1)

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``2C`` params when affine."""
        d = self.dims(x)
        ranks = (1, 2) if d == 1 else (d + 1,)
        if len(x) not in ranks:
            want = OneOf(tuple(f"{r + 1}D" for r in ranks))
            raise FieldError(
                None,
                msg("norm_rank", name=self.torch_name(x), want=want, rank=len(x) + 1, shape=fmt(x)),
                ErrorCode.RANK,
            )
        c = x[0]
        if self.num_features is not None and self.num_features != c:
            raise FieldError(
                "num_features",
                msg("num_features_mismatch", given=self.num_features, actual=c),
                ErrorCode.FEATURES,
            )
        notes: tuple[Note, ...] = ()
        if prod(x[1:]) == 1:
            notes = (Note(WarningCode.SINGLE_VALUE_NORM, {"per": "channel"}),)
        return Step(
            output=x,
            weight=(c,) if self.affine else None,
            bias=(c,) if self.affine else None,
            params=2 * c if self.affine else 0,
            buffers=2 * c + 1 if self.track_running_stats else 0,
            notes=notes,
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; ``γ`` and ``β`` per channel; the running statistics are buffers."""
        worked = channel_norm_worked(self, x, step, self.affine)
        if self.track_running_stats:
            worked["params"].append(buffer_line(x[0], step.buffers))
        return worked

    def param_mistakes(self, step: Step) -> dict[Mistake, Fraction]:
        """The running statistics (buffers) counted as parameters."""
        return (
            {Mistake.COUNTED_BUFFERS: Fraction(step.params + step.buffers)} if step.buffers else {}
        )

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.BatchNormNd`` arguments."""
        return {
            "num_features": x[0] if self.num_features is None else self.num_features,
            "eps": self.eps,
            "momentum": self.momentum,
            "affine": self.affine,
            "track_running_stats": self.track_running_stats,
        }


class LayerNorm(LayerSpec):
    """Layer normalisation (``nn.LayerNorm``) over the last axes.

    ``normalized_shape`` must equal the incoming tensor's trailing sizes, at most 4 of them;
    left out, it is the last axis (as a transformer or ConvNeXt block uses it). Shape kept.
    Weight and bias ``normalized_shape`` each when ``elementwise_affine`` (bias unless
    ``bias=false``).
    """

    type: Literal["layernorm"]
    normalized_shape: (
        Pos | Annotated[tuple[Pos, ...], Field(max_length=MAX_NORMALIZED_AXES)] | None
    ) = None
    eps: Eps = 1e-5
    elementwise_affine: Bool = True
    bias: Bool = True
    torch_class: ClassVar[str] = "LayerNorm"
    positional: ClassVar[tuple[str, ...]] = (
        "normalized_shape",
        "eps",
        "elementwise_affine",
        "bias",
    )
    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly the input's trailing sizes, sometimes others; sometimes no affine or bias."""
        layer: dict[str, Any] = {}
        if chance(c, 70):
            if chance(c, 85):
                layer["normalized_shape"] = list(x[len(x) - c.integer(1, len(x)) :])
            else:
                layer["normalized_shape"] = [c.integer(1, 6) for _ in range(c.integer(1, 3))]
        if chance(c, 20):
            layer["elementwise_affine"] = False
        if chance(c, 20):
            layer["bias"] = False
        return layer

    def normalized(self, x: Shape) -> tuple[int, ...]:
        """``normalized_shape`` as a tuple, defaulting to the last axis."""
        ns = self.normalized_shape
        if ns is None:
            return (x[-1],)
        return (ns,) if isinstance(ns, int) else ns

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``2 ∏normalized_shape`` params when affine with bias."""
        ns = self.normalized(x)
        if len(ns) > len(x) and ns[len(ns) - len(x) :] == x:
            # torch accepts it when the batch size happens to equal the leading entry; the
            # statistics would then mix samples, as flattening the batch would.
            raise FieldError(
                "normalized_shape",
                msg("normalized_shape_batch", normalized_shape=list(ns), shape=fmt(x), rank=len(x)),
                ErrorCode.UNSUPPORTED,
            )
        if len(ns) > len(x) or x[len(x) - len(ns) :] != ns:
            raise FieldError(
                "normalized_shape",
                msg(
                    "normalized_shape_mismatch",
                    normalized_shape=list(ns),
                    dims=", ".join(map(str, ns)),
                    shape=fmt(x),
                ),
                ErrorCode.FEATURES,
            )
        affine = self.elementwise_affine
        has_bias = affine and self.bias
        return Step(
            output=x,
            weight=ns if affine else None,
            bias=ns if has_bias else None,
            params=(prod(ns) if affine else 0) + (prod(ns) if has_bias else 0),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; ``γ`` and ``β`` of ``normalized_shape`` each."""
        ns = self.normalized(x)
        return norm_worked(
            self.torch_name(x),
            x,
            step,
            what=Msg("what_normalised", {"shape": shape_text(ns)}),
            symbol="∏normalized_shape",
            count=prod(ns),
            has_weight=self.elementwise_affine,
            has_bias=self.elementwise_affine and self.bias,
            flag="elementwise_affine",
        )

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.LayerNorm`` arguments."""
        return {
            "normalized_shape": list(self.normalized(x)),
            "eps": self.eps,
            "elementwise_affine": self.elementwise_affine,
            "bias": self.bias,
        }


class GroupNorm(LayerSpec):
    """Group normalisation (``nn.GroupNorm``): ``C = x[0]`` channels in ``num_groups`` groups.

    ``num_groups`` must divide ``C``. Shape kept. Weight and bias ``C`` when ``affine``.
    """

    type: Literal["groupnorm"]
    num_groups: Pos
    num_channels: Pos | None = Field(
        None, description="Checked against the incoming channels when given; inferred otherwise."
    )
    eps: Eps = 1e-5
    affine: Bool = True
    torch_class: ClassVar[str] = "GroupNorm"
    positional: ClassVar[tuple[str, ...]] = ("num_groups", "num_channels", "eps", "affine")
    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a divisor of the channels; sometimes ``num_channels`` or no affine."""
        divisors = [g for g in range(1, x[0] + 1) if x[0] % g == 0]
        layer: dict[str, Any] = {
            "num_groups": pick(c, divisors) if chance(c, 80) else c.integer(1, 6)
        }
        if chance(c, 10):
            layer["num_channels"] = x[0] if chance(c, 50) else c.integer(1, 8)
        if chance(c, 20):
            layer["affine"] = False
        return layer

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """The printout's ``bias`` must equal ``affine``."""
        return printed_affine(layer, name)

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``2C`` params when affine."""
        c = x[0]
        if self.num_channels is not None and self.num_channels != c:
            raise FieldError(
                "num_channels",
                msg("num_channels_mismatch", given=self.num_channels, actual=c),
                ErrorCode.CHANNELS,
            )
        if c % self.num_groups:
            raise FieldError(
                "num_groups",
                msg("num_groups_divide", channels=c, groups=self.num_groups),
                ErrorCode.GROUPS,
            )
        notes: tuple[Note, ...] = ()
        if c // self.num_groups * prod(x[1:]) == 1:
            notes = (Note(WarningCode.SINGLE_VALUE_NORM, {"per": "group"}),)
        return Step(
            output=x,
            weight=(c,) if self.affine else None,
            bias=(c,) if self.affine else None,
            params=2 * c if self.affine else 0,
            notes=notes,
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Shape kept; ``γ`` and ``β`` per channel."""
        return channel_norm_worked(self, x, step, self.affine)

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.GroupNorm`` arguments."""
        return {
            "num_groups": self.num_groups,
            "num_channels": x[0] if self.num_channels is None else self.num_channels,
            "eps": self.eps,
            "affine": self.affine,
        }


class InstanceNorm(LayerSpec):
    """Instance normalisation (``nn.InstanceNorm1d/2d/3d``), per sample and channel ``C = x[0]``.

    ``instancenorm1d`` takes ``C × L``, ``instancenorm2d`` ``C × H × W``, ``instancenorm3d``
    ``C × D × H × W`` (batch excluded); the statistics of each channel of each sample come
    from its own spatial values, so there must be more than one of them (PyTorch refuses a
    single one, in eval mode too unless ``track_running_stats``). Shape kept. Weight ``C`` and
    bias ``C`` when ``affine`` (off by default): params ``2C``. Buffers ``running_mean`` and
    ``running_var`` (``C`` each) and ``num_batches_tracked`` (1) when ``track_running_stats``
    (off by default). A ``num_features`` other than ``C`` is refused when ``affine`` or
    ``track_running_stats`` use it, and only warned of otherwise, as PyTorch does.
    """

    type: Literal["instancenorm1d", "instancenorm2d", "instancenorm3d"]
    num_features: Pos | None = Field(
        None, description="Checked against the incoming channels when given; inferred otherwise."
    )
    eps: Eps = 1e-5
    momentum: Momentum | None = 0.1
    affine: Bool = False
    track_running_stats: Bool = False
    torch_class: ClassVar[str] = "InstanceNorm{d}d"
    positional: ClassVar[tuple[str, ...]] = (
        "num_features",
        "eps",
        "momentum",
        "affine",
        "track_running_stats",
    )
    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"
    takes_unbatched: ClassVar[bool] = True

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Sometimes ``num_features`` (half the time wrong), affine, running stats, no momentum."""
        layer: dict[str, Any] = {}
        if chance(c, 30):
            layer["num_features"] = x[0] if chance(c, 50) else c.integer(1, 8)
        if chance(c, 30):
            layer["affine"] = True
        if chance(c, 30):
            layer["track_running_stats"] = True
        if chance(c, 10):
            layer["momentum"] = None
        return layer

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """The printout's ``bias`` must equal ``affine``."""
        return printed_affine(layer, name)

    def infer(self, x: Shape) -> Step:
        """Shape kept; ``2C`` params when affine; ``2C + 1`` buffers when tracking statistics."""
        name = self.torch_name(x)
        d = self.dims(x)
        if len(x) != d + 1:
            # PyTorch takes (C, *d axes) as one unbatched sample: a batched tensor of that
            # rank would have its batch read as the channels.
            code = "instance_norm_unbatched" if len(x) == d else "instance_norm_rank"
            raise FieldError(
                None,
                msg(
                    code,
                    name=name,
                    batched=d + 2,
                    unbatched=d + 1,
                    rank=len(x) + 1,
                    shape=fmt(x),
                ),
                ErrorCode.RANK,
            )
        c = x[0]
        notes: list[Note] = []
        given = self.num_features
        if given is not None and given != c:
            if self.affine or self.track_running_stats:
                code = "instance_norm_features" if self.affine else "num_features_mismatch"
                raise FieldError(
                    "num_features", msg(code, given=given, actual=c), ErrorCode.CHANNELS
                )
            notes.append(Note(WarningCode.UNUSED_NUM_FEATURES, {"given": given, "actual": c}))
        if prod(x[1:]) == 1:
            if not self.track_running_stats:
                raise FieldError(
                    None, msg("single_spatial_element", shape=fmt(x)), ErrorCode.SINGLE_SPATIAL
                )
            notes.append(Note(WarningCode.SINGLE_SPATIAL_NORM, {}))
        return Step(
            output=x,
            weight=(c,) if self.affine else None,
            bias=(c,) if self.affine else None,
            params=2 * c if self.affine else 0,
            buffers=2 * c + 1 if self.track_running_stats else 0,
            notes=tuple(notes),
        )

    def explain(self, x: Shape, step: Step) -> Worked:
        """Statistics per sample and channel over the spatial values; ``γ`` and ``β`` if affine."""
        names = axis_names(len(x) - 1)
        spatial = prod(x[1:])
        formula = f"{' × '.join(names)} = {shape_formula(x[1:])} = {spatial}"
        if len(names) == 1:
            formula = f"{names[0]} = {spatial}"
        first = say("kept_instance_norm", formula, name=self.torch_name(x), n=spatial)
        worked = channel_norm_worked(self, x, step, self.affine, first)
        if self.track_running_stats:
            worked["params"].append(buffer_line(x[0], step.buffers))
        return worked

    def param_mistakes(self, step: Step) -> dict[Mistake, Fraction]:
        """The running statistics (buffers) counted as parameters."""
        return (
            {Mistake.COUNTED_BUFFERS: Fraction(step.params + step.buffers)} if step.buffers else {}
        )

    def course_layer(self, x: Shape) -> str:
        """``InstanceNorm2d(64, affine=True)``: ``num_features`` first when given."""
        return first_positional(self, x, "num_features")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.InstanceNormNd`` arguments."""
        return {
            "num_features": x[0] if self.num_features is None else self.num_features,
            "eps": self.eps,
            "momentum": self.momentum,
            "affine": self.affine,
            "track_running_stats": self.track_running_stats,
        }


class LocalResponseNorm(LayerSpec):
    """Local response normalisation (``nn.LocalResponseNorm``) across channels, as in AlexNet.

    ``b_c = a_c / (k + α/n × Σ a_c'²)^β``, the sum over the ``n = size`` channels ``c'`` from
    ``c - ⌊n/2⌋`` to ``c + ⌊(n - 1)/2⌋`` (zeros past either end). Takes ``C × *`` with at
    least one axis after the channels (3-D or more with the batch). Shape kept; no
    parameters, no buffers, no MACs (FlopCounterMode counts none). A unit mixes channels at
    its own position only: its receptive field is that position.
    """

    type: Literal["localresponsenorm"]
    size: Pos
    alpha: Real = 1e-4
    beta: Real = 0.75
    k: Real = 1.0
    torch_class: ClassVar[str] = "LocalResponseNorm"
    positional: ClassVar[tuple[str, ...]] = ("size", "alpha", "beta", "k")
    notation_names: ClassVar[dict[str, str]] = {"lrn": "localresponsenorm"}
    picture: ClassVar[str] = "pointwise"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """A size from 1 to past the channels; sometimes AlexNet's ``k = 2``."""
        layer: dict[str, Any] = {"size": c.integer(1, x[0] + 3)}
        if chance(c, 30):
            layer["k"] = 2.0
        return layer

    def reads_per_output(self) -> int:
        """Each output value reads ``size`` channels (the torch check's cost bound)."""
        return self.size

    def infer(self, x: Shape) -> Step:
        """Shape kept; nothing learned."""
        if len(x) < 2:
            raise FieldError(None, msg("lrn_rank", rank=len(x) + 1, shape=fmt(x)), ErrorCode.RANK)
        return Step(output=x)

    def explain(self, x: Shape, step: Step) -> Worked:
        """The division by the channels' neighbourhood; the shape kept; no parameters."""
        n = self.size
        before, after = n // 2, (n - 1) // 2
        formula = (
            f"b_c = a_c / (k + α/n × Σ a_c'²)^β = a_c / ({self.k:g} + {self.alpha:g}/{n} "
            f"× Σ a_c'²)^{self.beta:g}"
        )
        first = say("kept_lrn", formula, n=n, before=before, after=after, c=x[0])
        return without_parameters(kept_lines(first, x), "params_lrn")

    def course_layer(self, x: Shape) -> str:
        """``LocalResponseNorm(5, k=2.0)``: the size first, as the course writes AlexNet's."""
        return first_positional(self, x, "size")

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``nn.LocalResponseNorm`` arguments."""
        return {"size": self.size, "alpha": self.alpha, "beta": self.beta, "k": self.k}
