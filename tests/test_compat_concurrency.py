"""AuthJWT under load: 200 concurrent requests with a small thread pool never deadlock, and its WebSocket
guards never block the event loop.

The old design verified inside the class dependency, in a worker thread, and waited there for the event
loop, which in turn waited for a worker thread to run the sync denylist callback: with every worker busy,
nothing moved again. These tests run the app on one event loop (httpx's ASGI transport) with the thread
pool cut to 4 workers, so that deadlock would reproduce at once; ``asyncio.wait_for`` turns a hang into a
failure. Progress is asserted by ordering (an event only ``/ping`` can set), not by timing.
"""

import asyncio
import secrets
import sys
import threading
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import Depends, FastAPI, Query, WebSocket

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.asyncio import AuthJWT as AsyncAuthJWT
from fastapi_jwt_views.compat import AuthJWT
from tests.redis_server import RedisServer

SECRET = secrets.token_hex(32)
CONCURRENT = 200
WORKERS = 4
HANG = 60.0  # a deadlock fails the test after this long; a healthy run takes well under a second


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> None:
    PROCESS.reset()


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/async-protected")
    async def async_protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    return app


def _sync_callback(claims: Mapping[str, Any]) -> bool:
    threading.Event().wait(0.001)  # a blocking lookup, as with a sync Redis client
    return False


async def _async_callback(claims: Mapping[str, Any]) -> bool:
    await asyncio.sleep(0.001)
    return False


async def _hammer(app: FastAPI, token: str, path: str) -> list[int]:
    anyio.to_thread.current_default_thread_limiter().total_tokens = WORKERS
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        headers = {"Authorization": f"Bearer {token}"}
        requests = [client.get(path, headers=headers) for _ in range(CONCURRENT)]
        responses = await asyncio.wait_for(asyncio.gather(*requests), HANG)
    return [response.status_code for response in responses]


@pytest.mark.parametrize("callback", [_sync_callback, _async_callback, None], ids=["sync", "async", "memory"])
@pytest.mark.parametrize("path", ["/protected", "/async-protected"])
def test_compat_concurrency_process_config_200_requests_complete(
    callback: Callable[[Mapping[str, Any]], bool | Awaitable[bool]] | None, path: str
) -> None:
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_denylist_enabled", True)])
    if callback is not None:
        AuthJWT.token_in_denylist_loader(callback)
    token = AuthJWT().create_access_token(subject="test")
    assert asyncio.run(_hammer(_app(), token, path)) == [200] * CONCURRENT


@pytest.mark.parametrize("path", ["/protected", "/async-protected"])
def test_compat_concurrency_redis_store_200_requests_complete(
    redis_server: RedisServer, redis_prefix: str, path: str
) -> None:
    app = _app()
    config = AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, redis_url=redis_server.url, redis_key_prefix=redis_prefix
    )
    authviews = AuthViews(config, is_revoked=_sync_callback).install(app)
    token = authviews.create_access_token("test")

    async def run() -> list[int]:
        try:
            return await _hammer(app, token, path)
        finally:
            await authviews.aclose()

    assert asyncio.run(run()) == [200] * CONCURRENT


# -- WebSockets: a revocation check that waits lets the loop serve other requests meanwhile ------------------
async def _websocket(app: FastAPI, path: str, query: str, first_message: str | None) -> list[dict[str, Any]]:
    """Drive one WebSocket connection through the ASGI app; return what the app sent."""
    incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await incoming.put({"type": "websocket.connect"})
    if first_message is not None:
        await incoming.put({"type": "websocket.receive", "text": first_message})
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "websocket.close":
            await incoming.put({"type": "websocket.disconnect", "code": 1000})

    scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "headers": [],
        "scheme": "ws",
        "server": ("test", 80),
        "client": ("127.0.0.1", 5000),
        "root_path": "",
        "subprotocols": [],
    }
    await app(scope, incoming.get, send)
    return sent


def _websocket_app(released: asyncio.Event, order: list[str]) -> FastAPI:
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> str:
        order.append("ping")
        released.set()  # the revocation check below waits for this: only a free event loop gets here
        return "pong"

    @app.websocket("/ws")
    async def websocket(
        websocket: WebSocket, token: str = Query(...), Authorize: AuthJWT = Depends()
    ) -> None:
        await websocket.accept()
        Authorize.jwt_required("websocket", token=token)
        order.append("websocket")
        await websocket.send_text(str(Authorize.get_jwt_subject()))
        await websocket.close()

    @app.websocket("/ws-message")
    async def websocket_message(websocket: WebSocket, Authorize: AsyncAuthJWT = Depends()) -> None:
        await websocket.accept()
        await Authorize.jwt_required("websocket", token=await websocket.receive_text())
        order.append("websocket")
        await websocket.send_text(str(await Authorize.get_jwt_subject()))
        await websocket.close()

    return app


@pytest.mark.parametrize(("path", "in_message"), [("/ws", False), ("/ws-message", True)])
def test_compat_concurrency_websocket_guard_leaves_the_event_loop_free(path: str, in_message: bool) -> None:
    async def run() -> tuple[list[dict[str, Any]], list[str]]:
        released, order = asyncio.Event(), []

        async def waiting_callback(claims: Mapping[str, Any]) -> bool:
            await released.wait()
            return False

        AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET), ("authjwt_denylist_enabled", True)])
        AuthJWT.token_in_denylist_loader(waiting_callback)
        app = _websocket_app(released, order)
        token = AuthJWT().create_access_token(subject="test")
        query = "" if in_message else f"token={token}"
        connection = asyncio.create_task(_websocket(app, path, query, token if in_message else None))
        await asyncio.sleep(0)  # the connection starts and its revocation check waits
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            assert (await asyncio.wait_for(client.get("/ping"), HANG)).json() == "pong"
        return await asyncio.wait_for(connection, HANG), order

    sent, order = asyncio.run(run())
    assert order == ["ping", "websocket"]
    assert {"type": "websocket.send", "text": "test"} in [
        {k: v for k, v in message.items() if k in ("type", "text")} for message in sent
    ]


def test_compat_concurrency_class_dependency_built_on_the_event_loop_when_fastapi_allows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """FastAPI that unwraps dependencies awaits AuthJWT on the loop (no thread-pool hop); older ones
    build it in the thread pool, with the same result."""
    from fastapi.dependencies import models

    from fastapi_jwt_views._compat_base import AuthJWTBase

    threads: list[threading.Thread] = []
    original = AuthJWTBase.__init__

    def recording_init(self: AuthJWTBase, *args: Any, **kwargs: Any) -> None:
        threads.append(threading.current_thread())
        original(self, *args, **kwargs)

    monkeypatch.setattr(AuthJWTBase, "__init__", recording_init)
    AuthJWT.load_config(lambda: [("authjwt_secret_key", SECRET)])
    token = AuthJWT().create_access_token(subject="test")
    threads.clear()

    async def run() -> threading.Thread:
        loop_thread = threading.current_thread()
        assert await _hammer(_app(), token, "/async-protected") == [200] * CONCURRENT
        return loop_thread

    loop_thread = asyncio.run(run())
    # newer FastAPI looks through __wrapped__, on Pythons whose inspect.unwrap unwraps classes (< 3.13)
    unwraps = hasattr(models, "_unwrapped_call") and sys.version_info < (3, 13)
    assert len(threads) == CONCURRENT
    assert all((thread is loop_thread) == unwraps for thread in threads)
