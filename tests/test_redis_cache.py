"""The Redis store's cache of unrevoked ids (``AUTHJWT_REDIS_CACHE=pubsub``) on a real redis-server: a
revocation made through one store is refused by another within the consistency window; a stalled, killed
or disconnected subscription makes every check a round trip again (failing closed), never a stale answer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Callable

import pytest
import redis
import redis.asyncio

from fastapi_jwt_views import AuthViewsConfig
from fastapi_jwt_views.errors import ConfigurationError
from fastapi_jwt_views.revocation.redis import RedisRevocationStore
from tests.redis_server import RedisServer

WINDOW = 0.05
GENEROUS = 3.0  # the machine is loaded: propagation is asserted within this, measured in benchmarks/
KEYS = ("jti:a", "family:f")
pytestmark = pytest.mark.anyio


def _exists_calls(server: RedisServer) -> int:
    stats = redis.Redis.from_url(server.url).info("commandstats")
    return int(stats.get("cmdstat_exists", {}).get("calls", 0))


async def _until(condition: Callable[[], object], timeout: float = GENEROUS) -> float:
    """Wait (polling) until ``condition()`` is true; return how long it took."""
    start = time.monotonic()
    while not condition():
        assert time.monotonic() - start < timeout, "condition not reached in time"
        await asyncio.sleep(0.002)
    return time.monotonic() - start


async def _warm(store: RedisRevocationStore, *keys: str) -> None:
    """Ask until the answer comes from memory (the subscription confirmed alive, the ids remembered)."""
    assert store.cache is not None
    cache = store.cache

    async def remembered() -> bool:
        assert not await store.is_revoked(*keys)
        return cache.known_absent(keys)

    start = time.monotonic()
    while not await remembered():
        assert time.monotonic() - start < GENEROUS, "the cache never became trusted"
        await asyncio.sleep(0.005)


@pytest.fixture
async def stores(redis_server: RedisServer, redis_prefix: str) -> AsyncIterator[list[RedisRevocationStore]]:
    made = [RedisRevocationStore(url=redis_server.url, prefix=redis_prefix, cache=True) for _ in range(2)]
    yield made
    for store in made:
        await store.aclose()


async def test_cache_warm_check_sends_no_command(
    redis_server: RedisServer, stores: list[RedisRevocationStore]
) -> None:
    store = stores[0]
    await _warm(store, *KEYS)
    before = _exists_calls(redis_server)
    for _ in range(50):
        assert not await store.is_revoked(*KEYS)
    assert _exists_calls(redis_server) == before


@pytest.mark.parametrize("key", KEYS)
async def test_cache_revocation_on_another_store_refused_there(
    stores: list[RedisRevocationStore], key: str
) -> None:
    first, second = stores
    await _warm(second, *KEYS)
    assert await first.revoke(key, time.time() + 60)

    async def refused() -> bool:
        return await second.is_revoked(*KEYS)

    start = time.monotonic()
    while not await refused():
        assert time.monotonic() - start < GENEROUS
        await asyncio.sleep(0.001)
    assert second.cache is not None and key not in second.cache._absent


async def test_cache_own_revocation_refused_at_once(stores: list[RedisRevocationStore]) -> None:
    store = stores[0]
    await _warm(store, *KEYS)
    assert await store.revoke("jti:a", time.time() + 60)
    assert await store.is_revoked(*KEYS)  # no wait: this worker forgot the id before answering


async def test_cache_revoked_id_never_remembered(
    redis_server: RedisServer, stores: list[RedisRevocationStore]
) -> None:
    store = stores[0]
    await _warm(store, "jti:other")
    assert await store.revoke("jti:a", time.time() + 60)
    before = _exists_calls(redis_server)
    assert await store.is_revoked("jti:a")
    assert await store.is_revoked("jti:a")
    assert _exists_calls(redis_server) == before + 2  # a revoked id is asked every time


async def test_cache_dropped_subscription_forgets_everything(
    redis_server: RedisServer, redis_prefix: str, stores: list[RedisRevocationStore]
) -> None:
    first, second = stores
    await _warm(second, *KEYS)
    admin = redis.Redis.from_url(redis_server.url)
    # Cut the subscriptions, then revoke before they are back: the message is lost to them.
    admin.client_kill_filter(_type="pubsub")
    await first.revoke("jti:a", time.time() + 60)
    await asyncio.sleep(WINDOW * 1.2)  # the guarantee: refused once the window has passed, message or not
    assert await second.is_revoked(*KEYS)


async def test_cache_paused_server_fails_closed(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    server = start_redis()
    store = RedisRevocationStore(url=server.url, prefix=redis_prefix, cache=True, timeout=0.3)
    try:
        await _warm(store, *KEYS)
        server.pause()
        try:
            await asyncio.sleep(WINDOW * 2)  # beyond the window: the subscription is no longer trusted
            with pytest.raises(redis.exceptions.RedisError):
                await store.is_revoked(*KEYS)
        finally:
            server.resume()
        await _warm(store, *KEYS)  # trusted again once it answers
    finally:
        await store.aclose()


async def test_cache_killed_server_fails_closed(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    server = start_redis()
    store = RedisRevocationStore(url=server.url, prefix=redis_prefix, cache=True, timeout=0.3)
    try:
        await _warm(store, *KEYS)
        server.kill()
        await asyncio.sleep(WINDOW * 2)
        with pytest.raises(redis.exceptions.RedisError):
            await store.is_revoked(*KEYS)
        server.start()
        await _warm(store, *KEYS)  # the listener reconnects by itself
    finally:
        await store.aclose()


async def test_cache_off_asks_every_time(redis_server: RedisServer, redis_prefix: str) -> None:
    store = RedisRevocationStore(url=redis_server.url, prefix=redis_prefix)
    try:
        assert store.cache is None
        before = _exists_calls(redis_server)
        for _ in range(3):
            assert not await store.is_revoked(*KEYS)
        assert _exists_calls(redis_server) == before + 3
    finally:
        await store.aclose()


async def test_cache_off_store_revocation_reaches_cached_store(
    redis_server: RedisServer, redis_prefix: str, stores: list[RedisRevocationStore]
) -> None:
    strict = RedisRevocationStore(url=redis_server.url, prefix=redis_prefix)
    cached = stores[0]
    try:
        await _warm(cached, *KEYS)
        await strict.revoke("family:f", None)

        async def refused() -> bool:
            return await cached.is_revoked(*KEYS)

        start = time.monotonic()
        while not await refused():
            assert time.monotonic() - start < GENEROUS
            await asyncio.sleep(0.001)
    finally:
        await strict.aclose()


@pytest.mark.parametrize(
    ("value", "cached"), [(None, True), ("pubsub", True), ("off", False), (" OFF ", False)]
)
def test_config_redis_cache_setting_chooses_mode(
    monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer, value: str | None, cached: bool
) -> None:
    if value is not None:
        monkeypatch.setenv("AUTHJWT_REDIS_CACHE", value)
    monkeypatch.setenv("AUTHJWT_REDIS_URL", redis_server.url)
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", "k" * 32)
    store = RedisRevocationStore.from_config(AuthViewsConfig.from_env())
    assert (store.cache is not None) is cached


@pytest.mark.parametrize("value", ["on", "tracking"])
def test_config_redis_cache_unknown_value_names_choices(value: str) -> None:
    with pytest.raises(ConfigurationError, match=r"AUTHJWT_REDIS_CACHE.*'pubsub'.*'off'"):
        AuthViewsConfig(secret_key="k" * 32, redis_cache=value)


def test_cache_aclose_right_after_first_check_returns(redis_server: RedisServer, redis_prefix: str) -> None:
    store = RedisRevocationStore(url=redis_server.url, prefix=redis_prefix, cache=True)

    async def use_and_close() -> bool:
        try:
            await store.revoke("jti:a", time.time() + 60)
            return await store.is_revoked("jti:a")  # starts the listener, which aclose must stop
        finally:
            await store.aclose()

    start = time.monotonic()
    assert asyncio.run(use_and_close())
    assert time.monotonic() - start < GENEROUS


async def test_cache_revocation_sent_twice_answers_alike_and_is_refused_everywhere(
    stores: list[RedisRevocationStore],
) -> None:
    first, second = stores
    await _warm(first, *KEYS)
    await _warm(second, *KEYS)
    expiry = time.time() + 60
    assert await first.revoke("jti:a", expiry, by="logout-1")
    assert await first.revoke("jti:a", expiry, by="logout-1")  # a resent call: the same answer
    assert not await second.revoke("jti:a", expiry, by="logout-2")  # another worker's copy: already done
    await asyncio.sleep(WINDOW * 2)
    assert await first.is_revoked(*KEYS) and await second.is_revoked(*KEYS)


@pytest.mark.parametrize("through", [0, 1])
async def test_cache_revocation_while_subscriptions_reconnect_is_refused_everywhere(
    redis_server: RedisServer, stores: list[RedisRevocationStore], through: int
) -> None:
    for store in stores:
        await _warm(store, *KEYS)
    with redis.Redis.from_url(redis_server.url) as admin:
        admin.client_kill_filter(_type="pubsub")  # both subscriptions drop; redis-py reconnects them
    assert await stores[through].revoke("family:f", time.time() + 60)
    await asyncio.sleep(WINDOW * 2)
    for store in stores:
        assert await store.is_revoked(*KEYS)
    for store in stores:  # once trusted again, the revoked id is still asked, never remembered
        await _warm(store, "jti:other")
        assert await store.is_revoked(*KEYS)


async def test_cache_aclose_ends_the_listener_even_if_redis_py_swallows_the_cancellation(
    start_redis: Callable[..., RedisServer], redis_prefix: str
) -> None:
    """redis-py sends with ``asyncio.wait_for``, which (Python < 3.12) returns normally when the task is
    cancelled as the send completes: the listener must stop anyway, or the app's shutdown hangs. With a
    password the timing makes this frequent (before the fix, about one run in two hung within 30 tries)."""
    server = start_redis()
    with redis.Redis.from_url(server.url) as admin:
        admin.config_set("requirepass", "pw")
    url = f"redis://:pw@127.0.0.1:{server.port}/0"
    for _ in range(60):
        store = RedisRevocationStore(url=url, prefix=redis_prefix, cache=True)
        await store.check()
        for _ in range(3):  # the listener starts, then pings every window / 4
            await store.is_revoked(*KEYS)
            await asyncio.sleep(0.01)
        assert store.cache is not None
        task = store.cache._task
        start = time.monotonic()
        await store.aclose()
        assert task is not None and task.done()
        assert time.monotonic() - start < 1.5  # aclose gives up waiting after 2 s


async def test_cache_each_outage_is_logged_and_recovered_from(
    start_redis: Callable[..., RedisServer], redis_prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    server = start_redis()
    store = RedisRevocationStore(url=server.url, prefix=redis_prefix, cache=True, timeout=0.3)
    try:
        with caplog.at_level(logging.WARNING, "fastapi_jwt_views"):
            for outage in (1, 2):
                await _warm(store, *KEYS)
                server.kill()
                await _until(lambda n=outage: caplog.text.count("subscription lost") == n)
                await asyncio.sleep(1.2)  # several failed attempts to subscribe again
                server.start()
        await _warm(store, *KEYS)  # back without waiting for a long backoff after the second outage
    finally:
        await store.aclose()
