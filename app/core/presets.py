"""Branching networks as graph request bodies: torchvision's classics and a U-Net.

Each preset is a ``POST /v1/analyze`` body in the graph form of the contract ("Graphs"):
``{"title", "title_fr", "input_shape", "layers"}``, plain JSON data. The functions below only
write the repetitive parts; nothing here runs a network. Blocks are used where they read as
the papers draw them:

- ResNet: a stage is a ``sequential`` of its first block (``residual`` with a projection
  ``shortcut`` when the stride or the width changes) and a ``sequential`` with ``repeat`` of
  the identical blocks after it; a block is the ``residual`` followed by its ReLU.
- MobileNetV2 and EfficientNet-B0: an inverted residual that keeps stride 1 and its channels
  is a ``residual`` without a shortcut (the identity); the others are plain layers.
  EfficientNet's squeeze-excitation is a ``mul`` of the depthwise output (``id`` ``"dw"``)
  and the gate (``id`` ``"se_gate"``).
- DenseNet: a dense layer is a ``parallel`` of an ``identity`` branch and the new features,
  merged by ``concat`` — ``cat([x, H(x)], 1)``, which is what torchvision's running
  concatenation computes — repeated with ``repeat``.
- GoogLeNet's inception modules and SqueezeNet's fire expansions are ``parallel`` blocks
  merged by ``concat``.
- U-Net: a flat list; the encoder outputs carry ``id`` s (``enc1``…``enc4``) and each decoder
  step concatenates the skip with the upsampled map, skip first, as ``torch.cat([x2, x1])``.

Ids inside blocks (``dw``, ``se_gate``) repeat from block to block: the contract scopes ids
to the block copy they are in. Parameter counts in the titles are torchvision's published
figures; ``tests/torch/test_presets.py`` builds each body in torch and checks them.
"""

from __future__ import annotations

from typing import Any

Layer = dict[str, Any]
Body = dict[str, Any]


def _conv(
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    padding: int = 0,
    *,
    groups: int = 1,
    bias: bool = True,
) -> Layer:
    """A ``conv2d`` layer, with only the fields that differ from PyTorch's defaults."""
    layer: Layer = {"type": "conv2d", "out_channels": out_channels, "kernel_size": kernel_size}
    if stride != 1:
        layer["stride"] = stride
    if padding:
        layer["padding"] = padding
    if groups != 1:
        layer["groups"] = groups
    if not bias:
        layer["bias"] = False
    return layer


def _bn(eps: float | None = None) -> Layer:
    """A ``batchnorm2d`` layer (PyTorch's ``eps`` 1e-5 unless given)."""
    return {"type": "batchnorm2d"} if eps is None else {"type": "batchnorm2d", "eps": eps}


def _act(kind: str) -> Layer:
    """A parameter-free activation: ``relu``, ``relu6``, ``silu``, ``sigmoid``, ``identity``."""
    return {"type": kind}


def _named(layer: Layer, name: str) -> Layer:
    """``layer`` with an ``id``."""
    return {"type": layer["type"], "id": name, **{k: v for k, v in layer.items() if k != "type"}}


def _conv_bn_act(
    out_channels: int,
    kernel_size: int,
    stride: int = 1,
    *,
    groups: int = 1,
    act: str | None = "relu",
) -> list[Layer]:
    """The ``Conv2dNormActivation`` of torchvision: padding ``(K - 1) // 2``, no bias, BN, act."""
    layers = [
        _conv(out_channels, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
        _bn(),
    ]
    return layers if act is None else [*layers, _act(act)]


def _global_pool_head(classes: int = 1000, dropout: float | None = None) -> list[Layer]:
    """Global average pool, flatten, optional dropout, linear."""
    head: list[Layer] = [{"type": "adaptiveavgpool2d", "output_size": [1, 1]}, {"type": "flatten"}]
    if dropout is not None:
        head.append({"type": "dropout", "p": dropout})
    return [*head, {"type": "linear", "out_features": classes}]


def _sequential(layers: list[Layer], repeat: int = 1) -> Layer:
    """A ``sequential`` block; ``repeat`` copies, each with its own parameters."""
    block: Layer = {"type": "sequential", "layers": layers}
    if repeat != 1:
        block["repeat"] = repeat
    return block


def _repeated(first: list[Layer], same: list[Layer], count: int) -> list[Layer]:
    """``first``, then ``count - 1`` copies of ``same``.

    Two copies or more go in one ``sequential`` with ``repeat``; a single copy is inlined.
    """
    if count <= 2:
        return first if count == 1 else [*first, *same]
    return [*first, _sequential(same, count - 1)]


def _fr(n: int) -> str:
    """``n`` with French digit groups (narrow no-break spaces): ``11 689 512``."""
    return f"{n:,}".replace(",", "\u202f")


def _titles(name: str, source_en: str, source_fr: str, shape: str, params: int) -> dict[str, str]:
    """The English and French titles, with the input shape and the parameter count."""
    return {
        "title": f"{name} {source_en} ({shape}, {params:,} parameters)",
        "title_fr": f"{name} {source_fr} ({shape}, {_fr(params)} paramètres)",
    }


def _torchvision(name: str, params: int, layers: list[Layer]) -> Body:
    """A body for a torchvision classifier at ``3×224×224``."""
    return {
        **_titles(
            name,
            "as torchvision builds it",
            "tel que torchvision le construit",
            "3×224×224",
            params,
        ),
        "input_shape": [3, 224, 224],
        "layers": layers,
    }


# ResNet (torchvision/models/resnet.py): ResNet v1.5, the stride on the 3×3 convolution.


def _resnet_block(planes: int, stride: int, bottleneck: bool, project: bool) -> list[Layer]:
    """One basic or bottleneck block: the ``residual`` (projection shortcut when asked), ReLU.

    Basic: 3×3 (strided), 3×3, ``planes`` wide. Bottleneck: 1×1 to ``planes``, 3×3 (strided),
    1×1 to ``4 planes``. The projection is a strided 1×1 convolution and its batch norm.
    """
    if bottleneck:
        out = 4 * planes
        body = [
            _conv(planes, 1, bias=False),
            _bn(),
            _act("relu"),
            _conv(planes, 3, stride, 1, bias=False),
            _bn(),
            _act("relu"),
            _conv(out, 1, bias=False),
            _bn(),
        ]
    else:
        out = planes
        body = [
            _conv(planes, 3, stride, 1, bias=False),
            _bn(),
            _act("relu"),
            _conv(planes, 3, 1, 1, bias=False),
            _bn(),
        ]
    residual: Layer = {"type": "residual", "layers": body}
    if project:
        residual["shortcut"] = [_conv(out, 1, stride, bias=False), _bn()]
    return [residual, _act("relu")]


def _resnet(blocks: tuple[int, int, int, int], bottleneck: bool) -> list[Layer]:
    """Stem, four stages (64, 128, 256, 512 planes), global pool and ``fc``."""
    layers = [
        _conv(64, 7, 2, 3, bias=False),
        _bn(),
        _act("relu"),
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
    ]
    for stage, (planes, count) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
        stride = 1 if stage == 0 else 2
        # The first block projects when it strides or widens (64 → 256 in a bottleneck stage 1).
        project = stride != 1 or bottleneck
        first = _resnet_block(planes, stride, bottleneck, project)
        same = _resnet_block(planes, 1, bottleneck, False)
        if not project:
            layers.append(_sequential(same, count))
        else:
            layers.append(_sequential(_repeated(first, same, count)))
    return [*layers, *_global_pool_head()]


# MobileNetV2 (torchvision/models/mobilenetv2.py).

_MOBILENET_V2 = (
    # t (expansion), c (channels), n (blocks), s (first stride)
    (1, 16, 1, 1),
    (6, 24, 2, 2),
    (6, 32, 3, 2),
    (6, 64, 4, 2),
    (6, 96, 3, 1),
    (6, 160, 3, 2),
    (6, 320, 1, 1),
)


def _inverted_residual(c_in: int, c_out: int, stride: int, t: int) -> list[Layer]:
    """1×1 expansion to ``t C_in`` (when ``t > 1``), 3×3 depthwise, linear 1×1 projection.

    A ``residual`` without shortcut (``x + block(x)``) when the stride is 1 and ``C_in = C_out``.
    """
    hidden = c_in * t
    body = [] if t == 1 else _conv_bn_act(hidden, 1, act="relu6")
    body += _conv_bn_act(hidden, 3, stride, groups=hidden, act="relu6")
    body += _conv_bn_act(c_out, 1, act=None)
    if stride == 1 and c_in == c_out:
        return [{"type": "residual", "layers": body}]
    return [_sequential(body)]


def _mobilenet_v2() -> list[Layer]:
    """Stem, 17 inverted residuals, 1×1 conv to 1280, pool, dropout 0.2, linear."""
    layers = _conv_bn_act(32, 3, 2, act="relu6")
    c_in = 32
    for t, c, n, s in _MOBILENET_V2:
        first = _inverted_residual(c_in, c, s, t)
        layers += _repeated(first, _inverted_residual(c, c, 1, t), n)
        c_in = c
    layers += _conv_bn_act(1280, 1, act="relu6")
    return [*layers, *_global_pool_head(dropout=0.2)]


# DenseNet-121 (torchvision/models/densenet.py): growth 32, blocks 6, 12, 24, 16, bn_size 4.


def _dense_layer(growth: int = 32, bn_size: int = 4) -> Layer:
    """``cat([x, conv3×3(relu(bn(conv1×1(relu(bn(x))))))], 1)``: ``growth`` more channels.

    The 1×1 convolution narrows to ``bn_size × growth`` channels; no bias (a norm follows).
    """
    return {
        "type": "parallel",
        "branches": [
            [_act("identity")],
            [
                _bn(),
                _act("relu"),
                _conv(bn_size * growth, 1, bias=False),
                _bn(),
                _act("relu"),
                _conv(growth, 3, 1, 1, bias=False),
            ],
        ],
        "merge": "concat",
    }


def _densenet121() -> list[Layer]:
    """Stem, four dense blocks with three transitions, BN, ReLU, pool, linear.

    A transition: BN, ReLU, 1×1 conv halving the channels, 2×2 average pool.
    """
    growth = 32
    layers = [
        _conv(64, 7, 2, 3, bias=False),
        _bn(),
        _act("relu"),
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
    ]
    channels = 64
    for i, count in enumerate((6, 12, 24, 16)):
        layers.append(_sequential([_dense_layer(growth)], count))
        channels += count * growth
        if i < 3:
            channels //= 2
            layers += [
                _bn(),
                _act("relu"),
                _conv(channels, 1, bias=False),
                {"type": "avgpool2d", "kernel_size": 2, "stride": 2},
            ]
    return [*layers, _bn(), _act("relu"), *_global_pool_head()]


# GoogLeNet (torchvision/models/googlenet.py), without the auxiliary heads.

_INCEPTIONS = (
    # ch1x1, ch3x3red, ch3x3, ch5x5red, ch5x5, pool_proj
    (64, 96, 128, 16, 32, 32),  # 3a
    (128, 128, 192, 32, 96, 64),  # 3b
    (192, 96, 208, 16, 48, 64),  # 4a
    (160, 112, 224, 24, 64, 64),  # 4b
    (128, 128, 256, 24, 64, 64),  # 4c
    (112, 144, 288, 32, 64, 64),  # 4d
    (256, 160, 320, 32, 128, 128),  # 4e
    (256, 160, 320, 32, 128, 128),  # 5a
    (384, 192, 384, 48, 128, 128),  # 5b
)


def _basic_conv(
    out_channels: int, kernel_size: int, stride: int = 1, padding: int = 0
) -> list[Layer]:
    """GoogLeNet's ``BasicConv2d``: conv without bias, BN with ``eps=0.001``, ReLU."""
    return [_conv(out_channels, kernel_size, stride, padding, bias=False), _bn(0.001), _act("relu")]


def _inception(widths: tuple[int, int, int, int, int, int]) -> Layer:
    """An inception module: four branches concatenated along the channels.

    1×1; 1×1 → 3×3; 1×1 → 3×3 (torchvision's "5×5" branch is a 3×3, pytorch/vision#906);
    3×3 max pool (stride 1, ceil mode) → 1×1. Each convolution is a ``BasicConv2d``.
    """
    ch1, red3, ch3, red5, ch5, proj = widths
    return {
        "type": "parallel",
        "branches": [
            _basic_conv(ch1, 1),
            [*_basic_conv(red3, 1), *_basic_conv(ch3, 3, padding=1)],
            [*_basic_conv(red5, 1), *_basic_conv(ch5, 3, padding=1)],
            [
                {
                    "type": "maxpool2d",
                    "kernel_size": 3,
                    "stride": 1,
                    "padding": 1,
                    "ceil_mode": True,
                },
                *_basic_conv(proj, 1),
            ],
        ],
        "merge": "concat",
    }


def _googlenet() -> list[Layer]:
    """Stem, inceptions 3a-3b, pool, 4a-4e, pool, 5a-5b, pool, dropout 0.2, linear."""

    def pool(kernel_size: int) -> Layer:
        return {"type": "maxpool2d", "kernel_size": kernel_size, "stride": 2, "ceil_mode": True}

    layers = [
        *_basic_conv(64, 7, 2, 3),
        pool(3),
        *_basic_conv(64, 1),
        *_basic_conv(192, 3, padding=1),
        pool(3),
    ]
    for i, widths in enumerate(_INCEPTIONS):
        if i in (2, 7):  # maxpool3 before 4a, maxpool4 (2×2) before 5a
            layers.append(pool(3 if i == 2 else 2))
        layers.append(_inception(widths))
    return [*layers, *_global_pool_head(dropout=0.2)]


# SqueezeNet 1.1 (torchvision/models/squeezenet.py).


def _fire(squeeze: int, expand: int) -> list[Layer]:
    """1×1 squeeze with ReLU, then 1×1 and 3×3 expansions (ReLU each), concatenated."""
    return [
        _conv(squeeze, 1),
        _act("relu"),
        {
            "type": "parallel",
            "branches": [
                [_conv(expand, 1), _act("relu")],
                [_conv(expand, 3, 1, 1), _act("relu")],
            ],
            "merge": "concat",
        },
    ]


def _squeezenet1_1() -> list[Layer]:
    """3×3/2 conv, pools and eight fire modules (pairs alike), 1×1 conv classifier, pool."""

    def pool() -> Layer:
        return {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "ceil_mode": True}

    return [
        _conv(64, 3, 2),
        _act("relu"),
        pool(),
        _sequential(_fire(16, 64), 2),
        pool(),
        _sequential(_fire(32, 128), 2),
        pool(),
        _sequential(_fire(48, 192), 2),
        _sequential(_fire(64, 256), 2),
        {"type": "dropout", "p": 0.5},
        _conv(1000, 1),
        _act("relu"),
        {"type": "adaptiveavgpool2d", "output_size": [1, 1]},
        {"type": "flatten"},
    ]


# EfficientNet-B0 (torchvision/models/efficientnet.py), width and depth multipliers 1.0.

_EFFICIENTNET_B0 = (
    # expand_ratio, kernel, stride, input_channels, out_channels, num_layers
    (1, 3, 1, 32, 16, 1),
    (6, 3, 2, 16, 24, 2),
    (6, 5, 2, 24, 40, 2),
    (6, 3, 2, 40, 80, 3),
    (6, 5, 1, 80, 112, 3),
    (6, 5, 2, 112, 192, 4),
    (6, 3, 1, 192, 320, 1),
)


def _mbconv(t: int, k: int, stride: int, c_in: int, c_out: int) -> list[Layer]:
    """MBConv: expansion, depthwise ``k×k``, squeeze-excitation, projection; SiLU.

    The squeeze-excitation takes the depthwise output ``dw`` through a global pool, a 1×1
    conv to ``max(1, C_in // 4)`` channels, SiLU, a 1×1 conv back and a sigmoid (the gate,
    ``[C, 1, 1]``), and multiplies: ``mul(se_gate, dw)`` broadcasts over ``H × W``. A
    ``residual`` without shortcut when the stride is 1 and ``C_in = C_out``.
    """
    expanded = c_in * t
    body = [] if expanded == c_in else _conv_bn_act(expanded, 1, act="silu")
    body += _conv_bn_act(expanded, k, stride, groups=expanded, act=None)
    body += [
        _named(_act("silu"), "dw"),
        {"type": "adaptiveavgpool2d", "output_size": 1},
        _conv(max(1, c_in // 4), 1),
        _act("silu"),
        _conv(expanded, 1),
        _named(_act("sigmoid"), "se_gate"),
        {"type": "mul", "inputs": ["se_gate", "dw"]},
        *_conv_bn_act(c_out, 1, act=None),
    ]
    if stride == 1 and c_in == c_out:
        return [{"type": "residual", "layers": body}]
    return [_sequential(body)]


def _efficientnet_b0() -> list[Layer]:
    """Stem (3×3/2 conv to 32), 16 MBConv blocks, 1×1 conv to 1280, pool, dropout, linear."""
    layers = _conv_bn_act(32, 3, 2, act="silu")
    for t, k, s, c_in, c_out, n in _EFFICIENTNET_B0:
        stage = _repeated(_mbconv(t, k, s, c_in, c_out), _mbconv(t, k, 1, c_out, c_out), n)
        layers.append(_sequential(stage))
    layers += _conv_bn_act(1280, 1, act="silu")
    return [*layers, *_global_pool_head(dropout=0.2)]


# U-Net (milesial/Pytorch-UNet at 21d7850, bilinear=False), 3 channels in, 2 classes.


def _double_conv(channels: int, name: str | None = None) -> list[Layer]:
    """(3×3 conv, padding 1, no bias → BN → ReLU) × 2; ``name`` on the last ReLU."""
    relu = _act("relu") if name is None else _named(_act("relu"), name)
    return [
        _conv(channels, 3, 1, 1, bias=False),
        _bn(),
        _act("relu"),
        _conv(channels, 3, 1, 1, bias=False),
        _bn(),
        relu,
    ]


def _unet() -> list[Layer]:
    """Encoder 64-128-256-512-1024 (2×2 max pools), decoder with four skip concatenations.

    Each decoder step: a 2×2/2 transposed convolution halving the channels (with bias), the
    concatenation ``[skip, up]`` along the channels, a double convolution; then a 1×1
    convolution to the 2 classes. At a side divisible by 16 the reference's ``F.pad`` before
    the concatenation pads nothing, so it is not written.
    """
    layers = _double_conv(64, "enc1")
    for i, channels in enumerate((128, 256, 512, 1024)):
        layers.append({"type": "maxpool2d", "kernel_size": 2})
        layers += _double_conv(channels, f"enc{i + 2}" if i < 3 else None)
    for i, channels in enumerate((512, 256, 128, 64)):
        up = f"up{i + 1}"
        layers += [
            _named(
                {
                    "type": "convtranspose2d",
                    "out_channels": channels,
                    "kernel_size": 2,
                    "stride": 2,
                },
                up,
            ),
            {"type": "concat", "inputs": [f"enc{4 - i}", up]},
            *_double_conv(channels),
        ]
    return [*layers, _conv(2, 1)]


PRESETS: dict[str, Body] = {
    "resnet18": _torchvision("ResNet-18", 11_689_512, _resnet((2, 2, 2, 2), bottleneck=False)),
    "resnet50": _torchvision("ResNet-50", 25_557_032, _resnet((3, 4, 6, 3), bottleneck=True)),
    "mobilenet_v2": _torchvision("MobileNetV2", 3_504_872, _mobilenet_v2()),
    "densenet121": _torchvision("DenseNet-121", 7_978_856, _densenet121()),
    "googlenet": _torchvision("GoogLeNet", 6_624_904, _googlenet()),
    "squeezenet1_1": _torchvision("SqueezeNet 1.1", 1_235_496, _squeezenet1_1()),
    "efficientnet_b0": _torchvision("EfficientNet-B0", 5_288_548, _efficientnet_b0()),
    "unet": {
        **_titles(
            "U-Net",
            "as milesial/Pytorch-UNet builds it, transposed-convolution upsampling, 2 classes",
            "tel que milesial/Pytorch-UNet le construit, suréchantillonnage par convolution "
            "transposée, 2 classes",
            "3×256×256",
            31_037_698,
        ),
        "input_shape": [3, 256, 256],
        "layers": _unet(),
    },
}
"""Named graph bodies: ``{"title", "title_fr", "input_shape", "layers"}``."""

__all__ = ["PRESETS"]
