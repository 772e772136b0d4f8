"""app.server: the connection cap, the descriptor limit and the throttled flood logs."""

from __future__ import annotations

import asyncio
import errno
import logging
import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.server import (
    ACCEPT_ERROR,
    ConnectionCap,
    TcpConfig,
    ThrottleFilter,
    accept_backlog,
    connection_ceiling,
    default_limit,
    raise_nofile_limit,
)
from scripts.bench import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("nofile", "backlog", "ceiling", "limit"),
    [
        (1024, 64, 1024 - 64 - 3 * 64, 576),  # 768 · 3 // 4
        (20000, 1250, 20000 - 64 - 3 * 1250, 10000),  # 3/4 of 16186 is over the bound
        (128, 16, 128 - 64 - 3 * 16, 12),
    ],
)
def test_the_cap_leaves_descriptors_to_the_process(
    nofile: int, backlog: int, ceiling: int, limit: int
) -> None:
    assert accept_backlog(nofile) == backlog
    assert connection_ceiling(nofile) == ceiling
    assert default_limit(nofile) == limit


def test_the_soft_descriptor_limit_is_raised_to_the_hard_one() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))
        assert raise_nofile_limit() == hard
        assert resource.getrlimit(resource.RLIMIT_NOFILE) == (hard, hard)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@pytest.fixture
def throttled_asyncio() -> Iterator[list[float]]:
    """The asyncio logger with a ThrottleFilter whose clock is the list's last value."""
    now = [100.0]
    throttle = ThrottleFilter((ACCEPT_ERROR,), clock=lambda: now[-1])
    log = logging.getLogger("asyncio")
    kept = log.filters[:]  # a TcpConfig made by another test installs the real-clock one
    log.filters[:] = [throttle]
    try:
        yield now
    finally:
        log.filters[:] = kept


def test_accept_errors_are_logged_once_a_second_with_a_count(
    throttled_asyncio: list[float], caplog: pytest.LogCaptureFixture
) -> None:
    loop = asyncio.new_event_loop()
    try:
        with socket.socket() as listening:
            context = {
                "message": ACCEPT_ERROR,
                "exception": OSError(errno.EMFILE, "Too many open files"),
                "socket": listening,
            }
            with caplog.at_level(logging.ERROR, logger="asyncio"):
                for _ in range(1000):  # asyncio's own handler, as _accept_connection calls it
                    loop.call_exception_handler(context)
                throttled_asyncio.append(100.5)
                loop.call_exception_handler(context)
                throttled_asyncio.append(101.0)
                loop.call_exception_handler(context)
                loop.call_exception_handler({"message": "something else"})
    finally:
        loop.close()
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"{ACCEPT_ERROR}: [Errno 24] Too many open files",
        f"{ACCEPT_ERROR}: [Errno 24] Too many open files"
        " (1000 more like it in the last 1 s or longer)",
        "something else",
    ]
    assert caplog.records[0].exc_info is None


def http_get(port: int, path: str) -> httpx.Response:
    """One request on a fresh connection."""
    with httpx.Client(timeout=2) as client:
        return client.get(f"http://127.0.0.1:{port}{path}", headers={"connection": "close"})


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes ``sock`` (which sent nothing) within ``within`` seconds."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.mark.slow
def test_over_the_cap_healthz_answers_other_requests_get_503_and_the_log_stays_short(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {
        **os.environ,
        "CNNCALC_ACCESS_LOG": "0",
        "UVICORN_PORT": str(port),
        "UVICORN_LIMIT_CONCURRENCY": "50",
        "CNNCALC_HEADER_TIMEOUT_S": "5",
    }
    stderr = (tmp_path / "stderr").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "app.server"], cwd=ROOT, env=env, stderr=stderr, stdout=stderr
    )
    sockets: list[socket.socket] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if http_get(port, "/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not answer /healthz within 30 s")

        for _ in range(300):  # idle connections: six times the cap
            sockets.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        health = http_get(port, "/healthz")  # http_get gives up after 2 s: a hang fails
        refused = http_get(port, "/v1/examples")

        assert health.status_code == 200
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert refused.json()["status"] == 503
        assert "50 connections" in refused.json()["detail"]
        assert server.poll() is None

        # Over the cap, a connection that sends nothing is closed after REJECT_WAIT_S (1 s);
        # under it, after the header timeout (5 s).
        assert closed_by_server(sockets[-1], within=3)
        assert not closed_by_server(sockets[0], within=0.2)
        assert closed_by_server(sockets[0], within=8)
        for sock in sockets:
            sock.close()
        deadline = time.monotonic() + 5
        while http_get(port, "/v1/examples").status_code != 200:
            assert time.monotonic() < deadline, "still 503 after the connections closed"
            time.sleep(0.1)
    finally:
        for sock in sockets:
            sock.close()
        server.terminate()
        server.wait(timeout=15)
        stderr.close()
    lines = (tmp_path / "stderr").read_text().splitlines()
    assert len(lines) <= 20, lines
    assert any(line.startswith("WARNING:  Connection over the cap (50): 503") for line in lines)
    assert not any("Traceback" in line for line in lines)


def test_the_cap_rides_on_httptools_by_default_and_on_h11_when_asked() -> None:
    default = TcpConfig("app.main:app", connection_limit=5)
    default.load()
    assert issubclass(default.http_protocol_class, HttpToolsProtocol)
    assert issubclass(default.http_protocol_class, ConnectionCap)
    h11 = TcpConfig("app.main:app", connection_limit=5, http="h11")
    h11.load()
    assert issubclass(h11.http_protocol_class, H11Protocol)
    assert issubclass(h11.http_protocol_class, ConnectionCap)
    uncapped = TcpConfig("app.main:app")
    uncapped.load()
    assert not issubclass(uncapped.http_protocol_class, ConnectionCap)
