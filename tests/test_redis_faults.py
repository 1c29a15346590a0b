"""Sessions and rotation on a real redis-server that stalls (SIGSTOP beyond the socket timeout, so redis-py
resends the command) or dies (SIGKILL) between two steps of an operation.

The store under test is the real ``RedisRevocationStore``; a subclass only adds a hook that pauses or kills
the server just before one chosen call, so that the fault lands exactly between two steps.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import redis
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    LoginSession,
    ProtectedView,
    RefreshView,
    SessionLimitError,
    cbv,
)
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = "f" * 32
TIMEOUT = 0.5  # the store's socket timeout: a stall of 1.5x makes redis-py time out and resend once
REVOKED = {"detail": "Token has been revoked"}


class FaultyStore(RedisRevocationStore):
    """The real Redis store, with a fault injected before the n-th call of one kind."""

    def __init__(self, server: RedisServer, **kwargs: Any) -> None:
        super().__init__(url=server.url, timeout=TIMEOUT, cache=False, **kwargs)  # the strict mode
        self.server = server
        self.fault: Callable[[], None] | None = None
        self.when: Callable[[str, Any], bool] = lambda call, arg: False
        self.faults = 0

    def _maybe_fault(self, call: str, arg: Any) -> None:
        if self.fault is not None and self.when(call, arg):
            self.faults += 1
            fault, self.fault = self.fault, None
            fault()

    async def revoke(self, key: str, expires_at: float | None, *, by: str | None = None) -> bool:
        self._maybe_fault("revoke", key)
        return await super().revoke(key, expires_at, by=by)

    async def save_session(self, session: LoginSession, *, limit: int | None = None) -> None:
        self._maybe_fault("save_session", session)
        await super().save_session(session, limit=limit)


def _stall(server: RedisServer, seconds: float = 1.5 * TIMEOUT) -> Callable[[], None]:
    def fault() -> None:
        server.pause()
        threading.Timer(seconds, server.resume).start()

    return fault


@contextmanager
def _serve(server: RedisServer, **settings: Any) -> Iterator[tuple[TestClient, AuthViews, FaultyStore]]:
    config = AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, refresh_token_rotation=True, **settings
    )
    store = FaultyStore(server)
    authviews = AuthViews(config, store=store)
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    @router.post("/login/{user}")
    async def login(user: str) -> dict[str, str]:
        return (await authviews.sessions.login(user))._asdict()

    @cbv(router)
    class Account(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

        @router.delete("/sessions")
        async def end_all(self) -> dict[str, int]:
            return {"ended": await self.auth.revoke_all_sessions()}

    @cbv(router)
    class Tokens(RefreshView):
        @router.post("/refresh")
        async def refresh(self) -> dict[str, str]:
            return (await self.auth.refresh())._asdict()

    app.include_router(router)
    with TestClient(app) as client:
        yield client, authviews, store


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _script_runs(server: RedisServer) -> int:
    """How many times Redis ran a cached script (EVALSHA) so far: a resent call counts twice."""
    with redis.Redis.from_url(server.url) as client:
        return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def _assert_all_refused(client: TestClient, logins: list[dict[str, str]]) -> None:
    for login in logins:
        access = client.get("/me", headers=_bearer(login["access_token"]))
        assert (access.status_code, access.json()) == (401, REVOKED)
        refresh = client.post("/refresh", headers=_bearer(login["refresh_token"]))
        assert (refresh.status_code, refresh.json()) == (401, REVOKED)


def test_redis_faults_log_out_everywhere_stalled_mid_way_leaves_no_device(
    start_redis: Callable[..., RedisServer],
) -> None:
    """The reported fault: 3 sessions, Redis stalls beyond the socket timeout while the records are
    updated, redis-py resends; the answer must still be "3 ended", and every device must be refused."""
    server = start_redis()
    with _serve(server) as (client, _authviews, store):
        logins = [client.post("/login/ann").json() for _ in range(3)]
        client.portal.call(store.revoke, "jti:warm-up", None)  # both scripts are now cached by Redis
        store.fault = _stall(server)
        store.when = lambda call, arg: call == "save_session" and arg.ended_at is not None
        before = _script_runs(server)
        response = client.delete("/sessions", headers=_bearer(logins[1]["access_token"]))
        assert store.faults == 1
        # 3 families, 3 records (one of them sent twice), the caller's family once more
        assert _script_runs(server) == before + 3 + 3 + 1 + 1
        assert (response.status_code, response.json()) == (200, {"ended": 3})
        _assert_all_refused(client, logins)


def test_redis_faults_login_stalled_while_saved_within_the_limit_is_one_session(
    start_redis: Callable[..., RedisServer],
) -> None:
    """A login's save (the limit counted and the record saved in one script) stalls beyond the socket
    timeout and redis-py resends it: the resent script finds the login's own record, so the login
    answers its tokens rather than 429, and the identity holds exactly the limit afterwards."""
    server = start_redis()
    with _serve(server, sessions_per_identity=2) as (client, authviews, store):
        first = client.post("/login/ann")
        assert first.status_code == 200
        store.fault = _stall(server)
        store.when = lambda call, arg: call == "save_session" and arg.ended_at is None
        before = _script_runs(server)
        second = client.post("/login/ann")
        assert store.faults == 1
        assert _script_runs(server) == before + 2  # the one save, sent twice
        assert second.status_code == 200, second.text
        assert client.get("/me", headers=_bearer(second.json()["access_token"])).json() == {"user": "ann"}
        third = client.post("/login/ann")
        assert (third.status_code, third.json()) == (429, {"detail": SessionLimitError.default_detail})
        assert len(client.portal.call(authviews.sessions.list, "ann")) == 2


def test_redis_faults_log_out_everywhere_killed_between_two_families_is_finished_by_a_retry(
    start_redis: Callable[..., RedisServer],
) -> None:
    server = start_redis(appendonly=True)
    with _serve(server) as (client, authviews, store):
        logins = [client.post("/login/ann").json() for _ in range(3)]
        revoked: list[str] = []

        def second_family(call: str, arg: Any) -> bool:
            if call == "revoke" and arg.startswith("family:"):
                revoked.append(arg)
            return len(revoked) == 2

        store.fault, store.when = server.kill, second_family
        response = client.delete("/sessions", headers=_bearer(logins[2]["access_token"]))
        assert response.status_code == 503
        server.start()  # the append-only file brings back what was written before the crash
        alive = [x for x in logins if client.get("/me", headers=_bearer(x["access_token"])).is_success]
        assert len(alive) == 2  # the first family was revoked before the crash, the others not yet
        retry = client.delete("/sessions", headers=_bearer(alive[0]["access_token"]))
        assert (retry.status_code, retry.json()) == (200, {"ended": 3})  # the first record was not ended
        _assert_all_refused(client, logins)
        assert client.portal.call(authviews.sessions.list, "ann") == []


def test_redis_faults_log_out_everywhere_killed_before_the_records_leaves_every_token_refused(
    start_redis: Callable[..., RedisServer],
) -> None:
    server = start_redis(appendonly=True)
    with _serve(server) as (client, authviews, store):
        logins = [client.post("/login/ann").json() for _ in range(3)]
        store.fault = server.kill
        store.when = lambda call, arg: call == "save_session" and arg.ended_at is not None
        response = client.delete("/sessions", headers=_bearer(logins[0]["access_token"]))
        assert response.status_code == 503
        server.start()
        _assert_all_refused(client, logins)  # every family was revoked before any record was touched
        assert len(client.portal.call(authviews.sessions.list, "ann")) == 3
        assert client.portal.call(authviews.sessions.revoke_all, "ann") == 3  # a retry finishes the job
        assert client.portal.call(authviews.sessions.list, "ann") == []


def test_redis_faults_rotation_stalled_beyond_the_socket_timeout_is_not_reuse(
    start_redis: Callable[..., RedisServer], caplog: pytest.LogCaptureFixture
) -> None:
    server = start_redis()
    with _serve(server) as (client, _authviews, store):
        first = client.post("/refresh", headers=_bearer(client.post("/login/ann").json()["refresh_token"]))
        login = first.json()  # Redis now has the consumption script cached: a resent EVALSHA runs twice
        store.fault = _stall(server)
        store.when = lambda call, arg: call == "revoke" and arg.startswith("jti:")
        before = _script_runs(server)
        start = time.monotonic()
        response = client.post("/refresh", headers=_bearer(login["refresh_token"]))
        assert time.monotonic() - start > TIMEOUT and store.faults == 1
        assert _script_runs(server) == before + 2 + 2  # the consumption ran twice; then the record, twice
        assert response.status_code == 200, response.text
        rotated = response.json()
        assert client.get("/me", headers=_bearer(rotated["access_token"])).status_code == 200
        again = client.post("/refresh", headers=_bearer(rotated["refresh_token"]))
        assert again.status_code == 200, again.text  # the login is alive
        replay = client.post("/refresh", headers=_bearer(login["refresh_token"]))  # a real second use
        assert replay.json()["detail"].startswith("Refresh token reuse detected")
    assert "reuse detected" in caplog.text


def test_redis_faults_reuse_race_between_workers_is_logged_once(
    redis_server: RedisServer, redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    config = AuthViewsConfig(
        secret_key=SECRET,
        blacklist_enabled=True,
        refresh_token_rotation=True,
        redis_url=redis_server.url,
        redis_key_prefix=redis_prefix,
    )
    workers = [AuthViews(config) for _ in range(6)]

    async def race() -> list[BaseException | Any]:
        try:
            pair = await workers[0].sessions.login("ann")
            await workers[0].verify(pair.refresh_token, "refresh")  # the owner's refresh
            return await asyncio.gather(
                *(worker.verify(pair.refresh_token, "refresh") for worker in workers), return_exceptions=True
            )
        finally:
            for worker in workers:
                await worker.aclose()

    with caplog.at_level(logging.WARNING, "fastapi_jwt_views"):
        results = asyncio.run(race())
    assert all(getattr(result, "status_code", None) == 401 for result in results)
    assert sum("reuse detected" in record.message for record in caplog.records) == 1


def test_redis_sessions_one_identity_looping_holds_a_bounded_number_of_keys(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    config = AuthViewsConfig(
        secret_key=SECRET,
        blacklist_enabled=True,
        refresh_token_rotation=True,
        redis_url=redis_server.url,
        redis_key_prefix=redis_prefix,
        sessions_per_identity=20,
    )
    authviews = AuthViews(config)

    async def loop() -> tuple[int, int, int]:
        done = refused = 0
        try:
            for _ in range(300):
                try:
                    await authviews.sessions.login("mallory")
                except SessionLimitError:
                    refused += 1
                    continue
                await authviews.sessions.revoke_all("mallory")
                done += 1
            store = authviews.store
            assert isinstance(store, RedisRevocationStore)
            keys = [key async for key in store.client.scan_iter(f"{redis_prefix}*")]
            other = await authviews.sessions.login("alice")  # someone else is not refused
            await authviews.verify(other.refresh_token, "refresh")
            assert await authviews.sessions.revoke_all("alice") == 1
            return done, refused, len(keys)
        finally:
            await authviews.aclose()

    done, refused, keys = asyncio.run(loop())
    assert (done, refused) == (20, 280)
    assert keys == 20 + 2  # a revoked family each, and mallory's two session keys
