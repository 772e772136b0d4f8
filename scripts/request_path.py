"""Where a ``POST /v1/analyze`` request's time goes, step by step, inside the app.

    python -m scripts.request_path                  # LeNet-5, six rounds
    python -m scripts.request_path --example vgg16 --rounds 9

The app is called directly as an ASGI callable (its whole middleware stack, the access log
written to a temporary file; no socket, no server), so the figures are the app's own CPU time
per request. Test endpoints, added at the end of the route table, each stop after one more
step of the analyze handler: return at once, read the body, validate it, analyse, serialise.
A step's cost is the difference between two of them. Every request carries a new body (a
different ``batch_size``), so the answer cache never hits, except on the last line. Rounds
interleave the endpoints; each figure is the best round.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from itertools import count
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from starlette.types import Message

from app.api.app import create_app
from app.api.routes import ANALYSIS_FIELDS, RawRoute
from app.api.schemas import ANALYZE_REQUEST, ANALYZE_RESPONSE, AnalyzeResponse
from app.core.examples import EXAMPLES
from app.settings import Settings

JSON = "application/json"


def steps_router() -> APIRouter:
    """``/steps/N``: the analyze handler cut after its N-th step."""
    router = APIRouter(route_class=RawRoute)

    async def step(request: Request, last: int) -> Response:
        raw = await request.body() if last >= 1 else b""
        if last >= 2:
            req = ANALYZE_REQUEST.validate_json(raw)
        if last >= 3:
            analysis = req.analyze(req.specs(request.app.state.limits), request.app.state.limits)
        if last >= 4:
            body = AnalyzeResponse(**{name: getattr(analysis, name) for name in ANALYSIS_FIELDS})
            return Response(ANALYZE_RESPONSE.dump_json(body, by_alias=True), media_type=JSON)
        return Response(b"{}", media_type=JSON)

    for last in range(5):

        async def endpoint(request: Request, last: int = last) -> Response:
            return await step(request, last)

        router.add_api_route(f"/steps/{last}", endpoint, methods=["POST"])
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
) -> None:
    """One request through the app; it must answer 200."""
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
    if status != [200]:
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
    same = next(bodies)
    lines: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("GET /healthz, for reference", lambda: call(app, "GET", "/healthz")),
        (
            "POST that returns at once, JSON guard skipped (text/plain)",
            lambda: call(app, "POST", "/steps/0", next(bodies), b"text/plain"),
        ),
        ("POST that returns at once", lambda: call(app, "POST", "/steps/0", next(bodies))),
        ("... after reading the body", lambda: call(app, "POST", "/steps/1", next(bodies))),
        ("... after validate_json", lambda: call(app, "POST", "/steps/2", next(bodies))),
        ("... after analyze()", lambda: call(app, "POST", "/steps/3", next(bodies))),
        ("... after the response", lambda: call(app, "POST", "/steps/4", next(bodies))),
        (
            "POST /v1/analyze, every body new",
            lambda: call(app, "POST", "/v1/analyze", next(bodies)),
        ),
        ("POST /v1/analyze, the same body", lambda: call(app, "POST", "/v1/analyze", same)),
    ]
    for _, run in lines:  # warm-up: imports, first serialisations, the layer memo
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


def main(argv: Sequence[str] | None = None) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--example", default="lenet5_course", choices=sorted(EXAMPLES))
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--number", type=int, default=400, help="requests per line and round")
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
            rows = asyncio.run(measure(args.example, args.rounds, args.number))
        finally:
            handler.close()
            access.handlers[:], level, access.propagate = kept
            access.setLevel(level)
    print(f"{args.example}: CPU µs per request inside the app (best of {args.rounds} rounds)\n")
    print("| request | µs | step |")
    print("|---|---|---|")
    previous = None
    for name, us in rows:
        step = "" if previous is None or not name.startswith("...") else f"+{us - previous:.0f}"
        if name == "POST that returns at once":
            step = f"+{us - rows[1][1]:.0f} (the JSON guard)"
        print(f"| {name} | {us:.0f} | {step} |")
        previous = us
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
