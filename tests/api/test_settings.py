"""Settings: the core's Limits held once, every field read from CNNCALC_* variables."""

from __future__ import annotations

from dataclasses import fields

import pytest

from app.core import Limits
from app.settings import Settings


def test_settings_hold_the_cores_limits_with_their_defaults() -> None:
    settings = Settings()
    assert settings.limits == Limits()
    assert settings.limits.max_layers == 2048
    assert settings.limits.max_dim == 2**24
    assert not {f.name for f in fields(Limits)} & {f.name for f in fields(Settings)}


def test_from_env_reads_limits_and_settings_by_their_own_names() -> None:
    settings = Settings.from_env(
        {
            "CNNCALC_MAX_LAYERS": "100",
            "CNNCALC_MAX_ELEMENTS": "4096",
            "CNNCALC_MAX_BODY_BYTES": "5000",
            "CNNCALC_WORK_TIMEOUT_S": "2.5",
            "CNNCALC_ACCESS_LOG": "off",
            "CNNCALC_CORS_ORIGINS": "https://a.example, https://b.example",
            "CNNCALC_LIMITS": "ignored: not a value",
        }
    )
    assert settings.limits == Limits(max_layers=100, max_elements=4096)
    assert settings.max_body_bytes == 5000
    assert settings.work_timeout_s == 2.5
    assert settings.access_log is False
    assert settings.cors_origins == ("https://a.example", "https://b.example")


def test_from_env_refuses_a_value_that_is_not_a_number() -> None:
    with pytest.raises(ValueError, match="invalid literal"):
        Settings.from_env({"CNNCALC_MAX_DIM": "lots"})
