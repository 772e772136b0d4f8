"""A request's CPU-bound work, run off the event loop with a deadline.

Validation, parsing, analysis, grading, solving, export and serialisation run in a small pool
of threads (``Settings.max_concurrent_work``), each request under ``Settings.work_timeout_s``,
so the event loop keeps answering ``/healthz`` and reading other requests meanwhile (a
thread doing pure-Python work gives the GIL back every few milliseconds).

Work whose cost, estimated before it starts, is under ``inline_us`` (``Settings.inline_work_us``,
300 µs by default) runs at once on the event loop instead: for a small stack the hop to a
thread (a slot, the executor's queue, waking the thread, the future's callback, the GIL
passed back and forth) costs as much as the work itself. The estimate is the caller's (for
an analysis, from the number of layers and whether explanations are asked); unestimated
work always goes to the pool. The loop is never held longer than that bound, in estimate.

A thread cannot be stopped, so the deadline does not bound the work: the limits checked
before the work starts do (``max_layers`` counted while parsing, the solver's search bound,
…). The deadline bounds how long a client waits. A slot is held until the work really ends,
not until its client stops waiting, so abandoned work never piles up: at most
``max_concurrent_work`` calls run at once, and a request that waits past its deadline, for
a slot or for its work, gets a 503 problem with ``Retry-After``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from starlette.exceptions import HTTPException

from app.core.messages import Msg, msg, render

T = TypeVar("T")


class BusyError(HTTPException):
    """The work did not finish within the deadline (503, with ``Retry-After``)."""

    def __init__(self, seconds: float) -> None:
        self.msg: Msg = msg("service_busy", seconds=seconds)
        super().__init__(
            503, render(self.msg), headers={"Retry-After": str(max(1, math.ceil(seconds)))}
        )


class WorkPool:
    """At most ``threads`` calls at once, each awaited for at most ``timeout_s`` seconds.

    A call estimated at no more than ``inline_us`` microseconds of work runs on the loop.
    """

    def __init__(self, threads: int, timeout_s: float, inline_us: float = 0.0) -> None:
        self.timeout_s = timeout_s
        self.inline_us = inline_us
        self._executor = ThreadPoolExecutor(threads, thread_name_prefix="cnncalc-work")
        self._slots = asyncio.Semaphore(threads)

    async def run(self, call: Callable[[], T], cost_us: float = math.inf) -> T:
        """``call()`` in a worker thread, or at once when ``cost_us`` is at most ``inline_us``.

        ``cost_us`` is the work estimated before it starts, in microseconds of CPU; its
        exceptions are raised here either way.

        Raises:
            BusyError: no slot came free, or the call did not end, within the deadline.
        """
        if cost_us <= self.inline_us:
            return call()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout_s
        try:
            async with asyncio.timeout_at(deadline):
                await self._slots.acquire()
        except TimeoutError:
            raise BusyError(self.timeout_s) from None
        work = asyncio.wrap_future(self._executor.submit(call))
        work.add_done_callback(self._release)
        try:
            async with asyncio.timeout_at(deadline):
                return await asyncio.shield(work)
        except TimeoutError:
            raise BusyError(self.timeout_s) from None

    def _release(self, done: asyncio.Future[Any]) -> None:
        """Give the slot back when the call ends; an abandoned call's error is dropped here."""
        self._slots.release()
        if not done.cancelled():
            done.exception()

    def close(self) -> None:
        """Stop taking work; calls already running finish on their own."""
        self._executor.shutdown(wait=False, cancel_futures=True)


__all__ = ["BusyError", "WorkPool"]
