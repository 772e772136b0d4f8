"""Errors raised by the calculation core.

The tree::

    CnnCalcError (ValueError)
     ├── FieldError     a rule rejects one field of one layer (no index yet)
     ├── LayerError     the same, with the layer's index and type attached by analyze()
     ├── LimitError     a configured bound is exceeded (layer count, a size, an element count)
     ├── StackError     the request as a whole is wrong (input shape, an empty stack)
     └── GraphError     a graph's wiring is wrong (an unknown id, a duplicate, an empty block)

Rules raise ``FieldError`` where the field is known; the ``analyze()`` loop, which knows the
layer's index and type, turns it into a ``LayerError``, whose message reads
``layer 3 (maxpool2d): kernel 5 is larger than the padded input 4``. Every error keeps its
parts as attributes so that the HTTP layer can build a problem+json ``loc`` without parsing
the message, and its message as a code with parameters (``app.core.messages.Msg``), so that
it is said in English (``str(error)``) or French (``error.text("fr")``) alike. Catch
``CnnCalcError`` for all of them, or ``ValueError``.
"""

from __future__ import annotations

from enum import StrEnum, unique
from typing import Any

from app.core.messages import Msg, render


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
    SINGLE_SPATIAL = "single_spatial_element"
    LIMIT = "limit_exceeded"
    UNSUPPORTED = "unsupported"
    NOT_DIVISIBLE = "not_divisible"
    ARGUMENTS = "conflicting_arguments"
    INPUT_SHAPE = "invalid_input_shape"
    UNKNOWN_INPUT = "unknown_input"
    DUPLICATE_ID = "duplicate_id"
    RESERVED_ID = "reserved_id"
    INPUT_COUNT = "wrong_input_count"
    BROADCAST = "shapes_do_not_broadcast"
    CONCAT_SIZES = "sizes_do_not_match"
    EMPTY_BLOCK = "empty_block"


class CnnCalcError(ValueError):
    """Base of every error the core raises; also a ``ValueError``.

    Attributes:
        msg: the message, as a code with parameters (a ``problem+json`` entry's ``msg``).
        whole: the whole sentence, the message in its context (``str()`` in English).
        message: ``msg`` in English.
    """

    def __init__(self, msg: Msg, whole: Msg | None = None) -> None:
        self.msg = msg
        self.whole = whole or msg
        self.message = render(msg)
        super().__init__(render(self.whole))

    def text(self, lang: str = "en") -> str:
        """The whole sentence in ``lang``."""
        return render(self.whole, lang)

    def message_in(self, lang: str = "en") -> str:
        """The message alone in ``lang``."""
        return render(self.msg, lang)


class FieldError(CnnCalcError):
    """One field of one layer is rejected.

    Args:
        field: the PyTorch name of the field at fault (``kernel_size``), or ``None`` when the
            incoming tensor itself is at fault.
        msg: a sentence a student understands, in PyTorch's wording where it has one.
        code: the stable code of the rejection.
        axis: the spatial axis concerned, when the rule is per axis.
    """

    def __init__(
        self, field: str | None, msg: Msg, code: ErrorCode, *, axis: int | None = None
    ) -> None:
        super().__init__(msg)
        self.field = field
        self.code = code
        self.axis = axis
        self.params = dict(msg.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild_field_error, (self.field, self.msg, self.code, self.axis))


def _rebuild_field_error(
    field: str | None, msg: Msg, code: ErrorCode, axis: int | None
) -> FieldError:
    return FieldError(field, msg, code, axis=axis)


class LayerError(CnnCalcError):
    """A ``FieldError`` placed in its stack: ``layer 3 (maxpool2d): <message>``.

    In a graph, ``index`` counts the layers once blocks are expanded; ``name`` says where the
    layer sits (``layer 5 (conv2d, stage1.0.1): …``) and ``loc`` is its place in the request
    (``("layers", 2, "layers", 1)``) when that is not ``("layers", index)``.
    """

    def __init__(
        self,
        index: int,
        layer_type: str,
        error: FieldError,
        *,
        name: str | None = None,
        loc: tuple[str | int, ...] | None = None,
    ) -> None:
        if name is None:
            whole = Msg("layer_error", {"index": index, "type": layer_type, "message": error.msg})
        else:
            whole = Msg(
                "layer_error_named",
                {"index": index, "type": layer_type, "name": name, "message": error.msg},
            )
        super().__init__(error.msg, whole)
        self.index = index
        self.layer_type = layer_type
        self.field = error.field
        self.code = error.code
        self.axis = error.axis
        self.params = error.params
        self.name = name
        self.loc = ("layers", index) if loc is None else loc

    def __reduce__(self) -> tuple[Any, ...]:
        error = FieldError(self.field, self.msg, self.code, axis=self.axis)
        return (_rebuild_layer_error, (self.index, self.layer_type, self.name, self.loc, error))


def _rebuild_layer_error(
    index: int,
    layer_type: str,
    name: str | None,
    loc: tuple[str | int, ...],
    error: FieldError,
) -> LayerError:
    return LayerError(index, layer_type, error, name=name, loc=loc)


class LimitError(CnnCalcError):
    """A configured bound is exceeded.

    Args:
        loc: where, as a path below the request (``("layers", 3, "kernel_size")``).
        msg: what bound and what value.
    """

    def __init__(self, loc: tuple[str | int, ...], msg: Msg) -> None:
        super().__init__(msg)
        self.loc = loc
        self.code = ErrorCode.LIMIT

    def __reduce__(self) -> tuple[Any, ...]:
        return (LimitError, (self.loc, self.msg))


class StackError(CnnCalcError):
    """The request as a whole is wrong (an input shape of the wrong rank, say)."""

    def __init__(self, loc: tuple[str | int, ...], msg: Msg, code: ErrorCode) -> None:
        super().__init__(msg)
        self.loc = loc
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (StackError, (self.loc, self.msg, self.code))


class GraphError(CnnCalcError):
    """The wiring of a graph is wrong, at ``loc`` below the request.

    Args:
        loc: where (``("layers", 4, "inputs", 1)``, ``("layers", 2, "layers", 0, "id")``).
        msg: what is wrong, naming the id at fault.
        code: the stable code of the rejection.
    """

    def __init__(self, loc: tuple[str | int, ...], msg: Msg, code: ErrorCode) -> None:
        super().__init__(msg)
        self.loc = loc
        self.code = code

    def __reduce__(self) -> tuple[Any, ...]:
        return (GraphError, (self.loc, self.msg, self.code))
