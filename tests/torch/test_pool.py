"""The torch check in killable worker processes: hostile inputs, timeouts, dead workers."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.api import routes
from app.api.app import create_app
from app.core import analyze
from app.core.examples import EXAMPLES
from app.core.layers import LAYERS_ADAPTER
from app.settings import Settings
from app.verify import VerificationStatus, torch_backend
from app.verify import pool as pool_module
from app.verify.budget import CALL_WORK, cpu_work, rf_work
from app.verify.pool import VerifyPool
from tests.torch_util import require_torch

LENET5 = {
    "input_shape": EXAMPLES["lenet5_course"]["input_shape"],
    "layers": EXAMPLES["lenet5_course"]["layers"],
    "verify": True,
}
SLOW_POOL = {"input_shape": [1, 1535, 1535], "layers": [{"type": "maxpool2d", "K": 512, "S": 1}]}
"""A 512×512 max pool at stride 1: 2³⁸ window reads on the CPU, minutes of one core."""
HOSTILE = {
    "32768² input, 32 pool": {
        "input_shape": [1, 32768, 32768],
        "layers": [{"type": "maxpool2d", "kernel_size": 32}],
    },
    "1048576² input (4 TiB)": {
        "input_shape": [1, 1048576, 1048576],
        "layers": [{"type": "maxpool2d", "kernel_size": 1024}],
    },
    "512 pool at stride 1": SLOW_POOL,
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    app = create_app(Settings(access_log=False))
    with TestClient(app, raise_server_exceptions=False) as c:  # the lifespan closes the pool
        yield c


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def verification(client: TestClient, body: dict[str, Any]) -> dict[str, Any]:
    r = client.post("/v1/analyze", json={**body, "verify": True})
    assert r.status_code == 200, r.text
    answer: dict[str, Any] = r.json()["verification"]
    return answer


@pytest.mark.torch
@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_input_is_checked_on_the_meta_device_only(
    client: TestClient, body: dict[str, Any]
) -> None:
    require_torch()
    v = verification(client, body)
    assert v["status"] == "passed", v
    assert v["reason"].startswith("checked on the meta device only: "), v
    assert "over the CPU rerun's" in v["reason"] or "over the limit of 134217728" in v["reason"]
    assert v["receptive_field"][0]["status"] == "skipped"


@pytest.mark.torch
def test_the_cpu_rerun_counts_pooling_windows() -> None:
    specs = LAYERS_ADAPTER.validate_python(SLOW_POOL["layers"])
    # 1535² input read, 1024² outputs written, each reading a 512² window.
    expected = 1535**2 + 1535**2 + 1024**2 * (1 + 512**2) + CALL_WORK
    assert cpu_work([1, 1535, 1535], specs, [[1, 1024, 1024]], 1) == expected


@pytest.mark.torch
def test_many_layers_skip_the_measurement_not_the_check(client: TestClient) -> None:
    require_torch()
    body = {"input_shape": [1, 8, 8], "layers": [{"type": "conv2d", "C_out": 1, "K": 1}] * 2048}
    v = verification(client, body)
    assert v["status"] == "passed", v
    assert v["reason"] is None  # the CPU rerun ran
    skipped = v["receptive_field"][0]
    assert skipped["status"] == "skipped"
    specs = LAYERS_ADAPTER.validate_python(body["layers"])
    work = rf_work([1, 8, 8], specs, analyze([1, 8, 8], specs))
    assert work > 2048 * 2049 // 2 * CALL_WORK
    assert skipped["reason"] == (
        f"the measurement would cost {work} element-operations, over the limit of {2**27}"
    )


@pytest.mark.torch
def test_within_the_budget_every_field_is_still_measured(client: TestClient) -> None:
    require_torch()
    v = verification(client, LENET5)
    assert v["status"] == "passed", v
    assert v["reason"] is None
    measured = [f for f in v["receptive_field"] if f["status"] == "measured"]
    assert measured[-1]["measured"] == {
        "size": [16, 16],
        "jump": [4, 4],
        "start": [1.5, 1.5],
        "padding": [6, 6],
    }
    assert v["elapsed_ms"] > 0


def test_over_max_verify_elements_is_refused_before_any_process_starts() -> None:
    require_torch()  # without torch the answer is "not installed", before any count
    app = create_app(Settings(access_log=False, max_verify_elements=1000, verify_warm_workers=0))
    with TestClient(app) as c:
        v = verification(c, {"input_shape": [1, 32, 32], "layers": [{"type": "relu"}]})
        assert v["status"] == "unavailable"
        assert v["reason"] == (
            "a tensor of 1024 elements (whole batch) is over the torch check's limit of 1000 "
            "(max_verify_elements)"
        )
        assert app.state.verify_pool.processes == 0


def test_without_torch_no_process_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(routes, "torch_available", lambda: False)
    monkeypatch.setattr(pool_module, "torch_available", lambda: False)
    app = create_app(Settings(access_log=False))
    with TestClient(app) as c:
        v = verification(c, LENET5)
    assert v["status"] == "unavailable"
    assert v["reason"].startswith("the server cannot check with PyTorch")
    assert app.state.verify_pool.processes == 0


@pytest.mark.torch
def test_over_max_verify_work_the_cpu_rerun_is_skipped_and_said() -> None:
    require_torch()
    app = create_app(Settings(access_log=False, max_verify_work=1000))
    with TestClient(app) as c:
        v = verification(c, LENET5)
    assert v["status"] == "passed", v
    assert v["reason"].startswith("checked on the meta device only: the CPU rerun would cost ")
    assert v["reason"].endswith("element-operations, over the limit of 1000")
    assert "over the limit of 1000" in v["receptive_field"][0]["reason"]


@pytest.mark.torch
@pytest.mark.anyio
async def test_a_long_check_is_killed_and_its_slot_is_free_at_once() -> None:
    require_torch()
    settings = Settings(
        access_log=False, verify_timeout_s=2.0, max_concurrent_verify=2, max_verify_work=2**60
    )
    app = create_app(settings)
    pool: VerifyPool = app.state.verify_pool
    await pool.start()  # both workers have imported torch
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            before = set(pool.pids())
            slow = await c.post("/v1/analyze", json={**SLOW_POOL, "verify": True})
            assert pool.busy == 0
            after = await c.post("/v1/analyze", json=LENET5)
        v = slow.json()["verification"]
        assert v["status"] == "unavailable"
        assert v["reason"] == "the torch check took over 2.0 s; its worker process was stopped"
        assert after.json()["verification"]["status"] == "passed"
        killed = before - set(pool.pids())
        assert len(killed) == 1
        for _ in range(100):  # the replacement starts in the background
            if pool.processes == 2:
                break
            await asyncio.sleep(0.05)
        assert pool.processes == 2
    finally:
        await pool.close()


@pytest.mark.torch
@pytest.mark.anyio
async def test_a_worker_that_dies_is_unavailable_and_replaced() -> None:
    require_torch()
    app = create_app(Settings(access_log=False, max_concurrent_verify=1, max_verify_work=2**60))
    pool: VerifyPool = app.state.verify_pool
    await pool.start()
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            (pid,) = pool.pids()
            slow = asyncio.create_task(c.post("/v1/analyze", json={**SLOW_POOL, "verify": True}))
            for _ in range(200):
                if pool.busy == 1:
                    break
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            os.kill(pid, signal.SIGSEGV)
            died = (await slow).json()["verification"]
            again = await c.post("/v1/analyze", json=LENET5)
        assert died["status"] == "unavailable"
        assert died["reason"] == "the torch check's worker process ended (signal SIGSEGV)"
        assert again.json()["verification"]["status"] == "passed"
        assert pid not in pool.pids()
    finally:
        await pool.close()


@pytest.mark.torch
def test_a_worker_over_its_memory_limit_fails_inside_it() -> None:
    """256 MiB of address space is too little to import torch: the worker ends, not us."""
    require_torch()
    app = create_app(Settings(access_log=False, verify_memory_mb=256))
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/v1/analyze", json=LENET5)
        assert r.status_code == 200, r.text
        v = r.json()["verification"]
        assert v["status"] == "unavailable"
        assert v["reason"] == "the torch check's worker process did not start: exit code 1"
        assert app.state.verify_pool.processes == 0


def test_an_allocation_failure_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    require_torch()

    def refuse(*args: Any) -> None:
        raise RuntimeError(
            "[enforce fail at alloc_cpu.cpp:118] data. DefaultCPUAllocator: can't allocate "
            "memory: you are trying to allocate 4398046511104 bytes."
        )

    monkeypatch.setattr(torch_backend, "_verify_locked", refuse)
    specs = LAYERS_ADAPTER.validate_python([{"type": "relu"}])
    v = torch_backend.verify_stack([1, 4, 4], specs, analyze([1, 4, 4], specs), max_elements=99)
    assert v.status is VerificationStatus.UNAVAILABLE
    assert v.reason is not None
    assert v.reason.startswith("the torch check ran out of memory: RuntimeError: [enforce")


def test_other_runtime_errors_are_not_taken_for_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    require_torch()

    def broken(*args: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(torch_backend, "_verify_locked", broken)
    specs = LAYERS_ADAPTER.validate_python([{"type": "relu"}])
    with pytest.raises(RuntimeError, match="a bug"):
        torch_backend.verify_stack([1, 4, 4], specs, analyze([1, 4, 4], specs), max_elements=99)


@pytest.mark.torch
def test_the_service_warms_a_worker_up_before_any_check() -> None:
    require_torch()
    app = create_app(Settings(access_log=False, verify_warm_workers=1))
    with TestClient(app):
        for _ in range(200):  # the worker is spawned by a thread: wait until it exists
            if app.state.verify_pool.processes:
                break
            time.sleep(0.05)
        assert app.state.verify_pool.processes == 1  # started before any request
    cold = create_app(Settings(access_log=False, verify_warm_workers=0))
    with TestClient(cold):
        assert cold.state.verify_pool.processes == 0
