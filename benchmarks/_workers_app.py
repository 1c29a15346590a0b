"""The apps ``benchmarks/workers.py`` serves, each able to tell whether its connection has ``TCP_NODELAY``.

* ``plain``: FastAPI alone, ``GET /`` answers ``{"ok": true}`` (no fastapi-jwt-views: the effect is not ours);
* ``view``: ``examples/basic.py`` as it is (``GET /user`` with a bearer token is what the benchmark asks).

Both are wrapped in :func:`probe`, which answers ``GET /_nodelay`` itself with the serving process id, its
event loop and the ``TCP_NODELAY`` option of the very connection that asked. ASGI gives the application no
socket, so the probe finds it among the process's open file descriptors by its peer address
(``scope["client"]``); that works the same under every uvicorn loop, HTTP implementation and supervisor.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from examples.basic import app as basic_app


def connection_nodelay(peer: tuple[str, int]) -> int | None:
    """``TCP_NODELAY`` of this process's TCP socket connected to ``peer`` (None if there is none)."""
    for name in os.listdir("/proc/self/fd"):
        try:
            sock = socket.socket(fileno=os.dup(int(name)))  # family, type and proto read from the descriptor
        except OSError:
            continue  # not a socket
        with sock:
            if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.type != socket.SOCK_STREAM:
                continue
            try:
                if tuple(sock.getpeername()[:2]) == tuple(peer):
                    return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            except OSError:
                continue  # a listening socket has no peer
    return None


def probe(app: ASGIApp) -> ASGIApp:
    """``app``, except that ``GET /_nodelay`` reports the connection's ``TCP_NODELAY`` and who served it."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != "/_nodelay":
            await app(scope, receive, send)
            return
        client = scope.get("client")
        report: dict[str, Any] = {
            "pid": os.getpid(),
            "loop": type(asyncio.get_running_loop()).__module__,
            "nodelay": connection_nodelay(tuple(client)) if client else None,
        }
        body = json.dumps(report).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return wrapped


_plain = FastAPI()


@_plain.get("/")
async def root() -> dict[str, bool]:
    return {"ok": True}


plain = probe(_plain)
view = probe(basic_app)
