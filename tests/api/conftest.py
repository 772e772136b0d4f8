"""A client factory: each test builds the app with the settings it needs."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.settings import Settings

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def client_factory() -> ClientFactory:
    def make(**overrides: object) -> TestClient:
        return TestClient(create_app(Settings(**overrides)), raise_server_exceptions=False)  # type: ignore[arg-type]

    return make


@pytest.fixture
def client(client_factory: ClientFactory) -> TestClient:
    return client_factory()
