"""``AUTHJWT_SESSIONS_PER_IDENTITY`` holds under concurrent logins: counted and saved in one atomic step.

Logins of one identity racing each other (tasks on one event loop against a real redis-server, two
"workers" sharing it, threads against the memory store) must never leave more records than the limit; a
save resent after it went through is not refused; a store of the application's own whose
``save_session`` takes no ``limit`` still gets the limit, checked before the save.
"""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest

from fastapi_jwt_views import AuthViews, AuthViewsConfig, SessionLimitError
from fastapi_jwt_views.revocation import LoginSession, MemoryRevocationStore
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

SECRET = "session-limit-test-secret-0123456789-abcdef"
LIMIT = 4


def _config(**settings: Any) -> AuthViewsConfig:
    return AuthViewsConfig(
        secret_key=SECRET, blacklist_enabled=True, sessions_per_identity=LIMIT, **settings
    )


def _session(family: str, identity: str = "alice") -> LoginSession:
    now = time.time()
    return LoginSession(family, identity, now, now, now + 600)


async def _race(authviews: list[AuthViews], logins: int) -> tuple[int, int]:
    """``logins`` concurrent logins of one identity, spread over ``authviews``: (accepted, refused)."""

    async def login(index: int) -> bool:
        try:
            await authviews[index % len(authviews)].sessions.login("alice")
        except SessionLimitError:
            return False
        return True

    results = await asyncio.gather(*(login(index) for index in range(logins)))
    return results.count(True), results.count(False)


def test_session_limit_concurrent_logins_on_redis_never_overshoot(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async def main() -> None:
        # two apps sharing one Redis: two workers; each login awaits Redis between the count and the save
        workers = [
            AuthViews(_config(redis_url=redis_server.url, redis_key_prefix=redis_prefix)) for _ in range(2)
        ]
        try:
            accepted, refused = await _race(workers, 24)
            assert (accepted, refused) == (LIMIT, 24 - LIMIT)
            assert len(await workers[0].sessions.list("alice")) == LIMIT
            assert len(await workers[1].sessions.list("alice")) == LIMIT
            other = await workers[1].sessions.login("bob")  # another identity is not refused
            assert (await workers[0].verify(other.refresh_token, "refresh")).identity == "bob"
        finally:
            for authviews in workers:
                await authviews.aclose()

    asyncio.run(main())


def test_session_limit_redis_store_saves_nothing_past_the_limit_and_a_resent_save_passes(
    redis_server: RedisServer, redis_prefix: str
) -> None:
    async def main() -> None:
        store = RedisRevocationStore(url=redis_server.url, prefix=redis_prefix)
        try:
            for family in ("a", "b"):
                await store.save_session(_session(family), limit=2)
            with pytest.raises(SessionLimitError):
                await store.save_session(_session("c"), limit=2)
            await store.save_session(_session("b"), limit=2)  # the same save resent: its own family
            assert [s.family for s in await store.list_sessions("alice")] == ["a", "b"]
            await store.save_session(_session("c", identity="bob"), limit=2)  # counted per identity
            assert [s.family for s in await store.list_sessions("bob")] == ["c"]
        finally:
            await store.aclose()

    asyncio.run(main())


def test_session_limit_memory_store_saves_nothing_past_the_limit_and_a_resent_save_passes() -> None:
    async def main() -> None:
        store = MemoryRevocationStore()
        for family in ("a", "b"):
            await store.save_session(_session(family), limit=2)
        with pytest.raises(SessionLimitError):
            await store.save_session(_session("c"), limit=2)
        await store.save_session(_session("b"), limit=2)
        assert [s.family for s in await store.list_sessions("alice")] == ["a", "b"]

    asyncio.run(main())


def test_session_limit_concurrent_logins_from_threads_on_the_memory_store_never_overshoot() -> None:
    authviews = AuthViews(_config())
    threads, start = 16, threading.Barrier(16)
    outcomes: list[bool] = []
    lock = threading.Lock()

    def login() -> None:
        start.wait()
        try:
            asyncio.run(authviews.sessions.login("alice"))
            outcome = True
        except SessionLimitError:
            outcome = False
        with lock:
            outcomes.append(outcome)

    workers = [threading.Thread(target=login) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    assert (outcomes.count(True), outcomes.count(False)) == (LIMIT, threads - LIMIT)
    assert len(asyncio.run(authviews.sessions.list("alice"))) == LIMIT


class _OwnStore(MemoryRevocationStore):
    """A store of the application's own whose ``save_session`` takes no ``limit``."""

    async def save_session(self, session: LoginSession) -> None:  # type: ignore[override]
        await super().save_session(session)


def test_session_limit_store_without_limit_parameter_is_counted_before_saving() -> None:
    authviews = AuthViews(_config(), store=_OwnStore())

    async def main() -> None:
        accepted, refused = await _race([authviews], 10)  # one loop, nothing awaits really: in turn
        assert (accepted, refused) == (LIMIT, 10 - LIMIT)

    asyncio.run(main())


def test_session_limit_refresh_of_a_family_without_record_counts_too() -> None:
    # create_token_pair makes a family without a record; its first refresh records it, within the limit
    authviews = AuthViews(_config(refresh_token_rotation=True))

    async def main() -> None:
        for _ in range(LIMIT):
            await authviews.sessions.login("alice")
        pair = authviews.create_token_pair("alice")
        with pytest.raises(SessionLimitError):
            await authviews.sessions.refresh(await authviews.verify(pair.refresh_token, "refresh"))
        assert len(await authviews.sessions.list("alice")) == LIMIT

    asyncio.run(main())
