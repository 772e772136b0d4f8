"""Random fields for a layer kind: the toolkit each kind's ``random_fields`` draws with.

A kind's random case gives plausible fields for an incoming shape, and sometimes wrong ones,
so that the differential check (``app.verify.stacks``) exercises both sides' rejections.
The choices come from a ``Chooser``: a seeded ``random.Random`` for ``cnncalc selfcheck``,
hypothesis's data in the tests (so that failures shrink). Pure: no randomness here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

T = TypeVar("T")


class Chooser(Protocol):
    """A source of choices: integers in a closed range."""

    def integer(self, low: int, high: int) -> int:
        """An int in ``[low, high]``."""
        ...


def pick(c: Chooser, options: Sequence[T]) -> T:
    """One of ``options``."""
    return options[c.integer(0, len(options) - 1)]


def chance(c: Chooser, percent: int) -> bool:
    """True ``percent`` times in a hundred."""
    return c.integer(1, 100) <= percent


def axes_value(c: Chooser, d: int, low: int, high: int) -> int | list[int]:
    """An int, or one int per axis (sometimes a wrong count of them)."""
    if d <= 1 or chance(c, 60):
        return c.integer(low, high)
    count = d if chance(c, 90) else pick(c, [n for n in (1, 2, 3, 4) if n != d])
    return [c.integer(low, high) for _ in range(count)]


def spatial_dims(x: tuple[int, ...]) -> int:
    """Spatial axes of a ``C × spatial…`` tensor (at least 1, so that a vector gets a case)."""
    return max(len(x) - 1, 1)


__all__ = ["Chooser", "axes_value", "chance", "pick", "spatial_dims"]
