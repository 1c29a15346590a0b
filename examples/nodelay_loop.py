"""An asyncio event loop that keeps ``TCP_NODELAY`` under ``uvicorn --workers N`` (when uvloop is not used).

With ``--workers N`` (and ``--reload``) uvicorn binds the listening socket itself, with
``socket.socket(family)``: its ``proto`` attribute is 0, every accepted socket inherits that 0, and asyncio
turns ``TCP_NODELAY`` on only for sockets whose ``proto`` is ``IPPROTO_TCP``. Nagle's algorithm then stays
on, and on a keep-alive connection a response can wait for the client's delayed ACK (about 40 ms on Linux).
uvloop is not affected: it sets the option on every TCP connection. See docs/deployment.md for the figures.

This loop sets ``TCP_NODELAY`` on the listening socket it is handed, and Linux copies it to every connection
accepted from it. Name it with ``--loop`` (uvicorn accepts the import string of a loop factory)::

    uvicorn examples.redis_app:app --workers 2 --loop examples.nodelay_loop:NoDelayEventLoop

Copy this file into your project; it does not depend on fastapi-jwt-views.
"""

from __future__ import annotations

import asyncio
import socket
from typing import Any


class NoDelayEventLoop(asyncio.SelectorEventLoop):
    """asyncio's selector loop, with ``TCP_NODELAY`` set on a listening socket passed to ``create_server``."""

    async def create_server(
        self, protocol_factory: Any, host: Any = None, port: Any = None, *, sock: Any = None, **kwargs: Any
    ) -> asyncio.Server:
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # inherited by accepted connections
        return await super().create_server(protocol_factory, host, port, sock=sock, **kwargs)
