# mypy: allow-subclassing-any
"""Branching networks as their authors write them in plain ``torch.nn``, for test_real_graphs.

Each class copies a block of a published network (torchvision's ``inception.py``,
``mobilenetv3.py``, ``resnet.py`` (ResNeXt), ``densenet.py``, ``ops/feature_pyramid_network.py``;
milesial/Pytorch-UNet; locuslab/TCN; the 3-D ResNets of ``video/resnet.py``), kept to the same
modules and fields, at a small width where the original's would only cost time. One change
from the originals: a merge is a module (``Cat``, ``Add``, ``Mul``) instead of a bare
``torch.cat`` or ``+``, so that a forward hook sees every node, merges included, in the order
the network runs them; a functional pooling or interpolation (``F.avg_pool2d``,
``F.interpolate``) is its module for the same reason. Each ``forward`` runs its layers in the
order cnncalc's graph lists them (a residual's main path, then its shortcut, then the add).

This module imports torch: import it only after ``tests.torch_util.require_torch()``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeAlias

import torch
from torch import nn

from tests.torch.test_real_graphs import MOBILENET_V3_SMALL  # one table for both twins

Tensor: TypeAlias = Any
"""A tensor: calling an ``nn.Module`` returns ``Any`` in torch's annotations."""
Activation = Callable[..., nn.Module]


class Cat(nn.Module):
    """``torch.cat(xs, dim)``."""

    def __init__(self, dim: int = 1) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, *xs: Tensor) -> Tensor:
        return torch.cat(xs, self.dim)


class Add(nn.Module):
    """``a + b``."""

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return a + b


class Mul(nn.Module):
    """``a * b`` (broadcast)."""

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        return a * b


# U-Net (milesial/Pytorch-UNet, unet_parts.py), two levels, 8-16-32 channels.


def double_conv(c_in: int, c_out: int, mid: int | None = None) -> nn.Sequential:
    """(3×3 conv, padding 1, no bias → BN → ReLU) × 2; ``mid`` channels between."""
    mid = mid or c_out
    return nn.Sequential(
        nn.Conv2d(c_in, mid, 3, padding=1, bias=False),
        nn.BatchNorm2d(mid),
        nn.ReLU(inplace=True),
        nn.Conv2d(mid, c_out, 3, padding=1, bias=False),
        nn.BatchNorm2d(c_out),
        nn.ReLU(inplace=True),
    )


class SmallUNet(nn.Module):
    """``inc``, two (max pool, double conv) downs, two ups with skips, 1×1 conv to 2 classes.

    ``bilinear`` False: each up is a 2×2/2 transposed conv halving the channels. True:
    ``Upsample(2, bilinear, align_corners)`` keeping them, the encoder's last level halved
    (milesial's ``factor``) and each decoder's double conv with ``in // 2`` middle channels.
    """

    def __init__(self, bilinear: bool) -> None:
        super().__init__()
        factor = 2 if bilinear else 1
        self.inc = double_conv(3, 8)
        self.pool1 = nn.MaxPool2d(2)
        self.down1 = double_conv(8, 16)
        self.pool2 = nn.MaxPool2d(2)
        self.down2 = double_conv(16, 32 // factor)
        if bilinear:
            self.up1: nn.Module = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv1 = double_conv(32, 16 // factor, 16)
            self.up2: nn.Module = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv2 = double_conv(16, 8, 8)
        else:
            self.up1 = nn.ConvTranspose2d(32, 16, 2, stride=2)
            self.conv1 = double_conv(32, 16)
            self.up2 = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.conv2 = double_conv(16, 8)
        self.cat1 = Cat()
        self.cat2 = Cat()
        self.outc = nn.Conv2d(8, 2, 1)

    def forward(self, x: Tensor) -> Tensor:
        x1 = self.inc(x)
        x2 = self.down1(self.pool1(x1))
        x3 = self.down2(self.pool2(x2))
        x = self.conv1(self.cat1(x2, self.up1(x3)))
        x = self.conv2(self.cat2(x1, self.up2(x)))
        return self.outc(x)


# Inception-v3 (torchvision/models/inception.py), real widths.


class BasicConv2d(nn.Module):
    """Convolution without bias, ``BatchNorm2d(eps=0.001)``, ReLU."""

    def __init__(self, c_in: int, c_out: int, kernel_size: Any, **kwargs: Any) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, kernel_size, bias=False, **kwargs)
        self.bn = nn.BatchNorm2d(c_out, eps=0.001)
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        return self.relu(self.bn(self.conv(x)))


class InceptionB(nn.Module):
    """``Mixed_6a``: 3×3/2; 1×1 → 3×3 → 3×3/2; 3×3/2 max pool; concatenated."""

    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch3x3 = BasicConv2d(c_in, 384, 3, stride=2)
        self.branch3x3dbl_1 = BasicConv2d(c_in, 64, 1)
        self.branch3x3dbl_2 = BasicConv2d(64, 96, 3, padding=1)
        self.branch3x3dbl_3 = BasicConv2d(96, 96, 3, stride=2)
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.cat = Cat()

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3(x)
        dbl = self.branch3x3dbl_3(self.branch3x3dbl_2(self.branch3x3dbl_1(x)))
        return self.cat(b3, dbl, self.branch_pool(x))


class InceptionC(nn.Module):
    """``Mixed_6b``: 1×1; 1×1 → 1×7 → 7×1; 1×1 → 7×1 → 1×7 → 7×1 → 1×7; avg pool → 1×1."""

    def __init__(self, c_in: int, c7: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(c_in, 192, 1)
        self.branch7x7_1 = BasicConv2d(c_in, c7, 1)
        self.branch7x7_2 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7_3 = BasicConv2d(c7, 192, (7, 1), padding=(3, 0))
        self.branch7x7dbl_1 = BasicConv2d(c_in, c7, 1)
        self.branch7x7dbl_2 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_3 = BasicConv2d(c7, c7, (1, 7), padding=(0, 3))
        self.branch7x7dbl_4 = BasicConv2d(c7, c7, (7, 1), padding=(3, 0))
        self.branch7x7dbl_5 = BasicConv2d(c7, 192, (1, 7), padding=(0, 3))
        self.avg_pool = nn.AvgPool2d(3, stride=1, padding=1)  # F.avg_pool2d in torchvision
        self.branch_pool = BasicConv2d(c_in, 192, 1)
        self.cat = Cat()

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b7 = self.branch7x7_3(self.branch7x7_2(self.branch7x7_1(x)))
        d = self.branch7x7dbl_2(self.branch7x7dbl_1(x))
        d = self.branch7x7dbl_5(self.branch7x7dbl_4(self.branch7x7dbl_3(d)))
        return self.cat(b1, b7, d, self.branch_pool(self.avg_pool(x)))


class InceptionD(nn.Module):
    """``Mixed_7a``: 1×1 → 3×3/2; 1×1 → 1×7 → 7×1 → 3×3/2; 3×3/2 max pool; concatenated."""

    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch3x3_1 = BasicConv2d(c_in, 192, 1)
        self.branch3x3_2 = BasicConv2d(192, 320, 3, stride=2)
        self.branch7x7x3_1 = BasicConv2d(c_in, 192, 1)
        self.branch7x7x3_2 = BasicConv2d(192, 192, (1, 7), padding=(0, 3))
        self.branch7x7x3_3 = BasicConv2d(192, 192, (7, 1), padding=(3, 0))
        self.branch7x7x3_4 = BasicConv2d(192, 192, 3, stride=2)
        self.branch_pool = nn.MaxPool2d(3, stride=2)
        self.cat = Cat()

    def forward(self, x: Tensor) -> Tensor:
        b3 = self.branch3x3_2(self.branch3x3_1(x))
        b7 = self.branch7x7x3_2(self.branch7x7x3_1(x))
        b7 = self.branch7x7x3_4(self.branch7x7x3_3(b7))
        return self.cat(b3, b7, self.branch_pool(x))


class InceptionE(nn.Module):
    """``Mixed_7b``: 1×1; 1×1 → [1×3, 3×1]; 1×1 → 3×3 → [1×3, 3×1]; avg pool → 1×1.

    The bracketed pairs are concatenations nested inside a branch.
    """

    def __init__(self, c_in: int) -> None:
        super().__init__()
        self.branch1x1 = BasicConv2d(c_in, 320, 1)
        self.branch3x3_1 = BasicConv2d(c_in, 384, 1)
        self.branch3x3_2a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3_2b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.cat3x3 = Cat()
        self.branch3x3dbl_1 = BasicConv2d(c_in, 448, 1)
        self.branch3x3dbl_2 = BasicConv2d(448, 384, 3, padding=1)
        self.branch3x3dbl_3a = BasicConv2d(384, 384, (1, 3), padding=(0, 1))
        self.branch3x3dbl_3b = BasicConv2d(384, 384, (3, 1), padding=(1, 0))
        self.cat3x3dbl = Cat()
        self.avg_pool = nn.AvgPool2d(3, stride=1, padding=1)
        self.branch_pool = BasicConv2d(c_in, 192, 1)
        self.cat = Cat()

    def forward(self, x: Tensor) -> Tensor:
        b1 = self.branch1x1(x)
        b3 = self.branch3x3_1(x)
        b3 = self.cat3x3(self.branch3x3_2a(b3), self.branch3x3_2b(b3))
        d = self.branch3x3dbl_2(self.branch3x3dbl_1(x))
        d = self.cat3x3dbl(self.branch3x3dbl_3a(d), self.branch3x3dbl_3b(d))
        return self.cat(b1, b3, d, self.branch_pool(self.avg_pool(x)))


# DenseNet (torchvision/models/densenet.py): a dense block whose layers each concatenate
# every earlier feature map in one torch.cat, then a transition.


class DenseLayer(nn.Module):
    """``cat`` of the earlier maps → BN → ReLU → 1×1 conv → BN → ReLU → 3×3 conv."""

    def __init__(self, c_in: int, growth: int, bn_size: int) -> None:
        super().__init__()
        self.cat = Cat()
        self.norm1 = nn.BatchNorm2d(c_in)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(c_in, bn_size * growth, 1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth, growth, 3, padding=1, bias=False)

    def forward(self, features: list[Tensor]) -> Tensor:
        x = self.relu1(self.norm1(self.cat(*features)))
        return self.conv2(self.relu2(self.norm2(self.conv1(x))))


class DenseBlockTransition(nn.Module):
    """A stem conv, three dense layers (growth 8, ``bn_size`` 4), their concatenation, and
    a transition: BN, ReLU, 1×1 conv halving the channels, 2×2 average pool."""

    def __init__(self) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(3, 16, 3, padding=1, bias=False)
        self.layers = nn.ModuleList(DenseLayer(16 + 8 * i, 8, 4) for i in range(3))
        self.cat = Cat()
        self.norm = nn.BatchNorm2d(40)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(40, 20, 1, bias=False)
        self.pool = nn.AvgPool2d(2, stride=2)

    def forward(self, x: Tensor) -> Tensor:
        features = [self.conv0(x)]
        for layer in self.layers:
            features.append(layer(features))
        x = self.cat(*features)
        return self.pool(self.conv(self.relu(self.norm(x))))


# MobileNetV3-Small (torchvision/models/mobilenetv3.py): stem and its first five blocks.


def _make_divisible(v: float, divisor: int = 8) -> int:
    """torchvision's ``_make_divisible``: the nearest multiple of 8, never 10 % below ``v``."""
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    return new_v + divisor if new_v < 0.9 * v else new_v


def conv_bn_act(
    c_in: int, c_out: int, k: int, stride: int = 1, groups: int = 1, act: Activation | None = None
) -> list[nn.Module]:
    """``Conv2dNormActivation``: conv (padding ``(K - 1) // 2``, no bias), BN(eps=0.001), act."""
    layers: list[nn.Module] = [
        nn.Conv2d(c_in, c_out, k, stride, (k - 1) // 2, groups=groups, bias=False),
        nn.BatchNorm2d(c_out, eps=0.001, momentum=0.01),
    ]
    if act is not None:
        layers.append(act())
    return layers


class SqueezeExcitation(nn.Module):
    """``x * hardsigmoid(fc2(relu(fc1(avgpool(x)))))``, ``fc1``/``fc2`` 1×1 convs with bias."""

    def __init__(self, channels: int, squeeze: int) -> None:
        super().__init__()
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc1 = nn.Conv2d(channels, squeeze, 1)
        self.activation = nn.ReLU()
        self.fc2 = nn.Conv2d(squeeze, channels, 1)
        self.scale_activation = nn.Hardsigmoid()
        self.mul = Mul()

    def forward(self, x: Tensor) -> Tensor:
        scale = self.scale_activation(self.fc2(self.activation(self.fc1(self.avgpool(x)))))
        return self.mul(x, scale)


class MobileNetV3Block(nn.Module):
    """Expansion (when it widens), depthwise ``K×K``, squeeze-excitation (squeeze
    ``_make_divisible(expanded // 4)``), linear projection; ``+ x`` at stride 1, same width."""

    def __init__(
        self, c_in: int, k: int, expanded: int, c_out: int, se: bool, hs: bool, stride: int
    ) -> None:
        super().__init__()
        act: Activation = nn.Hardswish if hs else nn.ReLU
        layers: list[nn.Module] = []
        if expanded != c_in:
            layers += conv_bn_act(c_in, expanded, 1, act=act)
        layers += conv_bn_act(expanded, expanded, k, stride, groups=expanded, act=act)
        if se:
            layers.append(SqueezeExcitation(expanded, _make_divisible(expanded // 4)))
        layers += conv_bn_act(expanded, c_out, 1)
        self.block = nn.Sequential(*layers)
        self.add = Add() if stride == 1 and c_in == c_out else None

    def forward(self, x: Tensor) -> Tensor:
        y = self.block(x)
        return y if self.add is None else self.add(y, x)


class MobileNetV3SmallHead(nn.Module):
    """The stem (3×3/2 conv to 16, Hardswish) and the first five inverted residuals."""

    def __init__(self) -> None:
        super().__init__()
        layers = conv_bn_act(3, 16, 3, 2, act=nn.Hardswish)
        layers += [MobileNetV3Block(*setting) for setting in MOBILENET_V3_SMALL]
        self.features = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.features(x)


# ResNeXt-50 32×4d (torchvision/models/resnet.py): the first two blocks of layer2.


class ResNeXtBottleneck(nn.Module):
    """1×1 to ``width``, 3×3 (strided) in 32 groups, 1×1 to ``4 planes``; the shortcut."""

    def __init__(self, c_in: int, planes: int, stride: int, groups: int, base_width: int) -> None:
        super().__init__()
        width = int(planes * (base_width / 64.0)) * groups
        self.conv1 = nn.Conv2d(c_in, width, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(width)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(width, width, 3, stride, 1, groups=groups, bias=False)
        self.bn2 = nn.BatchNorm2d(width)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv3 = nn.Conv2d(width, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != planes * 4:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, planes * 4, 1, stride, bias=False), nn.BatchNorm2d(planes * 4)
            )
        self.add = Add()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        out = self.relu1(self.bn1(self.conv1(x)))
        out = self.relu2(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        identity = x if self.downsample is None else self.downsample(x)
        return self.relu(self.add(out, identity))


class ResNeXtLayer2(nn.Module):
    """``layer2.0`` (stride 2, projection shortcut) and ``layer2.1`` of ResNeXt-50 32×4d."""

    def __init__(self) -> None:
        super().__init__()
        self.block0 = ResNeXtBottleneck(256, 128, 2, 32, 4)
        self.block1 = ResNeXtBottleneck(512, 128, 1, 32, 4)

    def forward(self, x: Tensor) -> Tensor:
        return self.block1(self.block0(x))


# Feature pyramid (torchvision/ops/feature_pyramid_network.py) over a three-stage backbone.


class TinyFPN(nn.Module):
    """Backbone C3, C4, C5 (3×3/2 convs); lateral 1×1 convs to 16; top-down nearest ×2
    upsampling added to each lateral; a 3×3 output conv per level; P6 a 1×1/2 max pool.

    torchvision interpolates to the lateral's ``size``: the P4 level does so, the P3 level
    upsamples by ``scale_factor`` 2.
    """

    def __init__(self) -> None:
        super().__init__()
        self.c3 = nn.Conv2d(3, 8, 3, 2, 1)
        self.c4 = nn.Conv2d(8, 16, 3, 2, 1)
        self.c5 = nn.Conv2d(16, 32, 3, 2, 1)
        self.inner5 = nn.Conv2d(32, 16, 1)
        self.layer5 = nn.Conv2d(16, 16, 3, padding=1)
        self.inner4 = nn.Conv2d(16, 16, 1)
        self.up4 = nn.Upsample(size=(16, 16), mode="nearest")
        self.add4 = Add()
        self.layer4 = nn.Conv2d(16, 16, 3, padding=1)
        self.inner3 = nn.Conv2d(8, 16, 1)
        self.up3 = nn.Upsample(scale_factor=2, mode="nearest")
        self.add3 = Add()
        self.layer3 = nn.Conv2d(16, 16, 3, padding=1)
        self.p6 = nn.MaxPool2d(1, 2, 0)

    def forward(self, x: Tensor) -> Tensor:
        c3 = self.c3(x)
        c4 = self.c4(c3)
        c5 = self.c5(c4)
        last5 = self.inner5(c5)
        p5 = self.layer5(last5)
        last4 = self.add4(self.inner4(c4), self.up4(last5))
        p4 = self.layer4(last4)
        last3 = self.add3(self.inner3(c3), self.up3(last4))
        p3 = self.layer3(last3)
        return p3, p4, p5, self.p6(p5)


# Temporal convolutional network (locuslab/TCN, TemporalBlock): causal by left padding.


class TemporalBlock(nn.Module):
    """Twice (left pad ``(K - 1) d``, dilated conv1d, ReLU, dropout); a 1×1 conv shortcut
    when the width changes; add; ReLU. ``zero`` pads with ``ZeroPad1d``, else
    ``ConstantPad1d(…, 0)``."""

    def __init__(self, c_in: int, c_out: int, k: int, d: int, zero: bool) -> None:
        super().__init__()
        pad = (k - 1) * d

        def padding() -> nn.Module:
            return nn.ZeroPad1d((pad, 0)) if zero else nn.ConstantPad1d((pad, 0), 0.0)

        self.net = nn.Sequential(
            padding(),
            nn.Conv1d(c_in, c_out, k, dilation=d),
            nn.ReLU(),
            nn.Dropout(0.2),
            padding(),
            nn.Conv1d(c_out, c_out, k, dilation=d),
            nn.ReLU(),
            nn.Dropout(0.2),
        )
        self.downsample = nn.Conv1d(c_in, c_out, 1) if c_in != c_out else None
        self.add = Add()
        self.relu = nn.ReLU()

    def forward(self, x: Tensor) -> Tensor:
        out = self.net(x)
        res = x if self.downsample is None else self.downsample(x)
        return self.relu(self.add(out, res))


class TCN(nn.Module):
    """Three temporal blocks, dilations 1, 2, 4, widths 4 → 8 → 8 → 8, kernel 3."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.Sequential(
            TemporalBlock(4, 8, 3, 1, zero=False),
            TemporalBlock(8, 8, 3, 2, zero=True),
            TemporalBlock(8, 8, 3, 4, zero=False),
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.blocks(x)


# A 3-D residual network (torchvision/models/video/resnet.py, r3d): stem, one strided block.


class R3DBlock(nn.Module):
    """3×3×3 conv (strided), BN, ReLU, 3×3×3 conv, BN; a 1×1×1 strided conv and BN shortcut."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv3d(c_in, c_out, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm3d(c_out)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv3d(c_out, c_out, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm3d(c_out)
        self.downsample = nn.Sequential(
            nn.Conv3d(c_in, c_out, 1, stride, bias=False), nn.BatchNorm3d(c_out)
        )
        self.add = Add()
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: Tensor) -> Tensor:
        out = self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x)))))
        return self.relu(self.add(out, self.downsample(x)))


class R3D(nn.Module):
    """Stem (3×7×7 conv, stride (1, 2, 2), padding (1, 3, 3), BN, ReLU), one block, pool, fc."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(
            nn.Conv3d(3, 8, (3, 7, 7), (1, 2, 2), (1, 3, 3), bias=False),
            nn.BatchNorm3d(8),
            nn.ReLU(inplace=True),
        )
        self.layer = R3DBlock(8, 16, 2)
        self.avgpool = nn.AdaptiveAvgPool3d(1)
        self.flatten = nn.Flatten()
        self.fc = nn.Linear(16, 10)

    def forward(self, x: Tensor) -> Tensor:
        return self.fc(self.flatten(self.avgpool(self.layer(self.stem(x)))))


# The measuring copy (test_real_graphs): one channel, every weight 1, linear, positive.


class SumInputs(nn.Module):
    """A concatenation of one-channel maps, measured: the sum of its inputs."""

    def forward(self, *xs: Tensor) -> Tensor:
        return sum(xs[1:], xs[0])


class SumFeatures(nn.Module):
    """A linear layer, measured: the sum of its features."""

    def forward(self, x: Tensor) -> Tensor:
        return x.sum(dim=1, keepdim=True)


IDENTITIES = frozenset({"ReLU", "ReLU6", "Hardswish", "Hardsigmoid", "SiLU", "Sigmoid", "Dropout"})
"""Activations and dropout: the identity in the measuring copy (pointwise, every unit kept)."""


def measuring_module(module: nn.Module) -> nn.Module:
    """The leaf ``module`` in the measuring copy.

    A convolution keeps its geometry with one channel in and out, weights 1, no bias; a max
    pool becomes the average pool of the same windows (its gradient reaches every pixel of a
    window, not the largest alone); a batch norm, an activation or a dropout the identity;
    ``Cat`` the sum of its inputs; a linear layer the sum of its features. The others
    (paddings, average and adaptive pools, upsampling, flatten, ``Add``, ``Mul``) stay.
    """
    name = type(module).__name__
    new: nn.Module
    if isinstance(module, nn.modules.conv._ConvTransposeNd):
        transposed: Any = type(module)
        new = transposed(
            1,
            1,
            module.kernel_size,
            module.stride,
            module.padding,
            module.output_padding,
            dilation=module.dilation,
            bias=False,
        )
    elif isinstance(module, nn.modules.conv._ConvNd):
        convolution: Any = type(module)
        new = convolution(
            1,
            1,
            module.kernel_size,
            module.stride,
            module.padding,
            module.dilation,
            bias=False,
            padding_mode=module.padding_mode,
        )
    elif isinstance(module, nn.modules.pooling._MaxPoolNd):
        dilation = module.dilation if isinstance(module.dilation, tuple) else (module.dilation,)
        assert set(dilation) == {1}, "a max pool with dilation has no average pool twin"
        avg = getattr(nn, name.replace("Max", "Avg"))
        new = avg(module.kernel_size, module.stride, module.padding, module.ceil_mode)
    elif isinstance(module, nn.modules.batchnorm._BatchNorm) or name in IDENTITIES:
        new = nn.Identity()
    elif isinstance(module, Cat):
        new = SumInputs()
    elif isinstance(module, nn.Linear):
        new = SumFeatures()
    else:
        return module
    if isinstance(new, nn.modules.conv._ConvNd):
        nn.init.ones_(new.weight)
    return new


def measuring_copy(model: nn.Module) -> nn.Module:
    """``model`` with each leaf its ``measuring_module``, in float64, on the CPU."""

    def replace(parent: nn.Module) -> None:
        for key, child in list(parent.named_children()):
            if list(child.children()):
                replace(child)
            else:
                setattr(parent, key, measuring_module(child))

    with torch.device("cpu"):
        replace(model)
    return model.to("cpu").double().eval()
