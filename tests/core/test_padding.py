"""Padding layers: shapes, refusals, receptive field, notation, export and explanations.

Every expected value is worked by hand from PyTorch's documented rule
``N' = N + before + after`` (``W + left + right``, ``H + top + bottom``, ``D + front + back``),
with ``padding`` given last axis first; ``tests/torch/test_padding.py`` runs the same cases in
torch.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core import LayerError, analyze
from app.core.errors import ErrorCode
from app.core.explain import explain_analysis
from app.core.export import to_course, to_pytorch
from app.core.layers import LAYERS_ADAPTER
from app.core.layers.base import Window
from app.core.notation import parse_stack
from app.core.shapes import AxisGeometry

L = dict[str, Any]


def one(layer: L) -> Any:
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    return spec


SHAPES = [
    # One int pads every side: 8 + 1 + 1 = 10 on H and W.
    ((3, 8, 8), {"type": "zeropad2d", "padding": 1}, (3, 10, 10)),
    # (left, right, top, bottom) = (1, 2, 0, 1): H 8 + 0 + 1 = 9, W 8 + 1 + 2 = 11.
    ((3, 8, 8), {"type": "zeropad2d", "padding": [1, 2, 0, 1]}, (3, 9, 11)),
    # L 10 + 3 + 1 = 14.
    ((2, 10), {"type": "reflectionpad1d", "padding": [3, 1]}, (2, 14)),
    # (left, right, top, bottom, front, back) = (1, 0, 2, 1, 0, 3):
    # D 4 + 0 + 3 = 7, H 5 + 2 + 1 = 8, W 6 + 1 + 0 = 7.
    (
        (2, 4, 5, 6),
        {"type": "replicationpad3d", "padding": [1, 0, 2, 1, 0, 3]},
        (2, 7, 8, 7),
    ),
    # 2 on every side: 5 + 4 = 9, 6 + 4 = 10.
    ((4, 5, 6), {"type": "constantpad2d", "padding": 2, "value": 3.5}, (4, 9, 10)),
    # Negative sides crop: W 8 - 1 + 2 = 9, H 5 + 1 - 2 = 4.
    (
        (2, 5, 8),
        {"type": "constantpad2d", "padding": [-1, 2, 1, -2], "value": 0},
        (2, 4, 9),
    ),
    # A zero pad may crop the whole axis and pad it again: 5 - 5 + 5 = 5.
    ((1, 5), {"type": "zeropad1d", "padding": [-5, 5]}, (1, 5)),
    # A replication pad crops past the input as long as the output stays: 5 - 6 + 10 = 9.
    ((1, 5), {"type": "replicationpad1d", "padding": [-6, 10]}, (1, 9)),
    # A reflection pad's negative side is no limit either: 5 - 6 + 2 = 1.
    ((1, 5), {"type": "reflectionpad1d", "padding": [-6, 2]}, (1, 1)),
    # Short forms take the dimension from the input: 2-D here, 3 + 2 + 2 = 7.
    ((1, 3, 3), {"type": "zeropad", "padding": 2}, (1, 7, 7)),
    ((1, 3), {"type": "replicationpad", "padding": [0, 4]}, (1, 7)),
]
"""(input, layer, output): shapes worked by hand."""
SHAPE_IDS = [
    "zero-int",
    "zero-asymmetric",
    "reflection-1d",
    "replication-3d-order",
    "constant-int",
    "constant-crop",
    "zero-crop-all-and-pad",
    "replication-crop-past",
    "reflection-negative",
    "short-2d",
    "short-1d",
]


@pytest.mark.parametrize(("x", "layer", "output"), SHAPES, ids=SHAPE_IDS)
def test_output_shapes(x: tuple[int, ...], layer: L, output: tuple[int, ...]) -> None:
    step = one(layer).infer(x)
    assert step.output == output
    assert (step.weight, step.bias, step.params, step.buffers, step.macs) == (None, None, 0, 0, 0)


def test_the_padding_before_each_axis_moves_its_window() -> None:
    # (1, 2, 0, 1): H gets 0 before (top) and 1 after, W 1 before (left) and 2 after.
    step = one({"type": "zeropad2d", "padding": [1, 2, 0, 1]}).infer((3, 8, 8))
    assert step.windows == (Window(0, 1, 0), Window(0, 1, -1))
    assert step.geometry == (AxisGeometry(8, 1, 1, 0, 1), AxisGeometry(8, 1, 1, 1, 2))


REFUSALS = [
    # Reflection: each side smaller than the input, 5 is not < 5.
    (
        (3, 5),
        {"type": "reflectionpad1d", "padding": [5, 0]},
        ErrorCode.PADDING_TOO_LARGE,
        "(5, 0) on L",
    ),
    (
        (3, 5, 6),
        {"type": "reflectionpad2d", "padding": [0, 0, 5, 0]},
        ErrorCode.PADDING_TOO_LARGE,
        "(5, 0) on H",
    ),
    (
        (3, 5),
        {"type": "reflectionpad1d", "padding": [-5, 5]},
        ErrorCode.PADDING_TOO_LARGE,
        "size 5",
    ),
    # Output below 1: 5 - 2 - 3 = 0.
    (
        (3, 5),
        {"type": "zeropad1d", "padding": [-2, -3]},
        ErrorCode.OUTPUT_TOO_SMALL,
        "size of 0",
    ),
    ((3, 5), {"type": "replicationpad1d", "padding": [-5, 0]}, ErrorCode.OUTPUT_TOO_SMALL, "0"),
    (
        (3, 5),
        {"type": "reflectionpad1d", "padding": [-3, -3]},
        ErrorCode.OUTPUT_TOO_SMALL,
        "-1",
    ),
    # A constant pad crops first: 5 - 6 < 0 values left, although 5 - 6 + 10 = 9.
    ((3, 5), {"type": "zeropad1d", "padding": [-6, 10]}, ErrorCode.PADDING_TOO_LARGE, "narrow"),
    (
        (3, 5, 6),
        {"type": "constantpad2d", "padding": [0, 0, -6, 0], "value": 1.0},
        ErrorCode.PADDING_TOO_LARGE,
        "crops 6",
    ),
    # Wrong counts: odd (PyTorch refuses too), or pairs for other axes (not modelled).
    ((3, 5, 6), {"type": "zeropad2d", "padding": [1, 2, 3]}, ErrorCode.AXES, "divisible by 2"),
    ((3, 5, 6), {"type": "zeropad2d", "padding": [1]}, ErrorCode.AXES, "4 values"),
    ((3, 5, 6), {"type": "zeropad2d", "padding": [1, 2]}, ErrorCode.UNSUPPORTED, "top, bottom"),
    (
        (3, 5, 6),
        {"type": "reflectionpad2d", "padding": [1, 1, 1, 1, 1, 1]},
        ErrorCode.UNSUPPORTED,
        "4 values",
    ),
    # Ranks: a 2-D pad takes C×H×W (batched N×C×H×W), a 1-D one C×L.
    ((3, 5), {"type": "zeropad2d", "padding": 1}, ErrorCode.RANK, "C×H×W"),
    ((2, 3, 5, 6), {"type": "reflectionpad1d", "padding": 1}, ErrorCode.RANK, "C×L"),
    ((7,), {"type": "replicationpad", "padding": 1}, ErrorCode.RANK, "spatial"),
]
"""(input, layer, code, words of the message): what cnncalc refuses, as PyTorch does."""
REFUSAL_IDS = [
    "reflection-equal-to-input",
    "reflection-2d-height",
    "reflection-negative-left-large-right",
    "zero-output-empty",
    "replication-output-empty",
    "reflection-output-negative",
    "zero-crop-more-than-input",
    "constant-2d-crop-more-than-input",
    "odd-count",
    "one-value-list",
    "two-values-for-2d",
    "six-values-for-2d",
    "2d-pad-on-1d-input",
    "1d-pad-on-2d-input",
    "short-form-on-a-vector",
]


@pytest.mark.parametrize(("x", "layer", "code", "words"), REFUSALS, ids=REFUSAL_IDS)
def test_refusals_name_the_layer_and_field(
    x: tuple[int, ...], layer: L, code: ErrorCode, words: str
) -> None:
    with pytest.raises(LayerError) as refused:
        analyze(list(x), [{"type": "relu"}, layer])
    error = refused.value
    assert error.index == 1
    assert error.code is code
    assert error.field == (None if code is ErrorCode.RANK else "padding")
    assert words in error.message
    assert str(error).startswith(f"layer 1 ({layer['type']}): ")


def test_an_asymmetric_zero_pad_before_a_3x3_convolution_moves_the_start() -> None:
    # The pad (left, right, top, bottom) = (2, 1, 2, 1): on each axis the field of its units
    # is one input value, the first unit's centre at 0 - 2 × 1 = -2, effective padding
    # (1 - 1) / 2 - (-2) = 2. The 3×3 convolution (no padding of its own): size 1 + 2 × 1 = 3,
    # start -2 + (3 - 1) / 2 × 1 = -1, effective padding (3 - 1) / 2 - (-1) = 2.
    analysis = analyze(
        [3, 8, 8],
        [
            {"type": "zeropad2d", "padding": [2, 1, 2, 1]},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
        ],
    )
    pad, conv = (r.receptive_field for r in analysis.layers)
    assert (pad.size, pad.jump, pad.start, pad.padding) == ((1, 1), (1, 1), (-2, -2), (2, 2))
    assert (conv.size, conv.jump, conv.start, conv.padding) == ((3, 3), (1, 1), (-1, -1), (2, 2))
    # Shapes: 8 + 2 + 1 = 11, then 11 - 3 + 1 = 9.
    assert [r.output_shape for r in analysis.layers] == [(3, 11, 11), (4, 9, 9)]


def test_the_course_example_pad_then_a_padded_convolution() -> None:
    # ZeroPad2d((1, 2, 0, 1)): H moves by the top 0, W by the left 1. Then a 3×3 convolution
    # with P = 1: start + (3 - 1) / 2 - 1 = start, so H starts at 0 (padding 1 - 0 = 1) and W
    # at -1 (padding 1 - (-1) = 2). Shapes: 8 + 0 + 1 = 9 and 8 + 1 + 2 = 11, kept by P = 1.
    analysis = analyze(
        [3, 8, 8],
        "ZeroPad2d((1, 2, 0, 1))\nConv2d(3, 4, kernel_size=3, padding=1)",
    )
    conv = analysis.layers[1]
    assert conv.output_shape == (4, 9, 11)
    assert conv.receptive_field.start == (0.0, -1.0)
    assert conv.receptive_field.padding == (1, 2)


def test_tf_same_padding_written_with_zero_pads_gives_the_resnet_stem_table() -> None:
    # TensorFlow's "SAME" pads max((ceil(N / S) - 1) S + K - N, 0) in all, the odd one after.
    # On 224: the 7×7 stride-2 convolution pads 111 × 2 + 7 - 224 = 5 -> (2, 3); the 3×3
    # stride-2 max pooling on 112 pads 55 × 2 + 3 - 112 = 1 -> (0, 1).
    layers: list[L] = [
        {"type": "zeropad2d", "padding": [2, 3, 2, 3]},
        {"type": "conv2d", "out_channels": 64, "kernel_size": 7, "stride": 2, "bias": False},
        {"type": "batchnorm2d"},
        {"type": "relu"},
        {"type": "zeropad2d", "padding": [0, 1, 0, 1]},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
    ]
    analysis = analyze([3, 224, 224], layers)
    shapes = [r.output_shape[1] for r in analysis.layers]
    # 224 + 5 = 229; (229 - 7) / 2 + 1 = 112; 112 + 1 = 113; (113 - 3) / 2 + 1 = 56.
    assert shapes == [229, 112, 112, 112, 113, 56]
    fields = [
        (r.receptive_field.size[0], r.receptive_field.jump[0], r.receptive_field.start[0])
        for r in analysis.layers
    ]
    # The pad: start 0 - 2 = -2. The convolution: size 7, jump 2, start -2 + 3 = 1. The second
    # pad adds nothing before: start 1. The pooling: size 7 + 2 × 2 = 11, jump 4,
    # start 1 + 1 × 2 = 3. Effective padding (11 - 1) / 2 - 3 = 2 (PyTorch's P = 3 gives 3).
    assert fields == [(1, 1, -2), (7, 2, 1), (7, 2, 1), (7, 2, 1), (7, 2, 1), (11, 4, 3)]
    assert analysis.layers[-1].receptive_field.padding == (2, 2)


@pytest.mark.parametrize(
    ("text", "layer"),
    [
        ("ZeroPad2d(1)", {"type": "zeropad2d", "padding": 1}),
        ("ZeroPad2d((1, 2, 0, 1))", {"type": "zeropad2d", "padding": [1, 2, 0, 1]}),
        ("ConstantPad2d(2, 3.5)", {"type": "constantpad2d", "padding": 2, "value": 3.5}),
        ("ReflectionPad1d((3, 1))", {"type": "reflectionpad1d", "padding": [3, 1]}),
        ("ReplicationPad3d(padding=1)", {"type": "replicationpad3d", "padding": 1}),
        ("ZeroPad(2)", {"type": "zeropad", "padding": 2}),
        # PyTorch's printout: the int is repeated on every side; ConstantPad names both.
        ("ZeroPad2d((1, 1, 1, 1))", {"type": "zeropad2d", "padding": [1, 1, 1, 1]}),
        (
            "ConstantPad2d(padding=(2, 2, 2, 2), value=3.5)",
            {"type": "constantpad2d", "padding": [2, 2, 2, 2], "value": 3.5},
        ),
        ("ZeroPad1d((-1, 2))", {"type": "zeropad1d", "padding": [-1, 2]}),
    ],
)
def test_the_notation_reads_the_course_and_the_printout(text: str, layer: L) -> None:
    assert parse_stack(text) == [layer]


def test_the_course_notation_writes_the_padding_as_given() -> None:
    x = (3, 8, 8)
    assert one({"type": "zeropad2d", "padding": 1}).course_layer(x) == "ZeroPad2d(1)"
    assert (
        one({"type": "zeropad2d", "padding": [1, 2, 0, 1]}).course_layer(x)
        == "ZeroPad2d((1, 2, 0, 1))"
    )
    constant = one({"type": "constantpad2d", "padding": 2, "value": 3.5})
    assert constant.course_layer(x) == "ConstantPad2d(2, 3.5)"
    assert one({"type": "reflectionpad", "padding": [3, 1]}).course_layer((2, 9)) == (
        "ReflectionPad1d((3, 1))"
    )


def test_export_writes_pytorch_and_the_course_table() -> None:
    layers: list[L] = [
        {"type": "zeropad2d", "padding": [1, 2, 0, 1]},
        {"type": "constantpad", "padding": 1, "value": -1.0},
    ]
    code = to_pytorch([3, 8, 8], layers)
    assert "nn.ZeroPad2d(padding=(1, 2, 0, 1))," in code
    assert "nn.ConstantPad2d(padding=1, value=-1.0)," in code
    # 8 + 0 + 1 = 9, 8 + 1 + 2 = 11; then 9 + 2 = 11 and 11 + 2 = 13.
    assert to_course([3, 8, 8], layers).splitlines()[2:] == [
        "ZeroPad2d((1, 2, 0, 1))\t3 x 9 x 11",
        "ConstantPad2d(1, -1.0)\t3 x 11 x 13",
    ]


def test_explanations_name_the_numbers_in_both_languages() -> None:
    specs = LAYERS_ADAPTER.validate_python(
        [
            {"type": "zeropad2d", "padding": [1, 2, 0, 1]},
            {"type": "reflectionpad2d", "padding": [-1, 0, 0, 0]},
        ]
    )
    analysis = analyze([3, 8, 8], specs)
    french = [r.explanation or [] for r in explain_analysis(analysis, specs, "fr").layers]
    english = [r.explanation or [] for r in explain_analysis(analysis, specs, "en").layers]
    formulas = [s.formula for s in french[0]]
    assert "H' = H + top + bottom = 8 + 0 + 1 = 9" in formulas
    assert "W' = W + left + right = 8 + 1 + 2 = 11" in formulas
    assert "C × H' × W' = 3 × 9 × 11" in formulas
    # The field: W's first unit moves by the left padding, 0 - 1 × 1 = -1.
    assert "start' = start − P × j = 0 − 1 × 1 = -1" in formulas
    texts = " ".join(s.text for s in french[0])
    assert "ZeroPad2d remplit le nouveau bord avec des zéros." in texts
    assert "padding 1 avant (à gauche) et 2 après (à droite)" in texts
    assert "Pas de paramètres à apprendre" in texts
    # A crop of one column: 11 - 1 + 0 = 10; the start moves back, -1 - (-1) × 1 = 0.
    crop = [s.formula for s in english[1]]
    assert "W' = W + left + right = 11 + (-1) + 0 = 10" in crop
    assert "start' = start − P × j = -1 − (-1) × 1 = 0" in crop
    said = " ".join(s.text for s in english[1])
    assert "the input loses 1 along W in all" in said
    assert "smaller than the input along that axis" in said


def test_a_french_refusal_of_a_reflection_pad() -> None:
    with pytest.raises(LayerError) as refused:
        analyze([3, 4], [{"type": "reflectionpad1d", "padding": [4, 0]}])
    assert refused.value.text("fr") == (
        "couche 0 (reflectionpad1d) : le padding par réflexion (4, 0) selon L doit être plus "
        "petit que la taille 4 de l'entrée selon cet axe (PyTorch : le padding doit être plus "
        "petit que la dimension d'entrée)"
    )


@pytest.mark.parametrize(("x", "layer", "code", "words"), REFUSALS, ids=REFUSAL_IDS)
def test_every_refusal_reads_in_french(
    x: tuple[int, ...], layer: L, code: ErrorCode, words: str
) -> None:
    with pytest.raises(LayerError) as refused:
        analyze(list(x), [{"type": "relu"}, layer])
    french = refused.value.text("fr")
    assert french.startswith(f"couche 1 ({layer['type']}) : ")
    english = refused.value.text("en")
    assert english.split(": ", 1)[1] not in french
    for word in ("left", "right", "top", "bottom", "must", "values", "input"):
        assert word not in french.split(" : ", 1)[1], french
