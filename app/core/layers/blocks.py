"""Blocks: ``sequential``, ``residual`` and ``parallel``, which expand to layers and merges.

A block holds lists of entries (layers, merges, other blocks); ``app.core.graph`` expands it,
before any analysis, into the flat list of primitive layers it stands for, so every report
is a primitive layer's. A block is an entry like a layer: it may have an ``id`` (naming its
output) and ``inputs`` (one id: the tensor it receives). Its lists are validated as the
request's ``layers`` are (``LayerList``, bound when ``app.core.layers`` has built the union of
every kind).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar, Literal

from pydantic import Field

from app.core.layers.base import Int, LayerSpec

if TYPE_CHECKING:
    LayerList = list[LayerSpec]


class BlockSpec(LayerSpec):
    """Base of the blocks: entries made of other entries, expanded by ``app.core.graph``.

    A block is an entry of a network as a layer is (``id``, ``inputs``), but no layer kind:
    it is not in ``REGISTRY`` and has no rule of its own; only its expansion is analysed.
    """

    expands: ClassVar[bool] = True


class Sequential(BlockSpec):
    """Its ``layers`` one after the other, ``repeat`` times (each copy its own parameters).

    Names: a copy is ``<block>.<k>`` when ``repeat`` > 1, and its entries follow (torchvision's
    ``layer1.0.conv1``); with one copy the entries follow the block's name directly.
    """

    type: Literal["sequential"]
    layers: LayerList = Field(description="The entries, in the order they run.")
    repeat: Annotated[int, Field(strict=True, ge=1)] = Field(
        1, description="Copies of `layers` one after the other, each with its own parameters."
    )


class Residual(BlockSpec):
    """``add(layers(x), shortcut(x))``: a residual connection (He et al., 2016).

    An empty or missing ``shortcut`` is the identity. Names: the main path's entries are
    ``<block>.<i>`` (or their ids), the shortcut's ``<block>.shortcut.<i>``, and the ``add``
    is the block itself.
    """

    type: Literal["residual"]
    layers: LayerList = Field(description="The main path.")
    shortcut: LayerList = Field(
        default_factory=list, description="The shortcut path; empty for the identity."
    )


class Parallel(BlockSpec):
    """Branches that all take the block's input, merged by ``concat`` (along ``dim``) or ``add``.

    Names: branch ``b``'s entries are ``<block>.<b>.<i>`` (or their ids), and the merge is the
    block itself.
    """

    type: Literal["parallel"]
    branches: list[LayerList] = Field(
        min_length=1, description="The branches; each a list of entries taking the block's input."
    )
    merge: Literal["concat", "add"] = "concat"
    dim: Int = Field(1, description="The concatenation's dimension, the batch being 0.")


BLOCKS: tuple[type[BlockSpec], ...] = (Sequential, Residual, Parallel)
"""Every block kind."""
BLOCK_INDEX: dict[str, type[BlockSpec]] = {block.__name__.lower(): block for block in BLOCKS}
"""Lower-case ``type`` tag -> its block."""
