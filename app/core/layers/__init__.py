"""The layer kinds. Importing a family module registers its kinds; a new family is one line.

``AnyLayer`` is the tagged union of every registered kind, matched on a case-insensitive
``type``; ``CATALOGUE`` describes them all (fields, defaults, aliases, formulas).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import (
    Discriminator,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    TypeAdapter,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from app.core.layers import (  # noqa: F401 - registers kinds
    activation,
    conv,
    linear,
    merge,
    norm,
    padding,
    pool,
    resample,
)
from app.core.layers.base import (
    FAIL_FAST,
    REGISTRY,
    TYPE_INDEX,
    LayerSpec,
    Step,
    Window,
    is_lower,
    lowered_types,
    one_error_per_field,
    with_later_errors,
)
from app.core.layers.blocks import BLOCK_INDEX, BLOCKS, BlockSpec
from app.core.layers.names import foreign_types, with_suggestions

__all__ = [
    "BLOCKS",
    "BLOCK_INDEX",
    "LAYERS_ADAPTER",
    "REGISTRY",
    "TYPE_INDEX",
    "AnyLayer",
    "BlockSpec",
    "LayerList",
    "LayerSpec",
    "Step",
    "Window",
    "catalogue",
    "validate_layers",
]


@dataclass(frozen=True, slots=True)
class _UnknownType:
    """Our error for a ``type`` that no kind declares, on the string-tagged union.

    ``Discriminator("type")`` drops its ``custom_error_*`` arguments (pydantic applies them to
    callable discriminators only, which would cost a Python call per layer). The JSON schema
    keeps a plain ``oneOf`` of the kinds, each with its ``type`` enum: a discriminator mapping
    would tie each tag to a kind, and schema-driven fuzzers then take another tag of the same
    kind (``batchnorm`` for ``batchnorm1d``) for an invalid one.
    """

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema.pop("discriminator", None)
        return json_schema

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        schema = handler(source)
        return {
            **schema,
            "custom_error_type": "unknown_layer_type",
            "custom_error_message": (
                "unknown or missing layer type: write one such as conv2d, linear, maxpool2d, "
                "avgpool2d, batchnorm2d, relu, flatten, dropout, add or concat"
            ),
        }


def validate_layers(layers: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    """Validate ``layers``, matching each ``type`` in any case; one error per bad field.

    A wrap validator around a list of layers (or around a union of such a list and text,
    which is passed as it is): one Python call for the whole stack, none per layer. The
    kinds' union matches lower-case tags exactly. A stack is mostly written in one style, so
    when its first ``type`` is in lower case (nearly always) the list is validated as it is,
    and again with its tags lowered and other libraries' names made PyTorch's (``Dense`` ->
    ``linear``, ``app.core.layers.names``) only if that fails and one changes; otherwise the
    tags are lowered first. The list fails fast; the errors of the layers after the first
    bad one are added, one layer at a time, up to ``MAX_ERRORS`` (``with_later_errors``), so
    the work on a bad stack is bounded too. The errors of an unknown type or field then say
    what to write (``with_suggestions``).
    """
    if not isinstance(layers, list | tuple):
        if isinstance(layers, str | bytes | Mapping) or not isinstance(layers, Iterable):
            try:
                return handler(layers)  # text, or no list at all: for the union to judge
            except ValidationError as error:
                raise one_error_per_field(error) from None
        layers = list(layers)  # a generator can be read only once
    given = layers
    if layers and isinstance(layers[0], dict) and not is_lower(layers[0].get("type")):
        layers = lowered_types(layers)
    try:
        return handler(layers)
    except ValidationError as error:
        failed = error
    lowered = foreign_types(lowered_types(layers))
    if lowered is not layers:
        try:
            return handler(lowered)
        except ValidationError as error:
            failed = error
    later = with_later_errors(failed, lowered, ONE_LAYER.validate_python)
    raise with_suggestions(one_error_per_field(later), given) from None


if TYPE_CHECKING:
    AnyLayer = LayerSpec
    LayerList = list[LayerSpec]
else:
    AnyLayer = Annotated[
        Union[(*REGISTRY, *BLOCKS)],
        Discriminator("type"),
        _UnknownType(),
    ]
    LayerList = Annotated[list[AnyLayer], FAIL_FAST, WrapValidator(validate_layers)]
    """A list of entries (layers, merges, blocks), each matched on its ``type`` in any case
    (``Conv2d``, ``CONV2D``); it stops at the first bad entry, and ``validate_layers`` adds
    the next ones' errors."""
    for _block in BLOCKS:  # their lists hold any entry, blocks included
        _block.model_rebuild(_types_namespace={"LayerList": LayerList})

ONE_LAYER: TypeAdapter[LayerSpec] = TypeAdapter(AnyLayer)
"""One entry of any kind: the entries after the first bad one are validated alone."""

LAYERS_ADAPTER: TypeAdapter[list[LayerSpec]] = TypeAdapter(LayerList)


CATALOGUE_SKIPS = frozenset({"type", "id", "inputs"})
"""Fields the catalogue leaves out of each kind's: its tag, and the wiring any entry has."""


@cache
def catalogue() -> list[dict[str, Any]]:
    """Every layer kind: its tags, names, positional arguments, picture, formula and fields.

    ``names`` writes each tag as PyTorch's class or the course's short form (``conv2d`` ->
    ``Conv2d``, ``conv`` -> ``Conv``); ``positional`` is PyTorch's constructor order;
    ``lone_positional`` the field of the course's one-number form (``Conv(20)``); ``arrow``
    the fields of ``a -> b``; ``picture`` how the page draws it (``conv``, ``pool``,
    ``linear``, ``flatten``, or ``pointwise`` for a layer that keeps every unit in place).
    """
    entries = []
    for kind in REGISTRY:
        schema = kind.model_json_schema()
        fields = []
        for name, info in kind.model_fields.items():
            if name in CATALOGUE_SKIPS:
                continue
            aliases = []
            if info.validation_alias is not None and hasattr(info.validation_alias, "choices"):
                aliases = [str(a) for a in info.validation_alias.choices if a != name]
            fields.append(
                {
                    "name": name,
                    "required": info.is_required(),
                    "default": None if info.is_required() else info.default,
                    "aliases": aliases,
                    "schema": schema["properties"][name],
                }
            )
        doc = (kind.__doc__ or "").strip()
        summary, _, formula = doc.partition("\n\n")
        entries.append(
            {
                "kind": kind.__name__,
                "types": list(kind.tags),
                "torch_class": kind.torch_class,
                "names": {tag: kind.tag_name(tag) for tag in kind.tags},
                "notation_names": dict(kind.notation_names),
                "positional": list(kind.positional),
                "lone_positional": kind.lone_positional,
                "arrow": None if kind.arrow is None else list(kind.arrow),
                "picture": kind.picture,
                "summary": " ".join(summary.split()),
                "formula": " ".join(formula.split()),
                "fields": fields,
            }
        )
    return entries
