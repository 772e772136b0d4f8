"""Worked formulas, in English and in French, with every number substituted.

Each layer's explanation is a list of ``ExplanationStep(text, formula)``: a sentence for a
student, and the formula alone so that a page can typeset it. Each layer kind tells its own
steps (``LayerSpec.explain``) as message codes with parameters and formulas
(``app.core.layers.worked``); this module renders them from the catalogues of
``app.core.messages``, and tells the receptive field from the layer's windows.
Formulas use the course's notation in both languages (``(N - K + 2P) / S + 1``,
``C_out × (C_in × K_h × K_w + 1)``, ``1 + L × (K − 1)``); the French sentences use the
course's words (couche, noyau/filtre, pas, rembourrage/padding, champ réceptif, taille de
sortie, nombre de paramètres). Every number comes from the layer's own ``infer()`` and from
``shapes.py``, the functions ``analyze()`` uses, so an explanation cannot disagree with the
analysis; a division that is not exact is said to be so and shown with its floor (or ceil).
The formulas' numbers are written as the language writes them (``format_formula``):
``1,225,500`` in English, ``1 225 500`` in French.

Formulas chain ``symbolic = substituted = … = result``: every part without letters
evaluates to the same number.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from fractions import Fraction
from typing import Any, Final

from app.core.analysis import (
    Analysis,
    ExplanationStep,
    LayerReport,
    LayerWarning,
)
from app.core.graph import build_graph
from app.core.layers import LayerSpec, Step
from app.core.layers.base import INPUT_ID, Number, Window
from app.core.layers.worked import (
    Line,
    Worked,
    axis_lines,
    axis_names,
    division_lines,
    group_axes,
    num,
    shape_formula,
    window_formula,
)
from app.core.messages import (
    LANGS,
    Lang,
    Msg,
    format_formula,
    join_axes,
    lang_of,
    warning_message,
)
from app.core.messages import render as render_message
from app.core.receptive_field import ReceptiveField, input_field
from app.core.shapes import AxisOutput

FIELDS: Final = ("output_shape", "weight_shape", "bias_shape", "params", "receptive_field")
"""The fields an explanation covers, in the order they are told."""

FieldSteps = dict[str, list[ExplanationStep]]


def say(key: str, lang: Lang, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    return message(Msg(key, values), lang)


def message(msg: Msg, lang: Lang) -> str:
    """A message in ``lang`` (``app.core.messages.render``)."""
    return render_message(msg, lang)


def render(lines: Sequence[Line], lang: Lang) -> list[ExplanationStep]:
    """A kind's worked lines as steps in ``lang``, their formulas' numbers as it writes them."""
    return [
        ExplanationStep(
            "" if line.text is None else message(line.text, lang),
            None if line.formula is None else format_formula(line.formula, lang),
        )
        for line in lines
    ]


def formulas_in(steps: list[ExplanationStep], lang: Lang) -> list[ExplanationStep]:
    """``steps`` with the numbers of their formulas written as ``lang`` writes them."""
    return [
        ExplanationStep(s.text, None if s.formula is None else format_formula(s.formula, lang))
        for s in steps
    ]


def render_worked(worked: Worked, lang: Lang) -> FieldSteps:
    """Every field of a kind's worked steps rendered in ``lang``."""
    return {name: render(lines, lang) for name, lines in worked.items()}


def division_steps(
    name: str, out: AxisOutput, lang: Lang, *, ceil_mode: bool = False, n: int = 0, p: int = 0
) -> list[ExplanationStep]:
    """What the division did: exact, floored (and what is left unread), or ceiled."""
    return render(division_lines(name, out, ceil_mode=ceil_mode, n=n, p=p), lang)


def conv_axis_steps(
    name: str,
    n: int,
    k: int,
    s: int,
    pad_l: int,
    pad_r: int,
    d: int,
    out: AxisOutput,
    lang: Lang,
    *,
    others: Sequence[str] = (),
    pool: bool = False,
    ceil_mode: bool = False,
) -> list[ExplanationStep]:
    """The output size of one axis (or several with the same sizes) of a sliding window."""
    lines = axis_lines(
        name, n, k, s, pad_l, pad_r, d, out, others=others, pool=pool, ceil_mode=ceil_mode
    )
    return render(lines, lang)


# --- one layer, field by field --------------------------------------------------------------


@dataclasses.dataclass(frozen=True, slots=True)
class StrideBreak:
    """Where the course's ``1 + L × (K − 1)`` stopped applying on one axis, and what it gives.

    Attributes:
        index: the first layer with a stride other than 1 on the axis.
        kind: its type tag.
        stride: its stride on the axis.
        course: the course's formula (``course_formula``) over the K (``K_eff`` when
            dilated) of every sliding window so far, this layer's included: every stride
            taken as 1.
        convolutions: the same over the windows that are no pooling, when every stride other
            than 1 so far was a pooling's (ignoring the poolings then leaves a stride-1 chain
            whose field is ``1 + Σ (K − 1)``); ``None`` when a convolution had one too, or
            when every window so far is a pooling's.
    """

    index: int
    kind: str
    stride: Number
    course: tuple[str, str, int]
    convolutions: tuple[str, str, int] | None


@dataclasses.dataclass(frozen=True, slots=True)
class FieldChain:
    """Per network-input axis, the kernels of the stride-1 layers up to this one.

    ``kernels`` is ``None`` for an axis where a stride other than 1 (or a non-sliding layer
    such as an adaptive pooling or a transposed convolution) has already broken the course's
    shortcut; ``past`` then says, for an axis a sliding layer's stride broke, which layer it
    was and what the course's formula gives past it (``None`` for the other axes).
    """

    kernels: tuple[tuple[int, ...] | None, ...]
    past: tuple[StrideBreak | None, ...] = ()


IN_ORDER: Final = 8
"""Up to this many layers the course's sum is written in the layers' order, then grouped."""


@dataclasses.dataclass(slots=True)
class Tally:
    """Kernel sizes counted as they come: the first ``IN_ORDER + 1`` and each size's count.

    Enough to write the course's formula at every layer of a long stack in time that does
    not grow with the layers before.
    """

    first: list[int] = dataclasses.field(default_factory=list)
    counts: dict[int, int] = dataclasses.field(default_factory=dict)
    layers: int = 0

    def add(self, k: int) -> None:
        """Count one more layer of size ``k``."""
        if self.layers <= IN_ORDER:
            self.first.append(k)
        self.counts[k] = self.counts.get(k, 0) + 1
        self.layers += 1

    def formula(self) -> tuple[str, str, int]:
        """The course's ``1 + L × (K − 1)`` over the sizes: symbolic, substituted, value.

        With different sizes it is the sum ``1 + (K_1 − 1) + … + (K_L − 1)``, written in the
        layers' order up to ``IN_ORDER`` terms, and grouped by size beyond
        (``1 + 13 × (3 − 1) + 4 × (2 − 1)``).
        """
        value = 1 + sum((k - 1) * n for k, n in self.counts.items())
        if len(self.counts) == 1:
            (k,) = self.counts
            return "1 + L × (K − 1)", f"1 + {self.layers} × ({k} − 1)", value
        if self.layers <= IN_ORDER:
            terms = " + ".join(f"({k} − 1)" for k in self.first)
        else:
            terms = " + ".join(f"{n} × ({k} − 1)" for k, n in self.counts.items())
        return "1 + (K_1 − 1) + … + (K_L − 1)", f"1 + {terms}", value


def course_formula(kernels: Sequence[int]) -> tuple[str, str, int]:
    """The course's ``1 + L × (K − 1)`` over ``kernels`` (``Tally.formula``)."""
    tally = Tally()
    for k in kernels:
        tally.add(k)
    return tally.formula()


def _bridge_steps(
    past: StrideBreak, axes: str, jump: str, size: str, lang: Lang
) -> list[ExplanationStep]:
    """Why the course's formula stops applying, and what it gives past the stride.

    Also what it gives without the poolings, when only poolings had a stride.
    """
    symbolic, substituted, course = past.course
    steps = [
        ExplanationStep(
            say(
                "rf_course_stops",
                lang,
                axes=axes,
                index=past.index,
                kind=past.kind,
                stride=num(past.stride),
                jump=jump,
                course=course,
                general=size,
            ),
            f"{symbolic} = {substituted} = {course}",
        )
    ]
    if past.convolutions is not None:
        symbolic, substituted, alone = past.convolutions
        steps.append(
            ExplanationStep(
                say("rf_course_no_pool", lang, value=alone),
                f"{symbolic} = {substituted} = {alone}",
            )
        )
    return steps


def _merge_field_steps(
    report: LayerReport, step: Step, lang: Lang, moved: int | None
) -> list[ExplanationStep]:
    """A merge's field: kept on every axis but ``moved``, along which it depends on position.

    ``moved`` is the spatial axis the merge moves units along (``LayerSpec.spatial``: a
    concatenation along it, a size 1 repeated along it), ``None`` when there is none.
    """
    rf = report.receptive_field
    if moved is None or rf.global_:
        return _field_steps_for_rf(report, step, lang, None)
    names = axis_names(len(rf.size))
    steps = _kept_steps(rf, [axis for axis in range(len(rf.size)) if axis != moved], lang)
    size = num(rf.size[moved])
    steps.append(ExplanationStep(say("rf_moved", lang, axis=names[moved]), f"r = {size}"))
    return steps


def _kept_steps(rf: ReceptiveField, axes: Sequence[int], lang: Lang) -> list[ExplanationStep]:
    """The field kept along ``axes``, one step per group of axes of the same size."""
    names = axis_names(len(rf.size))
    keys = [num(rf.size[axis]) for axis in axes]
    return [
        ExplanationStep(
            say("rf_kept", lang, axes=join_axes([names[axes[a]] for a in group], lang)),
            f"r = {keys[group[0]]}",
        )
        for group in group_axes(keys)
    ]


def _field_steps_for_rf(
    report: LayerReport,
    step: Step,
    lang: Lang,
    chain: FieldChain | None,
    *,
    spreads: bool = False,
    field_in: ReceptiveField | None = None,
) -> list[ExplanationStep]:
    """The receptive field's steps from the layer's windows.

    ``field_in`` is the field of the layer's input, when known: where the rule
    ``r + (K_eff − 1) × j`` does not give the report's size from it (units that read more or
    fewer pixels by position, after an upsampling), the widest unit is told instead.
    """
    rf = report.receptive_field
    names = axis_names(len(rf.size))
    if rf.global_:
        return [
            ExplanationStep(say("rf_global", lang), f"r = {shape_formula(rf.size)}"),
        ]
    windows = step.windows
    if windows is None or len(windows) != len(rf.size):
        return _kept_steps(rf, range(len(rf.size)), lang)
    steps: list[ExplanationStep] = []
    per_axis: list[
        tuple[
            str,
            str,
            str,
            str,
            str,
            tuple[int, ...] | None,
            tuple[str, str, str] | None,
            StrideBreak | None,
            bool,
        ]
    ] = []
    for axis, window in enumerate(windows):
        jump_out = Fraction(rf.jump[axis]).limit_denominator(1 << 20)
        w_stride = Fraction(window.stride)
        j_in = jump_out / w_stride
        r_out = Fraction(rf.size[axis]).limit_denominator(1 << 20)
        w_span = Fraction(window.span)
        r_in = r_out - w_span * j_in
        chained = chain.kernels[axis] if chain is not None else None
        shift: tuple[str, str, str] | None = None
        if w_span == 0 and w_stride == 1 and window.offset != 0:
            # A window of one unit that only moves the field (a padding layer's).
            moved = Fraction(rf.start[axis]).limit_denominator(1 << 20)
            offset = Fraction(window.offset)
            shift = (num(moved - offset * j_in), num(-offset), num(moved))
        past = chain.past[axis] if chain is not None and chain.past else None
        bridge = past if chained is None and shift is None and not spreads else None
        phased = field_in is not None and r_in != Fraction(field_in.size[axis])
        per_axis.append(
            (
                num(r_in),
                num(j_in),
                num(w_span),
                num(w_stride),
                num(r_out),
                chained,
                shift,
                bridge,
                phased,
            )
        )
    for group in group_axes(per_axis):
        size_in, jump_in, span, stride, size_out, kernels, shift, bridge, phased = per_axis[
            group[0]
        ]
        axes = join_axes([names[a] for a in group], lang)
        if phased:
            steps.append(
                ExplanationStep(
                    say(
                        "rf_phases" if size_out != "0" else "rf_phases_none",
                        lang,
                        axes=axes,
                        size=size_out,
                    ),
                    f"r' = {size_out}",
                )
            )
            steps.append(_jump_step(spreads, jump_in, stride, lang))
            continue
        if shift is not None:
            start_in, before, start_out = shift
            steps.append(
                ExplanationStep(
                    say("rf_shift", lang, axes=axes, r=size_out, jump=jump_in),
                    f"r' = r = {size_out}",
                )
            )
            steps.append(
                ExplanationStep(
                    say("rf_start", lang, p=before),
                    f"start' = start − P × j = {start_in} − {signed_num(before)} × {jump_in} = "
                    f"{start_out}",
                )
            )
            continue
        if kernels:
            # The course's formula holds (every earlier stride is 1): it is told, and said to
            # agree with the general rule.
            symbolic, substituted, _ = course_formula(kernels)
            text = (
                say("rf_shortcut", lang, axes=axes, k=kernels[0], layers=len(kernels))
                if len(set(kernels)) == 1
                else say("rf_sum", lang, axes=axes)
            )
            steps.append(ExplanationStep(text, f"r = {symbolic} = {substituted} = {size_out}"))
            continue
        if spreads:
            steps.append(
                ExplanationStep(
                    say("rf_transposed", lang, axes=axes, jump=jump_in, span=span),
                    f"r' = r + Δ × j = {size_in} + {span} × {jump_in} = {size_out}",
                )
            )
            steps.append(_jump_step(spreads, jump_in, stride, lang))
            continue
        if bridge is not None:
            steps.extend(_bridge_steps(bridge, axes, jump_in, size_out, lang))
        steps.append(
            ExplanationStep(
                say(
                    "rf_general" if bridge is not None else "rf_step", lang, axes=axes, jump=jump_in
                ),
                f"r' = r + (K_eff − 1) × j = {size_in} + {span} × {jump_in} = {size_out}",
            )
        )
        steps.append(_jump_step(spreads, jump_in, stride, lang))
    return steps


def _jump_step(spreads: bool, jump_in: str, stride: str, lang: Lang) -> ExplanationStep:
    """How the distance between neighbouring units changes: divided or multiplied by S."""
    if spreads:
        inverse = num(1 / Fraction(stride))
        return ExplanationStep(
            say("rf_jump_div", lang),
            f"j' = j / S = {jump_in} / {inverse} = {num_mul(jump_in, stride)}",
        )
    return ExplanationStep(
        say("rf_jump_mul", lang),
        f"j' = j × S = {jump_in} × {stride} = {num_mul(jump_in, stride)}",
    )


def signed_num(text: str) -> str:
    """A number written by ``num`` as a factor: ``(-2)`` when negative."""
    return f"({text})" if text.startswith("-") else text


def num_mul(a: str, b: str) -> str:
    """The product of two numbers written by ``num``."""
    return num(Fraction(a) * Fraction(b))


def field_steps(
    spec: LayerSpec,
    report: LayerReport,
    lang: str,
    *,
    chain: FieldChain | None = None,
    step: Step | None = None,
    inputs: Sequence[tuple[int, ...]] | None = None,
    field_in: ReceptiveField | None = None,
) -> FieldSteps:
    """The worked steps of one layer, field by field (the keys of ``FIELDS``).

    The layer kind tells its output shape, weight, bias and parameters (``spec.explain``);
    the receptive field is told here from its windows.

    Args:
        spec: the layer.
        report: its report from ``analyze()``; every number shown equals the report's.
        lang: ``"en"`` or ``"fr"``.
        chain: the stride-1 kernels so far, to use the course's ``1 + L × (K − 1)``.
        step: the layer's ``infer()`` for the report's input, when the caller has it.
        inputs: a merge's input shapes (its report holds the first one's).
        field_in: the receptive field of the layer's input, when known (see
            ``_field_steps_for_rf``).
    """
    language = lang_of(lang)
    x = tuple(report.input_shape)
    if spec.merges:
        xs = (x,) if inputs is None else tuple(inputs)
        step = spec.infer_many(xs)
        fields = render_worked(spec.explain_many(xs, step), language)
        fields["receptive_field"] = formulas_in(
            _merge_field_steps(report, step, language, spec.spatial(xs, step)), language
        )
        if not report.receptive_field.global_ and len(xs) > 1:
            fields["receptive_field"].insert(0, ExplanationStep(say("rf_merge", language)))
        return fields
    if step is None:
        step = spec.infer(x)
    fields = render_worked(spec.explain(x, step), language)
    fields["receptive_field"] = formulas_in(
        _field_steps_for_rf(report, step, language, chain, spreads=spec.spreads, field_in=field_in),
        language,
    )
    return fields


def explain_layer(
    spec: LayerSpec, report: LayerReport, lang: str, *, chain: FieldChain | None = None
) -> list[ExplanationStep]:
    """Every worked step of one layer: output size, weight, bias, parameters, receptive field.

    Args:
        spec: the layer.
        report: its report from ``analyze()``.
        lang: ``"en"`` or ``"fr"``.
        chain: the stride-1 kernels so far (``explain_analysis`` supplies it); without it the
            receptive field is told with the general recurrence only.
    """
    fields = field_steps(spec, report, lang, chain=chain)
    return [s for name in FIELDS for s in fields[name]]


def field_chains(analysis: Analysis, specs: Sequence[LayerSpec]) -> list[FieldChain | None]:
    """For each layer, the stride-1 kernels of the sliding windows up to it, per axis.

    The course's ``1 + L × (K − 1)`` holds while every earlier sliding layer has stride 1
    (the layer's own stride only matters to the layers after it); an axis where that fails,
    or where a layer that is no sliding window changed the field, is ``None`` from then on.
    Where a sliding layer's stride broke it, ``past`` names that layer and counts every
    sliding window's K since the input, so that the explanation can show what the course's
    formula gives past the stride (``StrideBreak``).
    """
    chains: list[FieldChain | None] = []
    d = len(analysis.input_shape) - 1
    kernels: list[list[int] | None] = [[] for _ in range(d)]
    # Every sliding window's K so far, stride or not, and those that are no pooling's.
    seen: list[tuple[Tally, Tally] | None] = [(Tally(), Tally()) for _ in range(d)]
    breaks: list[tuple[int, str, Number] | None] = [None] * d
    strided_conv = [False] * d
    for spec, report in zip(specs, analysis.layers, strict=True):
        step = spec.infer(tuple(report.input_shape))
        windows: tuple[Window, ...] | None = step.windows
        sliding = spec.slides
        if report.receptive_field.global_ or windows is None:
            if report.receptive_field.global_:
                kernels = [None] * d
                seen = [None] * d
            chains.append(None)
            continue
        if len(windows) != d or not sliding:
            kernels = [None] * d
            seen = [None] * d
            chains.append(None)
            continue
        pooling = spec.pooling
        for axis, window in enumerate(windows):
            current = kernels[axis]
            if current is not None and window.span != 0:
                current.append(int(window.span) + 1)
            so_far = seen[axis]
            if so_far is not None and window.span != 0:
                so_far[0].add(int(window.span) + 1)
                if not pooling:
                    so_far[1].add(int(window.span) + 1)
        past = tuple(
            _stride_break(breaks[axis], seen[axis], strided_conv[axis]) for axis in range(d)
        )
        # This layer's stride only spreads the units of the layers after it.
        chains.append(FieldChain(tuple(tuple(k) if k else None for k in kernels), past))
        for axis, window in enumerate(windows):
            if window.stride != 1:
                kernels[axis] = None
                if breaks[axis] is None:
                    breaks[axis] = (report.index, report.type, window.stride)
                strided_conv[axis] = strided_conv[axis] or not pooling
    return chains


def _stride_break(
    where: tuple[int, str, Number] | None,
    seen: tuple[Tally, Tally] | None,
    strided_conv: bool,
) -> StrideBreak | None:
    if where is None or seen is None or not seen[0].layers:
        return None
    index, kind, stride = where
    every, convolutions = seen
    told = not strided_conv and 0 < convolutions.layers < every.layers
    return StrideBreak(
        index, kind, stride, every.formula(), convolutions.formula() if told else None
    )


def explain_fields(analysis: Analysis, specs: Sequence[LayerSpec], lang: str) -> list[FieldSteps]:
    """``field_steps`` for every layer of an analysis, with the course's shortcut where it holds.

    ``specs`` are the request's entries; a graph's are expanded to its layers first, and the
    course's shortcut ``1 + L × (K − 1)``, which follows one path, is left to chains.
    """
    graph = build_graph(specs, len(analysis.layers))
    layers = [node.spec for node in graph.nodes]
    chains = field_chains(analysis, layers) if graph.chain else [None] * len(layers)
    shapes = {report.id: tuple(report.output_shape) for report in analysis.layers}
    shapes[INPUT_ID] = tuple(analysis.input_shape)
    received = {report.id: report.receptive_field for report in analysis.layers}
    received[INPUT_ID] = input_field(tuple(analysis.input_shape[1:]))
    return [
        field_steps(
            spec,
            report,
            lang,
            chain=chain,
            inputs=[shapes[i] for i in report.inputs] if spec.merges else None,
            field_in=received[report.inputs[0]],
        )
        for spec, report, chain in zip(layers, analysis.layers, chains, strict=True)
    ]


def explain_analysis(analysis: Analysis, specs: Sequence[LayerSpec], lang: str) -> Analysis:
    """A copy of ``analysis`` with every layer's ``explanation`` filled in, in ``lang``.

    Warnings are said in ``lang`` too.
    """
    fields = explain_fields(analysis, specs, lang)
    layers = []
    for report, steps in zip(analysis.layers, fields, strict=True):
        explanation = [s for name in FIELDS for s in steps[name]]
        warnings = [warning_in(w, lang) for w in report.warnings]
        layers.append(dataclasses.replace(report, explanation=explanation, warnings=warnings))
    return dataclasses.replace(
        analysis,
        layers=layers,
        warnings=[warning_in(w, lang) for w in analysis.warnings],
    )


def warning_in(warning: LayerWarning, lang: str) -> LayerWarning:
    """The warning with its message in ``lang``, made from its code and parameters."""
    if lang_of(lang) == "en":
        return warning
    text = render_message(warning_message(warning.code, warning.params), lang)
    return dataclasses.replace(warning, message=text)


__all__ = [
    "FIELDS",
    "LANGS",
    "FieldChain",
    "Lang",
    "StrideBreak",
    "Tally",
    "course_formula",
    "explain_analysis",
    "explain_fields",
    "explain_layer",
    "field_steps",
    "lang_of",
    "message",
    "render",
    "render_worked",
    "warning_in",
    "window_formula",
]
