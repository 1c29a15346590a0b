"""The default revocation store: an in-process cache whose entries expire with their tokens."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cachetools import TLRUCache

from ..errors import RevocationUnavailableError

__all__ = ["MemoryRevocationStore"]


def _until(_jti: str, expires_at: float, _now: float) -> float:
    return expires_at


class MemoryRevocationStore:
    """Keeps revoked ``jti`` values in memory, each until its token would have expired.

    Memory stays bounded: an entry disappears when its token stops being accepted, and at most
    ``capacity`` entries are live at once. A full store never evicts a live entry (that would make a
    revoked token valid again): :meth:`revoke` raises :class:`RevocationUnavailableError` instead.
    It is thread-safe, so sync handlers running in the thread pool can use it. It is per process: with
    several workers or hosts, use a shared store.
    """

    def __init__(self, capacity: int = 100_000, *, timer: Callable[[], float] = time.time) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        # One slot more than the capacity, so that cachetools itself never has to evict; we refuse first.
        self._entries: TLRUCache[str, float] = TLRUCache(maxsize=capacity + 1, ttu=_until, timer=timer)
        self._lock = threading.Lock()

    async def revoke(self, jti: str, expires_at: float | None) -> None:
        """Revoke ``jti`` until ``expires_at`` (epoch seconds); None keeps it for the life of the store."""
        self.revoke_now(jti, expires_at)

    async def is_revoked(self, jti: str) -> bool:
        """Tell whether ``jti`` is revoked."""
        with self._lock:
            return jti in self._entries

    def revoke_now(self, jti: str, expires_at: float | None) -> None:
        """Synchronous form of :meth:`revoke`."""
        until = math.inf if expires_at is None else expires_at
        with self._lock:
            if until <= self._entries.timer():
                return  # already expired: nothing left to refuse
            self._entries.expire()
            if jti not in self._entries and len(self._entries) >= self.capacity:
                raise RevocationUnavailableError("Token revocation store is full")
            self._entries[jti] = max(until, self._entries.get(jti, until))

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)
