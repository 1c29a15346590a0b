"""Driving the library's coroutines from synchronous code (sync handlers, fastapi-jwt-auth's guards)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar, cast

import anyio.from_thread

__all__ = ["complete_now", "run_blocking", "run_on_private_loop"]

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


def run_on_private_loop(make: Callable[[], Coroutine[Any, Any, _T]], timeout: float) -> _T | None:
    """Run ``make()`` on a new event loop in a worker thread, blocking this thread; None after ``timeout``.

    For code on an event loop's own thread that must not return before the result: the loop is blocked
    meanwhile, and ``make()`` must not use anything bound to that loop.
    """
    box: list[tuple[bool, Any]] = []

    def target() -> None:
        try:
            box.append((True, asyncio.run(make())))
        except BaseException as exc:
            box.append((False, exc))

    worker = threading.Thread(target=target, name="fastapi_jwt_views-sync", daemon=True)
    worker.start()
    worker.join(timeout)
    if not box:
        return None
    ok, value = box[0]
    if not ok:
        raise value
    return cast(_T, value)
