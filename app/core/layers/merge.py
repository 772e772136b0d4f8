"""Merges: the layers that take several inputs (``torch.add``, ``torch.mul``, ``torch.cat``).

A merge lists one or more ids in ``inputs`` (the same id may come twice, ``x + x``); with a
single input it is the identity, as ``torch.cat([x], 1)`` is. No weight, no parameters, and
no MACs: its element-wise work is not a multiply-accumulate. Its receptive field is the
union of its inputs' (``app.core.receptive_field``).

Shapes exclude the batch, so a shape ``C × H × W`` stands for the tensor ``B × C × H × W``
and every dimension number below counts the batch as dimension 0, as PyTorch does.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any, ClassVar, Literal

from app.core.errors import ErrorCode, FieldError
from app.core.layers.base import (
    NOT_WRITTEN,
    Candidate,
    Int,
    LayerSpec,
    Measurement,
    Mistake,
    Step,
    TorchFunction,
    fmt,
)
from app.core.layers.cases import Chooser, chance
from app.core.layers.worked import (
    Line,
    Worked,
    num,
    say,
    shape_formula,
    shape_text,
    tensor_names,
    without_parameters,
)
from app.core.messages import msg
from app.core.shapes import Shape


class Merge(LayerSpec):
    """A layer of one or more inputs, no parameters, no MACs.

    In PyTorch a merge of several inputs is the function ``torch_class`` (``torch.add``,
    ``torch.mul``, ``torch.cat``), which has no ``torch.nn`` class; a merge of one input is
    the identity, so ``torch_name`` (the module for one input) is ``Identity``. It keeps
    every unit where it is (``measured_as`` ``identity``): over several inputs its field is
    the union of its inputs' fields, each measured along its own path.
    """

    merges: ClassVar[bool] = True
    picture: ClassVar[str] = "merge"
    measured_as: ClassVar[Measurement] = "identity"

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """No fields: an element-wise merge has none to draw."""
        return {}

    def torch_name(self, x: Shape) -> str:
        """``Identity``: the ``torch.nn`` module of a merge of one input."""
        return "Identity"

    def torch_kwargs(self, x: Shape) -> dict[str, Any]:
        """``torch.nn.Identity`` takes no arguments."""
        return {}

    def infer(self, x: Shape) -> Step:
        """A merge of one input: the identity."""
        return self.infer_many((x,))

    def explain(self, x: Shape, step: Step) -> Worked:
        """A merge of one input: passed on unchanged."""
        return self.explain_many((x,), step)

    def param_candidates(self, given: Fraction) -> list[Candidate]:
        """A merge has no parameters: any count but 0 counts it as having some.

        The count given is often its inputs' parameters counted again, but any other than 0
        is the same mistake, so the candidate is the count given itself.
        """
        if given == 0:
            return []
        return [
            Candidate(
                Mistake.MERGE_PARAMS,
                given,
                msg("mistake_merge_counted_params", name=self.torch_class, given=num(given)),
            )
        ]

    def course_layer(self, x: Shape) -> str:
        """``Add()``, ``Mul()``, ``Concat()`` or ``Concat(dim=2)``; ``inputs`` are not written."""
        values = self.model_dump(exclude=NOT_WRITTEN, exclude_defaults=True)
        inner = ", ".join(f"{k}={v!r}" for k, v in values.items())
        return f"{self.course_name}({inner})"


def broadcast(xs: Sequence[Shape], op: str) -> Shape:
    """PyTorch's broadcast of ``xs``: per axis the sizes are equal, or 1 and repeated.

    Trailing axes are aligned, as in PyTorch; the tensors also share the batch dimension,
    so their ranks must be equal here (a tensor of lower rank would have its batch aligned
    with a feature axis of the other, which depends on the batch size).

    Raises:
        FieldError: ``inputs``: two ranks differ, or two sizes differ and neither is 1
            (PyTorch's "The size of tensor a (…) must match the size of tensor b (…)").
    """
    first = xs[0]
    out = list(first)
    for b, x in enumerate(xs[1:], start=1):
        if len(x) != len(first):
            raise FieldError(
                "inputs",
                msg(
                    "broadcast_rank",
                    op=op,
                    a=0,
                    b=b,
                    shape_a=fmt(first),
                    shape_b=fmt(x),
                    rank_a=len(first) + 1,
                    rank_b=len(x) + 1,
                ),
                ErrorCode.BROADCAST,
            )
        for axis, (n, m) in enumerate(zip(out, x, strict=True)):
            if n != m and n != 1 and m != 1:
                raise FieldError(
                    "inputs",
                    msg(
                        "broadcast_sizes",
                        a=next(a for a in range(b) if xs[a][axis] == n),
                        b=b,
                        dim=axis + 1,
                        size_a=n,
                        size_b=m,
                    ),
                    ErrorCode.BROADCAST,
                )
            out[axis] = max(n, m)
    return tuple(out)


class ElementwiseMerge(Merge):
    """Element-wise merges: PyTorch's broadcasting, the output of the broadcast shape."""

    symbol: ClassVar[str]
    verb: ClassVar[str]

    def infer_many(self, xs: Sequence[Shape]) -> Step:
        """Output: the broadcast shape of the inputs (sizes equal, or 1 and repeated)."""
        return Step(output=broadcast(xs, self.torch_class))

    def torch_function(self) -> TorchFunction:
        """``torch_class`` on two inputs at a time, folded from the left."""
        return TorchFunction(self.torch_class)

    def spatial(self, xs: Sequence[Shape], step: Step) -> int | None:
        """The first spatial axis where a size 1 is repeated along a larger one.

        The same unit then feeds every position along it.
        """
        out = step.output
        for a in range(1, len(out)):
            if any(len(x) == len(out) and x[a] == 1 != out[a] for x in xs):
                return a - 1
        return None

    def explain_many(self, xs: Sequence[Shape], step: Step) -> Worked:
        """The inputs, the broadcasting rule and the shape it gives."""
        name = self.torch_class
        out = step.output
        if len(xs) == 1:
            return without_parameters(
                [say("merge_one", shape_formula(out), name=name)], "params_merge"
            )
        formula = f" {self.symbol} ".join(f"({shape_formula(x)})" for x in xs)
        lines: list[Line] = [
            say(
                "merge_elementwise",
                f"{formula} → {shape_formula(out)}",
                name=name,
                verb=self.verb,
                n=len(xs),
                shapes=", ".join(shape_text(x) for x in xs),
            )
        ]
        names = tensor_names(len(out))
        for axis, size in enumerate(out):
            if any(x[axis] != size for x in xs):
                lines.append(say("merge_broadcast", axis=names[axis], n=size))
        lines.append(say("out_shape", shape_formula(out), shape=shape_text(out)))
        return without_parameters(lines, "params_merge")


class Add(ElementwiseMerge):
    """Element-wise sum (``torch.add``, ``a + b``): a residual connection's merge.

    Shape: PyTorch's broadcast of the inputs' shapes (per axis equal sizes, or 1 repeated;
    equal ranks). No parameters, no MACs.
    """

    type: Literal["add"]
    torch_class: ClassVar[str] = "torch.add"
    course_name: ClassVar[str | None] = "Add"
    sums_inputs: ClassVar[bool] = True
    symbol: ClassVar[str] = "+"
    verb: ClassVar[str] = "add"
    notation_names: ClassVar[dict[str, str]] = {"sum": "add"}


class Mul(ElementwiseMerge):
    """Element-wise product (``torch.mul``, ``a * b``): squeeze-excitation's gate.

    Shape: PyTorch's broadcast of the inputs' shapes (``C × 1 × 1`` times ``C × H × W`` is
    ``C × H × W``; equal ranks). No parameters, no MACs.
    """

    type: Literal["mul"]
    torch_class: ClassVar[str] = "torch.mul"
    course_name: ClassVar[str | None] = "Mul"
    symbol: ClassVar[str] = "×"
    verb: ClassVar[str] = "multiply"
    notation_names: ClassVar[dict[str, str]] = {"multiply": "mul"}


class Concat(Merge):
    """Concatenation (``torch.cat(xs, dim)``): the sizes along ``dim`` add up.

    ``dim`` counts the batch as dimension 0, as ``torch.cat`` does; the default is 1 (the
    channels, ``C₁ + C₂ + …``), and 0 is refused (a network does not concatenate samples);
    a negative ``dim`` counts from the end. Every other size must be equal. No parameters,
    no MACs.
    """

    type: Literal["concat", "cat"]
    dim: Int = 1
    torch_class: ClassVar[str] = "torch.cat"
    course_name: ClassVar[str | None] = "Concat"
    positional: ClassVar[tuple[str, ...]] = ("dim",)
    notation_names: ClassVar[dict[str, str]] = {"concatenate": "concat"}

    @classmethod
    def random_fields(cls, c: Chooser, x: Shape) -> dict[str, Any]:
        """Mostly a ``dim`` from 1 to the rank, sometimes any, the batch and one past included."""
        rank = len(x) + 1
        if chance(c, 15):
            return {}
        if chance(c, 75):
            return {"dim": c.integer(1, rank - 1)}
        return {"dim": c.integer(-rank - 1, rank)}

    def axis(self, x: Shape) -> int:
        """``dim`` as a batch-inclusive index from 1 to ``len(x)``.

        Raises:
            FieldError: ``dim`` out of range, or 0 (the batch).
        """
        ndim = len(x) + 1
        if not -ndim <= self.dim < ndim:
            raise FieldError(
                "dim",
                msg("dim_range", dim=self.dim, low=-ndim, high=ndim - 1),
                ErrorCode.DIM_RANGE,
            )
        dim = self.dim % ndim
        if dim == 0:
            raise FieldError(
                "dim",
                msg("concat_batch", dim=self.dim),
                ErrorCode.UNSUPPORTED,
            )
        return dim

    def infer_many(self, xs: Sequence[Shape]) -> Step:
        """Output: the inputs' common shape, with the sizes along ``dim`` summed.

        Raises:
            FieldError: ``dim`` out of range or 0; ``inputs`` whose ranks or other sizes
                differ (PyTorch's "Sizes of tensors must match except in dimension …").
        """
        first = xs[0]
        dim = self.axis(first)
        total = 0
        for b, x in enumerate(xs):
            if len(x) != len(first):
                raise FieldError(
                    "inputs",
                    msg(
                        "concat_rank",
                        a=0,
                        b=b,
                        shape_a=fmt(first),
                        shape_b=fmt(x),
                        rank_a=len(first) + 1,
                        rank_b=len(x) + 1,
                    ),
                    ErrorCode.CONCAT_SIZES,
                )
            for axis, (n, m) in enumerate(zip(first, x, strict=True)):
                if axis + 1 != dim and n != m:
                    raise FieldError(
                        "inputs",
                        msg(
                            "concat_sizes",
                            a=0,
                            b=b,
                            cat_dim=dim,
                            dim=axis + 1,
                            size_a=n,
                            size_b=m,
                            shape_a=fmt(first),
                            shape_b=fmt(x),
                        ),
                        ErrorCode.CONCAT_SIZES,
                    )
            total += x[dim - 1]
        out = list(first)
        out[dim - 1] = total
        return Step(output=tuple(out))

    def torch_function(self) -> TorchFunction:
        """``torch.cat(xs, dim=dim)``: the inputs as one list (one too: torch checks ``dim``)."""
        return TorchFunction(self.torch_class, listed=True, kwargs={"dim": self.dim})

    def spatial(self, xs: Sequence[Shape], step: Step) -> int | None:
        """Concatenating along a spatial axis (``dim`` ≥ 2) puts units side by side along it."""
        dim = self.axis(xs[0])
        return dim - 2 if len(xs) > 1 and dim >= 2 else None

    def explain_many(self, xs: Sequence[Shape], step: Step) -> Worked:
        """The sizes along ``dim`` summed (``C₁ + C₂ + …``), the other sizes equal."""
        out = step.output
        if len(xs) == 1:
            return without_parameters(
                [say("merge_one", shape_formula(out), name=self.torch_class)], "params_merge"
            )
        dim = self.axis(xs[0])
        name = tensor_names(len(out))[dim - 1]
        sym = " + ".join(f"{name}{_subscript(i + 1)}" for i in range(len(xs)))
        values = " + ".join(str(x[dim - 1]) for x in xs)
        lines = [
            say(
                "merge_concat",
                f"{name}' = {sym} = {values} = {out[dim - 1]}",
                n=len(xs),
                dim=dim,
                axis=name,
                shapes=", ".join(shape_text(x) for x in xs),
            ),
            say("out_shape", shape_formula(out), shape=shape_text(out)),
        ]
        return without_parameters(lines, "params_merge")

    def size_candidates(self, xs: Sequence[Shape], step: Step) -> list[Candidate]:
        """The sizes along ``dim`` not summed: one input's size kept (the largest is one).

        Per input whose size along ``dim`` is not the sum, the output shape with that size.
        """
        if len(xs) < 2:
            return []
        out = step.output
        dim = self.axis(xs[0])
        total = out[dim - 1]
        axis = tensor_names(len(out))[dim - 1]
        terms = " + ".join(str(x[dim - 1]) for x in xs)
        candidates: list[Candidate] = []
        seen: set[int] = set()
        for x in xs:
            size = x[dim - 1]
            if size == total or size in seen:
                continue
            seen.add(size)
            value = tuple(Fraction(v) for v in (*out[: dim - 1], size, *out[dim:]))
            note = msg("mistake_concat_not_summed", axis=axis, terms=terms, total=total, given=size)
            candidates.append(Candidate(Mistake.CONCAT_NOT_SUMMED, value, note))
        return candidates


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _subscript(n: int) -> str:
    return str(n).translate(_SUBSCRIPTS)
