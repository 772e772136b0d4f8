"""Where a ``POST /v1/analyze`` request's time goes, step by step, inside the app.

    python -m scripts.request_path                  # LeNet-5, six rounds
    python -m scripts.request_path --example vgg16 --rounds 9
    python -m scripts.request_path --largest        # FastAPI's validation of the largest bodies

The app is called directly as an ASGI callable (its whole middleware stack, the access log
written to a temporary file; no socket, no server), so the figures are the app's own CPU time
per request. Test endpoints, added at the end of the route table, each stop after one more
step of the analyze handler: return at once, read and parse the body (``JsonBodyRoute``),
validate it (FastAPI, on the event loop), analyse (on the loop, then in the ``WorkPool`` as
the route does), serialise. A step's cost is the difference between two of them. The last
line is the floor of any route that answers a new body: a plain route that has pydantic
validate the body's bytes (no duplicate-key or count checks), analyses on the loop and
serialises the answer. Every
request carries a new body (a different ``batch_size``). Rounds interleave the endpoints;
each figure is the best round.

``--largest`` times the parse and FastAPI's validation of the largest bodies the service
reads (1 MiB, ``max_body_bytes``), which run on the event loop: valid and invalid, the
median of a few.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from functools import partial
from itertools import count
from typing import Annotated, Any

from fastapi import APIRouter, Body, FastAPI, Request, Response
from fastapi.routing import APIRoute
from starlette.types import Message

from app.api.app import create_app
from app.api.json_body import JsonBodyRoute, JsonFaultError, parse_json
from app.api.routes import ANALYSIS_FIELDS
from app.api.schemas import ANALYZE_RESPONSE, AnalyzeRequest, AnalyzeResponse
from app.api.work import WorkPool
from app.core.examples import EXAMPLES
from app.settings import Settings

JSON = "application/json"


def _analysis(req: AnalyzeRequest, request: Request) -> Any:
    limits = request.app.state.settings.limits
    return req.analyze(req.specs(limits), limits)


def _serialised(req: AnalyzeRequest, request: Request) -> Response:
    analysis = _analysis(req, request)
    body = AnalyzeResponse(**{name: getattr(analysis, name) for name in ANALYSIS_FIELDS})
    return Response(ANALYZE_RESPONSE.dump_json(body, by_alias=True), media_type=JSON)


def steps_router() -> APIRouter:
    """``/steps/...``: the analyze handler cut after one of its steps."""
    router = APIRouter()
    empty = Response(b"{}", media_type=JSON)

    async def at_once() -> Response:
        return empty

    async def parsed(request: Request) -> Response:
        return empty

    async def validated(req: AnalyzeRequest) -> Response:
        return empty

    async def analysed_on_loop(request: Request, req: AnalyzeRequest) -> Response:
        _analysis(req, request)
        return empty

    async def analysed(request: Request, req: AnalyzeRequest) -> Response:
        work: WorkPool = request.app.state.work
        await work.run(partial(_analysis, req, request))
        return empty

    async def serialised(request: Request, req: Annotated[AnalyzeRequest, Body()]) -> Response:
        work: WorkPool = request.app.state.work
        return await work.run(partial(_serialised, req, request))

    async def floor(request: Request) -> Response:
        req = AnalyzeRequest.model_validate_json(await request.body())
        return _serialised(req, request)

    router.add_api_route("/steps/0", at_once, methods=["POST"], route_class_override=APIRoute)
    router.add_api_route("/steps/floor", floor, methods=["POST"], route_class_override=APIRoute)
    endpoints: tuple[Callable[..., Awaitable[Response]], ...] = (
        parsed,
        validated,
        analysed_on_loop,
        analysed,
        serialised,
    )
    for last, endpoint in enumerate(endpoints, start=1):
        router.add_api_route(
            f"/steps/{last}", endpoint, methods=["POST"], route_class_override=JsonBodyRoute
        )
    return router


def scope(method: str, path: str, body: bytes, content_type: bytes) -> dict[str, Any]:
    """An HTTP/1.1 request as uvicorn would pass it."""
    headers = [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"request-path")]
    if method == "POST":
        headers += [(b"content-type", content_type), (b"content-length", b"%d" % len(body))]
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def call(
    app: FastAPI,
    method: str,
    path: str,
    body: bytes = b"",
    content_type: bytes = b"application/json",
    expect: int = 200,
) -> None:
    """One request through the app; it must answer ``expect``."""
    given = False
    status: list[int] = []

    async def receive() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # the client stays connected
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    await app(scope(method, path, body, content_type), receive, send)
    if status != [expect]:
        raise RuntimeError(f"{method} {path} answered {status}")


def new_bodies(example: str) -> Iterator[bytes]:
    """The example's request, with a new ``batch_size`` each time."""
    spec = EXAMPLES[example]
    for batch in count(2):
        request = {"input_shape": spec["input_shape"], "batch_size": batch}
        yield json.dumps({**request, "layers": spec["layers"]}).encode()


async def measure(example: str, rounds: int, number: int) -> list[tuple[str, float]]:
    """Best µs per request of each line of the table."""
    settings = Settings.from_env()
    app = create_app(settings)
    app.include_router(steps_router())
    bodies = new_bodies(example)

    def step(last: int) -> Callable[[], Awaitable[None]]:
        return lambda: call(app, "POST", f"/steps/{last}", next(bodies))

    lines: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("GET /healthz, for reference", lambda: call(app, "GET", "/healthz")),
        ("POST that returns at once", lambda: call(app, "POST", "/steps/0", next(bodies))),
        ("+ reading and parsing the body", step(1)),
        ("+ FastAPI's validation (on the loop)", step(2)),
        ("+ analyze() on the loop", step(3)),
        ("+ analyze() in the WorkPool instead", step(4)),
        ("+ the answer serialised, in the WorkPool", step(5)),
        (
            "POST /v1/analyze, every body new",
            lambda: call(app, "POST", "/v1/analyze", next(bodies)),
        ),
        (
            "the floor: bytes validated by pydantic, analyze() and the answer, on the loop",
            lambda: call(app, "POST", "/steps/floor", next(bodies)),
        ),
    ]
    for _, run in lines:  # warm-up: imports, first serialisations
        for _ in range(50):
            await run()
    best = {name: float("inf") for name, _ in lines}
    for _ in range(rounds):
        for name, run in lines:
            began = time.perf_counter()
            for _ in range(number):
                await run()
            best[name] = min(best[name], (time.perf_counter() - began) / number * 1e6)
    return [(name, best[name]) for name, _ in lines]


def largest_bodies(max_bytes: int) -> list[tuple[str, bytes, int]]:
    """The largest bodies the service accepts, each under ``max_bytes``, with their status."""
    conv = {
        "type": "conv2d",
        "out_channels": 8,
        "kernel_size": [3, 3],
        "stride": [1, 1],
        "padding": [1, 1],
        "dilation": [1, 1],
        "groups": 1,
        "bias": True,
        "padding_mode": "zeros",
    }

    def unknown_keys(count: int) -> dict[str, Any]:
        return {"type": "relu", **{f"k{i}": 0 for i in range(count)}}

    per_layer = max_bytes // 4096 // 9  # about 9 bytes a key: ``"k12": 0, ``
    per_body = max_bytes // 12  # ``"k123456": 0, ``
    out = []
    for name, layers, status in (
        ("4,096 convolutions, every field given", [conv] * 4096, 422),  # > max_layers
        (f"layers of {per_layer} unknown keys each", [unknown_keys(per_layer)] * 4096, 422),
        ("one layer of unknown keys", [unknown_keys(per_body)], 422),
    ):
        body = json.dumps({"input_shape": [8, 32, 32], "layers": layers}).encode()
        while len(body) > max_bytes:  # trim to the limit: fewer layers, or fewer keys
            if len(layers) > 1:
                layers = layers[: len(layers) * max_bytes // len(body) - 1]
            else:
                layers = [unknown_keys(len(layers[0]) * max_bytes // len(body) - 2)]
            body = json.dumps({"input_shape": [8, 32, 32], "layers": layers}).encode()
        out.append((name, body, status))
    return out


async def measure_largest(rounds: int) -> list[tuple[str, int, float, float, int]]:
    """Per body: its size, the median ms of the parse and FastAPI's validation (both on the
    loop, as the route runs them; a body the parse refuses is not validated) and of the
    whole request, and the number of schema errors reported."""
    from pydantic import TypeAdapter, ValidationError

    settings = Settings.from_env()
    app = create_app(settings)
    adapter = TypeAdapter(AnalyzeRequest)
    rows = []
    for name, body, status in largest_bodies(settings.max_body_bytes):
        validation, request = [], []
        errors = 0
        for _ in range(rounds):
            began = time.perf_counter()
            try:
                document = parse_json(body, settings.max_json_depth)
                adapter.validate_python(document, from_attributes=True)  # as FastAPI does
            except JsonFaultError:
                errors = 0  # refused while parsing: nothing to validate
            except ValidationError as error:
                errors = error.error_count()
            validation.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            await call(app, "POST", "/v1/analyze", body, expect=status)
            request.append((time.perf_counter() - began) * 1000)
        rows.append(
            (name, len(body), statistics.median(validation), statistics.median(request), errors)
        )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", default="lenet5_course", choices=sorted(EXAMPLES))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--number", type=int, default=400, help="requests per line and round")
    parser.add_argument(
        "--largest", action="store_true", help="time the validation of the largest bodies"
    )
    args = parser.parse_args(argv)
    access = logging.getLogger("cnncalc.access")
    kept = (access.handlers[:], access.level, access.propagate)
    with tempfile.NamedTemporaryFile(prefix="cnncalc-access-", suffix=".log") as log_file:
        handler = logging.FileHandler(log_file.name)
        handler.setFormatter(logging.Formatter("%(message)s"))
        access.handlers[:] = [handler]  # logged as in production, to a file
        access.setLevel(logging.INFO)
        access.propagate = False
        try:
            if args.largest:
                largest = asyncio.run(measure_largest(args.rounds))
            else:
                rows = asyncio.run(measure(args.example, args.rounds, args.number))
        finally:
            handler.close()
            access.handlers[:], level, access.propagate = kept
            access.setLevel(level)
    if args.largest:
        print(f"The largest bodies accepted: median of {args.rounds} (ms)\n")
        print("| body | bytes | schema errors | parse and validation | whole request |")
        print("|---|---|---|---|---|")
        for name, size, validation, request, errors in largest:
            print(f"| {name} | {size:,} | {errors:,} | {validation:.1f} | {request:.1f} |")
        return 0
    print(f"{args.example}: CPU µs per request inside the app (best of {args.rounds} rounds)\n")
    print("| request | µs | step |")
    print("|---|---|---|")
    compared = {4: 3, 5: 3, 6: 5}  # the WorkPool lines against the validated request
    for index, (name, us) in enumerate(rows):
        base = compared.get(index, index - 1) if name.startswith("+") else None
        step = "" if base is None else f"+{us - rows[base][1]:.0f}"
        print(f"| {name} | {us:.0f} | {step} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
