"""10,000 random graphs against torch: every node's numbers, the same rejections, the fields.

The graphs (``app.verify.stacks.random_graph``, seeded) wire random layers of every kind into
residual and parallel blocks and add, mul and concat merges, squeeze-excitation gates
included; about a third are invalid somewhere (a merge of shapes that do not line up, a
layer's wrong field). Every graph runs node by node in torch on the CPU (the reference: its
kernels check what the meta device does not), without the FLOP counter, which costs most of
a small run's time: output, weight and bias shapes, parameters, buffers and where the graph
is rejected are compared on every node. One graph in ``FULL_EVERY`` goes through the whole
check as the service runs it (meta device, CPU rerun, MACs, receptive fields measured by
back-propagation on the graph, per node).
"""

from __future__ import annotations

import contextlib
from types import ModuleType

import pytest

from app.core import analyze
from app.core.analysis import Analysis, parse_layers
from app.core.errors import CnnCalcError
from app.core.graph import build_graph
from app.verify import VerificationStatus
from app.verify.stacks import KINDS, RandomChooser, random_graph
from app.verify.torch_backend import COMPARED_FIELDS, compare, core_side, run_nodes, verify_stack
from tests.torch_util import require_torch

pytestmark = pytest.mark.torch

GRAPHS = 10_000
"""Random graphs checked against torch."""
FULL_EVERY = 100
"""One graph in this many also goes through the whole check, receptive fields measured."""
SEED = 20_240_612
BATCH = 2


def test_ten_thousand_random_graphs_agree_with_torch() -> None:
    torch = require_torch()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread, as the service's workers run
    try:
        _check_graphs(torch)
    finally:
        torch.set_num_threads(threads)


def _check_graphs(torch: ModuleType) -> None:
    chooser = RandomChooser(SEED)
    failures: list[str] = []
    kinds_seen: set[str] = set()
    valid = merges = rf_nodes = 0
    forms: set[str] = set()
    for i in range(GRAPHS):
        shape, layers = random_graph(chooser, first_kind=KINDS[i % len(KINDS)])
        specs = parse_layers(layers)
        analysis: Analysis | None = None
        with contextlib.suppress(CnnCalcError):
            analysis = analyze(shape, specs, batch_size=BATCH)
        graph = build_graph(specs, 2**16)
        nodes = [(node.spec, node.inputs) for node in graph.nodes]
        core = core_side(shape, [n.spec for n in graph.nodes], analysis, BATCH, nodes)
        ran = run_nodes(torch, shape, nodes, batch_size=BATCH, device="cpu", count_macs=False)
        mismatches = compare(core, ran, [f for f in COMPARED_FIELDS if f != "macs"])
        if mismatches:
            failures.append(f"{shape} {layers}: {mismatches}")
        valid += analysis is not None
        merges += any(n.spec.merges and len(n.inputs) > 1 for n in graph.nodes)
        kinds_seen.update(type(n.spec).__name__ for n in graph.nodes)
        forms.update(str(layer["type"]) for layer in layers)
        if i % FULL_EVERY == 0 and analysis is not None:
            v = verify_stack(shape, specs, analysis, batch_size=BATCH, max_elements=2**24)
            if v.status is not VerificationStatus.PASSED:
                failures.append(f"full check {shape} {layers}: {v.mismatches} {v.reason}")
            rf_nodes += sum(r.get("status") == "measured" for r in v.receptive_field or [])
    assert not failures, "\n".join(failures[:5])
    # The draw covers what it claims: every kind, the blocks and merges, valid graphs mostly.
    assert kinds_seen >= set(KINDS)
    assert {"residual", "parallel", "add", "mul", "concat"} <= forms
    assert valid > GRAPHS // 2
    assert merges > GRAPHS // 2
    assert rf_nodes > 200
