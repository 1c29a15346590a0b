"""The default Redis mode (``AUTHJWT_REDIS_CACHE=pubsub``) as an application sees it, on real redis-servers:
one subscription per store, opened at the first check and closed at shutdown; a revocation made by one app
refused by another once the consistency window has passed; a paused or killed server fails closed (503)
once the window has passed, and recovers; no subscription at all without revocation.

The strict mode (``off``) has its fault tests in tests/test_redis_store.py and tests/test_redis_faults.py.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = "p" * 32
WINDOW = 0.05  # the cache's consistency window (seconds)
AFTER_WINDOW = 2 * WINDOW
GENEROUS = 5.0  # the machine is loaded: waits are bounded by this, never asserted to be short
REVOKED = {"detail": "Token has been revoked"}
UNAVAILABLE = {"detail": "Token revocation store is unavailable"}


def _app(url: str, prefix: str, **settings: Any) -> tuple[FastAPI, AuthViews]:
    settings.setdefault("blacklist_enabled", True)
    config = AuthViewsConfig(secret_key=SECRET, redis_url=url, redis_key_prefix=prefix, **settings)
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    router = APIRouter()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, object]:
            return {"user": self.auth.identity}

        @router.post("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "revoked"}

    @app.get("/compat")
    async def compat(Authorize: AuthJWT = Depends()) -> dict[str, object]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/compat-logout")
    async def compat_logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        await Authorize.revoke_token()
        return {"detail": "revoked"}

    app.include_router(router)
    return app, authviews


def _store(authviews: AuthViews) -> RedisRevocationStore:
    store = authviews.store
    assert isinstance(store, RedisRevocationStore)
    return store


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _subscribers(server: RedisServer, channel: str) -> int:
    with redis.Redis.from_url(server.url) as admin:
        return int(dict(admin.pubsub_numsub(channel))[channel.encode()])


def _exists_calls(server: RedisServer) -> int:
    with redis.Redis.from_url(server.url) as admin:
        return int(admin.info("commandstats").get("cmdstat_exists", {}).get("calls", 0))


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + GENEROUS
    while not condition():
        assert time.monotonic() < deadline, f"{what} not reached within {GENEROUS} s"
        time.sleep(0.005)


def _warm(client: TestClient, server: RedisServer, token: str, path: str = "/me") -> None:
    """Request until a check is answered from memory: a 200 that sent Redis no EXISTS."""

    def from_memory() -> bool:
        before = _exists_calls(server)
        assert client.get(path, headers=_bearer(token)).status_code == 200
        return _exists_calls(server) == before

    _until(from_memory, "a check answered from memory")


@contextmanager
def _serve(url: str, prefix: str, **settings: Any) -> Iterator[tuple[TestClient, AuthViews]]:
    app, authviews = _app(url, prefix, **settings)
    with TestClient(app) as client:
        yield client, authviews


def test_redis_default_mode_is_pubsub_and_answers_warm_checks_from_memory(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with _serve(redis_server.url, redis_prefix) as (client, authviews):
        assert authviews.config.redis_cache == "pubsub"
        assert _store(authviews).cache is not None
        token = authviews.create_access_token("ann")
        _warm(client, redis_server, token)
        assert client.post("/logout", headers=_bearer(token)).status_code == 200
        response = client.get("/me", headers=_bearer(token))  # the worker that revoked refuses at once
        assert (response.status_code, response.json()) == (401, REVOKED)


def test_redis_default_store_subscribes_once_and_closes_at_shutdown(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    channel = f"{redis_prefix}revoked"
    with _serve(redis_server.url, redis_prefix) as (client, authviews):
        cache = _store(authviews).cache
        assert cache is not None and _subscribers(redis_server, channel) == 0  # nothing before a check
        token = authviews.create_access_token("ann")
        _warm(client, redis_server, token)
        assert _subscribers(redis_server, channel) == 1
        task = cache._task
        assert task is not None
    assert task.done() and cache._task is None
    _until(lambda: _subscribers(redis_server, channel) == 0, "the subscription closed")
    gc.collect()  # an unclosed connection or a pending task would warn here (filterwarnings = error)


def test_redis_default_revocation_in_one_app_refused_by_another_after_the_window(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with (
        _serve(redis_server.url, redis_prefix) as (one, authviews),
        _serve(redis_server.url, redis_prefix) as (two, _),
    ):
        token = authviews.create_access_token("ann")
        _warm(two, redis_server, token)  # the other worker remembers the token as not revoked
        assert one.post("/logout", headers=_bearer(token)).status_code == 200
        time.sleep(AFTER_WINDOW)  # the promise: refused everywhere from the window on, whatever happens
        for _ in range(5):
            response = two.get("/me", headers=_bearer(token))
            assert (response.status_code, response.json()) == (401, REVOKED)


@pytest.mark.parametrize("logout", ["/logout", "/compat-logout"])
def test_redis_default_compat_api_revocation_refused_by_another_app(
    redis_server: RedisServer, redis_prefix: str, logout: str
) -> None:
    with (
        _serve(redis_server.url, redis_prefix) as (one, authviews),
        _serve(redis_server.url, redis_prefix) as (two, _),
    ):
        token = authviews.create_access_token("ann")
        _warm(two, redis_server, token, "/compat")
        assert one.post(logout, headers=_bearer(token)).json() == {"detail": "revoked"}
        time.sleep(AFTER_WINDOW)
        response = two.get("/compat", headers=_bearer(token))
        assert (response.status_code, response.json()) == (401, REVOKED)
        response = one.get("/compat", headers=_bearer(token))
        assert (response.status_code, response.json()) == (401, REVOKED)


def test_redis_default_apps_with_other_prefixes_and_servers_keep_apart(
    redis_server: RedisServer, start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    other_server = start_redis()
    other_prefix = f"{redis_prefix}other:"
    with (
        _serve(redis_server.url, redis_prefix) as (one, authviews),
        _serve(redis_server.url, other_prefix) as (two, _),
        _serve(other_server.url, redis_prefix) as (three, _),
    ):
        token = authviews.create_access_token("ann")
        for client, server in ((one, redis_server), (two, redis_server), (three, other_server)):
            _warm(client, server, token)
        assert _subscribers(redis_server, f"{redis_prefix}revoked") == 1
        assert _subscribers(redis_server, f"{other_prefix}revoked") == 1
        assert _subscribers(other_server, f"{redis_prefix}revoked") == 1
        assert one.post("/logout", headers=_bearer(token)).status_code == 200
        time.sleep(AFTER_WINDOW)
        assert one.get("/me", headers=_bearer(token)).status_code == 401
        assert two.get("/me", headers=_bearer(token)).json() == {"user": "ann"}  # its own revocations
        assert three.get("/me", headers=_bearer(token)).json() == {"user": "ann"}


def test_redis_default_without_revocation_opens_no_subscription(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    with _serve(redis_server.url, redis_prefix, blacklist_enabled=False) as (client, authviews):
        token = authviews.create_access_token("ann")
        for _ in range(5):
            assert client.get("/me", headers=_bearer(token)).json() == {"user": "ann"}
        cache = _store(authviews).cache
        assert cache is not None and cache._task is None
        assert _subscribers(redis_server, f"{redis_prefix}revoked") == 0


def test_redis_default_paused_server_fails_closed_after_the_window_then_recovers(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    server = start_redis()
    with _serve(server.url, redis_prefix) as (client, authviews):
        token = authviews.create_access_token("ann")
        _warm(client, server, token)
        server.pause()  # beyond the 1 s socket timeout: redis-py resends once, then gives up
        try:
            time.sleep(AFTER_WINDOW)  # no pong since: the remembered answers are no longer trusted
            response = client.get("/me", headers=_bearer(token))
        finally:
            server.resume()
        assert (response.status_code, response.json()) == (503, UNAVAILABLE)
        assert client.get("/me", headers=_bearer(token)).json() == {"user": "ann"}
        _warm(client, server, token)  # trusted again once the subscription answers


def test_redis_default_killed_server_fails_closed_then_restart_recovers(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    server = start_redis()
    with _serve(server.url, redis_prefix) as (client, authviews):
        token, revoked = authviews.create_access_token("ann"), authviews.create_access_token("ann")
        _warm(client, server, token)
        assert client.post("/logout", headers=_bearer(revoked)).status_code == 200
        server.kill()
        time.sleep(AFTER_WINDOW)
        for _ in range(3):
            response = client.get("/me", headers=_bearer(token))
            assert (response.status_code, response.json()) == (503, UNAVAILABLE)
        assert client.post("/logout", headers=_bearer(token)).status_code == 503
        server.start()
        assert client.get("/me", headers=_bearer(token)).json() == {"user": "ann"}
        _warm(client, server, token)  # the subscription is back by itself
        assert client.get("/me", headers=_bearer(revoked)).status_code == 200  # lost: no persistence
