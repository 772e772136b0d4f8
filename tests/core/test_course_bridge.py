"""The course's receptive field ``1 + L × (K − 1)`` and the general rule, side by side.

Expected numbers are worked by hand, layer by layer, with ``r' = r + (K − 1) × j`` and
``j' = j × S`` from ``r = 1, j = 1``. LeNet-5 as in the course (1×28×28):

    0 conv 5×5 s1      r = 1 + 4 × 1 = 5     j = 1
    1 relu             r = 5                 j = 1
    2 maxpool 2×2 s2   r = 5 + 1 × 1 = 6     j = 2
    3 conv 5×5 s1      r = 6 + 4 × 2 = 14    j = 2
    4 relu             r = 14
    5 maxpool 2×2 s2   r = 14 + 1 × 2 = 16   j = 4

At layer 3 the course's formula over every window, strides taken as 1, gives
1 + 4 + 1 + 4 = 10; over the convolutions alone (the poolings ignored), 1 + 2 × 4 = 9.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core.analysis import analyze, parse_layers
from app.core.examples import EXAMPLES
from app.core.explain import course_formula, explain_fields
from app.core.grading import FieldResult, Mistake, grade

LENET = EXAMPLES["lenet5_course"]
VGG_BLOCK = EXAMPLES["vgg16"]["layers"][:5]  # conv3 p1, relu, conv3 p1, relu, maxpool 2 s2


def rf_steps(input_shape: list[int], layers: list[dict[str, Any]], lang: str) -> list[Any]:
    specs = parse_layers(layers)
    return [f["receptive_field"] for f in explain_fields(analyze(input_shape, specs), specs, lang)]


def rf_answer(
    input_shape: list[int], layers: Any, layer: int, answer: Any, lang: str = "en"
) -> FieldResult:
    (result,) = grade(
        input_shape, layers, [{"layer": layer, "receptive_field": answer}], lang=lang
    ).results
    return result


# --- the explanation ----------------------------------------------------------------------------


def test_lenet_second_conv_shows_both_values_and_names_the_pooling() -> None:
    steps = rf_steps(LENET["input_shape"], LENET["layers"], "en")[3]
    assert [s.formula for s in steps] == [
        "1 + (K_1 − 1) + … + (K_L − 1) = 1 + (5 − 1) + (2 − 1) + (5 − 1) = 10",
        "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9",
        "r' = r + (K_eff − 1) × j = 6 + 4 × 2 = 14",
        "j' = j × S = 2 × 1 = 2",
    ]
    stops = steps[0].text
    assert "no longer applies" in stops
    assert "layer 2 (maxpool2d) has stride S = 2" in stops
    assert "j = 2" in stops
    assert "the course's formula gives 10; the general rule gives 14" in stops
    assert "Counting only the convolutions" in steps[1].text
    assert "gives 9" in steps[1].text
    assert steps[2].text.startswith("The general rule, true for any stride")


def test_lenet_second_conv_in_french() -> None:
    steps = rf_steps(LENET["input_shape"], LENET["layers"], "fr")[3]
    assert [s.formula for s in steps][:2] == [
        "1 + (K_1 − 1) + … + (K_L − 1) = 1 + (5 − 1) + (2 − 1) + (5 − 1) = 10",
        "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9",
    ]
    stops = steps[0].text
    assert "la formule du cours 1 + L × (K − 1) ne s'applique plus" in stops
    assert "la couche 2 (maxpool2d) a un pas S = 2" in stops
    assert "on fait des sauts" in stops
    assert "la formule du cours donne 10 ; la règle générale donne 14" in stops
    assert "En ne comptant que les convolutions" in steps[1].text
    assert "donne 9" in steps[1].text
    assert steps[2].text.startswith("La règle générale, valable pour tout pas")
    assert steps[2].formula == "r' = r + (K_eff − 1) × j = 6 + 4 × 2 = 14"
    for step in steps:
        for english in ("layer", "stride S", "the course", "pooling layers"):
            assert english not in step.text, step.text


def test_lenet_second_pooling_is_told_from_the_first_stride() -> None:
    steps = rf_steps(LENET["input_shape"], LENET["layers"], "en")[5]
    # Every window's K − 1: 4 + 1 + 4 + 1 = 10, plus 1; the convolutions alone: 1 + 2 × 4.
    assert [s.formula for s in steps] == [
        "1 + (K_1 − 1) + … + (K_L − 1) = 1 + (5 − 1) + (2 − 1) + (5 − 1) + (2 − 1) = 11",
        "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9",
        "r' = r + (K_eff − 1) × j = 14 + 1 × 2 = 16",
        "j' = j × S = 2 × 2 = 4",
    ]
    assert "layer 2 (maxpool2d)" in steps[0].text


@pytest.mark.parametrize(("lang", "word"), [("en", "agrees"), ("fr", "concorde")])
def test_a_stride_1_vgg_block_says_the_course_formula_agrees(lang: str, word: str) -> None:
    fields = rf_steps([3, 32, 32], VGG_BLOCK, lang)
    # conv3: 1 + 2 = 3; conv3: 1 + 2 × 2 = 5; the pooling, stride 1 before it: 5 + 1 = 6.
    expected = {
        0: "r = 1 + L × (K − 1) = 1 + 1 × (3 − 1) = 3",
        2: "r = 1 + L × (K − 1) = 1 + 2 × (3 − 1) = 5",
        4: "r = 1 + (K_1 − 1) + … + (K_L − 1) = 1 + (3 − 1) + (3 − 1) + (2 − 1) = 6",
    }
    for index, formula in expected.items():
        (step,) = fields[index]
        assert step.formula == formula
        assert word in step.text
        assert "r' = r + (K − 1) × j" in step.text
    for steps in fields:
        for step in steps:
            assert "no longer applies" not in step.text
            assert "ne s'applique plus" not in step.text


def test_a_strided_convolution_breaks_it_without_a_pooling_line() -> None:
    layers = [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
    ]
    # r = 3, j = 2 after layer 0; layer 1: 3 + 2 × 2 = 7; the course's formula 1 + 2 × 2 = 5.
    steps = rf_steps([1, 16, 16], layers, "en")[1]
    assert [s.formula for s in steps] == [
        "1 + L × (K − 1) = 1 + 2 × (3 − 1) = 5",
        "r' = r + (K_eff − 1) × j = 3 + 2 × 2 = 7",
        "j' = j × S = 2 × 1 = 2",
    ]
    assert "layer 0 (conv2d) has stride S = 2" in steps[0].text


def test_axes_broken_by_different_strides_are_told_apart() -> None:
    layers = [
        {"type": "maxpool2d", "kernel_size": 2, "stride": [2, 1]},
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3},
    ]
    # H: r = 2, j = 2, then 2 + 2 × 2 = 6; W: r = 2, j = 1, then 2 + 2 = 4 (the course's 1 + 1 + 2).
    steps = rf_steps([1, 9, 9], layers, "en")[1]
    formulas = [s.formula for s in steps]
    assert "1 + (K_1 − 1) + … + (K_L − 1) = 1 + (2 − 1) + (3 − 1) = 4" in formulas
    assert "r' = r + (K_eff − 1) × j = 2 + 2 × 2 = 6" in formulas
    assert "r = 1 + (K_1 − 1) + … + (K_L − 1) = 1 + (2 − 1) + (3 − 1) = 4" in formulas
    assert any("along H:" in s.text and "S = 2" in s.text for s in steps)
    # Without the pooling: 1 + 1 × (3 − 1) = 3 on H.
    assert "1 + L × (K − 1) = 1 + 1 × (3 − 1) = 3" in formulas


def test_the_course_formula_is_written_in_order_or_grouped() -> None:
    assert course_formula([3, 3, 3]) == ("1 + L × (K − 1)", "1 + 3 × (3 − 1)", 7)
    assert course_formula([5, 2, 5])[1:] == ("1 + (5 − 1) + (2 − 1) + (5 − 1)", 10)
    long = [3, 3, 2] * 3 + [3]
    # Seven 3s and three 2s: 1 + 7 × 2 + 3 × 1 = 18.
    assert course_formula(long)[1:] == ("1 + 7 × (3 − 1) + 3 × (2 − 1)", 18)


# --- the grader -----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [9, "9", "9x9", [9, 9]])
def test_lenet_layer_3_answered_9_ignored_the_pooling(answer: Any) -> None:
    result = rf_answer(LENET["input_shape"], LENET["layers"], 3, answer)
    assert not result.correct
    assert result.expected == 14
    assert result.mistake is Mistake.IGNORED_POOLING
    assert result.note is not None
    assert result.note.startswith("The pooling layers are ignored")


def test_lenet_layer_3_answered_9_in_french() -> None:
    result = rf_answer(LENET["input_shape"], LENET["layers"], 3, 9, "fr")
    assert result.mistake is Mistake.IGNORED_POOLING
    assert result.note is not None
    assert result.note.startswith("Les couches de pooling sont ignorées")
    # The explanation that comes with it names the pooling and shows both values.
    assert "la couche 2 (maxpool2d) a un pas S = 2" in result.explanation[0].text
    assert result.explanation[1].formula == "1 + L × (K − 1) = 1 + 2 × (5 − 1) = 9"


@pytest.mark.parametrize(
    ("lang", "start"),
    [
        ("en", "The course's formula is used past a stride"),
        ("fr", "La formule du cours est utilisée après un pas"),
    ],
)
def test_lenet_layer_3_answered_10_used_the_course_formula_past_a_stride(
    lang: str, start: str
) -> None:
    result = rf_answer(LENET["input_shape"], LENET["layers"], 3, 10, lang)
    assert result.mistake is Mistake.IGNORED_STRIDE
    assert result.note is not None
    assert result.note.startswith(start)


def test_lenet_later_layers() -> None:
    # Layer 5: 16; the poolings ignored 9 (1 + 4 + 4), the course's formula past a stride
    # 11 (1 + 4 + 1 + 4 + 1).
    assert rf_answer(LENET["input_shape"], LENET["layers"], 5, 16).correct
    assert rf_answer(LENET["input_shape"], LENET["layers"], 5, 9).mistake is Mistake.IGNORED_POOLING
    assert rf_answer(LENET["input_shape"], LENET["layers"], 5, 11).mistake is Mistake.IGNORED_STRIDE


def test_a_strided_convolution_is_no_pooling() -> None:
    layers = [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3, "stride": 2},
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
    ]
    # 7 is right; 5 is the course's formula past the stride; no pooling to ignore.
    assert rf_answer([1, 16, 16], layers, 1, 7).correct
    assert rf_answer([1, 16, 16], layers, 1, 5).mistake is Mistake.IGNORED_STRIDE


def test_the_poolings_ignored_is_named_first_where_numbers_meet() -> None:
    # conv3 then a 2×2 pooling of stride 1: r = 3 + 1 = 4. Without the pooling: 3, which is
    # also 4 − 1, "the 1 forgotten": the rule names the pooling.
    layers = [
        {"type": "conv2d", "out_channels": 2, "kernel_size": 3},
        {"type": "maxpool2d", "kernel_size": 2, "stride": 1},
    ]
    assert rf_answer([1, 8, 8], layers, 1, 4).correct
    assert rf_answer([1, 8, 8], layers, 1, 3).mistake is Mistake.IGNORED_POOLING
    assert rf_answer([1, 8, 8], layers, 0, 2).mistake is Mistake.FORGOT_ONE


def test_a_padding_layer_is_no_kernel_for_k_instead_of_k_minus_1() -> None:
    layers = [
        {"type": "zeropad2d", "padding": 1},
        {"type": "conv2d", "out_channels": 1, "kernel_size": 3},
    ]
    # The padding only moves the field: r = 3; K for K − 1 gives 1 + 3 = 4, not 1 + 1 + 3.
    assert rf_answer([1, 8, 8], layers, 1, 3).correct
    assert rf_answer([1, 8, 8], layers, 1, 4).mistake is Mistake.K_NOT_K_MINUS_1
    assert rf_answer([1, 8, 8], layers, 1, 5).mistake is None
