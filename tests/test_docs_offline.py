"""/docs and /redoc load nothing from another host: not in their HTML, nor by themselves."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.api.docs import ASSETS, REDOC_REMOTE_LOGO
from app.settings import Settings

URL = re.compile(r"https?://[^\s\"'<>)]+")
REFERENCE = re.compile(r"""(?:src|href)=["']([^"']+)["']""")


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(create_app(Settings()))


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_page_names_no_other_host_and_every_asset_it_loads_is_served(
    client: TestClient, page: str
) -> None:
    html = client.get(page)
    assert html.status_code == 200
    foreign = [u for u in URL.findall(html.text) if urlsplit(u).netloc != "testserver"]
    assert foreign == []
    references = REFERENCE.findall(html.text)
    assert references  # the page does load its scripts and styles
    for reference in references:
        url = urljoin(f"http://testserver{page}", reference)
        assert urlsplit(url).netloc == "testserver", reference
        assert client.get(url).status_code == 200, reference


def test_the_redoc_bundle_served_has_no_remote_logo(client: TestClient) -> None:
    packaged = (ASSETS / "redoc.standalone.js").read_bytes()
    assert b'src:"https://cdn.redoc.ly/redoc/logo-mini.svg"' in packaged  # what is replaced
    served = client.get("/docs-assets/redoc.standalone.js")
    assert served.status_code == 200
    assert served.headers["content-type"].startswith("text/javascript")
    assert REDOC_REMOTE_LOGO not in served.content
    assert b'src:"data:,"' in served.content
    assert re.findall(rb'src:"https?://', served.content) == []


def test_swagger_ui_shows_no_remote_validator_badge(client: TestClient) -> None:
    init = client.get("/docs-assets/swagger-init.js").text
    assert "validatorUrl: null" in init
