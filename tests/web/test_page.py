"""The page at ``GET /``, driven in Debian's chromium against the real app.

Every test ends with the page free of console errors, uncaught exceptions, failed requests
and Content-Security-Policy violations (checked by the ``browse`` fixture). Expected numbers
come from ``app.core.analyze`` (itself checked against torch) or from the course's table.
Screenshots of the main states go to ``tests/web/screenshots/``.
"""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.core import analyze
from app.core.examples import EXAMPLES
from tests.torch_util import require_torch
from tests.web.conftest import Browse, settle

pytestmark = pytest.mark.browser

LENET = EXAMPLES["lenet5_course"]


def cell(page: Any, layer: int, column: str) -> Any:
    return page.locator(f"#table tbody tr[data-layer='{layer}'] td.c-{column}")


def field_error(page: Any, field_id: str) -> Any:
    """The error slot beside a row's field."""
    return page.locator(f".field:has(#{field_id}) .field-error")


def expect_shape(locator: Any, shape: Sequence[int]) -> None:
    pattern = r"\s*[×x]\s*".join(str(n) for n in shape)
    expect(locator).to_have_text(re.compile(rf"^\s*{pattern}\b"))


def lenet_with(**changes: Any) -> list[dict[str, Any]]:
    """The course's LeNet-5, with fields of layer 0 changed."""
    layers = [dict(layer) for layer in LENET["layers"]]
    layers[0].update(changes)
    return layers


def test_home_shows_the_course_lenet5(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    expect(page.locator("#table thead")).to_contain_text("Output size")
    expect_shape(cell(page, 0, "output"), [20, 28, 28])
    expect_shape(cell(page, 0, "weight"), [20, 1, 5, 5])
    expect(page.locator("#table tfoot .total-params")).to_have_text("1,256,080")
    # The course's table, row by row (output size, weight size).
    expected = analyze(LENET["input_shape"], LENET["layers"])
    for report in expected.layers:
        expect_shape(cell(page, report.index, "output"), report.output_shape)
        if report.weight_shape:
            expect_shape(cell(page, report.index, "weight"), report.weight_shape)
    # The picture: one block per tensor that changes shape, the input's field highlighted.
    expect(page.locator("#net .block")).to_have_count(8)
    expect(page.locator("#net .rf-field")).to_have_count(1)
    expect(page.locator("#rf-caption")).to_contain_text("16 × 16")
    page.screenshot(path=str(screenshot_dir / "01-lenet5-home.png"), full_page=True)


def test_served_under_a_strict_policy_and_small(base_url: str) -> None:
    with urllib.request.urlopen(base_url + "/") as response:
        policy = response.headers["content-security-policy"]
        html = response.read().decode()
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "<script>" not in html
    assert "style=" not in html
    assert "<style" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")
    assert "https://" not in html
    total = len(html.encode())
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        with urllib.request.urlopen(base_url + asset) as response:
            total += len(response.read())
    assert total < 120_000, f"the page weighs {total} bytes"


def test_pick_a_preset(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    page.select_option("#preset", "course_32x32")
    expect_shape(cell(page, 0, "output"), [10, 32, 32])
    expect(page.locator("#table tfoot .total-params")).to_have_text("760")
    expect(page.locator("#input-shape")).to_have_value(re.compile(r"3\s*×\s*32\s*×\s*32"))
    page.select_option("#preset", "vgg16")
    expect(page.locator("#table tfoot .total-params")).to_have_text("138,357,544")
    page.screenshot(path=str(screenshot_dir / "02-vgg16.png"), full_page=True)
    page.select_option("#preset", "text_cnn_1d")
    expected = analyze(EXAMPLES["text_cnn_1d"]["input_shape"], EXAMPLES["text_cnn_1d"]["layers"])
    expect(page.locator("#table tfoot .total-params")).to_have_text(f"{expected.total_params:,}")
    page.select_option("#preset", "lenet5_course")
    expect_shape(cell(page, 0, "output"), [20, 28, 28])
    expect_shape(cell(page, 0, "weight"), [20, 1, 5, 5])
    expect(page.locator("#table tfoot .total-params")).to_have_text("1,256,080")


def test_edit_a_field_updates_the_table(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    page.fill("#f-0-out_channels", "10")
    expected = analyze(LENET["input_shape"], lenet_with(C_out=10))
    expect(page.locator("#table tfoot .total-params")).to_have_text(f"{expected.total_params:,}")
    expect_shape(cell(page, 0, "weight"), [10, 1, 5, 5])
    expect(cell(page, 0, "params")).to_have_text(f"{expected.layers[0].params:,}")
    expect_shape(cell(page, 3, "weight"), expected.layers[3].weight_shape or [])
    # Stride 2 on the first convolution: every later size follows.
    page.fill("#f-0-stride", "2")
    expected = analyze(LENET["input_shape"], lenet_with(C_out=10, S=2))
    expect_shape(cell(page, 0, "output"), expected.layers[0].output_shape)
    expect(page.locator("#table tfoot .total-params")).to_have_text(f"{expected.total_params:,}")
    expect_shape(cell(page, 6, "output"), expected.layers[6].output_shape)
    page.screenshot(path=str(screenshot_dir / "03-edited.png"), full_page=True)


def test_bad_field_shows_its_error_on_the_field(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    kernel = page.locator("#f-2-kernel_size")
    kernel.fill("40")
    expect(kernel).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "f-2-kernel_size")).to_contain_text(
        "kernel 40 is larger than the padded input 28"
    )
    expect(page.locator("#problem")).to_be_visible()
    expect(page.locator("#problem")).to_contain_text("layer 2")
    # The last good table stays on screen, dimmed, instead of a blank page.
    expect(page.locator("#table")).to_have_class(re.compile(r"\bstale\b"))
    expect_shape(cell(page, 0, "output"), [20, 28, 28])
    page.screenshot(path=str(screenshot_dir / "04-error-on-field.png"), full_page=True)
    # A wrong type of value is named on its field too.
    page.fill("#f-2-kernel_size", "2")
    expect(kernel).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#problem")).to_be_hidden()
    page.fill("#f-3-out_channels", "many")
    expect(page.locator("#f-3-out_channels")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rows .row[data-index='3'] .field-error").first).to_contain_text("integer")
    # The input shape is checked on its own field, by the page and by the server.
    page.fill("#f-3-out_channels", "50")
    page.fill("#input-shape", "1 x twenty-eight")
    expect(page.locator("#input-shape")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#input-shape-error")).to_contain_text("1 x 28 x 28")
    page.fill("#input-shape", "0 x 28 x 28")
    expect(page.locator("#input-shape")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#input-shape-error")).to_contain_text("greater than or equal to 1")
    # A 1-D input for a 2-D convolution: the layer says what it expects.
    page.fill("#input-shape", "1 x 28")
    expect(page.locator("#rows .row[data-index='0'] .row-error")).to_contain_text("C×H×W")


def test_switch_language(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    page.select_option("#lang", "fr")
    head = page.locator("#table thead")
    expect(head).to_contain_text("Couche")
    expect(head).to_contain_text("Taille Sortie")
    expect(head).to_contain_text("Taille Poids")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("#table tbody tr.input-row")).to_contain_text("Entrée")
    total = page.locator("#table tfoot .total-params")
    expect(total).to_have_text(re.compile(r"^1\s256\s080$"))
    page.screenshot(path=str(screenshot_dir / "05-french.png"), full_page=True)
    page.select_option("#lang", "en")
    expect(head).to_contain_text("Output size")


def test_french_browser_starts_in_french(browse: Browse) -> None:
    page = browse.open("/", locale="fr-FR")
    expect(page.locator("#table thead")).to_contain_text("Taille Sortie")
    expect(page.locator("#lang")).to_have_value("fr")


def test_shared_link_restores_the_stack(browse: Browse) -> None:
    page = browse.open("/")
    page.fill("#f-0-out_channels", "6")
    page.fill("#f-3-out_channels", "16")
    page.select_option("#lang", "fr")
    expected = analyze(
        LENET["input_shape"],
        [
            {**layer, "C_out": {0: 6, 3: 16}[i]} if i in (0, 3) else layer
            for i, layer in enumerate(LENET["layers"])
        ],
    )
    total = f"{expected.total_params:,}".replace(",", " ")
    expect(page.locator("#table tfoot .total-params")).to_have_text(
        re.compile(r"^" + r"\s".join(total.split()) + "$")
    )
    link = page.url
    assert re.search(r"#s=[A-Za-z0-9_-]+$", link), link
    other = browse.open(None)
    other.goto(link)
    settle(other)
    expect(other.locator("#f-0-out_channels")).to_have_value("6")
    expect(other.locator("#f-3-out_channels")).to_have_value("16")
    expect(other.locator("#table thead")).to_contain_text("Couche")
    expect_shape(cell(other, 3, "weight"), [16, 6, 5, 5])
    expect(other.locator("#table tfoot .total-params")).to_have_text(
        re.compile(r"^" + r"\s".join(total.split()) + "$")
    )
    # Following the link from a page already open (only the fragment changes) works too.
    page.select_option("#preset", "course_7x7")
    expect(page.locator("#rows .row")).to_have_count(1)
    page.goto(link)
    expect(page.locator("#rows .row")).to_have_count(10)
    expect(page.locator("#f-3-out_channels")).to_have_value("16")
    expect_shape(cell(page, 3, "weight"), [16, 6, 5, 5])


def test_text_view_in_the_course_notation(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    page.click("#tab-text")
    text = page.locator("#stack-text")
    expect(text).to_have_value(re.compile(r"^Conv2d \(Cout=20, K=5, P=2, S=1\)\nReLU\n"))
    page.fill("#input-shape", "3 x 32 x 32")
    text.fill("Conv (Cout=10, K=5, P=2, S=1)\nReLU\nMaxPool(K=2, S=2)")
    expect(page.locator("#table tfoot .total-params")).to_have_text("760")
    expect_shape(cell(page, 0, "output"), [10, 32, 32])
    expect_shape(cell(page, 2, "output"), [10, 16, 16])
    page.screenshot(path=str(screenshot_dir / "06-text-view.png"), full_page=True)
    # The rows follow the text.
    page.click("#tab-rows")
    expect(page.locator("#rows .row")).to_have_count(3)
    expect(page.locator("#f-0-out_channels")).to_have_value("10")
    expect(page.locator("#f-2-kernel_size")).to_have_value("2")
    # A syntax error is reported under the text, with its line.
    page.click("#tab-text")
    text.fill("Conv (Cout=10, K=5\nReLU")
    expect(page.locator("#stack-text-error")).to_contain_text("line 1")
    expect(text).to_have_attribute("aria-invalid", "true")
    # A layer the tensor cannot take is named with its field.
    text.fill("Conv (Cout=10, K=5, P=2, S=1)\nMaxPool(K=64)")
    expect(page.locator("#stack-text-error")).to_contain_text("Layer 1 (kernel_size)")
    expect(page.locator("#stack-text-error")).to_contain_text("kernel 64 is larger")


def test_pasted_pytorch_printout(browse: Browse) -> None:
    page = browse.open("/")
    page.click("#tab-text")
    page.locator("#stack-text").fill(
        "Sequential(\n"
        "  (0): Conv2d(1, 20, kernel_size=(5, 5), stride=(1, 1), padding=(2, 2))\n"
        "  (1): ReLU()\n"
        "  (2): MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)\n"
        "  (3): Flatten(start_dim=1, end_dim=-1)\n"
        "  (4): Linear(in_features=3920, out_features=10, bias=True)\n"
        ")"
    )
    expected = analyze(
        [1, 28, 28],
        [
            {"type": "conv2d", "out_channels": 20, "kernel_size": 5, "padding": 2},
            {"type": "relu"},
            {"type": "maxpool2d", "kernel_size": 2},
            {"type": "flatten"},
            {"type": "linear", "out_features": 10},
        ],
    )
    expect(page.locator("#table tfoot .total-params")).to_have_text(f"{expected.total_params:,}")
    page.click("#tab-rows")
    expect(page.locator("#rows .row")).to_have_count(5)
    expect(page.locator("#type-4")).to_have_value("linear")


def test_rows_add_duplicate_reorder_remove(browse: Browse) -> None:
    page = browse.open("/")
    page.select_option("#preset", "course_7x7")
    expect(page.locator("#rows .row")).to_have_count(1)
    expect_shape(cell(page, 0, "output"), [1, 5, 5])
    page.click("#add-layer")
    expect(page.locator("#rows .row")).to_have_count(2)
    expect(page.locator("#type-1")).to_be_focused()
    page.select_option("#type-1", "maxpool2d")
    page.fill("#f-1-kernel_size", "2")
    expect_shape(cell(page, 1, "output"), [1, 2, 2])
    # Duplicate the pooling layer with the keyboard: 5 -> 2 -> 1.
    page.locator("#rows .row[data-index='1'] .tool").nth(2).focus()
    page.keyboard.press("Enter")
    expect(page.locator("#rows .row")).to_have_count(3)
    expect_shape(cell(page, 2, "output"), [1, 1, 1])
    # Move the first pooling layer to the top: 7 -> 3 -> 1, and the last pooling has
    # nothing left to pool, which its kernel field says.
    page.locator("#rows .row[data-index='1'] .tool").nth(0).click()
    expect(page.locator("#type-0")).to_have_value("maxpool2d")
    expect(page.locator("#type-1")).to_have_value("conv2d")
    expect(page.locator("#f-2-kernel_size")).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "f-2-kernel_size")).to_contain_text("larger than the padded input 1")
    # Remove it again.
    page.locator("#rows .row[data-index='0'] .tool").nth(3).click()
    expect(page.locator("#rows .row")).to_have_count(2)
    expect(page.locator("#type-0")).to_have_value("conv2d")
    expect_shape(cell(page, 1, "output"), [1, 2, 2])


def test_picture_receptive_field_follows_the_chosen_unit(
    browse: Browse, screenshot_dir: Path
) -> None:
    page = browse.open("/")
    page.select_option("#preset", "course_7x7")
    block = page.locator("#net .block[data-layer='0']")
    block.focus()
    page.keyboard.press("Enter")
    caption = page.locator("#rf-caption")
    expect(caption).to_contain_text("(2, 2)")
    expect(caption).to_contain_text("rows 2–4, columns 2–4")
    page.locator("#net .block[data-layer='0']").focus()
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowUp")
    expect(caption).to_contain_text("(1, 1)")
    expect(caption).to_contain_text("rows 1–3, columns 1–3")
    page.select_option("#preset", "lenet5_course")
    expect(caption).to_contain_text("16 × 16")
    page.locator("#net .block[data-layer='0']").click()
    expect(caption).to_contain_text("layer 1 (ReLU")
    expect(caption).to_contain_text("5 × 5")
    page.locator("#picture-title").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "07-picture.png"), full_page=True)


def test_check_with_pytorch(browse: Browse) -> None:
    require_torch()  # the button shows only where the server has torch
    page = browse.open("/")
    page.click("#verify")
    box = page.locator("#verification")
    expect(box).to_have_class(re.compile(r"\b(passed|unavailable)\b"), timeout=60_000)
    if "passed" in (box.get_attribute("class") or ""):
        expect(box).to_contain_text("PyTorch agrees")
    else:
        expect(box).to_contain_text("not available")
    # The verdict was about the stack as it was: an edit takes it away.
    page.fill("#f-0-out_channels", "8")
    expect(box).to_be_hidden()


def test_phone_width_has_no_page_scroll(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/", width=390, height=844, is_mobile=True, has_touch=True)
    expect(page.locator("#table tfoot .total-params")).to_have_text("1,256,080")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(screenshot_dir / "08-phone.png"), full_page=True)


def test_keyboard_reaches_the_editor_and_the_results(browse: Browse) -> None:
    page = browse.open("/")
    page.keyboard.press("Tab")
    expect(page.locator(".skip")).to_be_focused()
    # The tabs follow the ARIA pattern: one tab stop, arrows switch.
    page.locator("#input-shape").focus()
    page.keyboard.press("Tab")
    expect(page.locator("#tab-rows")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#tab-text")).to_be_focused()
    expect(page.locator("#view-text")).to_be_visible()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#view-rows")).to_be_visible()
    # Into the first row: its type, then C_out, typed without a mouse.
    page.keyboard.press("Tab")
    expect(page.locator("#type-0")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#f-0-out_channels")).to_be_focused()
    page.keyboard.press("Control+A")
    page.keyboard.type("10")
    expect_shape(cell(page, 0, "weight"), [10, 1, 5, 5])
    # A value of the table opens its worked formula from the keyboard.
    cell(page, 0, "params").locator("button").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#explain")).to_be_focused()
    expect(page.locator("#explain-steps")).to_contain_text("10 × (1 × 5 × 5 + 1) = 260")
    labelled = page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea, button')]
            .filter((el) => !el.closest('[hidden]'))
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                            && !(el.tagName === 'BUTTON' && el.textContent.trim()))
            .map((el) => el.outerHTML.slice(0, 80))"""
    )
    assert labelled == []


def test_click_a_cell_for_its_worked_formula(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    button = cell(page, 0, "output").locator("button")
    button.click()
    panel = page.locator("#explain")
    expect(panel).to_be_visible()
    expect(panel).to_be_focused()
    expect(page.locator("#explain-title")).to_contain_text("Layer 0")
    steps = page.locator("#explain-steps")
    expect(steps).to_contain_text("(28 - 5 + 2×2) / 1 + 1 = 28")
    # Every step is listed; the output size's own steps stand out.
    expect(steps.locator("li.match")).to_have_count(2)
    expect(steps.locator("li.match").first).to_contain_text("Output size")
    expect(steps.locator("li:not(.match)").first).to_contain_text("Weight tensor")
    page.screenshot(path=str(screenshot_dir / "09-worked-formula.png"), full_page=True)
    # It follows an edit of the layer.
    page.fill("#f-0-padding", "0")
    expect(steps).to_contain_text("(28 - 5 + 2×0) / 1 + 1 = 24")
    expect(page.locator("#f-0-padding")).to_be_focused()
    page.fill("#f-0-padding", "2")
    expect(steps).to_contain_text("(28 - 5 + 2×2) / 1 + 1 = 28")
    button = cell(page, 0, "output").locator("button")
    button.click()
    # Escape closes it and gives the keyboard back to the cell.
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(button).to_be_focused()
    # In French, the course's words.
    page.select_option("#lang", "fr")
    cell(page, 3, "params").locator("button").click()
    expect(page.locator("#explain-title")).to_contain_text("Couche 3")
    expect(steps).to_contain_text("50 × (20 × 5 × 5 + 1) = 25\u202f050")
    expect(steps.locator("li.match").last).to_contain_text("Nombre de paramètres")
    cell(page, 5, "rf").locator("button").click()
    expect(steps.locator("li.match").first).to_contain_text("Champ réceptif")


def test_export_to_pytorch_and_copy(browse: Browse) -> None:
    page = browse.open("/", permissions=["clipboard-read", "clipboard-write"])
    page.click("#export")
    code = page.locator("#export-code")
    expect(code).to_contain_text("model = nn.Sequential(")
    expect(code).to_contain_text("nn.Linear(in_features=2450, out_features=500)")
    expect(page.locator("#copy-code")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#toast")).to_contain_text("Copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == code.text_content()
    compile(copied, "exported.py", "exec")
    page.click("#share")
    expect(page.locator("#toast")).to_contain_text("Link copied")
    assert page.evaluate("navigator.clipboard.readText()") == page.url


def test_homework_mode_grades_answers(browse: Browse, screenshot_dir: Path) -> None:
    page = browse.open("/")
    page.check("#homework")
    # The answers are hidden: the table asks instead of telling.
    expect(page.locator("#answer-0-output_shape")).to_be_visible()
    expect(page.locator("#table tbody")).not_to_contain_text("20 × 28 × 28")
    expect(page.locator("#totals")).to_be_hidden()
    expect(page.locator("#status")).not_to_contain_text("1,256,080")
    page.fill("#answer-0-output_shape", "20 x 28 x 28")
    page.fill("#answer-0-weight_shape", "20x1x5x5")
    page.fill("#answer-0-params", "500")
    page.fill("#answer-7-weight_shape", "2450 x 500")
    page.fill("#answer-total-total_params", "1 256 080")
    page.click("#grade")
    expect(page.locator("#score")).to_have_text("Score: 4 / 5")
    expect(page.locator("#answer-0-output_shape")).to_have_class(re.compile(r"\bok\b"))
    wrong = page.locator("#answer-0-params")
    expect(wrong).to_have_class(re.compile(r"\bbad\b"))
    expect(wrong).to_have_attribute("aria-invalid", "true")
    # The course writes a linear weight in × out: right, with PyTorch's order noted.
    expect(page.locator("#answer-7-weight_shape")).to_have_class(re.compile(r"\bok\b"))
    wrap = page.locator("#answer-0-params").locator("xpath=..")
    expect(wrap.locator(".note")).to_contain_text("bias")
    page.screenshot(path=str(screenshot_dir / "10-homework-graded.png"), full_page=True)
    wrap.locator("button.why").click()
    expect(page.locator("#explain-steps")).to_contain_text("20 × (1 × 5 × 5 + 1) = 520")
    # Showing the answers fills the table in.
    page.click("#reveal")
    expect(page.locator("#table tbody")).to_contain_text("20 × 28 × 28")
    expect(page.locator("#totals")).to_be_visible()


def test_warnings_sit_on_their_row_and_strict_makes_them_errors(
    browse: Browse, screenshot_dir: Path
) -> None:
    page = browse.open("/")
    page.select_option("#preset", "course_7x7_stride2")
    expect_shape(cell(page, 0, "output"), [1, 3, 3])
    expect(page.locator("#table tbody tr.warning-row")).to_have_count(0)
    page.fill("#input-shape", "1 x 8 x 8")
    warning = page.locator("#table tbody tr[data-layer='0'] + tr.warning-row")
    expect(warning).to_contain_text("the last input row is never read")
    expect(page.locator("#table tbody tr[data-layer='0']")).to_have_class("warned")
    page.screenshot(path=str(screenshot_dir / "11-warning.png"), full_page=True)
    page.check("#strict")
    stride = page.locator("#f-0-stride")
    expect(stride).to_have_attribute("aria-invalid", "true")
    expect(field_error(page, "f-0-stride")).to_contain_text("does not divide")


def test_text_written_from_the_rows_reads_back_the_same(browse: Browse) -> None:
    """Every preset, turned into text by the page and parsed by the server: same answer."""
    page = browse.open("/")
    page.click("#tab-text")
    total = page.locator("#table tfoot .total-params")
    for name, example in EXAMPLES.items():
        expected = analyze(example["input_shape"], example["layers"])
        page.select_option("#preset", name)
        expect(total).to_have_text(f"{expected.total_params:,}")
        text = page.locator("#stack-text")
        expect(text).not_to_be_empty()
        written = text.input_value()
        sent = written + "\n"
        # The answer to the text itself: a late answer to the preset's rows may still come
        # (two presets in a row can have the same total, which the wait above cannot tell).
        with page.expect_response(partial(_analyses, layers=sent)) as answer:
            text.fill(sent)  # the text, not the rows, is now what the server reads
        response = answer.value
        assert response.request.post_data_json["layers"] == sent
        assert response.status == 200, response.text()
        assert response.json()["total_params"] == expected.total_params
        assert response.json()["output_shape"] == list(expected.output_shape)
        expect(page.locator("#preset")).to_have_value("")
        expect(page.locator("#problem")).to_be_hidden()


def _analyses(response: Any, layers: str) -> bool:
    """Whether ``response`` answers ``POST /v1/analyze`` for the text ``layers``."""
    if not response.url.endswith("/v1/analyze"):
        return False
    body = response.request.post_data_json
    return isinstance(body, dict) and body.get("layers") == layers
