"""``examples/nodelay_loop.py``: the asyncio loop that keeps TCP_NODELAY on a listening socket it is handed.

uvicorn ``--workers N`` hands the loop a socket made by ``socket.socket(family)`` (``proto`` 0), on which
plain asyncio leaves Nagle's algorithm on; ``tests/test_benchmarks.py`` runs the loop under
``uvicorn --workers 2``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Coroutine
from typing import Any

from examples.nodelay_loop import NoDelayEventLoop


async def _accepted_nodelay(sock: socket.socket | None) -> int:
    """TCP_NODELAY of the server side of one connection to a server made with ``create_server``."""
    loop = asyncio.get_running_loop()
    accepted: asyncio.Future[int] = loop.create_future()

    class Report(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            peer = transport.get_extra_info("socket")
            accepted.set_result(peer.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            transport.close()

    if sock is None:
        server = await loop.create_server(Report, host="127.0.0.1", port=0)
    else:
        server = await loop.create_server(Report, sock=sock)
    async with server:
        port = server.sockets[0].getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, timeout=10)
        finally:
            writer.close()
            await writer.wait_closed()


def _bound_like_uvicorn() -> socket.socket:
    """A listening socket made as ``uvicorn.Config.bind_socket`` makes it: ``proto`` left at 0."""
    sock = socket.socket(family=socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    assert sock.proto == 0
    return sock


def _run(coroutine: Coroutine[Any, Any, int]) -> int:
    loop = NoDelayEventLoop()  # as uvicorn --loop examples.nodelay_loop:NoDelayEventLoop makes it
    try:
        return loop.run_until_complete(coroutine)
    finally:
        loop.close()


def test_nodelay_loop_socket_with_proto_zero_accepts_with_nodelay() -> None:
    assert _run(_accepted_nodelay(_bound_like_uvicorn())) == 1


def test_nodelay_loop_host_and_port_accepts_with_nodelay() -> None:
    assert _run(_accepted_nodelay(None)) == 1
