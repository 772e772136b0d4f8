"""The ASGI middlewares on a tiny app: body limit, request id, access log, headers, CORS."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.api.json_body import JsonBodyRoute
from app.api.middleware import CSP, DOCS_CSP, access_log, install_middleware
from app.settings import Settings

pytestmark = pytest.mark.anyio

LIMIT = 1000


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Calls:
    """Which handlers ran, and how many body chunks the client produced."""

    def __init__(self) -> None:
        self.echo = 0
        self.chunks = 0


def tiny_app(calls: Calls, **overrides: object) -> FastAPI:
    settings = Settings(**{"max_body_bytes": LIMIT, "access_log": True, **overrides})  # type: ignore[arg-type]
    app = FastAPI()
    app.state.settings = settings
    app.router.route_class = JsonBodyRoute  # /echo reads a JSON body, as the API's routes do

    @app.exception_handler(StarletteHTTPException)
    async def problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        return JSONResponse(
            {"status": exc.status_code, "detail": exc.detail},
            status_code=exc.status_code,
            media_type="application/problem+json",
            headers=exc.headers,
        )

    @app.post("/echo")
    async def echo(request: Request) -> PlainTextResponse:
        calls.echo += 1
        body = await request.body()
        return PlainTextResponse(str(len(body)))

    @app.get("/ok")
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("boom")

    install_middleware(app, settings)
    return app


@pytest.fixture
def calls() -> Calls:
    return Calls()


def client(app: FastAPI, *, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=raise_app_exceptions)
    return httpx.AsyncClient(transport=transport, base_url="http://test")


@pytest.fixture
def log_lines() -> Iterator[list[str]]:
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    access_log.addHandler(handler)
    yield lines
    access_log.removeHandler(handler)


async def chunks(calls: Calls, n: int, size: int, delay: float = 0.0) -> AsyncIterator[bytes]:
    for _ in range(n):
        calls.chunks += 1
        if delay:
            await asyncio.sleep(delay)
        yield b"x" * size


JSON = {"content-type": "application/json"}


async def test_body_under_the_limit_reaches_the_app(calls: Calls) -> None:
    body = b'"' + b"x" * (LIMIT - 2) + b'"'
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=body, headers=JSON)
    assert r.status_code == 200, r.text
    assert r.text == str(LIMIT)


async def test_content_length_over_the_limit_is_413_before_the_app_runs(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=b"x" * (LIMIT + 1))
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["connection"] == "close"
    assert r.json()["status"] == 413
    assert str(LIMIT) in r.json()["detail"]
    assert calls.echo == 0


async def test_chunked_body_over_the_limit_is_413_without_reading_the_rest(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=chunks(calls, n=1000, size=100), headers=JSON)
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["connection"] == "close"
    assert "content-length" not in r.request.headers
    # 11 chunks of 100 bytes pass 1000: the other 989 are never pulled from the client.
    assert calls.chunks == 11


async def test_a_body_slower_than_the_timeout_is_408(calls: Calls) -> None:
    app = tiny_app(calls)
    app.user_middleware[0].kwargs["body_timeout_s"] = 0.2
    async with client(app) as c:
        r = await c.post("/echo", content=chunks(calls, n=100, size=1, delay=0.05), headers=JSON)
    assert r.status_code == 408, r.text
    assert r.headers["connection"] == "close"
    assert calls.chunks < 100


async def test_request_id_is_echoed_when_plain(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.get("/ok", headers={"X-Request-ID": "abc-123"})
    assert r.headers["x-request-id"] == "abc-123"


@pytest.mark.parametrize(
    "given",
    ["", "a" * 129, "bad id with spaces", "x\u00e9"],
    ids=["empty", "long", "spaces", "utf8"],
)
async def test_request_id_is_replaced_when_not_plain(calls: Calls, given: str) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.get("/ok", headers={b"X-Request-ID": given.encode()})
    assert r.headers["x-request-id"] != given
    assert len(r.headers["x-request-id"]) == 32


async def test_request_id_is_made_when_missing_and_differs_per_request(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        ids = {(await c.get("/ok")).headers["x-request-id"] for _ in range(3)}
    assert len(ids) == 3


async def test_access_log_is_one_json_line_per_request(calls: Calls, log_lines: list[str]) -> None:
    async with client(tiny_app(calls)) as c:
        await c.get("/ok", headers={"X-Request-ID": "req-1"})
        await c.get("/missing")
        await c.post("/echo", content=b"x" * (LIMIT + 1))
    records = [json.loads(line) for line in log_lines]
    assert [(r["id"], r["path"], r["status"]) for r in records[:1]] == [("req-1", "/ok", 200)]
    assert [(r["method"], r["path"], r["status"]) for r in records[1:]] == [
        ("GET", "/missing", 404),
        ("POST", "/echo", 413),
    ]
    assert all(r["ms"] >= 0 and isinstance(r["ts"], float) for r in records)


async def test_access_log_off(calls: Calls, log_lines: list[str]) -> None:
    async with client(tiny_app(calls, access_log=False)) as c:
        await c.get("/ok")
    assert log_lines == []


async def test_a_500_carries_the_id_and_headers_and_is_logged(
    calls: Calls, log_lines: list[str]
) -> None:
    async with client(tiny_app(calls), raise_app_exceptions=False) as c:
        r = await c.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert r.status_code == 500
    assert r.headers["x-request-id"] == "boom-1"
    assert r.headers["content-security-policy"] == CSP
    assert json.loads(log_lines[-1])["status"] == 500


@pytest.mark.parametrize("path", ["/ok", "/missing", "/echo"])
async def test_security_headers_on_every_response(calls: Calls, path: str) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.get(path)
    assert r.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP
    assert "unsafe-inline" not in CSP
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"


async def test_redoc_gets_its_own_policy_and_nothing_else_does(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        redoc = await c.get("/redoc")
        docs = await c.get("/docs")
    assert redoc.status_code == docs.status_code == 200
    assert redoc.headers["content-security-policy"] == DOCS_CSP
    assert "script-src 'self';" in DOCS_CSP
    assert docs.headers["content-security-policy"] == CSP


async def test_cors_allows_any_origin_without_credentials(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.get("/ok", headers={"Origin": "https://example.org"})
        pre = await c.options(
            "/echo",
            headers={
                "Origin": "https://example.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
    assert r.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in r.headers
    assert "x-request-id" in r.headers["access-control-expose-headers"].lower()
    assert pre.status_code == 200
    assert pre.headers["access-control-allow-origin"] == "*"
    assert "POST" in pre.headers["access-control-allow-methods"]
    assert pre.headers["content-security-policy"] == CSP


async def test_cors_with_listed_origins_refuses_others(calls: Calls) -> None:
    app = tiny_app(calls, cors_origins=("https://course.example",))
    async with client(app) as c:
        good = await c.get("/ok", headers={"Origin": "https://course.example"})
        bad = await c.get("/ok", headers={"Origin": "https://evil.example"})
    assert good.headers["access-control-allow-origin"] == "https://course.example"
    assert "access-control-allow-origin" not in bad.headers


@pytest.mark.parametrize(
    ("body", "loc"),
    [
        (b'{"a": 1, "a": 2}', ["body", "a"]),
        (b'{"a": [{"k": 1}, {"k": 1, "j": 2, "k": 3}]}', ["body", "a", 1, "k"]),
        (b'{"a\\"": 1, "a\\"": 2}', ["body", 'a"']),
    ],
    ids=["top", "nested", "escaped"],
)
async def test_duplicate_keys_are_422_naming_the_key(
    calls: Calls, body: bytes, loc: list[object]
) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"] == loc
    assert r.json()["errors"][0]["type"] == "duplicate_key"
    assert calls.echo == 0


async def test_nesting_deeper_than_the_limit_is_422(calls: Calls) -> None:
    deep = b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}"
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=deep, headers={"content-type": "application/json"})
        ok = await c.post(
            "/echo",
            content=b'{"a": "' + b"[" * 40 + b'"}',  # brackets in a string do not nest
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 422, r.text
    assert r.json()["errors"][0]["type"] == "json_too_deep"
    assert ok.status_code == 200, ok.text


@pytest.mark.parametrize(
    "body",
    [b'{"a": 1, "b": [1, 2, {"c": "a"}]}', b'{"a": 1e999999}', b'"\\u00e9t\xc3\xa9"'],
    ids=["fine", "huge-float", "escapes-and-utf8"],
)
async def test_sound_json_bodies_reach_the_app_unchanged(calls: Calls, body: bytes) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.text == str(len(body))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b"not json at all", "json_invalid"),
        (b"[" * 10, "json_invalid"),
        (b"[" * 900, "json_invalid"),
        (b'{"a": [{"k": 1, "k": 2}] x', "json_invalid"),
        (b'{"a": "\xff"}', "json_invalid"),
    ],
    ids=[
        "not-json",
        "unbalanced",
        "unbalanced-deep",
        "duplicate-then-syntax",
        "latin1",
    ],
)
async def test_unsound_json_bodies_are_422_before_the_app(
    calls: Calls, body: bytes, code: str
) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post("/echo", content=body, headers=JSON)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["type"] == code
    assert calls.echo == 0


async def test_bodies_that_are_not_json_are_415_before_the_app(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post(
            "/echo", content=b'{"a": 1, "a": 2}', headers={"content-type": "text/plain"}
        )
    assert r.status_code == 415, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert calls.echo == 0


async def test_chunked_json_over_the_limit_is_413_while_the_guard_reads_it(calls: Calls) -> None:
    async with client(tiny_app(calls)) as c:
        r = await c.post(
            "/echo",
            content=chunks(calls, n=1000, size=100),
            headers={"content-type": "application/json"},
        )
    assert r.status_code == 413, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert calls.chunks == 11
    assert calls.echo == 0
