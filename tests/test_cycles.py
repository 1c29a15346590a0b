"""A request leaves no reference cycle behind: the garbage collector would otherwise run every few dozen
requests (a session holds its connection, which holds the scope that holds the session)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, Depends, FastAPI

from fastapi_jwt_views import (
    AuthJWT,
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    OptionalView,
    ProtectedView,
    require_access,
)

SECRET = "cycles-test-secret-0123456789-abcdefghijkl"


def build() -> tuple[FastAPI, str]:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)).install(app)
    router = APIRouter()

    class Inline(ProtectedView):
        @router.get("/inline")
        async def inline(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @router.get("/inline-sync")
        def inline_sync(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    class Resolved(ProtectedView):
        @router.get("/resolved")
        async def resolved(self, number: int = 1) -> dict[str, Any]:
            return {"user": self.auth.identity, "number": number}

    class Optional(OptionalView):
        @router.get("/optional")
        async def optional(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    @router.get("/function")
    async def function(auth: AuthSession = Depends(require_access)) -> dict[str, Any]:
        return {"user": auth.identity}

    @router.get("/compat")
    async def compat(authorize: AuthJWT = Depends()) -> dict[str, Any]:
        authorize.jwt_required()
        return {"user": authorize.get_jwt_subject()}

    app.include_router(router)
    return app, authviews.create_access_token("alice")


def scope(path: str, token: str | None) -> dict[str, Any]:
    headers = [(b"host", b"test")] + ([(b"authorization", f"Bearer {token}".encode())] if token else [])
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"", "headers": headers,
        "client": ("127.0.0.1", 1), "server": ("test", 80),
    }


async def serve(app: FastAPI, path: str, token: str | None, times: int) -> list[int]:
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    for _ in range(times):
        await app(scope(path, token), receive, send)
    return statuses


@pytest.fixture
def collector_off() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


PATHS = ["/inline", "/inline-sync", "/resolved", "/optional", "/function", "/compat"]


@pytest.mark.parametrize("path", PATHS)
def test_authenticated_requests_leave_no_reference_cycle(path: str, collector_off: None) -> None:
    app, token = build()

    async def go() -> tuple[list[int], int]:
        await serve(app, path, token, 5)  # warm: first-call work (middleware stack, caches) is done
        gc.collect()
        statuses = await serve(app, path, token, 20)
        return statuses, gc.collect()

    statuses, unreachable = asyncio.run(go())
    assert statuses == [200] * 20
    assert unreachable == 0


@pytest.mark.parametrize("path", ["/inline", "/resolved", "/function", "/compat"])
@pytest.mark.parametrize("kind", ["missing", "broken"])
def test_refused_requests_leave_no_reference_cycle(path: str, kind: str, collector_off: None) -> None:
    app, token = build()
    sent = None if kind == "missing" else token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")

    async def go() -> tuple[list[int], int]:
        await serve(app, path, sent, 5)
        gc.collect()
        statuses = await serve(app, path, sent, 20)
        return statuses, gc.collect()

    statuses, unreachable = asyncio.run(go())
    legacy = path == "/compat" and kind == "broken"  # fastapi-jwt-auth's status for a token it cannot decode
    assert statuses == [422 if legacy else 401] * 20
    assert unreachable == 0
