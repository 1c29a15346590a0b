"""What the in-process benchmarks share: one ASGI request scope, and interleaved rounds of cases.

Each case drives an app through its ASGI callable directly (no server, no client), so the figures are the
framework's and the library's work alone; rounds rotate the order of the cases so none always runs first.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

Scope = dict[str, Any]


def make_scope(token: str) -> Scope:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/r",
        "raw_path": b"/r",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"bench"), (b"authorization", b"Bearer " + token.encode())],
        "client": ("127.0.0.1", 50000),
        "server": ("bench", 80),
    }


class BenchmarkError(RuntimeError):
    """A request did not answer as the benchmark expects."""


@dataclass
class Case:
    name: str
    run: Callable[[int], Awaitable[None]]
    rates: list[float] = field(default_factory=list)


def asgi_case(name: str, app: Any, scope: Scope) -> Case:
    status = [0]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            status[0] = message["status"]

    async def run(n: int) -> None:
        for i in range(n):
            status[0] = 0
            await app(dict(scope), receive, send)
            if status[0] != 200:
                raise BenchmarkError(f"{name}: request {i} answered {status[0]}")

    return Case(name, run)


async def measure(cases: list[Case], requests: int, rounds: int, warmup: int) -> None:
    for case in cases:
        await case.run(warmup)
    for r in range(rounds):
        shift = r % len(cases)
        for case in cases[shift:] + cases[:shift]:
            gc.collect()
            t0 = time.perf_counter()
            await case.run(requests)
            case.rates.append(requests / (time.perf_counter() - t0))

