"""Load test: wrk against a local cnncalc, /healthz and /v1/analyze side by side in one run.

    python -m scripts.load                            # 1 worker, 16 and 64 connections, 10 s each
    python -m scripts.load --workers 1,2 --duration 20
    python -m scripts.load --soak 300                 # plus 5 minutes of new LeNet-5 bodies
    python -m scripts.load --rounds 3 --duration 5    # medians of three interleaved rounds

For each worker count the script starts ``python -m app serve --workers N`` on 127.0.0.1 (a
free port; the JSON access log on, written to a temporary file, as in production), waits
for /healthz, then runs ``wrk`` for ``--duration`` seconds per (connections, endpoint):
``GET /healthz``, and ``POST /v1/analyze`` with LeNet-5 and with VGG-16
(``app.core.examples``), each request with a new body (wrk's Lua gives each its own
``batch_size``), so that every one is read, parsed, validated, analysed and serialised.
It prints requests/s, p50/p99 latency, errors (socket errors and non-2xx answers), the
server's RSS (every process of the tree) at start, after ``--warmup`` seconds of each
endpoint and at the end, and the ratio of each endpoint's
throughput to /healthz's. With ``--rounds R`` the endpoints run R times, interleaved, and
each figure is the median over the rounds (the ratio with its range), since one run on a
shared machine can be off by a third. Everything is bounded in time; the server is stopped
at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from scripts.bench import free_port

ROOT = Path(__file__).resolve().parent.parent

WRK_SCRIPT = """
local body_file = os.getenv("CNNCALC_BODY")
local vary = os.getenv("CNNCALC_VARY") == "1"
local template = nil
if body_file and body_file ~= "" then
  local f = assert(io.open(body_file, "rb"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
  if vary then
    template = wrk.body
  end
end

-- With CNNCALC_VARY=1 every request carries its own batch_size: no two bodies are the same.
local counter = 0
init = function(args)
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  counter = math.random(0, 900000)
end
if vary then
  request = function()
    counter = counter + 1
    local batch = '"batch_size": ' .. (counter % 1000000 + 1)
    local body = string.gsub(template, '"batch_size": 1', batch)
    return wrk.format(nil, nil, nil, body)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """What wrk requests: a name, a path and an optional JSON body."""

    name: str
    path: str
    body: bytes | None = None
    vary: bool = False


def endpoints() -> list[Endpoint]:
    """/healthz, then /v1/analyze with LeNet-5 and VGG-16, every body new."""
    from app.core.examples import EXAMPLES

    def body(name: str) -> bytes:
        example = EXAMPLES[name]
        return json.dumps(
            {"input_shape": example["input_shape"], "batch_size": 1, "layers": example["layers"]}
        ).encode()

    return [
        Endpoint("GET /healthz", "/healthz"),
        Endpoint(
            "POST /v1/analyze LeNet-5, every body new", "/v1/analyze", body("lenet5_course"), True
        ),
        Endpoint("POST /v1/analyze VGG-16, every body new", "/v1/analyze", body("vgg16"), True),
    ]


def tree_pids(pid: int) -> list[int]:
    """``pid`` and all its descendants."""
    out = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            out += tree_pids(int(child))
    return out


def rss_mib(pid: int) -> float:
    """Resident memory of the process tree rooted at ``pid``, in MiB."""
    total = 0
    for p in tree_pids(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


class Server:
    """``python -m app serve`` on 127.0.0.1, stopped (SIGTERM, then SIGKILL) on exit."""

    def __init__(self, workers: int, log_path: Path) -> None:
        self.port = free_port()
        self.log = log_path.open("wb")
        command = [
            sys.executable,
            "-m",
            "app",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(workers),
        ]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=self.log)
        self.workers = workers

    def wait_ready(self, timeout: float = 60) -> None:
        """Until /healthz answers on every worker (a few requests in a row)."""
        deadline = time.monotonic() + timeout
        answered = 0
        while time.monotonic() < deadline and answered < 4 * self.workers:
            if self.process.poll() is not None:
                raise RuntimeError("the server exited")
            try:
                with httpx.Client(timeout=2) as client:
                    if client.get(f"{self.url}/healthz").status_code == 200:
                        answered += 1
                        continue
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        if answered < 4 * self.workers:
            raise RuntimeError(f"the server did not answer within {timeout:g} s")

    @property
    def url(self) -> str:
        """The base URL."""
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        """SIGTERM, and SIGKILL if it has not stopped within 15 s."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()


def run_wrk(
    url: str,
    endpoint: Endpoint,
    connections: int,
    duration: float,
    threads: int,
    workdir: Path,
) -> dict[str, Any]:
    """One wrk run; its summary as a dict (times in µs)."""
    script = workdir / "report.lua"
    script.write_text(WRK_SCRIPT)
    env = dict(os.environ)
    env.pop("CNNCALC_BODY", None)
    env["CNNCALC_VARY"] = "1" if endpoint.vary else "0"
    if endpoint.body is not None:
        body_file = workdir / "body.json"
        body_file.write_bytes(endpoint.body)
        env["CNNCALC_BODY"] = str(body_file)
    command = [
        "wrk",
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{duration:g}s",
        "--timeout",
        "5s",
        "-s",
        str(script),
        url + endpoint.path,
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    result: dict[str, Any] = json.loads(lines[-1])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    result["errors"] = sum(result[k] for k in ("connect", "read", "write", "status", "timeout"))
    return result


def median(values: Iterable[float]) -> float:
    """The median (the mean of the middle two for an even count)."""
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _ratio(ratios: list[float]) -> str:
    """The median ratio to /healthz, with the range over the rounds when there are several."""
    if len(ratios) == 1:
        return f"{ratios[0]:.2f}"
    return f"{median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"


def fmt_us(us: float) -> str:
    """µs as ms with three significant figures."""
    return f"{us / 1000:.3g} ms"


def run(args: argparse.Namespace) -> int:
    """Every worker count, connection count and endpoint; print the tables."""
    if shutil.which("wrk") is None:
        print("wrk is not installed (apt-get install wrk)", file=sys.stderr)
        return 2
    targets = endpoints()
    ok = True
    with tempfile.TemporaryDirectory(prefix="cnncalc-load-") as tmp:
        workdir = Path(tmp)
        for workers in args.workers:
            server = Server(workers, workdir / f"server-{workers}.log")
            try:
                server.wait_ready()
                rss_start = rss_mib(server.process.pid)
                for endpoint in targets:  # lazy imports, first serialisations
                    run_wrk(server.url, endpoint, 16, args.warmup, args.threads, workdir)
                rss_before = rss_mib(server.process.pid)
                rows = []
                for connections in args.connections:
                    # Rounds interleave the endpoints, so that a slow spell of the machine
                    # touches all of them; each figure is the median over the rounds.
                    runs: dict[str, list[dict[str, Any]]] = {e.name: [] for e in targets}
                    for round_ in range(args.rounds):
                        for endpoint in targets:
                            print(
                                f"  {workers} worker(s), {connections} connections, "
                                f"{endpoint.name}, round {round_ + 1}/{args.rounds} …",
                                file=sys.stderr,
                                flush=True,
                            )
                            r = run_wrk(
                                server.url,
                                endpoint,
                                connections,
                                args.duration,
                                args.threads,
                                workdir,
                            )
                            ok = ok and r["errors"] == 0
                            runs[endpoint.name].append(r)
                    healthz = runs[targets[0].name]
                    for endpoint in targets:
                        mine = runs[endpoint.name]
                        ratios = [r["rps"] / h["rps"] for r, h in zip(mine, healthz, strict=True)]
                        rows.append(
                            [
                                endpoint.name,
                                str(connections),
                                f"{median(r['rps'] for r in mine):,.0f}",
                                fmt_us(median(r["p50_us"] for r in mine)),
                                fmt_us(median(r["p99_us"] for r in mine)),
                                str(sum(r["errors"] for r in mine)),
                                _ratio(ratios),
                            ]
                        )
                soak = ""
                if args.soak:  # new LeNet-5 bodies: RSS must stay flat
                    soak = soak_run(server, targets[1], args, workdir)
                rss_after = rss_mib(server.process.pid)
            finally:
                server.stop()
            logged = sum(1 for _ in (workdir / f"server-{workers}.log").open("rb"))
            print(f"\n### {workers} worker(s)\n")
            print("| endpoint | connections | req/s | p50 | p99 | errors | vs /healthz |")
            print("|---|---|---|---|---|---|---|")
            for row in rows:
                print("| " + " | ".join(row) + " |")
            print(
                f"\nServer RSS (all processes): {rss_start:.1f} MiB at start, {rss_before:.1f} MiB "
                f"after {args.warmup:g} s of each endpoint, {rss_after:.1f} MiB at the end "
                f"({(rss_after / rss_before - 1) * 100:+.1f} % after the warm-up); {logged:,} "
                "access-log lines."
            )
            if soak:
                print(soak)
    return 0 if ok else 1


def soak_run(server: Server, endpoint: Endpoint, args: argparse.Namespace, workdir: Path) -> str:
    """LeNet-5 for ``--soak`` seconds in 10 slices; RSS after each slice."""
    slices = 10
    samples = [rss_mib(server.process.pid)]
    requests = errors = 0
    for _ in range(slices):
        r = run_wrk(server.url, endpoint, 16, args.soak / slices, args.threads, workdir)
        requests += r["requests"]
        errors += r["errors"]
        samples.append(rss_mib(server.process.pid))
    growth = (samples[-1] / samples[1] - 1) * 100
    return (
        f"Soak, {endpoint.name}, 16 connections, {args.soak:g} s: {requests:,} requests, "
        f"{errors} errors; RSS (MiB) "
        + " → ".join(f"{s:.1f}" for s in samples)
        + f"; growth after the first slice {growth:+.1f} %."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the options and run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1", help="comma-separated worker counts")
    parser.add_argument("--connections", default="16,64", help="comma-separated")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--soak", type=float, default=0, help="seconds of LeNet-5 load after")
    parser.add_argument(
        "--rounds", type=int, default=1, help="interleaved rounds; figures are medians"
    )
    parser.add_argument(
        "--warmup", type=float, default=2, help="seconds of each endpoint before measuring RSS"
    )
    args = parser.parse_args(argv)
    args.workers = [int(w) for w in args.workers.split(",")]
    args.connections = [int(c) for c in args.connections.split(",")]
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
