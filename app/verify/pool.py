"""The torch check in worker processes that can be killed: ``VerifyPool``.

A thread cannot be stopped, so the service runs each check in a worker process instead:
at most ``max_concurrent_verify`` of them, started with the ``spawn`` context (a fresh
interpreter: nothing is forked from a threaded server), each importing torch once and then
answering one check at a time over a pipe. Workers start on the first check, never at
service start, and never without torch.

Design, the plainest that keeps the event loop free:

- A slot is an ``asyncio.Semaphore`` permit plus an idle worker (or a new one). Waiting
  for the permit, for a worker's start-up (torch's import) and for the answer share one
  deadline, ``verify_timeout_s`` from the moment the check is asked for.
- The blocking ``send`` then ``recv`` on the worker's pipe runs in a thread
  (``asyncio.to_thread``); the request waits on that thread with ``asyncio.wait(timeout=)``,
  which never cancels it. Past the deadline the worker process is killed (SIGKILL): its
  end of the pipe closes, so the thread's ``recv`` ends at once with ``EOFError``. The
  permit is given back at once and a fresh worker starts in the background.
- A worker that dies during a check (killed for memory, a segfault) ends the same way:
  ``unavailable`` with its exit code, and a fresh worker replaces it.
- Each worker caps its address space (``RLIMIT_AS``, ``verify_memory_mb``) so that a
  runaway allocation fails inside it (``MemoryError``, or torch's allocator error, both
  answered ``unavailable``) instead of taking the server's memory, and uses one CPU thread.

``elapsed_ms`` is measured inside the worker: the check's own time, not the wait for a slot.
The gate before anything is sent (``gate``) refuses a tensor over ``max_verify_elements``;
the two CPU parts of the check count their own work (``app.verify.budget``) against
``max_verify_work`` before they start and are skipped, saying so, above it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import resource
import signal
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from app.core.analysis import Analysis
from app.core.layers.base import LayerSpec, prod
from app.settings import Settings
from app.verify import Verification, torch_available, unavailable

log = logging.getLogger("cnncalc.verify")
T = TypeVar("T")

READY = "ready"
"""A worker's first message, once torch is imported."""


@dataclass(frozen=True, slots=True)
class Job:
    """One check, as sent to a worker (pickled)."""

    input_shape: list[int]
    specs: list[LayerSpec]
    analysis: Analysis
    batch_size: int
    max_elements: int
    max_work: int


def serve(conn: Connection, memory_bytes: int) -> None:
    """A worker's life: cap its memory, import torch once, then answer one job per message.

    Returns when the server's end of the pipe closes (the server stopped or dropped it).
    """
    if memory_bytes > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    from app.verify import torch_backend

    torch = torch_backend.load_torch()
    if torch is not None:
        torch.set_num_threads(1)  # one slot, one core
    conn.send(READY)
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        conn.send(run(job))


def run(job: Job) -> Verification:
    """One check inside a worker; an unexpected error is an answer, not a dead worker."""
    from app.verify.torch_backend import verify_stack

    try:
        return verify_stack(
            job.input_shape,
            job.specs,
            job.analysis,
            batch_size=job.batch_size,
            max_elements=job.max_elements,
            max_work=job.max_work,
        )
    except Exception as error:  # the worker must answer; the server logs nothing it cannot see
        return unavailable("verify_crashed", kind=type(error).__name__, error=str(error))


class WorkerExited(Exception):
    """The worker process ended (killed, crashed) before it answered."""

    def __init__(self, exitcode: int | None) -> None:
        self.exitcode = exitcode
        super().__init__(describe_exit(exitcode))


def describe_exit(exitcode: int | None) -> str:
    """``exit code 1``, ``signal SIGKILL`` (a negative exit code is the signal)."""
    if exitcode is not None and exitcode < 0:
        with contextlib.suppress(ValueError):
            return f"signal {signal.Signals(-exitcode).name}"
    return f"exit code {exitcode}"


class Worker:
    """One worker process and the server's end of its pipe."""

    def __init__(self, memory_bytes: int) -> None:
        """Start the process (blocking for a few milliseconds: call it in a thread)."""
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=serve, args=(child, memory_bytes), name="cnncalc-verify", daemon=True
        )
        self.process.start()
        child.close()  # only the worker holds its end: its death is our EOF

    def receive(self) -> Any:
        """The next message (blocking).

        Raises:
            WorkerExited: the process ended first; it has been reaped.
        """
        try:
            return self.conn.recv()
        except (EOFError, OSError):
            self.process.join(timeout=10)
            raise WorkerExited(self.process.exitcode) from None

    def call(self, job: Job) -> Verification:
        """Send ``job`` and wait for its answer (blocking)."""
        try:
            self.conn.send(job)
        except OSError:  # the worker died while idle
            self.process.join(timeout=10)
            raise WorkerExited(self.process.exitcode) from None
        answer: Verification = self.receive()
        return answer

    def kill(self) -> None:
        """SIGKILL the process; a thread blocked in ``receive`` then gets ``WorkerExited``."""
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()


class VerifyPool:
    """At most ``size`` worker processes running torch checks; see the module docstring.

    Nothing here is bound to one event loop (a test client may run each request in a loop
    of its own): workers start and answer in threads whose ``concurrent.futures.Future``
    any loop can await, and a slot is a counter whose waiters are woken in their own loop.
    """

    def __init__(self, size: int, timeout_s: float, memory_mb: int) -> None:
        """Nothing starts here: workers start on the first check."""
        self.size = max(1, size)
        self.timeout_s = timeout_s
        self.memory_bytes = max(0, memory_mb) << 20
        self._idle: list[Future[Worker]] = []  # started or starting, not in use
        self._workers: set[Worker] = set()
        self._waiters: list[asyncio.Future[None]] = []
        self._busy = 0
        self._closed = False

    @classmethod
    def from_settings(cls, settings: Settings) -> VerifyPool:
        """The pool ``settings`` describe."""
        return cls(
            settings.max_concurrent_verify, settings.verify_timeout_s, settings.verify_memory_mb
        )

    @property
    def busy(self) -> int:
        """Slots in use right now."""
        return self._busy

    @property
    def processes(self) -> int:
        """Worker processes alive or starting."""
        return len(self._workers)

    def pids(self) -> list[int]:
        """The worker processes' ids."""
        return [w.process.pid for w in list(self._workers) if w.process.pid is not None]

    async def start(self) -> None:
        """Start every worker and wait until each has imported torch (a warm-up; optional)."""
        while len(self._idle) + self._busy < self.size:
            self._idle.append(in_thread(self._start))
        for pending in list(self._idle):
            await asyncio.wait({asyncio.wrap_future(pending)})

    def warm(self, workers: int) -> None:
        """Start up to ``workers`` workers in the background; return at once.

        A worker's first check would otherwise wait for it to import torch (seconds).
        """
        while len(self._idle) + self._busy < min(workers, self.size):
            self._idle.append(in_thread(self._start))

    async def close(self) -> None:
        """Kill every worker and reap them (the service is stopping)."""
        self._closed = True
        workers = list(self._workers)
        self._workers.clear()
        self._idle.clear()
        for worker in workers:
            worker.kill()
        await asyncio.wrap_future(in_thread(_reap, workers))

    async def check(
        self,
        input_shape: Sequence[int],
        specs: Sequence[LayerSpec],
        analysis: Analysis,
        *,
        batch_size: int,
        max_elements: int,
        max_work: int,
    ) -> Verification:
        """The torch check of one analysed stack, within ``timeout_s``; never raises."""
        refused = gate(input_shape, analysis, batch_size, max_elements)
        if refused is not None:
            return refused
        if not torch_available():
            return unavailable("torch_missing")
        job = Job(list(input_shape), list(specs), analysis, batch_size, max_elements, max_work)
        deadline = asyncio.get_running_loop().time() + self.timeout_s
        if not await self._acquire(deadline):
            return unavailable("verify_busy", seconds=self.timeout_s)
        try:
            return await self._run(job, deadline)
        finally:
            self._release()

    async def _acquire(self, deadline: float) -> bool:
        """Take a slot, waiting until ``deadline`` at most."""
        loop = asyncio.get_running_loop()
        while self._busy >= self.size:
            waiter = loop.create_future()
            self._waiters.append(waiter)
            try:
                done, _ = await asyncio.wait({waiter}, timeout=max(0.0, deadline - loop.time()))
            finally:
                self._waiters.remove(waiter)
            if not done:
                return False
        self._busy += 1
        return True

    def _release(self) -> None:
        """Give a slot back and wake the first waiter, in its own loop."""
        self._busy -= 1
        for waiter in self._waiters:
            if not waiter.done() and not waiter.get_loop().is_closed():
                waiter.get_loop().call_soon_threadsafe(_wake, waiter)
                break

    async def _run(self, job: Job, deadline: float) -> Verification:
        """Run ``job`` on an idle (or new) worker, holding a slot."""
        pending = self._take()
        try:
            started = await _wait(pending, deadline)
        except BaseException:  # the request went away while the worker started: keep it
            self._idle.append(pending)
            raise
        if not started:
            self._idle.append(pending)  # still importing torch: the next check may use it
            return unavailable("verify_start_slow", seconds=self.timeout_s)
        if pending.exception() is not None:  # not replaced until a check asks for one
            return unavailable("verify_start_failed", error=str(pending.exception()))
        return await self._call(pending, job, deadline)

    async def _call(self, started: Future[Worker], job: Job, deadline: float) -> Verification:
        """Send ``job`` to a started worker and wait for its answer until ``deadline``."""
        worker = started.result()
        call = in_thread(worker.call, job)
        answered = False
        try:
            if not await _wait(call, deadline):
                return unavailable("verify_timeout", seconds=self.timeout_s)
            error = call.exception()
            if isinstance(error, WorkerExited):
                return unavailable("verify_worker_ended", error=str(error))
            if error is not None:  # pragma: no cover - the pipe itself failed
                return unavailable("verify_crashed", kind=type(error).__name__, error=str(error))
            answered = True
            self._idle.append(started)
            return call.result()
        finally:
            if not answered:  # timed out, died, or the request went away: never reuse it
                self._replace(worker)

    def _take(self) -> Future[Worker]:
        """An idle worker, one that has started first; else a new one."""
        for index, pending in enumerate(self._idle):
            if pending.done():
                return self._idle.pop(index)
        if self._idle:
            return self._idle.pop(0)
        return in_thread(self._start)

    def _start(self) -> Worker:
        """Start a worker and wait for its ``READY`` (blocking: runs in a thread).

        Raises:
            WorkerExited: it ended before it was ready (torch failed to import).
        """
        worker = Worker(self.memory_bytes)
        self._workers.add(worker)
        if self._closed:
            worker.kill()
        try:
            worker.receive()
        except WorkerExited:
            self._workers.discard(worker)
            raise
        return worker

    def _replace(self, worker: Worker) -> None:
        """Kill ``worker`` and start a fresh one at once (its slot is free now)."""
        worker.kill()
        self._workers.discard(worker)
        if not self._closed:
            self._idle.append(in_thread(self._start))


def in_thread(function: Callable[..., T], *args: Any) -> Future[T]:
    """Run ``function(*args)`` in a daemon thread and return its future.

    The future is already running, so it cannot be cancelled: a request that stops waiting
    for it loses nothing.
    """
    future: Future[T] = Future()
    future.set_running_or_notify_cancel()

    def target() -> None:
        try:
            future.set_result(function(*args))
        except BaseException as error:  # handed to whoever awaits the future
            future.set_exception(error)

    threading.Thread(target=target, name="cnncalc-verify", daemon=True).start()
    return future


async def _wait(future: Future[Any], deadline: float) -> bool:
    """Whether ``future`` finished before ``deadline`` (it is never cancelled)."""
    loop = asyncio.get_running_loop()
    waiting = asyncio.wrap_future(future)
    # Its outcome is read from ``future``; this copy's, once abandoned, is dropped here.
    waiting.add_done_callback(_drop_outcome)
    done, _ = await asyncio.wait({waiting}, timeout=max(0.0, deadline - loop.time()))
    return bool(done)


def _drop_outcome(done: asyncio.Future[Any]) -> None:
    if not done.cancelled():
        done.exception()


def _wake(waiter: asyncio.Future[None]) -> None:
    if not waiter.done():
        waiter.set_result(None)


def _reap(workers: list[Worker]) -> None:
    """Wait for killed workers to end (blocking)."""
    for worker in workers:
        worker.process.join(timeout=10)


def gate(
    input_shape: Sequence[int], analysis: Analysis, batch_size: int, max_elements: int
) -> Verification | None:
    """Refuse, before anything is sent, a stack whose input or an output is too large.

    Counts ``batch_size × prod(shape)`` for the input and every layer's output.
    """
    shapes = [tuple(input_shape), *(tuple(r.output_shape) for r in analysis.layers)]
    largest = max(batch_size * prod(shape) for shape in shapes)
    if largest > max_elements:
        return unavailable("verify_too_large", elements=largest, limit=max_elements)
    return None


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    """The service's lifespan: warm the verify workers up, kill them when it stops."""
    if torch_available():
        app.state.verify_pool.warm(app.state.settings.verify_warm_workers)
    yield
    await app.state.verify_pool.close()


__all__ = ["Job", "VerifyPool", "WorkerExited", "gate", "lifespan", "serve"]
