"""The cost of one revocation check (memory store, Redis with and without the pubsub cache) and the window
in which a revocation made in one process is still accepted by another process sharing the redis-server.

    python benchmarks/redis_cache.py [--url redis://127.0.0.1:6379/0] [--checks 20000] [--revocations 50]

Without ``--url`` a redis-server is started for the run (tests/redis_server.py). Prints µs per check and
the ratio to the memory store, then min / median / max of the propagation window in ms.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fastapi_jwt_views.revocation import MemoryRevocationStore
from fastapi_jwt_views.revocation.redis import RedisRevocationStore

KEYS = ("jti:0123456789abcdef", "family:fedcba9876543210")


async def _per_check(store: MemoryRevocationStore | RedisRevocationStore, checks: int) -> float:
    for _ in range(200):  # warm up (and let the cache's subscription confirm itself)
        await store.is_revoked(*KEYS)
        await asyncio.sleep(0.001)
    start = time.perf_counter()
    for _ in range(checks):
        await store.is_revoked(*KEYS)
    return (time.perf_counter() - start) / checks * 1e6


def _revoker(url: str, prefix: str, go: multiprocessing.Queue, done: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    async def run() -> None:
        store = RedisRevocationStore(url=url, prefix=prefix)
        while (key := go.get()) is not None:
            await store.revoke(key, time.time() + 60)
            done.put(time.time())  # the revocation has finished here
        await store.aclose()

    asyncio.run(run())


async def _windows(url: str, revocations: int) -> list[float]:
    prefix = f"bench-{uuid.uuid4().hex[:8]}:"
    store = RedisRevocationStore(url=url, prefix=prefix, cache=True)
    go: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    done: multiprocessing.Queue = multiprocessing.Queue()  # type: ignore[type-arg]
    worker = multiprocessing.Process(target=_revoker, args=(url, prefix, go, done))
    worker.start()
    windows = []
    for n in range(revocations):
        key = f"jti:{n}"
        for _ in range(100):
            await store.is_revoked(key)
            await asyncio.sleep(0.001)
        assert store.cache is not None and store.cache.known_absent([key]), "cache not warm"
        go.put(key)
        while not await store.is_revoked(key):
            await asyncio.sleep(0)  # check as often as the loop allows
        refused_at = time.time()
        windows.append(max(0.0, refused_at - done.get()) * 1000)
    go.put(None)
    worker.join()
    await store.aclose()
    return windows


async def main(url: str, checks: int, revocations: int) -> None:
    memory = MemoryRevocationStore()
    cached = RedisRevocationStore(url=url, prefix="bench:", cache=True)
    strict = RedisRevocationStore(url=url, prefix="bench:")
    figures = {
        "memory": await _per_check(memory, checks),
        "redis pubsub cache": await _per_check(cached, checks),
        "redis off (round trip)": await _per_check(strict, max(1, checks // 10)),
    }
    for name, us in figures.items():
        print(f"{name:24} {us:8.2f} µs/check  {us / figures['memory']:6.2f}x memory")
    await cached.aclose()
    await strict.aclose()
    windows = await _windows(url, revocations)
    print(
        f"propagation window over {revocations} revocations: min {min(windows):.2f} ms, "
        f"median {statistics.median(windows):.2f} ms, max {max(windows):.2f} ms"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--url")
    parser.add_argument("--checks", type=int, default=20_000)
    parser.add_argument("--revocations", type=int, default=50)
    options = parser.parse_args()
    if options.url:
        asyncio.run(main(options.url, options.checks, options.revocations))
    else:
        from tests.redis_server import RedisServer

        with RedisServer(Path(tempfile.mkdtemp())) as server:
            asyncio.run(main(server.url, options.checks, options.revocations))
