"""Graphs in the course notation: ids, inputs, merges and blocks; writing back; did-you-mean.

Expected totals come from PyTorch (the same blocks built from ``nn.Conv2d`` and
``nn.BatchNorm2d`` and their parameters counted) and torchvision's published counts.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.core import analyze
from app.core.analysis import parse_layers
from app.core.examples import EXAMPLES
from app.core.layers import LayerSpec
from app.core.notation import NotationError, nearest, parse_stack, to_text
from app.core.presets import PRESETS
from tests.core.test_notation import python_calls

STAGE = """Sequential(
  Residual(
    Conv({c}, K=3, S=2, P=1, bias=False), BatchNorm, ReLU
    Conv({c}, K=3, P=1, bias=False), BatchNorm
    | Conv({c}, K=1, S=2, bias=False), BatchNorm
  )
  ReLU
  Residual(Conv({c}, K=3, P=1, bias=False), BatchNorm, ReLU,
    Conv({c}, K=3, P=1, bias=False), BatchNorm)
  ReLU
)"""

# ResNet-18 as torchvision builds it, written by hand in the block notation.
RESNET18 = "\n".join(
    [
        "# ResNet-18",
        "conv1: Conv(64, K=7, S=2, P=3, bias=False)",
        "BatchNorm, ReLU",
        "MaxPool(K=3, S=2, P=1)",
        "layer1: 2 x (",
        "  Residual(Conv(64, K=3, P=1, bias=False), BatchNorm, ReLU,"
        " Conv(64, K=3, P=1, bias=False), BatchNorm)",
        "  ReLU",
        ")",
        "layer2: " + STAGE.format(c=128),
        "layer3: " + STAGE.format(c=256),
        "layer4: " + STAGE.format(c=512),
        "AdaptiveAvgPool(1), Flatten, Linear(1000)",
    ]
)

# The same with Sequential(..., repeat=2) for the first stage and no ids.
RESNET18_REPEAT = RESNET18.replace("layer1: 2 x (\n", "Sequential(\n", 1).replace(
    "  ReLU\n)\nlayer2", "  ReLU\n  repeat=2\n)\nlayer2", 1
)

BASIC_BLOCK = """Residual(
  Conv(128, K=3, S=2, P=1, bias=False), BatchNorm, ReLU
  Conv(128, K=3, P=1, bias=False), BatchNorm
  | Conv(128, K=1, S=2, bias=False), BatchNorm
)
ReLU"""

INCEPTION = """Parallel(
    Conv(64, K=1), ReLU
  | Conv(96, K=1), ReLU, Conv(128, K=3, P=1), ReLU
  | Conv(16, K=1), ReLU, Conv(32, K=5, P=2), ReLU
  | MaxPool(K=3, S=1, P=1), Conv(32, K=1), ReLU
)"""

INCEPTION_IDS = """Conv(64, K=1) <- input
b1: ReLU
Conv(96, K=1) <- input
ReLU, Conv(128, K=3, P=1)
b2: ReLU
Conv(16, K=1) <- input
ReLU, Conv(32, K=5, P=2)
b3: ReLU
MaxPool(K=3, S=1, P=1) <- input
Conv(32, K=1)
b4: ReLU
Concat(b1, b2, b3, b4)"""

SQUEEZE_EXCITATION = """x: Conv(64, K=3, P=1)
AdaptiveAvgPool(1), Conv(4, K=1), ReLU, Conv(64, K=1)
gate: Sigmoid
Mul(x, gate)"""


@pytest.mark.parametrize("text", [RESNET18, RESNET18_REPEAT], ids=["ids", "repeat"])
def test_resnet18_by_hand_totals_torchvisions_count(text: str) -> None:
    analysis = analyze([3, 224, 224], text)
    assert analysis.total_params == 11_689_512
    assert analysis.output_shape == (1000,)
    # torchvision documents 1.814 GFLOPS (multiply-accumulates) for resnet18.
    assert abs(analysis.total_macs - 1.814e9) / 1.814e9 < 0.01
    adds = [layer for layer in analysis.layers if layer.type == "add"]
    assert len(adds) == 8
    assert all(len(layer.inputs or []) == 2 for layer in adds)


def test_resnet18_names_follow_the_ids() -> None:
    analysis = analyze([3, 224, 224], RESNET18)
    names = [layer.id for layer in analysis.layers]
    assert names[:4] == ["conv1", "1", "2", "3"]
    # layer1 copy 0, its residual (entry 0), whose add reads the main path and the stem.
    first_add = next(layer for layer in analysis.layers if layer.type == "add")
    assert first_add.id == "layer1.0.0"
    assert first_add.inputs == ("layer1.0.0.4", "3")
    shortcut = next(layer for layer in analysis.layers if ".shortcut." in str(layer.id))
    assert shortcut.id == "layer2.0.shortcut.0"
    assert shortcut.weight_shape == (128, 64, 1, 1)


def test_a_basic_block_with_its_projection() -> None:
    analysis = analyze([64, 56, 56], BASIC_BLOCK)
    assert analysis.total_params == 230_144  # torch: 73,728 + 147,456 + 8,192 + 3 x 256
    assert analysis.output_shape == (128, 28, 28)
    add = analysis.layers[-2]
    assert (add.type, add.inputs) == ("add", ("0.4", "0.shortcut.1"))


@pytest.mark.parametrize("text", [INCEPTION, INCEPTION_IDS], ids=["parallel", "ids"])
def test_an_inception_block(text: str) -> None:
    analysis = analyze([192, 28, 28], text)
    assert analysis.total_params == 163_696  # inception (3a), counted by torch
    assert analysis.output_shape == (256, 28, 28)
    assert analysis.warnings == []
    concat = analysis.layers[-1]
    assert concat.type == "concat"
    assert len(concat.inputs or []) == 4


def test_squeeze_excitation_with_mul() -> None:
    analysis = analyze([3, 32, 32], SQUEEZE_EXCITATION)
    assert analysis.total_params == 2_372  # torch: 1,792 + 260 + 320
    mul = analysis.layers[-1]
    assert (mul.type, mul.inputs, mul.output_shape) == ("mul", ("x", "gate"), (64, 32, 32))
    assert mul.receptive_field.global_


def test_the_blocks_read_as_their_json() -> None:
    assert parse_stack("Residual(ReLU | Conv(8, K=1), BN)") == [
        {
            "type": "residual",
            "layers": [{"type": "relu"}],
            "shortcut": [
                {"type": "conv", "out_channels": 8, "kernel_size": 1},
                {"type": "batchnorm"},
            ],
        }
    ]
    assert parse_stack("p: Parallel(ReLU | Tanh, ReLU, merge=add) <- stem") == [
        {
            "type": "parallel",
            "merge": "add",
            "branches": [[{"type": "relu"}], [{"type": "tanh"}, {"type": "relu"}]],
            "id": "p",
            "inputs": ["stem"],
        }
    ]
    assert parse_stack("Concat(a, 'b.0', '3', dim=2)") == [
        {"type": "concat", "inputs": ["a", "b.0", "3"], "dim": 2}
    ]
    # A merge's numbers are its positional arguments: a reference that is a number is quoted.
    assert parse_stack("Concat(a, b, 2)") == [{"type": "concat", "inputs": ["a", "b"], "dim": 2}]
    assert parse_stack("Conv(8, K=1) <- (a, input)") == [
        {"type": "conv", "inputs": ["a", "input"], "out_channels": 8, "kernel_size": 1}
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Nothing wired: opened into the list, as a chain.
        ("2 x (ReLU, Tanh)", [{"type": "relu"}, {"type": "tanh"}] * 2),
        ("Sequential(ReLU)", [{"type": "relu"}]),
        # repeat= keeps a block.
        (
            "Sequential(ReLU, repeat=3)",
            [{"type": "sequential", "layers": [{"type": "relu"}], "repeat": 3}],
        ),
        # A block repeated: a sequential of it.
        (
            "2 x Residual(ReLU)",
            [
                {
                    "type": "sequential",
                    "layers": [{"type": "residual", "layers": [{"type": "relu"}]}],
                    "repeat": 2,
                }
            ],
        ),
        # An id inside a repeat: each copy keeps its own.
        (
            "2 x (a: ReLU, Add(a, a))",
            [
                {
                    "type": "sequential",
                    "layers": [{"type": "relu", "id": "a"}, {"type": "add", "inputs": ["a", "a"]}],
                    "repeat": 2,
                }
            ],
        ),
        # An id on a repeated layer names the group.
        (
            "r: 2 x ReLU",
            [{"type": "sequential", "layers": [{"type": "relu"}], "repeat": 2, "id": "r"}],
        ),
    ],
)
def test_when_a_group_stays_a_block(text: str, expected: list[dict[str, Any]]) -> None:
    assert parse_stack(text) == expected


def numbers(input_shape: list[int], layers: Any) -> list[tuple[Any, ...]]:
    """Every layer's name, wiring and numbers."""
    return [
        (
            r.id,
            r.type,
            r.inputs,
            r.output_shape,
            r.weight_shape,
            r.params,
            r.macs,
            r.receptive_field,
        )
        for r in analyze(input_shape, layers).layers
    ]


@pytest.mark.parametrize("name", sorted({**EXAMPLES, **PRESETS}))
def test_every_example_and_preset_is_written_back_as_text(name: str) -> None:
    example = {**EXAMPLES, **PRESETS}[name]
    specs = parse_layers(example["layers"])
    text = to_text(specs)
    again = parse_layers(text)
    assert numbers(example["input_shape"], again) == numbers(example["input_shape"], specs)
    assert to_text(again) == text


def test_what_the_writer_writes() -> None:
    specs = parse_layers(
        [
            {"type": "conv2d", "id": "stem", "out_channels": 8, "kernel_size": 3, "padding": 1},
            {"type": "linear", "in_features": 8, "out_features": 4, "inputs": ["stem"]},
            {"type": "add", "inputs": ["stem", "layer1.0"]},
            {"type": "parallel", "branches": [[{"type": "relu"}], []], "merge": "add"},
            {"type": "sequential", "layers": [{"type": "relu"}], "repeat": 2},
            {"type": "sequential", "id": "s", "layers": [{"type": "relu"}], "repeat": 2},
        ]
    )
    assert to_text(specs).splitlines() == [
        "stem: Conv2d(8, K=3, P=1)",
        "Linear(8 -> 4) <- stem",
        "Add(stem, 'layer1.0')",
        "Parallel(ReLU | , merge=add)",
        "Sequential(ReLU, repeat=2)",
        "s: 2 x Sequential(ReLU)",
    ]


def test_a_long_block_goes_one_list_a_line() -> None:
    text = to_text(parse_layers(INCEPTION))
    assert text.splitlines() == [
        "Parallel(",
        "  Conv(64, K=1), ReLU",
        "  | Conv(96, K=1), ReLU, Conv(128, K=3, P=1), ReLU",
        "  | Conv(16, K=1), ReLU, Conv(32, K=5, P=2), ReLU",
        "  | MaxPool(K=3, P=1, S=1), Conv(32, K=1), ReLU",
        ")",
    ]


# ---------- errors ----------

ENGLISH = re.compile(
    r"\b(unknown|layer|field|did you mean|expected|found|line|column|has no|takes|known|"
    r"include|the|is|of|and|or)\b",
    re.IGNORECASE,
)
"""English words a French message must not hold (names of layers and fields aside)."""


@pytest.mark.parametrize(
    ("text", "code", "english", "french"),
    [
        (
            "Convv(64, K=3)",
            "notation_unknown_layer",
            "line 1, column 1: unknown layer 'Convv'; did you mean Conv?",
            "ligne 1, colonne 1 : couche inconnue 'Convv' ; vouliez-vous dire Conv ?",
        ),
        (
            "Conv(8, K=3)\nFlaten",
            "notation_unknown_layer",
            "line 2, column 1: unknown layer 'Flaten'; did you mean Flatten?",
            "ligne 2, colonne 1 : couche inconnue 'Flaten' ; vouliez-vous dire Flatten ?",
        ),
        (
            "Conv(64, kernal_size=3)",
            "notation_unknown_field",
            "line 1, column 10: Conv has no field 'kernal_size'; did you mean kernel_size?",
            "ligne 1, colonne 10 : Conv n'a pas de champ 'kernal_size' ; "
            "vouliez-vous dire kernel_size ?",
        ),
        (
            "Conv2dd(1, 8, 3)",
            "notation_unknown_layer",
            "line 1, column 1: unknown layer 'Conv2dd'; did you mean Conv2d?",
            "ligne 1, colonne 1 : couche inconnue 'Conv2dd' ; vouliez-vous dire Conv2d ?",
        ),
        (
            "Residul(ReLU)",
            "notation_unknown_layer",
            "line 1, column 1: unknown layer 'Residul'; did you mean Residual?",
            "ligne 1, colonne 1 : couche inconnue 'Residul' ; vouliez-vous dire Residual ?",
        ),
        (
            "Parallel(ReLU | Tanh, merg=add)",
            "notation_unknown_field",
            "line 1, column 23: Parallel has no field 'merg'; did you mean merge?",
            "ligne 1, colonne 23 : Parallel n'a pas de champ 'merg' ; vouliez-vous dire merge ?",
        ),
        (
            "Dropout(0.5, zzz=1)",
            "notation_unknown_field",
            "line 1, column 14: Dropout has no field 'zzz'; its fields are p, inplace",
            "ligne 1, colonne 14 : Dropout n'a pas de champ 'zzz' ; ses champs sont p, inplace",
        ),
        (
            "Wibble",
            "notation_unknown_layer",
            "line 1, column 1: unknown layer 'Wibble'; known layers include Conv, Linear, "
            "MaxPool, AvgPool, BatchNorm, ReLU, Flatten, Dropout, Add, Concat",
            "ligne 1, colonne 1 : couche inconnue 'Wibble' ; parmi les couches connues : Conv, "
            "Linear, MaxPool, AvgPool, BatchNorm, ReLU, Flatten, Dropout, Add, Concat",
        ),
    ],
)
def test_unknown_names_get_a_did_you_mean(text: str, code: str, english: str, french: str) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    error = caught.value
    assert error.code == code
    assert str(error) == english
    assert error.text("fr") == french
    assert "/v1/layers" not in english
    assert "/v1/layers" not in french
    names = r"'[^']*'|\b(Conv2d|Conv|Flatten|Residual|Parallel|kernel_size|merge|p|inplace)\b"
    assert not ENGLISH.search(re.sub(names, "", french)), french


@pytest.mark.parametrize(
    ("text", "loc"),
    [
        ("Conv(8, kernal_size=3)", ("layers", 0, "kernal_size")),
        ("ReLU\n2 x (ReLU, Conv(8, kernal_size=3))", ("layers", 2, "kernal_size")),
        (
            "ReLU, Residual(ReLU | ReLU, Conv(8, kernal_size=3))",
            ("layers", 1, "shortcut", 1, "kernal_size"),
        ),
        ("Parallel(ReLU | Conv(8, kernal_size=3))", ("layers", 0, "branches", 1, 0, "kernal_size")),
        (
            "a: 2 x Residual(Conv(8, kernal_size=3))",
            ("layers", 0, "layers", 0, "layers", 0, "kernal_size"),
        ),
        (
            "Sequential(ReLU, Conv(8, kernal_size=3), repeat=2)",
            ("layers", 0, "layers", 1, "kernal_size"),
        ),
        ("ReLU, Residual(ReLU, zz=1)", ("layers", 1, "zz")),
        ("Conv(8, K=3)\nFlaten", ("layers",)),
    ],
)
def test_an_unknown_field_is_placed_at_its_layer(text: str, loc: tuple[Any, ...]) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    assert caught.value.loc == loc


def test_a_field_in_any_case_or_the_courses_short_name_is_known() -> None:
    (layer,) = parse_stack("Conv(8, Kernel_Size=3, s=2, DILATION=1)")
    assert layer == {
        "type": "conv",
        "out_channels": 8,
        "kernel_size": 3,
        "stride": 2,
        "dilation": 1,
    }


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Residual(ReLU | ReLU | ReLU)", "one '|' at most"),
        ("Residual", "expected '('"),
        ("Conv(8) <- ,", "expected the id of an earlier output after '<-'"),
        ("2 x Sequential(ReLU, repeat=2)", "repeat is given twice"),
        ("Sequential(ReLU, repeat=0)", "at least 1"),
        ("Sequential(ReLU, times=2)", "Sequential has no field 'times'"),
        ("Parallel(ReLU | Tanh, merge=add, merge=concat)", "merge is given twice"),
        ("Residual(ReLU, zz=1)", "Residual takes no keyword, found 'zz'"),
        ("Add(a, b) <- c", "inputs is given twice"),
    ],
)
def test_block_syntax_errors(text: str, reason: str) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    assert reason in caught.value.reason


def test_nearest_is_bounded_and_ordered() -> None:
    names = {"kernelsize": "kernel_size", "stride": "stride", "k": "K", "p": "P", "s": "S"}
    assert nearest("kernal_size", names) == ["kernel_size"]
    assert nearest("Q", names) == ["K", "P", "S"]
    assert nearest("strid", names) == ["stride"]
    assert nearest("x" * 41, {"x" * 41: "long"}) == []  # longer names get no suggestion


# ---------- bounds ----------


def test_a_repeated_block_is_counted_while_it_is_read() -> None:
    # Residual(ReLU) is 2 layers (the add counts); 1,024 copies are 2,048, one more is over.
    assert len(parse_stack("1024 x Residual(ReLU)")) == 1
    with pytest.raises(NotationError, match="more than 2048 layers") as caught:
        parse_stack("1025 x Residual(ReLU)")
    assert caught.value.code == "limit_exceeded"
    with pytest.raises(NotationError, match="more than 10 layers"):
        parse_stack("Parallel(" + " | ".join(["ReLU"] * 10) + ")", max_layers=10)
    with pytest.raises(NotationError, match="more than 8 layers"):
        parse_stack("Sequential(3 x ReLU, repeat=3)", max_layers=8)


def test_blocks_nested_too_deep_are_refused() -> None:
    with pytest.raises(NotationError, match="nested more than 32 deep"):
        parse_stack("Residual(" * 40 + "ReLU" + ")" * 40)
    (block,) = parse_stack("Residual(" * 31 + "ReLU" + ")" * 31)
    assert block["type"] == "residual"


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "Parallel(" + "ReLU | " * n + "ReLU)",
        lambda n: "Residual(" + "ReLU, " * n + "| ReLU)",
        lambda n: "a: ReLU\n" + "Add(a, a)\n" * n,
        lambda n: "Conv(8) <- (" + "a, " * n + "a)",
        lambda n: "x: ReLU\n" + "2 x (Conv(8, K=1) <- x, ReLU)\n" * n,
    ],
    ids=["branches", "entries", "merges", "inputs", "groups"],
)
def test_reading_graphs_is_linear_in_the_text(make: Any) -> None:
    small, large = python_calls(make(500)), python_calls(make(1000))
    assert large <= 2.2 * small + 50, (small, large)


def test_writing_back_keeps_what_the_server_reads() -> None:
    # Per-axis sizes, a string padding, a float, booleans and an arrow: the text reads back
    # to the very same models.
    specs: list[LayerSpec] = parse_layers(
        [
            {"type": "conv", "out_channels": 4, "kernel_size": [3, 5], "padding": "same"},
            {"type": "maxpool2d", "kernel_size": 2, "ceil_mode": True},
            {"type": "dropout", "p": 0.25},
            {"type": "flatten"},
            {"type": "linear", "out_features": 3, "bias": False},
        ]
    )
    text = to_text(specs)
    assert text.splitlines() == [
        "Conv(4, K=(3, 5), P='same')",
        "MaxPool2d(K=2, ceil_mode=True)",
        "Dropout(p=0.25)",
        "Flatten",
        "Linear(3, bias=False)",
    ]
    assert [s.model_dump() for s in parse_layers(text)] == [s.model_dump() for s in specs]
