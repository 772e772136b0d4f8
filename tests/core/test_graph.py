"""Graphs: ids and inputs, merges, blocks, their names, and the receptive field over paths.

Expected shapes follow PyTorch's rules worked by hand (broadcasting, ``torch.cat``); the
receptive fields are the published ones of Araujo et al. (Distill 2019) and
google-research/receptive_field's ``RECEPTIVE_FIELD_TABLE.md``.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.core import analyze
from app.core.analysis import Limits
from app.core.errors import FieldError, GraphError, LayerError, LimitError
from app.core.layers import LAYERS_ADAPTER, REGISTRY
from app.core.presets import PRESETS

Layer = dict[str, Any]


def conv(c: int, k: int | list[int], s: int = 1, p: int | list[int] = 0, **more: Any) -> Layer:
    return {"type": "conv2d", "out_channels": c, "kernel_size": k, "stride": s, "padding": p} | more


# --- ids, inputs and names ------------------------------------------------------------------


def test_a_chain_reports_generated_ids_and_its_inputs() -> None:
    a = analyze([3, 8, 8], [conv(4, 3), {"type": "relu"}])
    assert [(r.id, r.name, r.inputs) for r in a.layers] == [
        ("0", "0", ("input",)),
        ("1", "1", ("0",)),
    ]
    assert all(r.receptive_field.aligned for r in a.layers)


def test_ids_and_inputs_wire_a_skip_connection() -> None:
    a = analyze(
        [4, 8, 8],
        [
            conv(4, 3, p=1, id="a"),
            {"type": "relu"},
            {"type": "add", "inputs": ["1", "input"]},  # "1": the relu's generated id
            {"type": "concat", "inputs": ["a", "a"]},  # the same id twice
        ],
    )
    add, cat = a.layers[2], a.layers[3]
    assert add.inputs == ("1", "input")
    assert add.output_shape == (4, 8, 8)
    assert cat.inputs == ("a", "a")
    assert cat.output_shape == (8, 8, 8)
    assert (add.params, add.macs, cat.params, cat.macs) == (0, 0, 0, 0)
    assert a.output_shape == (8, 8, 8)


def test_a_residual_block_names_its_layers_and_is_its_add() -> None:
    block = {
        "type": "residual",
        "id": "block",
        "layers": [conv(8, 3, s=2, p=1, id="conv1"), {"type": "batchnorm2d"}],
        "shortcut": [conv(8, 1, s=2), {"type": "batchnorm2d"}],
    }
    a = analyze([4, 8, 8], [block, {"type": "relu"}])
    assert [(r.id, r.type, r.inputs) for r in a.layers] == [
        ("block.conv1", "conv2d", ("input",)),
        ("block.1", "batchnorm2d", ("block.conv1",)),
        ("block.shortcut.0", "conv2d", ("input",)),
        ("block.shortcut.1", "batchnorm2d", ("block.shortcut.0",)),
        ("block", "add", ("block.1", "block.shortcut.1")),
        ("1", "relu", ("block",)),
    ]
    # 8·4·9 + 8 + 2·8 + 8·4 + 8 + 2·8 = 368
    assert a.total_params == 368


def test_sequential_repeat_copies_with_their_own_parameters_and_scoped_ids() -> None:
    block = {
        "type": "sequential",
        "id": "stage",
        "repeat": 3,
        "layers": [
            conv(4, 3, p=1, id="dw"),
            {"type": "sigmoid", "id": "gate"},
            {"type": "mul", "inputs": ["gate", "dw"]},
        ],
    }
    a = analyze([4, 6, 6], [block])
    assert [r.id for r in a.layers[:3]] == ["stage.0.dw", "stage.0.gate", "stage.0.2"]
    assert a.layers[5].inputs == ("stage.1.gate", "stage.1.dw")
    assert a.layers[3].inputs == ("stage.0.2",)  # the second copy takes the first's output
    assert a.total_params == 3 * (4 * 4 * 9 + 4)


def test_parallel_concatenates_its_branches_and_nests() -> None:
    inception = {
        "type": "parallel",
        "id": "mixed",
        "branches": [
            [conv(2, 1)],
            [conv(3, 1), conv(5, 3, p=1)],
            [{"type": "maxpool2d", "kernel_size": 3, "stride": 1, "padding": 1}],
        ],
    }
    a = analyze(
        [4, 6, 6], [inception, {"type": "parallel", "branches": [[conv(4, 1)]], "merge": "add"}]
    )
    assert a.layers[4].id == "mixed"
    assert a.layers[4].inputs == (
        "mixed.0.0",
        "mixed.1.1",
        "mixed.2.0",
    )
    assert a.layers[4].output_shape == (2 + 5 + 4, 6, 6)
    assert a.layers[-1].id == "1"
    assert a.layers[-1].inputs == ("1.0.0",)


def test_an_output_nothing_uses_is_a_warning() -> None:
    a = analyze([3, 8, 8], [conv(4, 3, id="dead"), {"type": "relu", "inputs": ["input"]}])
    (warning,) = a.warnings
    assert warning.layer == 0
    assert warning.code == "unused_output"
    assert "dead" in warning.message


# --- merges ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "out"),
    [([4, 1, 1], [4, 5, 6], [4, 5, 6]), ([1, 5, 1], [4, 1, 6], [4, 5, 6]), ([3], [3], [3])],
    ids=["squeeze_excitation", "both_ways", "vectors"],
)
def test_add_and_mul_broadcast_as_pytorch(a: list[int], b: list[int], out: list[int]) -> None:
    for kind in ("add", "mul"):
        (merge,) = LAYERS_ADAPTER.validate_python([{"type": kind}])
        assert list(merge.infer_many([tuple(a), tuple(b)]).output) == out


def test_broadcasting_refuses_unequal_sizes_and_ranks() -> None:
    (mul,) = LAYERS_ADAPTER.validate_python([{"type": "mul"}])
    with pytest.raises(FieldError, match=r"tensor a \(2\).*tensor b \(3\).*dimension 1"):
        mul.infer_many([(2, 4, 4), (3, 4, 4)])
    with pytest.raises(FieldError, match="same number of dimensions"):
        mul.infer_many([(4, 4, 4), (4,)])  # with the batch, PyTorch would align B with H


def test_shapes_that_do_not_add_name_both_inputs_and_sizes() -> None:
    with pytest.raises(
        LayerError, match=r"inputs 'a' and 'input'.*tensor a \(8\).*tensor b \(4\)"
    ) as info:
        analyze([4, 6, 6], [conv(8, 1, id="a"), {"type": "add", "inputs": ["a", "input"]}])
    assert info.value.loc == ("layers", 1)
    assert info.value.field == "inputs"


def test_concat_counts_dim_as_torch_cat_and_refuses_the_batch() -> None:
    two = [conv(2, 1, id="a"), conv(3, 1, inputs=["input"], id="b")]
    assert analyze([4, 6, 6], [*two, {"type": "cat", "inputs": ["a", "b"]}]).output_shape == (
        5,
        6,
        6,
    )
    same = [conv(2, 1, id="a"), conv(2, 1, inputs=["input"], id="b")]
    for dim, out in ((2, [2, 12, 6]), (-1, [2, 6, 12]), (-3, [4, 6, 6])):
        layers = [*same, {"type": "concat", "dim": dim, "inputs": ["a", "b"]}]
        assert list(analyze([4, 6, 6], layers).output_shape) == out, dim
    with pytest.raises(LayerError, match="batch") as info:
        analyze([4, 6, 6], [*same, {"type": "concat", "dim": 0, "inputs": ["a", "b"]}])
    assert info.value.field == "dim"
    with pytest.raises(LayerError, match=r"inputs 'a' and 'b'.*Expected size 6 but got size 3"):
        analyze(
            [4, 6, 6],
            [
                conv(2, 1, id="a"),
                conv(2, 1, s=2, inputs=["input"], id="b"),
                {"type": "concat", "inputs": ["a", "b"]},
            ],
        )


def test_a_merge_of_one_input_is_the_identity() -> None:
    a = analyze([3, 5, 5], [{"type": "add"}, {"type": "mul"}, {"type": "concat"}])
    assert [r.output_shape for r in a.layers] == [(3, 5, 5)] * 3


# --- graph errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layers", "loc", "code"),
    [
        (
            [{"type": "relu", "inputs": ["later"]}, {"type": "relu", "id": "later"}],
            ("layers", 0, "inputs", 0),
            "unknown_input",
        ),
        (
            [{"type": "relu", "id": "a"}, {"type": "relu", "id": "a"}],
            ("layers", 1, "id"),
            "duplicate_id",
        ),
        ([{"type": "relu", "id": "input"}], ("layers", 0, "id"), "reserved_id"),
        (
            [{"type": "relu", "id": "a"}, {"type": "relu", "inputs": ["a", "a"]}],
            ("layers", 1, "inputs"),
            "wrong_input_count",
        ),
        ([{"type": "sequential", "layers": []}], ("layers", 0, "layers"), "empty_block"),
        (
            [{"type": "parallel", "branches": [[{"type": "relu"}], []]}],
            ("layers", 0, "branches", 1),
            "empty_block",
        ),
        (
            [{"type": "sequential", "layers": [{"type": "relu", "inputs": ["nowhere"]}]}],
            ("layers", 0, "layers", 0, "inputs", 0),
            "unknown_input",
        ),
    ],
    ids=["forward", "duplicate", "reserved", "count", "empty", "empty_branch", "nested"],
)
def test_graph_errors_name_their_place(
    layers: list[Layer], loc: tuple[Any, ...], code: str
) -> None:
    with pytest.raises(GraphError) as info:
        analyze([3, 4, 4], layers)
    assert (info.value.loc, info.value.code) == (loc, code)


NESTED_REPEATS = [
    {
        "type": "sequential",
        "repeat": 2,
        "layers": [
            {
                "type": "sequential",
                "repeat": 600,
                "layers": [{"type": "relu"}, {"type": "relu"}],
            }
        ],
    }
]
"""2 × 600 × 2 = 2,400 layers."""


def test_a_huge_repeat_is_refused_before_anything_is_built(node_fuse: list[int]) -> None:
    body = [{"type": "sequential", "repeat": 10**15, "layers": [{"type": "relu"}]}]
    with pytest.raises(LimitError) as info:
        analyze([1], body)
    assert info.value.loc == ("layers", 0, "repeat")
    with pytest.raises(LimitError):
        analyze([1], NESTED_REPEATS, limits=Limits(max_layers=2399))
    assert node_fuse == [0]


def test_nested_repeats_at_the_limit_are_built() -> None:
    assert len(analyze([1], NESTED_REPEATS, limits=Limits(max_layers=2400)).layers) == 2400


def test_a_layer_error_inside_a_block_names_its_place() -> None:
    body = [{"type": "residual", "id": "r", "layers": [{"type": "maxpool2d", "kernel_size": 9}]}]
    with pytest.raises(LayerError, match=r"layer 0 \(maxpool2d, r.0\)") as info:
        analyze([3, 4, 4], body)
    assert info.value.loc == ("layers", 0, "layers", 0)
    assert info.value.field == "kernel_size"


# --- receptive field over paths -------------------------------------------------------------


def bottleneck(depth: int, inner: int, stride: int, project: bool) -> Layer:
    """A TF-slim resnet_v1 unit: 1×1, 3×3 (``conv2d_same``: explicit padding 1), 1×1."""
    shortcut: list[Layer] = []
    if project:
        shortcut = [conv(depth, 1, s=stride)]
    elif stride > 1:
        shortcut = [{"type": "maxpool2d", "kernel_size": 1, "stride": stride}]
    return {
        "type": "residual",
        "layers": [
            conv(inner, 1),
            {"type": "relu"},
            conv(inner, 3, s=stride, p=1),
            {"type": "relu"},
            conv(depth, 1),
        ],
        "shortcut": shortcut,
    }


def slim_block(name: str, depth: int, units: int, stride: int) -> Layer:
    """TF-slim's ``resnet_v1_block``: the stride in the last unit."""
    return {
        "type": "sequential",
        "id": name,
        "layers": [
            bottleneck(depth, depth // 4, stride if u == units - 1 else 1, u == 0)
            for u in range(units)
        ],
    }


def test_resnet_v1_50_blocks_match_the_published_receptive_fields() -> None:
    # Root: conv2d_same 7×7/2 (explicit padding 3), max_pool2d 3×3/2 'SAME' (on 112, TF pads
    # 0 before and 1 after: ceil_mode gives the same 56 outputs with no padding before).
    layers = [
        conv(64, 7, s=2, p=3),
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True},
        slim_block("block1", 256, 3, 2),
        slim_block("block2", 512, 4, 2),
        slim_block("block3", 1024, 6, 2),
        slim_block("block4", 2048, 3, 1),
    ]
    a = analyze([3, 224, 224], layers)
    by_id = {r.id: r.receptive_field for r in a.layers}
    for block, size, jump, padding in (
        ("block1", 35, 8, 15),
        ("block2", 99, 16, 47),
        ("block3", 291, 32, 143),
        ("block4", 483, 32, 239),
    ):
        last = [r.id for r in a.layers if r.id.startswith(block + ".")][-1]
        rf = by_id[last]
        assert (rf.size, rf.jump, rf.padding) == ((size,) * 2, (jump,) * 2, (padding,) * 2), block
        assert rf.aligned
    assert not any(w.code == "receptive_field_not_aligned" for w in a.warnings)


def test_inception_v3_mixed_5b_matches_the_published_receptive_field() -> None:
    same = {"type": "avgpool2d", "kernel_size": 3, "stride": 1, "padding": 1}
    layers = [
        conv(32, 3, s=2),
        conv(32, 3),
        conv(64, 3, p=1),
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
        conv(80, 1),
        conv(192, 3),
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
        {
            "type": "parallel",
            "id": "Mixed_5b",
            "branches": [
                [conv(64, 1)],
                [conv(48, 1), conv(64, 5, p=2)],
                [conv(64, 1), conv(96, 3, p=1), conv(96, 3, p=1)],
                [same, conv(32, 1)],
            ],
        },
    ]
    a = analyze([3, 299, 299], layers)
    mixed = a.layers[-1]
    assert mixed.id == "Mixed_5b"
    assert mixed.output_shape == (256, 35, 35)
    rf = mixed.receptive_field
    assert (rf.size, rf.jump, rf.padding, rf.aligned) == ((63, 63), (8, 8), (18.0, 18.0), True)


def test_torchvision_resnet50_final_features_see_427_pixels() -> None:
    preset = PRESETS["resnet50"]
    a = analyze(preset["input_shape"], preset["layers"])
    pool = next(r for r in a.layers if r.type.startswith("adaptiveavgpool"))
    before = a.layers[pool.index - 1].receptive_field
    assert (before.size, before.jump, before.global_) == ((427, 427), (32, 32), False)
    assert pool.receptive_field.global_
    assert pool.receptive_field.size == (224, 224)


def test_resnet18_as_residual_blocks_totals_torchvision() -> None:
    preset = PRESETS["resnet18"]
    a = analyze(preset["input_shape"], preset["layers"])
    adds = [r for r in a.layers if r.type == "add"]
    assert a.total_params == 11_689_512
    assert abs(a.total_macs - 1.814e9) / 1.814e9 < 0.01
    assert len(adds) == 8
    assert all(len(r.inputs) == 2 for r in adds)


def test_global_pooling_is_global_in_a_chain() -> None:
    # conv 3×3: size 3; the pooling to 1×1 sees the whole 6×6 input.
    a = analyze([1, 6, 6], [conv(2, 3), {"type": "adaptiveavgpool2d", "output_size": 1}])
    rf = a.layers[1].receptive_field
    assert (rf.global_, rf.size, rf.start, rf.padding) == (True, (6, 6), (2.5, 2.5), (0.0, 0.0))
    half = analyze([1, 6, 6], [{"type": "adaptiveavgpool2d", "output_size": [1, 2]}])
    assert not half.layers[0].receptive_field.global_  # 1 on one axis only: 6×3 windows


def test_squeeze_excitation_makes_the_product_global() -> None:
    layers = [
        conv(4, 3, p=1, id="x"),
        {"type": "adaptiveavgpool2d", "output_size": 1},
        conv(4, 1),
        {"type": "sigmoid", "id": "gate"},
        {"type": "mul", "inputs": ["gate", "x"]},
    ]
    a = analyze([4, 8, 8], layers)
    assert a.layers[-1].receptive_field.global_
    assert a.layers[-1].receptive_field.size == (8, 8)


def test_aligned_paths_give_the_largest_field() -> None:
    # On 10: a 3×3 (size 3, centre 1) and two 2×2 (size 3, centre 0.5 + 0.5 = 1): aligned;
    # a 5×5 with padding 1 (size 5, centre 1) too. The hull is the 5×5's: [-1, 3].
    layers = [
        conv(1, 3, id="a"),
        conv(1, 2, inputs=["input"]),
        conv(1, 2, id="b"),
        conv(1, 5, p=1, inputs=["input"], id="c"),
        {"type": "add", "inputs": ["a", "b", "c"]},
    ]
    rf = analyze([1, 10, 10], layers).layers[-1].receptive_field
    assert (rf.size, rf.start, rf.padding, rf.aligned) == ((5, 5), (1.0, 1.0), (1.0, 1.0), True)


@pytest.mark.parametrize(
    ("b", "why", "size", "start", "jump"),
    [
        # a: 3×3/2 padding 1 on 8: 4 units, size 3, centre 0, jump 2.
        # b: 2×2/2: 4 units, size 2, centre 0.5: hull [-1, 1] ∪ [0, 1] = [-1, 1].
        (conv(1, 2, s=2, inputs=["input"], id="b"), "start", [3, 3], [0.0, 0.0], [2, 2]),
        # b: 5×5 on 8: 4 units, size 5, centre 2, jump 1: hull [-1, 4], size 6, centre 1.5.
        (conv(1, 5, inputs=["input"], id="b"), "jump", [6, 6], [1.5, 1.5], [2, 2]),
    ],
    ids=["centre", "jump"],
)
def test_paths_that_disagree_give_the_hull_and_a_warning(
    b: Layer, why: str, size: list[int], start: list[float], jump: list[int]
) -> None:
    layers = [conv(1, 3, s=2, p=1, id="a"), b, {"type": "add", "inputs": ["a", "b"], "id": "m"}]
    a = analyze([1, 8, 8], layers)
    merge = a.layers[-1]
    rf = merge.receptive_field
    assert (list(rf.size), list(rf.start), list(rf.jump), rf.aligned) == (size, start, jump, False)
    (warning,) = merge.warnings
    assert warning.code == "receptive_field_not_aligned"
    assert "m" in warning.message
    assert "'a'" not in warning.message
    assert warning.params["paths"] == ["a", "b"]
    assert warning.params["reason"] == why.replace("start", "centre")
    after = analyze([1, 8, 8], [*layers, {"type": "relu"}]).layers[-1]
    assert not after.receptive_field.aligned  # the hull is carried on


def test_a_concatenation_along_a_spatial_axis_is_not_aligned() -> None:
    layers = [conv(2, 3, p=1, id="a"), {"type": "concat", "dim": 3, "inputs": ["a", "a"]}]
    a = analyze([1, 6, 6], layers)
    cat = a.layers[-1]
    assert cat.output_shape == (2, 6, 12)
    assert not cat.receptive_field.aligned
    assert [w.code for w in cat.warnings] == ["receptive_field_not_aligned"]


# --- one inference per rule, whatever the ids -------------------------------------------------


def test_layers_that_differ_only_in_their_wiring_share_one_rule() -> None:
    a, b, c = LAYERS_ADAPTER.validate_python(
        [
            {**conv(4, 3), "id": "a"},
            {**conv(4, 3), "id": "b", "inputs": ["a"]},
            {**conv(4, 5), "id": "c"},
        ]
    )
    assert a.rule_key() == b.rule_key()
    assert a.rule_key() != c.rule_key()
    # The wiring's two fields come first in every kind's fields, so rule_key skips them.
    for kind in REGISTRY:
        assert list(kind.model_fields)[:2] == ["id", "inputs"], kind.__name__


def test_a_graph_infers_each_rule_once_per_input_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    conv_kind = type(LAYERS_ADAPTER.validate_python([conv(4, 3)])[0])
    calls: list[tuple[int, ...]] = []
    infer = conv_kind.infer

    def counted(self: Any, x: tuple[int, ...]) -> Any:
        calls.append(x)
        return infer(self, x)

    monkeypatch.setattr(conv_kind, "infer", counted)
    layers: list[Layer] = [{**conv(4, 3, p=1), "id": f"c{i}"} for i in range(50)]
    layers.append({"type": "add", "inputs": ["c49", "c0"]})
    a = analyze([4, 8, 8], layers)
    # The first reads 4×8×8 and every other 4×8×8 too: one shape, one inference.
    assert calls == [(4, 8, 8)]
    assert [r.receptive_field.size for r in a.layers[:3]] == [(3, 3), (5, 5), (7, 7)]
    # The add sees the hull of c49 (101 pixels) and c0 (3): 101, centred alike.
    assert a.layers[-1].receptive_field.size == (101, 101)
    assert a.layers[-1].receptive_field.aligned
    assert a.layers[-1].input_shape == (4, 8, 8)


def test_reports_hold_their_shapes_and_fields_as_immutable_tuples() -> None:
    a = analyze([4, 8, 8], [conv(4, 3, p=1), {"type": "relu"}, conv(4, 3, p=1)])
    first, relu, second = a.layers
    rf = second.receptive_field
    values: list[object] = [a.input_shape, a.output_shape, rf.size, rf.jump, rf.start, rf.padding]
    for report in a.layers:
        values += [report.inputs, report.input_shape, report.output_shape]
    values += [first.weight_shape, first.bias_shape, second.weight_shape, second.bias_shape]
    assert [type(value) for value in values] == [tuple] * len(values)
    assert (a.input_shape, second.inputs, second.weight_shape) == ((4, 8, 8), ("1",), (4, 4, 3, 3))
    # Immutable, a shape is shared rather than copied: a layer reads the one before it wrote.
    assert second.input_shape is relu.output_shape
    assert relu.receptive_field is first.receptive_field
