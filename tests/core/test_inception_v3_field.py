"""inception_v3 as TF-slim builds it, against the published receptive fields.

Araujo et al. (Distill 2019) and google-research/receptive_field's RECEPTIVE_FIELD_TABLE.md
give, for TF-slim's ``inception_v3`` at 299×299: ``Mixed_5b`` 63 / 8 / 18 and ``Mixed_7c``
1311 / 32 / 618 (size, effective stride, effective padding). The network below is
``inception_v3_base`` of TF-slim's ``nets/inception_v3.py``: the stem in ``VALID`` padding,
then ``stride=1, padding='SAME'`` for every convolution and pooling of the Mixed blocks, except
the reductions ``Mixed_6a`` and ``Mixed_7a``, whose strided layers are ``VALID``. With stride 1
and an odd kernel, ``SAME`` pads ``(K - 1) / 2`` on each side; an average pooling's ``SAME``
leaves the padding out of its count, which changes values, not the field.
"""

from __future__ import annotations

from typing import Any

from app.core import analyze

Layer = dict[str, Any]


def conv(c: int, k: int | list[int], s: int = 1, same: bool = True) -> Layer:
    """``slim.conv2d``: ``SAME`` (stride 1, odd kernels) or ``VALID``."""
    ks = [k, k] if isinstance(k, int) else k
    padding = [(n - 1) // 2 for n in ks] if same else 0
    return {"type": "conv2d", "out_channels": c, "kernel_size": ks, "stride": s, "padding": padding}


def pool(kind: str, s: int = 1, same: bool = True) -> Layer:
    """``slim.max_pool2d`` or ``slim.avg_pool2d`` 3×3."""
    return {"type": f"{kind}pool2d", "kernel_size": 3, "stride": s, "padding": 1 if same else 0}


def mixed(name: str, *branches: list[Layer]) -> Layer:
    """An Inception block: branches concatenated along the channels."""
    return {"type": "parallel", "id": name, "branches": list(branches)}


def block_35(name: str, pool_depth: int) -> Layer:
    """``Mixed_5b``/``5c``/``5d``."""
    return mixed(
        name,
        [conv(64, 1)],
        [conv(48, 1), conv(64, 5)],
        [conv(64, 1), conv(96, 3), conv(96, 3)],
        [pool("avg"), conv(pool_depth, 1)],
    )


def block_17(name: str, depth: int) -> Layer:
    """``Mixed_6b`` to ``6e``: factorised 7×7 convolutions."""
    return mixed(
        name,
        [conv(192, 1)],
        [conv(depth, 1), conv(depth, [1, 7]), conv(192, [7, 1])],
        [
            conv(depth, 1),
            conv(depth, [7, 1]),
            conv(depth, [1, 7]),
            conv(depth, [7, 1]),
            conv(192, [1, 7]),
        ],
        [pool("avg"), conv(192, 1)],
    )


def split_3x3() -> Layer:
    """The 1×3 and 3×1 convolutions side by side of ``Mixed_7b``/``7c``."""
    return {"type": "parallel", "branches": [[conv(384, [1, 3])], [conv(384, [3, 1])]]}


def block_8(name: str) -> Layer:
    """``Mixed_7b``/``7c``."""
    return mixed(
        name,
        [conv(320, 1)],
        [conv(384, 1), split_3x3()],
        [conv(448, 1), conv(384, 3), split_3x3()],
        [pool("avg"), conv(192, 1)],
    )


INCEPTION_V3: list[Layer] = [
    conv(32, 3, s=2, same=False),  # Conv2d_1a_3x3
    conv(32, 3, same=False),  # Conv2d_2a_3x3
    conv(64, 3),  # Conv2d_2b_3x3
    pool("max", s=2, same=False),  # MaxPool_3a_3x3
    conv(80, 1, same=False),  # Conv2d_3b_1x1
    conv(192, 3, same=False),  # Conv2d_4a_3x3
    pool("max", s=2, same=False),  # MaxPool_5a_3x3
    block_35("Mixed_5b", 32),
    block_35("Mixed_5c", 64),
    block_35("Mixed_5d", 64),
    mixed(
        "Mixed_6a",
        [conv(384, 3, s=2, same=False)],
        [conv(64, 1), conv(96, 3), conv(96, 3, s=2, same=False)],
        [pool("max", s=2, same=False)],
    ),
    block_17("Mixed_6b", 128),
    block_17("Mixed_6c", 160),
    block_17("Mixed_6d", 160),
    block_17("Mixed_6e", 192),
    mixed(
        "Mixed_7a",
        [conv(192, 1), conv(320, 3, s=2, same=False)],
        [
            conv(192, 1),
            conv(192, [1, 7]),
            conv(192, [7, 1]),
            conv(192, 3, s=2, same=False),
        ],
        [pool("max", s=2, same=False)],
    ),
    block_8("Mixed_7b"),
    block_8("Mixed_7c"),
]


def test_inception_v3_end_points_match_the_published_receptive_fields() -> None:
    a = analyze([3, 299, 299], INCEPTION_V3)
    by_id = {r.id: r for r in a.layers}
    shapes = {
        "Mixed_5b": [256, 35, 35],
        "Mixed_6a": [768, 17, 17],
        "Mixed_7a": [1280, 8, 8],
        "Mixed_7c": [2048, 8, 8],
    }
    for name, shape in shapes.items():
        assert list(by_id[name].output_shape) == shape, name
    for name, size, jump, padding in (("Mixed_5b", 63, 8, 18), ("Mixed_7c", 1311, 32, 618)):
        rf = by_id[name].receptive_field
        assert (rf.size, rf.jump, rf.padding) == ((size,) * 2, (jump,) * 2, (padding,) * 2), name
        assert rf.aligned, name
        assert not rf.global_, name


def test_a_branch_kept_alone_gives_a_smaller_field_than_the_block() -> None:
    # The block's field is the largest over its branches: Mixed_5b's 1×1 branch alone sees
    # 31 pixels (the stem's field), the 3×3-3×3 branch 63.
    stem = INCEPTION_V3[:7]
    one_by_one = analyze([3, 299, 299], [*stem, conv(64, 1)]).layers[-1].receptive_field
    assert (one_by_one.size, one_by_one.jump) == ((31, 31), (8, 8))
