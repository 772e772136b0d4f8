"""The torch cross-check, as data. ``torch_backend`` is the only module that imports torch.

``verification`` of an analysis is one of:

- ``passed``: torch built and ran every layer and agrees on every compared field;
- ``failed``: ``mismatches`` lists each disagreement (or torch and cnncalc disagree on
  whether the stack is valid, with torch's own message);
- ``unavailable``: torch is not installed here, or the check was refused or could not run;
  ``reason`` says why in words a student can read (``reason_code`` and ``reason_params`` are
  the message of ``app.core.messages``, which ``in_lang`` renders in French). How to install
  torch is the administrator's business: ``docs/verify.md``; ``INSTALL_HINT`` is for the
  administrator's own tools (``cnncalc selfcheck``), never for a student.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum, unique
from typing import Any

from app.core.messages import Msg, render

INSTALL_HINT = "pip install 'cnncalc[torch]'  (or: pip install torch==2.13.0)"


@unique
class VerificationStatus(StrEnum):
    """Outcome of the torch cross-check."""

    __slots__ = ()

    PASSED = "passed"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One field of one layer on which cnncalc and torch disagree."""

    layer: int | None
    field: str
    calculated: Any
    torch: Any


@dataclass(frozen=True, slots=True)
class Verification:
    """The result of running the stack in torch."""

    status: VerificationStatus
    engine: str | None = None
    mismatches: list[Mismatch] = field(default_factory=list)
    reason: str | None = None
    torch_error: str | None = None
    elapsed_ms: float | None = None
    receptive_field: list[dict[str, Any]] | None = None
    reason_code: str | None = None
    """The code of ``reason`` in the catalogues (``torch_missing``, ``verify_timeout`` …)."""
    reason_params: dict[str, Any] = field(default_factory=dict)
    """The values ``reason`` fills in (numbers, or torch's own words)."""
    compared: list[str] = field(default_factory=list)
    """Fields compared: ``valid`` and ``output_shape`` … ``macs`` on every layer both sides
    built; ``receptive_field.size`` (``.jump``, ``.start``, ``.padding``) on at least one
    layer, each ``receptive_field`` entry listing its own. Empty when nothing was compared."""


def unavailable(code: str, engine: str | None = None, **params: Any) -> Verification:
    """An ``unavailable`` check whose reason is the message ``code``, said in English."""
    return Verification(
        VerificationStatus.UNAVAILABLE,
        engine=engine,
        reason=render(Msg(code, params), "en"),
        reason_code=code,
        reason_params=params,
    )


def in_lang(verification: Verification, lang: str) -> Verification:
    """The check with its ``reason`` said in ``lang``, from its code (else as it is)."""
    if verification.reason_code is None:
        return verification
    reason = render(Msg(verification.reason_code, verification.reason_params), lang)
    return replace(verification, reason=reason)


def torch_available() -> bool:
    """Whether torch can be imported, without importing it."""
    from importlib.util import find_spec

    return find_spec("torch") is not None
