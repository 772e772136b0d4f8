"""Grading: right answers in the forms students write, wrong ones with their classic mistake."""

from __future__ import annotations

import io
import json
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given

from app.core import LayerError, StackError
from app.core.examples import EXAMPLES
from app.core.grading import FieldResult, Mistake, grade, read_number, read_shape
from app.teaching_cli import run_check
from tests.core.test_invariants import conv_pool_stacks

LENET = EXAMPLES["lenet5_course"]
COURSE_32 = EXAMPLES["course_32x32"]


def one(
    input_shape: list[int], layers: Any, answer: dict[str, Any], lang: str = "en"
) -> FieldResult:
    result = grade(input_shape, layers, [answer], lang=lang)
    (field,) = result.results
    return field


@pytest.mark.parametrize(
    ("text", "shape"),
    [
        ("10x32x32", (10, 32, 32)),
        ("10 × 32 × 32", (10, 32, 32)),
        ("(10, 32, 32)", (10, 32, 32)),
        ("[10, 32, 32]", (10, 32, 32)),
        ("10 * 32 * 32", (10, 32, 32)),
        ("10 X 32 X 32", (10, 32, 32)),
        ("2450", (2450,)),
        (2450, (2450,)),
        ([10, 32, 32], (10, 32, 32)),
        ("1x3.5x3.5", (1, Fraction(7, 2), Fraction(7, 2))),
    ],
)
def test_shapes_as_students_write_them(text: Any, shape: tuple[Any, ...]) -> None:
    assert read_shape(text) == tuple(Fraction(v) for v in shape)


@pytest.mark.parametrize("text", ["ten", "10xx", "", [], [1, "a"], None, True])
def test_unreadable_shapes(text: Any) -> None:
    assert read_shape(text) is None


@pytest.mark.parametrize(
    ("text", "value"),
    [(760, 760), ("760", 760), ("1 256 080", 1256080), ("1,256,080", 1256080), (760.0, 760)],
)
def test_counts_as_students_write_them(text: Any, value: int) -> None:
    assert read_number(text) == value


LENET_TABLE: list[tuple[str, str | None, str | None, str, int | str]] = [
    # output, weight, bias, params, receptive field: the course's table, worked by hand.
    ("20 x 28 x 28", "20 x 1 x 5 x 5", "(20,)", "520", 5),  # (28 - 5 + 4) / 1 + 1; 20 × 26
    ("20 x 28 x 28", None, None, "0", 5),
    ("20 x 14 x 14", None, None, "0", 6),  # 5 + (2 - 1) × 1
    ("50 x 14 x 14", "50 x 20 x 5 x 5", "(50,)", "25,050", 14),  # 50 × 501; 6 + 4 × 2
    ("50 x 14 x 14", None, None, "0", 14),
    ("50 x 7 x 7", None, None, "0", 16),  # 14 + 1 × 2
    ("2450", None, None, "0", "global"),  # 50 × 7 × 7
    ("500", "500 x 2450", "(500,)", "1,225,500", "global"),  # 500 × 2451
    ("500", None, None, "0", "global"),
    ("10", "10 x 500", "(10,)", "5,010", "global"),  # 10 × 501
]


def test_every_right_answer_of_lenet5_is_marked_right() -> None:
    answers = []
    for index, (output, weight, bias, params, field) in enumerate(LENET_TABLE):
        answer: dict[str, Any] = {
            "layer": index,
            "output_shape": output,
            "params": params,
            "receptive_field": field,
        }
        if weight:
            answer["weight_shape"] = weight
        if bias:
            answer["bias_shape"] = bias
        answers.append(answer)
    # 520 + 25,050 + 1,225,500 + 5,010
    result = grade(LENET["input_shape"], LENET["layers"], answers, total_params=1_256_080)
    assert result.score.correct == result.score.total
    assert result.score.total == 10 * 3 + 4 * 2 + 1
    assert all(r.mistake is None for r in result.results)


def test_the_course_32x32_example_in_french() -> None:
    answers = [
        {"layer": 0, "output_shape": "10 * 32 * 32", "params": 760, "receptive_field": 5},
        {"layer": 0, "weight_shape": "10 × 3 × 5 × 5", "bias_shape": 10},
    ]
    result = grade(COURSE_32["input_shape"], COURSE_32["layers"], answers, 750, lang="fr")
    assert (result.score.correct, result.score.total) == (5, 6)
    total = result.results[-1]
    assert (total.layer, total.field, total.expected, total.correct) == (
        None,
        "total_params",
        760,
        False,
    )
    assert total.mistake is Mistake.FORGOT_BIAS
    assert total.note == "Le biais est oublié : chaque filtre (ou sortie) a aussi un biais."
    params = result.results[1]
    assert [s.formula for s in params.explanation] == [
        "C_in × K_h × K_w + 1 = 3 × 5 × 5 + 1 = 76",
        "C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760",
    ]


def test_a_linear_weight_in_the_course_order_is_right_with_a_note() -> None:
    course = one(LENET["input_shape"], LENET["layers"], {"layer": 7, "weight_shape": "2450 x 500"})
    assert course.correct
    assert course.expected == [500, 2450]
    assert course.note is not None
    assert "out × in: 500 × 2450" in course.note
    torch_order = one(
        LENET["input_shape"], LENET["layers"], {"layer": 7, "weight_shape": [500, 2450]}
    )
    assert torch_order.correct
    assert torch_order.note is None
    french = one(
        LENET["input_shape"], LENET["layers"], {"layer": 7, "weight_shape": "2450x500"}, "fr"
    )
    assert french.note is not None
    assert "ordre du cours" in french.note


CONV = [{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2, "stride": 1}]
STRIDED = [{"type": "conv2d", "out_channels": 4, "kernel_size": 3, "stride": 2}]
POOL = [{"type": "maxpool2d", "kernel_size": 2}]


@pytest.mark.parametrize(
    ("input_shape", "layers", "answer", "mistake"),
    [
        ([3, 32, 32], CONV, {"params": 750}, Mistake.FORGOT_BIAS),
        ([3, 32, 32], CONV, {"params": 7600}, Mistake.C_OUT_TWICE),
        ([3, 32, 32], CONV, {"params": 76}, Mistake.FORGOT_C_OUT),
        ([3, 32, 32], CONV, {"params": 260}, Mistake.FORGOT_C_IN),
        ([3, 32, 32], CONV, {"params": 751}, Mistake.ONE_BIAS),
        ([3, 32, 32], CONV, {"output_shape": "10x28x28"}, Mistake.FORGOT_PADDING),
        ([3, 32, 32], CONV, {"output_shape": "10x30x30"}, Mistake.PADDING_ONCE),
        ([3, 32, 32], CONV, {"output_shape": "3x32x32"}, Mistake.INPUT_CHANNELS),
        ([3, 32, 32], CONV, {"output_shape": "32x32x10"}, Mistake.WRONG_ORDER),
        ([3, 32, 32], CONV, {"weight_shape": "10x5x5"}, Mistake.FORGOT_C_IN),
        ([3, 32, 32], CONV, {"weight_shape": "3x10x5x5"}, Mistake.WRONG_ORDER),
        ([3, 32, 32], CONV, {"receptive_field": 6}, Mistake.K_NOT_K_MINUS_1),
        ([3, 32, 32], CONV, {"receptive_field": 4}, Mistake.FORGOT_ONE),
        ([3, 32, 32], CONV, {"params": "lots"}, Mistake.UNREADABLE),
        ([1, 8, 8], STRIDED, {"output_shape": "4 × 3.5 × 3.5"}, Mistake.FORGOT_FLOOR),
        ([1, 8, 8], STRIDED, {"output_shape": "4x4x4"}, Mistake.ROUNDED_UP),
        ([1, 8, 8], STRIDED, {"output_shape": "4x2x2"}, Mistake.FORGOT_PLUS_ONE),
        ([1, 8, 8], POOL, {"output_shape": "1x7x7"}, Mistake.STRIDE_DEFAULT),
        ([4, 8, 8], [{"type": "batchnorm2d"}], {"params": 17}, Mistake.COUNTED_BUFFERS),
        (
            [2450],
            [{"type": "linear", "out_features": 500}],
            {"params": 1225000},
            Mistake.FORGOT_BIAS,
        ),
    ],
)
def test_classic_mistakes_are_named(
    input_shape: list[int], layers: list[dict[str, Any]], answer: dict[str, Any], mistake: Mistake
) -> None:
    result = one(input_shape, layers, {"layer": 0, **answer})
    assert not result.correct
    assert result.mistake is mistake
    assert result.note


def test_k_instead_of_k_minus_1_over_several_layers() -> None:
    layers = [{"type": "conv2d", "out_channels": 4, "kernel_size": 3} for _ in range(3)]
    # The course's 1 + L × (K − 1) is 7 after three 3×3 layers; 1 + L × K is 10.
    right = one([1, 32, 32], layers, {"layer": 2, "receptive_field": 7})
    assert right.correct
    assert right.explanation[0].formula == "r = 1 + L × (K − 1) = 1 + 3 × (3 − 1) = 7"
    wrong = one([1, 32, 32], layers, {"layer": 2, "receptive_field": 10})
    assert wrong.mistake is Mistake.K_NOT_K_MINUS_1


def test_ignored_strides_in_the_receptive_field() -> None:
    wrong = one(LENET["input_shape"], LENET["layers"], {"layer": 3, "receptive_field": "10x10"})
    assert wrong.expected == 14
    assert wrong.mistake is Mistake.IGNORED_STRIDE


def test_a_receptive_field_as_one_number_only_when_the_axes_agree() -> None:
    layers = [{"type": "conv2d", "out_channels": 1, "kernel_size": [3, 5]}]
    single = one([1, 28, 28], layers, {"layer": 0, "receptive_field": 3})
    assert not single.correct
    assert single.expected == [3, 5]
    assert single.note == "The axes differ: give one number per axis."
    assert one([1, 28, 28], layers, {"layer": 0, "receptive_field": "3x5"}).correct
    assert one([1, 28, 28], layers, {"layer": 0, "receptive_field": [3, 5]}).correct


def test_layers_without_weight_or_bias() -> None:
    no_bias = [{"type": "conv2d", "out_channels": 2, "kernel_size": 3, "bias": False}]
    assert one([1, 8, 8], no_bias, {"layer": 0, "bias_shape": "none"}).correct
    wrong = one([1, 8, 8], no_bias, {"layer": 0, "bias_shape": 2})
    assert not wrong.correct
    assert wrong.expected is None
    assert wrong.note == "This layer has no bias."
    assert one([1, 8, 8], POOL, {"layer": 0, "weight_shape": "aucun"}).correct
    assert one([1, 8, 8], POOL, {"layer": 0, "params": 0}).correct


def test_transposed_weight_in_the_convolution_order_says_why() -> None:
    layers = [{"type": "convtranspose2d", "out_channels": 4, "kernel_size": 2, "stride": 2}]
    wrong = one([8, 5, 5], layers, {"layer": 0, "weight_shape": "4x8x2x2"})
    assert wrong.expected == [8, 4, 2, 2]
    assert wrong.mistake is Mistake.WRONG_ORDER
    assert wrong.note is not None
    assert "input-first" in wrong.note


def test_text_stacks_are_graded_too() -> None:
    text = "Conv (Cout=10, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2)"
    result = grade([3, 32, 32], text, [{"layer": 2, "output_shape": "10x16x16"}])
    assert result.score.correct == 1


@pytest.mark.parametrize(
    ("answers", "loc"),
    [
        ([{"layer": 5, "params": 1}], ("answers", 0, "layer")),
        ([{"params": 1}], ("answers", 0, "layer")),
        ([{"layer": 0}, {"layer": 0, "flops": 1}], ("answers", 1, "flops")),
        ([{"layer": True}], ("answers", 0, "layer")),
    ],
)
def test_bad_answers_name_their_place(answers: list[dict[str, Any]], loc: tuple[Any, ...]) -> None:
    with pytest.raises(StackError) as caught:
        grade([3, 32, 32], CONV, answers)
    assert caught.value.loc == loc


def test_an_impossible_stack_is_a_layer_error() -> None:
    with pytest.raises(LayerError):
        grade([1, 2, 2], STRIDED, [])
    with pytest.raises(LayerError, match="does not divide"):
        grade([1, 8, 8], STRIDED, [], strict=True)


def test_the_cli_grades_files(tmp_path: Path) -> None:
    stack = tmp_path / "stack.json"
    stack.write_text(json.dumps({"input_shape": [3, 32, 32], "layers": CONV}), encoding="utf-8")
    answers = tmp_path / "answers.json"
    answers.write_text(
        json.dumps({"answers": [{"layer": 0, "params": 750}], "total_params": "760"}),
        encoding="utf-8",
    )
    out = io.StringIO()
    assert run_check(str(stack), str(answers), "fr", out) == 0
    text = out.getvalue()
    assert "faux       0 params           750  (attendu 760)" in text
    assert "Le biais est oublié" in text
    assert "C_out × (C_in × K_h × K_w + 1) = 10 × (3 × 5 × 5 + 1) = 760" in text
    assert text.rstrip().endswith("Note : 1/2")
    answers.write_text(json.dumps([{"layer": 9}]), encoding="utf-8")
    assert run_check(str(stack), str(answers), None, io.StringIO()) == 1


def hand_answers(
    shape: list[int], layers: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], int] | None:
    """A square stack of conv2d and maxpool2d answered from PyTorch's documented formulas.

    ``O = floor((N + 2P - D(K - 1) - 1) / S) + 1`` (a pooling's ``ceil_mode`` rounds up, less
    one when the last window would start in the right padding), weight
    ``C_out × C_in × K × K``, params ``C_out (C_in K² + 1)``, receptive field
    ``r + (k_eff - 1) j`` with the jump ``j`` multiplied by each stride. ``None`` when torch
    refuses the stack (a window over the padded input, a pool padded over half its kernel).
    """
    c, n = shape[0], shape[1]
    field, jump, total = 1, 1, 0
    answers: list[dict[str, Any]] = []
    for index, layer in enumerate(layers):
        k, s, p = layer["kernel_size"], layer["stride"], layer["padding"]
        d = layer.get("dilation", 1)
        k_eff = d * (k - 1) + 1
        if n + 2 * p < k_eff:
            return None
        if layer["type"] == "conv2d":
            c_out = layer["out_channels"]
            out = (n + 2 * p - k_eff) // s + 1
            weight, bias, params = [c_out, c, k, k], [c_out], c_out * (c * k * k + 1)
            c = c_out
        else:
            out = -(-(n + 2 * p - k_eff) // s) + 1 if layer["ceil_mode"] else None
            if out is None:
                out = (n + 2 * p - k_eff) // s + 1
            elif (out - 1) * s >= n + p:
                out -= 1
            weight, bias, params = None, None, 0
        field, jump, n, total = field + (k_eff - 1) * jump, jump * s, out, total + params
        answers.append(
            {
                "layer": index,
                "output_shape": f"{c}×{n}×{n}",
                "weight_shape": weight or "none",
                "bias_shape": bias or "none",
                "params": params,
                "receptive_field": field,
            }
        )
    return answers, total


@given(conv_pool_stacks())
def test_the_expected_values_always_score_full_marks(
    case: tuple[list[int], list[dict[str, Any]]],
) -> None:
    shape, layers = case
    worked = hand_answers(shape, layers)
    assume(worked is not None)
    assert worked is not None
    answers, total = worked
    result = grade(shape, layers, answers, total, lang="fr")
    assert result.score.correct == result.score.total == 5 * len(answers) + 1


def test_a_global_receptive_field_can_be_said_in_words() -> None:
    layers = LENET["layers"]
    assert one(LENET["input_shape"], layers, {"layer": 7, "receptive_field": "global"}).correct
    assert one(LENET["input_shape"], layers, {"layer": 7, "receptive_field": "28x28"}).correct
    assert one(
        LENET["input_shape"], layers, {"layer": 9, "receptive_field": "toute l'image"}
    ).correct
    assert not one(LENET["input_shape"], layers, {"layer": 0, "receptive_field": "global"}).correct


# --- answers read in ASCII digits, and bounded work -----------------------------------------


@pytest.mark.parametrize(
    "text",
    ["٧٦٠", "７６０", "७६०", "٧٦٠ ٠٠٠", "1e3", "1e999999999", "10**400", "1" * 300, "1 000" * 60],
)
def test_counts_in_other_digits_or_too_long_are_unreadable(text: str) -> None:
    # int() and the regex \d take any script's digits: "٧٦٠" read as 760 before.
    assert read_number(text) is None
    assert read_shape(text) is None


@pytest.mark.parametrize("text", ["١٠x٣٢x٣٢", "10x٣٢x32", "(١٠, ٣٢)", "10x" * 100 + "10"])
def test_shapes_in_other_digits_or_too_long_are_unreadable(text: str) -> None:
    assert read_shape(text) is None


def test_the_course_separators_still_read() -> None:
    assert read_number("1\u202f256\u202f080") == 1256080  # thin spaces, as French typesets
    assert read_number("1\u00a0256\u00a0080") == 1256080
    assert read_number("1.5") == Fraction(3, 2)
    assert read_shape("10\u202f×\u202f32\u202f×\u202f32") == (
        Fraction(10),
        Fraction(32),
        Fraction(32),
    )
    assert read_shape(list(range(1, 65))) is not None
    assert read_shape(list(range(1, 66))) is None


def test_an_answer_in_arabic_indic_digits_is_unreadable() -> None:
    answer = {"layer": 0, "params": "٧٦٠", "output_shape": "١٠x٣٢x٣٢"}
    shape, params = grade(COURSE_32["input_shape"], COURSE_32["layers"], [answer]).results
    assert params.expected == 760
    assert shape.expected == [10, 32, 32]
    for result in (params, shape):
        assert not result.correct
        assert result.mistake is Mistake.UNREADABLE


def count_inferences(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every ``Conv.infer`` call made from now on adds one to the returned counter."""
    from app.core.layers.conv import Conv

    counter = [0]
    infer = Conv.infer

    def counted(self: Any, x: tuple[int, ...]) -> Any:
        counter[0] += 1
        return infer(self, x)

    monkeypatch.setattr(Conv, "infer", counted)
    return counter


RF_STACK = [
    {"type": "conv1d", "out_channels": 2, "kernel_size": 3, "stride": 1 + i % 2, "padding": 1}
    for i in range(64)
]


def test_receptive_field_answers_cost_no_new_analysis(monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, each wrong receptive-field answer re-inferred its layer's whole prefix.
    counter = count_inferences(monkeypatch)
    answer = {"layer": 63, "receptive_field": 10**6}
    grade([2, 10**6], RF_STACK, [answer])  # analyze() keeps its inferences: count from here
    counter[0] = 0
    grade([2, 10**6], RF_STACK, [answer])
    once = counter[0]
    counter[0] = 0
    result = grade([2, 10**6], RF_STACK, [answer] * 500)
    assert counter[0] == once
    assert len({(r.expected, r.mistake) for r in result.results}) == 1


def test_grading_every_layer_is_linear_in_the_layers(monkeypatch: pytest.MonkeyPatch) -> None:
    counter = count_inferences(monkeypatch)
    answers = [{"layer": i, "receptive_field": 10**6, "output_shape": "1x1"} for i in range(64)]
    result = grade([2, 10**6], RF_STACK, answers * 3)
    assert len(result.results) == 2 * 64 * 3
    # analyze, the explanation chains, the mistakes' chains: a few passes, not 64 × 64 / 2.
    assert counter[0] <= 4 * len(RF_STACK), counter[0]


def test_the_mistakes_of_a_long_stack_are_still_found() -> None:
    layers = [{"type": "conv1d", "out_channels": 1, "kernel_size": 3, "padding": 1}] * 200
    # 1 + 200 × (3 − 1) = 401; with K for K − 1, 1 + 200 × 3 = 601; without the 1, 400.
    answers = [{"layer": 199, "receptive_field": v} for v in (401, 601, 400, 601)]
    results = grade([1, 1000], layers, answers).results
    assert [r.correct for r in results] == [True, False, False, False]
    assert [r.mistake for r in results[1:]] == [
        Mistake.K_NOT_K_MINUS_1,
        Mistake.FORGOT_ONE,
        Mistake.K_NOT_K_MINUS_1,
    ]
