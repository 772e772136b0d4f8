"""The branching presets as ``GET /v1/examples`` serves them, analysed through ``/v1/analyze``.

Expected totals are torchvision's published parameter counts (its model cards) and its
documented "GFLOPS" for ResNet-18/50, which count multiply-accumulates.
"""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

TORCHVISION_PARAMS = {
    "resnet18": 11_689_512,
    "resnet50": 25_557_032,
    "mobilenet_v2": 3_504_872,
    "densenet121": 7_978_856,
    "googlenet": 6_624_904,
    "squeezenet1_1": 1_235_496,
    "efficientnet_b0": 5_288_548,
}
TORCHVISION_GMACS = {"resnet18": 1.814, "resnet50": 4.089}
CHAINS = (
    "lenet5_course",
    "course_32x32",
    "course_7x7",
    "course_7x7_stride2",
    "lenet5_original",
    "alexnet",
    "vgg16",
    "text_cnn_1d",
    "video_cnn_3d",
    "unet_decoder",
)


@pytest.fixture(scope="module")
def served() -> dict[str, Any]:
    from app.main import app

    examples: dict[str, Any] = TestClient(app).get("/v1/examples").json()
    return examples


def analysed(client: TestClient, example: dict[str, Any]) -> dict[str, Any]:
    body = {"input_shape": example["input_shape"], "layers": example["layers"]}
    response = client.post("/v1/analyze", json=body)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_chains_and_presets_in_one_dict(served: dict[str, Any]) -> None:
    assert set(served) == {*CHAINS, *TORCHVISION_PARAMS, "unet"}
    for name, example in served.items():
        assert set(example) == {"title", "title_fr", "input_shape", "layers"}, name
        assert example["title_fr"] != example["title"], name


def test_french_titles_group_digits_the_french_way(served: dict[str, Any]) -> None:
    assert served["vgg16"]["title_fr"].endswith("138\u202f357\u202f544 paramètres)")
    assert "11\u202f689\u202f512 paramètres" in served["resnet18"]["title_fr"]


@pytest.mark.parametrize("name", sorted(TORCHVISION_PARAMS))
def test_preset_totals_torchvision_params(
    name: str, served: dict[str, Any], client: TestClient
) -> None:
    data = analysed(client, served[name])
    assert data["total_params"] == TORCHVISION_PARAMS[name]
    assert data["output_shape"] == [1000]


@pytest.mark.parametrize("name", sorted(TORCHVISION_GMACS))
def test_resnet_macs_within_one_percent(
    name: str, served: dict[str, Any], client: TestClient
) -> None:
    macs = analysed(client, served[name])["total_macs"]
    assert macs == pytest.approx(TORCHVISION_GMACS[name] * 1e9, rel=0.01)


def test_resnet18_has_eight_adds_of_two_inputs(served: dict[str, Any], client: TestClient) -> None:
    adds = [r for r in analysed(client, served["resnet18"])["layers"] if r["type"] == "add"]
    assert len(adds) == 8
    assert all(len(layer["inputs"]) == 2 for layer in adds)


def test_unet_mask_and_skips(served: dict[str, Any], client: TestClient) -> None:
    data = analysed(client, served["unet"])
    assert data["output_shape"] == [2, 256, 256]
    concats = [r for r in data["layers"] if r["type"] in ("concat", "cat")]
    assert [c["inputs"][0] for c in concats] == ["enc4", "enc3", "enc2", "enc1"]
