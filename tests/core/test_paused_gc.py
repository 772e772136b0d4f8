"""``analyze()`` holds the cyclic collector while it works and always gives it back."""

from __future__ import annotations

import gc
from typing import Any

import pytest

from app.core import analysis as analysis_module
from app.core import analyze
from app.core.errors import LayerError


def test_the_collector_is_held_during_the_analysis_and_resumed_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[bool] = []
    check_input = analysis_module.check_input

    def noting_check_input(*args: Any) -> tuple[int, ...]:
        seen.append(gc.isenabled())
        return check_input(*args)

    monkeypatch.setattr(analysis_module, "check_input", noting_check_input)
    assert gc.isenabled()
    analysis = analyze([3, 8, 8], [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}])
    assert analysis.output_shape == [4, 6, 6]
    assert seen == [False]
    assert gc.isenabled()
    with pytest.raises(LayerError):
        analyze([3, 2, 2], [{"type": "conv2d", "out_channels": 4, "kernel_size": 3}])
    assert gc.isenabled()


def test_a_collector_switched_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        analyze([3, 8, 8], [{"type": "relu"}])
        assert not gc.isenabled()
    finally:
        gc.enable()
