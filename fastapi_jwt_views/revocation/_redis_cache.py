"""A worker's memory of the ids Redis said were *not* revoked, kept current by a Redis subscription.

Why not redis-py's client-side caching (RESP3 ``CLIENT TRACKING``)? In redis-py 8.x it exists for the
synchronous client only; ``redis.asyncio`` has none. A subscription works on Redis 6.2 and 7.x alike.

How it stays correct:

* Every revocation (the store's revoke script) publishes the revoked key on ``<prefix>revoked`` in the
  same atomic step that stores it. Each worker subscribes and forgets a key when it hears of it.
* Only "not revoked" answers are remembered; a revoked id always costs a round trip (so an entry deleted by
  hand in Redis is accepted again at once by every worker).
* The subscription is trusted only while it is known to be alive: the listener sends ``PING <sent at>``
  on the subscription every ``window / 4``; Redis answers pings after every message published before them,
  on the same connection. A remembered answer is used only while the newest answered ping was sent less
  than ``window`` ago. So a revocation that finished at ``t`` is refused by every worker from ``t + window``
  on, whatever happens to the network (in practice within about a millisecond). When the subscription
  stalls (a paused server, a lost network) the cache is not used: every check is a round trip again, which
  fails closed as before. When the connection drops or reconnects, everything remembered is forgotten.
* An answer is remembered only if the subscription was trusted when the question was sent and nothing was
  forgotten meanwhile (a generation counter), so a reply that crossed an invalidation is never kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable, Iterable
from typing import Any

from redis.asyncio import Redis

__all__ = ["RevocationCache"]

logger = logging.getLogger("fastapi_jwt_views")


def _cancelling() -> bool:
    """Whether this task was asked to stop (Python 3.11+), even if redis-py swallowed the cancellation."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)  # Python 3.11+
    return bool(cancelling is not None and cancelling())


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RevocationCache:
    """Ids known not to be revoked, trusted only while the invalidation subscription is confirmed alive.

    ``key_prefix`` is what the published Redis keys start with (``<prefix>revoked:``), stripped to get
    the store's ids back. At most ``capacity`` ids are remembered (then all are forgotten at once).
    """

    def __init__(
        self,
        client: Redis,
        channel: str,
        key_prefix: str,
        *,
        window: float = 0.05,
        capacity: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if window <= 0 or capacity <= 0:
            raise ValueError("window and capacity must be positive")
        self.channel = channel
        self.window = window
        self.capacity = capacity
        self._client = client
        self._key_prefix = key_prefix
        self._clock = clock
        self._absent: dict[str, None] = {}
        self._generation = 0
        self._confirmed = -math.inf  # when the newest ping answered on the live subscription was sent
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closed = False
        self._failures = 0  # failed attempts to (re)subscribe since the subscription last answered

    # -- the request path -------------------------------------------------------------------------------
    def known_absent(self, keys: Iterable[str]) -> bool:
        """True when every one of ``keys`` is known not to be revoked (no round trip needed)."""
        if self._clock() - self._confirmed > self.window:
            self._ensure_listening()
            return False
        absent = self._absent
        return all(key in absent for key in keys)

    def ticket(self) -> int | None:
        """Taken before asking Redis: None when an answer could not be trusted later."""
        if self._clock() - self._confirmed > self.window:
            return None
        return self._generation

    def remember_absent(self, keys: Iterable[str], ticket: int | None) -> None:
        """Remember that Redis answered "none of ``keys`` is revoked" to a question asked at ``ticket``."""
        if ticket is None or ticket != self._generation:
            return
        if len(self._absent) >= self.capacity:
            self._absent.clear()
        for key in keys:
            self._absent[key] = None

    def forget(self, key: str) -> None:
        """``key`` has just been revoked: never answer from memory that it is not."""
        self._absent.pop(key, None)
        self._generation += 1

    def __len__(self) -> int:
        return len(self._absent)

    # -- the subscription -------------------------------------------------------------------------------
    def _reset(self, *_: object) -> None:
        """The subscription broke or reconnected: messages may be lost, so forget and distrust it all."""
        self._confirmed = -math.inf
        self._absent.clear()
        self._generation += 1

    def _ensure_listening(self) -> None:
        loop = asyncio.get_running_loop()
        if self._closed:
            return
        if self._task is not None and self._loop is loop and not self._task.done():
            return
        self._reset()
        self._loop = loop
        self._task = loop.create_task(self._listen(), name="fastapi_jwt_views revocation cache")

    async def _listen(self) -> None:
        self._failures = 0
        while not self._closed:
            try:
                await self._follow()
            except asyncio.CancelledError:
                self._reset()
                raise
            except Exception as exc:  # the connection broke: round trips until it is back
                self._reset()
                if self._closed:  # redis-py may turn the cancellation of a read into its own error
                    return
                if self._failures == 0:  # once per outage
                    logger.warning(
                        "revocation cache subscription lost (%s); checking Redis on every request", exc
                    )
                self._failures += 1
                await asyncio.sleep(min(1.0, 0.05 * self._failures))
            else:  # closed
                return

    async def _follow(self) -> None:
        pubsub = self._client.pubsub()
        try:
            await pubsub.subscribe(self.channel)
            assert pubsub.connection is not None
            # redis-py reconnects and resubscribes by itself: whatever was published meanwhile is lost.
            pubsub.connection.register_connect_callback(self._on_reconnect)
            interval = self.window / 4
            next_ping = 0.0
            while not self._closed:
                if _cancelling():  # redis-py may have swallowed the cancellation of a read
                    raise asyncio.CancelledError
                now = self._clock()
                if now >= next_ping:
                    await pubsub.ping(repr(now))
                    next_ping = now + interval
                message = await pubsub.get_message(timeout=max(0.0, next_ping - self._clock()))
                if message is not None:
                    self._handle(message)
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(pubsub.aclose())  # type: ignore[no-untyped-call]

    async def _on_reconnect(self, _connection: Any) -> None:
        self._reset()

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            key = _text(message["data"])
            if key.startswith(self._key_prefix):
                self.forget(key[len(self._key_prefix) :])
            else:  # not ours to interpret: be safe
                self._reset()
        elif kind == "pong":
            with contextlib.suppress(ValueError):
                sent = float(_text(message["data"]))
                if sent > self._confirmed:
                    self._confirmed = sent
                self._failures = 0  # working again: the next outage is logged, and retried promptly

    async def aclose(self) -> None:
        """Stop listening (the application is shutting down)."""
        task, self._task = self._task, None
        self._closed = True
        self._reset()
        if task is not None and not task.done() and task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            await asyncio.wait({task}, timeout=2.0)
