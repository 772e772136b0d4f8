"""Hostile requests against a live server: each gets its answer in time, /healthz too.

The cases are ``scripts.hostile_corpus``; one uvicorn runs them all (``scripts.hostile``:
127.0.0.1, a free port, an 8 GiB address-space limit, one allowed CORS origin). A thread
probes ``/healthz`` every 100 ms; every probe started during a case must answer within 1 s.
A case that leaves the server unresponsive fails, and the server is restarted for the next.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator

import pytest

from scripts.hostile import HealthProbe, Server, alive, run_case
from scripts.hostile_corpus import Case, corpus
from tests.torch_util import require_torch

pytestmark = pytest.mark.slow

TORCH = importlib.util.find_spec("torch") is not None
CASES = corpus(torch=TORCH)


def _param(case: Case) -> object:
    marks = [pytest.mark.torch] if case.torch else []
    return pytest.param(case, id=case.id, marks=marks)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    live = Server()
    try:
        live.start()
        yield live
    finally:
        live.close()


@pytest.fixture(scope="module")
def probe(server: Server) -> Iterator[HealthProbe]:
    watch = HealthProbe(server.url)
    watch.start()
    try:
        yield watch
    finally:
        watch.stop()


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_hostile_request(case: Case, server: Server, probe: HealthProbe) -> None:
    if case.torch:
        require_torch()
    if not alive(server.url):
        # An earlier case left the server unresponsive (it failed for that); start afresh.
        server.restart()
        probe.url = server.url
    outcome = run_case(case, server.url, probe)
    faults = "; ".join(outcome.faults)
    status_expected = outcome.status in case.expect
    assert status_expected, f"{case.what}: {faults}"
    assert outcome.passed, f"{case.what}: {faults}"
    assert probe.running, "the /healthz probe stopped"
    assert alive(server.url), "the server stopped answering /healthz after this case"
