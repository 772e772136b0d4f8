"""Errors raised by the calculation core.

The tree::

    CnnCalcError (ValueError)
     ├── FieldError     a rule rejects one field of one layer (no index yet)
     ├── LayerError     the same, with the layer's index and type attached by analyze()
     ├── LimitError     a configured bound is exceeded (layer count, a size, an element count)
     └── StackError     the request as a whole is wrong (input shape, an empty stack)

Rules raise ``FieldError`` where the field is known; the ``analyze()`` loop, which knows the
layer's index and type, turns it into a ``LayerError``, whose message reads
``layer 3 (maxpool2d): kernel 5 is larger than the padded input 4``. Every error keeps its
parts as attributes so that the HTTP layer can build a problem+json ``loc`` without parsing
the message. Catch ``CnnCalcError`` for all of them, or ``ValueError``.
"""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Any


@unique
class ErrorCode(StrEnum):
    """Stable machine-readable codes of rejections (the ``type`` of each problem entry)."""

    __slots__ = ()

    KERNEL_TOO_LARGE = "kernel_too_large"
    OUTPUT_TOO_SMALL = "output_too_small"
    NON_POSITIVE = "non_positive"
    NEGATIVE = "negative"
    PADDING_TOO_LARGE = "padding_too_large"
    SAME_WITH_STRIDE = "same_padding_with_stride"
    GROUPS = "groups_mismatch"
    CHANNELS = "channels_mismatch"
    FEATURES = "features_mismatch"
    RANK = "wrong_rank"
    AXES = "wrong_axis_count"
    OUTPUT_PADDING = "output_padding_too_large"
    PADDING_MODE = "padding_mode_unsupported"
    DIM_RANGE = "dimension_out_of_range"
    INEXACT = "inexact_division"
    LIMIT = "limit_exceeded"
    UNSUPPORTED = "unsupported"
    INPUT_SHAPE = "invalid_input_shape"


class CnnCalcError(ValueError):
    """Base of every error the core raises; also a ``ValueError``."""


class FieldError(CnnCalcError):
    """One field of one layer is rejected.

    Args:
        field: the PyTorch name of the field at fault (``kernel_size``), or ``None`` when the
            incoming tensor itself is at fault.
        message: a sentence a student understands, in PyTorch's wording where it has one.
        code: the stable code of the rejection.
        axis: the spatial axis concerned, when the rule is per axis.
        params: the numbers the message was built from, for translated messages.
    """

    def __init__(
        self,
        field: str | None,
        message: str,
        code: ErrorCode,
        *,
        axis: int | None = None,
        params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code
        self.axis = axis
        self.params = params or {}

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_field_error, (self.field, self.message, self.code, self.axis, self.params))


def _rebuild_field_error(
    field: str | None, message: str, code: ErrorCode, axis: int | None, params: dict[str, Any]
) -> FieldError:
    return FieldError(field, message, code, axis=axis, params=params)


class LayerError(CnnCalcError):
    """A ``FieldError`` placed in its stack: ``layer 3 (maxpool2d): <message>``."""

    def __init__(self, index: int, layer_type: str, error: FieldError) -> None:
        super().__init__(f"layer {index} ({layer_type}): {error.message}")
        self.index = index
        self.layer_type = layer_type
        self.field = error.field
        self.message = error.message
        self.code = error.code
        self.axis = error.axis
        self.params = error.params

    def __reduce__(self) -> tuple[Any, ...]:
        error = FieldError(self.field, self.message, self.code, axis=self.axis, params=self.params)
        return (LayerError, (self.index, self.layer_type, error))


class LimitError(CnnCalcError):
    """A configured bound is exceeded.

    Args:
        loc: where, as a path below the request (``("layers", 3, "kernel_size")``).
        message: what bound and what value.
    """

    def __init__(self, loc: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.code = ErrorCode.LIMIT


class StackError(CnnCalcError):
    """The request as a whole is wrong (an input shape of the wrong rank, say)."""

    def __init__(self, loc: tuple[str | int, ...], message: str, code: ErrorCode) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.code = code
