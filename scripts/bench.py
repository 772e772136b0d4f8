"""cnncalc against what users run instead: ``torchinfo.summary`` and a torch meta-device forward.

    python -m scripts.bench                  # every case and tool, about a minute
    python -m scripts.bench --cases lenet5,vgg16 --tools core,meta
    python -m scripts.bench --json bench.json
    python -m scripts.bench --cases resnet50,graph1k,graph10k   # the graph cases

Graph cases: ResNet-50 (the ``resnet50`` preset, 3×224×224; torchinfo and the meta forward
run ``tests/torch/reference_networks.resnet50``, the same network in plain torch), and
synthetic graphs of 1,000 and 10,000 layers (``graph_layers``) analysed by the core alone: no
torch model is built for them, and the service's 2,048-layer limit keeps them off HTTP.

Each (case, tool) pair runs in its own subprocess, so that imports, caches and peak memory do
not leak between them. Times are the median of several rounds after a warm-up call; peak
memory is the growth of the process's peak RSS over its RSS once everything is imported
(``/proc/self/clear_refs`` resets the peak), plus, for the core, tracemalloc's peak.

Tools:
    core       ``analyze(input_shape, layers)`` from the request's dicts (validation included);
               also from specs validated beforehand ("specs given")
    torchinfo  ``torchinfo.summary(model, input_size=(1, ...))`` on a model built on the CPU
               (a real forward pass with hooks); building the model is timed apart
    meta       ``model(x)`` with the model and ``x`` on the ``meta`` device (shapes, no data);
               building the model there is timed apart
    asgi       ``POST /v1/analyze`` in process through httpx's ASGI transport
    uvicorn    ``POST /v1/analyze`` to a real uvicorn on 127.0.0.1, one keep-alive connection

Both HTTP tools send a new body every time (the ``batch_size`` changes). The server is
uvicorn's standard stack (uvloop, httptools) when installed, as ``app.server`` runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ("core", "torchinfo", "meta", "asgi", "uvicorn")


def _deep_stack() -> list[dict[str, Any]]:
    """1,000 layers: 500 × (3×3 convolution with 16 channels, padding 1; ReLU)."""
    pair: list[dict[str, Any]] = [
        {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1},
        {"type": "relu"},
    ]
    return pair * 500


def _small_cnn() -> list[dict[str, Any]]:
    """A small CNN whose cost does not depend on the input size (adaptive pooling)."""
    return [
        {"type": "conv2d", "out_channels": 16, "kernel_size": 5, "padding": 2},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "conv2d", "out_channels": 32, "kernel_size": 5, "padding": 2},
        {"type": "relu"},
        {"type": "maxpool2d", "kernel_size": 2},
        {"type": "adaptiveavgpool2d", "output_size": 1},
        {"type": "flatten"},
        {"type": "linear", "out_features": 10},
    ]


def graph_layers(count: int) -> list[dict[str, Any]]:
    """``count`` layers of residual units, every layer with an ``id``, every add two ``inputs``.

    A unit is conv 3×3 (16 channels, padding 1), batch norm, ReLU, conv, batch norm, the
    ``add`` of that and the unit's input, ReLU: seven layers and eight edges, so the edges
    grow with the layers. Every id differs, so no two layers are the same entry.
    """
    conv = {"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": 1}
    unit: list[dict[str, Any]] = [
        conv,
        {"type": "batchnorm2d"},
        {"type": "relu"},
        conv,
        {"type": "batchnorm2d"},
    ]
    layers: list[dict[str, Any]] = []
    unit_input = "input"
    while len(layers) < count:
        n = len(layers)
        body = [{**layer, "id": f"u{n}.{i}"} for i, layer in enumerate(unit)]
        add = {"type": "add", "id": f"u{n}.add", "inputs": [body[-1]["id"], unit_input]}
        relu = {"type": "relu", "id": f"u{n}.out"}
        layers += [*body, add, relu]
        unit_input = relu["id"]
    return layers[:count]


GRAPH_MODELS = {"resnet50": "resnet50"}
"""Graph cases whose torch model is ``tests/torch/reference_networks``' network of that name."""


def cases() -> dict[str, tuple[str, list[int], list[dict[str, Any]]]]:
    """Name -> (label, input shape, layers)."""
    from app.core.examples import EXAMPLES
    from app.core.presets import PRESETS

    lenet, vgg = EXAMPLES["lenet5_course"], EXAMPLES["vgg16"]
    resnet50 = PRESETS["resnet50"]
    return {
        "lenet5": ("LeNet-5, 1×28×28", lenet["input_shape"], lenet["layers"]),
        "vgg16": ("VGG-16, 3×224×224", vgg["input_shape"], vgg["layers"]),
        "deep1000": ("1,000-layer stack, 16×32×32", [16, 32, 32], _deep_stack()),
        "small32": ("small CNN, 3×32×32", [3, 32, 32], _small_cnn()),
        "small100k": ("small CNN, 3×100000×100000", [3, 100_000, 100_000], _small_cnn()),
        "resnet50": ("ResNet-50 graph, 3×224×224", resnet50["input_shape"], resnet50["layers"]),
        "graph1k": ("1,000-layer graph, 16×32×32", [16, 32, 32], graph_layers(1_000)),
        "graph10k": ("10,000-layer graph, 16×32×32", [16, 32, 32], graph_layers(10_000)),
    }


def core_limits(layers: list[dict[str, Any]]) -> Any:
    """The core's limits, with room for the 10,000-layer graph (the service keeps 2,048)."""
    from app.core import Limits

    return Limits(max_layers=max(Limits().max_layers, 2 * len(layers)))


# --- measurement ---------------------------------------------------------------------------


def _status_kib(key: str) -> int:
    text = Path("/proc/self/status").read_text()
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def reset_peak() -> int:
    """Reset the peak RSS to the current RSS; returns the current RSS in KiB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return _status_kib("VmRSS")


def peak_growth_mib(baseline_kib: int) -> float:
    """Peak RSS since ``reset_peak`` over ``baseline_kib``, in MiB."""
    return max(0, _status_kib("VmHWM") - baseline_kib) / 1024


def timed(fn: Callable[[], object], *, min_seconds: float = 0.2, rounds: int = 5) -> dict[str, Any]:
    """Median and best time of one call (ms), over ``rounds`` rounds after a warm-up call."""
    fn()
    began = time.perf_counter()
    fn()
    once = time.perf_counter() - began
    number = max(1, int(min_seconds / max(once, 1e-9)))
    per_call = []
    for _ in range(rounds):
        began = time.perf_counter()
        for _ in range(number):
            fn()
        per_call.append((time.perf_counter() - began) / number * 1000)
    return {"ms": statistics.median(per_call), "best_ms": min(per_call), "calls": number * rounds}


def _torch() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import torch
    return torch


def build_model(torch: Any, shape: Sequence[int], layers: list[dict[str, Any]], device: str) -> Any:
    """The stack as ``nn.Sequential``, each module made from its kind's PyTorch mapping.

    A graph case is built from its plain-torch network (``GRAPH_MODELS``); the synthetic
    graphs have none.
    """
    from app.core import analyze
    from app.core.layers import LAYERS_ADAPTER

    if CASE in GRAPH_MODELS:
        from tests.torch.reference_networks import REFERENCES

        with torch.device(device):
            return REFERENCES[GRAPH_MODELS[CASE]]().eval()
    if CASE.startswith("graph"):
        raise NoModel("a synthetic graph: no torch model is built for it")

    specs = LAYERS_ADAPTER.validate_python(layers)
    analysis = analyze(shape, specs)
    with torch.device(device):
        modules = [
            getattr(torch.nn, spec.torch_name(tuple(r.input_shape)))(
                **spec.torch_kwargs(tuple(r.input_shape))
            )
            for spec, r in zip(specs, analysis.layers, strict=True)
        ]
        return torch.nn.Sequential(*modules).eval()


def run_core(shape: list[int], layers: list[dict[str, Any]]) -> dict[str, Any]:
    from app.core import analyze
    from app.core.layers import LAYERS_ADAPTER

    limits = core_limits(layers)
    baseline = reset_peak()
    result = timed(lambda: analyze(shape, layers, limits=limits))
    specs = LAYERS_ADAPTER.validate_python(layers)  # a library user's specs, validated once
    result["specs_ms"] = timed(lambda: analyze(shape, specs, limits=limits))["ms"]
    tracemalloc.start()
    analysis = analyze(shape, layers, limits=limits)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        **result,
        "peak_mib": peak_growth_mib(baseline),
        "heap_kib": peak / 1024,
        "params": analysis.total_params,
    }


def run_torchinfo(shape: list[int], layers: list[dict[str, Any]]) -> dict[str, Any]:
    elements = 1
    for n in shape:
        elements *= n
    if elements * 4 > 8 << 30:
        return {"skipped": f"the input tensor alone is {elements * 4 / 2**30:,.0f} GiB"}
    torch = _torch()
    from torchinfo import summary

    baseline = reset_peak()
    began = time.perf_counter()
    model = build_model(torch, shape, layers, "cpu")
    build_ms = (time.perf_counter() - began) * 1000
    stats: list[Any] = []

    def run() -> None:
        stats.append(summary(model, input_size=(1, *shape), device="cpu", verbose=0))

    result = timed(run, min_seconds=0.5, rounds=3)
    return {
        **result,
        "build_ms": build_ms,
        "peak_mib": peak_growth_mib(baseline),
        "params": stats[-1].total_params,
    }


def run_meta(shape: list[int], layers: list[dict[str, Any]]) -> dict[str, Any]:
    torch = _torch()
    baseline = reset_peak()
    model = build_model(torch, shape, layers, "meta")  # warm-up of the build path
    build = timed(lambda: build_model(torch, shape, layers, "meta"), rounds=3)
    x = torch.empty((1, *shape), device="meta")
    with torch.no_grad():
        result = timed(lambda: model(x), rounds=5)
    return {
        **result,
        "build_ms": build["ms"],
        "peak_mib": peak_growth_mib(baseline),
        "params": sum(p.numel() for p in model.parameters()),
    }


def _body(shape: list[int], layers: list[dict[str, Any]], batch: int = 1) -> bytes:
    return json.dumps({"input_shape": shape, "batch_size": batch, "layers": layers}).encode()


class NewBodies:
    """The same stack with a new ``batch_size`` at every call, as clients send new stacks."""

    def __init__(self, shape: list[int], layers: list[dict[str, Any]]) -> None:
        head = _body(shape, layers, 1)
        self.before, _, self.after = head.partition(b'"batch_size": 1')
        self.count = 0

    def __call__(self) -> bytes:
        self.count += 1
        return self.before + b'"batch_size": %d' % self.count + self.after


def run_asgi(shape: list[int], layers: list[dict[str, Any]]) -> dict[str, Any]:
    import httpx

    from app.api.app import create_app
    from app.settings import Settings

    app = create_app(Settings(access_log=False))
    bodies = NewBodies(shape, layers)
    headers = {"content-type": "application/json"}

    async def measure() -> dict[str, Any]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            r = await client.post("/v1/analyze", content=bodies(), headers=headers)
            r.raise_for_status()
            baseline = reset_peak()
            per_call: list[float] = []
            for _ in range(5):
                began = time.perf_counter()
                for _ in range(50):
                    await client.post("/v1/analyze", content=bodies(), headers=headers)
                per_call.append((time.perf_counter() - began) / 50 * 1000)
            return {
                "ms": statistics.median(per_call),
                "best_ms": min(per_call),
                "calls": 250,
                "peak_mib": peak_growth_mib(baseline),
                "params": r.json()["total_params"],
            }

    return asyncio.run(measure())


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_server(port: int, workers: int = 1, extra_env: dict[str, str] | None = None) -> Any:
    """``python -m uvicorn app.main:app`` on 127.0.0.1, access log off; waits for /healthz."""
    import httpx

    env = {**os.environ, "CNNCALC_ACCESS_LOG": "0", **(extra_env or {})}
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "app.main:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("the server did not answer /healthz within 30 s")


def process_kib(pid: int, key: str) -> int:
    """``VmRSS`` or ``VmHWM`` of process ``pid`` in KiB."""
    text = Path(f"/proc/{pid}/status").read_text()
    match = re.search(rf"^{key}:\s+(\d+) kB", text, re.MULTILINE)
    return int(match.group(1)) if match else 0


def run_uvicorn(shape: list[int], layers: list[dict[str, Any]]) -> dict[str, Any]:
    import httpx

    port = free_port()
    server = start_server(port)
    try:
        bodies = NewBodies(shape, layers)
        headers = {"content-type": "application/json"}
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            r = client.post("/v1/analyze", content=bodies(), headers=headers)
            r.raise_for_status()
            rss = process_kib(server.pid, "VmRSS")
            result = timed(
                lambda: client.post("/v1/analyze", content=bodies(), headers=headers), rounds=5
            )
            peak = process_kib(server.pid, "VmHWM")
        return {
            **result,
            "peak_mib": max(0, peak - rss) / 1024,
            "params": r.json()["total_params"],
        }
    finally:
        server.terminate()
        server.wait(timeout=10)


RUNNERS: dict[str, Callable[[list[int], list[dict[str, Any]]], dict[str, Any]]] = {
    "core": run_core,
    "torchinfo": run_torchinfo,
    "meta": run_meta,
    "asgi": run_asgi,
    "uvicorn": run_uvicorn,
}


class NoModel(Exception):
    """A case that a tool cannot run (a synthetic graph has no torch model)."""


CASE = ""
"""The case the worker measures (``build_model`` picks a graph's network by it)."""


def worker(tool: str, case: str) -> None:
    """Run one measurement and print it as one JSON line."""
    global CASE
    CASE = case
    _, shape, layers = cases()[case]
    if case.startswith("graph") and tool in ("asgi", "uvicorn") and len(layers) > 2048:
        print(json.dumps({"skipped": "over the service's limit of 2,048 layers"}))
        return
    try:
        result = RUNNERS[tool](shape, layers)
    except NoModel as why:
        result = {"skipped": str(why)}
    except Exception as error:  # reported in the table, never hidden
        result = {"error": f"{type(error).__name__}: {error}"[:200]}
    print(json.dumps(result))


def measure(tool: str, case: str, timeout: float) -> dict[str, Any]:
    """One (tool, case) in a fresh interpreter."""
    command = [sys.executable, "-m", "scripts.bench", "--worker", tool, case]
    try:
        done = subprocess.run(
            command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": f"over {timeout:g} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


# --- report --------------------------------------------------------------------------------


def fmt_ms(result: dict[str, Any] | None, key: str = "ms") -> str:
    """A time in ms, or why there is none."""
    if result is None:
        return "-"
    if "skipped" in result:
        return "cannot run"
    if "error" in result:
        return "error"
    value = result.get(key)
    if value is None:
        return "-"
    return f"{value:.3g} ms" if value < 1000 else f"{value / 1000:.3g} s"


def ratio(slow: dict[str, Any] | None, fast: dict[str, Any] | None) -> str:
    """``slow / fast`` as ``1234×``."""
    if not slow or not fast or "ms" not in slow or "ms" not in fast:
        return "-"
    return f"{slow['ms'] / fast['ms']:,.0f}×"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def report(results: dict[str, dict[str, dict[str, Any]]]) -> str:
    """The side-by-side tables: times, ratios, memory, notes."""
    labels = {name: label for name, (label, _, _) in cases().items()}
    time_rows = []
    memory_rows = []
    for case, by_tool in results.items():
        core = by_tool.get("core")
        time_rows.append(
            [
                labels[case],
                fmt_ms(core),
                fmt_ms(core, "specs_ms"),
                fmt_ms(by_tool.get("torchinfo")),
                fmt_ms(by_tool.get("meta")),
                fmt_ms(by_tool.get("meta"), "build_ms"),
                fmt_ms(by_tool.get("asgi")),
                fmt_ms(by_tool.get("uvicorn")),
                ratio(by_tool.get("torchinfo"), core),
                ratio(by_tool.get("meta"), core),
            ]
        )
        memory_rows.append(
            [labels[case]]
            + [
                "-"
                if tool not in by_tool
                else by_tool[tool].get("skipped")
                or ("error" if "error" in by_tool[tool] else f"{by_tool[tool]['peak_mib']:.1f} MiB")
                for tool in TOOLS
            ]
            + [f"{core['heap_kib']:.0f} KiB" if core and "heap_kib" in core else "-"]
        )
    parts = [
        "Time of one call (median):",
        "",
        table(
            (
                "case",
                "cnncalc core",
                "core, specs given",
                "torchinfo.summary",
                "meta forward",
                "meta build",
                "HTTP in-process",
                "HTTP uvicorn",
                "torchinfo / core",
                "meta forward / core",
            ),
            time_rows,
        ),
        "",
        "Peak memory (growth of peak RSS over the imported process; core heap by tracemalloc):",
        "",
        table(("case", *TOOLS, "core heap"), memory_rows),
    ]
    notes = []
    for case, by_tool in results.items():
        params = {t: r["params"] for t, r in by_tool.items() if "params" in r}
        if len(set(params.values())) > 1:
            notes.append(f"! {labels[case]}: parameter counts differ: {params}")
        for tool, r in by_tool.items():
            if "error" in r:
                notes.append(f"! {labels[case]} / {tool}: {r['error']}")
            if "skipped" in r:
                notes.append(f"{labels[case]} / {tool}: cannot run: {r['skipped']}")
    if notes:
        parts += ["", *notes]
    return "\n".join(parts)


def environment() -> str:
    """Python, torch, torchinfo and the CPU, for the record."""
    from importlib.metadata import PackageNotFoundError, version

    def ver(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"Python {sys.version.split()[0]}, torch {ver('torch')}, torchinfo {ver('torchinfo')}, "
        f"pydantic {ver('pydantic')}, fastapi {ver('fastapi')}, uvicorn {ver('uvicorn')}; "
        f"{cpu}, {os.cpu_count()} CPUs"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the chosen cases and tools and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", default=",".join(cases()), help="comma-separated case names")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated tools")
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per measurement")
    parser.add_argument("--worker", nargs=2, metavar=("TOOL", "CASE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    chosen_cases = [c for c in args.cases.split(",") if c]
    chosen_tools = [t for t in args.tools.split(",") if t]
    unknown = [c for c in chosen_cases if c not in cases()] + [
        t for t in chosen_tools if t not in TOOLS
    ]
    if unknown:
        parser.error(f"unknown case or tool: {', '.join(unknown)}")
    results: dict[str, dict[str, dict[str, Any]]] = {}
    for case in chosen_cases:
        for tool in chosen_tools:
            print(f"  {case} / {tool} …", file=sys.stderr, flush=True)
            results.setdefault(case, {})[tool] = measure(tool, case, args.timeout)
    print(environment())
    print()
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
