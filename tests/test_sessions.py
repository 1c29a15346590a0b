"""Login sessions: token families, refresh-token rotation with reuse detection, and log out everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI, Request
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    LoginSession,
    MemoryRevocationStore,
    ProtectedView,
    RefreshTokenReusedError,
    RefreshView,
    cbv,
)

SECRET = "s" * 32


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _app(clock: Clock | None = None, **settings: Any) -> tuple[TestClient, AuthViews]:
    clock = clock or Clock()
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, **settings)
    authviews = AuthViews(config, store=MemoryRevocationStore(1000, timer=clock), clock=clock)
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @router.post("/login/{user}")
    async def login(user: str, request: Request) -> dict[str, str]:
        pair = await authviews.sessions.login(user, user_agent=request.headers.get("user-agent"))
        return pair._asdict()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity, "family": self.auth.family}

        @router.get("/sessions")
        async def sessions(self) -> list[dict[str, Any]]:
            return [
                {"family": s.family, "agent": s.user_agent, "current": s.family == self.auth.family}
                for s in await self.auth.sessions()
            ]

        @router.delete("/sessions/{family}")
        async def end(self, family: str) -> dict[str, bool]:
            return {"ended": await self.auth.revoke_session(family)}

        @router.delete("/sessions")
        async def end_all(self) -> dict[str, int]:
            return {"ended": await self.auth.revoke_all_sessions()}

    @cbv(router)
    class Tokens(RefreshView):
        @router.post("/refresh")
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

    app.include_router(router)
    return TestClient(app), authviews


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def rotating() -> Iterator[tuple[TestClient, AuthViews]]:
    yield _app(refresh_token_rotation=True)


def test_login_tokens_share_a_family_claim(rotating: tuple[TestClient, AuthViews]) -> None:
    client, authviews = rotating
    pair = client.post("/login/ann").json()
    access = authviews.codec.decode(pair["access_token"]).claims
    refresh = authviews.codec.decode(pair["refresh_token"]).claims
    assert access["fam"] == refresh["fam"] and len(access["fam"]) == 32
    assert access["fresh"] is True
    assert client.get("/me", headers=_bearer(pair["access_token"])).json() == {
        "user": "ann",
        "family": access["fam"],
    }


def test_rotation_refresh_returns_new_refresh_token_and_revokes_the_old(
    rotating: tuple[TestClient, AuthViews],
) -> None:
    client, authviews = rotating
    first = client.post("/login/ann").json()
    second = client.post("/refresh", headers=_bearer(first["refresh_token"])).json()
    assert second["refresh_token"] != first["refresh_token"]
    new_access = authviews.codec.decode(second["access_token"]).claims
    assert new_access["fresh"] is False
    assert new_access["fam"] == authviews.codec.decode(first["access_token"]).claims["fam"]
    third = client.post("/refresh", headers=_bearer(second["refresh_token"]))
    assert third.status_code == 200


def test_rotation_reuse_of_rotated_token_revokes_whole_family(rotating: tuple[TestClient, AuthViews]) -> None:
    client, _ = rotating
    login = client.post("/login/ann").json()
    rotated = client.post("/refresh", headers=_bearer(login["refresh_token"])).json()
    replay = client.post("/refresh", headers=_bearer(login["refresh_token"]))
    assert replay.status_code == 401
    assert replay.json() == {"detail": RefreshTokenReusedError.default_detail}
    # Every token of the login is refused now: the legitimate holder's newest tokens included.
    for token, path, method in [
        (rotated["refresh_token"], "/refresh", "post"),
        (rotated["access_token"], "/me", "get"),
        (login["access_token"], "/me", "get"),
    ]:
        response = client.request(method, path, headers=_bearer(token))
        assert response.status_code == 401
        assert response.json() == {"detail": "Token has been revoked"}


def test_rotation_reuse_leaves_other_logins_alone(rotating: tuple[TestClient, AuthViews]) -> None:
    client, _ = rotating
    stolen = client.post("/login/ann").json()
    other = client.post("/login/ann").json()
    client.post("/refresh", headers=_bearer(stolen["refresh_token"]))
    assert client.post("/refresh", headers=_bearer(stolen["refresh_token"])).status_code == 401
    assert client.get("/me", headers=_bearer(other["access_token"])).status_code == 200


def test_rotation_reuse_error_has_its_own_code() -> None:
    assert RefreshTokenReusedError.code == "refresh_token_reused"
    assert RefreshTokenReusedError().status_code == 401


def test_rotation_concurrent_refresh_of_one_token_only_one_wins(
    rotating: tuple[TestClient, AuthViews],
) -> None:
    _, authviews = rotating
    pair = asyncio.run(authviews.sessions.login("ann"))
    verified = authviews.codec.decode(pair.refresh_token)

    async def both() -> list[Any]:
        return await asyncio.gather(
            authviews.sessions.refresh(verified), authviews.sessions.refresh(verified), return_exceptions=True
        )

    results = asyncio.run(both())
    assert sum(isinstance(result, RefreshTokenReusedError) for result in results) == 1
    assert sum(not isinstance(result, Exception) for result in results) == 1


def test_refresh_without_rotation_keeps_refresh_token() -> None:
    client, _ = _app()
    login = client.post("/login/ann").json()
    refreshed = client.post("/refresh", headers=_bearer(login["refresh_token"])).json()
    assert refreshed["refresh_token"] == login["refresh_token"]
    assert client.post("/refresh", headers=_bearer(login["refresh_token"])).status_code == 200


def test_refresh_keeps_user_claims_but_not_reserved_ones() -> None:
    _, authviews = _app(refresh_token_rotation=True)
    pair = asyncio.run(authviews.sessions.login("ann", claims={"role": "admin"}))
    refreshed = asyncio.run(authviews.sessions.refresh(authviews.codec.decode(pair.refresh_token)))
    claims = authviews.codec.decode(refreshed.access_token).claims
    assert claims["role"] == "admin" and claims["sub"] == "ann" and claims["type"] == "access"


def test_rotation_needs_revocation_of_both_token_types() -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_REFRESH_TOKEN_ROTATION"):
        AuthViewsConfig(secret_key=SECRET, refresh_token_rotation=True)
    with pytest.raises(ConfigurationError, match="AUTHJWT_REFRESH_TOKEN_ROTATION"):
        AuthViewsConfig(
            secret_key=SECRET,
            refresh_token_rotation=True,
            blacklist_enabled=True,
            blacklist_token_checks=["access"],
        )


def test_sessions_lists_each_login_oldest_first_with_user_agent() -> None:
    clock = Clock()
    client, _ = _app(clock, refresh_token_rotation=True)
    phone = client.post("/login/ann", headers={"User-Agent": "phone"}).json()
    clock.now += 1
    client.post("/login/ann", headers={"User-Agent": "laptop"})
    client.post("/login/bob")
    listed = client.get("/sessions", headers=_bearer(phone["access_token"])).json()
    assert [(s["agent"], s["current"]) for s in listed] == [("phone", True), ("laptop", False)]


def test_sessions_record_refresh_time_and_expiry() -> None:
    clock = Clock()
    _, authviews = _app(clock, refresh_token_rotation=True)
    pair = asyncio.run(authviews.sessions.login("ann"))
    clock.now += 100
    asyncio.run(authviews.sessions.refresh(authviews.codec.decode(pair.refresh_token)))
    (session,) = asyncio.run(authviews.sessions.list("ann"))
    assert isinstance(session, LoginSession)
    assert session.created_at == 1_000_000.0 and session.refreshed_at == 1_000_100.0
    assert session.expires_at == pytest.approx(1_000_100.0 + 30 * 24 * 3600, abs=1)


def test_sessions_expire_with_their_refresh_token() -> None:
    clock = Clock()
    _, authviews = _app(clock, refresh_token_expires=60)
    asyncio.run(authviews.sessions.login("ann"))
    assert len(asyncio.run(authviews.sessions.list("ann"))) == 1
    clock.now += 61
    assert asyncio.run(authviews.sessions.list("ann")) == []


def test_revoke_session_refuses_its_tokens_at_verification(rotating: tuple[TestClient, AuthViews]) -> None:
    client, authviews = rotating
    mine = client.post("/login/ann").json()
    lost = client.post("/login/ann").json()
    lost_family = authviews.codec.decode(lost["access_token"]).claims["fam"]
    response = client.delete(f"/sessions/{lost_family}", headers=_bearer(mine["access_token"]))
    assert response.json() == {"ended": True}
    assert client.get("/me", headers=_bearer(lost["access_token"])).json() == {
        "detail": "Token has been revoked"
    }
    assert client.post("/refresh", headers=_bearer(lost["refresh_token"])).status_code == 401
    assert client.get("/me", headers=_bearer(mine["access_token"])).status_code == 200
    assert len(client.get("/sessions", headers=_bearer(mine["access_token"])).json()) == 1


def test_revoke_session_of_someone_else_is_refused(rotating: tuple[TestClient, AuthViews]) -> None:
    client, authviews = rotating
    ann = client.post("/login/ann").json()
    bob = client.post("/login/bob").json()
    bob_family = authviews.codec.decode(bob["access_token"]).claims["fam"]
    assert client.delete(f"/sessions/{bob_family}", headers=_bearer(ann["access_token"])).json() == {
        "ended": False
    }
    assert client.get("/me", headers=_bearer(bob["access_token"])).status_code == 200


def test_revoke_all_sessions_logs_out_everywhere(rotating: tuple[TestClient, AuthViews]) -> None:
    client, _ = rotating
    logins = [client.post("/login/ann").json() for _ in range(3)]
    bob = client.post("/login/bob").json()
    assert client.delete("/sessions", headers=_bearer(logins[0]["access_token"])).json() == {"ended": 3}
    for login in logins:
        assert client.get("/me", headers=_bearer(login["access_token"])).status_code == 401
        assert client.post("/refresh", headers=_bearer(login["refresh_token"])).status_code == 401
    assert client.get("/me", headers=_bearer(bob["access_token"])).status_code == 200


def test_revoke_all_sessions_also_ends_current_login_whose_record_is_gone() -> None:
    client, authviews = _app()
    login = client.post("/login/ann").json()
    family = authviews.codec.decode(login["access_token"]).claims["fam"]
    assert family
    authviews.store = MemoryRevocationStore(timer=authviews.codec.clock)  # the record is lost (a restart)
    assert client.delete("/sessions", headers=_bearer(login["access_token"])).json() == {"ended": 0}
    assert client.get("/me", headers=_bearer(login["access_token"])).status_code == 401


def test_login_sessions_need_revocation_enabled() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    with pytest.raises(RuntimeError, match="AUTHJWT_BLACKLIST_ENABLED"):
        asyncio.run(authviews.sessions.login("ann"))


def test_login_sessions_need_a_store_that_keeps_sessions() -> None:
    class JtiOnly:
        async def revoke(self, jti: str, expires_at: float | None) -> None:
            return None

        async def is_revoked(self, *ids: str) -> bool:
            return False

    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=JtiOnly())
    with pytest.raises(RuntimeError, match="store that keeps sessions"):
        asyncio.run(authviews.sessions.login("ann"))


def test_memory_store_sessions_are_bounded() -> None:
    clock = Clock()
    store = MemoryRevocationStore(2, timer=clock)
    for family in ("a", "b"):
        asyncio.run(store.save_session(LoginSession(family, "ann", 0, 0, clock.now + 10)))
    with pytest.raises(Exception, match="Session store is full"):
        asyncio.run(store.save_session(LoginSession("c", "ann", 0, 0, clock.now + 10)))
    clock.now += 11
    asyncio.run(store.save_session(LoginSession("c", "ann", 0, 0, clock.now + 10)))
    assert [s.family for s in asyncio.run(store.list_sessions("ann"))] == ["c"]


def test_memory_store_revoke_reports_whether_it_was_new() -> None:
    store = MemoryRevocationStore(10, timer=Clock())
    assert asyncio.run(store.revoke("j", 2_000_000.0)) is True
    assert asyncio.run(store.revoke("j", 2_000_000.0)) is False
    assert asyncio.run(store.revoke("j", 3_000_000.0)) is True  # a longer life is recorded
