"""The page's number rules (``app/web/i18n.js``) write exactly what the server's do.

``formatInt`` and ``formatBytes`` run in chromium; ``app.core.messages.numbers`` in Python.
"""

from __future__ import annotations

import pytest

from app.core.messages import format_bytes, format_int
from tests.web.conftest import Browse

pytestmark = pytest.mark.browser

INTS = [0, 7, 999, 1000, 61706, 1225500, 1256080, -1234567, 2**40]
BYTES = [0, 512, 1023, 1024, 1536, 104857, 247200, 1310720, 104857599, 5 * 2**30, 3 * 2**40]

FORMAT_IN_PAGE = """async ([ints, bytes]) => {
  const m = await import("/static/i18n.js");
  const out = {};
  for (const lang of ["en", "fr"]) {
    out[lang] = {
      ints: ints.map((n) => m.formatInt(n, lang)),
      bytes: bytes.map((n) => m.formatBytes(n, lang)),
      exact: bytes.map((n) => m.formatBytes(n, lang, true)),
    };
  }
  return out;
}"""


def test_the_page_and_the_server_write_numbers_alike(browse: Browse) -> None:
    page = browse.open("/")
    written = page.evaluate(FORMAT_IN_PAGE, [INTS, BYTES])
    for lang in ("en", "fr"):
        assert written[lang]["ints"] == [format_int(n, lang) for n in INTS]
        assert written[lang]["bytes"] == [format_bytes(n, lang) for n in BYTES]
        assert written[lang]["exact"] == [format_bytes(n, lang, exact=True) for n in BYTES]
    assert written["fr"]["ints"][5] == "1\u202f225\u202f500"
    assert written["fr"]["bytes"][4] == "1,5 Kio"
    assert written["en"]["bytes"][7] == "1.3 MiB"
