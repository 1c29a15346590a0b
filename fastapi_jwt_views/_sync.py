"""Driving the library's coroutines from synchronous code.

``complete_now`` finishes a coroutine that never waits (the in-memory store's operations), on any
thread. ``run_blocking`` makes a worker thread wait for the event loop: the compatibility API never
uses it (a thread waiting on the loop is how its old bridge deadlocked).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

import anyio.from_thread

__all__ = ["complete_now", "run_blocking"]

_T = TypeVar("_T")


def complete_now(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """The result of a coroutine that finishes without waiting (a RuntimeError if it would wait)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return cast(_T, done.value)
    coroutine.close()
    raise RuntimeError("a coroutine that was expected to complete at once waited")


def run_blocking(make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run ``make()`` from a thread that is not running an event loop and wait for its result.

    In a worker thread of the app (a sync handler, a class dependency) it runs on the app's own loop, so
    loop-bound clients (Redis) work; outside any app (a script) it runs on a loop of its own.
    """
    started = False

    async def run() -> _T:
        nonlocal started
        started = True
        return await make()

    try:
        return anyio.from_thread.run(run)
    except RuntimeError:
        if started:  # raised by make() itself, not by the lack of an app loop
            raise
    return asyncio.run(make())
