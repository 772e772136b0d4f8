"""A stack written out: runnable PyTorch code, or the course's table.

``to_pytorch`` writes an ``nn.Sequential`` bound to ``model`` with ``in_channels`` /
``in_features`` / ``num_features`` filled in from the analysis, so the code runs on the
input shape it was analysed for, and ``print(model)`` of it reads back through
``app.core.notation.parse_stack``. ``to_course`` writes the course's LeNet-5 table
(``Couche / Taille Sortie / Taille Poids``), which ``parse_stack`` reads back too. Arguments
equal to PyTorch's defaults are left out, as a person would write them.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.core.analysis import Analysis, LayerReport, analyze, parse_layers
from app.core.graph import INPUT, Graph, build_graph, chain_layers
from app.core.layers import LayerSpec
from app.core.layers.base import literal
from app.core.messages import msg

ALWAYS: Final = frozenset(
    {
        "in_channels",
        "out_channels",
        "kernel_size",
        "in_features",
        "out_features",
        "num_features",
        "num_channels",
        "num_groups",
        "output_size",
        "normalized_shape",
    }
)
"""Arguments written even when a default would do, because they say what the layer is."""


def torch_arguments(spec: LayerSpec, x: tuple[int, ...]) -> dict[str, Any]:
    """The layer's ``torch.nn`` arguments for input ``x``, without those left at the default."""
    kwargs = spec.torch_kwargs(x)
    fields = type(spec).model_fields
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        info = fields.get(name)
        if name not in ALWAYS and info is not None and not info.is_required():
            default = info.default
            if value == default or (isinstance(value, tuple) and set(value) == {default}):
                continue
        out[name] = value
    return out


def _constructor(spec: LayerSpec, report: LayerReport) -> str:
    x = tuple(report.input_shape)
    args = ", ".join(f"{k}={literal(v)}" for k, v in torch_arguments(spec, x).items())
    return f"nn.{spec.torch_name(x)}({args})"


def _shape(shape: Sequence[int]) -> str:
    return "×".join(str(n) for n in shape)


def to_pytorch(
    input_shape: Sequence[int],
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    *,
    batch_size: int = 1,
) -> str:
    """Runnable Python source defining ``model = nn.Sequential(...)`` for the stack.

    Args:
        input_shape: the input without the batch, as ``analyze`` takes it.
        layers: the stack, as ``analyze`` takes it (specs, dicts or text).
        batch_size: the batch of the example input in the ``__main__`` block.

    Raises:
        LayerError: the stack is impossible (the code would not run either).
    """
    specs = parse_layers(layers)
    analysis = analyze(input_shape, specs, batch_size=batch_size)
    return render_pytorch(analysis, specs)


def render_pytorch(analysis: Analysis, specs: Sequence[LayerSpec]) -> str:
    """The source of ``to_pytorch`` for an analysis already made.

    A chain (blocks that expand to one included) is an ``nn.Sequential``; a graph that
    branches an ``nn.Module`` subclass (``render_graph``).
    """
    graph = build_graph(specs, len(analysis.layers))
    if not graph.chain:
        return render_graph(analysis, graph)
    specs = [node.spec for node in graph.nodes]
    codes = [_constructor(s, r) + "," for s, r in zip(specs, analysis.layers, strict=True)]
    width = max((len(code) for code in codes), default=0)
    body = [
        f"    {code:<{width}}  # {report.index}: {_shape(report.output_shape)}"
        for code, report in zip(codes, analysis.layers, strict=True)
    ]
    shape = ", ".join(str(n) for n in (analysis.batch_size, *analysis.input_shape))
    out = ", ".join(str(n) for n in (analysis.batch_size, *analysis.output_shape))
    lines = [
        f'"""A {len(specs)}-layer stack for a {_shape(analysis.input_shape)} input '
        f'({analysis.total_params:,} parameters), written by cnncalc."""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "model = nn.Sequential(",
        *body,
        ")",
        "",
        *_run_block(shape, out),
    ]
    return "\n".join(lines)


MODULE_ATTRIBUTES: Final = frozenset(
    {
        "T_destination", "add_module", "apply", "bfloat16", "buffers", "call_super_init",
        "children", "compile", "cpu", "cuda", "double", "dump_patches", "eval", "extra_repr",
        "float", "forward", "get_buffer", "get_extra_state", "get_parameter", "get_submodule",
        "half", "ipu", "load_state_dict", "modules", "mtia", "named_buffers", "named_children",
        "named_modules", "named_parameters", "parameters", "register_backward_hook",
        "register_buffer", "register_forward_hook", "register_forward_pre_hook",
        "register_full_backward_hook", "register_full_backward_pre_hook",
        "register_load_state_dict_post_hook", "register_load_state_dict_pre_hook",
        "register_module", "register_parameter", "register_state_dict_post_hook",
        "register_state_dict_pre_hook", "requires_grad_", "set_extra_state", "set_submodule",
        "share_memory", "state_dict", "to", "to_empty", "train", "training", "type", "xpu",
        "zero_grad", "self", "x", "torch", "nn",
    }
)  # fmt: skip
"""Names a submodule or a variable of the generated ``forward`` cannot take: ``nn.Module``'s
attributes (torch 2.13), ``self``, the input ``x`` and the modules imported."""


def identifiers(names: Sequence[str]) -> list[str]:
    """Python identifiers for node names: ``layer1.0.conv1`` → ``layer1_0_conv1``.

    Every character outside ``[A-Za-z0-9_]`` becomes ``_``; a name that starts with a digit
    or ``_``, is a keyword or one of ``MODULE_ATTRIBUTES`` gets the prefix ``layer_``; a name
    already taken gets ``_2``, ``_3``, … .
    """
    taken: set[str] = set()
    out: list[str] = []
    for name in names:
        ident = re.sub(r"\W", "_", name, flags=re.ASCII)
        if ident[:1].isdigit() or ident[:1] == "_" or keyword.iskeyword(ident):
            ident = f"layer_{ident}"
        if ident in MODULE_ATTRIBUTES:
            ident = f"layer_{ident}"
        unique, n = ident, 1
        while unique in taken:
            n += 1
            unique = f"{ident}_{n}"
        taken.add(unique)
        out.append(unique)
    return out


def _merge_code(spec: LayerSpec, names: Sequence[str]) -> str:
    """A merge as a call of its torch function: ``torch.add(a, b)`` (nested), ``torch.cat``."""
    if len(names) == 1:
        return names[0]
    function = spec.torch_function()
    keywords = "".join(f", {k}={literal(v)}" for k, v in function.kwargs.items())
    if function.listed:
        return f"{function.name}([{', '.join(names)}]{keywords})"
    code = names[0]
    for name in names[1:]:
        code = f"{function.name}({code}, {name}{keywords})"
    return code


def render_graph(analysis: Analysis, graph: Graph) -> str:
    """A graph as an ``nn.Module`` subclass ``Net`` bound to ``model``.

    ``__init__`` holds one submodule per primitive node, named from the node's name
    (``identifiers``); ``forward(self, x)`` runs the nodes in order, each on its inputs'
    outputs (``x`` for the network's input), a merge as ``torch.add``, ``torch.mul`` or
    ``torch.cat``. The parameters are the analysis's: one module per node, none per merge.
    """
    names = identifiers([node.id for node in graph.nodes])
    modules: list[tuple[str, str]] = []
    steps: list[tuple[str, str]] = []
    for node, name, report in zip(graph.nodes, names, analysis.layers, strict=True):
        reads = ["x" if i == INPUT else names[i] for i in node.inputs]
        note = f"{node.id}: {_shape(report.output_shape)}"
        if node.spec.merges:
            steps.append((f"{name} = {_merge_code(node.spec, reads)}", note))
        else:
            modules.append((f"self.{name} = {_constructor(node.spec, report)}", note))
            steps.append((f"{name} = self.{name}({reads[0]})", note))
    init_width = max((len(code) for code, _ in modules), default=0)
    step_width = max((len(code) for code, _ in steps), default=0)
    shape = ", ".join(str(n) for n in (analysis.batch_size, *analysis.input_shape))
    out = ", ".join(str(n) for n in (analysis.batch_size, *analysis.output_shape))
    lines = [
        f'"""A {len(graph.nodes)}-layer graph for a {_shape(analysis.input_shape)} input '
        f'({analysis.total_params:,} parameters), written by cnncalc."""',
        "",
        "import torch",
        "from torch import nn",
        "",
        "",
        "class Net(nn.Module):",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *(f"        {code:<{init_width}}  # {note}" for code, note in modules),
        "",
        "    def forward(self, x: torch.Tensor) -> torch.Tensor:",
        *(f"        {code:<{step_width}}  # {note}" for code, note in steps),
        f"        return {names[-1]}",
        "",
        "",
        "model = Net()",
        "",
        *_run_block(shape, out),
    ]
    return "\n".join(lines)


def course_layer(spec: LayerSpec, x: tuple[int, ...]) -> str:
    """One layer in the course's notation: ``Conv (Cout=20, K=5, P=2, S=1)``, ``ReLU``."""
    return spec.course_layer(x)


def course_weight(spec: LayerSpec, report: LayerReport) -> str:
    """The weight column of the course's table: PyTorch's shape, a linear layer's as in × out."""
    weight = report.weight_shape
    if weight is None:
        return ""
    return " x ".join(str(n) for n in spec.course_weight(tuple(weight)))


def to_course(
    input_shape: Sequence[int], layers: Sequence[LayerSpec | Mapping[str, Any]] | str
) -> str:
    """The course's table: ``Couche``, ``Taille Sortie``, ``Taille Poids``, one row per layer.

    Raises:
        LayerError: the stack is impossible.
    """
    entries = parse_layers(layers)
    analysis = analyze(input_shape, entries)
    specs = chain_layers(entries, msg("part_course_table"), len(analysis.layers))
    rows = [
        "Couche\tTaille Sortie\tTaille Poids",
        f"Entrée\t{' x '.join(str(n) for n in analysis.input_shape)}\t",
    ]
    for spec, report in zip(specs, analysis.layers, strict=True):
        layer = course_layer(spec, tuple(report.input_shape))
        size = " x ".join(str(n) for n in report.output_shape)
        rows.append(f"{layer}\t{size}\t{course_weight(spec, report)}".rstrip("\t"))
    return "\n".join(rows) + "\n"


def _run_block(shape: str, out: str) -> list[str]:
    """The script's ``__main__`` part: the model run once on a random input of ``shape``."""
    return [
        'if __name__ == "__main__":',
        "    model.eval()  # BatchNorm uses its running statistics: a batch of 1 runs too",
        f"    x = torch.randn({shape})",
        "    print(model)",
        f"    print(model(x).shape)  # torch.Size([{out}])",
        "",
    ]


__all__ = [
    "course_layer",
    "identifiers",
    "literal",
    "render_graph",
    "render_pytorch",
    "to_course",
    "to_pytorch",
    "torch_arguments",
]
