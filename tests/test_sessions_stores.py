"""Login sessions behave the same on both built-in stores: memory and a real Redis (tests/redis_server.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, RefreshView, cbv
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = "t" * 32


@pytest.fixture(params=["memory", "redis"])
def client(request: pytest.FixtureRequest, redis_prefix: str) -> Iterator[TestClient]:
    settings: dict[str, Any] = {
        "secret_key": SECRET,
        "blacklist_enabled": True,
        "refresh_token_rotation": True,
    }
    if request.param == "redis":
        server: RedisServer = request.getfixturevalue("redis_server")
        settings.update(redis_url=server.url, redis_key_prefix=redis_prefix)
    authviews = AuthViews(AuthViewsConfig(**settings))
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @router.post("/login/{user}")
    async def login(user: str, request: Request) -> dict[str, str]:
        return (await authviews.sessions.login(user, user_agent=request.headers.get("user-agent")))._asdict()

    @cbv(router)
    class Sessions(ProtectedView):
        @router.get("/sessions")
        async def sessions(self) -> list[str | None]:
            return [session.user_agent for session in await self.auth.sessions()]

        @router.delete("/sessions/{family}")
        async def end(self, family: str) -> bool:
            return await self.auth.revoke_session(family)

        @router.delete("/sessions")
        async def end_all(self) -> int:
            return await self.auth.revoke_all_sessions()

        @router.get("/family")
        async def family(self) -> str | None:
            return self.auth.family

    @cbv(router)
    class Tokens(RefreshView):
        @router.post("/refresh")
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

    app.include_router(router)
    assert isinstance(authviews.store, RedisRevocationStore) == (request.param == "redis")
    with TestClient(app) as test_client:  # one event loop for the whole test, as in a server
        yield test_client  # the app's shutdown closes the Redis connections


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, user: str, agent: str) -> dict[str, str]:
    body: dict[str, str] = client.post(f"/login/{user}", headers={"User-Agent": agent}).json()
    return body


def test_sessions_list_revoke_one_and_all(client: TestClient) -> None:
    phone, laptop, tablet = (_login(client, "ann", agent) for agent in ("phone", "laptop", "tablet"))
    bob = _login(client, "bob", "desk")
    assert sorted(client.get("/sessions", headers=_bearer(phone["access_token"])).json()) == [
        "laptop",
        "phone",
        "tablet",
    ]
    laptop_family = client.get("/family", headers=_bearer(laptop["access_token"])).json()
    bob_family = client.get("/family", headers=_bearer(bob["access_token"])).json()
    assert client.delete(f"/sessions/{bob_family}", headers=_bearer(phone["access_token"])).json() is False
    assert client.delete(f"/sessions/{laptop_family}", headers=_bearer(phone["access_token"])).json() is True
    assert client.get("/sessions", headers=_bearer(laptop["access_token"])).status_code == 401
    assert client.post("/refresh", headers=_bearer(laptop["refresh_token"])).status_code == 401
    assert sorted(client.get("/sessions", headers=_bearer(phone["access_token"])).json()) == [
        "phone",
        "tablet",
    ]
    assert client.delete("/sessions", headers=_bearer(tablet["access_token"])).json() == 2
    for tokens in (phone, tablet):
        assert client.get("/family", headers=_bearer(tokens["access_token"])).status_code == 401
    assert client.get("/sessions", headers=_bearer(bob["access_token"])).json() == ["desk"]


def test_sessions_rotation_reuse_revokes_the_family(client: TestClient) -> None:
    login = _login(client, "ann", "phone")
    rotated = client.post("/refresh", headers=_bearer(login["refresh_token"])).json()
    assert client.post("/refresh", headers=_bearer(rotated["refresh_token"])).status_code == 200
    replay = client.post("/refresh", headers=_bearer(login["refresh_token"]))
    assert replay.status_code == 401
    assert replay.json()["detail"].startswith("Refresh token reuse detected")
    assert client.get("/family", headers=_bearer(rotated["access_token"])).json() == {
        "detail": "Token has been revoked"
    }
    other = _login(client, "ann", "laptop")
    assert client.get("/sessions", headers=_bearer(other["access_token"])).json() == ["laptop"]
