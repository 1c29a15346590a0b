"""The default revocation store: an in-process cache whose entries expire with their tokens."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cachetools import TLRUCache

from ..errors import RevocationUnavailableError
from .base import LoginSession

__all__ = ["MemoryRevocationStore"]


def _until(_key: object, expires_at: float, _now: float) -> float:
    return expires_at


def _session_until(_key: object, session: LoginSession, _now: float) -> float:
    return math.inf if session.expires_at is None else session.expires_at


class MemoryRevocationStore:
    """Keeps revoked ``jti`` values (and login sessions) in memory, each until its token would have expired.

    Memory stays bounded: an entry disappears when its token stops being accepted, and at most
    ``capacity`` entries are live at once. A full store never evicts a live entry (that would make a
    revoked token valid again): :meth:`revoke` raises :class:`RevocationUnavailableError` instead.
    Sessions have a capacity of their own, equal to ``capacity``. It is thread-safe, so sync handlers
    running in the thread pool can use it. It is per process: with several workers or hosts, use a
    shared store such as :class:`~fastapi_jwt_views.revocation.redis.RedisRevocationStore`.
    """

    def __init__(self, capacity: int = 100_000, *, timer: Callable[[], float] = time.time) -> None:
        if capacity <= 0:
            raise ValueError("capacity must be positive")
        self.capacity = capacity
        # One slot more than the capacity, so that cachetools itself never has to evict; we refuse first.
        self._entries: TLRUCache[str, float] = TLRUCache(maxsize=capacity + 1, ttu=_until, timer=timer)
        self._sessions: TLRUCache[tuple[str, str], LoginSession] = TLRUCache(
            maxsize=capacity + 1, ttu=_session_until, timer=timer
        )
        self._families: dict[str, set[str]] = {}  # identity -> families with a live session
        self._lock = threading.Lock()

    async def revoke(self, jti: str, expires_at: float | None) -> bool:
        """Revoke ``jti`` until ``expires_at`` (epoch seconds); None keeps it for the life of the store.

        Returns False when it already was revoked at least that long.
        """
        return self.revoke_now(jti, expires_at)

    async def is_revoked(self, *ids: str) -> bool:
        """Tell whether any of ``ids`` is revoked."""
        with self._lock:
            return any(jti in self._entries for jti in ids)

    def revoke_now(self, jti: str, expires_at: float | None) -> bool:
        """Synchronous form of :meth:`revoke`."""
        until = math.inf if expires_at is None else expires_at
        with self._lock:
            if until <= self._entries.timer():
                return True  # already expired: nothing left to refuse
            self._entries.expire()
            previous = self._entries.get(jti)
            if previous is not None and previous >= until:
                return False
            if previous is None and len(self._entries) >= self.capacity:
                raise RevocationUnavailableError("Token revocation store is full")
            self._entries[jti] = until
            return True

    # -- sessions ---------------------------------------------------------------------------------------
    async def save_session(self, session: LoginSession) -> None:
        """Insert or replace ``session``; it is forgotten when it expires."""
        key = (session.identity, session.family)
        with self._lock:
            if session.expires_at is not None and session.expires_at <= self._sessions.timer():
                return
            self._expire_sessions()
            if key not in self._sessions and len(self._sessions) >= self.capacity:
                raise RevocationUnavailableError("Session store is full")
            self._sessions[key] = session
            self._families.setdefault(session.identity, set()).add(session.family)

    async def list_sessions(self, identity: str) -> list[LoginSession]:
        """The unexpired sessions of ``identity``, oldest first."""
        with self._lock:
            self._expire_sessions()
            found = [self._sessions[(identity, family)] for family in self._families.get(identity, ())]
        return sorted(found, key=lambda session: (session.created_at, session.family))

    async def delete_session(self, identity: str, family: str) -> bool:
        """Forget one session; tell whether it existed."""
        with self._lock:
            self._expire_sessions()
            found = self._sessions.pop((identity, family), None) is not None
            self._forget(identity, family)
            return found

    def _expire_sessions(self) -> None:
        for (identity, family), _session in self._sessions.expire():
            self._forget(identity, family)

    def _forget(self, identity: str, family: str) -> None:
        families = self._families.get(identity)
        if families is not None:
            families.discard(family)
            if not families:
                del self._families[identity]

    def __len__(self) -> int:
        with self._lock:
            self._entries.expire()
            return len(self._entries)
