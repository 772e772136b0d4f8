"""Run the service under uvicorn, one or several worker processes.

    python -m app.server        # the image's command: everything from the environment

With ``--workers N > 1`` uvicorn binds the listening socket itself as
``socket.socket(family)``, whose ``proto`` is 0; asyncio then skips ``TCP_NODELAY`` on every
accepted connection (``asyncio.base_events._set_nodelay`` requires ``IPPROTO_TCP``), and each
response, written as headers then body, waits for the client's delayed ACK: 40 ms per
request (22 requests/s on one connection, against 1,200 with one worker). ``TcpConfig``
hands uvicorn the same socket labelled ``IPPROTO_TCP``, which the workers inherit.

Environment (as uvicorn's own command line reads it): ``UVICORN_HOST`` (``127.0.0.1``),
``UVICORN_PORT`` (8000), ``WEB_CONCURRENCY`` (workers, 1), ``UVICORN_TIMEOUT_KEEP_ALIVE``
(5 s), ``UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN`` (8 s), ``FORWARDED_ALLOW_IPS``.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping

import uvicorn
from uvicorn.supervisors import Multiprocess

APP = "app.main:app"


class TcpConfig(uvicorn.Config):
    """uvicorn's configuration, with a listening socket that asyncio recognises as TCP."""

    def bind_socket(self) -> socket.socket:
        """Uvicorn's socket, relabelled ``IPPROTO_TCP`` so that connections get TCP_NODELAY."""
        sock = super().bind_socket()
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return sock
        tcp = socket.socket(sock.family, sock.type, socket.IPPROTO_TCP, fileno=sock.detach())
        tcp.set_inheritable(True)
        return tcp


def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    *,
    timeout_keep_alive: int = 5,
    timeout_graceful_shutdown: int = 8,
) -> None:
    """Serve ``app.main:app``; uvicorn stops on SIGTERM, draining open requests first.

    The access log is cnncalc's own JSON lines (``CNNCALC_ACCESS_LOG``), not uvicorn's.
    """
    config = TcpConfig(
        APP,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        timeout_keep_alive=timeout_keep_alive,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    if config.workers > 1:
        Multiprocess(config, sockets=[config.bind_socket()]).run()
    else:
        config.load_app()
        uvicorn.Server(config).run()


def main(environ: Mapping[str, str] | None = None) -> None:
    """Serve with the options in the environment (see the module)."""
    env = os.environ if environ is None else environ
    serve(
        env.get("UVICORN_HOST", "127.0.0.1"),
        int(env.get("UVICORN_PORT", "8000")),
        int(env.get("WEB_CONCURRENCY", "1")),
        timeout_keep_alive=int(env.get("UVICORN_TIMEOUT_KEEP_ALIVE", "5")),
        timeout_graceful_shutdown=int(env.get("UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN", "8")),
    )


if __name__ == "__main__":
    main()
