"""The input's shape as people write it: channels last, or as text (``32 × 32 × 3``).

PyTorch reads a tensor channels first (``C × H × W``); Keras, images on disk and many courses
write it channels last (``H × W × C``). Read as PyTorch would, ``32 × 32 × 3`` is 32 channels
of 32 × 3 pixels, and every answer after it is wrong without an error. Two tools:

- ``input_format`` says how a shape is written: ``CHW`` (PyTorch's, the default) or ``HWC``
  for images, ``CL`` / ``LC`` for sequences, ``CDHW`` / ``DHWC`` for volumes.
  ``channels_first`` gives the shape PyTorch reads; the analysis always runs on it.
- When no ``input_format`` is given, ``channels_last_hint`` says when a shape looks written
  channels last, and ``input_warnings`` turns it into a warning coded ``channels_last``
  whose parameters are ``shape`` (as given) and ``suggested`` (channels first).

The rule of the hint (``looks_channels_last``), for a shape of 3 or 4 axes: the last axis
is a channel count of an image (1 grey, 3 RGB, 4 RGBA), and the two axes before it are
image sizes: each at least 8 and within a factor 2 of the other (``32 × 32``, ``224 × 224``,
``480 × 640``). A shape written channels first then has 8 or more channels of an image 1 to
4 pixels wide, which no network takes as its input. ``[3, 32, 32]``, ``[1, 28, 28]``,
``[64, 56, 56]``, ``[3, 224, 224]`` get no hint; sequences (``C × L``) never do: ``[50, 300]``
may be 50 channels of 300 steps or the reverse. Giving ``input_format`` (even ``CHW``) says
the layout is meant, and silences the hint.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum, unique
from typing import Final

from app.core.analysis import LayerWarning
from app.core.messages import render, warning_message

CHANNELS_LAST: Final = "channels_last"
"""The code of the warning on a shape that looks written channels last."""

IMAGE_CHANNELS: Final = frozenset({1, 3, 4})
"""Channel counts of an image: grey, RGB, RGBA."""
MIN_SIDE: Final = 8
"""The smallest height or width the hint takes for an image's."""
MAX_ASPECT: Final = 2
"""The most that one of the two sizes may exceed the other by, as a factor."""


@unique
class InputFormat(StrEnum):
    """How ``input_shape`` is written: where its channels axis is (the batch is never in it)."""

    __slots__ = ()

    CL = "CL"
    LC = "LC"
    CHW = "CHW"
    HWC = "HWC"
    CDHW = "CDHW"
    DHWC = "DHWC"

    @property
    def channels_last(self) -> bool:
        """The channels axis is the last one."""
        return self.value.endswith("C")

    @property
    def rank(self) -> int:
        """The number of axes the format names."""
        return len(self.value)

    @classmethod
    def for_rank(cls, rank: int) -> tuple[InputFormat, ...]:
        """The formats of a shape of ``rank`` axes (none for a bare ``[F]``)."""
        return tuple(f for f in cls if f.rank == rank)


def channels_first(shape: Sequence[int], input_format: InputFormat | str | None) -> list[int]:
    """``shape`` channels first, as PyTorch reads it: ``[32, 32, 3]`` HWC -> ``[3, 32, 32]``.

    A channels-first format, or none, keeps the shape. The caller has checked that the format
    names as many axes as the shape has (``format_fits``).
    """
    if input_format is not None and InputFormat(input_format).channels_last and shape:
        return [shape[-1], *shape[:-1]]
    return list(shape)


def format_fits(shape: Sequence[int], input_format: InputFormat | str) -> bool:
    """Whether ``input_format`` names as many axes as ``shape`` has."""
    return InputFormat(input_format).rank == len(shape)


def looks_channels_last(shape: Sequence[int]) -> bool:
    """Whether a shape given without ``input_format`` looks written channels last.

    ``C × H × W`` or ``C × D × H × W`` whose last axis is 1, 3 or 4 and whose two axes before
    it are each at least ``MIN_SIDE`` and within a factor ``MAX_ASPECT`` of each other (the
    module's docstring says why).
    """
    if len(shape) not in (3, 4) or shape[-1] not in IMAGE_CHANNELS:
        return False
    h, w = shape[-3], shape[-2]
    return min(h, w) >= MIN_SIDE and max(h, w) <= MAX_ASPECT * min(h, w)


def channels_last_hint(shape: Sequence[int]) -> list[int] | None:
    """The channels-first shape a channels-last-looking ``shape`` stands for, else ``None``."""
    return [shape[-1], *shape[:-1]] if looks_channels_last(shape) else None


def input_warnings(
    shape: Sequence[int], input_format: InputFormat | str | None = None, lang: str = "en"
) -> list[LayerWarning]:
    """The warnings about how ``shape`` is written (none once ``input_format`` is given).

    A ``channels_last`` warning (``layer`` ``None``) with ``params`` ``{"shape": [32, 32, 3],
    "suggested": [3, 32, 32]}`` and its message in ``lang``.
    """
    if input_format is not None:
        return []
    suggested = channels_last_hint(shape)
    if suggested is None:
        return []
    params = {"shape": list(shape), "suggested": suggested}
    message = render(warning_message(CHANNELS_LAST, params), lang)
    return [LayerWarning(None, CHANNELS_LAST, message, params)]


SHAPE_TEXT: Final = re.compile(
    r"\s*[\[(]?\s*(\d{1,9}(?:\s*[×xX*,]\s*\d{1,9}|\s+\d{1,9}){0,7})\s*[\])]?\s*"
)
"""A shape as text: up to 8 sizes separated by ``×``, ``x``, ``*``, commas or spaces,
perhaps in brackets (``32 × 32 × 3``, ``32x32x3``, ``(3, 32, 32)``)."""
MAX_SHAPE_TEXT: Final = 120
"""The longest text read as a shape."""


def read_shape(text: str) -> list[int] | None:
    """The sizes of a shape written as text, or ``None`` when it is not one."""
    if len(text) > MAX_SHAPE_TEXT:
        return None
    match = SHAPE_TEXT.fullmatch(text)
    if match is None:
        return None
    return [int(n) for n in re.findall(r"\d+", match.group(1))]


__all__ = [
    "CHANNELS_LAST",
    "InputFormat",
    "channels_first",
    "channels_last_hint",
    "format_fits",
    "input_warnings",
    "looks_channels_last",
    "read_shape",
]
