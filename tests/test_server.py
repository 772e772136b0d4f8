"""app.server: with several workers, accepted connections still get TCP_NODELAY."""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvicorn

from app.server import TcpConfig
from scripts.bench import free_port


async def nodelay_of_accepted(sock: socket.socket) -> int:
    """Serve on ``sock`` with asyncio, connect once, read TCP_NODELAY of the server's side."""
    accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    class Probe(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            side: socket.socket = transport.get_extra_info("socket")
            accepted.set_result(side.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    server = await asyncio.get_running_loop().create_server(Probe, sock=sock)
    try:
        _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
        value = await asyncio.wait_for(accepted, timeout=5)
        writer.close()
    finally:
        server.close()
        await server.wait_closed()
    return value


@pytest.mark.parametrize(("config_class", "nodelay"), [(uvicorn.Config, False), (TcpConfig, True)])
def test_workers_socket_gives_connections_tcp_nodelay(
    config_class: type[uvicorn.Config], nodelay: bool
) -> None:
    config = config_class("app.main:app", host="127.0.0.1", port=free_port(), workers=2)
    sock = config.bind_socket()
    # A worker receives the socket pickled: family, type and proto travel with the descriptor.
    inherited = socket.socket(sock.family, sock.type, sock.proto, fileno=sock.detach())
    with inherited:
        assert bool(asyncio.run(nodelay_of_accepted(inherited))) is nodelay
