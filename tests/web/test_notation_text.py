"""The page's writer of the notation (``app/web/notation.js``) on graphs, run in the browser.

Each preset's layers as the server read them are written by ``formatText`` in the page, the
text is sent back to ``POST /v1/analyze``, and the answer must be the same network: totals
(torchvision's published parameter counts) and every layer's name, inputs and parameters.
The console, exceptions, failed requests and CSP violations are checked empty by ``browse``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.conftest import Browse

pytestmark = pytest.mark.browser

ROUND_TRIP = """async (name) => {
  const { useCatalogue } = await import("/static/kinds.js");
  const { formatText } = await import("/static/notation.js");
  useCatalogue(await (await fetch("/v1/layers")).json());
  const example = (await (await fetch("/v1/examples")).json())[name];
  const post = async (layers) => (await fetch("/v1/analyze", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ input_shape: example.input_shape, layers }),
  })).json();
  const first = await post(example.layers);
  const text = formatText(first.layers_as_understood);
  const again = await post(text);
  const wiring = (a) => (a.layers || []).map((l) => [l.id, l.inputs, l.params]);
  return { text, total: again.total_params, before: wiring(first), after: wiring(again) };
}"""


@pytest.mark.parametrize(
    ("preset", "total", "block"),
    [
        ("resnet18", 11_689_512, "Residual("),
        ("googlenet", 6_624_904, "Parallel("),
        ("efficientnet_b0", 5_288_548, "Mul (se_gate, dw)"),
        ("lenet5_course", 1_256_080, "Conv2d (Cout=20, K=5, P=2, S=1)\nReLU\n"),
    ],
)
def test_the_pages_writer_reads_back_as_the_same_network(
    browse: Browse, preset: str, total: int, block: str
) -> None:
    page = browse.open("/")
    result: dict[str, Any] = page.evaluate(ROUND_TRIP, preset)
    text = result["text"]
    assert block in text
    assert "[object Object]" not in text
    assert "null" not in text
    assert "padding_mode" not in text  # fields equal to their default are left out
    assert result["total"] == total
    assert result["after"] == result["before"]
