"""Channels-last inputs, ``input_format`` and other libraries' names over HTTP, en and fr."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

CONV = [{"type": "conv2d", "out_channels": 10, "kernel_size": 5, "padding": 2}]


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("shape", [[224, 224, 3], "224 × 224 × 3", "224x224x3"], ids=str)
def test_a_channels_last_input_is_warned(client: TestClient, lang: str, shape: Any) -> None:
    r = client.post("/v1/analyze", json={"input_shape": shape, "layers": CONV, "lang": lang})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["input_shape"] == [224, 224, 3]
    first = body["warnings"][0]
    assert first["code"] == "channels_last"
    assert first["layer"] is None
    assert first["params"] == {"shape": [224, 224, 3], "suggested": [3, 224, 224]}
    said = "Did you mean 3×224×224?" if lang == "en" else "Vouliez-vous dire 3×224×224 ?"
    assert said in first["message"]


def test_the_warning_stays_with_explanations_in_french(client: TestClient) -> None:
    body = {"input_shape": [32, 32, 3], "layers": CONV, "lang": "fr", "explain": True}
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    codes = [w["code"] for w in r.json()["warnings"]]
    assert codes[0] == "channels_last"
    assert "canaux en dernier" in r.json()["warnings"][0]["message"]


@pytest.mark.parametrize("shape", [[3, 32, 32], [1, 28, 28], [64, 56, 56], [3, 224, 224]])
def test_a_channels_first_input_is_not_warned(client: TestClient, shape: list[int]) -> None:
    r = client.post("/v1/analyze", json={"input_shape": shape, "layers": CONV})
    assert r.status_code == 200, r.text
    assert all(w["code"] != "channels_last" for w in r.json()["warnings"])


def test_hwc_gives_the_same_answer_as_the_chw_shape(client: TestClient) -> None:
    hwc = client.post(
        "/v1/analyze", json={"input_shape": [32, 32, 3], "input_format": "HWC", "layers": CONV}
    )
    chw = client.post("/v1/analyze", json={"input_shape": [3, 32, 32], "layers": CONV})
    assert hwc.status_code == chw.status_code == 200, hwc.text
    assert hwc.json() == chw.json()
    assert hwc.json()["input_shape"] == [3, 32, 32]
    assert hwc.json()["total_params"] == 10 * (3 * 5 * 5 + 1) == 760
    text = client.post(
        "/v1/analyze", json={"input_shape": "32 × 32 × 3", "input_format": "HWC", "layers": CONV}
    )
    assert text.json() == chw.json()


def test_chw_given_silences_the_warning(client: TestClient) -> None:
    body = {
        "input_shape": [32, 32, 3],
        "input_format": "CHW",
        "layers": CONV[:0] or [{"type": "relu"}],
    }
    r = client.post("/v1/analyze", json=body)
    assert r.status_code == 200, r.text
    assert r.json()["warnings"] == []


def test_check_and_export_read_hwc(client: TestClient) -> None:
    body = {"input_shape": [32, 32, 3], "input_format": "HWC", "layers": CONV}
    check = client.post("/v1/check", json={**body, "answers": [{"layer": 0, "params": 760}]})
    assert check.status_code == 200, check.text
    assert check.json()["score"] == {"correct": 1, "total": 1}
    export = client.post("/v1/export/pytorch", json=body)
    assert export.status_code == 200, export.text
    assert "torch.randn(1, 3, 32, 32)" in export.text


@pytest.mark.parametrize(
    ("body", "en", "fr"),
    [
        (
            {"input_shape": [32, 32, 3], "input_format": "CL"},
            "input_format CL is for 2 axes, and input_shape has 3: write one of CHW, HWC",
            "input_format CL vaut pour 2 axes, et input_shape en a 3 : écrivez l'un de CHW, HWC",
        ),
        (
            {"input_shape": "32 by 32"},
            "'32 by 32' is not a shape",
            "« 32 by 32 » n'est pas une forme",
        ),
    ],
)
def test_a_wrong_format_or_shape_text_is_a_422(
    client: TestClient, body: dict[str, Any], en: str, fr: str
) -> None:
    for lang, said in (("en", en), ("fr", fr)):
        r = client.post("/v1/analyze", json={**body, "layers": CONV, "lang": lang})
        assert r.status_code == 422, r.text
        assert said in r.json()["detail"]


def analyze(
    client: TestClient, layers: list[dict[str, Any]], shape: list[int], lang: str = "en"
) -> Any:
    return client.post("/v1/analyze", json={"input_shape": shape, "layers": layers, "lang": lang})


def test_keras_conv2d_on_the_course_input(client: TestClient) -> None:
    """Conv2D(filters=6, kernel_size=5) on 1×32×32: 6 × (1 × 25 + 1) = 156 parameters."""
    r = analyze(client, [{"type": "Conv2D", "filters": 6, "kernel_size": 5}], [1, 32, 32])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total_params"] == 156
    assert body["layers"][0]["output_shape"] == [6, 28, 28]
    assert body["layers_as_understood"][0]["type"] == "conv2d"
    assert body["layers_as_understood"][0]["out_channels"] == 6


def test_keras_names_through_a_small_network(client: TestClient) -> None:
    """On 3×32×32: conv 8 × (27 + 1) = 224, BN 2 × 8 = 16, dense 10 × (8 + 1) = 90."""
    layers: list[dict[str, Any]] = [
        {"type": "Conv2D", "filters": 8, "kernel_size": 3, "strides": 1, "padding": "same"},
        {"type": "BatchNormalization", "epsilon": 0.001},
        {"type": "ReLU"},
        {"type": "MaxPooling2D", "pool_size": 2},
        {"type": "Dropout", "rate": 0.25},
        {"type": "AdaptiveAvgPool2d", "output_size": 1},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10},
    ]
    r = analyze(client, layers, [3, 32, 32])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [layer["params"] for layer in body["layers"]] == [224, 16, 0, 0, 0, 0, 0, 90]
    assert body["layers"][3]["output_shape"] == [8, 16, 16]
    understood = body["layers_as_understood"]
    assert [u["type"] for u in understood][:2] == ["conv2d", "batchnorm"]
    assert understood[1]["eps"] == 0.001
    assert understood[4]["p"] == 0.25


def test_caffe_names(client: TestClient) -> None:
    """Caffe's LeNet start on 1×28×28: conv 20 × (25 + 1) = 520, fc 10 × (20·24·24 + 1)."""
    layers: list[dict[str, Any]] = [
        {"type": "Convolution", "num_output": 20, "kernel_size": 5, "stride": 1},
        {"type": "ReLU"},
        {"type": "Flatten"},
        {"type": "InnerProduct", "num_output": 10},
    ]
    r = analyze(client, layers, [1, 28, 28])
    assert r.status_code == 200, r.text
    assert [layer["params"] for layer in r.json()["layers"]] == [520, 0, 0, 10 * (11520 + 1)]


@pytest.mark.parametrize(
    ("layer", "en", "fr"),
    [
        (
            {"type": "Flaten"},
            "unknown layer type 'Flaten': did you mean 'flatten'?",
            "type de couche « Flaten » inconnu : vouliez-vous dire « flatten » ?",
        ),
        (
            {"type": "Conv2dd", "out_channels": 6, "kernel_size": 5},
            "did you mean 'conv2d'?",
            "vouliez-vous dire « conv2d » ?",
        ),
        (
            {"type": "conv2d", "out_channels": 6, "kernal_size": 5},
            "conv2d has no field 'kernal_size': did you mean 'kernel_size'?",
            "conv2d n'a pas de champ « kernal_size » : vouliez-vous dire « kernel_size » ?",
        ),
        (
            {"type": "conv2d", "out_channel": 6, "kernel_size": 5},
            "did you mean 'out_channels'?",
            "vouliez-vous dire « out_channels » ?",
        ),
        (
            {"type": "GlobalAveragePooling2D"},
            "write adaptiveavgpool2d with output_size 1, then flatten",
            "écrivez adaptiveavgpool2d avec output_size 1, puis flatten",
        ),
        (
            {"type": "Pooling", "pool": "MAX", "kernel_size": 2, "stride": 2},
            "write maxpool2d (pool MAX) or avgpool2d (pool AVE) with ceil_mode true",
            "écrivez maxpool2d (pool MAX) ou avgpool2d (pool AVE) avec ceil_mode true",
        ),
        (
            {"type": "Dense", "units": 10, "activation": "relu"},
            "PyTorch writes the activation as a layer of its own",
            "PyTorch écrit l'activation comme une couche à part",
        ),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else "",
)
def test_a_wrong_name_is_a_422_naming_the_pytorch_spelling(
    client: TestClient, layer: dict[str, Any], en: str, fr: str
) -> None:
    for lang, said in (("en", en), ("fr", fr)):
        r = analyze(client, [layer], [1, 32, 32], lang)
        assert r.status_code == 422, r.text
        detail = r.json()["detail"]
        assert said in detail
        assert "Field required" not in detail
        assert "champ obligatoire" not in detail


@pytest.mark.parametrize(
    ("lang", "words"), [("en", "Did you mean 3×32×32?"), ("fr", "Vouliez-vous dire 3×32×32 ?")]
)
def test_a_refusal_of_a_channels_last_input_carries_the_hint(
    client: TestClient, lang: str, words: str
) -> None:
    # Read as 32 channels of 32 × 3, a 5 × 5 kernel does not fit the width 3.
    layers = [{"type": "conv2d", "out_channels": 6, "kernel_size": 5}]
    requests: list[tuple[str, dict[str, Any]]] = [
        ("/v1/analyze", {}),
        ("/v1/check", {"answers": []}),
    ]
    for path, extra in requests:
        body = {"input_shape": [32, 32, 3], "layers": layers, "lang": lang, **extra}
        r = client.post(path, json=body)
        assert r.status_code == 422, r.text
        data = r.json()
        assert data["errors"][0]["loc"][:3] == ["body", "layers", 0]
        assert data["errors"][-1]["loc"] == ["body", "input_shape"]
        assert data["errors"][-1]["type"] == "channels_last"
        assert words in data["errors"][-1]["msg"]
        assert words in data["detail"]
    # Said channels first on purpose: the refusal alone.
    body = {"input_shape": [32, 32, 3], "input_format": "CHW", "layers": layers, "lang": lang}
    data = client.post("/v1/analyze", json=body).json()
    assert data["errors"]
    assert "channels_last" not in str(data)
