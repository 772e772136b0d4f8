"""Hostile requests against a live cnncalc: each must get its answer in time, /healthz too.

    python -m scripts.hostile                       # starts a server, runs every case
    python -m scripts.hostile --only repeat,verify  # cases whose id holds one of these
    python -m scripts.hostile --url http://127.0.0.1:8000 --json hostile.json

The cases are ``scripts.hostile_corpus``. Without ``--url`` the script starts
``python -m uvicorn app.main:app`` on a free 127.0.0.1 port, under an 8 GiB address-space
limit, with ``CNNCALC_CORS_ORIGINS`` set to the corpus's one allowed origin (a server given by
``--url`` must be started so too). While the cases run, one thread asks ``GET /healthz``
every 100 ms on its own connection; a probe that starts during a case and takes over 1 s
fails that case. After a case the server must still answer /healthz within 5 s; if it does
not (a hung or dead server), the script restarts it and says so. It prints per case the id,
status, time, the slowest probe and pass/fail with the reasons, then the server's RSS
(``VmRSS``) before and after the corpus and the slowest probe of the run; the exit status is
1 when a case fails. Every request goes to 127.0.0.1, bounded in time; the server is stopped
at the end, whatever happens.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

import httpx

from scripts.bench import free_port, process_kib
from scripts.hostile_corpus import ALLOWED_ORIGIN, Case, Reply, corpus, judge

ROOT = Path(__file__).resolve().parent.parent
ADDRESS_SPACE = 8 << 30
"""The server's address-space limit (RLIMIT_AS): a runaway allocation fails, not the machine."""
PROBE_EVERY = 0.1
PROBE_TIMEOUT = 5.0
PROBE_LIMIT = 1.0
"""Seconds a /healthz probe may take while a case runs."""
ALIVE_TIMEOUT = 5.0
MAX_ANSWER = 64 << 20
"""Bytes of an answer read at most; the rest is not read (the answer is then too big)."""
GRACE = 10.0
"""Seconds a request may run over its budget before the client gives up on it."""


class Server:
    """``uvicorn app.main:app`` in a subprocess (its own process group) on 127.0.0.1."""

    def __init__(self, env: dict[str, str] | None = None, root: Path = ROOT) -> None:
        self.root = root
        self.env = {
            **os.environ,
            "CNNCALC_ACCESS_LOG": "0",
            "CNNCALC_CORS_ORIGINS": ALLOWED_ORIGIN,
            **(env or {}),
        }
        self.log: IO[bytes] = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed in stop)
            prefix="cnncalc-hostile-", suffix=".log", delete=False
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.restarts = 0

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        """The uvicorn process's id."""
        assert self.process is not None
        return self.process.pid

    def start(self, timeout: float = 30.0) -> None:
        """Start the server and wait for /healthz."""
        self.port = free_port()
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        self.process = subprocess.Popen(
            command,
            cwd=self.root,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        # Set from outside, not by preexec_fn, which is unsafe once the probe thread runs;
        # the server has done nothing yet but start its interpreter.
        resource.prlimit(self.process.pid, resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the server exited with {self.process.returncode}: {self.tail()}"
                )
            if alive(self.url, 1.0):
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the server did not answer /healthz within {timeout} s: {self.tail()}")

    def stop(self) -> None:
        """Stop the server and everything it started (its process group)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
        # Workers the server forked (a process pool) share its group; none may outlive it.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def restart(self) -> None:
        """Stop, then start on a new port."""
        self.stop()
        self.restarts += 1
        self.start()

    def close(self) -> None:
        """Stop the server and remove its log."""
        self.stop()
        self.log.close()
        with contextlib.suppress(OSError):
            os.unlink(self.log.name)

    def tail(self, size: int = 2000) -> str:
        """The end of the server's output."""
        self.log.flush()
        return Path(self.log.name).read_bytes()[-size:].decode(errors="replace")

    def rss_kib(self) -> int:
        """The server's resident memory (``VmRSS``) in KiB; 0 when it is gone."""
        if self.process is None or self.process.poll() is not None:
            return 0
        try:
            return process_kib(self.pid, "VmRSS")
        except OSError:
            return 0


@contextlib.contextmanager
def running_server(env: dict[str, str] | None = None, root: Path = ROOT) -> Iterator[Server]:
    """A started server, stopped when the block ends, however it ends."""
    server = Server(env, root)
    try:
        server.start()
        yield server
    finally:
        server.close()


def alive(url: str, timeout: float = ALIVE_TIMEOUT) -> bool:
    """Whether ``GET /healthz`` answers 200 within ``timeout`` seconds."""
    try:
        return httpx.get(f"{url}/healthz", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass(frozen=True, slots=True)
class Probe:
    """One /healthz probe: when it started (monotonic) and how long it took (inf: failed)."""

    started: float
    seconds: float


class HealthProbe:
    """A thread asking ``GET /healthz`` every ``PROBE_EVERY`` seconds on its own connection.

    At most ``max_probes`` probes and ``max_seconds`` in all; ``stop()`` ends it sooner.
    """

    def __init__(self, url: str, max_probes: int = 60_000, max_seconds: float = 3600.0) -> None:
        self.url = url
        self.max_probes = max_probes
        self.max_seconds = max_seconds
        self.probes: list[Probe] = []
        self._done = threading.Event()
        self._new = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="healthz-probe", daemon=True)

    def start(self) -> None:
        """Start probing."""
        self._thread.start()

    def stop(self) -> None:
        """Stop probing and wait for the thread."""
        self._done.set()
        self._thread.join(timeout=PROBE_TIMEOUT + 2)

    @property
    def running(self) -> bool:
        """Whether the thread is still probing."""
        return self._thread.is_alive()

    def _run(self) -> None:
        end = time.monotonic() + self.max_seconds
        with httpx.Client(timeout=PROBE_TIMEOUT) as client:
            for _ in range(self.max_probes):
                if self._done.is_set() or time.monotonic() > end:
                    return
                started = time.monotonic()
                try:
                    ok = client.get(f"{self.url}/healthz").status_code == 200
                except httpx.HTTPError:
                    ok = False
                took = time.monotonic() - started if ok else math.inf
                with self._new:
                    self.probes.append(Probe(started, took))
                    self._new.notify_all()
                self._done.wait(max(0.0, PROBE_EVERY - (time.monotonic() - started)))

    def during(self, began: float, ended: float) -> list[Probe]:
        """The probes started between ``began`` and ``ended``, once all of them are over.

        Waits (at most ``PROBE_TIMEOUT`` + 1 s) for a probe started after ``ended``, so that
        the last probe of the window has its time.
        """
        deadline = time.monotonic() + PROBE_TIMEOUT + 1
        with self._new:
            while not (self.probes and self.probes[-1].started > ended):
                left = deadline - time.monotonic()
                if left <= 0 or not self._thread.is_alive():
                    break
                self._new.wait(left)
            return [p for p in self.probes if began <= p.started <= ended]

    def slowest(self) -> float:
        """The slowest probe so far, in seconds (0 when none)."""
        with self._new:
            return max((p.seconds for p in self.probes), default=0.0)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One case's result."""

    id: str
    status: int | None
    ms: float
    probe_ms: float
    faults: list[str]

    @property
    def passed(self) -> bool:
        """Whether the case got what it must."""
        return not self.faults


def send(case: Case, url: str) -> tuple[Reply | None, float, str | None]:
    """Send ``case`` on a new connection: the reply (None on failure), seconds, the error."""
    timeout = httpx.Timeout(case.budget_s + GRACE, connect=5.0)
    began = time.monotonic()
    try:
        with (
            httpx.Client(base_url=url, timeout=timeout) as client,
            client.stream(
                case.method, case.path, content=case.body or None, headers=list(case.headers)
            ) as response,
        ):
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_raw():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER:
                    break
            seconds = time.monotonic() - began
            return (
                Reply(response.status_code, dict(response.headers), b"".join(chunks)),
                seconds,
                None,
            )
    except httpx.HTTPError as error:
        return None, time.monotonic() - began, f"{type(error).__name__}: {error}"


def run_case(case: Case, url: str, probe: HealthProbe) -> Outcome:
    """Send one case and judge the answer and the /healthz probes made meanwhile."""
    began = time.monotonic()
    reply, seconds, error = send(case, url)
    ended = time.monotonic()
    faults = [f"no answer after {seconds:.1f} s ({error})"] if reply is None else []
    if reply is not None:
        faults += judge(case, reply, seconds)
    probes = probe.during(began, ended)
    slowest = max((p.seconds for p in probes), default=0.0)
    if slowest > PROBE_LIMIT:
        shown = "no answer" if math.isinf(slowest) else f"{slowest:.2f} s"
        faults.append(f"a /healthz probe took {shown} meanwhile (limit {PROBE_LIMIT:g} s)")
    return Outcome(
        case.id,
        None if reply is None else reply.status,
        round(seconds * 1000, 1),
        round(slowest * 1000, 1) if not math.isinf(slowest) else math.inf,
        faults,
    )


def torch_on_server(url: str) -> bool:
    """Whether the server has torch (``GET /healthz`` names its version)."""
    try:
        return httpx.get(f"{url}/healthz", timeout=ALIVE_TIMEOUT).json().get("torch") is not None
    except (httpx.HTTPError, ValueError):
        return importlib.util.find_spec("torch") is not None


def run(cases: Sequence[Case], server: Server | None, url: str) -> dict[str, object]:
    """Run ``cases`` in order, printing a row per case; the figures of the run."""
    rss_before = server.rss_kib() if server else 0
    probe = HealthProbe(url if server is None else server.url)
    probe.start()
    outcomes: list[Outcome] = []
    try:
        print("| case | status | ms | slowest /healthz ms | result |")
        print("|---|---|---|---|---|")
        for case in cases:
            target = url if server is None else server.url
            outcome = run_case(case, target, probe)
            if not alive(target):
                if server is not None:
                    server.restart()
                    probe.url = server.url
                outcome.faults.append("the server stopped answering /healthz after this case")
            outcomes.append(outcome)
            result = "pass" if outcome.passed else "FAIL: " + "; ".join(outcome.faults)
            status = "-" if outcome.status is None else str(outcome.status)
            print(
                f"| {outcome.id} | {status} | {outcome.ms:,.0f} | {outcome.probe_ms:,.0f} "
                f"| {result.replace('|', '/')} |",
                flush=True,
            )
    finally:
        slowest = probe.slowest()
        probe.stop()
    rss_after = server.rss_kib() if server else 0
    failed = [o.id for o in outcomes if not o.passed]
    print()
    print(f"cases: {len(outcomes)}, passed: {len(outcomes) - len(failed)}, failed: {len(failed)}")
    if server is not None:
        print(
            f"server RSS: {rss_before / 1024:.1f} MiB before, {rss_after / 1024:.1f} MiB after"
            f"{f' (restarted {server.restarts} times)' if server.restarts else ''}"
        )
    print(f"slowest /healthz probe: {slowest * 1000:,.0f} ms")
    if failed:
        print("failed: " + ", ".join(failed))
    return {
        "outcomes": [asdict(o) | {"passed": o.passed} for o in outcomes],
        "rss_before_kib": rss_before,
        "rss_after_kib": rss_after,
        "restarts": server.restarts if server else 0,
        "slowest_probe_ms": round(slowest * 1000, 1),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the corpus; 0 when every case passes, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--only", default="", help="comma-separated parts of case ids")
    parser.add_argument("--json", type=Path, help="write the outcomes to this file")
    parser.add_argument(
        "--root",
        type=Path,
        default=ROOT,
        help="serve the app package found in this directory (e.g. an export of a commit)",
    )
    args = parser.parse_args(argv)
    wanted = [w for w in args.only.split(",") if w]
    with contextlib.ExitStack() as stack:
        server = None if args.url else stack.enter_context(running_server(root=args.root))
        url = args.url.rstrip("/") if args.url else server.url  # type: ignore[union-attr]
        cases = [
            c for c in corpus(torch_on_server(url)) if not wanted or any(w in c.id for w in wanted)
        ]
        figures = run(cases, server, url)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    outcomes = figures["outcomes"]
    assert isinstance(outcomes, list)
    return 0 if all(o["passed"] for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
