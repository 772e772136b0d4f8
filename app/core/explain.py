"""Worked formulas, in English and in French, with every number substituted.

Each layer's explanation is a list of ``ExplanationStep(text, formula)``: a sentence for a
student, and the formula alone so that a page can typeset it. Each layer kind tells its own
steps (``LayerSpec.explain``) as message codes with parameters and formulas
(``app.core.layers.worked``); this module renders them from ``TEXT``, the catalogue of
sentences in both languages, and tells the receptive field from the layer's windows.
Formulas are the same in both languages and use the course's notation (``(N - K + 2P) / S + 1``,
``C_out × (C_in × K_h × K_w + 1)``, ``1 + L × (K − 1)``); the French sentences use the
course's words (couche, noyau/filtre, pas, rembourrage/padding, champ réceptif, taille de
sortie, nombre de paramètres). Every number comes from the layer's own ``infer()`` and from
``shapes.py``, the functions ``analyze()`` uses, so an explanation cannot disagree with the
analysis; a division that is not exact is said to be so and shown with its floor (or ceil).

Formulas chain ``symbolic = substituted = … = result``: every part without letters
evaluates to the same number.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any, Final, Literal

from app.core.analysis import (
    Analysis,
    ExplanationStep,
    LayerReport,
    LayerWarning,
)
from app.core.errors import ErrorCode, LayerError
from app.core.layers import LayerSpec, Step
from app.core.layers.base import WarningCode, Window
from app.core.layers.worked import (
    Axes,
    Line,
    Msg,
    Worked,
    axis_lines,
    axis_names,
    division_lines,
    group_axes,
    num,
    shape_formula,
    shape_text,
    window_formula,
)
from app.core.notation import NotationError
from app.core.shapes import AxisOutput

Lang = Literal["en", "fr"]
LANGS: Final = ("en", "fr")

FIELDS: Final = ("output_shape", "weight_shape", "bias_shape", "params", "receptive_field")
"""The fields an explanation covers, in the order they are told."""

FieldSteps = dict[str, list[ExplanationStep]]


def lang_of(lang: str) -> Lang:
    """``"fr"`` for French (``fr``, ``fr-FR``, ``FR``), ``"en"`` otherwise."""
    return "fr" if lang.lower().startswith("fr") else "en"


TEXT: Final[dict[str, tuple[str, str]]] = {
    "size_conv": (
        "Output size along {axes}: input {n}, kernel K = {k}, padding P = {p}, stride S = {s}.",
        "Taille de sortie selon {axes} : entrée {n}, noyau K = {k}, padding P = {p}, pas S = {s}.",
    ),
    "size_conv_asym": (
        "Output size along {axes}: input {n}, kernel K = {k}, padding {pl} before and {pr} "
        "after, stride S = {s}.",
        "Taille de sortie selon {axes} : entrée {n}, noyau K = {k}, padding {pl} avant et {pr} "
        "après, pas S = {s}.",
    ),
    "size_pool": (
        "Output size along {axes}: input {n}, window K = {k}, padding P = {p}, stride S = {s}.",
        "Taille de sortie selon {axes} : entrée {n}, fenêtre K = {k}, padding P = {p}, "
        "pas S = {s}.",
    ),
    "axes_same": ("{name} (the same for {others})", "{name} (de même pour {others})"),
    "stride_default": (
        "The stride was not given: a pooling's stride defaults to its kernel size, S = {s}.",
        "Le pas n'est pas donné : pour un pooling il vaut par défaut la taille du noyau, S = {s}.",
    ),
    "dilation": (
        "Dilation D = {d} spreads the {k} taps of the kernel over D × (K - 1) + 1 = {keff} inputs.",
        "La dilatation D = {d} écarte les {k} coefficients du noyau : il couvre "
        "D × (K - 1) + 1 = {keff} entrées.",
    ),
    "same": (
        "padding='same' keeps the size (stride 1): it pads D × (K - 1) = {total} in all, {pl} "
        "before and {pr} after.",
        "padding='same' garde la taille (pas de 1) : il ajoute D × (K - 1) = {total} au total, "
        "{pl} avant et {pr} après.",
    ),
    "valid": (
        "padding='valid' means no padding: P = 0.",
        "padding='valid' veut dire sans padding : P = 0.",
    ),
    "exact": (
        "{span} / {s} is whole: the last window ends exactly at the end of the padded input.",
        "{span} / {s} tombe juste : la dernière fenêtre s'arrête pile à la fin de l'entrée "
        "avec son padding.",
    ),
    "floor": (
        "{span} / {s} is not whole: PyTorch rounds down (floor), so {left}.",
        "{span} / {s} n'est pas entier : PyTorch arrondit à l'entier inférieur (partie entière), "
        "donc {left}.",
    ),
    "ceil": (
        "{span} / {s} is not whole and ceil_mode=True: PyTorch rounds up (ceil), adding a last "
        "window that hangs over the end.",
        "{span} / {s} n'est pas entier et ceil_mode=True : PyTorch arrondit à l'entier "
        "supérieur, ce qui ajoute une dernière fenêtre qui déborde.",
    ),
    "ceil_drop": (
        "But that last window would start in the right padding, (O - 1) × S = ({o} - 1) × {s} "
        "= {start} ≥ N + P = {n} + {p} = {end}, so PyTorch drops it.",
        "Mais cette dernière fenêtre commencerait dans le padding de droite, (O - 1) × S = "
        "({o} - 1) × {s} = {start} ≥ N + P = {n} + {p} = {end} : PyTorch la retire.",
    ),
    "unread": (
        "the last {u} input {units} never read",
        "les {u} dernières {units} de l'entrée ne sont jamais lues",
    ),
    "unread_one": (
        "the last input {unit} is never read",
        "la dernière {unit} de l'entrée n'est jamais lue",
    ),
    "units_row": ("rows are", "lignes"),
    "units_column": ("columns are", "colonnes"),
    "units_position": ("positions are", "positions"),
    "units_slice": ("slices are", "tranches"),
    "unit_row": ("row", "ligne"),
    "unit_column": ("column", "colonne"),
    "unit_position": ("position", "position"),
    "unit_slice": ("slice", "tranche"),
    "unread_pad": (
        "only padding is left out",
        "seul du padding est laissé de côté",
    ),
    "transposed": (
        "Output size along {axes} of the transposed convolution: input {n}, kernel K = {k}, "
        "stride S = {s}, padding P = {p}, output padding OP = {op}; it runs the convolution "
        "formula backwards.",
        "Taille de sortie selon {axes} de la convolution transposée : entrée {n}, noyau "
        "K = {k}, pas S = {s}, padding P = {p}, output_padding OP = {op} ; c'est la formule de "
        "la convolution à l'envers.",
    ),
    "adaptive_given": (
        "Adaptive pooling is told its output size along {axes}: {m}.",
        "Le pooling adaptatif reçoit sa taille de sortie selon {axes} : {m}.",
    ),
    "adaptive_kept": (
        "Output size None along {axes}: the input's size {n} is kept.",
        "Taille de sortie None selon {axes} : la taille d'entrée {n} est gardée.",
    ),
    "adaptive_even": (
        "{m} divides {n}: this is a pooling with kernel and stride N / M = {k}.",
        "{m} divise {n} : c'est un pooling de noyau et de pas N / M = {k}.",
    ),
    "adaptive_uneven": (
        "{m} does not divide {n}: window i covers inputs ⌊i × N / M⌋ to ⌈(i + 1) × N / M⌉, so "
        "the windows overlap and differ in size, the widest covering {widest}.",
        "{m} ne divise pas {n} : la fenêtre i couvre les entrées ⌊i × N / M⌋ à "
        "⌈(i + 1) × N / M⌉ ; les fenêtres se chevauchent et n'ont pas toutes la même taille, "
        "la plus large en couvre {widest}.",
    ),
    "out_conv": (
        "So the output is {shape}: one channel per filter (C_out = {c}).",
        "Donc la sortie fait {shape} : un canal par filtre (C_out = {c}).",
    ),
    "out_pool": (
        "So the output is {shape}: pooling keeps the {c} channels.",
        "Donc la sortie fait {shape} : le pooling garde les {c} canaux.",
    ),
    "out_kept": (
        "The shape is kept: {shape}.",
        "La taille ne change pas : {shape}.",
    ),
    "out_flatten": (
        "Flatten lays the {shape_in} tensor out as one vector of {n} values.",
        "Flatten met le tenseur {shape_in} à plat en un vecteur de {n} valeurs.",
    ),
    "out_flatten_part": (
        "Flatten merges dimensions {start} to {end} (the batch is dimension 0): {shape}.",
        "Flatten fusionne les dimensions {start} à {end} (le batch est la dimension 0) : {shape}.",
    ),
    "out_linear": (
        "A linear layer gives out_features = {m} values.",
        "Une couche linéaire donne out_features = {m} valeurs.",
    ),
    "out_linear_last": (
        "A linear layer acts on the last axis only ({n} features) and keeps the others: {shape}.",
        "Une couche linéaire n'agit que sur le dernier axe ({n} valeurs) et garde les autres : "
        "{shape}.",
    ),
    "groups": (
        "With groups G = {g}, each filter sees only the C_in / G channels of its group.",
        "Avec groups G = {g}, chaque filtre ne voit que les C_in / G canaux de son groupe.",
    ),
    "weight_conv": (
        "Weight tensor: one filter of size {filter} per output channel (C_out = {c}).",
        "Taille du tenseur de poids : un filtre de taille {filter} par canal de sortie "
        "(C_out = {c}).",
    ),
    "weight_transposed": (
        "Weight tensor: PyTorch stores a transposed convolution's weight input-first, "
        "C_in × C_out/G × kernel.",
        "Taille du tenseur de poids : PyTorch range les poids d'une convolution transposée "
        "entrée d'abord, C_in × C_out/G × noyau.",
    ),
    "weight_linear": (
        "Weight matrix: PyTorch stores it as out_features × in_features = {out}×{inn} (the "
        "course's table writes it in × out, {inn} x {out}).",
        "Matrice de poids : PyTorch la range en out_features × in_features = {out}×{inn} (le "
        "tableau du cours l'écrit entrée × sortie, {inn} x {out}).",
    ),
    "weight_norm": (
        "Weight (scale γ): one per {what}.",
        "Poids (échelle γ) : un par {what}.",
    ),
    "weight_prelu": (
        "Weight: {n} learned negative slope{plural}.",
        "Poids : {n} pente{plural} négative{plural} apprise{plural}.",
    ),
    "bias_conv": ("Bias: one per filter.", "Biais : un par filtre."),
    "bias_linear": ("Bias: one per output.", "Biais : un par sortie."),
    "bias_norm": ("Bias (shift β): one per {what}.", "Biais (décalage β) : un par {what}."),
    "no_bias": ("No bias (bias=False).", "Pas de biais (bias=False)."),
    "no_affine": (
        "Neither scale γ nor shift β ({flag}=False): nothing to learn.",
        "Ni échelle γ ni décalage β ({flag}=False) : rien à apprendre.",
    ),
    "out_shape": ("So the output is {shape}.", "Donc la sortie fait {shape}."),
    "params_filter": (
        "Each filter has {per} weights plus 1 bias.",
        "Chaque filtre a {per} poids plus 1 biais.",
    ),
    "params_conv": (
        "Number of parameters: {each} per filter, times the number of filters C_out = {c}.",
        "Nombre de paramètres : {each} par filtre, multiplié par le nombre de filtres C_out = {c}.",
    ),
    "params_conv_nobias": (
        "Number of parameters: the weights only, no bias.",
        "Nombre de paramètres : les poids seuls, sans biais.",
    ),
    "params_transposed": (
        "Number of parameters: the weights plus one bias per output channel.",
        "Nombre de paramètres : les poids plus un biais par canal de sortie.",
    ),
    "params_linear": (
        "Number of parameters: each of the {out} outputs has {inn} weights plus 1 bias.",
        "Nombre de paramètres : chacune des {out} sorties a {inn} poids plus 1 biais.",
    ),
    "params_norm": (
        "Number of parameters: γ and β, {n} each.",
        "Nombre de paramètres : γ et β, {n} chacun.",
    ),
    "params_norm_weight": (
        "Number of parameters: γ only, {n}.",
        "Nombre de paramètres : γ seul, {n}.",
    ),
    "params_prelu": ("Number of parameters: the slopes.", "Nombre de paramètres : les pentes."),
    "buffers": (
        "running_mean and running_var ({c} each) and num_batches_tracked are buffers, not "
        "parameters: they are not learned.",
        "running_mean et running_var ({c} chacun) et num_batches_tracked sont des buffers, pas "
        "des paramètres : ils ne sont pas appris.",
    ),
    "params_none_pool": (
        "No parameters to learn: pooling applies a window without weights.",
        "Pas de paramètres à apprendre : le pooling applique une fenêtre sans poids.",
    ),
    "params_none": ("No parameters to learn.", "Pas de paramètres à apprendre."),
    "kept_activation": (
        "{name} is applied value by value.",
        "{name} s'applique valeur par valeur.",
    ),
    "kept_dropout": (
        "Dropout zeroes {what} with probability p = {p} while training, and does nothing in "
        "eval mode.",
        "Le dropout met à zéro {what} avec la probabilité p = {p} pendant l'entraînement, et "
        "ne fait rien en évaluation.",
    ),
    "what_channel": ("channel", "canal"),
    "what_normalised": ("normalised value ({shape})", "valeur normalisée"),
    "what_values": ("values", "des valeurs"),
    "what_channels": ("whole channels", "des canaux entiers"),
    "kept_softmax": (
        "{name} normalises along dimension {dim} (the batch is dimension 0).",
        "{name} normalise selon la dimension {dim} (le batch est la dimension 0).",
    ),
    "kept_norm": (
        "{name} normalises without changing the shape.",
        "{name} normalise sans changer la taille.",
    ),
    "rf_shortcut": (
        "Receptive field along {axes}: the layers so far have filters of size K = {k} and the "
        "earlier ones stride 1, so the course's formula applies: after L layers (here "
        "L = {layers}) a unit sees 1 + L × (K − 1) input pixels.",
        "Champ réceptif selon {axes} : les couches jusqu'ici ont des filtres de taille K = {k} "
        "et les précédentes un pas de 1, donc la formule du cours s'applique : après L couches "
        "(ici L = {layers}), une sortie « voit » 1 + L × (K − 1) pixels de l'entrée.",
    ),
    "rf_sum": (
        "Receptive field along {axes}: the earlier layers have stride 1, so each layer adds "
        "K − 1 pixels to the first one.",
        "Champ réceptif selon {axes} : les couches précédentes ont un pas de 1, donc chaque "
        "couche ajoute K − 1 pixels au premier.",
    ),
    "rf_step": (
        "Receptive field along {axes}: r grows by (K_eff − 1) × j, where j = {jump} is the "
        "distance, in input pixels, between neighbouring units before this layer; j is then "
        "multiplied by the stride.",
        "Champ réceptif selon {axes} : r augmente de (K_eff − 1) × j, où j = {jump} est "
        "l'écart, en pixels de l'entrée, entre deux sorties voisines avant cette couche ; j est "
        "ensuite multiplié par le pas.",
    ),
    "rf_transposed": (
        "Receptive field along {axes}: one output of the transposed convolution gathers input "
        "units spread over Δ + 1 = {span} + 1 of them, so r grows by Δ × j (j = {jump} before "
        "this layer); the units get closer: j is divided by the stride.",
        "Champ réceptif selon {axes} : une sortie de la convolution transposée rassemble des "
        "entrées réparties sur Δ + 1 = {span} + 1 d'entre elles, donc r augmente de Δ × j "
        "(j = {jump} avant cette couche) ; les sorties se rapprochent : j est divisé par le pas.",
    ),
    "rf_jump_div": (
        "The distance between neighbouring units is divided by the stride.",
        "L'écart entre sorties voisines est divisé par le pas.",
    ),
    "rf_jump_mul": (
        "The distance between neighbouring units is multiplied by the stride.",
        "L'écart entre sorties voisines est multiplié par le pas.",
    ),
    "rf_kept": (
        "Receptive field unchanged along {axes}: this layer works value by value.",
        "Champ réceptif inchangé selon {axes} : cette couche agit valeur par valeur.",
    ),
    "rf_global": (
        "After this layer every value depends on the whole input: the receptive field is the "
        "input itself.",
        "Après cette couche chaque valeur dépend de toute l'entrée : le champ réceptif est "
        "l'entrée entière.",
    ),
    "rf_exceeds": (
        "The receptive field is larger than the input ({input}): the outer part only sees padding.",
        "Le champ réceptif dépasse l'entrée ({input}) : sa partie extérieure ne voit que du "
        "padding.",
    ),
}
"""The catalogue of sentences, by code: (English, French). A layer kind picks the codes and
their numbers (``LayerSpec.explain``); ``render`` fills them in."""


def say(key: str, lang: Lang, **values: Any) -> str:
    """The sentence ``key`` in ``lang`` with ``values`` filled in."""
    en, fr = TEXT[key]
    return (fr if lang == "fr" else en).format(**values)


def join_axes(names: Sequence[str], lang: Lang) -> str:
    """``H`` ; ``H and W`` ; ``D, H and W`` (``et`` in French)."""
    word = " et " if lang == "fr" else " and "
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + word + names[-1]


def message(msg: Msg, lang: Lang) -> str:
    """A message in ``lang``: its parameters that are messages or axes rendered first."""
    values = {name: _value(value, lang) for name, value in msg.params.items()}
    return say(msg.code, lang, **values)


def _value(value: Any, lang: Lang) -> Any:
    if isinstance(value, Msg):
        return message(value, lang)
    if isinstance(value, Axes):
        return join_axes(value.names, lang)
    return value


def render(lines: Sequence[Line], lang: Lang) -> list[ExplanationStep]:
    """A kind's worked lines as steps in ``lang``."""
    return [
        ExplanationStep("" if line.text is None else message(line.text, lang), line.formula)
        for line in lines
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
class FieldChain:
    """Per network-input axis, the kernels of the stride-1 layers up to this one.

    ``None`` for an axis where a stride other than 1 (or a non-sliding layer such as an
    adaptive pooling or a transposed convolution) has already broken the course's shortcut.
    """

    kernels: tuple[tuple[int, ...] | None, ...]


def _field_steps_for_rf(
    report: LayerReport,
    step: Step,
    lang: Lang,
    chain: FieldChain | None,
    *,
    spreads: bool = False,
) -> list[ExplanationStep]:
    rf = report.receptive_field
    names = axis_names(len(rf.size))
    if rf.global_:
        return [
            ExplanationStep(say("rf_global", lang), f"r = {shape_formula(rf.size)}"),
        ]
    windows = step.windows
    if windows is None or len(windows) != len(rf.size):
        keys = [num(size) for size in rf.size]
        return [
            ExplanationStep(
                say("rf_kept", lang, axes=join_axes([names[a] for a in group], lang)),
                f"r = {keys[group[0]]}",
            )
            for group in group_axes(keys)
        ]
    steps: list[ExplanationStep] = []
    per_axis: list[tuple[str, str, str, str, str, tuple[int, ...] | None]] = []
    for axis, window in enumerate(windows):
        jump_out = Fraction(rf.jump[axis]).limit_denominator(1 << 20)
        w_stride = Fraction(window.stride)
        j_in = jump_out / w_stride
        r_out = Fraction(rf.size[axis]).limit_denominator(1 << 20)
        w_span = Fraction(window.span)
        r_in = r_out - w_span * j_in
        chained = chain.kernels[axis] if chain is not None else None
        per_axis.append((num(r_in), num(j_in), num(w_span), num(w_stride), num(r_out), chained))
    for group in group_axes(per_axis):
        size_in, jump_in, span, stride, size_out, kernels = per_axis[group[0]]
        axes = join_axes([names[a] for a in group], lang)
        if kernels:
            if len(set(kernels)) == 1:
                k = kernels[0]
                steps.append(
                    ExplanationStep(
                        say("rf_shortcut", lang, axes=axes, k=k, layers=len(kernels)),
                        f"r = 1 + L × (K − 1) = 1 + {len(kernels)} × ({k} − 1) = {size_out}",
                    )
                )
            else:
                terms = " + ".join(f"({k} − 1)" for k in kernels)
                steps.append(
                    ExplanationStep(
                        say("rf_sum", lang, axes=axes),
                        f"r = 1 + (K_1 − 1) + … + (K_L − 1) = 1 + {terms} = {size_out}",
                    )
                )
            continue
        if spreads:
            steps.append(
                ExplanationStep(
                    say("rf_transposed", lang, axes=axes, jump=jump_in, span=span),
                    f"r' = r + Δ × j = {size_in} + {span} × {jump_in} = {size_out}",
                )
            )
            inverse = num(1 / Fraction(stride))
            steps.append(
                ExplanationStep(
                    say("rf_jump_div", lang),
                    f"j' = j / S = {jump_in} / {inverse} = {num_mul(jump_in, stride)}",
                )
            )
            continue
        steps.append(
            ExplanationStep(
                say("rf_step", lang, axes=axes, jump=jump_in),
                f"r' = r + (K_eff − 1) × j = {size_in} + {span} × {jump_in} = {size_out}",
            )
        )
        steps.append(
            ExplanationStep(
                say("rf_jump_mul", lang),
                f"j' = j × S = {jump_in} × {stride} = {num_mul(jump_in, stride)}",
            )
        )
    return steps


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
    """
    language = lang_of(lang)
    x = tuple(report.input_shape)
    if step is None:
        step = spec.infer(x)
    fields = render_worked(spec.explain(x, step), language)
    fields["receptive_field"] = _field_steps_for_rf(
        report, step, language, chain, spreads=spec.spreads
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
    """
    chains: list[FieldChain | None] = []
    d = len(analysis.input_shape) - 1
    kernels: list[list[int] | None] = [[] for _ in range(d)]
    for spec, report in zip(specs, analysis.layers, strict=True):
        step = spec.infer(tuple(report.input_shape))
        windows: tuple[Window, ...] | None = step.windows
        sliding = spec.slides
        if report.receptive_field.global_ or windows is None:
            if report.receptive_field.global_:
                kernels = [None] * d
            chains.append(None)
            continue
        if len(windows) != d or not sliding:
            kernels = [None] * d
            chains.append(None)
            continue
        for axis, window in enumerate(windows):
            current = kernels[axis]
            if current is not None and window.span != 0:
                current.append(int(window.span) + 1)
        # This layer's stride only spreads the units of the layers after it.
        chains.append(FieldChain(tuple(tuple(k) if k else None for k in kernels)))
        for axis, window in enumerate(windows):
            if window.stride != 1:
                kernels[axis] = None
    return chains


def explain_fields(analysis: Analysis, specs: Sequence[LayerSpec], lang: str) -> list[FieldSteps]:
    """``field_steps`` for every layer of an analysis, with the course's shortcut where it holds."""
    chains = field_chains(analysis, specs)
    return [
        field_steps(spec, report, lang, chain=chain)
        for spec, report, chain in zip(specs, analysis.layers, chains, strict=True)
    ]


def explain_analysis(analysis: Analysis, specs: Sequence[LayerSpec], lang: str) -> Analysis:
    """A copy of ``analysis`` with every layer's ``explanation`` filled in, in ``lang``.

    Warnings are translated too when ``lang`` is French.
    """
    fields = explain_fields(analysis, specs, lang)
    layers = []
    for report, steps in zip(analysis.layers, fields, strict=True):
        explanation = [s for name in FIELDS for s in steps[name]]
        warnings = [translate_warning(w, lang) for w in report.warnings]
        layers.append(dataclasses.replace(report, explanation=explanation, warnings=warnings))
    return dataclasses.replace(
        analysis,
        layers=layers,
        warnings=[translate_warning(w, lang) for w in analysis.warnings],
    )


# --- warnings and errors in French ----------------------------------------------------------


def _axis_fr(axis: Any) -> str:
    return f"axe {axis}"


WARNINGS_FR: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    WarningCode.UNREAD_INPUT: lambda p: (
        f"{_axis_fr(p['axis'])} : le pas {p['stride']} ne divise pas N - K + 2P = {p['span']}, "
        "donc la taille est arrondie à l'entier inférieur et "
        + (
            f"les {p['unread']} dernières lignes ou colonnes de l'entrée ne sont jamais lues"
            if p["unread"] > 1
            else "la dernière ligne ou colonne de l'entrée n'est jamais lue"
            if p["unread"] == 1
            else "seul du padding est laissé de côté"
        )
    ),
    WarningCode.RF_EXCEEDS_INPUT: lambda p: (
        f"le champ réceptif ({shape_text(p['size'])}) dépasse déjà l'entrée "
        f"({shape_text(p['input'])}) : les couches suivantes voient du padding"
    ),
    WarningCode.ASYMMETRIC_SAME: lambda p: (
        f"{_axis_fr(p['axis'])} : padding='same' avec un noyau effectif pair ajoute {p['left']} "
        f"avant et {p['right']} après"
    ),
    WarningCode.CEIL_EXTRA_WINDOW: lambda p: (
        f"{_axis_fr(p['axis'])} : ceil_mode ajoute une dernière fenêtre qui déborde de l'entrée "
        "et voit moins de valeurs"
    ),
    WarningCode.LINEAR_ON_LAST_AXIS: lambda p: (
        f"la couche linéaire n'agit que sur le dernier axe d'un tenseur {shape_text(p['shape'])} ;"
        " ajoutez un flatten avant pour relier toutes les valeurs"
    ),
    WarningCode.UNEVEN_ADAPTIVE: lambda p: (
        f"{_axis_fr(p['axis'])} : {p['output']} ne divise pas {p['input']}, donc les fenêtres se "
        "chevauchent et n'ont pas toutes la même taille"
    ),
    WarningCode.SINGLE_VALUE_NORM: lambda p: (
        "chaque canal (ou groupe) n'a qu'une valeur par exemple : l'entraînement avec un batch "
        "de 1 échoue (Expected more than 1 value per channel when training)"
    ),
    WarningCode.KERNEL_MISSES_INPUT: lambda p: (
        "une fenêtre ne couvre que du padding : ses valeurs ne viennent pas de l'entrée"
    ),
    WarningCode.NO_FEATURE_DROPOUT: lambda p: (
        "ce dropout par canal reçoit un tenseur d'un autre rang que prévu : PyTorch le traite "
        "comme un dropout ordinaire ou sans batch"
    ),
    WarningCode.IMPLICIT_DIM: lambda p: (
        f"dim n'est pas donné : PyTorch choisit dim={p['dim']} (batch compris) ; donnez dim"
    ),
}


def translate_warning(w: LayerWarning, lang: str) -> LayerWarning:
    """The warning with its message in ``lang`` (unchanged in English or for an unknown code)."""
    if lang_of(lang) != "fr":
        return w
    render = WARNINGS_FR.get(w.code)
    if render is None:
        return w
    try:
        message = render(w.params)
    except (KeyError, TypeError):
        return w
    return dataclasses.replace(w, message=message)


ERRORS_FR: Final[dict[str, Callable[[Mapping[str, Any]], str]]] = {
    ErrorCode.KERNEL_TOO_LARGE: lambda p: (
        f"le noyau ({p['kernel']}) est plus grand que l'entrée avec son padding ({p['padded']})"
    ),
    ErrorCode.OUTPUT_TOO_SMALL: lambda p: (
        f"un padding de {p['padding']} donne une taille de sortie de {p['size']} ; elle doit "
        "valoir au moins 1"
    ),
    ErrorCode.PADDING_TOO_LARGE: lambda p: (
        f"le padding doit valoir au plus la moitié du noyau, or padding={p['padding']}, "
        f"kernel_size={p['kernel']} et dilation={p['dilation']}"
        if "kernel" in p
        else f"le padding {p['padding']} est trop grand pour une entrée de taille {p['size']}"
    ),
    ErrorCode.SAME_WITH_STRIDE: lambda p: (
        "padding='same' n'est pas possible avec un pas (stride) différent de 1"
    ),
    ErrorCode.GROUPS: lambda p: (
        f"{p['name']} doit être divisible par groups ({p['name']} = {p['count']}, "
        f"groups = {p['groups']})"
        if "name" in p
        else f"le nombre de canaux ({p['channels']}) doit être divisible par num_groups "
        f"({p['groups']})"
    ),
    ErrorCode.CHANNELS: lambda p: (
        f"la couche attend {p['given']} canaux mais le tenseur d'entrée en a {p['actual']}"
    ),
    ErrorCode.FEATURES: lambda p: (
        f"la couche attend {p['given']} valeurs mais le tenseur d'entrée en a {p['actual']}"
        if "given" in p
        else f"normalized_shape={p['normalized_shape']} ne correspond pas à la fin de la forme "
        f"d'entrée {shape_text(p['shape'])}"
    ),
    ErrorCode.RANK: lambda p: (
        f"cette couche ne prend pas un tenseur de forme {shape_text(p['shape'])}"
        + (f" : elle attend {p['expected']} dimensions (sans le batch)" if "expected" in p else "")
    ),
    ErrorCode.AXES: lambda p: (
        f"{p['given']} valeurs données, mais l'entrée a {p['axes']} axe"
        f"{'s' if p['axes'] > 1 else ''} spatia{'ux' if p['axes'] > 1 else 'l'}"
    ),
    ErrorCode.OUTPUT_PADDING: lambda p: (
        f"output_padding ({p['output_padding']}) doit être plus petit que le pas ({p['stride']}) "
        f"ou que la dilatation ({p['dilation']})"
    ),
    ErrorCode.PADDING_MODE: lambda p: (
        f"seul padding_mode='zeros' est possible ici (reçu {p['padding_mode']!r})"
    ),
    ErrorCode.DIM_RANGE: lambda p: (
        f"dimension hors limites (attendue entre {p['low']} et {p['high']}, reçue {p['dim']}) ; "
        "le batch est la dimension 0"
        if "dim" in p
        else f"start_dim ({p['start']}) ne peut pas venir après end_dim ({p['end']})"
    ),
    ErrorCode.INEXACT: lambda p: (
        f"{_axis_fr(p['axis'])} : le pas {p['stride']} ne divise pas N - K + 2P = {p['span']} "
        f"({p['span']} / {p['stride']} n'est pas entier ; PyTorch arrondirait à l'entier "
        "inférieur)"
    ),
}


def translate_error_message(
    code: str | None, params: Mapping[str, Any] | None, default: str, lang: str
) -> str:
    """An error's message in ``lang``; ``default`` (English) when no translation fits."""
    if lang_of(lang) != "fr" or code is None:
        return default
    render = ERRORS_FR.get(str(code))
    if render is None:
        return default
    try:
        return render(params or {})
    except (KeyError, TypeError):
        return default


_WORDS_FR: Final = {
    "a name": "un nom",
    "a number": "un nombre",
    "a value": "une valeur",
    "a layer name": "un nom de couche",
    "a child's name or number": "le nom ou le numéro d'un enfant",
    "a new line or ',' before the next layer": "un retour à la ligne ou ',' avant la couche "
    "suivante",
    "the end of the text": "la fin du texte",
    "the end of the line": "la fin de la ligne",
}

NOTATION_FR: Final[tuple[tuple[str, str], ...]] = (
    (
        r"a repeat count of (\S+) is over the limit of (\d+) layers",
        "une répétition de {0} dépasse la limite de {1} couches",
    ),
    (
        r"the text stands for more than (\d+) layers, the limit",
        "le texte compte plus de {0} couches, la limite",
    ),
    (
        r"brackets are nested more than (\d+) deep",
        "crochets et parenthèses imbriqués sur plus de {0} niveaux",
    ),
    (r"expected '\)'", "on attendait ')'"),
    (
        r"after a layer, expected a new line, ',' or the sizes of a table row, found (.+)",
        "après une couche, on attendait un retour à la ligne, ',' ou les tailles d'une ligne du "
        "tableau à la place de {0}",
    ),
    (r"expected (.+), found (.+)", "on attendait {0} à la place de {1}"),
    (
        r"unknown layer (.+); GET /v1/layers lists the known kinds",
        "couche inconnue {0} ; GET /v1/layers liste les types connus",
    ),
    (r"this string is never closed", "cette chaîne n'est jamais fermée"),
    (r"unexpected character (.+)", "caractère inattendu {0}"),
    (r"cannot read the number (.+)", "nombre illisible {0}"),
    (
        r"a positional argument cannot follow a named one",
        "un argument sans nom ne peut pas suivre un argument nommé",
    ),
    (r"(\S+) is given twice", "{0} est donné deux fois"),
    (
        r"'a -> b' gives the sizes of a linear layer only",
        "'a -> b' ne s'emploie que pour une couche linéaire",
    ),
    (r"'a -> b' must be the only argument", "'a -> b' doit être le seul argument"),
    (
        r"(\S+) takes at most (\d+) positional arguments, got (\d+)",
        "{0} prend au plus {1} arguments sans nom ; {2} donnés",
    ),
    (
        r"a repeat count must be a whole number of at least 1",
        "un nombre de répétitions doit être un entier d'au moins 1",
    ),
    (
        r"return_indices=True returns a tuple, not a tensor",
        "return_indices=True renvoie un tuple, pas un tenseur",
    ),
    (
        r"(\S+) with bias=(\S+) and affine=(\S+) is not supported \(the weight and the bias "
        r"come together\)",
        "{0} avec bias={1} et affine={2} n'est pas pris en charge (le poids et le biais vont "
        "ensemble)",
    ),
)
"""The notation's syntax errors in French: (English pattern, French template)."""


def translate_notation_error(error: NotationError, lang: str) -> str:
    """``ligne 3, colonne 18 : on attendait ')'`` in French, the error's message otherwise."""
    if lang_of(lang) != "fr":
        return str(error)
    reason = error.reason
    for pattern, template in NOTATION_FR:
        match = re.fullmatch(pattern, error.reason)
        if match:
            reason = template.format(*(_WORDS_FR.get(g, g) for g in match.groups()))
            break
    return f"ligne {error.line}, colonne {error.column} : {reason}"


def translate_layer_error(error: LayerError, lang: str) -> str:
    """``couche 3 (maxpool2d) : …`` in French, the error's own message otherwise."""
    if lang_of(lang) != "fr":
        return str(error)
    message = translate_error_message(error.code, error.params, error.message, lang)
    return f"couche {error.index} ({error.layer_type}) : {message}"


__all__ = [
    "FIELDS",
    "TEXT",
    "FieldChain",
    "explain_analysis",
    "explain_fields",
    "explain_layer",
    "field_steps",
    "message",
    "render",
    "render_worked",
    "translate_error_message",
    "translate_layer_error",
    "translate_notation_error",
    "translate_warning",
    "window_formula",
]
