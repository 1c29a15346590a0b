"""The user loader: ``await self.auth.user()`` loads the application's user once per request."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator, Mapping
from typing import Any

import anyio.from_thread
import pytest
from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, OptionalView, ProtectedView
from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.auth_jwt import AuthJWT

SECRET = "u" * 32
USERS = {"alice": {"name": "Alice", "admin": True}, "bob": {"name": "Bob", "admin": False}}


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> Iterator[None]:
    PROCESS.reset()
    yield
    PROCESS.reset()


class Loader:
    """Counts its calls and remembers the thread it ran on."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, str]] = []
        self.threads: set[int] = set()

    async def load_async(self, identity: Any, claims: Mapping[str, Any]) -> Any:
        self.calls.append((identity, claims["jti"]))
        await asyncio.sleep(0)
        if identity == "forbidden":
            raise HTTPException(403, "Account locked")
        return USERS.get(identity)

    def load_sync(self, identity: Any, claims: Mapping[str, Any]) -> Any:
        self.calls.append((identity, claims["jti"]))
        self.threads.add(threading.get_ident())
        return USERS.get(identity)


class AsyncCallable:
    async def __call__(self, identity: Any, claims: Mapping[str, Any]) -> Any:
        return USERS.get(identity)


def _app(user_loader: Any) -> tuple[TestClient, AuthViews]:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), user_loader=user_loader)
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Account(ProtectedView):
        @router.get("/me")
        async def me(self) -> Any:
            first, second = await asyncio.gather(self.auth.user(), self.auth.user())
            assert first is second
            return await self.auth.user()

        @router.get("/me-sync")
        def me_sync(self) -> Any:
            return anyio.from_thread.run(self.auth.user)

    class Anyone(OptionalView):
        @router.get("/anyone")
        async def anyone(self) -> Any:
            return await self.auth.user()

    @router.get("/compat")
    async def compat(request: Request, Authorize: AuthJWT = Depends()) -> Any:
        Authorize.jwt_required()
        return await AuthViews.of(request).load_user(Authorize.get_raw_jwt() or {})

    @router.websocket("/ws")
    async def ws(auth: Any = Depends(Account.auth.dependency)) -> None:
        await auth.accept()
        await auth.send_json(await auth.user())

    app.include_router(router)
    return TestClient(app, raise_server_exceptions=False), authviews


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def loader() -> Loader:
    return Loader()


@pytest.mark.parametrize("kind", ["async", "sync"])
def test_user_loader_returns_the_user_loaded_once_per_request(loader: Loader, kind: str) -> None:
    client, authviews = _app(loader.load_async if kind == "async" else loader.load_sync)
    token = authviews.create_access_token("alice")
    assert client.get("/me", headers=_bearer(token)).json() == USERS["alice"]
    assert len(loader.calls) == 1
    assert client.get("/me", headers=_bearer(token)).json() == USERS["alice"]
    assert len(loader.calls) == 2  # once per request, not cached across requests


def test_user_loader_sync_runs_in_the_thread_pool(loader: Loader) -> None:
    client, authviews = _app(loader.load_sync)
    client.get("/me", headers=_bearer(authviews.create_access_token("bob")))
    assert loader.threads and threading.get_ident() not in loader.threads


def test_user_loader_callable_object_with_async_call_is_awaited() -> None:
    client, authviews = _app(AsyncCallable())
    assert client.get("/me", headers=_bearer(authviews.create_access_token("bob"))).json() == USERS["bob"]


def test_user_loader_from_sync_handler(loader: Loader) -> None:
    client, authviews = _app(loader.load_async)
    assert (
        client.get("/me-sync", headers=_bearer(authviews.create_access_token("bob"))).json() == USERS["bob"]
    )


@pytest.mark.parametrize("path", ["/me", "/me-sync", "/compat"])
def test_user_loader_none_is_401_user_not_found(loader: Loader, path: str) -> None:
    client, authviews = _app(loader.load_async)
    response = client.get(path, headers=_bearer(authviews.create_access_token("deleted")))
    assert response.status_code == 401
    assert response.json() == {"detail": "User not found"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_user_loader_http_exception_is_the_response(loader: Loader) -> None:
    client, authviews = _app(loader.load_async)
    response = client.get("/me", headers=_bearer(authviews.create_access_token("forbidden")))
    assert (response.status_code, response.json()) == (403, {"detail": "Account locked"})


def test_user_loader_integer_identity_is_passed_as_is(loader: Loader) -> None:
    client, authviews = _app(loader.load_async)
    client.get("/me", headers=_bearer(authviews.create_access_token(7)))
    assert loader.calls[0][0] == 7


def test_user_without_loader_is_500_naming_the_fix() -> None:
    client, authviews = _app(None)
    response = client.get("/me", headers=_bearer(authviews.create_access_token("alice")))
    assert response.status_code == 500
    assert "AuthViews(config, user_loader=load_user)" in response.json()["detail"]


def test_user_optional_view_without_token_is_none(loader: Loader) -> None:
    client, authviews = _app(loader.load_async)
    assert client.get("/anyone").json() is None
    assert not loader.calls
    assert client.get("/anyone", headers=_bearer(authviews.create_access_token("bob"))).json() == USERS["bob"]


def test_user_compat_identity_loads_the_user(loader: Loader) -> None:
    client, authviews = _app(loader.load_sync)
    assert (
        client.get("/compat", headers=_bearer(authviews.create_access_token("alice"))).json()
        == USERS["alice"]
    )


def test_user_websocket_loads_the_user(loader: Loader) -> None:
    client, authviews = _app(loader.load_async)
    with client.websocket_connect(f"/ws?token={authviews.create_access_token('bob')}") as ws:
        assert ws.receive_json() == USERS["bob"]


def test_user_loader_not_callable_raises_type_error() -> None:
    with pytest.raises(TypeError, match="user_loader must be callable"):
        AuthViews(AuthViewsConfig(secret_key=SECRET), user_loader="load_user")
