"""What every layer kind owns, checked by walking the registry; the per-axis geometry."""

from __future__ import annotations

import random
from fractions import Fraction
from typing import get_args

import pytest

from app.core.errors import ErrorCode, FieldError
from app.core.explain import message
from app.core.layers import LAYERS_ADAPTER, REGISTRY, TYPE_INDEX, LayerSpec, Step, catalogue
from app.core.layers.base import NAME_INDEX, Measurement, Mistake
from app.core.notation import parse_stack
from app.core.shapes import AxisGeometry


def test_a_convolution_expands_its_geometry_once_with_same_padding_resolved() -> None:
    (conv,) = LAYERS_ADAPTER.validate_python(
        [
            {
                "type": "conv2d",
                "out_channels": 4,
                "kernel_size": [4, 3],
                "padding": "same",
                "dilation": [1, 2],
            }
        ]
    )
    step = conv.infer((3, 10, 9))
    # D(K-1) padded in all, the odd unit after: 3 -> 1 + 2, 4 -> 2 + 2.
    assert step.geometry == (AxisGeometry(10, 4, 1, 1, 2, 1), AxisGeometry(9, 3, 1, 2, 2, 2))
    assert [a.k_eff for a in step.geometry] == [4, 5]


def test_a_pooling_geometry_takes_the_kernel_for_its_default_stride() -> None:
    (pool,) = LAYERS_ADAPTER.validate_python(
        [{"type": "maxpool2d", "kernel_size": 3, "padding": [1, 0]}]
    )
    assert pool.infer((2, 7, 6)).geometry == (
        AxisGeometry(7, 3, 3, 1, 1, 1),
        AxisGeometry(6, 3, 3, 0, 0, 1),
    )


def test_a_transposed_convolution_keeps_its_output_padding_in_the_geometry() -> None:
    (deconv,) = LAYERS_ADAPTER.validate_python(
        [
            {
                "type": "convtranspose1d",
                "out_channels": 2,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            }
        ]
    )
    assert deconv.infer((1, 5)).geometry == (AxisGeometry(5, 3, 2, 1, 1, 1, 1),)


def test_layers_without_windows_have_no_geometry() -> None:
    layers = LAYERS_ADAPTER.validate_python(
        [{"type": "relu"}, {"type": "adaptiveavgpool2d", "output_size": 1}, {"type": "flatten"}]
    )
    assert [layer.infer((2, 4, 4)).geometry for layer in layers] == [(), (), ()]


# --- every kind owns its capabilities -------------------------------------------------------

SAMPLES: dict[str, tuple[tuple[int, ...], dict[str, object]]] = {
    "Conv": ((3, 8, 8), {"type": "conv2d", "out_channels": 4, "kernel_size": 3}),
    "ConvTranspose": ((3, 8, 8), {"type": "convtranspose2d", "out_channels": 4, "kernel_size": 3}),
    "MaxPool": ((3, 8, 8), {"type": "maxpool2d", "kernel_size": 2}),
    "AvgPool": ((3, 8, 8), {"type": "avgpool2d", "kernel_size": 2}),
    "AdaptiveAvgPool": ((3, 8, 8), {"type": "adaptiveavgpool2d", "output_size": 3}),
    "AdaptiveMaxPool": ((3, 8, 8), {"type": "adaptivemaxpool2d", "output_size": 3}),
    "Flatten": ((3, 8, 8), {"type": "flatten"}),
    "Linear": ((12,), {"type": "linear", "out_features": 5}),
    "BatchNorm": ((3, 8, 8), {"type": "batchnorm2d"}),
    "LayerNorm": ((3, 8, 8), {"type": "layernorm"}),
    "GroupNorm": ((4, 8, 8), {"type": "groupnorm", "num_groups": 2}),
    "InstanceNorm": ((3, 8, 8), {"type": "instancenorm2d", "affine": True}),
    "LocalResponseNorm": ((6, 8, 8), {"type": "localresponsenorm", "size": 5, "k": 2.0}),
    "Activation": ((3, 8, 8), {"type": "relu"}),
    "LeakyReLU": ((3, 8, 8), {"type": "leakyrelu"}),
    "ELU": ((3, 8, 8), {"type": "elu"}),
    "GELU": ((3, 8, 8), {"type": "gelu"}),
    "Softmax": ((3, 8, 8), {"type": "softmax", "dim": 1}),
    "PReLU": ((3, 8, 8), {"type": "prelu"}),
    "Dropout": ((3, 8, 8), {"type": "dropout"}),
    "FeatureDropout": ((3, 8, 8), {"type": "dropout2d"}),
    "ZeroPad": ((3, 8, 8), {"type": "zeropad2d", "padding": [1, 2, 0, 1]}),
    "ConstantPad": ((3, 8, 8), {"type": "constantpad2d", "padding": 2, "value": 3.5}),
    "ReflectionPad": ((3, 8), {"type": "reflectionpad1d", "padding": [3, 1]}),
    "ReplicationPad": ((2, 4, 5, 6), {"type": "replicationpad3d", "padding": [1, 0, 2, 1, 0, 3]}),
    "Upsample": ((3, 8, 8), {"type": "upsample", "scale_factor": 2, "mode": "bilinear"}),
    "PixelShuffle": ((8, 4, 4), {"type": "pixelshuffle", "upscale_factor": 2}),
    "PixelUnshuffle": ((3, 8, 8), {"type": "pixelunshuffle", "downscale_factor": 2}),
    "Add": ((3, 8, 8), {"type": "add"}),
    "Mul": ((3, 8, 8), {"type": "mul"}),
    "Concat": ((3, 8, 8), {"type": "concat", "dim": 2}),
}
"""One layer of every kind, on an input it accepts."""


def sample(kind: type[LayerSpec]) -> tuple[tuple[int, ...], LayerSpec]:
    """The sample layer of ``kind``; a kind with none fails the walk."""
    assert kind.__name__ in SAMPLES, f"{kind.__name__} has no sample in tests/core/test_kinds.py"
    x, layer = SAMPLES[kind.__name__]
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    assert type(spec) is kind
    return x, spec


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_tells_its_own_worked_steps_in_both_languages(kind: type[LayerSpec]) -> None:
    assert kind.explain is not LayerSpec.explain, f"{kind.__name__} does not explain its steps"
    x, spec = sample(kind)
    step = spec.infer(x)
    worked = spec.explain(x, step)
    assert set(worked) == {"output_shape", "weight_shape", "bias_shape", "params"}
    assert worked["output_shape"], "the output shape is always told"
    for lines in worked.values():
        for line in lines:
            if line.text is not None:
                for lang in ("en", "fr"):
                    assert message(line.text, lang)  # every code is in the catalogue


def test_a_kind_without_worked_steps_fails_loudly() -> None:
    class Mute(LayerSpec):  # a family base: declares no type, so it is not registered
        def infer(self, x: tuple[int, ...]) -> Step:
            return Step(output=x)

    with pytest.raises(NotImplementedError, match="Mute does not explain its steps"):
        Mute().explain((1, 2), Step(output=(1, 2)))
    assert Mute not in REGISTRY


PICTURES = {"conv", "pool", "linear", "flatten", "pointwise", "merge"}


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_says_how_it_is_written_and_drawn(kind: type[LayerSpec]) -> None:
    assert getattr(kind, "picture", None) in PICTURES, f"{kind.__name__} has no picture"
    takes_more = kind.read_notation is not LayerSpec.read_notation
    for name in kind.positional:
        assert name in kind.model_fields or takes_more, (kind.__name__, name)
    for tag in kind.tags:
        written = kind.tag_name(tag).lower()  # read back as the notation reads a name
        assert TYPE_INDEX[NAME_INDEX.get(written, written)] is kind, (tag, written)
    x, spec = sample(kind)
    # The course's notation of the sample reads back as the same layer.
    (layer,) = parse_stack(spec.course_layer(x))
    (back,) = LAYERS_ADAPTER.validate_python([layer])
    assert type(back) is kind  # the course's short form (conv) is the same kind as conv2d
    same = {"type", "in_features"}
    assert back.model_dump(exclude=same) == spec.model_dump(exclude=same)


def test_the_catalogue_publishes_what_the_page_needs() -> None:
    entries = {entry["kind"]: entry for entry in catalogue()}
    assert set(entries) == {kind.__name__ for kind in REGISTRY}
    conv = entries["Conv"]
    assert conv["names"] == {
        "conv1d": "Conv1d",
        "conv2d": "Conv2d",
        "conv3d": "Conv3d",
        "conv": "Conv",
    }
    assert conv["positional"][:3] == ["in_channels", "out_channels", "kernel_size"]
    assert conv["lone_positional"] == "out_channels"
    assert conv["picture"] == "conv"
    assert entries["Linear"]["arrow"] == ["in_features", "out_features"]
    assert entries["Activation"]["names"]["relu6"] == "ReLU6"
    assert entries["BatchNorm"]["picture"] == "pointwise"
    assert entries["Linear"]["notation_names"]["fc"] == "linear"


def fractions(*sizes: int) -> tuple[Fraction, ...]:
    """A shape as grading compares it."""
    return tuple(Fraction(n) for n in sizes)


def test_kinds_give_their_own_grading_candidates() -> None:
    conv, norm, pool, relu = LAYERS_ADAPTER.validate_python(
        [
            {"type": "conv2d", "out_channels": 20, "kernel_size": 5},
            {"type": "batchnorm2d"},
            {"type": "maxpool2d", "kernel_size": 2},
            {"type": "relu"},
        ]
    )
    step = conv.infer((3, 32, 32))  # weight 20×3×5×5, params 20 × (75 + 1) = 1520
    assert conv.param_mistakes(step) == {
        Mistake.C_OUT_TWICE: 1520 * 20,
        Mistake.FORGOT_C_OUT: 76,
        Mistake.FORGOT_C_IN: 20 * (25 + 1),
    }
    assert conv.weight_mistakes(step) == {Mistake.FORGOT_C_IN: fractions(20, 5, 5)}
    assert conv.size_mistakes((3, 32, 32), step)[Mistake.INPUT_CHANNELS] == fractions(3, 28, 28)
    # BatchNorm over 4 channels: 8 parameters, running mean and var and the count: 9 buffers.
    assert norm.param_mistakes(norm.infer((4, 6, 6))) == {Mistake.COUNTED_BUFFERS: 17}
    # A 2×2 pool of 7 with its default stride 2 taken as 1: (7 - 2) / 1 + 1 = 6.
    assert pool.size_mistakes((1, 7, 7), pool.infer((1, 7, 7)))[
        Mistake.STRIDE_DEFAULT
    ] == fractions(1, 6, 6)
    assert relu.size_mistakes((1, 7, 7), relu.infer((1, 7, 7))) == {}


# --- what the torch check and the differential test ask each kind ---------------------------


class SeededChooser:
    """A ``Chooser`` over a seeded ``random.Random``."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_has_a_random_case(kind: type[LayerSpec]) -> None:
    x, own = sample(kind)
    chooser = SeededChooser(11)
    accepted = 0
    for _ in range(40):
        fields = kind.random_fields(chooser, x)
        assert "type" not in fields
        for tag in kind.tags:
            # Schema-valid always (wrong values are wrong for the input, never for the schema).
            (spec,) = LAYERS_ADAPTER.validate_python([{"type": tag, **fields}])
            assert type(spec) is kind
        (spec,) = LAYERS_ADAPTER.validate_python([{"type": own.kind, **fields}])
        try:
            spec.infer(x)
            accepted += 1
        except FieldError:
            pass
    assert accepted >= 20, f"{kind.__name__}: {accepted} of 40 random cases accepted"


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_has_a_torch_mapping(kind: type[LayerSpec]) -> None:
    assert isinstance(getattr(kind, "torch_class", None), str), kind.__name__
    x, spec = sample(kind)
    name = spec.torch_name(x)
    assert name.isidentifier(), name
    assert name[0].isupper(), name
    assert "{" not in name
    assert isinstance(spec.torch_kwargs(x), dict)


@pytest.mark.parametrize("kind", REGISTRY, ids=lambda k: k.__name__)
def test_every_kind_says_how_its_receptive_field_is_measured(kind: type[LayerSpec]) -> None:
    treatment = getattr(kind, "measured_as", None)
    assert treatment in get_args(Measurement), f"{kind.__name__} declares no measurement"
    x, spec = sample(kind)
    step = spec.infer(x)
    if treatment == "identity":
        assert step.windows is None  # a kind with windows is never measured as an identity
    elif treatment == "whole_input":
        assert step.global_field
    else:
        assert step.windows is not None
    if treatment == "window_average":
        assert len(step.geometry) == len(x) - 1


def test_a_kind_without_a_random_case_or_a_measurement_fails_loudly() -> None:
    class Mute(LayerSpec):  # a family base: declares no type, so it is not registered
        pass

    with pytest.raises(NotImplementedError, match="Mute has no random case"):
        Mute.random_fields(SeededChooser(1), (1, 2))
    assert not hasattr(Mute, "measured_as")


def test_the_measurement_treatments_of_the_windowed_kinds() -> None:
    treatments = {kind.__name__: kind.measured_as for kind in REGISTRY}
    assert treatments["Conv"] == "as_is"
    assert treatments["ConvTranspose"] == "as_is"
    assert treatments["AvgPool"] == "as_is"
    assert treatments["AdaptiveAvgPool"] == "as_is"
    # A max's gradient reaches one value of its window: measured as an average instead.
    assert treatments["MaxPool"] == "window_average"
    assert treatments["AdaptiveMaxPool"] == "adaptive_average"
    assert treatments["Linear"] == "whole_input"


def test_kinds_whose_torch_class_also_reads_one_unbatched_sample() -> None:
    unbatched = {kind.__name__ for kind in REGISTRY if kind.takes_unbatched}
    assert unbatched == {
        "Conv",
        "ConvTranspose",
        "MaxPool",
        "AvgPool",
        "AdaptiveAvgPool",
        "AdaptiveMaxPool",
        "FeatureDropout",
        "InstanceNorm",
        "ZeroPad",
        "ConstantPad",
        "ReflectionPad",
        "ReplicationPad",
    }


@pytest.mark.parametrize("tag", ["adaptiveavgpool", "maxpool", "conv", "avgpool"])
def test_a_short_form_on_a_vector_names_no_torch_class(tag: str) -> None:
    fields = {"output_size": 1} if tag.startswith("adaptive") else {"kernel_size": 1}
    if tag == "conv":
        fields["out_channels"] = 1
    (spec,) = LAYERS_ADAPTER.validate_python([{"type": tag, **fields}])
    with pytest.raises(FieldError) as refused:
        spec.torch_name((5,))  # no spatial axis: there is no …0d class
    assert refused.value.code is ErrorCode.RANK
    assert spec.torch_name((5, 7)).endswith("1d")
