"""The torch cross-check, as data. ``torch_backend`` is the only module that imports torch.

``verification`` of an analysis is one of:

- ``passed``: torch built and ran every layer and agrees on every compared field;
- ``failed``: ``mismatches`` lists each disagreement (or torch and cnncalc disagree on
  whether the stack is valid, with torch's own message);
- ``unavailable``: torch is not installed (``reason`` says how to install it) or the check
  was refused (``reason`` says why); still a 200.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum, unique
from typing import Any

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
    compared: list[str] = field(default_factory=list)
    """Fields compared: ``valid`` and ``output_shape`` … ``macs`` on every layer both sides
    built; ``receptive_field.size`` (``.jump``, ``.start``, ``.padding``) on at least one
    layer, each ``receptive_field`` entry listing its own. Empty when nothing was compared."""


def torch_available() -> bool:
    """Whether torch can be imported, without importing it."""
    from importlib.util import find_spec

    return find_spec("torch") is not None
