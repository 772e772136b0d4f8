"""The text view of a graph: a preset written in the block notation, read back by the server.

Expected totals are torchvision's published parameter counts; the console, exceptions,
failed requests and CSP violations are checked empty by the ``browse`` fixture.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.web.conftest import Browse

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(
    ("preset", "total", "block"),
    [("resnet18", "11,689,512", "Residual("), ("googlenet", "6,624,904", "Parallel(")],
)
def test_a_preset_in_the_text_view_reads_back(
    browse: Browse, preset: str, total: str, block: str
) -> None:
    page = browse.open("/")
    page.select_option("#preset", preset)
    expect(page.locator("#table tfoot .total-params")).to_have_text(total)
    names = page.locator("#table .layer-name").all_inner_texts()
    page.click("#tab-text")
    text = page.locator("#stack-text")
    expect(text).to_have_value(re.compile(re.escape(block)))
    written = text.input_value()
    assert "[object Object]" not in written
    assert "null" not in written
    # Sent as text, the page's own writing gives the same network, names included.
    text.fill(written + "\n")
    expect(page.locator("#stack-text-error")).to_be_empty()
    expect(page.locator("#table tfoot .total-params")).to_have_text(total)
    assert page.locator("#table .layer-name").all_inner_texts() == names
