"""Built-in example stacks, as ``POST /v1/analyze`` request bodies.

The web page, the Swagger examples and ``cnncalc selfcheck`` reuse them by name; the names
are stable. Parameter counts in the titles were checked against ``torch.nn`` builds of the
same stacks (``tests/torch/test_verify.py``).
"""

from __future__ import annotations

from typing import Any

from app.core.presets import PRESETS

Body = dict[str, Any]


def _vgg16() -> list[dict[str, Any]]:
    layers: list[dict[str, Any]] = []
    for block in ((64, 64), (128, 128), (256, 256, 256), (512, 512, 512), (512, 512, 512)):
        for channels in block:
            layers.append(
                {"type": "conv2d", "out_channels": channels, "kernel_size": 3, "padding": 1}
            )
            layers.append({"type": "relu"})
        layers.append({"type": "maxpool2d", "kernel_size": 2, "stride": 2})
    layers += [
        {"type": "adaptiveavgpool2d", "output_size": [7, 7]},
        {"type": "flatten"},
        {"type": "linear", "out_features": 4096},
        {"type": "relu"},
        {"type": "dropout", "p": 0.5},
        {"type": "linear", "out_features": 4096},
        {"type": "relu"},
        {"type": "dropout", "p": 0.5},
        {"type": "linear", "out_features": 1000},
    ]
    return layers


EXAMPLES: dict[str, Body] = {
    "lenet5_course": {
        "title": "LeNet-5 as in the course (1×28×28, 1,256,080 parameters)",
        "title_fr": "LeNet-5 comme dans le cours (1×28×28, 1\u202f256\u202f080 paramètres)",
        "input_shape": [1, 28, 28],
        "layers": [
            {"type": "conv2d", "C_out": 20, "K": 5, "P": 2, "S": 1},
            {"type": "relu"},
            {"type": "maxpool2d", "K": 2, "S": 2},
            {"type": "conv2d", "C_out": 50, "K": 5, "P": 2, "S": 1},
            {"type": "relu"},
            {"type": "maxpool2d", "K": 2, "S": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 500},
            {"type": "relu"},
            {"type": "linear", "out_features": 10},
        ],
    },
    "course_32x32": {
        "title": (
            "The course's 3×32×32 input with ten 5×5 filters, stride 1, padding 2 (760 parameters)"
        ),
        "title_fr": (
            "L'entrée 3×32×32 du cours avec dix filtres 5×5, pas 1, remplissage 2 (760 paramètres)"
        ),
        "input_shape": [3, 32, 32],
        "layers": [{"type": "conv2d", "C_out": 10, "K": 5, "P": 2, "S": 1}],
    },
    "course_7x7": {
        "title": "The course's 7×7 input with a 3×3 filter, stride 1 (5×5 output)",
        "title_fr": "L'entrée 7×7 du cours avec un filtre 3×3, pas 1 (sortie 5×5)",
        "input_shape": [1, 7, 7],
        "layers": [{"type": "conv2d", "C_out": 1, "K": 3, "S": 1}],
    },
    "course_7x7_stride2": {
        "title": "The course's 7×7 input with a 3×3 filter, stride 2 (3×3 output)",
        "title_fr": "L'entrée 7×7 du cours avec un filtre 3×3, pas 2 (sortie 3×3)",
        "input_shape": [1, 7, 7],
        "layers": [{"type": "conv2d", "C_out": 1, "K": 3, "S": 2}],
    },
    "lenet5_original": {
        "title": "LeNet-5 as LeCun et al. (1998) drew it (1×32×32, tanh, average pooling)",
        "title_fr": (
            "LeNet-5 tel que LeCun et al. (1998) l'ont dessiné (1×32×32, tanh, pooling moyen)"
        ),
        "input_shape": [1, 32, 32],
        "layers": [
            {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
            {"type": "tanh"},
            {"type": "avgpool2d", "kernel_size": 2},
            {"type": "conv2d", "out_channels": 16, "kernel_size": 5},
            {"type": "tanh"},
            {"type": "avgpool2d", "kernel_size": 2},
            {"type": "conv2d", "out_channels": 120, "kernel_size": 5},
            {"type": "tanh"},
            {"type": "flatten"},
            {"type": "linear", "out_features": 84},
            {"type": "tanh"},
            {"type": "linear", "out_features": 10},
        ],
    },
    "alexnet": {
        "title": "AlexNet as torchvision builds it (3×224×224, 61,100,840 parameters)",
        "title_fr": (
            "AlexNet tel que torchvision le construit (3×224×224, 61\u202f100\u202f840 paramètres)"
        ),
        "input_shape": [3, 224, 224],
        "layers": [
            {"type": "conv2d", "out_channels": 64, "kernel_size": 11, "stride": 4, "padding": 2},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "conv2d", "out_channels": 192, "kernel_size": 5, "padding": 2},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "conv2d", "out_channels": 384, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": 256, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": 256, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 3, "stride": 2},
            {"type": "adaptiveavgpool2d", "output_size": [6, 6]},
            {"type": "flatten"},
            {"type": "dropout", "p": 0.5},
            {"type": "linear", "out_features": 4096},
            {"type": "relu"},
            {"type": "dropout", "p": 0.5},
            {"type": "linear", "out_features": 4096},
            {"type": "relu"},
            {"type": "linear", "out_features": 1000},
        ],
    },
    "vgg16": {
        "title": "VGG-16 as torchvision builds it (3×224×224, 138,357,544 parameters)",
        "title_fr": (
            "VGG-16 tel que torchvision le construit (3×224×224, 138\u202f357\u202f544 paramètres)"
        ),
        "input_shape": [3, 224, 224],
        "layers": _vgg16(),
    },
    "text_cnn_1d": {
        "title": "A 1-D text CNN: 300-dimensional embeddings of 64 tokens, two classes",
        "title_fr": (
            "Un CNN 1-D pour le texte : plongements de dimension 300 de 64 mots, deux classes"
        ),
        "input_shape": [300, 64],
        "layers": [
            {"type": "conv1d", "out_channels": 128, "kernel_size": 5, "padding": "same"},
            {"type": "relu"},
            {"type": "maxpool1d", "kernel_size": 2},
            {"type": "conv1d", "out_channels": 128, "kernel_size": 3, "dilation": 2},
            {"type": "relu"},
            {"type": "adaptivemaxpool1d", "output_size": 1},
            {"type": "flatten"},
            {"type": "dropout", "p": 0.5},
            {"type": "linear", "out_features": 2},
        ],
    },
    "video_cnn_3d": {
        "title": "A 3-D video CNN (C3D-like): 16 RGB frames of 112×112, 101 classes",
        "title_fr": "Un CNN 3-D pour la vidéo (façon C3D) : 16 images RVB de 112×112, 101 classes",
        "input_shape": [3, 16, 112, 112],
        "layers": [
            {"type": "conv3d", "out_channels": 64, "kernel_size": 3, "padding": 1},
            {"type": "batchnorm3d"},
            {"type": "relu"},
            {"type": "maxpool3d", "kernel_size": [1, 2, 2], "stride": [1, 2, 2]},
            {"type": "conv3d", "out_channels": 128, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "maxpool3d", "kernel_size": 2},
            {"type": "conv3d", "out_channels": 256, "kernel_size": 3, "padding": 1},
            {"type": "relu"},
            {"type": "adaptiveavgpool3d", "output_size": 1},
            {"type": "flatten"},
            {"type": "linear", "out_features": 101},
        ],
    },
    "unet_decoder": {
        "title": "A small U-Net-like decoder: 256×8×8 features up to a 2-class 64×64 mask",
        "title_fr": (
            "Un petit décodeur façon U-Net : des caractéristiques "
            "256×8×8 jusqu'à un masque 64×64 à 2 classes"
        ),
        "input_shape": [256, 8, 8],
        "layers": [
            {"type": "convtranspose2d", "out_channels": 128, "kernel_size": 2, "stride": 2},
            {"type": "conv2d", "out_channels": 128, "kernel_size": 3, "padding": 1},
            {"type": "batchnorm2d"},
            {"type": "relu"},
            {"type": "convtranspose2d", "out_channels": 64, "kernel_size": 2, "stride": 2},
            {"type": "conv2d", "out_channels": 64, "kernel_size": 3, "padding": 1},
            {"type": "groupnorm", "num_groups": 8},
            {"type": "relu"},
            {
                "type": "convtranspose2d",
                "out_channels": 32,
                "kernel_size": 3,
                "stride": 2,
                "padding": 1,
                "output_padding": 1,
            },
            {"type": "conv2d", "out_channels": 32, "kernel_size": 3, "padding": "same"},
            {"type": "relu"},
            {"type": "conv2d", "out_channels": 2, "kernel_size": 1},
        ],
    },
}
"""Named chain bodies: ``{"title", "title_fr", "input_shape", "layers"}``."""

ALL_EXAMPLES: dict[str, Body] = {**EXAMPLES, **PRESETS}
"""The chains and the branching presets (``app.core.presets``), as ``GET /v1/examples`` serves
them and the command line and the page offer them."""

__all__ = ["ALL_EXAMPLES", "EXAMPLES"]
