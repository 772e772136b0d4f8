"""Networks that branch, drawn as graphs on the page, in Debian's chromium.

Expected counts come from the server's analysis (``POST /v1/analyze``: each layer's id and
inputs) and the kinds' picture category (``GET /v1/layers``), through the rule the page
states: a pointwise layer joins the box of its only input when nothing else reads that
input; every other layer is a box, and every input an arrow. The console, exceptions,
failed requests and CSP violations are checked empty by the ``browse`` fixture.
"""

from __future__ import annotations

import json
import re
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Browse, settle

pytestmark = pytest.mark.browser

PRESETS = [
    "resnet18",
    "resnet50",
    "mobilenet_v2",
    "densenet121",
    "googlenet",
    "squeezenet1_1",
    "efficientnet_b0",
    "unet",
]


def get(base_url: str, path: str) -> Any:
    with urllib.request.urlopen(base_url + path) as response:
        return json.loads(response.read())


@cache
def examples(base_url: str) -> dict[str, Any]:
    data: dict[str, Any] = get(base_url, "/v1/examples")
    return data


@cache
def pointwise(base_url: str) -> frozenset[str]:
    return frozenset(
        tag
        for kind in get(base_url, "/v1/layers")
        if kind["picture"] == "pointwise"
        for tag in kind["types"]
    )


@cache
def analysis(base_url: str, name: str) -> dict[str, Any]:
    example = examples(base_url)[name]
    body = json.dumps({"input_shape": example["input_shape"], "layers": example["layers"]})
    request = urllib.request.Request(
        base_url + "/v1/analyze", body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        data: dict[str, Any] = json.loads(response.read())
    return data


def expected_drawing(base_url: str, name: str) -> tuple[int, int]:
    """(boxes, arrows) of a preset's graph, by the folding rule in the module docstring."""
    layers = analysis(base_url, name)["layers"]
    readers: dict[str, int] = {}
    for layer in layers:
        for source in layer["inputs"]:
            readers[source] = readers.get(source, 0) + 1
    boxes, arrows = 1, 0
    for layer in layers:
        inputs = layer["inputs"]
        folded = (
            layer["type"] in pointwise(base_url)
            and len(inputs) == 1
            and inputs[0] != "input"
            and readers[inputs[0]] == 1
        )
        if not folded:
            boxes += 1
            arrows += len(inputs)
    return boxes, arrows


def total(value: int, lang: str = "en") -> re.Pattern[str]:
    groups = f"{value:,}".split(",")
    return re.compile("^" + ("," if lang == "en" else r"\s").join(groups) + "$")


def open_preset(browse: Browse, name: str, **context: Any) -> Any:
    page = browse.open("/", **context)
    page.select_option("#preset", name)
    expect(page.locator("#net[data-kind='graph'] .g-node").first).to_be_visible()
    return page


def test_resnet18_drawn_as_a_graph(browse: Browse, base_url: str) -> None:
    page = open_preset(browse, "resnet18")
    report = analysis(base_url, "resnet18")
    boxes, arrows = expected_drawing(base_url, "resnet18")
    assert (boxes, arrows) == (33, 40)
    expect(page.locator("#net .g-node")).to_have_count(boxes)
    expect(page.locator("#net .g-edge")).to_have_count(arrows)
    adds = [layer for layer in report["layers"] if layer["type"] == "add"]
    assert len(adds) == 8
    assert all(len(layer["inputs"]) == 2 for layer in adds)
    nodes = page.locator("#net .g-node[data-types^='add']")
    expect(nodes).to_have_count(8)
    for layer in adds:
        key = str(layer["index"])
        node = page.locator(f"#net .g-node[data-node='{key}']")
        expect(node).to_have_attribute("data-types", "add relu")
        expect(node).to_contain_text(layer["name"])
        expect(node.locator(".g-shape")).to_have_text("×".join(map(str, layer["output_shape"])))
        # Two arrows in: the block's path and its shortcut, the shortcut an arc that skips.
        expect(page.locator(f"#net .g-edge[data-to='{key}']")).to_have_count(2)
        sources = page.locator(f"#net .g-edge[data-to='{key}']")
        assert sorted(sources.evaluate_all("es => es.map(e => e.dataset.source)")) == sorted(
            layer["inputs"]
        )
        skip = page.locator(f"#net .g-edge.skip[data-to='{key}']")
        expect(skip).to_have_count(1)
        assert "Q" in (skip.get_attribute("d") or "")
    # A box is selected like a block of the chain's picture: the caption names its layer.
    page.locator("#net .g-node[data-node='9']").click()
    expect(page.locator("#net .g-node[data-node='9']")).to_have_class(re.compile(r"\bselected\b"))
    expect(page.locator("#rf-caption")).to_contain_text("layer 10")


def test_googlenet_concat_inputs_carry_their_channels(browse: Browse, base_url: str) -> None:
    page = open_preset(browse, "googlenet")
    boxes, arrows = expected_drawing(base_url, "googlenet")
    expect(page.locator("#net .g-node")).to_have_count(boxes)
    expect(page.locator("#net .g-edge")).to_have_count(arrows)
    concats = [
        layer for layer in analysis(base_url, "googlenet")["layers"] if layer["type"] == "concat"
    ]
    assert len(concats) == 9
    first = concats[0]
    assert first["output_shape"] == [256, 28, 28]
    labels = page.locator(f"#net .g-edge-label[data-to='{first['index']}']")
    expect(labels).to_have_count(4)
    channels = sorted(int(text.removeprefix("C=")) for text in labels.all_text_contents())
    assert channels == [32, 32, 64, 128]
    assert sum(channels) == first["output_shape"][0]


def test_every_preset_opens_and_is_drawn(browse: Browse, base_url: str) -> None:
    page = browse.open("/")
    for name in PRESETS:
        page.select_option("#preset", name)
        report = analysis(base_url, name)
        expect(page.locator("#table tfoot .total-params")).to_have_text(
            total(report["total_params"])
        )
        boxes, arrows = expected_drawing(base_url, name)
        expect(page.locator("#net .g-node")).to_have_count(boxes)
        expect(page.locator("#net .g-edge")).to_have_count(arrows)
        expect(page.locator("#problem")).to_be_hidden()
    # A chain keeps the picture of volumes.
    page.select_option("#preset", "lenet5_course")
    expect(page.locator("#net")).to_have_attribute("data-kind", "chain")
    expect(page.locator("#net .block")).to_have_count(8)
    expect(page.locator("#net .g-node")).to_have_count(0)


def test_share_link_reopens_an_edited_graph(browse: Browse, base_url: str) -> None:
    page = open_preset(browse, "resnet50")
    page.wait_for_function("() => location.hash.startsWith('#z=')")
    # ResNet-50 in the link, deflated: short enough to paste anywhere.
    assert len(page.url) < 2000, len(page.url)
    page.select_option("#preset", "resnet18")
    expect(page.locator("#table tfoot .total-params")).to_have_text("11,689,512")
    page.click("#tab-json")
    text = page.input_value("#stack-json")
    assert '"type": "residual"' in text
    assert text.count('"out_features": 1000') == 1
    page.fill("#stack-json", text.replace('"out_features": 1000', '"out_features": 10'))
    # 11,689,512 - 513 × 1000 + 513 × 10: the classifier's weights and biases.
    edited = 11_689_512 - 513 * 990
    expect(page.locator("#table tfoot .total-params")).to_have_text(total(edited))
    expect(page.locator("#rows-note")).to_contain_text("JSON view")
    page.wait_for_function("() => location.hash.startsWith('#z=')")
    page.wait_for_timeout(300)  # the address follows the answer once deflated
    link = page.url
    assert len(link) < 2000, len(link)
    other = browse.open(None)
    other.goto(link)
    settle(other)
    expect(other.locator("#table tfoot .total-params")).to_have_text(total(edited))
    boxes, arrows = expected_drawing(base_url, "resnet18")
    expect(other.locator("#net .g-node")).to_have_count(boxes)
    expect(other.locator("#net .g-edge")).to_have_count(arrows)
    expect(other.locator("#net .g-node[data-types^='add']")).to_have_count(8)
    # Invalid JSON is named where it is typed, and the last good drawing greys out.
    page.fill("#stack-json", text[:-3])
    expect(page.locator("#stack-json-error")).to_contain_text("Not valid JSON")
    expect(page.locator("#picture")).to_have_class(re.compile(r"\bstale\b"))


def record_analyses(page: Any, bodies: list[dict[str, Any]]) -> None:
    """Keep the body of every ``POST /v1/analyze`` the page sends."""

    def seen(request: Any) -> None:
        if request.method == "POST" and request.url.endswith("/v1/analyze"):
            bodies.append(json.loads(request.post_data or "{}"))

    page.on("request", seen)


@pytest.mark.parametrize(
    ("locale", "hint"),
    [("en-US", "did you mean 3 × 32 × 32?"), ("fr-FR", "vouliez-vous dire 3 × 32 × 32\u00a0?")],
)
def test_channels_last_hint_sets_the_input(browse: Browse, locale: str, hint: str) -> None:
    page = browse.open(None, locale=locale)
    bodies: list[dict[str, Any]] = []
    record_analyses(page, bodies)  # the server's own channels_last warning, nothing added
    page.goto(browse.base_url + "/")
    settle(page)
    page.select_option("#preset", "course_32x32")
    expect(page.locator("#table tfoot .total-params")).to_have_text("760")
    page.fill("#input-shape", "32 x 32 x 3")
    button = page.locator("#channels-last-fix")
    expect(button).to_have_text(hint)
    page.screenshot(path=str(Path(__file__).parent / "screenshots" / f"channels-last-{locale}.png"))
    button.click()
    expect(page.locator("#input-shape")).to_have_value("3 × 32 × 32")
    expect(page.locator("#table tfoot .total-params")).to_have_text("760")
    expect(button).to_have_count(0)
    assert bodies[-1]["input_shape"] == [3, 32, 32]


@pytest.mark.parametrize("name", ["resnet18", "googlenet"])
@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize(("width", "height"), [(390, 844), (1366, 900)])
def test_graph_screenshots(
    browse: Browse, screenshot_dir: Path, name: str, locale: str, width: int, height: int
) -> None:
    page = open_preset(browse, name, locale=locale, width=width, height=height)
    picture = page.locator("#picture")
    wrap = page.locator("#picture .svg-wrap")
    # The graph opens on its input, in view across, inside the page's width.
    box = wrap.bounding_box()
    node = page.locator("#net .g-node[data-node='input']").bounding_box()
    assert box is not None
    assert node is not None
    assert box["x"] <= node["x"]
    assert node["x"] + node["width"] <= box["x"] + box["width"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Text never shrinks below 85 % of its size: a phone scrolls the graph instead.
    scale = page.evaluate(
        "(() => { const s = document.getElementById('net');"
        " return s.getBoundingClientRect().width / s.viewBox.baseVal.width; })()"
    )
    assert scale >= 0.85
    lang = locale[:2]
    # The page as it opens first (an element's screenshot scrolls to it), then the picture.
    page.screenshot(path=str(screenshot_dir / f"graph-{name}-{width}-{lang}-page.png"))
    picture.screenshot(path=str(screenshot_dir / f"graph-{name}-{width}-{lang}.png"))


@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
def test_a_phone_reaches_the_picture_from_the_results(browse: Browse, locale: str) -> None:
    # ResNet-18 has 69 rows: on one column the picture comes right after the results (the
    # editor last), and the results' heading links to it.
    page = open_preset(browse, "resnet18", locale=locale, width=390, height=844)
    results = page.locator("#results").bounding_box()
    picture = page.locator("#picture").bounding_box()
    editor = page.locator("#editor").bounding_box()
    assert results is not None
    assert picture is not None
    assert editor is not None
    assert results["y"] < picture["y"] < editor["y"]
    link = page.locator("#results .to-picture")
    expect(link).to_have_text("Picture ↓" if locale == "en-US" else "Schéma ↓")
    assert page.evaluate("window.scrollY") == 0
    link.click()
    expect(page.locator("#picture-title")).to_be_in_viewport()
