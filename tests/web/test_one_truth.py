"""The page rebuilds its rows, labels and link from the server's reading; phones first.

Screenshots of each size and language go to ``$CNNCALC_PAGE_SHOTS`` (``/tmp/page-shots`` by
default), to be looked at.
"""

from __future__ import annotations

import base64
import json
import os
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.core import analyze
from tests.api.test_understood import COURSE_TABLE
from tests.torch_util import require_torch
from tests.web.conftest import Browse

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("CNNCALC_PAGE_SHOTS", "/tmp/page-shots"))
SIZES = {"phone": (390, 844), "laptop": (1366, 900)}
LOCALES = {"fr": "fr-FR", "en": "en-US"}


def open_at(browse: Browse, size: str, lang: str, path: str = "/") -> Any:
    width, height = SIZES[size]
    phone = size == "phone"
    return browse.open(
        path, locale=LOCALES[lang], width=width, height=height, is_mobile=phone, has_touch=phone
    )


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def cell(page: Any, layer: int, column: str) -> Any:
    return page.locator(f"#table tbody tr[data-layer='{layer}'] .c-{column}")


def number(value: int, lang: str) -> re.Pattern[str]:
    """``1,256,080`` in English, ``1 256 080`` (narrow spaces) in French."""
    groups = f"{value:,}".split(",")
    return re.compile("^" + ("," if lang == "en" else r"\s").join(groups) + "$")


def link_state(url: str) -> dict[str, Any]:
    """The page's state from its address: base64url JSON after ``#s=``."""
    encoded = url.split("#s=", 1)[1]
    data: dict[str, Any] = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    return data


def open_editor(page: Any) -> None:
    """On a phone the editor is folded below the results: unfold it."""
    toggle = page.locator("#editor-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") == "false":
        toggle.click()
    expect(page.locator("#editor-body")).to_be_visible()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_paste_the_table_switch_to_rows_and_edit(browse: Browse, size: str, lang: str) -> None:
    page = open_at(browse, size, lang)
    # Start from another network, so that stale rows would show.
    page.select_option("#preset", "course_7x7")
    expect(page.locator("#table tbody tr[data-layer]")).to_have_count(1)
    open_editor(page)
    page.click("#tab-text")
    page.locator("#stack-text").fill(COURSE_TABLE)
    page.fill("#input-shape", "1 x 28 x 28")
    total = page.locator("#table tfoot .total-params")
    expect(total).to_have_text(number(1_256_080, lang))
    # The label of layer 3 is what the server read: 50 channels, not the previous network's.
    expect(cell(page, 3, "layer")).to_contain_text("Cout=50, K=5, P=2, S=1")
    expect(cell(page, 0, "layer")).to_contain_text("Cout=20")
    page.click("#tab-rows")
    expect(page.locator("#rows .row")).to_have_count(10)
    expect(page.locator("#rows-note")).to_be_empty()
    expect(page.locator("#f-0-out_channels")).to_have_value("20")
    expect(page.locator("#f-3-out_channels")).to_have_value("50")
    expect(page.locator("#type-7")).to_have_value("linear")
    expect(page.locator("#f-7-out_features")).to_have_value("500")
    # Edit one row: the pasted network is edited, not dropped.
    page.fill("#f-0-out_channels", "10")
    expected = analyze([1, 28, 28], COURSE_TABLE.replace("Cout=20", "Cout=10"))
    assert expected.total_params != 1_256_080
    expect(total).to_have_text(number(expected.total_params, lang))
    expect(cell(page, 0, "layer")).to_contain_text("Cout=10, K=5, P=2, S=1")
    expect(cell(page, 3, "weight")).to_contain_text("50 × 10 × 5 × 5")
    expect(page.locator("#rows .row")).to_have_count(10)
    for report in expected.layers:
        expect(cell(page, report.index, "output")).to_contain_text(
            " × ".join(map(str, report.output_shape))
        )
    # The link says the same network.
    page.wait_for_function("() => location.hash.length > 3")
    state = link_state(page.url)
    assert "t" not in state
    assert state["i"] == [1, 28, 28]
    assert [layer["type"] for layer in state["l"]] == [r.type for r in expected.layers]
    assert state["l"][0]["out_channels"] == 10
    assert state["l"][3]["out_channels"] == 50
    assert state["l"][7] == {"type": "linear", "out_features": 500, "in_features": 2450}
    # The text written back from the rows reads as the same network.
    page.click("#tab-text")
    written = page.locator("#stack-text").input_value()
    assert analyze([1, 28, 28], written).total_params == expected.total_params
    assert "Conv (Cout=10, K=5, P=2, S=1)" in written


def test_an_unreadable_text_never_passes_for_the_rows(browse: Browse) -> None:
    page = browse.open("/")
    page.click("#tab-text")
    page.locator("#stack-text").fill("Conv (Cout=8, K=3, P=1, S=1)\nReLU")
    expect(cell(page, 0, "layer")).to_contain_text("Cout=8, K=3, P=1, S=1")
    page.locator("#stack-text").fill("Conv (Cout=8, K=3, P=1, S=1)\nReLU\nMaxPool(K=")
    expect(page.locator("#stack-text-error")).not_to_be_empty()
    page.click("#tab-rows")
    # The rows are the last network read, and say so.
    expect(page.locator("#rows .row")).to_have_count(2)
    expect(page.locator("#rows-note")).to_contain_text("last network read")
    expect(page.locator("#f-0-out_channels")).to_have_value("8")


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_results_first_on_a_phone_and_screenshots(browse: Browse, size: str, lang: str) -> None:
    page = open_at(browse, size, lang)
    width, height = SIZES[size]
    expect(page.locator("#table tfoot .total-params")).to_have_text(number(1_256_080, lang))
    first = page.locator("#table tbody tr[data-layer='0']").bounding_box()
    homework = page.locator("#homework").bounding_box()
    table = page.locator("#table").bounding_box()
    assert first
    assert homework
    assert table
    # The results' first row and the homework switch are on the first screen.
    assert first["y"] + first["height"] <= height, first
    assert homework["y"] < table["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The picture opens on the input, where the receptive field is drawn.
    wrap = page.locator(".svg-wrap")
    assert wrap.evaluate("(node) => node.scrollLeft") == 0
    expect(page.locator("#net .rf-field")).to_have_count(1)
    shot(page, f"{size}-{lang}")
    if size == "phone":
        # The editor is folded away below the results, and opens with one click.
        expect(page.locator("#editor-body")).to_be_hidden()
        editor = page.locator("#editor").bounding_box()
        assert editor
        assert editor["y"] > table["y"]
        expect(page.locator("#editor-toggle")).to_have_attribute("aria-expanded", "false")
        expect(page.locator("#editor-toggle")).to_contain_text("10")
        # Every value is reachable: the table scrolls, says so, and the layer column stays.
        expect(page.locator("#scroll-hint")).to_be_visible()
        expect(page.locator("#table-box")).to_have_class(re.compile(r"\bmore-right\b"))
        layer_x = cell(page, 3, "layer").bounding_box()
        page.locator("#table-wrap").evaluate("(node) => { node.scrollLeft = node.scrollWidth; }")
        expect(page.locator("#table-box")).not_to_have_class(re.compile(r"\bmore-right\b"))
        memory = cell(page, 3, "memory").bounding_box()
        assert layer_x
        assert memory
        assert memory["x"] + memory["width"] <= width
        assert cell(page, 3, "layer").bounding_box() == layer_x
        shot(page, f"{size}-{lang}-scrolled")
        page.click("#editor-toggle")
        expect(page.locator("#editor-body")).to_be_visible()
        expect(page.locator("#f-0-out_channels")).to_have_value("20")
    else:
        # Every column shows at 1366 px, French included, without a cue to scroll.
        expect(page.locator("#editor-body")).to_be_visible()
        expect(page.locator("#editor-toggle")).to_be_hidden()
        head = page.locator("#table thead th.c-memory").bounding_box()
        box = page.locator("#table-wrap").bounding_box()
        assert head
        assert box
        assert head["x"] + head["width"] <= box["x"] + box["width"] + 0.5
        expect(page.locator("#scroll-hint")).to_be_hidden()


@pytest.mark.parametrize("lang", ["fr", "en"])
@pytest.mark.parametrize("size", ["phone", "laptop"])
def test_an_invalid_network_greys_what_it_no_longer_is(
    browse: Browse, size: str, lang: str
) -> None:
    page = open_at(browse, size, lang)
    open_editor(page)
    kernel = page.locator("#f-2-kernel_size")
    kernel.click()
    kernel.press("End")
    kernel.press("Backspace")
    # "4" on its way to "40": computed, but not settled while the field is being typed in.
    kernel.type("4")
    expect(cell(page, 2, "layer")).to_contain_text("K=4")
    kernel.type("0")
    expect(kernel).to_have_attribute("aria-invalid", "true")
    for box in ("#table", "#totals", "#picture"):
        expect(page.locator(box)).to_have_class(re.compile(r"\bstale\b"))
    opacity = page.locator("#totals").evaluate("(node) => getComputedStyle(node).opacity")
    assert float(opacity) < 0.6
    # The greyed table is the network the student had chosen (K=2), labels and numbers alike.
    expect(cell(page, 2, "layer")).to_contain_text("K=2, S=2")
    expect(cell(page, 2, "output")).to_contain_text("20 × 14 × 14")
    expect(page.locator("#problem")).to_contain_text(
        "dernier réseau" if lang == "fr" else "last network"
    )
    shot(page, f"{size}-{lang}-invalid")
    kernel.fill("2")
    expect(page.locator("#totals")).not_to_have_class(re.compile(r"\bstale\b"))
    expect(page.locator("#table")).not_to_have_class(re.compile(r"\bstale\b"))


def test_new_network_keeps_the_input(browse: Browse) -> None:
    page = browse.open("/")
    page.select_option("#preset", "course_32x32")
    expect(page.locator("#rows .row")).to_have_count(1)
    page.click("#new-network")
    expect(page.locator("#rows .row")).to_have_count(0)
    expect(page.locator("#input-shape")).to_have_value(re.compile(r"3\s*×\s*32\s*×\s*32"))
    expect(page.locator("#table tbody tr[data-layer]")).to_have_count(0)
    expect(page.locator("#status")).to_have_text("Add a layer to start.")
    expect(page.locator("#add-layer")).to_be_focused()
    page.click("#add-layer")
    expect(cell(page, 0, "output")).to_contain_text("16 × 32 × 32")
    assert len(link_state(page.url)["l"]) == 1


def test_verify_only_when_the_server_can(browse: Browse, base_url: str) -> None:
    require_torch()  # the button shows only where the server has torch
    page = browse.open("/")
    expect(page.locator("#verify")).to_be_visible()  # torch is installed for the tests
    other = browse.open(None)

    def no_torch(route: Any) -> None:
        health = route.fetch().json()
        route.fulfill(json={**health, "torch": None, "verify": False})

    other.route(f"{base_url}/healthz", no_torch)
    other.goto(base_url + "/")
    expect(other.locator("#table tfoot .total-params")).to_have_text("1,256,080")
    expect(other.locator("#verify")).to_be_hidden()
    expect(other.locator("#export")).to_be_visible()


def test_why_only_on_wrong_answers(browse: Browse) -> None:
    page = browse.open("/")
    page.check("#homework")
    page.fill("#answer-0-output_shape", "20 x 28 x 28")
    page.fill("#answer-0-params", "500")
    page.click("#grade")
    expect(page.locator("#score")).to_have_text("Score: 1 / 2")
    right = page.locator("#answer-0-output_shape").locator("xpath=..")
    wrong = page.locator("#answer-0-params").locator("xpath=..")
    expect(right.locator(".mark.ok")).to_be_visible()
    expect(right.locator("button.why")).to_have_count(0)
    expect(wrong.locator("button.why")).to_have_count(1)
    # Asked for: once the answers are shown, each is a button to its worked formula.
    page.click("#reveal")
    right.locator("button.revealed").click()
    expect(page.locator("#explain-steps")).to_contain_text("(28 - 5 + 2×2) / 1 + 1 = 28")
