"""``RedisRevocationStore`` against a real redis-server: the store itself, then through a FastAPI app.

Tests that share the session's server use a key prefix of their own; tests that kill, pause or restart
Redis start a server of their own (``start_redis``).
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest
import redis.asyncio
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    ProtectedView,
    RefreshTokenReusedError,
    RefreshView,
    cbv,
)
from fastapi_jwt_views.revocation import LoginSession, RevocationStore, SessionStore, family_key
from fastapi_jwt_views.revocation.base import jti_key
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = "x" * 32
REVOKED = {"detail": "Token has been revoked"}
UNAVAILABLE = {"detail": "Token revocation store is unavailable"}
PROMPTLY = 2.5  # seconds: a dead Redis must never hang a request


@pytest.fixture
async def store(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[RedisRevocationStore]:
    store = RedisRevocationStore(url=redis_server.url, prefix=redis_prefix)
    yield store
    await store.aclose()


async def _keys(store: RedisRevocationStore) -> list[str]:
    return sorted([key.decode() async for key in store.client.scan_iter(f"{store.prefix}*")])


def _session(
    family: str, created_at: float, expires_at: float | None, identity: str | int = "alice"
) -> LoginSession:
    return LoginSession(family, identity, created_at, created_at, expires_at, user_agent=f"agent-{family}")


# -- the store --------------------------------------------------------------------------------------------
@pytest.mark.anyio
async def test_redis_store_follows_the_session_store_protocol(store: RedisRevocationStore) -> None:
    assert isinstance(store, SessionStore)
    assert isinstance(store, RevocationStore)


def test_redis_store_needs_exactly_one_of_client_and_url() -> None:
    with pytest.raises(ValueError, match="either a redis client or a url"):
        RedisRevocationStore()
    client = redis.asyncio.Redis()
    with pytest.raises(ValueError, match="either a redis client or a url"):
        RedisRevocationStore(client, url="redis://127.0.0.1:1/0")


def test_redis_store_repr_hides_the_url_password() -> None:
    store = RedisRevocationStore(url="redis://user:hunter2@127.0.0.1:1/0", prefix="app:")
    assert repr(store) == "RedisRevocationStore(prefix='app:')"


@pytest.mark.anyio
async def test_redis_store_revoke_marks_only_that_jti(store: RedisRevocationStore) -> None:
    assert await store.is_revoked("a") is False
    await store.revoke("a", time.time() + 60)
    assert await store.is_revoked("a") is True
    assert await store.is_revoked("b") is False
    assert await store.is_revoked() is False
    assert await _keys(store) == [f"{store.prefix}revoked:a"]


@pytest.mark.anyio
async def test_redis_store_is_revoked_several_ids_is_one_command(store: RedisRevocationStore) -> None:
    await store.revoke(family_key("f1"), time.time() + 60)
    await store.client.config_resetstat()
    assert await store.is_revoked("jti-1", family_key("f1")) is True
    assert await store.is_revoked("jti-1", family_key("f2"), "jti-3") is False
    stats = await store.client.info("commandstats")
    assert stats["cmdstat_exists"]["calls"] == 2  # one EXISTS per check, whatever the number of ids
    assert {name.split("|")[0] for name in stats} <= {"cmdstat_exists", "cmdstat_config"}  # 7: config|reset


@pytest.mark.anyio
async def test_redis_store_revoke_expires_the_key_at_expires_at(store: RedisRevocationStore) -> None:
    expires_at = time.time() + 900.5
    await store.revoke("a", expires_at)
    ttl = await store.client.pttl(f"{store.prefix}revoked:a") / 1000
    assert abs(ttl - (expires_at - time.time())) < 1


@pytest.mark.anyio
async def test_redis_store_revoke_with_past_expiry_does_nothing(store: RedisRevocationStore) -> None:
    await store.revoke("a", time.time() - 1)
    assert await store.is_revoked("a") is False
    assert await _keys(store) == []


@pytest.mark.anyio
async def test_redis_store_revoke_without_expiry_keeps_it_forever(store: RedisRevocationStore) -> None:
    await store.revoke("a", None)
    key = f"{store.prefix}revoked:a"
    assert await store.client.pttl(key) == -1
    await store.revoke("a", time.time() + 60)  # a later revocation with an expiry does not add one
    assert await store.client.pttl(key) == -1
    assert await store.is_revoked("a") is True


@pytest.mark.anyio
async def test_redis_store_revoke_never_shortens_a_longer_expiry(store: RedisRevocationStore) -> None:
    key = f"{store.prefix}revoked:a"
    await store.revoke("a", time.time() + 1000)
    await store.revoke("a", time.time() + 10)
    assert await store.client.pttl(key) > 990_000
    await store.revoke("a", time.time() + 2000)  # a longer one does extend it
    assert await store.client.pttl(key) > 1990_000
    await store.revoke("a", None)
    assert await store.client.pttl(key) == -1


@pytest.mark.anyio
async def test_redis_store_revoke_reports_whether_it_was_new(store: RedisRevocationStore) -> None:
    now = time.time()
    assert await store.revoke("a", now + 100) is True
    assert await store.revoke("a", now + 100) is False  # already revoked that long
    assert await store.revoke("a", now + 50) is False
    assert await store.revoke("a", now + 200) is True  # longer: extended
    assert await store.revoke("a", None) is True
    assert await store.revoke("a", None) is False
    assert await store.revoke("b", now - 1) is True  # nothing to store, nothing to report
    assert await store.is_revoked("b") is False


@pytest.mark.anyio
async def test_redis_store_concurrent_revokes_of_one_id_only_one_wins(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    """What refresh-token rotation relies on: workers racing to rotate one token, one wins."""
    stores = [RedisRevocationStore(url=redis_server.url, prefix=redis_prefix) for _ in range(8)]
    try:
        expires_at = time.time() + 60
        results = await asyncio.gather(*(store.revoke("rotated", expires_at) for store in stores))
        assert sorted(results) == [False] * 7 + [True]
    finally:
        for store in stores:
            await store.aclose()


@pytest.mark.anyio
async def test_redis_store_entries_really_expire(store: RedisRevocationStore) -> None:
    now = time.time()
    await store.revoke("a", now + 0.3)
    await store.save_session(_session("f1", now, now + 0.3))
    assert await store.is_revoked("a") is True
    assert len(await _keys(store)) == 3
    deadline = time.monotonic() + 3
    while await _keys(store):  # Redis itself drops them: nothing is left behind
        assert time.monotonic() < deadline, await _keys(store)
        await asyncio.sleep(0.05)
    assert await store.is_revoked("a") is False
    assert await store.list_sessions("alice") == []


@pytest.mark.anyio
async def test_redis_store_prefix_isolates_two_stores_on_one_redis(
    redis_server: RedisServer, store: RedisRevocationStore
) -> None:
    other = RedisRevocationStore(url=redis_server.url, prefix=store.prefix + "other:")
    try:
        await store.revoke("a", time.time() + 60)
        await other.save_session(_session("f1", time.time(), None))
        assert await other.is_revoked("a") is False
        assert await store.list_sessions("alice") == []
        assert [s.family for s in await other.list_sessions("alice")] == ["f1"]
        assert all(key.startswith(other.prefix) for key in await _keys(other))
    finally:
        await other.aclose()


@pytest.mark.anyio
async def test_redis_store_sessions_are_listed_oldest_first(store: RedisRevocationStore) -> None:
    now = time.time()
    saved = [_session("a", now + 3, now + 60), _session("c", now + 1, None), _session("b", now + 1, now + 90)]
    for session in saved:
        await store.save_session(session)
    await store.save_session(_session("z", now, now + 60, identity="bob"))
    assert await store.list_sessions("alice") == [saved[2], saved[1], saved[0]]
    assert [s.family for s in await store.list_sessions("bob")] == ["z"]
    assert await store.list_sessions("carol") == []


@pytest.mark.anyio
async def test_redis_store_save_session_replaces_the_same_family(store: RedisRevocationStore) -> None:
    now = time.time()
    await store.save_session(_session("a", now, now + 60))
    refreshed = LoginSession("a", "alice", now, now + 5, now + 120, "agent-2")
    await store.save_session(refreshed)
    assert await store.list_sessions("alice") == [refreshed]
    assert 119_000 < await store.client.pttl(f"{store.prefix}sessions:s:alice") <= 120_001


@pytest.mark.anyio
async def test_redis_store_identity_keeps_its_type(store: RedisRevocationStore) -> None:
    now = time.time()
    await store.save_session(_session("int", now, now + 60, identity=1234))
    await store.save_session(_session("str", now, now + 60, identity="1234"))
    (as_int,) = await store.list_sessions(1234)
    (as_str,) = await store.list_sessions("1234")
    assert (as_int.family, as_int.identity, as_str.family, as_str.identity) == ("int", 1234, "str", "1234")
    assert await _keys(store) == sorted(
        f"{store.prefix}{kind}:{typed}:1234" for kind in ("sessions", "session-expiry") for typed in "is"
    )


@pytest.mark.anyio
async def test_redis_store_expired_sessions_are_not_saved_listed_or_deleted(
    redis_server: RedisServer, store: RedisRevocationStore
) -> None:
    now = time.time()
    await store.save_session(_session("gone", now - 10, now - 1))
    assert await _keys(store) == []
    await store.save_session(_session("a", now, now + 100))
    await store.save_session(_session("b", now, now + 200))
    later = RedisRevocationStore(url=redis_server.url, prefix=store.prefix, timer=lambda: now + 150)
    try:
        assert [s.family for s in await later.list_sessions("alice")] == ["b"]
    finally:
        await later.aclose()


@pytest.mark.anyio
async def test_redis_store_saving_trims_expired_sessions(
    redis_server: RedisServer, store: RedisRevocationStore
) -> None:
    now = time.time()
    await store.save_session(_session("a", now, now + 100))
    await store.save_session(_session("b", now, now + 200))
    later = RedisRevocationStore(url=redis_server.url, prefix=store.prefix, timer=lambda: now + 150)
    try:
        await later.save_session(_session("c", now + 150, now + 300))
    finally:
        await later.aclose()
    sessions_key, expiry_key = f"{store.prefix}sessions:s:alice", f"{store.prefix}session-expiry:s:alice"
    assert sorted(await store.client.hkeys(sessions_key)) == [b"b", b"c"]
    assert await store.client.zrange(expiry_key, 0, -1) == [b"b", b"c"]


@pytest.mark.anyio
async def test_redis_store_session_keys_expire_with_the_last_session(store: RedisRevocationStore) -> None:
    now = time.time()
    keys = [f"{store.prefix}sessions:s:alice", f"{store.prefix}session-expiry:s:alice"]
    await store.save_session(_session("a", now, now + 300))
    await store.save_session(_session("b", now, now + 100))
    for key in keys:
        assert 299_000 < await store.client.pttl(key) <= 300_001
    await store.save_session(_session("c", now, None))  # a session that never expires keeps them
    for key in keys:
        assert await store.client.pttl(key) == -1
    await store.save_session(_session("c", now, now + 20))
    await store.save_session(_session("a", now, now + 50))  # shortened: the keys follow the new last one
    for key in keys:
        assert 99_000 < await store.client.pttl(key) <= 100_001


@pytest.mark.anyio
async def test_redis_store_identities_with_separators_stay_apart(store: RedisRevocationStore) -> None:
    now = time.time()
    await store.save_session(_session("x", now, None, identity="a:b"))
    await store.save_session(_session("b:x", now, None, identity="a"))
    assert [s.family for s in await store.list_sessions("a:b")] == ["x"]
    assert [s.family for s in await store.list_sessions("a")] == ["b:x"]


@pytest.mark.anyio
async def test_redis_store_given_client_is_used_and_left_open(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    client = redis.asyncio.Redis.from_url(redis_server.url, decode_responses=True)
    try:
        store = RedisRevocationStore(client, prefix=redis_prefix)
        now = time.time()
        await store.revoke("a", now + 60)
        await store.save_session(_session("f", now, now + 60))
        assert await store.is_revoked("a") is True
        assert [s.family for s in await store.list_sessions("alice")] == ["f"]
        await store.aclose()
        assert await client.get(f"{redis_prefix}revoked:a") is not None  # still open: it is the caller's
    finally:
        await client.aclose()


def test_redis_store_is_the_default_with_authjwt_redis_url(redis_server: RedisServer) -> None:
    environ = {"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_BLACKLIST_ENABLED": "true"}
    authviews = AuthViews(AuthViewsConfig.from_env({**environ, "AUTHJWT_REDIS_URL": redis_server.url}))
    store = authviews.store
    assert isinstance(store, RedisRevocationStore)
    assert store.prefix == "fastapi_jwt_views:"
    environ.update(AUTHJWT_REDIS_URL=redis_server.url, AUTHJWT_REDIS_KEY_PREFIX="app-from-env:")
    prefixed = AuthViews(AuthViewsConfig.from_env(environ)).store
    assert isinstance(prefixed, RedisRevocationStore)

    async def revoke_and_check() -> tuple[bool, int]:
        try:
            await prefixed.revoke("jti-env", time.time() + 60)
            return await prefixed.is_revoked("jti-env"), await prefixed.client.delete(
                "app-from-env:revoked:jti-env"
            )
        finally:
            await prefixed.aclose()

    assert asyncio.run(revoke_and_check()) == (True, 1)


def test_redis_store_missing_redis_package_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [name for name in sys.modules if name == "redis" or name.startswith("redis.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "redis", None)
    monkeypatch.delitem(sys.modules, "fastapi_jwt_views.revocation.redis")
    with pytest.raises(ImportError):
        importlib.import_module("fastapi_jwt_views.revocation.redis")
    config = AuthViewsConfig(secret_key=SECRET, redis_url="redis://127.0.0.1:6379/0")
    with pytest.raises(ConfigurationError, match=r'pip install "fastapi-jwt-views\[redis\]"'):
        AuthViews(config)


# -- through an app -----------------------------------------------------------------------------------------
def _app(config: AuthViewsConfig) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    router = APIRouter()

    @router.post("/login/{user}")
    async def login(user: str) -> dict[str, str]:
        return (await authviews.sessions.login(user))._asdict()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/user")
        async def user(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @router.delete("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "Access token revoked"}

        @router.get("/sessions")
        async def sessions(self) -> list[str]:
            return [session.family for session in await self.auth.sessions()]

    @cbv(router)
    class Tokens(RefreshView):
        @router.post("/refresh")
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

    app.include_router(router)
    return app, authviews


@contextmanager
def _serve(url: str, **settings: Any) -> Iterator[tuple[TestClient, AuthViews]]:
    config = AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True, redis_url=url, **settings)
    app, authviews = _app(config)
    store = authviews.store
    assert isinstance(store, RedisRevocationStore)
    with TestClient(app) as client:  # one event loop for every request, as in a server
        try:
            yield client, authviews
        finally:
            client.portal.call(store.aclose)


def _get(client: TestClient, token: str) -> tuple[int, Any, float]:
    start = time.monotonic()
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json(), time.monotonic() - start


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _claims(token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(token, options={"verify_signature": False})
    return claims


def _logout(client: TestClient, token: str) -> int:
    return client.delete("/logout", headers={"Authorization": f"Bearer {token}"}).status_code


def test_redis_app_revoked_token_is_refused_until_it_expires(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with _serve(redis_server.url, redis_key_prefix=redis_prefix, decode_leeway=30) as (client, authviews):
        token, other = authviews.create_access_token("alice"), authviews.create_access_token("alice")
        assert _get(client, token)[:2] == (200, {"user": "alice"})
        assert _logout(client, token) == 200
        assert _get(client, token)[:2] == (401, REVOKED)
        assert _get(client, other)[:2] == (200, {"user": "alice"})
        claims = authviews.codec.decode(token).claims
        store = authviews.store
        assert isinstance(store, RedisRevocationStore)
        ttl = client.portal.call(store.client.pttl, f"{redis_prefix}revoked:jti:{claims['jti']}") / 1000
        assert abs(ttl - (claims["exp"] + 30 - time.time())) < 2  # the token's remaining life + the leeway


def test_redis_app_sessions_and_rotation_are_shared_by_two_workers(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    settings = {"redis_key_prefix": redis_prefix, "refresh_token_rotation": True}
    with _serve(redis_server.url, **settings) as (one, _), _serve(redis_server.url, **settings) as (two, _):
        login = one.post("/login/ann").json()
        family = _claims(login["access_token"])["fam"]
        assert two.get("/sessions", headers=_bearer(login["access_token"])).json() == [family]
        rotated = one.post("/refresh", headers=_bearer(login["refresh_token"])).json()
        replay = two.post("/refresh", headers=_bearer(login["refresh_token"]))  # the copied token, elsewhere
        assert replay.status_code == 401
        assert replay.json() == {"detail": RefreshTokenReusedError.default_detail}
        for client in (one, two):  # the whole login is refused by both
            assert _get(client, rotated["access_token"])[:2] == (401, REVOKED)
            response = client.post("/refresh", headers=_bearer(rotated["refresh_token"]))
            assert (response.status_code, response.json()) == (401, REVOKED)
        other = one.post("/login/ann").json()
        assert two.get("/sessions", headers=_bearer(other["access_token"])).json() == [
            _claims(other["access_token"])["fam"]
        ]


def test_redis_app_redis_killed_answers_503_promptly(start_redis: Callable[..., RedisServer]) -> None:
    server = start_redis()
    with _serve(server.url, redis_cache="off") as (client, authviews):
        token = authviews.create_access_token("alice")
        assert _get(client, token)[0] == 200  # a pooled connection now exists, and goes stale
        server.kill()
        for _ in range(3):
            status, body, elapsed = _get(client, token)
            assert (status, body) == (503, UNAVAILABLE)
            assert elapsed < PROMPTLY
        assert _logout(client, token) == 503


def test_redis_app_redis_hung_answers_503_within_the_timeout(start_redis: Callable[..., RedisServer]) -> None:
    server = start_redis()
    with _serve(server.url, redis_cache="off") as (client, authviews):
        token = authviews.create_access_token("alice")
        assert _get(client, token)[0] == 200
        server.pause()
        try:
            status, body, elapsed = _get(client, token)
        finally:
            server.resume()
        assert (status, body) == (503, UNAVAILABLE)
        assert elapsed < 5  # 1 s socket timeout, one retry
        assert _get(client, token)[0] == 200


def test_redis_app_fail_open_accepts_but_still_refuses_to_revoke(
    start_redis: Callable[..., RedisServer],
) -> None:
    server = start_redis()
    with _serve(server.url, revocation_fail_open=True, redis_cache="off") as (client, authviews):
        token = authviews.create_access_token("alice")
        server.kill()
        status, body, elapsed = _get(client, token)
        assert (status, body) == (200, {"user": "alice"})
        assert elapsed < PROMPTLY
        assert _logout(client, token) == 503  # a revocation is never silently dropped


def test_redis_app_redis_restarted_recovers_without_a_new_app(
    start_redis: Callable[..., RedisServer],
) -> None:
    server = start_redis()
    with _serve(server.url, redis_cache="off") as (client, authviews):
        revoked, token = authviews.create_access_token("alice"), authviews.create_access_token("alice")
        assert _logout(client, revoked) == 200
        server.kill()
        assert _get(client, token)[0] == 503
        server.restart()
        assert _get(client, token)[:2] == (200, {"user": "alice"})  # the very first request recovers
        assert _get(client, revoked)[0] == 200  # without persistence the revocation was lost: use AOF


def test_redis_app_append_only_redis_keeps_revocations_across_a_crash(
    start_redis: Callable[..., RedisServer],
) -> None:
    server = start_redis(appendonly=True)
    with _serve(server.url) as (client, authviews):
        revoked, token = authviews.create_access_token("alice"), authviews.create_access_token("alice")
        assert _logout(client, revoked) == 200
        server.kill()
        server.restart()
        assert _get(client, revoked)[:2] == (401, REVOKED)
        assert _get(client, token)[0] == 200
        store = authviews.store
        assert isinstance(store, RedisRevocationStore)
        jti = authviews.codec.decode(revoked).claims["jti"]
        assert client.portal.call(store.client.pttl, store.revoked_key(jti_key(jti))) > 14 * 60 * 1000  # kept
