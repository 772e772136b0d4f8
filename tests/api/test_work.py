"""Request work runs off the event loop, under a deadline, and never piles up."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest
from starlette.types import Message, Receive, Scope, Send

import app.api.teaching as teaching
from app.api.app import create_app
from app.api.middleware import ShutdownGrace
from app.api.work import BusyError, WorkPool
from app.settings import Settings

SOLVE = {"layer": "conv", "input_size": 32, "output_size": 32, "kernel_size": 5}


class SlowSolve:
    """Stands in for the solver: blocks its worker thread until released."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.release = threading.Event()
        self.started = threading.Semaphore(0)
        self.calls = 0
        self.real = teaching.solve  # type: ignore[attr-defined]
        monkeypatch.setattr(teaching, "solve", self)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        self.started.release()
        self.release.wait(timeout=10)
        return self.real(*args, **kwargs)


@pytest.mark.anyio
async def test_work_past_the_deadline_is_a_503_while_health_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    slow = SlowSolve(monkeypatch)
    app = create_app(Settings(work_timeout_s=0.3, max_concurrent_work=1, access_log=False))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        late = asyncio.create_task(c.post("/v1/solve", json=SOLVE))
        await asyncio.to_thread(slow.started.acquire, timeout=5)
        health = await c.get("/healthz")
        assert health.status_code == 200
        assert not late.done()
        r = await late
        assert r.status_code == 503, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.headers["retry-after"] == "1"
        assert r.json()["title"] == "Service Unavailable"
        # The abandoned call still holds the only slot: the next request waits, then is refused.
        queued = await c.post("/v1/solve", json=SOLVE)
        assert queued.status_code == 503, queued.text
        assert slow.calls == 1
        slow.release.set()
        for _ in range(100):  # the slot comes back when the abandoned call ends
            await asyncio.sleep(0.01)
            done = await c.post("/v1/solve", json=SOLVE)
            if done.status_code == 200:
                break
        assert done.status_code == 200, done.text
        assert done.json()["solutions"][0]["padding"] == 2


@pytest.mark.anyio
async def test_the_pool_raises_the_calls_own_errors_and_busy_past_the_deadline() -> None:
    pool = WorkPool(threads=1, timeout_s=0.2)

    def fail() -> None:
        raise ValueError("from the worker")

    with pytest.raises(ValueError, match="from the worker"):
        await pool.run(fail)
    gate = threading.Event()
    with pytest.raises(BusyError) as busy:
        await pool.run(lambda: gate.wait(5))
    assert busy.value.status_code == 503
    gate.set()
    assert await pool.run(lambda: 42) == 42
    pool.close()


@pytest.mark.anyio
async def test_a_request_cut_off_by_the_shutdown_grace_gets_a_503_problem() -> None:
    async def stuck(scope: Scope, receive: Receive, send: Send) -> None:
        await asyncio.sleep(60)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope: Scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    task = asyncio.create_task(ShutdownGrace(stuck)(scope, receive, send))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sent[0]["status"] == 503
    assert (b"content-type", b"application/problem+json") in sent[0]["headers"]
    assert (b"retry-after", b"1") in sent[0]["headers"]
    assert b'"title":"Service Unavailable"' in sent[1]["body"]


@pytest.mark.anyio
async def test_work_estimated_under_the_threshold_runs_on_the_loop_and_above_in_a_thread() -> None:
    pool = WorkPool(threads=1, timeout_s=1.0, inline_us=300.0)
    loop_thread = threading.get_ident()
    assert await pool.run(threading.get_ident, cost_us=300.0) == loop_thread
    assert await pool.run(threading.get_ident, cost_us=301.0) != loop_thread
    assert await pool.run(threading.get_ident) != loop_thread  # unestimated: the pool

    def fail() -> None:
        raise ValueError("on the loop")

    with pytest.raises(ValueError, match="on the loop"):
        await pool.run(fail, cost_us=1.0)
    pool.close()


def test_an_analysis_is_estimated_from_its_layers_and_explanations() -> None:
    from app.api.routes import estimated_us
    from app.api.schemas import AnalyzeRequest

    relu = {"type": "relu"}
    small = AnalyzeRequest.model_validate({"input_shape": [3, 8, 8], "layers": [relu] * 10})
    assert estimated_us(small) == 30 + 10 * 20  # under the default 300 µs: on the loop
    explained = small.model_copy(update={"explain": True})
    assert estimated_us(explained) == 30 + 10 * 160
    assert estimated_us(small.model_copy(update={"lang": "fr"})) == 30 + 10 * 160
    large = AnalyzeRequest.model_validate({"input_shape": [3, 8, 8], "layers": [relu] * 14})
    assert estimated_us(large) > Settings().inline_work_us
    text = AnalyzeRequest.model_validate({"input_shape": [3, 8, 8], "layers": "ReLU"})
    assert estimated_us(text) == float("inf")
    checked = small.model_copy(update={"verify": True})
    assert estimated_us(checked) == float("inf")
