"""A stack written out: runnable PyTorch code, or the course's table.

``to_pytorch`` writes an ``nn.Sequential`` bound to ``model`` with ``in_channels`` /
``in_features`` / ``num_features`` filled in from the analysis, so the code runs on the
input shape it was analysed for, and ``print(model)`` of it reads back through
``app.core.notation.parse_stack``. ``to_course`` writes the course's LeNet-5 table
(``Couche / Taille Sortie / Taille Poids``), which ``parse_stack`` reads back too. Arguments
equal to PyTorch's defaults are left out, as a person would write them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from app.core.analysis import Analysis, LayerReport, analyze, parse_layers
from app.core.graph import chain_layers
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
    """The source of ``to_pytorch`` for an analysis already made (of a chain).

    Raises:
        StackError: ``specs`` branch (the export of graphs comes next).
    """
    specs = chain_layers(specs, msg("part_export"), len(analysis.layers))
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
        'if __name__ == "__main__":',
        "    model.eval()  # BatchNorm uses its running statistics: a batch of 1 runs too",
        f"    x = torch.randn({shape})",
        "    print(model)",
        f"    print(model(x).shape)  # torch.Size([{out}])",
        "",
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


__all__ = [
    "course_layer",
    "literal",
    "render_pytorch",
    "to_course",
    "to_pytorch",
    "torch_arguments",
]
