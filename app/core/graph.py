r"""A network's entries as a graph: blocks expanded to nodes, ids and inputs resolved.

The request lists entries in the order they run; each may name its output (``id``) and take
other outputs than the previous entry's (``inputs``). Blocks stand for several entries:
``sequential`` (``repeat`` copies, each with its own parameters), ``residual``
(``add(layers(x), shortcut(x))``) and ``parallel`` (branches merged by ``concat`` or
``add``). ``build_graph`` expands them into ``Node``\\ s, one per primitive layer or merge,
in an order where every node's inputs come before it (the list order: ``inputs`` may only
name ids defined earlier), so the analysis is one pass over the list.

Names and ids. Every node has a unique dotted name, which is also its ``id`` in the report:

- a top-level entry is named by its ``id``, or by its position (``"3"``);
- an entry inside a block is ``<block>.<its id or position>``; a ``sequential`` with
  ``repeat`` > 1 adds the copy's number (``layer1.0.conv1``, torchvision's naming), a
  ``parallel`` the branch's (``mixed.1.0``), a ``residual``'s shortcut ``shortcut``
  (``layer2.0.shortcut.0``);
- the ``add`` of a ``residual`` and the merge of a ``parallel`` are the block itself
  (``layer1.0``): naming the block names its output; a ``sequential``'s output is its last
  entry's.

Ids are scoped: an id given inside a block names an output of that copy of the block (each
copy of ``{"id": "dw", ...}`` is its own ``dw``); a list (a ``sequential``'s copy, a branch, a
shortcut) opens a scope inside its block's. ``inputs`` are looked up from the innermost scope
outwards, then among every earlier node's dotted name, so ``"3"`` or ``"layer1.0.conv1"``
reach any earlier output; ``"input"`` is the network's input.

The size of the expansion is counted before anything is built, so a ``repeat`` of 10¹⁵ is
refused at once (``max_layers``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from app.core.errors import ErrorCode, GraphError, LimitError, StackError
from app.core.layers import BlockSpec, LayerSpec
from app.core.layers.base import INPUT_ID
from app.core.layers.blocks import Parallel, Residual, Sequential
from app.core.layers.merge import Add, Concat
from app.core.messages import Msg, msg

Loc = tuple[str | int, ...]
Entry = LayerSpec  # a layer, a merge, or a block (``BlockSpec``)

INPUT = -1
"""The node index standing for the network's input."""


@dataclass(slots=True)
class Node:
    """One primitive layer or merge of the expanded graph.

    Attributes:
        spec: the layer.
        id: its unique dotted name, also the id its output is reported under.
        inputs: the indices of the nodes it reads, ``INPUT`` (-1) for the network's input.
        loc: its place in the request (``("layers", 2, "layers", 0)``); a block's generated
            merge has its block's.
    """

    spec: LayerSpec
    id: str
    inputs: tuple[int, ...]
    loc: Loc


@dataclass(slots=True)
class Graph:
    """The expanded network: nodes in an order where inputs come first.

    Attributes:
        nodes: the nodes.
        chain: every node reads the one before it (the first, the input): a chain.
        blocks: the dotted name of each ``sequential`` block whose output no node is named
            after (its last layer's is), with that output's node: ``inputs`` and graded
            answers may name the block.
    """

    nodes: list[Node]
    chain: bool
    blocks: dict[str, int] = field(default_factory=dict)

    def input_ids(self, node: Node) -> list[str]:
        """The ids ``node`` reads (``"input"`` for the network's input)."""
        nodes = self.nodes
        return [INPUT_ID if i == INPUT else nodes[i].id for i in node.inputs]


@dataclass(slots=True)
class _Scope:
    """Ids given in one list of one block copy, and the scope around it."""

    parent: _Scope | None
    ids: dict[str, int] = field(default_factory=dict)


def count_nodes(entries: Sequence[Entry], max_nodes: int, loc: Loc = ("layers",)) -> int:
    """The nodes ``entries`` expand to, counted without expanding them.

    Raises:
        LimitError: over ``max_nodes`` (at the ``repeat`` that crosses it, if one does).
        GraphError: a block without layers, or a ``parallel`` with an empty branch.
    """
    total = 0
    for i, entry in enumerate(entries):
        total += _count(entry, max_nodes, (*loc, i))
        if total > max_nodes:  # at the block that crosses the limit, else at the list
            raise LimitError((*loc, i) if entry.expands else loc, _too_many(max_nodes))
    return total


def _count(entry: Entry, max_nodes: int, loc: Loc) -> int:
    if not isinstance(entry, BlockSpec):
        return 1
    if isinstance(entry, Sequential):
        _not_empty(entry.layers, entry, (*loc, "layers"))
        one = count_nodes(entry.layers, max_nodes, (*loc, "layers"))
        if one * entry.repeat > max_nodes:
            raise LimitError((*loc, "repeat"), _too_many(max_nodes))
        return one * entry.repeat
    if isinstance(entry, Residual):
        _not_empty(entry.layers, entry, (*loc, "layers"))
        return (
            count_nodes(entry.layers, max_nodes, (*loc, "layers"))
            + count_nodes(entry.shortcut, max_nodes, (*loc, "shortcut"))
            + 1
        )
    assert isinstance(entry, Parallel)
    total = 1
    for b, branch in enumerate(entry.branches):
        _not_empty(branch, entry, (*loc, "branches", b))
        total += count_nodes(branch, max_nodes, (*loc, "branches", b))
    return total


def _not_empty(entries: Sequence[Entry], block: BlockSpec, loc: Loc) -> None:
    if not entries:
        branch = loc[-2:-1] == ("branches",)
        code = "graph_empty_branch" if branch else "graph_empty_layers"
        raise GraphError(loc, Msg(code, {"kind": block.kind}), ErrorCode.EMPTY_BLOCK)


def _too_many(max_nodes: int) -> Msg:
    return msg("graph_layers_limit", limit=max_nodes)


def build_graph(entries: Sequence[Entry], max_nodes: int) -> Graph:
    """Expand ``entries`` to nodes and resolve every ``id`` and ``inputs``.

    Raises:
        LimitError: the expansion is over ``max_nodes`` (counted first, nothing built).
        GraphError: a block without layers; an ``id`` that is ``input`` or given twice in a
            scope; an ``inputs`` entry naming no earlier output; several inputs for a layer
            that takes one.
    """
    if all(not e.expands and e.id is None and e.inputs is None for e in entries):
        if len(entries) > max_nodes:  # a chain: nothing to resolve
            raise LimitError(("layers",), _too_many(max_nodes))
        nodes = [Node(e, str(i), (i - 1,), ("layers", i)) for i, e in enumerate(entries)]
        return Graph(nodes, chain=True)
    if any(e.expands for e in entries):
        count_nodes(entries, max_nodes)
    elif len(entries) > max_nodes:
        raise LimitError(("layers",), _too_many(max_nodes))
    builder = _Builder()
    builder.expand(entries, (INPUT,), None, _Scope(None, {INPUT_ID: INPUT}), ("layers",))
    nodes = builder.nodes
    chain = all(node.inputs == (i - 1,) for i, node in enumerate(nodes))
    return Graph(nodes, chain, builder.blocks)


class _Builder:
    """The expansion's state: the nodes so far and every dotted name."""

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        self.names: dict[str, int] = {INPUT_ID: INPUT}
        self.blocks: dict[str, int] = {}

    def expand(
        self,
        entries: Sequence[Entry],
        incoming: tuple[int, ...],
        prefix: str | None,
        scope: _Scope,
        loc: Loc,
    ) -> tuple[int, ...]:
        """Expand one list, its first entry taking ``incoming``; return its output."""
        out = incoming
        for i, entry in enumerate(entries):
            here = (*loc, i)
            given = entry.id
            segment = str(i) if given is None else given
            name = segment if prefix is None else f"{prefix}.{segment}"
            if given is not None:
                self.claim(given, scope, here)
            wanted = out if entry.inputs is None else self.resolve(entry.inputs, scope, here)
            if not entry.expands:
                if len(wanted) != 1 and not entry.merges:
                    raise GraphError(
                        (*here, "inputs"),
                        msg("graph_one_input", kind=entry.kind, count=len(wanted)),
                        ErrorCode.INPUT_COUNT,
                    )
                out = (self.add(entry, name, wanted, here),)
            else:
                out = self.block(cast("BlockSpec", entry), name, wanted, scope, here)
            if given is not None:
                scope.ids[given] = out[0]
        return out

    def block(
        self,
        block: BlockSpec,
        name: str,
        incoming: tuple[int, ...],
        scope: _Scope,
        loc: Loc,
    ) -> tuple[int, ...]:
        """Expand one block taking ``incoming``; return its output."""
        if isinstance(block, Sequential):
            out = incoming
            for copy in range(block.repeat):
                inner = name if block.repeat == 1 else f"{name}.{copy}"
                out = self.expand(block.layers, out, inner, _Scope(scope), (*loc, "layers"))
            if name not in self.names and out[0] != INPUT:
                self.blocks[name] = out[0]
            return out
        if len(incoming) != 1:
            raise GraphError(
                (*loc, "inputs"),
                msg("graph_block_one_input", kind=block.kind, count=len(incoming)),
                ErrorCode.INPUT_COUNT,
            )
        if isinstance(block, Residual):
            main = self.expand(block.layers, incoming, name, _Scope(scope), (*loc, "layers"))
            short = self.expand(
                block.shortcut,
                incoming,
                f"{name}.shortcut",
                _Scope(scope),
                (*loc, "shortcut"),
            )
            merge: LayerSpec = Add(type="add")
            return (self.add(merge, name, (*main, *short), loc),)
        assert isinstance(block, Parallel)
        ends: list[int] = []
        for b, branch in enumerate(block.branches):
            ends.extend(
                self.expand(
                    branch,
                    incoming,
                    f"{name}.{b}",
                    _Scope(scope),
                    (*loc, "branches", b),
                )
            )
        merge = Concat(type="concat", dim=block.dim) if block.merge == "concat" else Add(type="add")
        return (self.add(merge, name, tuple(ends), loc),)

    def add(self, spec: LayerSpec, name: str, inputs: tuple[int, ...], loc: Loc) -> int:
        """Append a node; its dotted name must be new (a given id may hold dots)."""
        index = len(self.nodes)
        if name in self.names:
            raise GraphError(
                (*loc, "id") if spec.id is not None else loc,
                msg("graph_name_twice", name=name),
                ErrorCode.DUPLICATE_ID,
            )
        self.names[name] = index
        self.nodes.append(Node(spec, name, inputs, loc))
        return index

    def claim(self, given: str, scope: _Scope, here: Loc) -> None:
        """A given id (of the entry at ``here``) must be new in its scope and not ``input``."""
        if given == INPUT_ID:
            raise GraphError((*here, "id"), msg("graph_reserved_id"), ErrorCode.RESERVED_ID)
        if given in scope.ids:
            raise GraphError((*here, "id"), msg("graph_id_twice", id=given), ErrorCode.DUPLICATE_ID)

    def resolve(self, refs: Sequence[str], scope: _Scope, loc: Loc) -> tuple[int, ...]:
        """The nodes ``refs`` name: scopes inward-out, then dotted names.

        Raises:
            GraphError: at ``inputs[j]``, an id no earlier output has.
        """
        found: list[int] = []
        for j, ref in enumerate(refs):
            where: _Scope | None = scope
            index: int | None = None
            while where is not None and index is None:
                index = where.ids.get(ref)
                where = where.parent
            if index is None:
                index = self.names.get(ref)
            if index is None:
                raise GraphError(
                    (*loc, "inputs", j),
                    msg("graph_unknown_input", j=j, ref=ref),
                    ErrorCode.UNKNOWN_INPUT,
                )
            found.append(index)
        return tuple(found)


def chain_layers(entries: Sequence[Entry], what: Msg, max_nodes: int) -> list[LayerSpec]:
    """The layers of a chain, for the parts of cnncalc that take chains only for now.

    A chain may give ids and name the entry before it in ``inputs``; blocks that expand to a
    chain are expanded.

    Raises:
        StackError: ``entries`` branch (a merge of several inputs, an ``inputs`` that skips).
    """
    graph = build_graph(entries, max_nodes)
    if not graph.chain:
        raise StackError(
            ("layers",),
            msg("graph_chain_only", what=what),
            ErrorCode.UNSUPPORTED,
        )
    return [node.spec for node in graph.nodes]
