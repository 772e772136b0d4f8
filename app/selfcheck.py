"""``cnncalc selfcheck``: the built-in examples, random stacks and graphs, checked against PyTorch.

Every built-in example (``app.core.examples``), a sample of random valid and invalid
stacks over every layer kind and as many random graphs (``app.verify.stacks``: residual and
parallel blocks, add, mul and concat merges, squeeze-excitation gates, over every kind) go
through the torch executor, receptive fields measured; a table of passed and failed networks
per layer kind follows, then every mismatch. Exit codes: 0 all
agree, 1 a mismatch, 2 usage, 3 torch is not installed.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any, TextIO

from app.core.examples import EXAMPLES
from app.core.layers import TYPE_INDEX
from app.verify import INSTALL_HINT, Verification, VerificationStatus, torch_available
from app.verify.stacks import KINDS, RandomChooser, random_graph, random_stack

DESCRIPTION = "Check the built-in examples, random stacks and random graphs against PyTorch."


def build_parser(add_help: bool = True) -> argparse.ArgumentParser:
    """The selfcheck's options (``add_help=False`` to reuse them as a subcommand's parent)."""
    p = argparse.ArgumentParser(
        prog="cnncalc selfcheck", description=DESCRIPTION, add_help=add_help
    )
    p.add_argument("--samples", type=int, default=300, help="random stacks (default 300)")
    p.add_argument("--graphs", type=int, default=300, help="random graphs (default 300)")
    p.add_argument("--seed", type=int, default=None, help="seed of the random stacks")
    p.add_argument("--batch-size", type=int, default=2, help="batch torch runs (default 2)")
    p.add_argument(
        "--timings",
        nargs="*",
        metavar="EXAMPLE",
        default=None,
        help="instead, time the check: torch's import, the first and warm calls on these "
        "examples (default lenet5_course vgg16), and a 3×100000×100000 input at batch 4096",
    )
    p.add_argument(
        "--no-receptive-field",
        action="store_true",
        help="skip the back-propagation measurement of receptive fields",
    )
    return p


def _kinds(layers: Sequence[dict[str, Any]]) -> set[str]:
    """The kinds of ``layers``, inside blocks too (blocks are no kinds)."""
    kinds: set[str] = set()
    for layer in layers:
        tag = str(layer["type"]).lower()
        if tag in TYPE_INDEX:
            kinds.add(TYPE_INDEX[tag].__name__)
        for inner in [
            layer.get("layers", []),
            layer.get("shortcut", []),
            *layer.get("branches", []),
        ]:
            kinds |= _kinds(inner)
    return kinds


def _describe(v: Verification) -> list[str]:
    lines = [
        f"    layer {m.layer}, {m.field}: cnncalc {m.calculated!r}, torch {m.torch!r}"
        for m in v.mismatches
    ]
    return lines or [f"    {v.reason}"]


def run(
    samples: int,
    seed: int,
    batch_size: int,
    measure_rf: bool,
    out: TextIO,
    graphs: int = 0,
) -> tuple[int, int]:
    """Check the examples, ``samples`` random stacks and ``graphs`` random graphs.

    Prints the table; returns (checked, failed).
    """
    from app.verify.torch_backend import check_layers, load_torch, torch_import_seconds

    load_torch()
    out.write(f"torch imported in {torch_import_seconds() or 0:.2f} s\n")
    passed: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    problems: list[str] = []
    stacks: list[tuple[str, list[int], list[dict[str, Any]]]] = [
        (name, list(body["input_shape"]), list(body["layers"])) for name, body in EXAMPLES.items()
    ]
    chooser = RandomChooser(seed)
    for i in range(samples):
        shape, layers = random_stack(chooser, first_kind=KINDS[i % len(KINDS)])
        stacks.append((f"random #{i}", shape, layers))
    for i in range(graphs):
        shape, layers = random_graph(chooser, first_kind=KINDS[i % len(KINDS)])
        stacks.append((f"graph #{i}", shape, layers))
    started = time.perf_counter()
    rejected = 0
    for name, shape, layers in stacks:
        analysis, v = check_layers(
            shape,
            layers,
            batch_size=batch_size,
            measure_rf=measure_rf,
            max_elements=2**40,
        )
        rejected += analysis is None
        ok = v.status is VerificationStatus.PASSED
        for kind in _kinds(layers):
            (passed if ok else failed)[kind] += 1
        if not ok:
            problems.append(f"{name}: {shape} {layers}")
            problems.extend(_describe(v))
        if name in EXAMPLES:
            out.write(f"{name:<22} {v.status.value:<8} {v.elapsed_ms or 0:>9.1f} ms\n")
    elapsed = time.perf_counter() - started
    out.write(
        f"\n{len(stacks)} stacks ({len(EXAMPLES)} examples, {samples} random and {graphs} random "
        f"graphs with seed {seed}, {rejected} rejected by cnncalc) in {elapsed:.1f} s\n\n"
    )
    width = max(len(k) for k in KINDS)
    out.write(f"{'layer kind':<{width}}  {'stacks passed':>13}  {'failed':>6}\n")
    for kind in KINDS:
        out.write(f"{kind:<{width}}  {passed[kind]:>13}  {failed[kind]:>6}\n")
    if problems:
        out.write("\nmismatches:\n")
        for line in problems:
            out.write(line + "\n")
    return len(stacks), sum(1 for p in problems if not p.startswith("    "))


HUGE_INPUT = [3, 100_000, 100_000]
HUGE_BATCH = 4096
HUGE_LAYERS: list[dict[str, Any]] = [
    {"type": "conv2d", "out_channels": 64, "kernel_size": 7, "stride": 2, "padding": 3},
    {"type": "batchnorm2d"},
    {"type": "relu"},
    {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
    {"type": "conv2d", "out_channels": 128, "kernel_size": 3, "padding": 1},
    {"type": "adaptiveavgpool2d", "output_size": 1},
    {"type": "flatten"},
    {"type": "linear", "out_features": 1000},
]
"""A stem on a 3×100000×100000 input: the meta device makes its size irrelevant."""


def _peak_rss_mib() -> float:
    """The process's peak resident set size so far (Linux reports KiB)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timings(names: Sequence[str], measure_rf: bool, out: TextIO, repeat: int = 20) -> None:
    """Print the check's latency: first call (torch's import included) and warm (median)."""
    from statistics import median

    from app.core import analyze
    from app.core.layers import LAYERS_ADAPTER
    from app.verify.torch_backend import torch_import_seconds, verify_stack

    out.write(f"peak RSS before torch: {_peak_rss_mib():.0f} MiB\n")
    for name in names:
        body = EXAMPLES[name]
        specs = LAYERS_ADAPTER.validate_python(body["layers"])
        analysis = analyze(body["input_shape"], specs)

        def once(
            body: dict[str, Any] = body, specs: Any = specs, analysis: Any = analysis
        ) -> float:
            started = time.perf_counter()
            v = verify_stack(
                body["input_shape"], specs, analysis, max_elements=2**50, measure_rf=measure_rf
            )
            if v.status is not VerificationStatus.PASSED:
                raise RuntimeError(f"{v.status.value}: {v.mismatches} {v.reason}")
            return (time.perf_counter() - started) * 1000

        first = once()
        warm = median(once() for _ in range(repeat))
        out.write(f"{name:<16} first {first:9.1f} ms   warm {warm:8.1f} ms (median of {repeat})\n")
    out.write(f"torch import and warm-up: {torch_import_seconds() or 0:.2f} s\n")
    specs = LAYERS_ADAPTER.validate_python(HUGE_LAYERS)
    analysis = analyze(HUGE_INPUT, specs, batch_size=HUGE_BATCH)
    before = _peak_rss_mib()
    started = time.perf_counter()
    v = verify_stack(
        HUGE_INPUT, specs, analysis, batch_size=HUGE_BATCH, max_elements=2**60, measure_rf=True
    )
    elapsed = (time.perf_counter() - started) * 1000
    out.write(
        f"3×100000×100000 at batch {HUGE_BATCH} ({len(HUGE_LAYERS)} layers): {v.status.value} "
        f"in {elapsed:.1f} ms; peak RSS {before:.0f} MiB before, {_peak_rss_mib():.0f} MiB "
        "after\n"
    )


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the selfcheck; returns the exit code (0 agree, 1 mismatch, 3 without torch)."""
    return run_args(build_parser().parse_args(argv), out or sys.stdout)


def run_args(args: argparse.Namespace, out: TextIO) -> int:
    """Run the selfcheck on parsed options (``cnncalc selfcheck`` calls this)."""
    if args.samples < 0 or args.graphs < 0 or args.batch_size < 1:
        sys.stderr.write(
            "cnncalc selfcheck: --samples and --graphs must be >= 0 and --batch-size >= 1\n"
        )
        return 2
    unknown = [n for n in args.timings or () if n not in EXAMPLES]
    if unknown:
        sys.stderr.write(f"cnncalc selfcheck: unknown examples {unknown}\n")
        return 2
    if not torch_available():
        sys.stderr.write(f"cnncalc selfcheck: torch is not installed; {INSTALL_HINT}\n")
        return 3
    if args.timings is not None:
        timings(args.timings or ["lenet5_course", "vgg16"], not args.no_receptive_field, out)
        return 0
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**32)
    checked, failures = run(
        args.samples, seed, args.batch_size, not args.no_receptive_field, out, args.graphs
    )
    verdict = "all agree with torch" if failures == 0 else f"{failures} disagree with torch"
    out.write(f"\n{checked} stacks checked: {verdict}\n")
    return 1 if failures else 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
