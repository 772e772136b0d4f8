"""Shared fixtures: hypothesis profiles, the torch requirement switch, a node-building fuse."""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

import app.core.graph

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=10_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

NODE_FUSE = 100
"""The most graph nodes a test under ``node_fuse`` may build."""


@pytest.fixture
def node_fuse(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fail at once when more than ``NODE_FUSE`` graph nodes are built.

    Returns the count built so far (a one-item list). A body whose expansion is refused
    before it is built builds none; one that expanded first would trip the fuse instead of
    running for ever.
    """
    built = [0]
    make = app.core.graph.Node

    def counted(*args: Any, **kwargs: Any) -> Any:
        built[0] += 1
        if built[0] > NODE_FUSE:
            raise AssertionError(f"more than {NODE_FUSE} nodes were built")
        return make(*args, **kwargs)

    monkeypatch.setattr(app.core.graph, "Node", counted)
    return built
