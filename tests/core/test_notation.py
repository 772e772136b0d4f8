"""Text stacks: the course's notation and PyTorch's printed ``nn.Sequential``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import assume, given
from pydantic import ValidationError

from app.core import LayerError, analyze
from app.core.examples import EXAMPLES
from app.core.export import to_course
from app.core.messages import Msg
from app.core.notation import NotationError, parse_stack, tokenize
from tests.core.test_invariants import conv_pool_stacks

# The course's LeNet-5 table, as printed in the course (tabs between the columns).
COURSE_TABLE = """Couche\tTaille Sortie\tTaille Poids
Entrée\t1 x 28 x 28\t
Conv (Cout=20, K=5, P=2, S=1)\t20 x 28 x 28\t20 x 1 x 5 x 5
ReLU\t20 x 28 x 28\t
MaxPool(K=2, S=2)\t20 x 14 x 14\t
Conv (Cout=50, K=5, P=2, S=1)\t50 x 14 x 14\t50 x 20 x 5 x 5
ReLU\t50 x 14 x 14\t
MaxPool(K=2, S=2)\t50 x 7 x 7\t
Flatten\t2450\t
Linear (2450 -> 500)\t500\t2450 x 500
ReLU\t500\t
Linear (500 -> 10)\t10\t500 x 10
"""

LENET_DICTS = [
    {"type": "conv", "out_channels": 20, "kernel_size": 5, "padding": 2, "stride": 1},
    {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2, "stride": 2},
    {"type": "conv", "out_channels": 50, "kernel_size": 5, "padding": 2, "stride": 1},
    {"type": "relu"},
    {"type": "maxpool", "kernel_size": 2, "stride": 2},
    {"type": "flatten"},
    {"type": "linear", "in_features": 2450, "out_features": 500},
    {"type": "relu"},
    {"type": "linear", "in_features": 500, "out_features": 10},
]

# print(model) of torch 2.13 for a stack using most kinds (copied from a real run).
PRINTED = (Path(__file__).parent.parent / "data" / "printed_sequential.txt").read_text("utf-8")


def outputs(input_shape: list[int], layers: Any) -> list[tuple[Any, ...]]:
    """What must survive a round trip: every number of every layer (the tag may change)."""
    a = analyze(input_shape, layers)
    return [
        (
            r.torch_class,
            r.output_shape,
            r.weight_shape,
            r.bias_shape,
            r.params,
            r.buffers,
            r.receptive_field,
            r.macs,
        )
        for r in a.layers
    ]


def test_the_course_table_reads_as_lenet5() -> None:
    layers = parse_stack(COURSE_TABLE)
    assert layers == LENET_DICTS
    analysis = analyze([1, 28, 28], layers)
    rows = [line.split("\t") for line in COURSE_TABLE.splitlines()[2:]]
    for report, row in zip(analysis.layers, rows, strict=True):
        assert " x ".join(map(str, report.output_shape)) == row[1]
        if row[2]:
            weight = report.weight_shape or ()
            written = weight if report.type != "linear" else weight[::-1]
            assert " x ".join(map(str, written)) == row[2]
    assert analysis.total_params == 1_256_080


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Conv (Cout=20, K=5, P=2, S=1)", LENET_DICTS[0]),
        ("conv(cout = 20,k=5,p=2,s=1)", LENET_DICTS[0]),
        ("CONV ( C_out=20 , K=5 , P=2 , S=1 )", LENET_DICTS[0]),
        ("Conv(Cout: 20, K: 5, P: 2, S: 1)", LENET_DICTS[0]),
        ("MaxPool(K=2, S=2)", LENET_DICTS[2]),
        ("max_pool (k=2,s=2)", LENET_DICTS[2]),
        ("Linear (2450 -> 500)", LENET_DICTS[7]),
        ("linear(2450→500)", LENET_DICTS[7]),
        ("Linear(2450, 500)", LENET_DICTS[7]),
        ("Linear(500)", {"type": "linear", "out_features": 500}),
        ("fc(out=10)", {"type": "linear", "out_features": 10}),
        ("Conv(20, K=5x5)", {"type": "conv", "out_channels": 20, "kernel_size": [5, 5]}),
        ("Conv(Cout=20, K=3 × 5)", {"type": "conv", "out_channels": 20, "kernel_size": [3, 5]}),
        ("ReLU", {"type": "relu"}),
        ("relu()", {"type": "relu"}),
        ("Flatten", {"type": "flatten"}),
        ("nn.Dropout(p=0.25)", {"type": "dropout", "p": 0.25}),
        ("torch.nn.Dropout(0.25)", {"type": "dropout", "p": 0.25}),
        ("BatchNorm2d(64)", {"type": "batchnorm2d", "num_features": 64}),
        (
            "Conv2d(1, 20, 5)",
            {"type": "conv2d", "in_channels": 1, "out_channels": 20, "kernel_size": 5},
        ),
        (
            "Conv(Cout=8, K=3, P='same')",
            {"type": "conv", "out_channels": 8, "kernel_size": 3, "padding": "same"},
        ),
        ("Flatten(start_dim=2, end_dim=-1)", {"type": "flatten", "start_dim": 2, "end_dim": -1}),
        ("Softmax(dim=1)  # class scores", {"type": "softmax", "dim": 1}),
    ],
)
def test_course_notation_variations(text: str, expected: dict[str, Any]) -> None:
    assert parse_stack(text) == [expected]


def test_one_line_separated_by_commas() -> None:
    text = (
        "Conv (Cout=20, K=5, P=2, S=1), ReLU, MaxPool(K=2, S=2), Conv (Cout=50, K=5, P=2, S=1), "
        "ReLU, MaxPool(K=2, S=2), Flatten, Linear (2450 -> 500), ReLU, Linear (500 -> 10)"
    )
    assert parse_stack(text) == LENET_DICTS


def test_a_pytorch_printout_gives_every_layer_with_pytorch_names() -> None:
    layers = parse_stack(PRINTED)
    assert len(layers) == 33
    assert layers[0] == {
        "type": "conv2d",
        "in_channels": 3,
        "out_channels": 20,
        "kernel_size": [5, 5],
        "stride": [1, 1],
        "padding": [2, 2],
    }
    assert layers[3]["padding"] == "same"
    assert layers[3]["padding_mode"] == "reflect"
    assert layers[3]["bias"] is False
    assert layers[4] == {
        "type": "batchnorm2d",
        "num_features": 8,
        "eps": 1e-05,
        "momentum": 0.1,
        "affine": True,
        "track_running_stats": True,
    }
    assert layers[7] == {"type": "adaptiveavgpool2d", "output_size": [None, 7]}
    assert layers[13] == {"type": "linear", "in_features": 400, "out_features": 10, "bias": False}
    assert layers[16] == {"type": "gelu", "approximate": "tanh"}
    assert layers[18] == {"type": "logsoftmax", "dim": -1}
    assert layers[32] == {"type": "dropout1d", "p": 0.5, "inplace": False}
    analysis = analyze([3, 32, 32], layers[:32])  # dropout1d wants a C × L input
    # Counted by torch for this very module: sum(p.numel() for p in model.parameters()).
    assert analysis.total_params == 6057
    assert analysis.output_shape == (10,)


def test_nested_containers_and_repeats_are_flattened() -> None:
    text = """Net(
  (features): Sequential(
    (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
    (act): ModuleList(
      (0-1): 2 x ReLU()
    )
  )
  (empty): Sequential()
  (head): Linear(in_features=6, out_features=2, bias=True)
)"""
    types = [layer["type"] for layer in parse_stack(text)]
    assert types == ["conv2d", "relu", "relu", "linear"]


def test_bare_printed_children_without_their_container() -> None:
    text = "(0): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))\n(1): ReLU()"
    assert [layer["type"] for layer in parse_stack(text)] == ["conv2d", "relu"]


def test_given_in_channels_are_kept_and_checked() -> None:
    from app.core import LayerError

    with pytest.raises(LayerError, match="in_channels is 3"):
        analyze([1, 28, 28], "Conv2d(3, 20, kernel_size=(5, 5))")


@pytest.mark.parametrize(
    ("text", "line", "column", "reason"),
    [
        ("Conv (Cout=20, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2,\nFlatten", 3, 18, "expected ')'"),
        ("Conv(K=5", 1, 9, "expected ')'"),
        ("Conv(K=5,, P=2)", 1, 10, "expected a value"),
        ("ReLU ReLU", 1, 6, "expected a new line or ','"),
        ("Foo(2)", 1, 1, "unknown layer 'Foo'"),
        ("ReLU\n  Conv(K='5)", 2, 10, "never closed"),
        ("Conv(K=5, 3)", 1, 11, "positional argument cannot follow"),
        ("Conv(K=5, K=3)", 1, 11, "K is given twice"),
        ("Conv(K=5) $", 1, 11, "unexpected character '$'"),
        ("ReLU\n\n  Linear(1 -> 2 -> 3)", 3, 17, "expected ',' or ')'"),
        ("Conv(1 -> 2)", 1, 1, "linear layer only"),
        ("Conv2d(1, 2, 3, 1, 0, 1, 1, True, 'zeros', 9)", 1, 1, "at most 9 positional"),
        ("__import__('os').system('echo hi')", 1, 17, "expected a new line"),
        ("Sequential(\n  (0): Conv2d(1, 20, kernel_size=(5, 5)\n  (1): ReLU()\n)", 2, 40, "')'"),
        ("MaxPool2d(kernel_size=2, return_indices=True)", 1, 1, "return_indices"),
        ("BatchNorm2d(8, affine=True, bias=False)", 1, 1, "not supported"),
    ],
)
def test_syntax_errors_give_line_and_column(text: str, line: int, column: int, reason: str) -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack(text)
    error = caught.value
    assert (error.line, error.column) == (line, column), str(error)
    assert reason in error.reason
    assert str(error).startswith(f"line {line}, column {column}: ")
    assert error.loc == ("layers",)


def test_notation_error_is_a_core_error_and_pickles() -> None:
    import pickle

    from app.core import CnnCalcError

    with pytest.raises(CnnCalcError):
        parse_stack("Conv(")
    error = NotationError(2, 3, Msg("notation_close"))
    again = pickle.loads(pickle.dumps(error))
    assert (again.line, again.column, str(again)) == (2, 3, "line 2, column 3: expected ')'")
    assert again.text("fr") == "ligne 2, colonne 3 : on attendait ')'"


def test_the_tokenizer_never_evaluates_anything() -> None:
    tokens = tokenize("Conv(K=__import__)")
    assert [t.kind for t in tokens] == ["name", "(", "name", "=", "name", ")", "end of text"]
    # A bare name is a string value, handed to the schema, which refuses it.
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        analyze([1, 8, 8], "Conv(Cout=1, K=__import__)")


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_course_notation_round_trips_on_every_example(name: str) -> None:
    example = EXAMPLES[name]
    text = to_course(example["input_shape"], example["layers"])
    assert outputs(example["input_shape"], parse_stack(text)) == outputs(
        example["input_shape"], example["layers"]
    )


@given(conv_pool_stacks())
def test_course_notation_round_trips_on_random_stacks(
    case: tuple[list[int], list[dict[str, Any]]],
) -> None:
    shape, layers = case
    text = None
    with contextlib.suppress(LayerError):
        text = to_course(shape, layers)
    assume(text is not None)
    assert text is not None
    assert outputs(shape, parse_stack(text)) == outputs(shape, layers)


# --- bounded work: repeats, nesting and every step linear in the text -----------------------


def limit_error(text: str, max_layers: int = 2048) -> NotationError:
    with pytest.raises(NotationError) as caught:
        parse_stack(text, max_layers=max_layers)
    assert caught.value.code == "limit_exceeded", str(caught.value)
    assert caught.value.loc == ("layers",)
    return caught.value


def test_nested_repeats_multiply() -> None:
    text = "3 x Sequential(4 x Sequential(ReLU, ReLU))"
    assert [layer["type"] for layer in parse_stack(text)] == ["relu"] * 24
    assert len(parse_stack(text, max_layers=24)) == 24
    error = limit_error(text, max_layers=23)
    assert (error.line, error.column) == (1, 1)
    assert "more than 23 layers" in error.reason


def test_a_container_nested_in_a_repeat_is_counted_before_it_is_built() -> None:
    # 2 x (5 x (10 x ReLU)) is 100 layers: 5 x 10 already passes 40, on line 2.
    text = "2 x Sequential(\n  (0): 5 x Sequential(\n    (0-9): 10 x ReLU()\n  )\n)"
    assert len(parse_stack(text)) == 100
    error = limit_error(text, max_layers=40)
    assert (error.line, error.column) == (2, 8)
    error = limit_error(text, max_layers=60)
    assert (error.line, error.column) == (1, 1)


@pytest.mark.parametrize(
    "text",
    [
        "1000000000000000 x ReLU",
        "1000000000000000 x Sequential()",
        "ReLU\n(0-999999): 1000000 x ReLU()",
        "Sequential((0): 10000000 x Sequential())",
    ],
)
def test_a_huge_repeat_count_is_refused_as_it_is_read(text: str) -> None:
    # Refused on the count itself: an empty container repeated 10^15 times builds nothing,
    # but looping over the count would never end.
    error = limit_error(text)
    assert "a repeat count of" in error.reason
    assert "over the limit of 2048 layers" in error.reason


def test_the_layer_count_stops_at_the_first_layer_past_the_limit() -> None:
    error = limit_error("ReLU, " * 10_000)
    assert (error.line, error.column) == (1, 1 + 6 * 2048)
    assert len(parse_stack("ReLU, " * 2048)) == 2048
    error = limit_error("ReLU\n" * 6, max_layers=5)
    assert (error.line, error.column) == (6, 1)


def test_analyze_passes_its_layer_limit_to_the_parser() -> None:
    from app.core import Limits
    from app.core.analysis import parse_layers

    tight = Limits(max_layers=5)
    with pytest.raises(NotationError, match="more than 5 layers") as caught:
        analyze([4], "3 x Sequential(ReLU, ReLU)", limits=tight)
    assert caught.value.code == "limit_exceeded"
    assert len(analyze([4], "5 x ReLU", limits=tight).layers) == 5
    with pytest.raises(NotationError, match="a repeat count of 6"):
        parse_layers("6 x ReLU", max_layers=5)
    assert len(parse_layers("6 x ReLU")) == 6


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("Conv(K=" + "(" * 1000, 39),
        ("Conv(K=" + "[" * 1000, 39),
        ("Conv(K=" + "([" * 500, 39),
        ("Sequential(" * 1000, 11 * 33),
        ("Sequential((0): " * 1000, 11 + 16 * 32),
    ],
    ids=["parentheses", "brackets", "mixed", "containers", "labelled"],
)
def test_deep_nesting_is_refused_with_its_place(text: str, column: int) -> None:
    error = limit_error(text)
    assert (error.line, error.column) == (1, column)
    assert error.reason == "brackets are nested more than 32 deep"


def test_nesting_up_to_the_limit_is_read() -> None:
    from app.core.notation import MAX_DEPTH

    assert MAX_DEPTH == 32
    # Conv( is one level, so 31 more reach the limit exactly.
    (layer,) = parse_stack("Conv(K=" + "(" * 31 + "5" + ")" * 31 + ")")
    value = layer["kernel_size"]
    for _ in range(30):
        (value,) = value
    assert value == [5]
    limit_error("Conv(K=" + "(" * 32 + "5" + ")" * 32 + ")")
    assert len(parse_stack("Sequential(" * 31 + "ReLU" + ")" * 31)) == 1


def test_the_error_pickles_with_its_code() -> None:
    import pickle

    error = limit_error("4 x ReLU", max_layers=3)
    again = pickle.loads(pickle.dumps(error))
    assert (again.code, again.line, again.column, str(again)) == (
        "limit_exceeded",
        1,
        1,
        str(error),
    )


@pytest.mark.parametrize("text", ["Conv(Cout=٢٠, K=5)", "٣ x ReLU", "Conv(K=5 x٥)"])
def test_numbers_are_read_in_ascii_digits_only(text: str) -> None:
    # str.isdigit() and int() take any script's digits: ٢٠ would read as 20.
    with pytest.raises(NotationError):
        parse_stack(text)


def test_a_long_token_is_cut_in_the_message() -> None:
    with pytest.raises(NotationError) as caught:
        parse_stack("ReLU " + "a" * 100_000)
    assert len(str(caught.value)) < 200
    with pytest.raises(NotationError) as caught:
        parse_stack("Conv(K=" + "9" * 5000 + ")")
    assert "cannot read the number" in caught.value.reason
    assert len(str(caught.value)) < 200


def python_calls(text: str) -> int:
    """Python-level calls (generators resumed included) made to parse ``text``."""
    calls = 0

    def count(frame: Any, event: str, arg: Any) -> None:
        nonlocal calls
        if event == "call":
            calls += 1

    sys.setprofile(count)
    try:
        with contextlib.suppress(NotationError):
            parse_stack(text, max_layers=10**6)
    finally:
        sys.setprofile(None)
    return calls


HOSTILE: dict[str, Any] = {
    "keywords": lambda n: "Conv(" + ", ".join(f"k{i}=1" for i in range(n)) + ")",
    "positional": lambda n: "Conv(" + "1, " * n + ")",
    "layers": lambda n: "ReLU, " * n,
    "lines": lambda n: "ReLU\n" * n,
    "labelled": lambda n: "Sequential(\n" + "(0): ReLU()\n" * n + ")",
    "tuple": lambda n: "Conv(K=(" + "1, " * n + "))",
    "sizes": lambda n: "Conv(K=5" + " x 5" * n + ")",
    "named sizes": lambda n: "Conv(K=5" + " x5" * n + ")",
    "table cells": lambda n: "ReLU " + "20 x " * n,
    "header lines": lambda n: "Couche a b c\n" * n + "ReLU",
    "comments": lambda n: "# " + "x" * n + "\nReLU",
    "strings": lambda n: "Conv(K='" + "a" * n + "')",
    "parentheses": lambda n: "(" * n,
    "names": lambda n: "a" * n,
}


@pytest.mark.parametrize("shape", sorted(HOSTILE))
def test_parsing_is_linear_in_the_text(shape: str) -> None:
    # Doubling the text at most doubles the work (counted in calls, not timed): the check
    # of repeated keywords was a scan of those before, 4x the work for twice as many.
    small, large = python_calls(HOSTILE[shape](1000)), python_calls(HOSTILE[shape](2000))
    assert large <= 2.2 * small + 50, (small, large)


@pytest.mark.parametrize("text", ["", "  ", "\n\n", ", ;", "Sequential()"])
def test_a_text_with_no_layer_is_an_empty_stack(text: str) -> None:
    assert parse_stack(text) == []


@pytest.mark.parametrize(
    "text",
    ["Lea\u212ayReLU", "Conv(\u212a=3, Cout=2)", "MaxPool(\u212a=2)", "Conv(Cout=2, \u212a=3)"],
)
def test_look_alike_letters_are_not_taken_for_ascii(text: str) -> None:
    with pytest.raises((NotationError, ValidationError)):
        analyze([1, 8, 8], text)
