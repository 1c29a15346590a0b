"""Revocation: the memory store, the user callback, and failing closed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    MemoryRevocationStore,
    ProtectedView,
    RefreshView,
    RevocationStore,
    RevocationUnavailableError,
    cbv,
)
from fastapi_jwt_views.revocation.base import jti_key

SECRET = "r" * 32


class Clock:
    """An injected clock: tests move time instead of sleeping."""

    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def test_memory_store_entry_expires_with_its_token() -> None:
    clock = Clock()
    store = MemoryRevocationStore(capacity=10, timer=clock)
    run(store.revoke("a", clock.now + 60))
    assert run(store.is_revoked("a"))
    clock.now += 59.9
    assert run(store.is_revoked("a"))
    clock.now += 0.2
    assert not run(store.is_revoked("a"))
    assert len(store) == 0


def test_memory_store_without_expiry_keeps_entry() -> None:
    clock = Clock()
    store = MemoryRevocationStore(capacity=10, timer=clock)
    run(store.revoke("forever", None))
    clock.now += 10**9
    assert run(store.is_revoked("forever"))


def test_memory_store_already_expired_token_is_not_stored() -> None:
    clock = Clock()
    store = MemoryRevocationStore(capacity=1, timer=clock)
    run(store.revoke("old", clock.now - 1))
    assert len(store) == 0
    run(store.revoke("new", clock.now + 1))  # the slot is still free
    assert run(store.is_revoked("new"))


def test_memory_store_full_refuses_instead_of_evicting_live_entries() -> None:
    clock = Clock()
    store = MemoryRevocationStore(capacity=2, timer=clock)
    run(store.revoke("a", clock.now + 100))
    run(store.revoke("b", clock.now + 10))
    with pytest.raises(RevocationUnavailableError, match="full") as raised:
        run(store.revoke("c", clock.now + 100))
    assert raised.value.status_code == 503
    assert run(store.is_revoked("a")) and run(store.is_revoked("b"))
    run(store.revoke("a", clock.now + 200))  # an existing entry can still be extended when full
    clock.now += 11  # "b" expires and frees its slot
    run(store.revoke("c", clock.now + 100))
    assert run(store.is_revoked("c")) and run(store.is_revoked("a"))
    clock.now += 150
    assert run(store.is_revoked("a")), "re-revoking extended the entry to the later expiry"


def test_memory_store_revoking_twice_keeps_the_later_expiry() -> None:
    clock = Clock()
    store = MemoryRevocationStore(capacity=5, timer=clock)
    run(store.revoke("a", clock.now + 100))
    run(store.revoke("a", clock.now + 10))
    clock.now += 50
    assert run(store.is_revoked("a"))


def test_memory_store_follows_the_store_protocol() -> None:
    assert isinstance(MemoryRevocationStore(), RevocationStore)


def test_memory_store_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="capacity"):
        MemoryRevocationStore(capacity=0)


# -- through an app ----------------------------------------------------------------------------------------


def make_app(authviews: AuthViews) -> FastAPI:
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @cbv(router)
    class Protected(ProtectedView):
        @router.get("/protected")
        async def get(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @router.post("/revoke/{token_or_jti}")
        async def revoke_other(self, token_or_jti: str) -> dict[str, str]:
            await self.auth.revoke_token(token_or_jti)
            return {"detail": "revoked"}

    @cbv(router)
    class Refresh(RefreshView):
        @router.post("/logout-refresh")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "revoked"}

    app.include_router(router)
    return app


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_revoke_other_token_by_encoded_form_and_by_jti() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True))
    client = TestClient(make_app(authviews))
    caller, victim_a, victim_b = (authviews.create_access_token(n) for n in ("admin", "a", "b"))
    jti_b = authviews.codec.decode(victim_b).claims["jti"]

    assert client.post(f"/revoke/{victim_a}", headers=bearer(caller)).status_code == 200
    assert client.post(f"/revoke/{jti_b}", headers=bearer(caller)).status_code == 200
    for victim in (victim_a, victim_b):
        assert client.get("/protected", headers=bearer(victim)).json() == {"detail": "Token has been revoked"}
    assert client.get("/protected", headers=bearer(caller)).status_code == 200


def test_token_checks_limit_which_types_are_checked() -> None:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, blacklist_token_checks=["refresh"])
    authviews = AuthViews(config)
    client = TestClient(make_app(authviews))
    access = authviews.create_access_token("a")
    run(authviews.revoke_claims(authviews.codec.decode(access).claims))
    assert client.get("/protected", headers=bearer(access)).status_code == 200  # access tokens not checked
    refresh = authviews.create_refresh_token("a")
    assert client.post("/logout-refresh", headers=bearer(refresh)).status_code == 200
    assert client.post("/logout-refresh", headers=bearer(refresh)).json() == {
        "detail": "Token has been revoked"
    }


def test_revocation_disabled_never_checks_the_store() -> None:
    class Exploding:
        async def revoke(self, jti: str, expires_at: float | None) -> None:
            raise AssertionError("not used")

        async def is_revoked(self, jti: str) -> bool:
            raise AssertionError("not used")

    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), store=Exploding())
    client = TestClient(make_app(authviews))
    assert client.get("/protected", headers=bearer(authviews.create_access_token("a"))).status_code == 200
    with pytest.raises(RuntimeError, match="AUTHJWT_BLACKLIST_ENABLED"):
        run(authviews.revoke_jti("x"))


@pytest.mark.parametrize("kind", ["sync", "async"])
def test_callback_revokes_tokens_it_reports(kind: str) -> None:
    banned = {"mallory"}
    seen: list[Mapping[str, Any]] = []

    def sync_check(claims: Mapping[str, Any]) -> bool:
        seen.append(claims)
        return claims["sub"] in banned

    async def async_check(claims: Mapping[str, Any]) -> bool:
        return sync_check(claims)

    check = sync_check if kind == "sync" else async_check
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), is_revoked=check)
    client = TestClient(make_app(authviews))
    ok = client.get("/protected", headers=bearer(authviews.create_access_token("alice")))
    refused = client.get("/protected", headers=bearer(authviews.create_access_token("mallory")))
    assert ok.status_code == 200
    assert (refused.status_code, refused.json()) == (401, {"detail": "Token has been revoked"})
    assert [claims["sub"] for claims in seen] == ["alice", "mallory"]


class Broken:
    """A store that cannot answer, as a store whose server is down."""

    async def revoke(self, jti: str, expires_at: float | None) -> None:
        raise ConnectionError("store down")

    async def is_revoked(self, jti: str) -> bool:
        raise ConnectionError("store down")


def test_unavailable_store_fails_closed_with_503() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), store=Broken())
    client = TestClient(make_app(authviews), raise_server_exceptions=False)
    caller = authviews.create_access_token("a")
    response = client.get("/protected", headers=bearer(caller))
    assert (response.status_code, response.json()) == (
        503,
        {"detail": "Token revocation store is unavailable"},
    )


def test_failing_callback_fails_closed_with_503() -> None:
    def check(claims: Mapping[str, Any]) -> bool:
        raise RuntimeError("database down")

    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True), is_revoked=check)
    client = TestClient(make_app(authviews), raise_server_exceptions=False)
    response = client.get("/protected", headers=bearer(authviews.create_access_token("a")))
    assert response.status_code == 503


def test_full_store_makes_logout_fail_visibly() -> None:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, revocation_capacity=1)
    authviews = AuthViews(config)
    client = TestClient(make_app(authviews), raise_server_exceptions=False)
    first, second = authviews.create_refresh_token("a"), authviews.create_refresh_token("b")
    assert client.post("/logout-refresh", headers=bearer(first)).status_code == 200
    response = client.post("/logout-refresh", headers=bearer(second))
    assert (response.status_code, response.json()) == (503, {"detail": "Token revocation store is full"})
    assert client.post("/logout-refresh", headers=bearer(first)).json() == {
        "detail": "Token has been revoked"
    }


def test_revocation_entry_lives_until_token_expiry_plus_leeway() -> None:
    clock = Clock(2_000_000_000.0)
    store = MemoryRevocationStore(timer=clock)
    config = AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, decode_leeway=30, access_token_expires=60
    )
    authviews = AuthViews(config, store=store, clock=clock)
    token = authviews.create_access_token("a")
    claims = jwt.decode(token, options={"verify_signature": False})  # issued at the injected time
    run(authviews.revoke_claims(claims))
    clock.now += 89
    assert run(store.is_revoked(jti_key(claims["jti"])))
    clock.now += 2
    assert not run(store.is_revoked(jti_key(claims["jti"])))
