"""Operations on ``self.auth`` that may wait: started when called, awaited or not."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine, Generator
from typing import Any, Generic, TypeVar

__all__ = ["Done", "Operation"]

logger = logging.getLogger("fastapi_jwt_views")
_T = TypeVar("_T")


class Done(Generic[_T]):
    """An awaitable that is already complete (what a blocking call returns to a sync handler)."""

    __slots__ = ("value",)

    def __init__(self, value: _T) -> None:
        self.value = value

    def __await__(self) -> Generator[Any, None, _T]:
        yield from ()
        return self.value


class Operation(Generic[_T]):
    """An operation on ``self.auth`` started when it is called, whether or not it is awaited.

    Awaiting it waits for its result. One left un-awaited is finished by :meth:`AuthSession.settle`
    before the response (the views call it when an async handler returns), its error raised there; a
    failure nobody waits for is logged with the fix, never left to a "never awaited" warning.
    """

    __slots__ = ("awaited", "name", "task")

    def __init__(self, name: str, coroutine: Coroutine[Any, Any, _T]) -> None:
        self.name = name
        self.awaited = False
        self.task: asyncio.Task[_T] = asyncio.get_running_loop().create_task(coroutine)
        self.task.add_done_callback(self._done)

    def __await__(self) -> Generator[Any, None, _T]:
        self.awaited = True
        return self.task.__await__()

    def _done(self, task: asyncio.Task[_T]) -> None:
        if not self.awaited and not task.cancelled() and task.exception() is not None:
            logger.error(
                "self.auth.%s() was not awaited and failed: %s. Write `await self.auth.%s(...)`",
                self.name,
                task.exception(),
                self.name,
            )
