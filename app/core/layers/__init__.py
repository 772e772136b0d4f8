"""The layer kinds. Importing a family module registers its kinds; a new family is one line.

``AnyLayer`` is the tagged union of every registered kind, matched on a case-insensitive
``type``; ``CATALOGUE`` describes them all (fields, defaults, aliases, formulas).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Union

from pydantic import Discriminator, TypeAdapter
from pydantic import Tag as UnionTag

from app.core.layers import activation, conv, linear, norm, pool  # noqa: F401 - registers kinds
from app.core.layers.base import REGISTRY, TYPE_INDEX, LayerSpec, Step, Window

__all__ = ["REGISTRY", "TYPE_INDEX", "AnyLayer", "LayerSpec", "Step", "Window", "catalogue"]


def _kind_of(value: Any) -> str | None:
    """The registered class name for a layer's ``type``, matched case-insensitively."""
    tag = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    if not isinstance(tag, str):
        return None
    kind = TYPE_INDEX.get(tag.lower())
    return kind.__name__ if kind else None


if TYPE_CHECKING:
    AnyLayer = LayerSpec
else:
    AnyLayer = Annotated[
        Union[tuple(Annotated[kind, UnionTag(kind.__name__)] for kind in REGISTRY)],  # noqa: UP007
        Discriminator(
            _kind_of,
            custom_error_type="unknown_layer_type",
            custom_error_message=(
                "unknown or missing layer type; the catalogue (GET /v1/layers) lists them all"
            ),
        ),
    ]

LAYERS_ADAPTER: TypeAdapter[list[LayerSpec]] = TypeAdapter(list[AnyLayer])


@cache
def catalogue() -> list[dict[str, Any]]:
    """Every layer kind: its tags, PyTorch class, formula (the docstring) and fields."""
    entries = []
    for kind in REGISTRY:
        schema = kind.model_json_schema()
        fields = []
        for name, info in kind.model_fields.items():
            if name == "type":
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
                "summary": " ".join(summary.split()),
                "formula": " ".join(formula.split()),
                "fields": fields,
            }
        )
    return entries
