"""What every layer kind shares: the spec base class, its registry, and a layer's answer.

A layer kind is one pydantic class holding its ``type`` tags, its fields (PyTorch's names and
defaults, the course's aliases), its PyTorch class name and its ``infer()`` rule. Subclasses
that declare their own ``type`` are registered when the class is created; family bases,
which declare no ``type``, are not. ``infer()`` is a pure function of the incoming tensor
description, so a graph of layers can reuse it unchanged.

Results (``Step``, ``Window``, ``Note`` here, the reports of ``analysis``) are slotted
dataclasses that nothing mutates once built. They are not ``frozen``: a frozen dataclass's
``__init__`` sets each field through ``object.__setattr__`` and costs about five times as
much, and several are built for every layer of every request.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum, unique
from fractions import Fraction
from itertools import islice
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Final,
    Literal,
    Union,
    get_args,
    get_origin,
)

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    Strict,
    StringConstraints,
    ValidationError,
)
from pydantic_core import (
    CoreSchema,
    ErrorDetails,
    InitErrorDetails,
    PydanticCustomError,
    core_schema,
)
from pydantic_core.core_schema import ErrorType

from app.core.errors import ErrorCode, FieldError
from app.core.layers.cases import Chooser
from app.core.layers.worked import Worked
from app.core.messages import Msg, msg, render
from app.core.shapes import AxisGeometry, AxisOutput, Shape

Int = Annotated[int, Strict()]
"""An integer that refuses ``"3"``, ``true`` and ``3.0``."""
Bool = Annotated[bool, Strict()]
"""A boolean that refuses ``"true"`` and ``1``."""


def _list_or_tuple(schema: CoreSchema) -> CoreSchema:
    """``schema`` (a tuple) that, from Python, takes only a list or a tuple.

    A lax tuple would also take a set, a generator or a dict's keys; JSON has only arrays.
    """
    sequence = core_schema.is_instance_schema((list, tuple), cls_repr="list or tuple")
    guarded = core_schema.chain_schema([sequence, schema])
    return core_schema.json_or_python_schema(json_schema=schema, python_schema=guarded)


@dataclass(frozen=True, slots=True)
class StopAtFirst:
    """A list or tuple that stops at its first bad item (pydantic's ``fail_fast``).

    pydantic's own ``FailFast`` cannot be hashed, so it cannot annotate a member of a union.
    A list of thousands of bad values then costs one error, not thousands.
    """

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        if schema["type"] not in ("list", "tuple"):
            raise TypeError(f"StopAtFirst annotates a list or a tuple, not {source}")
        return {**schema, "fail_fast": True}


FAIL_FAST = StopAtFirst()


@dataclass(frozen=True, slots=True)
class _PerAxis:
    """The schema of ``axes_of``: a left-to-right union labelled ``int``, ``tuple``, ``str``.

    Tried in order without a Python call: a scalar fails the tuple at once and a list the
    scalar. When every member fails, ``one_error_per_field`` keeps the errors of the member
    the value's own type asks for, so a wrong value still gets one clear error.
    """

    item: Any
    items: Any
    names: Any

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        choices: list[CoreSchema | tuple[CoreSchema, str]] = [
            (handler.generate_schema(self.item), "int"),
            (_list_or_tuple(handler.generate_schema(Annotated[self.items, FAIL_FAST])), "tuple"),
        ]
        if self.names is not None:
            choices.append((handler.generate_schema(self.names), "str"))
        return core_schema.union_schema(choices, mode="left_to_right")


def axes_of(item: Any, names: Any = None) -> Any:
    """One ``item`` for every spatial axis, or a list of one per axis (or one of ``names``)."""
    items = tuple[item, ...]
    members = (item, items) if names is None else (item, items, names)
    return Annotated[Union[members], _PerAxis(item, items, names)]  # noqa: UP007


Pos = Annotated[int, Field(strict=True, ge=1)]
"""A whole number of at least 1 (``"3"``, ``true`` and ``3.0`` are refused)."""
NonNeg = Annotated[int, Field(strict=True, ge=0)]
"""A whole number of at least 0."""
if TYPE_CHECKING:
    PosAxes = int | tuple[int, ...]
    NonNegAxes = int | tuple[int, ...]
else:
    PosAxes = axes_of(Pos)
    NonNegAxes = axes_of(NonNeg)

Number = int | float | Fraction
"""Receptive-field arithmetic stays exact: ints; halves as floats (exact in binary); fractions
where a stride is fractional."""


def half(n: int) -> int | float:
    """``n / 2``: an int when it is one, else a float, which holds a half exactly.

    ``Fraction`` arithmetic would cost several times as much on every later layer's centre.
    """
    return n // 2 if n % 2 == 0 else n / 2


def ratio(a: int, b: int) -> Number:
    """``a / b`` exactly: an int when ``b`` divides ``a``, a ``Fraction`` otherwise."""
    return a // b if a % b == 0 else Fraction(a, b)


def alias(name: str, *others: str) -> Any:
    """A validation alias accepting PyTorch's ``name`` first, then the course's ``others``."""
    return AliasChoices(name, *others)


UNION_LABELS = frozenset({"int", "tuple", "str", "list", "text"})
"""Labels that the unions of per-axis values (``int``, ``tuple``, ``str``) and of a stack (a
``list`` of layers, or ``text``) add to an error's ``loc``."""

_WANTED: dict[type, tuple[str, ...]] = {
    str: ("str", "text"),
    list: ("tuple", "list"),
    tuple: ("tuple", "list"),
}
"""The union members that a value of each type asks for, before the default: a scalar
(``int``), or a ``list`` of layers."""


def _wanted(value: Any, labels: set[str]) -> str | None:
    for label in (*_WANTED.get(type(value), ()), "int", "list"):
        if label in labels:
            return label
    return None


def one_error_per_field(error: ValidationError) -> ValidationError:
    """``error`` keeping, for each failed union, only the errors of the member its value asks for.

    A union tried left to right reports every member when all fail: ``kernel_size: [3, 0]``
    is both "not an integer" and "item 1 is less than 1". As a discriminator would, the
    value's own type picks the member (a list: the tuple), but only once validation has
    failed, so a valid stack costs no Python call per field. A per-axis value of no
    accepted type (``"3"``, ``2.5``, ``true``) is told every form it may take.
    """
    errors = error.errors()
    labels: dict[tuple[Any, ...], set[str]] = {}
    values: dict[tuple[Any, ...], Any] = {}
    names: dict[tuple[Any, ...], str] = {}
    for entry in errors:
        loc = entry["loc"]
        for at, part in enumerate(loc):
            if part in UNION_LABELS:
                labels.setdefault(loc[:at], set()).add(str(part))
        if loc and loc[-1] in UNION_LABELS:  # the member refused the value itself
            values[loc[:-1]] = entry["input"]
            if loc[-1] == "str" and entry["type"] == "literal_error":
                names[loc[:-1]] = str(entry.get("ctx", {}).get("expected", ""))
    if not labels:
        return error
    wanted = {
        where: _wanted(values[where], found) if where in values else None
        for where, found in labels.items()
    }
    kept = [
        _per_axis_hint(entry, names) if entry["loc"][-1:] == ("int",) else _line(entry)
        for entry in errors
        if all(
            wanted[entry["loc"][:at]] in (None, part)
            for at, part in enumerate(entry["loc"])
            if part in UNION_LABELS
        )
    ]
    return ValidationError.from_exception_data(error.title, kept)


def _per_axis_hint(entry: ErrorDetails, names: dict[tuple[Any, ...], str]) -> InitErrorDetails:
    """A per-axis value that is no integer: the message lists every form it may take."""
    if entry["type"] != "int_type":
        return _line(entry)
    where = entry["loc"][:-1]
    forms = Msg("pydantic.int_type_axes", {"per_axis": True})
    if where in names:
        forms = Msg("pydantic.int_type_axes_or", {"per_axis": True, "names": names[where]})
    hint = PydanticCustomError("int_type", render(forms), dict(forms.params))
    return {"type": hint, "loc": entry["loc"], "input": entry["input"]}


_KNOWN_ERRORS = frozenset(get_args(ErrorType))


def _line(entry: ErrorDetails) -> InitErrorDetails:
    """An error as ``from_exception_data`` takes it back: its type, message and context."""
    ctx = entry.get("ctx")
    if entry["type"] in _KNOWN_ERRORS:
        line: InitErrorDetails = {
            "type": entry["type"],
            "loc": entry["loc"],
            "input": entry["input"],
        }
        if ctx is not None:
            line["ctx"] = ctx
        return line
    custom = PydanticCustomError(entry["type"], entry["msg"], ctx)
    return {"type": custom, "loc": entry["loc"], "input": entry["input"]}


MAX_ERRORS: Final = 50
"""The most errors a stack's validation collects past its first bad layer (the answer lists
as many): lists of layers and per-axis values fail fast, and later layers are validated one
by one only until this many errors are found, so 1 MiB of bad layers costs what one does."""


def with_later_errors(
    error: ValidationError, layers: Sequence[Any], validate: Callable[[Any], Any]
) -> ValidationError:
    """``error``, which stops at the first bad layer, with the errors of the layers after it.

    The list fails fast, so ``error`` holds one layer's errors (at most ``MAX_KEYS`` fields
    of the body, each failing fast too). Each later layer is then validated alone
    (``validate``) until ``MAX_ERRORS`` errors are gathered in all; its errors take the
    first one's place in the list (``loc`` prefix and index).
    """
    errors = error.errors()
    first = next(
        (
            (entry["loc"][:at], part)
            for entry in errors
            for at, part in enumerate(entry["loc"])
            if type(part) is int
        ),
        None,
    )
    if first is None:
        return error
    prefix, bad = first
    lines = [_line(entry) for entry in errors]
    found = sum(1 for entry in errors if entry["loc"][: len(prefix) + 1] == (*prefix, bad))
    for index in range(bad + 1, len(layers)):
        if found >= MAX_ERRORS:
            break
        try:
            validate(layers[index])
        except ValidationError as later:
            for entry in later.errors():
                entry["loc"] = (*prefix, index, *entry["loc"])
                lines.append(_line(entry))
            found += later.error_count()
    return ValidationError.from_exception_data(error.title, lines)


def is_lower(tag: Any) -> bool:
    """Whether a ``type`` needs no lowering: not a string, one without capitals, or not ASCII.

    Only ASCII is lowered: ``str.lower`` turns the Kelvin sign (U+212A) into ``k``, which would
    take ``leaKyrelu`` written with it for ``leakyrelu``; such a tag is refused as it is.
    """
    return type(tag) is not str or not tag.isascii() or tag.islower() or tag.lower() == tag


def lowered_types(layers: list[Any] | tuple[Any, ...]) -> list[Any] | tuple[Any, ...]:
    """``layers`` with each dict's ``type`` in lower case (``Conv2d`` -> ``conv2d``).

    A dict whose ``type`` is already in lower case is kept; any other is replaced by a copy,
    so the caller's dicts are never changed. ``layers`` itself is returned when nothing
    changes.
    """
    out: list[Any] | None = None
    for i, layer in enumerate(layers):
        if isinstance(layer, dict) and not is_lower(tag := layer.get("type")):
            if out is None:
                out = list(layers)
            out[i] = {**layer, "type": str(tag).lower()}
    return layers if out is None else out


@unique
class WarningCode(StrEnum):
    """Stable codes of the warnings a teacher would give."""

    __slots__ = ()

    UNREAD_INPUT = "unread_input"
    RF_EXCEEDS_INPUT = "receptive_field_exceeds_input"
    ASYMMETRIC_SAME = "asymmetric_same_padding"
    CEIL_EXTRA_WINDOW = "ceil_mode_partial_window"
    LINEAR_ON_LAST_AXIS = "linear_on_last_axis"
    UNEVEN_ADAPTIVE = "uneven_adaptive_windows"
    SINGLE_VALUE_NORM = "single_value_per_channel"
    IMPLICIT_DIM = "implicit_softmax_dim"
    NO_FEATURE_DROPOUT = "dropout_input_rank"
    KERNEL_MISSES_INPUT = "window_in_padding_only"
    UNUSED_NUM_FEATURES = "num_features_unused"
    SINGLE_SPATIAL_NORM = "single_spatial_element"
    UNUSED_OUTPUT = "unused_output"
    UNALIGNED_PATHS = "receptive_field_not_aligned"
    RF_AVERAGE = "receptive_field_average"


@unique
class Mistake(StrEnum):
    """Classic mistakes a wrong answer can be traced to."""

    __slots__ = ()

    FORGOT_BIAS = "forgot_bias"
    FORGOT_PADDING = "forgot_2p"
    PADDING_ONCE = "padding_once"
    FORGOT_FLOOR = "forgot_floor"
    ROUNDED_UP = "rounded_up"
    FORGOT_PLUS_ONE = "forgot_plus_one"
    STRIDE_DEFAULT = "pool_stride_default"
    INPUT_CHANNELS = "kept_input_channels"
    C_OUT_TWICE = "c_out_twice"
    FORGOT_C_OUT = "forgot_c_out"
    FORGOT_C_IN = "forgot_c_in"
    ONE_BIAS = "one_bias_only"
    COUNTED_BUFFERS = "counted_buffers"
    K_NOT_K_MINUS_1 = "k_instead_of_k_minus_1"
    FORGOT_ONE = "forgot_the_1"
    IGNORED_STRIDE = "ignored_stride"
    IGNORED_POOLING = "ignored_pooling"
    WRONG_ORDER = "wrong_order"
    UNREADABLE = "unreadable"
    # Branching networks: the merges' own (``Merge.size_candidates``, ``param_candidates``)
    # and the projection shortcut, found on the graph by ``app.core.grading``.
    CONCAT_NOT_SUMMED = "concat_not_summed"
    MERGE_PARAMS = "merge_counted_params"
    SHORTCUT_FORGOTTEN = "shortcut_forgotten"


def window_size_mistakes(
    geometry: tuple[AxisGeometry, ...],
    channels: int,
    *,
    ceil_mode: bool = False,
    default_stride: bool = False,
) -> dict[Mistake, tuple[Fraction, ...]]:
    """Output shapes that classic mistakes give for a sliding window, per axis recomputed.

    The padding forgotten or counted once, the floor forgotten or rounded up (unless
    ``ceil_mode``), the ``+ 1`` forgotten, and a pooling's stride taken as 1 when it
    defaults to the kernel (``default_stride``).
    """
    variants: dict[Mistake, list[Fraction]] = {m: [] for m in Mistake}
    for a in geometry:
        n, s, pl = a.size, a.stride, a.pad_left
        span = n + a.pad_left + a.pad_right - a.k_eff
        for mistake, pads in ((Mistake.FORGOT_PADDING, 0), (Mistake.PADDING_ONCE, pl)):
            alt = n + pads - a.k_eff
            variants[mistake].append(Fraction(alt // s + 1) if alt >= 0 else Fraction(-1))
        variants[Mistake.FORGOT_FLOOR].append(Fraction(span, s) + 1)
        if not ceil_mode:
            variants[Mistake.ROUNDED_UP].append(Fraction(-(-span // s) + 1))
        variants[Mistake.FORGOT_PLUS_ONE].append(Fraction(span // s))
        if default_stride:
            variants[Mistake.STRIDE_DEFAULT].append(Fraction(span + 1))
    return {
        mistake: (Fraction(channels), *sizes)
        for mistake, sizes in variants.items()
        if sizes and len(sizes) == len(geometry)
    }


@dataclass(frozen=True, slots=True)
class Candidate:
    """A value a classic mistake gives, and the note that names it (a code and its numbers).

    Attributes:
        mistake: the mistake.
        value: the shape (per axis) or the count the mistake gives.
        note: what to tell the student, rendered in the request's language.
    """

    mistake: Mistake
    value: tuple[Fraction, ...] | Fraction
    note: Msg


@dataclass(frozen=True, slots=True)
class TorchFunction:
    """How a merge runs in PyTorch over several inputs: a function of ``torch``.

    Attributes:
        name: the function, ``torch.add``.
        listed: it takes the inputs as one list (``torch.cat([a, b], dim=1)``); otherwise
            two at a time, folded from the left (``torch.add(torch.add(a, b), c)``).
        kwargs: its keyword arguments besides the inputs (``dim``).
    """

    name: str
    listed: bool = False
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class Note:
    """A warning raised by one layer's rule: its code and its numbers.

    Its message is made from both (``app.core.messages.warning_message``).
    """

    code: WarningCode
    params: dict[str, Any]


Reads = tuple[tuple[int, int, int], ...]
"""Per output phase, the input units read: ``(first, last, step)`` (``Window.phases``)."""


@dataclass(slots=True, unsafe_hash=True)  # a value: hashable, never mutated
class Window:
    """How one spatial axis of a layer maps its output units back onto its input.

    With the field ``(size, jump, start)`` of the incoming tensor measured on the network's
    input, the outgoing field is ``size + span × jump``, ``jump × stride``,
    ``start + offset × jump``. For a convolution or pooling, ``span = k_eff - 1``,
    ``stride = S`` and ``offset = (k_eff - 1) / 2 - P_left`` (Araujo et al., Distill 2019).

    ``phases`` says exactly which input units each output unit reads, when that changes from
    unit to unit (a fractional stride ``a / b``: upsampling, uneven adaptive pooling) or skips
    some (dilation): output ``o = q b + r`` reads the input units ``q a + first``,
    ``q a + first + step``, … up to ``q a + last``, where ``(first, last, step) = phases[r]``
    (``first > last``: it reads none). ``None`` for a whole stride and no gap: every unit
    reads ``first = offset - span / 2`` to ``first + span``.
    """

    span: Number
    stride: Number
    offset: Number
    phases: Reads | None = None
    plain: bool = field(init=False, compare=False, repr=False)
    """No ``Fraction`` among the three (the receptive field's fast path)."""

    def __post_init__(self) -> None:
        self.plain = Fraction not in (type(self.span), type(self.stride), type(self.offset))


IDENTITY = Window(0, 1, 0)

MAX_PHASE_WORK: Final = 1024
"""The most steps a kind spends listing a window's ``phases`` (a transposed convolution's
``S × K``, an upsampling's or an adaptive pooling's ``b``), so that 2,048 layers cost at most
about two million; past it the window gives none and the receptive field keeps its average
size over the units (``app.core.receptive_field``)."""


@dataclass(slots=True)
class Step:
    """One layer's answer for one incoming tensor.

    Attributes:
        output: the output shape (no batch dimension).
        weight: PyTorch's weight tensor shape, or ``None``.
        bias: PyTorch's bias shape, or ``None``.
        params: every learnable element (weight, bias, and any other parameter).
        buffers: elements of non-learnable state (BatchNorm's running statistics).
        macs: multiply-accumulates for one sample (bias excluded).
        windows: one ``Window`` per spatial axis, ``None`` when the layer keeps every unit
            where it is (activations, normalisation, dropout).
        global_field: the layer mixes the whole input (flatten, linear on the last axis).
        axes: the per-axis division details of sliding-window layers.
        geometry: the per-axis kernel, stride, padding and dilation of sliding-window layers,
            expanded once; empty for the other layers.
        notes: warnings raised by the rule.
    """

    output: Shape
    weight: Shape | None = None
    bias: Shape | None = None
    params: int = 0
    buffers: int = 0
    macs: int = 0
    windows: tuple[Window, ...] | None = None
    global_field: bool = False
    axes: tuple[AxisOutput, ...] = ()
    geometry: tuple[AxisGeometry, ...] = ()
    notes: tuple[Note, ...] = ()


Measurement = Literal[
    "as_is",
    "window_average",
    "adaptive_average",
    "across_channels",
    "identity",
    "whole_input",
]
"""How the receptive-field measurement (``app.verify.torch_backend``) builds a kind.

``as_is``: its own torch class on one channel, weights a positive constant, biases 0.
``window_average``: a depthwise average convolution over ``Step.geometry``'s windows (max
pooling: the gradient of a max reaches one value of its window, an average all of them).
``adaptive_average``: adaptive average pooling of the same output size (adaptive max pooling).
``across_channels``: its own torch class on the fewest channels its step's ratio allows,
``C_in / g`` in and ``C_out / g`` out with ``g = gcd(C_in, C_out)``: the measuring channel is
repeated in and the output channels summed, so a unit's field is what all its channels read
(pixel shuffle and unshuffle, which move values between channels and space).
``identity``: keeps every unit where it is (activations, normalisation, dropout: the
receptive field ignores statistics, as Araujo et al. do); a kind with windows never is.
``whole_input``: every output unit sees the whole input (linear): the measurement ends
before it.
"""


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why another library's name is refused, and the PyTorch spelling to write instead.

    ``code`` is a message code of the catalogues, read as a schema error ``pydantic.<code>``
    (``app/core/messages``); ``params`` fill its placeholders besides ``given``, the name as
    written. Params hold PyTorch spellings only (``adaptiveavgpool2d``), the same in every
    language.
    """

    code: str
    params: dict[str, str] = field(default_factory=dict)


COMMON_REFUSED_FIELDS: Final[dict[str, Refusal]] = {
    "input_shape": Refusal("foreign_input_shape"),
    "data_format": Refusal("foreign_data_format"),
    "name": Refusal("foreign_name"),
}
"""Keras's per-layer fields that any kind refuses, each pointing to where cnncalc takes it."""

REGISTRY: list[type[LayerSpec]] = []
"""Every concrete layer kind, in the order its family module defines it."""
TYPE_INDEX: dict[str, type[LayerSpec]] = {}
"""Lower-case ``type`` tag -> the kind that answers to it."""
NAME_INDEX: dict[str, str] = {}
"""Another spelling in the notation -> its tag (``fc`` -> ``linear``), from ``notation_names``."""
REFUSED_INDEX: dict[str, Refusal] = {}
"""Another library's layer name that no kind takes (``globalaveragepooling2d``) -> why, and
the PyTorch spelling; from each kind's ``refused_names``."""
TAG_DIMS: dict[str, int] = {}
"""Tags that fix the number of spatial axes (``conv2d`` -> 2); short forms are absent."""


def _literal_tags(annotation: Any) -> tuple[str, ...]:
    if get_origin(annotation) is Literal:
        return tuple(str(tag) for tag in get_args(annotation))
    return ()


ID_PATTERN = r"^[A-Za-z_][A-Za-z0-9_.-]{0,63}$"
"""A layer's ``id``: a letter or ``_``, then up to 63 letters, digits, ``_``, ``.`` or ``-``."""
REF_PATTERN = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,1023}$"
"""An entry of ``inputs``: a given id, ``input``, or a generated id or dotted name (``3``,
``layer1.0.conv1``), which may start with a digit."""
INPUT_ID = "input"
"""The reserved id of the network's input."""
MAX_INPUTS = 4096
"""The most ids one ``inputs`` list may hold."""

NOT_WRITTEN: set[str] = {"type", "id", "inputs"}
"""Fields a layer's notation leaves out: its tag (the name says it) and its wiring."""

LayerId = Annotated[str, Strict(), StringConstraints(pattern=ID_PATTERN)]
Ref = Annotated[str, Strict(), StringConstraints(pattern=REF_PATTERN)]


def _not_given(value: object) -> bool:
    """An ``id`` or ``inputs`` left out: a layer is written back without it (a chain's are)."""
    return value is None


class Wired(BaseModel):
    """What any entry of a network may say about its place: its ``id`` and its ``inputs``.

    Both are optional, and a chain leaves them out: each entry then takes the output of the
    one before. ``app.core.graph`` checks and resolves them (an ``id`` unique in its scope and
    not ``input``; ``inputs`` naming only ids defined earlier).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, hide_input_in_errors=True)

    id: LayerId | None = Field(
        None,
        exclude_if=_not_given,
        description=(
            "A name for this entry's output, unique in its scope, matching "
            "`[A-Za-z_][A-Za-z0-9_.-]{0,63}`; `input` is reserved for the network's input."
        ),
    )
    inputs: tuple[Ref, ...] | None = Field(
        None,
        exclude_if=_not_given,
        min_length=1,
        max_length=MAX_INPUTS,
        description=(
            "The ids whose outputs this entry takes, defined earlier; by default the "
            "output of the entry before it (the network's input for the first)."
        ),
    )


class LayerSpec(Wired):
    """Base of every layer kind.

    Subclasses declare ``type: Literal[...]`` with their lower-case tags, PyTorch's fields,
    ``torch_class`` (``"Conv{d}d"`` is filled with the spatial dimension), and ``infer()``.
    A kind that takes several inputs (a merge) sets ``merges`` and answers ``infer_many()``.
    """

    torch_class: ClassVar[str]
    """The ``torch.nn`` class, ``{d}`` standing for the number of spatial axes."""
    tags: ClassVar[tuple[str, ...]] = ()
    positional: ClassVar[tuple[str, ...]] = ()
    """PyTorch's constructor order of the positional arguments, as the course's notation and
    PyTorch's printout give them (``Conv2d(1, 20, 5)``)."""
    lone_positional: ClassVar[str | None] = None
    """The field a single number stands for in the course's notation (``Conv(20)``)."""
    arrow: ClassVar[tuple[str, str] | None] = None
    """The fields of the course's ``a -> b`` (``Linear (2450 -> 500)``)."""
    course_name: ClassVar[str | None] = None
    """The course's dimension-free name (``Conv``), when it differs from PyTorch's class."""
    notation_names: ClassVar[dict[str, str]] = {}
    """Other spellings of the course and of other libraries' summaries, each to its tag,
    lower case without spaces or underscores (``fc`` -> ``linear``)."""
    refused_names: ClassVar[dict[str, Refusal]] = {}
    """Other libraries' layer names close to the kind that are not the same layer in PyTorch
    (Keras's ``GlobalAveragePooling2D`` also flattens), lower case without underscores: a
    layer so named is refused with the PyTorch spelling to write (``docs/aliases.md``)."""
    refused_fields: ClassVar[dict[str, Refusal]] = COMMON_REFUSED_FIELDS
    """Other libraries' field names the kind refuses, each with what to write instead
    (Keras's ``activation`` inside a layer is a layer of its own in PyTorch)."""
    picture: ClassVar[str]
    """How the page draws it: ``conv``, ``pool``, ``linear``, ``flatten``, or ``pointwise``
    (keeps every unit where it is, drawn with the layer before it)."""
    slides: ClassVar[bool] = False
    """A sliding window (convolution, pooling): while every earlier one has stride 1, the
    course's receptive field ``1 + L × (K − 1)`` holds."""
    spreads: ClassVar[bool] = False
    """A transposed convolution: one output gathers inputs spread over its span, and the
    jump between units is divided by the stride (told so in the receptive field's steps)."""
    measured_as: ClassVar[Measurement]
    """How the torch check's receptive-field measurement builds the kind (no default: a kind
    that declares none fails the check, never measured as an identity). See ``Measurement``."""
    pooling: ClassVar[bool] = False
    """A pooling (max, average, adaptive): a layer that the course's mistake "ignored the
    pooling layers" leaves out of the receptive field."""
    shifts_only: ClassVar[bool] = False
    """Its windows only shift the field (padding: one unit, stride 1): it has no kernel
    whose ``K`` a student could take for ``K − 1``."""
    sums_inputs: ClassVar[bool] = False
    """A merge whose output is the sum of its inputs (``torch.add``): a residual
    connection's, whose lighter path grading reads as a projection shortcut."""
    takes_unbatched: ClassVar[bool] = False
    """PyTorch's class also takes one unbatched sample ``(C, *d axes)``, choosing by the
    tensor's rank: the torch check holds it to its batched rank ``d + 2``, since a batched
    tensor of another rank would be read as one sample (``N × C × L`` as ``C × H × W``)."""

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Random fields (``type`` aside) for an input ``x``: the kind's differential case.

        Mostly plausible values, sometimes wrong ones (``app.verify.stacks`` draws stacks
        from them).

        Raises:
            NotImplementedError: the kind has no random case (a test walks the registry).
        """
        raise NotImplementedError(f"{cls.__name__} has no random case")

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        """Register every subclass that declares its own ``type`` tags."""
        super().__pydantic_init_subclass__(**kwargs)
        if "type" not in inspect.get_annotations(cls):
            return  # a family base
        cls.tags = _literal_tags(cls.model_fields["type"].annotation)
        if cls.expands:
            return  # a block: app.core.graph expands it, it is no layer of its own
        REGISTRY.append(cls)
        for tag in cls.tags:
            if tag in TYPE_INDEX:
                raise TypeError(f"layer type {tag!r} is declared twice")
            TYPE_INDEX[tag] = cls
            digits = [ch for ch in tag if ch.isdigit()]
            if digits:
                TAG_DIMS[tag] = int(digits[0])
        for name, tag in cls.notation_names.items():
            if name in NAME_INDEX or name in TYPE_INDEX or tag not in cls.tags:
                raise TypeError(f"notation name {name!r} is taken or names no tag of the kind")
            NAME_INDEX[name] = tag
        for name in cls.refused_names:
            if name in REFUSED_INDEX or name in TYPE_INDEX:
                raise TypeError(f"refused name {name!r} is declared twice or is a known name")
        REFUSED_INDEX.update(cls.refused_names)

    @property
    def kind(self) -> str:
        """The lower-case ``type`` tag as given."""
        return str(getattr(self, "type"))  # noqa: B009 - every registered kind declares it

    def rule_key(self) -> tuple[Any, ...]:
        """What the layer's rule reads: its class and its fields but ``id`` and ``inputs``.

        Two layers with the same key answer the same for the same inputs (the analysis
        infers each key once per input). ``Wired``'s two fields come first in every kind's
        ``__dict__`` (pydantic puts a base's fields first), so they are the two skipped.
        """
        return (type(self), *islice(self.__dict__.values(), 2, None))

    expands: ClassVar[bool] = False
    """A block (``sequential``, ``residual``, ``parallel``), expanded to layers before analysis."""
    merges: ClassVar[bool] = False
    """The kind takes one or more inputs (``add``, ``mul``, ``concat``); any other takes one."""

    def infer(self, x: Shape) -> Step:
        """The layer's answer for an input of shape ``x``."""
        raise NotImplementedError

    def infer_many(self, xs: Sequence[Shape]) -> Step:
        """The layer's answer for the inputs of shapes ``xs``, in the order of ``inputs``.

        A one-input kind answers ``infer(xs[0])``; a merge overrides this. The graph has
        already checked that a one-input kind receives exactly one input.
        """
        return self.infer(xs[0])

    def spatial(self, xs: Sequence[Shape], step: Step) -> int | None:
        """The spatial axis (0 for the first) along which a merge's field depends on position.

        ``None`` when there is none. Such a merge is not shift-invariant:
        ``app.core.receptive_field`` reports the hull of its inputs' fields with ``aligned``
        false, naming that axis. A one-input layer never is (``None``).
        """
        return None

    def explain_many(self, xs: Sequence[Shape], step: Step) -> Worked:
        """``explain()`` for the inputs ``xs`` (``step`` is ``infer_many(xs)``)."""
        return self.explain(xs[0], step)

    def explain(self, x: Shape, step: Step) -> Worked:
        """The worked steps of the output shape, weight, bias and parameters, as message codes.

        ``step`` is ``self.infer(x)``; every number shown comes from it. The receptive field's
        steps are told from its windows by ``app.core.explain``.

        Raises:
            NotImplementedError: the kind does not tell its steps (a test walks the registry).
        """
        raise NotImplementedError(f"{type(self).__name__} does not explain its steps")

    def torch_name(self, x: Shape) -> str:
        """PyTorch's class name for an input of shape ``x`` (``Conv2d``).

        Raises:
            FieldError: the class depends on the spatial axes and ``x`` has none (a short
                form such as ``adaptiveavgpool`` on a vector): there is no ``…0d`` class.
        """
        name = self.torch_class
        if "{d}" not in name:
            return name
        d = self.dims(x)
        if d < 1:
            self.expect_spatial(x)
        return name.format(d=d)

    @classmethod
    def tag_name(cls, tag: str) -> str:
        """How a tag is written: ``conv2d`` -> ``Conv2d``, the short form ``conv`` -> ``Conv``."""
        if tag in TAG_DIMS:
            return cls.torch_class.format(d=TAG_DIMS[tag])
        return cls.course_name or cls.torch_class

    @classmethod
    def read_notation(cls, layer: dict[str, Any], name: str) -> Msg | None:
        """Adjust a layer read from text; the reason it is refused, or ``None``.

        ``name`` is the layer's name as written. Only kinds whose printout holds more than
        their fields (``return_indices``, ``bias`` beside ``affine``) override it.
        """
        return None

    def course_layer(self, x: Shape) -> str:
        """The layer in the course's notation: ``GroupNorm(num_groups=2)``."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        return course_call(self.course_name or self.torch_name(x), values)

    course_weight_note: ClassVar[str | None] = None
    """Grading: the note (a code) that accepts a weight written in ``course_weight``'s order."""
    weight_order_note: ClassVar[str | None] = None
    """Grading: the note (a code) on a weight given with its sizes in the wrong order."""

    def size_mistakes(self, x: Shape, step: Step) -> dict[Mistake, tuple[Fraction, ...]]:
        """Output shapes the kind's classic mistakes give (``step`` is ``infer(x)``)."""
        return {}

    def param_mistakes(self, step: Step) -> dict[Mistake, Fraction]:
        """Parameter counts the kind's own classic mistakes give (the bias is any layer's)."""
        return {}

    def weight_mistakes(self, step: Step) -> dict[Mistake, tuple[Fraction, ...]]:
        """Weight shapes the kind's classic mistakes give."""
        return {}

    def size_candidates(self, xs: Sequence[Shape], step: Step) -> list[Candidate]:
        """Output shapes a merge's classic mistakes give (``step`` is ``infer_many(xs)``).

        None for a kind that takes one input: its mistakes are ``size_mistakes``.
        """
        return []

    def param_candidates(self, given: Fraction) -> list[Candidate]:
        """Parameter counts a merge's classic mistakes give, for the count ``given``.

        None for a kind that takes one input: its mistakes are ``param_mistakes``.
        """
        return []

    def course_weight(self, weight: Shape) -> Shape:
        """The weight's shape as the course's table writes it (PyTorch's, unless overridden)."""
        return weight

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """Keyword arguments that build the same layer in PyTorch for an input ``x``."""
        return {}

    def torch_function(self) -> TorchFunction:
        """The PyTorch function of a merge over several inputs (``torch.cat``, ``dim``).

        Raises:
            NotImplementedError: the kind is no merge, or a merge that names no function
                (a test walks the registry).
        """
        raise NotImplementedError(f"{type(self).__name__} has no torch function of its inputs")

    def reads_per_output(self) -> int:
        """Input values one output value reads beyond its windows and its MACs.

        For the torch check's cost bound (``app.verify.budget``): 1, unless a kind reads
        more (``LocalResponseNorm`` reads ``size`` channels and pads them in memory).
        """
        return 1

    def dims(self, x: Shape) -> int:
        """Spatial axes: the digit of a ``conv2d`` tag, or the incoming rank less one."""
        return TAG_DIMS.get(self.kind) or len(x) - 1

    def expect_spatial(self, x: Shape) -> int:
        """Check that ``x`` is ``C × spatial…`` for this kind and return the spatial axes.

        Raises:
            FieldError: the incoming tensor has the wrong rank.
        """
        d = self.dims(x)
        if d < 1 or len(x) != d + 1:
            names = {1: "C×L", 2: "C×H×W", 3: "C×D×H×W"}
            want: str | Msg = (
                names.get(d, Msg("shape_spatial")) if d >= 1 else Msg("shape_any_spatial")
            )
            raise FieldError(
                None,
                msg(
                    "rank_spatial",
                    kind=self.kind,
                    want=want,
                    shape=fmt(x),
                    unbatched=d + 1,
                    batched=d + 2,
                ),
                ErrorCode.RANK,
            )
        return d

    def per_axis(self, field: str, value: int | tuple[int, ...], d: int) -> tuple[int, ...]:
        """Expand an int to ``d`` axes, or check that a tuple has one value per axis.

        Raises:
            FieldError: the tuple's length is not ``d``.
        """
        if isinstance(value, int):
            return (value,) * d
        if len(value) == 1 and d != 1:
            # PyTorch's _ntuple repeats a single-element iterable too.
            return (value[0],) * d
        if len(value) != d:
            raise FieldError(
                field,
                msg(
                    "axes_count" if d > 1 else "axes_count_one",
                    field=field,
                    given=len(value),
                    axes=d,
                ),
                ErrorCode.AXES,
            )
        return value


COURSE_KEYS: dict[str, str] = {
    "out_channels": "Cout",
    "kernel_size": "K",
    "padding": "P",
    "stride": "S",
    "dilation": "D",
}
"""The course's short names of the sliding-window fields, in the order it writes them."""


def literal(value: Any) -> str:
    """A Python literal for a constructor argument (tuples stay tuples, strings are quoted)."""
    if isinstance(value, tuple | list):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return repr(value)


def course_value(value: Any) -> str:
    """A value as the course writes it: ``5`` for ``(5, 5)``."""
    if isinstance(value, tuple | list) and len(set(value)) == 1 and value:
        return literal(value[0])
    return literal(value)


def course_call(name: str, values: dict[str, Any]) -> str:
    """``Name()`` or ``Name(key=value, …)``."""
    if not values:
        return f"{name}()"
    return f"{name}({', '.join(f'{k}={course_value(v)}' for k, v in values.items())})"


def window_course_call(name: str, values: dict[str, Any], sep: str) -> str:
    """A sliding window in the course's notation: ``Conv (Cout=20, K=5, P=2, S=1)``."""
    values.pop("in_channels", None)
    parts = [
        f"{short}={course_value(values.pop(key))}"
        for key, short in COURSE_KEYS.items()
        if key in values
    ]
    parts += [f"{k}={course_value(v)}" for k, v in values.items()]
    return f"{name}{sep}({', '.join(parts)})"


def fmt(shape: Shape) -> str:
    """A shape as the course writes it: ``20×28×28``."""
    return "×".join(str(n) for n in shape) if shape else "scalar"


def prod(values: Shape) -> int:
    """The product of a shape's sizes (1 for an empty shape)."""
    out = 1
    for v in values:
        out *= v
    return out
