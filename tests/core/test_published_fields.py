"""Receptive fields against the published table of Araujo et al., "Computing Receptive Fields
of Convolutional Neural Networks", Distill 2019 (size r, effective stride S, effective
padding P at the last convolutional feature map)."""

from __future__ import annotations

from typing import Any

from app.core import analyze


def vgg16_features() -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for convs, channels in ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)):
        for _ in range(convs):
            layers += [
                {"type": "conv2d", "out_channels": channels, "K": 3, "P": 1},
                {"type": "relu"},
            ]
        layers.append({"type": "maxpool2d", "kernel_size": 2, "stride": 2})
    return layers


def test_vgg16_matches_the_published_table() -> None:
    # vgg_16: r = 212, S = 32, P = 90.
    rf = analyze([3, 224, 224], vgg16_features()).layers[-1].receptive_field
    assert rf.size == (212, 212)
    assert rf.jump == (32, 32)
    assert rf.padding == (90.0, 90.0)


def test_alexnet_v2_matches_the_published_table() -> None:
    # alexnet_v2 (TF-slim, 'VALID' convolutions, 3x3/2 pools): r = 195, S = 32, P = 64.
    layers: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 64, "kernel_size": 11, "stride": 4},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
        {"type": "conv2d", "out_channels": 192, "kernel_size": 5, "padding": 2},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
        {"type": "conv2d", "out_channels": 384, "kernel_size": 3, "padding": 1},
        {"type": "conv2d", "out_channels": 384, "kernel_size": 3, "padding": 1},
        {"type": "conv2d", "out_channels": 256, "kernel_size": 3, "padding": 1},
        {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
    ]
    rf = analyze([3, 224, 224], layers).layers[-1].receptive_field
    assert rf.size == (195, 195)
    assert rf.jump == (32, 32)
    assert rf.padding == (64.0, 64.0)
