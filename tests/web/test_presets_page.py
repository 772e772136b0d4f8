"""The branching presets on the page: listed (in French too), analysed, ids and inputs shown.

Expected totals are torchvision's published parameter counts; the console, exceptions,
failed requests and CSP violations are checked empty by the ``browse`` fixture.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Browse

pytestmark = pytest.mark.browser


def row(page: Any, layer: int) -> Any:
    return page.locator(f"#table tbody tr[data-layer='{layer}']")


def test_open_resnet18_sees_its_totals_and_wiring(browse: Browse) -> None:
    page = browse.open("/")
    options = page.locator("#preset option")
    expect(options.filter(has_text="ResNet-18 as torchvision builds it")).to_have_count(1)
    page.select_option("#preset", "resnet18")
    expect(page.locator("#table tfoot .total-params")).to_have_text("11,689,512")
    expect(page.locator("#input-shape")).to_have_value(re.compile(r"3\s*×\s*224\s*×\s*224"))
    # The first block's add: its dotted name and the two outputs it adds.
    add = row(page, 9).locator("th.c-layer")
    expect(add).to_contain_text("Add")
    expect(add.locator(".layer-name")).to_have_text("4.0.0")
    expect(add.locator(".layer-inputs")).to_have_text("← 4.0.0.4, 3")
    # A convolution inside a block is labelled from what the server read, not by position.
    conv = row(page, 7).locator("th.c-layer")
    expect(conv).to_contain_text(re.compile(r"Conv2d.*K=3"))
    expect(conv.locator(".layer-name")).to_have_text("4.0.0.3")
    shortcut = row(page, 23).locator("th.c-layer")
    expect(shortcut).to_contain_text(re.compile(r"Conv2d.*K=1.*S=2"))
    expect(shortcut.locator(".layer-name")).to_have_text("5.0.shortcut.0")
    # A chain's rows carry no wiring.
    page.select_option("#preset", "lenet5_course")
    expect(page.locator("#table tfoot .total-params")).to_have_text("1,256,080")
    expect(page.locator("#table .layer-wiring")).to_have_count(0)


@pytest.mark.parametrize(
    ("name", "total"),
    [("densenet121", "7\u202f978\u202f856"), ("efficientnet_b0", "5\u202f288\u202f548")],
)
def test_presets_in_french(browse: Browse, name: str, total: str) -> None:
    page = browse.open("/", locale="fr-FR")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    title = page.locator(f"#preset option[value='{name}']")
    expect(title).to_contain_text("tel que torchvision le construit")
    expect(page.locator("#preset option[value='vgg16']")).to_contain_text(
        "VGG-16 tel que torchvision le construit"
    )
    page.select_option("#preset", name)
    expect(page.locator("#table tfoot .total-params")).to_have_text(total)
    expect(page.locator("#problem")).to_be_hidden()


def test_unet_shows_its_skip_ids(browse: Browse) -> None:
    page = browse.open("/")
    page.select_option("#preset", "unet")
    expect(page.locator("#table tfoot .total-params")).to_have_text("31,037,698")
    inputs = page.locator("#table .layer-inputs")
    expect(inputs.filter(has_text="enc4")).to_have_count(1)
    expect(inputs.filter(has_text="← enc1, up4")).to_have_count(1)
