"""Homework grading: a student's answers for a stack, marked with the worked formulas.

An answer names a layer and gives any of its output shape, weight shape, bias shape, number
of parameters and receptive field; ``total_params`` may be given for the whole stack. Each
field is marked correct or not against ``analyze()``, with the expected value and the worked
formula of that field (``app.core.explain``). Students' ways of writing are accepted: a shape
as a list or as text (``10x32x32``, ``10 × 32 × 32``, ``(10, 32, 32)``), a count with
thousands separators (``1 256 080``, ``1,256,080``), a receptive field as one number when
every axis agrees. A linear weight written in the course's order (``2450 x 500``, in × out)
is correct, with a note that PyTorch stores it out × in.

A wrong answer that a classic mistake explains is named (``Mistake``): the bias forgotten
(any layer with a bias); the rest are each kind's own (``LayerSpec.size_mistakes``,
``param_mistakes``, ``weight_mistakes``, its weight notes):
the padding forgotten (``2P``) or counted once, ``C_out`` multiplied twice, ``K`` used
instead of ``K − 1`` in the receptive field, the pooling layers ignored there or the
course's ``1 + L × (K − 1)`` used past a stride, the floor forgotten or rounded up, and a few
more. Each mistake is recomputed from the stack, never guessed from the numbers' look.
Every note is a message of the catalogues (``mistake_note``, ``grading_note``), rendered in
the request's language.

A graph is graded as a chain is: an answer names a layer by its index or by its id (given,
or generated: the dotted name ``layer1.0.conv1`` the analysis reports). The mistakes of
branching networks are ``Mistake`` members too, their notes with their numbers: the sizes
of a concatenation not summed and a merge counted as having parameters (the merges' own,
``Merge.size_candidates`` and ``Merge.param_candidates``), and a projection shortcut
forgotten in ``total_params`` (found here on the graph: ``_shortcuts``).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Final

from app.core.analysis import (
    DEFAULT_LIMITS,
    Analysis,
    ExplanationStep,
    LayerReport,
    Limits,
    analyze,
    parse_layers,
)
from app.core.errors import ErrorCode, StackError
from app.core.explain import FieldSteps, Lang, field_chains, field_steps, lang_of
from app.core.graph import INPUT, Graph, build_graph
from app.core.layers import LayerSpec, Step
from app.core.layers.base import Candidate, Mistake, prod
from app.core.messages import Msg, format_formula, msg, render

ANSWER_FIELDS: Final = ("output_shape", "weight_shape", "bias_shape", "params", "receptive_field")
"""The fields an answer may give for a layer, in the order they are marked."""


def mistake_note(mistake: Mistake, **params: Any) -> Msg:
    """The note that names ``mistake``: the code ``mistake_`` and its value, with its numbers.

    The classic mistakes' notes take no parameters; the branching networks' take theirs
    (``Merge.size_candidates``, ``Merge.param_candidates``, ``_shortcut_candidates``).
    """
    return msg(f"mistake_{mistake.value}", **params)


def grading_note(key: str, **params: Any) -> Msg:
    """A remark on an answer: ``no_weight``, ``no_bias``, ``rf_axes``, or a kind's weight note.

    A kind's notes are its ``course_weight_note`` and ``weight_order_note`` (``linear_order``,
    ``transposed_order``).
    """
    return msg(f"grading_note_{key}", **params)


@dataclass(frozen=True, slots=True)
class Score:
    """How many answers were right out of how many given."""

    correct: int
    total: int


@dataclass(frozen=True, slots=True)
class FieldResult:
    """One answered field: what was given, what is expected, and how to get it.

    Attributes:
        layer: the layer's index, ``None`` for ``total_params``.
        field: ``output_shape``, ``weight_shape``, ``bias_shape``, ``params``,
            ``receptive_field`` or ``total_params``.
        given: the answer as sent.
        expected: the right value (a shape as a list; ``None`` for a missing weight/bias).
        correct: whether the answer is right.
        explanation: the worked formula of the field.
        mistake: the classic mistake that explains a wrong answer, if one does.
        note: a remark in the request's language (the mistake's, or on a correct answer).
        id: the layer's id (as the analysis reports it), ``None`` for ``total_params``.
    """

    layer: int | None
    field: str
    given: Any
    expected: Any
    correct: bool
    explanation: list[ExplanationStep]
    mistake: Mistake | None = None
    note: str | None = None
    id: str | None = None


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The score and one result per answered field, in the order of the answers."""

    score: Score
    results: list[FieldResult] = field(default_factory=list)


# --- reading answers ------------------------------------------------------------------------

# ASCII digits only: ``\d`` and ``int()`` take any script's digits, and ``٧٦٠`` is no answer
# of the course. No exponent is read, so no text becomes a giant number.
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_SHAPE = re.compile(rf"{_NUMBER.pattern}(?:\s*[x×X*,;]\s*{_NUMBER.pattern}|\s+{_NUMBER.pattern})*")
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f_,'][0-9]{3})+")

MAX_ANSWER_CHARS: Final = 256
"""Longer text is not read (the API takes 200 characters): reading stays linear and small."""

MAX_ANSWER_ITEMS: Final = 64
"""A shape given as a list of more sizes than this is not read."""


def read_number(value: Any) -> Fraction | None:
    """A count or size: an int, a float, or text like ``760``, ``1 256 080``, ``15.5``.

    Text is read in ASCII digits, at most ``MAX_ANSWER_CHARS`` long; ``None`` otherwise.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        return Fraction(value) if value == value and abs(value) != float("inf") else None
    if isinstance(value, str) and len(value) <= MAX_ANSWER_CHARS:
        text = value.strip()
        if _THOUSANDS.fullmatch(text):
            return Fraction(re.sub(r"[^0-9]", "", text))
        if _NUMBER.fullmatch(text):
            return Fraction(text)
    return None


def read_shape(value: Any) -> tuple[Fraction, ...] | None:
    """A shape: ``[10, 32, 32]``, ``"10x32x32"``, ``"10 × 32 × 32"``, ``"(10, 32, 32)"``.

    Read as ``read_number`` reads each size; a list of more than ``MAX_ANSWER_ITEMS`` sizes
    or a text over ``MAX_ANSWER_CHARS`` gives ``None``.
    """
    if isinstance(value, list | tuple):
        if len(value) > MAX_ANSWER_ITEMS:
            return None
        parts = [read_number(v) for v in value]
        if not parts or any(p is None for p in parts):
            return None
        return tuple(p for p in parts if p is not None)
    number = read_number(value)
    if number is not None:
        return (number,)
    if not isinstance(value, str) or len(value) > MAX_ANSWER_CHARS:
        return None
    text = value.strip().strip("()[]{} ").rstrip(",").strip()  # "(20,)" is Python's 1-tuple
    if not _SHAPE.fullmatch(text):
        return None
    return tuple(Fraction(n) for n in _NUMBER.findall(text))


def _is_none(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in (
        "none",
        "null",
        "-",
        "—",
        "aucun",
        "aucune",
        "pas de biais",
        "no bias",
        "",
    )


def _plain(values: Sequence[Fraction]) -> list[int | float]:
    return [int(v) if v.denominator == 1 else float(v) for v in values]


# --- the expected values and their classic mistakes -----------------------------------------


RfChain = tuple[tuple[Fraction, ...], tuple[Fraction, ...], tuple[Fraction, ...]]
"""Per axis, the receptive field with ``K`` for ``K − 1``, with the strides ignored, and with
the poolings taken as absent."""


@dataclass(slots=True)
class _Context:
    """One grading: the stack, and what its answers share, each computed once.

    ``rf_chains`` is filled in one pass over the stack the first time a receptive-field
    answer needs it, and ``rf_mistakes`` keeps each layer's candidates, so any number of
    answers costs O(layers + answers). ``inputs`` are each layer's inputs (the graph's).
    """

    analysis: Analysis
    specs: list[LayerSpec]
    lang: Lang
    inputs: list[tuple[int, ...]]
    rf_chains: list[RfChain | None] | None = None
    rf_mistakes: dict[int, dict[Mistake, tuple[Fraction, ...]]] = field(default_factory=dict)


def _param_mistakes(spec: LayerSpec, report: LayerReport, step: Step) -> dict[Mistake, Fraction]:
    """Parameter counts that classic mistakes give: any layer's bias, then the kind's own."""
    out: dict[Mistake, Fraction] = {}
    weight = prod(tuple(report.weight_shape)) if report.weight_shape else 0
    bias = prod(tuple(report.bias_shape)) if report.bias_shape else 0
    if bias:
        out[Mistake.FORGOT_BIAS] = Fraction(report.params - bias)
        out[Mistake.ONE_BIAS] = Fraction(weight + 1)
    out.update(spec.param_mistakes(step))
    return {m: v for m, v in out.items() if v != report.params}


def _rf_chains(
    specs: Sequence[LayerSpec], analysis: Analysis, inputs: Sequence[tuple[int, ...]]
) -> list[RfChain | None]:
    """For every layer, in one pass, the receptive fields three classic mistakes give.

    Per axis, over the windows up to and with the layer: ``K`` for ``K − 1`` gives
    ``1 + Σ (span + 1) × jump`` (``jump`` the product of the strides before; a padding layer
    has no kernel and adds nothing), ignoring the strides gives ``1 + Σ span`` (the course's
    formula past a stride), and ignoring the poolings (max, average, adaptive) gives the
    general rule ``r' = r + span × j``, ``j' = j × S`` over the other windows (for LeNet-5's
    second convolution ``1 + 4 + 4 = 9``, the course's formula over the convolutions alone).
    Each layer continues its inputs' sums (``inputs``, the graph's); a merge takes the largest
    of its inputs' per axis (the field is the hull over paths) and the jumps of its first.
    ``None`` from a layer whose windows have another number of axes than the input, and for
    every layer after it on its paths.
    """
    d = len(analysis.input_shape) - 1
    # Per layer: k_size, k_jump, flat, bare, bare_jump, one value per axis each.
    start = [[Fraction(1)] * d for _ in range(5)]
    states: list[list[list[Fraction]] | None] = []
    chains: list[RfChain | None] = []
    for spec, report, sources in zip(specs, analysis.layers, inputs, strict=True):
        before = [start if i == INPUT else states[i] for i in sources]
        state: list[list[Fraction]] | None = None
        known = [b for b in before if b is not None]
        windows = None
        if len(known) == len(before):
            state = [
                [max(b[n][a] for b in known) for a in range(d)]
                if n in (0, 2, 3)
                else [*known[0][n]]
                for n in range(5)
            ]
            windows = spec.infer(tuple(report.input_shape)).windows
        if state is not None and windows is not None and len(windows) != d:
            state = None
        elif state is not None and windows is not None:
            k_size, k_jump, flat, bare, bare_jump = state
            # A padding layer's window only moves the field: it has no kernel whose K to misuse.
            kernel = not spec.shifts_only
            pooling = spec.pooling
            for a, w in enumerate(windows):
                if kernel:
                    k_size[a] += (Fraction(w.span) + 1) * k_jump[a]
                k_jump[a] *= Fraction(w.stride)
                flat[a] += Fraction(w.span)
                if not pooling:
                    bare[a] += Fraction(w.span) * bare_jump[a]
                    bare_jump[a] *= Fraction(w.stride)
        states.append(state)
        chains.append(
            None if state is None else (tuple(state[0]), tuple(state[2]), tuple(state[3]))
        )
    return chains


def _rf_mistakes(ctx: _Context, index: int) -> dict[Mistake, tuple[Fraction, ...]]:
    """Receptive fields that classic mistakes give, per axis (computed once per layer)."""
    kept = ctx.rf_mistakes.get(index)
    if kept is not None:
        return kept
    if ctx.rf_chains is None:
        ctx.rf_chains = _rf_chains(ctx.specs, ctx.analysis, ctx.inputs)
    report = ctx.analysis.layers[index]
    chain = ctx.rf_chains[index]
    out: dict[Mistake, tuple[Fraction, ...]] = {}
    if not report.receptive_field.global_ and chain is not None:
        sizes = tuple(Fraction(s).limit_denominator(1 << 20) for s in report.receptive_field.size)
        # Tried in this order, the first that gives the answer is named. The poolings
        # ignored comes first: it is also the course's 1 + L × (K − 1) over the convolutions
        # alone (9 for LeNet-5's second convolution), and it names what was left out. The
        # course's formula past a stride (every window's K − 1, strides taken as 1) is
        # IGNORED_STRIDE (10 there).
        candidates = {
            Mistake.IGNORED_POOLING: chain[2],
            Mistake.K_NOT_K_MINUS_1: chain[0],
            Mistake.FORGOT_ONE: tuple(s - 1 for s in sizes),
            Mistake.IGNORED_STRIDE: chain[1],
        }
        out = {m: v for m, v in candidates.items() if v != sizes}
    ctx.rf_mistakes[index] = out
    return out


def _mistake(
    given: Sequence[Fraction] | Fraction, candidates: Mapping[Mistake, Any]
) -> Mistake | None:
    for mistake, value in candidates.items():
        if value == given:
            return mistake
    return None


def _shape_result(
    layer: int,
    name: str,
    given: Any,
    expected: list[int] | None,
    explanation: list[ExplanationStep],
    ctx: _Context,
    spec: LayerSpec,
    mistakes: Mapping[Mistake, tuple[Fraction, ...]],
) -> FieldResult:
    lang = ctx.lang
    if expected is None:
        right = given is None or _is_none(given) or read_shape(given) == ()
        key = "no_weight" if name == "weight_shape" else "no_bias"
        return FieldResult(
            layer,
            name,
            given,
            None,
            right,
            explanation,
            None,
            None if right else render(grading_note(key), lang),
        )
    if _is_none(given):
        return FieldResult(layer, name, given, expected, False, explanation)
    shape = read_shape(given)
    if shape is None:
        return _unreadable(layer, name, given, expected, explanation, lang)
    target = tuple(Fraction(v) for v in expected)
    if shape == target:
        return FieldResult(layer, name, given, expected, True, explanation)
    if name == "weight_shape" and spec.course_weight_note is not None:
        course = tuple(Fraction(v) for v in spec.course_weight(tuple(expected)))
        if shape == course:
            torch = " × ".join(str(v) for v in expected)
            order = render(grading_note(spec.course_weight_note, torch=torch), lang)
            return FieldResult(layer, name, given, expected, True, explanation, None, order)
    mistake = _mistake(shape, mistakes)
    note: str | None = None
    if mistake is None and sorted(shape) == sorted(target):
        mistake = Mistake.WRONG_ORDER
        if name == "weight_shape" and spec.weight_order_note is not None:
            note = render(grading_note(spec.weight_order_note), lang)
    if mistake is not None and note is None:
        note = render(mistake_note(mistake), lang)
    return FieldResult(layer, name, given, expected, False, explanation, mistake, note)


def _unreadable(
    layer: int | None,
    name: str,
    given: Any,
    expected: Any,
    explanation: list[ExplanationStep],
    lang: Lang,
) -> FieldResult:
    return FieldResult(
        layer,
        name,
        given,
        expected,
        False,
        explanation,
        Mistake.UNREADABLE,
        render(mistake_note(Mistake.UNREADABLE), lang),
    )


def _count_result(
    layer: int | None,
    name: str,
    given: Any,
    expected: int,
    explanation: list[ExplanationStep],
    lang: Lang,
    mistakes: Mapping[Mistake, Fraction],
) -> FieldResult:
    number = read_number(given)
    if number is None:
        return _unreadable(layer, name, given, expected, explanation, lang)
    if number == expected:
        return FieldResult(layer, name, given, expected, True, explanation)
    mistake = _mistake(number, mistakes)
    note = render(mistake_note(mistake), lang) if mistake else None
    return FieldResult(layer, name, given, expected, False, explanation, mistake, note)


def _rf_result(
    layer: int,
    given: Any,
    report: LayerReport,
    explanation: list[ExplanationStep],
    ctx: _Context,
) -> FieldResult:
    sizes = [Fraction(s).limit_denominator(1 << 20) for s in report.receptive_field.size]
    expected: Any = _plain(sizes)
    if len(set(sizes)) == 1:
        expected = expected[0]
    if isinstance(given, str) and given.strip().lower() in WHOLE_INPUT:
        right = report.receptive_field.global_
        return FieldResult(layer, "receptive_field", given, expected, right, explanation)
    shape = read_shape(given)
    if shape is None:
        return _unreadable(layer, "receptive_field", given, expected, explanation, ctx.lang)
    if len(shape) == 1 and len(sizes) > 1:
        if len(set(sizes)) > 1:
            axes_note = render(grading_note("rf_axes"), ctx.lang)
            return FieldResult(
                layer, "receptive_field", given, expected, False, explanation, None, axes_note
            )
        shape = shape * len(sizes)
    if list(shape) == sizes:
        return FieldResult(layer, "receptive_field", given, expected, True, explanation)
    mistake = _mistake(shape, _rf_mistakes(ctx, layer))
    hint = render(mistake_note(mistake), ctx.lang) if mistake else None
    return FieldResult(layer, "receptive_field", given, expected, False, explanation, mistake, hint)


WHOLE_INPUT: Final = frozenset(
    {"global", "all", "whole", "whole input", "tout", "toute l'entrée", "toute l'image", "entier"}
)
"""Ways to say that a unit sees the whole input (after a flatten or a linear layer)."""


def _total_explanation(analysis: Analysis, lang: Lang) -> list[ExplanationStep]:
    terms = [str(r.params) for r in analysis.layers if r.params]
    formula = format_formula(f"{' + '.join(terms) or '0'} = {analysis.total_params}", lang)
    return [ExplanationStep(render(msg("total_params_sum"), lang), formula)]


def _total_mistakes(analysis: Analysis) -> dict[Mistake, Fraction]:
    biases = sum(prod(tuple(r.bias_shape)) for r in analysis.layers if r.bias_shape)
    out = {
        Mistake.FORGOT_BIAS: Fraction(analysis.total_params - biases),
        Mistake.COUNTED_BUFFERS: Fraction(analysis.total_params + analysis.total_buffers),
    }
    return {m: v for m, v in out.items() if v != analysis.total_params}


def x_of(report: LayerReport) -> tuple[int, ...]:
    """A layer's input shape as a tuple."""
    return tuple(report.input_shape)


def check_answers(
    answers: Sequence[Mapping[str, Any]],
    ids: Sequence[str],
    blocks: Mapping[str, int] | None = None,
) -> list[int]:
    """Every answer names an existing layer and only known fields; the layers' indices.

    An answer's ``layer`` is an index (from 0), an id of ``ids`` (the layers' ids, in order)
    or a ``sequential`` block's name in ``blocks`` (``Graph.blocks``), which stands for its
    output: its last layer.

    Raises:
        StackError: with the answer's place in ``loc``.
    """
    layers = len(ids)
    index_of: dict[str, int] | None = None
    indices: list[int] = []
    for i, answer in enumerate(answers):
        if not isinstance(answer, Mapping):
            raise StackError(("answers", i), msg("answer_object"), ErrorCode.INPUT_SHAPE)
        for key in answer:
            if key != "layer" and key not in ANSWER_FIELDS:
                raise StackError(
                    ("answers", i, str(key)),
                    msg("answer_field", key=key, fields=", ".join(ANSWER_FIELDS)),
                    ErrorCode.INPUT_SHAPE,
                )
        index = answer.get("layer")
        if isinstance(index, str):
            if index_of is None:
                index_of = {name: n for n, name in enumerate(ids)}
            found = index_of.get(index)
            if found is None and blocks:
                found = blocks.get(index)
                if found is not None:
                    _block_answer(answer, i, index)
            if found is None:
                raise StackError(
                    ("answers", i, "layer"),
                    msg("answer_layer_id", last=layers - 1, value=index),
                    ErrorCode.UNKNOWN_INPUT,
                )
            index = found
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < layers:
            raise StackError(
                ("answers", i, "layer"),
                msg("answer_layer", last=layers - 1, value=index),
                ErrorCode.INPUT_SHAPE,
            )
        indices.append(index)
    return indices


BLOCK_FIELDS: Final = ("output_shape", "receptive_field")
"""What an answer naming a ``sequential`` block may give: its output's, which is its last
layer's. Its weights and parameters would be the block's sum, which is not graded."""


def _block_answer(answer: Mapping[str, Any], i: int, block: str) -> None:
    """An answer naming a block gives only its output's fields.

    Raises:
        StackError: at the first field that would be the block's sum.
    """
    for key, value in answer.items():
        if key != "layer" and key not in BLOCK_FIELDS and value is not None:
            raise StackError(
                ("answers", i, str(key)),
                msg("answer_block_field", block=block, key=key, fields=", ".join(BLOCK_FIELDS)),
                ErrorCode.INPUT_SHAPE,
            )


def _shortcuts(graph: Graph, analysis: Analysis) -> list[list[int]]:
    """The projection shortcuts of the graph's additions, each as its layers' indices.

    For an ``add`` of two inputs, each input is followed back through the layers of one input
    that nothing else reads, up to the layer both paths leave (the block's input). When both
    reach the same one, the path with fewer parameters is the shortcut, kept when it has
    some (an identity shortcut has no layer). Each layer is walked once: linear in the layers.
    """
    nodes = graph.nodes
    readers = [0] * len(nodes)
    for node in nodes:
        for i in node.inputs:
            if i != INPUT:
                readers[i] += 1
    found: list[list[int]] = []
    for node in nodes:
        if not node.spec.sums_inputs or len(node.inputs) != 2:
            continue
        paths: list[list[int]] = []
        forks: list[int] = []
        for i in node.inputs:
            path: list[int] = []
            while i != INPUT and readers[i] == 1 and len(nodes[i].inputs) == 1:
                path.append(i)
                i = nodes[i].inputs[0]
            paths.append(path[::-1])
            forks.append(i)
        (low, short), (high, _) = sorted(
            ((sum(analysis.layers[i].params for i in path), path) for path in paths),
            key=lambda counted: counted[0],
        )
        if forks[0] == forks[1] and 0 < low < high:
            found.append(short)
    return found


def _shortcut_candidates(graph: Graph, analysis: Analysis) -> list[Candidate]:
    """``total_params`` without one projection shortcut, or without all of them."""
    shortcuts = _shortcuts(graph, analysis)
    groups = [[s] for s in shortcuts]
    if len(shortcuts) > 1:
        groups.append(shortcuts)
    candidates: list[Candidate] = []
    for group in groups:
        layers = [i for shortcut in group for i in shortcut]
        params = sum(analysis.layers[i].params for i in layers)
        note = mistake_note(
            Mistake.SHORTCUT_FORGOTTEN,
            layers=", ".join(analysis.layers[i].id for i in layers),
            params=params,
        )
        value = Fraction(analysis.total_params - params)
        candidates.append(Candidate(Mistake.SHORTCUT_FORGOTTEN, value, note))
    return candidates


def _branch_mistake(
    result: FieldResult, given: Any, candidates: Sequence[Candidate], lang: Lang
) -> FieldResult:
    """``result``, a wrong answer no classic mistake explained, named by a candidate it equals."""
    if result.correct or result.mistake is not None or not candidates:
        return result
    value = read_number(given) if isinstance(candidates[0].value, Fraction) else read_shape(given)
    for candidate in candidates:
        if value is not None and value == candidate.value:
            note = render(candidate.note, lang)
            return dataclasses.replace(result, mistake=candidate.mistake, note=note)
    return result


def grade(
    input_shape: Sequence[int],
    layers: Sequence[LayerSpec | Mapping[str, Any]] | str,
    answers: Sequence[Mapping[str, Any]],
    total_params: Any = None,
    lang: str = "en",
    *,
    strict: bool = False,
    limits: Limits = DEFAULT_LIMITS,
) -> CheckResult:
    """Mark a student's answers for a stack or a graph.

    Args:
        input_shape: the input without the batch.
        layers: the stack, as ``analyze`` takes it (specs, dicts or text; a graph too).
        answers: ``{"layer": i, "output_shape"?, "weight_shape"?, "bias_shape"?, "params"?,
            "receptive_field"?}`` each, ``i`` the layer's index or its id (as the analysis
            reports it); a ``None`` field is not answered.
        total_params: the answer for the whole stack's parameter count, if given.
        lang: ``"en"`` or ``"fr"``, for explanations and notes.
        strict: passed to ``analyze`` (an inexact division is then an error).
        limits: bounds on the stack.

    Returns:
        The score and one result per answered field.

    Raises:
        LayerError: the stack itself is impossible.
        StackError: an answer names no layer of the stack, or an unknown field.
    """
    language = lang_of(lang)
    entries = parse_layers(layers, max_layers=limits.max_layers)
    analysis = analyze(input_shape, entries, strict=strict, limits=limits)
    graph = build_graph(entries, limits.max_layers)
    specs = [node.spec for node in graph.nodes]
    indices = check_answers(answers, [report.id for report in analysis.layers], graph.blocks)
    # Worked steps only for the layers answered, each once (as explain_fields would give);
    # the course's shortcut 1 + L × (K − 1) follows one path, so only a chain's.
    chains = field_chains(analysis, specs) if graph.chain else [None] * len(specs)
    steps: dict[int, FieldSteps] = {}
    inferred: dict[int, Step] = {}
    merged: dict[int, tuple[tuple[int, ...], ...]] = {}
    ctx = _Context(analysis, specs, language, [node.inputs for node in graph.nodes])
    results: list[FieldResult] = []
    for answer, index in zip(answers, indices, strict=True):
        spec, report = specs[index], analysis.layers[index]
        first = len(results)
        if index not in steps:
            xs = None
            if spec.merges:
                xs = merged[index] = tuple(
                    tuple(analysis.input_shape if i == INPUT else analysis.layers[i].output_shape)
                    for i in graph.nodes[index].inputs
                )
                inferred[index] = spec.infer_many(xs)
            else:
                inferred[index] = spec.infer(tuple(report.input_shape))
            steps[index] = field_steps(
                spec, report, language, chain=chains[index], step=inferred[index], inputs=xs
            )
        for name in ANSWER_FIELDS:
            given = answer.get(name)
            if given is None:
                continue
            explanation = steps[index][name]
            if name == "output_shape":
                results.append(
                    _shape_result(
                        index,
                        name,
                        given,
                        list(report.output_shape),
                        explanation,
                        ctx,
                        spec,
                        spec.size_mistakes(x_of(report), inferred[index]),
                    )
                )
            elif name in ("weight_shape", "bias_shape"):
                shape = report.weight_shape if name == "weight_shape" else report.bias_shape
                expected = None if shape is None else list(shape)
                mistakes: dict[Mistake, tuple[Fraction, ...]] = {}
                if name == "weight_shape":
                    mistakes = spec.weight_mistakes(inferred[index])
                results.append(
                    _shape_result(index, name, given, expected, explanation, ctx, spec, mistakes)
                )
            elif name == "params":
                results.append(
                    _count_result(
                        index,
                        name,
                        given,
                        report.params,
                        explanation,
                        language,
                        _param_mistakes(spec, report, inferred[index]),
                    )
                )
            else:
                results.append(_rf_result(index, given, report, explanation, ctx))
            if spec.merges and name in ("output_shape", "params"):
                number = read_number(given) if name == "params" else None
                candidates = (
                    spec.size_candidates(merged[index], inferred[index])
                    if name == "output_shape"
                    else spec.param_candidates(number)
                    if number is not None
                    else []
                )
                results[-1] = _branch_mistake(results[-1], given, candidates, language)
        for r in range(first, len(results)):
            results[r] = dataclasses.replace(results[r], id=report.id)
    if total_params is not None:
        total = _count_result(
            None,
            "total_params",
            total_params,
            analysis.total_params,
            _total_explanation(analysis, language),
            language,
            _total_mistakes(analysis),
        )
        if not total.correct and total.mistake is None and not graph.chain:
            total = _branch_mistake(
                total, total_params, _shortcut_candidates(graph, analysis), language
            )
        results.append(total)
    correct = sum(1 for r in results if r.correct)
    return CheckResult(Score(correct, len(results)), results)


__all__ = [
    "ANSWER_FIELDS",
    "CheckResult",
    "FieldResult",
    "Mistake",
    "Score",
    "grade",
    "grading_note",
    "mistake_note",
    "read_number",
    "read_shape",
]
