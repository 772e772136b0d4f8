"""The torch switch: skip without torch, unless ``CNNCALC_REQUIRE_TORCH=1`` makes it fail."""

from __future__ import annotations

import importlib.util
import os
import warnings
from types import ModuleType

import pytest


def require_torch() -> ModuleType:
    """``torch``, or a skip (a failure when ``CNNCALC_REQUIRE_TORCH=1``)."""
    if importlib.util.find_spec("torch") is None and os.environ.get("CNNCALC_REQUIRE_TORCH") == "1":
        pytest.fail("torch is required (CNNCALC_REQUIRE_TORCH=1) but is not installed")
    with warnings.catch_warnings():
        # torch's CPU wheel warns once when NumPy is absent; that is not the code under test.
        warnings.filterwarnings("ignore", message=".*NumPy.*", category=UserWarning)
        torch: ModuleType = pytest.importorskip("torch")
    return torch
