"""Upsample, PixelShuffle and PixelUnshuffle: shapes, refusals, windows, words and notation.

Expected values come from PyTorch's documented rules worked by hand (``floor(N × s)`` in
double precision, ``C / r²``, ``H / r``) and from PyTorch's source index (``UpSample.h``);
``tests/torch/test_resample.py`` checks the same rules against torch run on the spot.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import pytest

from app.core import LayerError, analyze
from app.core.analysis import parse_layers
from app.core.errors import ErrorCode
from app.core.export import to_course
from app.core.layers import LAYERS_ADAPTER, catalogue
from app.core.layers.base import Window
from app.core.notation import parse_stack
from tests.core.test_explain import check_numbers

L = dict[str, Any]


def infer(shape: tuple[int, ...], layer: L) -> Any:
    (spec,) = LAYERS_ADAPTER.validate_python([layer])
    return spec.infer(shape)


@pytest.mark.parametrize(
    ("shape", "layer", "out"),
    [
        ((3, 5, 7), {"type": "upsample", "scale_factor": 2}, (3, 10, 14)),
        # 50 × 2.3 is 114.99999999999999 in double precision: PyTorch floors it to 114.
        ((1, 50), {"type": "upsample", "scale_factor": 2.3}, (1, 114)),
        ((1, 10), {"type": "upsample", "scale_factor": 0.25, "mode": "linear"}, (1, 2)),
        ((2, 3, 3), {"type": "upsample", "size": [4, 6], "mode": "bilinear"}, (2, 4, 6)),
        ((2, 3, 4), {"type": "upsample", "scale_factor": [2, 3]}, (2, 6, 12)),
        ((2, 3, 4), {"type": "upsample", "size": 5, "mode": "bicubic"}, (2, 5, 5)),
        (
            (1, 2, 3, 4),
            {"type": "upsample", "scale_factor": 1.5, "mode": "trilinear", "align_corners": True},
            (1, 3, 4, 6),
        ),
        (
            (1, 9),
            {"type": "upsample", "scale_factor": 1.5, "recompute_scale_factor": True},
            (1, 13),
        ),
        ((8, 4, 5), {"type": "pixelshuffle", "upscale_factor": 2}, (2, 8, 10)),
        ((9, 2, 2), {"type": "pixelshuffle", "upscale_factor": 3}, (1, 6, 6)),
        ((3, 6, 4), {"type": "pixelunshuffle", "downscale_factor": 2}, (12, 3, 2)),
        ((1, 3, 3), {"type": "pixelunshuffle", "downscale_factor": 1}, (1, 3, 3)),
    ],
    ids=lambda v: str(v),
)
def test_output_shapes(shape: tuple[int, ...], layer: L, out: tuple[int, ...]) -> None:
    step = infer(shape, layer)
    assert step.output == out
    assert (step.params, step.buffers, step.macs, step.weight, step.bias) == (0, 0, 0, None, None)


@pytest.mark.parametrize(
    ("shape", "layer", "code", "field", "words"),
    [
        (
            (1, 4),
            {"type": "upsample", "scale_factor": 2, "align_corners": False},
            ErrorCode.ARGUMENTS,
            "align_corners",
            "align_corners option can only be set with the interpolating modes",
        ),
        (
            (1, 4),
            {"type": "upsample"},
            ErrorCode.ARGUMENTS,
            "scale_factor",
            "either size or scale_factor should be defined",
        ),
        (
            (1, 4),
            {"type": "upsample", "size": 3, "scale_factor": 2},
            ErrorCode.ARGUMENTS,
            "size",
            "only one of size or scale_factor should be defined",
        ),
        (
            (1, 4),
            {"type": "upsample", "size": 3, "recompute_scale_factor": True},
            ErrorCode.ARGUMENTS,
            "recompute_scale_factor",
            "recompute_scale_factor is not meaningful with an explicit size.",
        ),
        (
            (1, 4),
            {"type": "upsample", "size": [3, 4]},
            ErrorCode.AXES,
            "size",
            "Input and output must have the same number of spatial dimensions",
        ),
        (
            (1, 4, 4),
            {"type": "upsample", "scale_factor": [2, 2, 2]},
            ErrorCode.AXES,
            "scale_factor",
            "Input and scale_factor must have the same number of spatial dimensions",
        ),
        (
            (1, 4),
            {"type": "upsample", "scale_factor": 2, "mode": "bilinear"},
            ErrorCode.RANK,
            "mode",
            "Got 3D input, but bilinear mode needs 4D input",
        ),
        (
            (1, 4, 4),
            {"type": "upsample", "scale_factor": 2, "mode": "trilinear"},
            ErrorCode.RANK,
            "mode",
            "Got 4D input, but trilinear mode needs 5D input",
        ),
        (
            (1, 4),
            {"type": "upsample", "scale_factor": 2, "mode": "bicubic"},
            ErrorCode.RANK,
            "mode",
            "Only 3D, 4D and 5D input Tensors supported (got 3D)",
        ),
        (
            (4,),
            {"type": "upsample", "scale_factor": 2},
            ErrorCode.RANK,
            "mode",
            "Only 3D, 4D and 5D input Tensors supported (got 2D)",
        ),
        (
            (1, 4, 5),
            {"type": "upsample", "scale_factor": 0.2},
            ErrorCode.OUTPUT_TOO_SMALL,
            "scale_factor",
            "Input and output sizes should be greater than 0, but got input (H: 4, W: 5) and "
            "output (H: 0, W: 1)",
        ),
        (
            (1, 4),
            {"type": "upsample", "scale_factor": 1e308},
            ErrorCode.LIMIT,
            "scale_factor",
            "gives an output size no tensor can have",
        ),
        (
            (3, 4, 4),
            {"type": "pixelshuffle", "upscale_factor": 2},
            ErrorCode.NOT_DIVISIBLE,
            "upscale_factor",
            "input.size(-3)=3 is not divisible by 4",
        ),
        (
            (8,),
            {"type": "pixelshuffle", "upscale_factor": 2},
            ErrorCode.RANK,
            None,
            "pixel_shuffle expects input to have at least 3 dimensions, but got input with 2",
        ),
        (
            (8, 4),
            {"type": "pixelshuffle", "upscale_factor": 2},
            ErrorCode.UNSUPPORTED,
            None,
            "the batch as its channels",
        ),
        (
            (1, 8, 4, 4),
            {"type": "pixelunshuffle", "downscale_factor": 2},
            ErrorCode.UNSUPPORTED,
            None,
            "C×H×W only",
        ),
        (
            (3, 5, 4),
            {"type": "pixelunshuffle", "downscale_factor": 2},
            ErrorCode.NOT_DIVISIBLE,
            "downscale_factor",
            "expects height to be divisible by downscale_factor, but input.size(-2)=5",
        ),
        (
            (3, 4, 5),
            {"type": "pixelunshuffle", "downscale_factor": 2},
            ErrorCode.NOT_DIVISIBLE,
            "downscale_factor",
            "expects width to be divisible by downscale_factor, but input.size(-1)=5",
        ),
    ],
    ids=lambda v: str(v),
)
def test_refusals_name_the_field_in_torch_words_and_read_in_french(
    shape: tuple[int, ...], layer: L, code: ErrorCode, field: str | None, words: str
) -> None:
    with pytest.raises(LayerError) as caught:
        analyze(list(shape), [layer])
    error = caught.value
    assert (error.code, error.field) == (code, field)
    assert words in error.message
    french = error.message_in("fr")
    assert french != error.message
    assert words not in french


def test_schema_refusals() -> None:
    for layer in (
        {"type": "upsample", "scale_factor": 0},
        {"type": "upsample", "scale_factor": -2},
        {"type": "upsample", "scale_factor": True},
        {"type": "upsample", "size": 0},
        {"type": "upsample", "size": 2, "mode": "area"},
        {"type": "pixelshuffle", "upscale_factor": 0},
        {"type": "pixelunshuffle"},
    ):
        with pytest.raises(ValueError, match="validation error"):
            LAYERS_ADAPTER.validate_python([layer])


Reads = tuple[tuple[int, int, int], ...]


def window(
    span: int, stride: Fraction | int, offset: Fraction | int, phases: Reads | None = None
) -> Window:
    return Window(span, stride, offset, phases)


@pytest.mark.parametrize(
    ("shape", "layer", "expected"),
    [
        # Nearest by 2: output o reads floor(o / 2); the centre of the two copies of input i
        # is at output 2i + 1/2, so start = -1/4 and jump 1/2 (a transposed convolution of
        # kernel and stride 2). Phase by phase: outputs 2q and 2q + 1 both read input q.
        (
            (1, 6),
            {"type": "upsample", "scale_factor": 2},
            window(0, Fraction(1, 2), Fraction(-1, 4), ((0, 0, 1), (0, 0, 1))),
        ),
        (
            (1, 6),
            {"type": "upsample", "scale_factor": 3},
            window(0, Fraction(1, 3), Fraction(-1, 3), ((0, 0, 1), (0, 0, 1), (0, 0, 1))),
        ),
        # 6 -> 9: floor(2o / 3) reads 0 0 1 2 2 3 …; mean of floor(2o/3) - 2o/3 is -1/3.
        # Outputs 3q, 3q + 1, 3q + 2 read inputs 2q, 2q, 2q + 1.
        (
            (1, 6),
            {"type": "upsample", "size": 9},
            window(0, Fraction(2, 3), Fraction(-1, 3), ((0, 0, 1), (0, 0, 1), (1, 1, 1))),
        ),
        # Subsampling by 2: floor(2o) = 2o exactly.
        ((1, 8), {"type": "upsample", "scale_factor": 0.5}, window(0, 2, 0)),
        # The same size: every mode copies.
        ((1, 3), {"type": "upsample", "scale_factor": 1.2, "mode": "linear"}, window(0, 1, 0)),
        # Linear by 2: between (o + 1/2) / 2 - 1/2: two values, centred on average there.
        # Output 2q sits at q - 1/4 (reads q - 1 and q), 2q + 1 at q + 1/4 (q and q + 1).
        (
            (1, 6),
            {"type": "upsample", "scale_factor": 2, "mode": "linear"},
            window(1, Fraction(1, 2), Fraction(-1, 4), ((-1, 0, 1), (0, 1, 1))),
        ),
        # Linear 12 -> 4: (o + 1/2) × 3 - 1/2 = 3o + 1 is whole: one value, 1, 4, 7, 10.
        ((1, 12), {"type": "upsample", "size": 4, "mode": "linear"}, window(0, 3, 1)),
        # Linear 12 -> 6: 2o + 1/2: two values, centred at 2o + 1/2.
        ((1, 12), {"type": "upsample", "size": 6, "mode": "linear"}, window(1, 2, Fraction(1, 2))),
        # Corners aligned: o × (N - 1) / (O - 1), centred there; whole for 9 -> 5. 5 -> 9:
        # output 2q sits on input q (reads it alone), 2q + 1 between q and q + 1.
        (
            (1, 5),
            {"type": "upsample", "size": 9, "mode": "linear", "align_corners": True},
            window(1, Fraction(1, 2), 0, ((0, 0, 1), (0, 1, 1))),
        ),
        (
            (1, 9),
            {"type": "upsample", "size": 5, "mode": "linear", "align_corners": True},
            window(0, 2, 0),
        ),
        # Bicubic by 3: (o + 1/2) / 3 - 1/2 is q - 1/3, q, q + 1/3 for o = 3q, 3q + 1, 3q + 2:
        # four values from one before the floor, or the one value when it is whole.
        (
            (1, 6, 6),
            {"type": "upsample", "scale_factor": 3, "mode": "bicubic"},
            window(3, Fraction(1, 3), Fraction(-1, 3), ((-2, 1, 1), (0, 0, 1), (-1, 2, 1))),
        ),
        (
            (4, 6, 6),
            {"type": "pixelshuffle", "upscale_factor": 2},
            window(0, Fraction(1, 2), Fraction(-1, 4), ((0, 0, 1), (0, 0, 1))),
        ),
        ((1, 6, 6), {"type": "pixelunshuffle", "downscale_factor": 3}, window(2, 3, 1)),
    ],
    ids=lambda v: str(v),
)
def test_windows(shape: tuple[int, ...], layer: L, expected: Window) -> None:
    windows = infer(shape, layer).windows
    assert windows is not None
    assert set(windows) == {expected}


def test_a_scale_is_read_as_the_decimal_written() -> None:
    # 1.1 is not 11/10 in binary; the receptive field takes the decimal: jump 10/11.
    (w,) = infer((1, 20), {"type": "upsample", "scale_factor": 1.1}).windows
    assert w.stride == Fraction(10, 11)
    assert w.offset == Fraction(-5, 11)


def test_pixel_unshuffle_after_a_conv_moves_the_field_as_a_pooling_of_kernel_and_stride_r() -> None:
    analysis = analyze(
        [1, 12, 12],
        [
            {"type": "conv2d", "out_channels": 1, "kernel_size": 3, "padding": 1},
            {"type": "pixelunshuffle", "downscale_factor": 2},
        ],
    )
    rf = analysis.layers[1].receptive_field
    # size 3 + (2 - 1) × 1 = 4, jump 2, start 0 + 1/2 × 1 = 1/2, padding (4 - 1) / 2 - 1/2 = 1.
    assert (rf.size, rf.jump, rf.start, rf.padding) == ((4, 4), (2, 2), (0.5, 0.5), (1, 1))


STACKS: list[tuple[list[int], list[L]]] = [
    (
        [8, 6, 6],
        [
            {"type": "pixelshuffle", "upscale_factor": 2},
            {"type": "conv2d", "out_channels": 4, "kernel_size": 3},
            {"type": "pixelunshuffle", "downscale_factor": 2},
            {"type": "upsample", "scale_factor": 2.5, "mode": "bicubic", "align_corners": True},
        ],
    ),
    (
        [2, 10],
        [
            {"type": "upsample", "scale_factor": 2.3, "mode": "linear"},
            {"type": "upsample", "size": 7},
        ],
    ),
    ([2, 3, 4, 5], [{"type": "upsample", "scale_factor": [1, 2, 0.5], "mode": "trilinear"}]),
]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize(("shape", "layers"), STACKS)
def test_every_number_of_the_explanation_equals_the_analysis(
    shape: list[int], layers: list[L], lang: str
) -> None:
    specs = parse_layers(layers)
    check_numbers(analyze(shape, specs), specs, lang)


def test_the_explanation_names_its_numbers() -> None:
    from app.core.explain import explain_fields

    specs = parse_layers(
        [
            {"type": "upsample", "scale_factor": 2.3, "mode": "bilinear"},
            {"type": "pixelunshuffle", "downscale_factor": 3},
        ]
    )
    fields = explain_fields(analyze([2, 50, 50], specs), specs, "fr")
    upsample = [s.text for s in fields[0]["output_shape"]]
    formulas = [s.formula for s in fields[0]["output_shape"]]
    assert "scale_factor = 2.3" in upsample[0]
    assert formulas[0] == "H' = ⌊H × scale_factor⌋ = ⌊50 × 2.3⌋ = ⌊114.99999999999999⌋ = 114"
    assert "bilinear" in upsample[1]
    assert "les 2 valeurs" in upsample[1]
    unshuffle = fields[1]["output_shape"]
    assert unshuffle[0].formula == "C' = C × r² = 2 × 9 = 18"
    assert "r = 3" in (unshuffle[0].text or "")
    assert unshuffle[1].formula == "H' = H / r = 114 / 3 = 38"
    assert unshuffle[1].text == "Selon H et W : divisée par r = 3."


def test_pixel_unshuffle_explained_in_french() -> None:
    from app.core.explain import explain_fields

    specs = parse_layers([{"type": "pixelunshuffle", "downscale_factor": 3}])
    fields = explain_fields(analyze([2, 9, 6], specs), specs, "fr")
    steps = fields[0]["output_shape"]
    assert [s.formula for s in steps] == [
        "C' = C × r² = 2 × 9 = 18",
        "H' = H / r = 9 / 3 = 3",
        "W' = W / r = 6 / 3 = 2",
        "C × H' × W' = 18 × 3 × 2",
    ]
    assert steps[0].text is not None
    assert steps[0].text.startswith("PixelUnshuffle avec r = 3")
    assert fields[0]["params"][0].text == (
        "Pas de paramètres à apprendre : la couche ne fait que déplacer, répéter ou interpoler "
        "des valeurs."
    )


def test_read_from_the_course_notation_and_from_the_printout() -> None:
    course = parse_stack(
        "Upsample(scale_factor=2)\nPixelShuffle(2)\nPixelUnshuffle(downscale_factor=3)"
    )
    printout = parse_stack(
        "Sequential(\n"
        "  (0): Upsample(size=(3, 4), mode='bilinear')\n"
        "  (1): Upsample(scale_factor=(2.0, 3.0), mode='nearest')\n"
        "  (2): PixelShuffle(upscale_factor=2)\n"
        ")"
    )
    layers = LAYERS_ADAPTER.validate_python([*course, *printout])
    assert [layer.model_dump(exclude_defaults=True) for layer in layers] == [
        {"type": "upsample", "scale_factor": 2.0},
        {"type": "pixelshuffle", "upscale_factor": 2},
        {"type": "pixelunshuffle", "downscale_factor": 3},
        {"type": "upsample", "size": (3, 4), "mode": "bilinear"},
        {"type": "upsample", "scale_factor": (2.0, 3.0)},
        {"type": "pixelshuffle", "upscale_factor": 2},
    ]


def test_the_catalogue_names_them() -> None:
    entries = {entry["kind"]: entry for entry in catalogue()}
    assert entries["Upsample"]["names"] == {"upsample": "Upsample"}
    assert entries["Upsample"]["positional"][:3] == ["size", "scale_factor", "mode"]
    assert entries["PixelShuffle"]["positional"] == ["upscale_factor"]
    assert entries["PixelUnshuffle"]["positional"] == ["downscale_factor"]
    assert {entries[k]["picture"] for k in ("Upsample", "PixelShuffle", "PixelUnshuffle")} == {
        "pool"
    }


def test_the_course_table_reads_back() -> None:
    layers: list[L] = [
        {"type": "upsample", "scale_factor": [2, 1.5], "mode": "bilinear", "align_corners": True},
        {"type": "pixelunshuffle", "downscale_factor": 2},
        {"type": "pixelshuffle", "upscale_factor": 2},
        {"type": "upsample", "size": 6},
    ]
    table = to_course([4, 4, 4], layers)
    assert "PixelUnshuffle(downscale_factor=2)\t16 x 4 x 3" in table
    assert LAYERS_ADAPTER.validate_python(parse_stack(table)) == LAYERS_ADAPTER.validate_python(
        layers
    )
