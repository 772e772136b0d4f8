"""Grading a graph: answers by id or by index, and the mistakes of branching networks.

Every expected number is worked out by hand from the network below (or from torchvision's
published figures for the presets), never by the code under test.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core import StackError
from app.core.examples import ALL_EXAMPLES
from app.core.grading import FieldResult, grade
from app.core.layers.base import Mistake


def conv(out: int, k: int, stride: int = 1, padding: int = 0, bias: bool = True) -> dict[str, Any]:
    return {
        "type": "conv2d",
        "out_channels": out,
        "kernel_size": k,
        "stride": stride,
        "padding": padding,
        "bias": bias,
    }


INPUT = [3, 8, 8]
# node  id                 output    params
#  0    stem               4×8×8     4·3·3·3 = 108
#  1    block.0            8×4×4     8·4·3·3 = 288
#  2    block.1            8×4×4     2·8 = 16
#  3    block.shortcut.0   8×4×4     8·4·1·1 = 32
#  4    block.shortcut.1   8×4×4     16
#  5    block (add)        8×4×4     0
#  6    2 (relu)           8×4×4     0
#  7    mix.0.0            6×4×4     6·8 + 6 = 54
#  8    mix.1.0            3×4×4     3·8·3·3 + 3 = 219
#  9    mix (concat)       9×4×4     0
# total 108 + 288 + 16 + 32 + 16 + 54 + 219 = 733; the projection shortcut holds 32 + 16 = 48.
NET: list[dict[str, Any]] = [
    {**conv(4, 3, padding=1, bias=False), "id": "stem"},
    {
        "type": "residual",
        "id": "block",
        "layers": [conv(8, 3, 2, 1, bias=False), {"type": "batchnorm2d"}],
        "shortcut": [conv(8, 1, 2, bias=False), {"type": "batchnorm2d"}],
    },
    {"type": "relu"},
    {
        "type": "parallel",
        "id": "mix",
        "branches": [[conv(6, 1)], [conv(3, 3, padding=1)]],
        "merge": "concat",
    },
]
TOTAL = 733


def one(answer: dict[str, Any], lang: str = "en", layers: Any = None) -> FieldResult:
    result = grade(INPUT, NET if layers is None else layers, [answer], lang=lang)
    (field,) = result.results
    return field


@pytest.mark.parametrize(
    ("layer", "index", "field", "value"),
    [
        ("stem", 0, "output_shape", [4, 8, 8]),
        ("block.0", 1, "weight_shape", [8, 4, 3, 3]),
        ("block.shortcut.0", 3, "weight_shape", [8, 4, 1, 1]),
        ("block.shortcut.0", 3, "params", 32),
        ("block.shortcut.1", 4, "params", 16),
        ("block", 5, "output_shape", "8x4x4"),
        ("block", 5, "params", 0),
        # main path 3 + 2 × 1 = 5, shortcut 3 + 0: the hull is 5
        ("block", 5, "receptive_field", 5),
        ("2", 6, "output_shape", [8, 4, 4]),
        ("mix.1.0", 8, "params", 219),
        ("mix", 9, "output_shape", [9, 4, 4]),
        ("mix", 9, "weight_shape", "none"),
    ],
)
def test_a_graph_answer_is_right_by_id_and_by_index(
    layer: str, index: int, field: str, value: Any
) -> None:
    by_id = one({"layer": layer, field: value})
    by_index = one({"layer": index, field: value})
    assert by_id.correct, by_id
    assert (by_id.layer, by_id.id) == (index, layer)
    assert by_index == by_id


STAGES: list[dict[str, Any]] = [
    {"type": "sequential", "id": "layer1", "layers": [conv(4, 3, padding=1), {"type": "relu"}]},
    {
        "type": "sequential",
        "id": "layer2",
        "repeat": 2,
        "layers": [conv(4, 3, stride=2, padding=1), {"type": "relu", "id": "act"}],
    },
]
"""Stages as torchvision writes them: layer1 is 4×8×8 (its relu, ``layer1.1``); layer2 halves
it twice, 4×4×4 then 4×2×2 (its last relu, ``layer2.1.act``)."""


@pytest.mark.parametrize(
    ("layer", "index", "node", "shape"),
    [("layer1", 1, "layer1.1", [4, 8, 8]), ("layer2", 5, "layer2.1.act", [4, 2, 2])],
)
def test_an_answer_may_name_a_sequential_block_for_its_output(
    layer: str, index: int, node: str, shape: list[int]
) -> None:
    field = one({"layer": layer, "output_shape": shape}, layers=STAGES)
    assert field.correct, field
    assert (field.layer, field.id) == (index, node)


@pytest.mark.parametrize("key", ["params", "weight_shape", "bias_shape"])
def test_a_block_named_in_an_answer_gives_its_output_only(key: str) -> None:
    with pytest.raises(StackError, match=r"'layer1' is a block") as caught:
        grade(INPUT, STAGES, [{"layer": "layer1", "output_shape": [4, 8, 8], key: 112}])
    assert caught.value.loc == ("answers", 0, key)


def test_a_graph_total_is_right() -> None:
    result = grade(INPUT, NET, [], total_params="733")
    (total,) = result.results
    assert (total.correct, total.expected, total.id) == (True, TOTAL, None)


def test_an_unknown_id_names_the_answer() -> None:
    with pytest.raises(StackError, match=r"no layer has the id 'block\.9'") as caught:
        grade(INPUT, NET, [{"layer": "stem", "params": 108}, {"layer": "block.9", "params": 0}])
    assert caught.value.loc == ("answers", 1, "layer")


@pytest.mark.parametrize(
    ("given", "note_en", "note_fr"),
    [
        ([6, 4, 4], "C' = 6 + 3 = 9; 6 is one input's alone", "C' = 6 + 3 = 9 ; 6 est celle"),
        ("3 x 4 x 4", "C' = 6 + 3 = 9; 3 is one input's alone", "C' = 6 + 3 = 9 ; 3 est celle"),
    ],
)
def test_a_concatenation_not_summed(given: Any, note_en: str, note_fr: str) -> None:
    for lang, words in (("en", note_en), ("fr", note_fr)):
        result = one({"layer": "mix", "output_shape": given}, lang)
        assert not result.correct
        assert result.expected == [9, 4, 4]
        assert result.mistake == Mistake.CONCAT_NOT_SUMMED
        assert result.note is not None
        assert words in result.note


def test_a_concatenation_wrong_otherwise_is_not_named() -> None:
    result = one({"layer": "mix", "output_shape": [8, 4, 4]})
    assert (result.correct, result.mistake, result.note) == (False, None, None)


@pytest.mark.parametrize(
    ("layer", "given"),
    [
        ("block", 352),  # the block's 288 + 16 + 32 + 16 counted again at the add
        ("block", "48"),  # the shortcut's
        ("mix", 273),  # the branches' 54 + 219
        ("mix", 1),
    ],
)
def test_a_merge_counted_as_having_parameters(layer: str, given: Any) -> None:
    english = one({"layer": layer, "params": given})
    french = one({"layer": layer, "params": given}, "fr")
    for result in (english, french):
        assert (result.correct, result.expected) == (False, 0)
        assert result.mistake == Mistake.MERGE_PARAMS
    name = "torch.add" if layer == "block" else "torch.cat"
    assert english.note == (
        f"{name} has no parameters: a merge only combines its inputs, whose parameters belong "
        f"to the layers that made them; {given} counts some, the merge counts 0."
    )
    assert french.note is not None
    assert french.note.startswith(f"{name} n'a pas de paramètres : une fusion")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_the_projection_shortcut_forgotten_in_the_total(lang: str) -> None:
    result = grade(INPUT, NET, [], total_params=TOTAL - 48, lang=lang)
    (total,) = result.results
    assert (total.correct, total.expected) == (False, TOTAL)
    assert total.mistake == Mistake.SHORTCUT_FORGOTTEN
    assert total.note is not None
    words = {
        "en": "The projection shortcut is forgotten: block.shortcut.0, block.shortcut.1 "
        "(48 parameters)",
        "fr": "Le raccourci de projection est oublié : block.shortcut.0, block.shortcut.1 "
        "(48 paramètres)",
    }
    assert total.note.startswith(words[lang])


def test_a_graph_total_wrong_otherwise_is_not_named() -> None:
    # 733 - 32: the shortcut's convolution alone is no classic mistake here.
    (total,) = grade(INPUT, NET, [], total_params=701).results
    assert (total.correct, total.mistake) == (False, None)


def test_the_same_graph_written_with_ids_and_inputs_is_graded_alike() -> None:
    wired: list[dict[str, Any]] = [
        {**conv(4, 3, padding=1, bias=False), "id": "stem"},
        {**conv(8, 3, 2, 1, bias=False), "id": "c1"},
        {"type": "batchnorm2d", "id": "b1"},
        {**conv(8, 1, 2, bias=False), "id": "proj", "inputs": ["stem"]},
        {"type": "batchnorm2d", "id": "pbn"},
        {"type": "add", "id": "sum", "inputs": ["b1", "pbn"]},
    ]
    (total,) = grade(INPUT, wired, [], total_params=108 + 288 + 16).results
    assert total.mistake == Mistake.SHORTCUT_FORGOTTEN
    assert one({"layer": "proj", "weight_shape": [8, 4, 1, 1]}, layers=wired).correct
    assert one({"layer": "sum", "params": 0}, layers=wired).correct


def test_an_identity_shortcut_gives_no_shortcut_mistake() -> None:
    identity = [conv(4, 3, padding=1), {"type": "residual", "layers": [conv(4, 3, padding=1)]}]
    # 4·3·9 + 4 = 112 and 4·4·9 + 4 = 148: 260 in all; 148 is no shortcut forgotten.
    (total,) = grade(INPUT, identity, [], total_params=112).results
    assert (total.correct, total.expected, total.mistake) == (False, 260, None)


def test_a_chain_is_graded_as_before_and_its_ids_are_its_indices() -> None:
    chain = [conv(4, 3), {"type": "relu"}, {"type": "maxpool2d", "kernel_size": 2}]
    by_index = grade(INPUT, chain, [{"layer": 2, "output_shape": [4, 3, 3]}]).results
    by_id = grade(INPUT, chain, [{"layer": "2", "output_shape": [4, 3, 3]}]).results
    assert by_index == by_id
    assert [(r.layer, r.id, r.correct) for r in by_index] == [(2, "2", True)]
    with pytest.raises(StackError, match="no layer has the id '3'"):
        grade(INPUT, chain, [{"layer": "3", "params": 0}])


# --- the presets, against torchvision's architecture and published totals -------------------


@pytest.mark.parametrize(
    ("preset", "answers", "total"),
    [
        (
            "resnet18",
            # layer2's first block: 3×3 convs 128·64·9 and 128·128·9, the 1×1 projection 128·64
            [
                {"layer": "5.0.0", "weight_shape": [128, 64, 3, 3], "params": 73728},
                {"layer": "5.0.shortcut.0", "weight_shape": [128, 64, 1, 1], "params": 8192},
                {"layer": "5.0.shortcut.1", "params": 256},
                {"layer": "5.0", "output_shape": [128, 28, 28], "params": 0},
            ],
            11_689_512,
        ),
        (
            "googlenet",
            # inception3a: 64 + 128 + 32 + 32 channels at 28×28
            [{"layer": "11", "output_shape": [256, 28, 28], "params": 0}],
            6_624_904,
        ),
        (
            "densenet121",
            # the first dense layer: 64 input channels and 32 new ones at 56×56
            [{"layer": "4.0.0", "output_shape": "96 x 56 x 56"}],
            7_978_856,
        ),
    ],
)
def test_presets_are_gradable(preset: str, answers: list[dict[str, Any]], total: int) -> None:
    body = ALL_EXAMPLES[preset]
    result = grade(body["input_shape"], body["layers"], answers, total_params=total)
    assert all(r.correct for r in result.results), [r for r in result.results if not r.correct]
    assert result.score.correct == result.score.total == len(result.results)


def test_resnet18_mistakes() -> None:
    body = ALL_EXAMPLES["resnet18"]
    answers = [
        {"layer": "5.0", "params": 73728 + 256 + 147456 + 256 + 8192 + 256},
        {"layer": 11, "output_shape": [64, 56, 56]},  # index 11: layer1.1's first conv
    ]
    result = grade(body["input_shape"], body["layers"], answers, total_params=11_689_512 - 8448)
    merge, conv_shape, total = result.results
    assert merge.mistake == Mistake.MERGE_PARAMS
    assert (conv_shape.correct, conv_shape.id) == (True, "4.1.0.0")
    assert total.mistake == Mistake.SHORTCUT_FORGOTTEN
    # The three projections together (8,448 + 33,280 + 132,096) forgotten at once.
    (every,) = grade(
        body["input_shape"], body["layers"], [], total_params=11_689_512 - 173_824
    ).results
    assert every.mistake == Mistake.SHORTCUT_FORGOTTEN


def test_googlenet_concatenation_not_summed_in_french() -> None:
    body = ALL_EXAMPLES["googlenet"]
    answers = [{"layer": "11", "output_shape": "128 × 28 × 28"}]
    (result,) = grade(body["input_shape"], body["layers"], answers, lang="fr").results
    assert result.mistake == Mistake.CONCAT_NOT_SUMMED
    assert result.note == (
        "Les tailles selon C d'une concaténation s'additionnent : C' = 64 + 128 + 32 + 32 = "
        "256 ; 128 est celle d'une seule entrée."
    )
