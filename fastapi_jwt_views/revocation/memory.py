"""The default revocation store: an in-process cache whose entries expire with their tokens."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from cachetools import TLRUCache

from ..errors import RevocationUnavailableError, SessionLimitError
from .base import LoginSession, identity_key

__all__ = ["MemoryRevocationStore"]

_Entry = tuple[float, str | None]  # (revoked until, by whom)
_Sessions = tuple[LoginSession, ...]  # the records of one identity


def _expiry(session: LoginSession) -> float:
    return math.inf if session.expires_at is None else session.expires_at


def _entry_until(_key: object, entry: _Entry, _now: float) -> float:
    return entry[0]


def _sessions_until(_key: object, sessions: _Sessions, _now: float) -> float:
    return max(_expiry(session) for session in sessions)


class MemoryRevocationStore:
    """Keeps revoked ids and login sessions in memory, each until its token would have expired.

    Memory stays bounded: an entry disappears when its token stops being accepted, at most ``capacity``
    revoked ids and ``session_capacity`` session records (default: ``capacity``) are live at once. A full
    store never evicts a live entry (that would make a revoked token valid again): it raises
    :class:`RevocationUnavailableError` instead. Every operation holds one lock and reads the time once,
    so it is thread-safe (sync handlers run in the thread pool) and an entry cannot expire half-way
    through one. It is per process: with several workers or hosts, use a shared store such as
    :class:`~fastapi_jwt_views.revocation.redis.RedisRevocationStore`.
    """

    def __init__(
        self,
        capacity: int = 100_000,
        *,
        session_capacity: int | None = None,
        timer: Callable[[], float] = time.time,
    ) -> None:
        session_capacity = capacity if session_capacity is None else session_capacity
        if capacity <= 0 or session_capacity <= 0:
            raise ValueError("capacity and session_capacity must be positive")
        self.capacity = capacity
        self.session_capacity = session_capacity
        # One slot more than the capacity, so that cachetools itself never has to evict; we refuse first.
        self._entries: TLRUCache[str, _Entry] = TLRUCache(capacity + 1, ttu=_entry_until, timer=timer)
        # One structure for sessions: identity -> its records (so no index can disagree with them). Each
        # identity holds at least one record, so there are never more identities than records.
        self._sessions: TLRUCache[str, _Sessions] = TLRUCache(
            session_capacity + 1, ttu=_sessions_until, timer=timer
        )
        self._session_count = 0  # records in self._sessions, expired ones included until dropped
        self._lock = threading.Lock()

    # -- revocation -------------------------------------------------------------------------------------
    async def revoke(self, key: str, expires_at: float | None, *, by: str | None = None) -> bool:
        """Revoke ``key`` until ``expires_at`` (epoch seconds); None keeps it for the life of the store.

        Returns False when it already was revoked at least that long by another ``by``.
        """
        return self.revoke_now(key, expires_at, by=by)

    async def is_revoked(self, *keys: str) -> bool:
        """Tell whether any of ``keys`` is revoked."""
        with self._lock:
            return any(key in self._entries for key in keys)

    def revoke_now(self, key: str, expires_at: float | None, *, by: str | None = None) -> bool:
        """Synchronous form of :meth:`revoke`."""
        until = math.inf if expires_at is None else expires_at
        with self._lock, self._entries.timer as now:
            if until <= now:
                return True  # already expired: nothing left to refuse
            self._entries.expire(now)
            previous = self._entries.get(key)
            if previous is None:
                if len(self._entries) >= self.capacity:
                    raise RevocationUnavailableError("Token revocation store is full")
                self._entries[key] = (until, by)
                return True
            previous_until, previous_by = previous
            if until > previous_until:
                self._entries[key] = (until, previous_by)
            return (by is not None and by == previous_by) or (by is None and until > previous_until)

    # -- sessions ---------------------------------------------------------------------------------------
    async def save_session(self, session: LoginSession, *, limit: int | None = None) -> None:
        """Insert or replace ``session``; it is forgotten when it expires. With ``limit``, refuse it
        (:class:`~fastapi_jwt_views.errors.SessionLimitError`) when the identity holds that many other
        records, counted under the same lock as the save."""
        key = identity_key(session.identity)
        with self._lock, self._sessions.timer as now:
            if _expiry(session) <= now:
                return
            old = self._expire_sessions(key, now)
            kept = tuple(s for s in old if s.family != session.family and _expiry(s) > now)
            if limit is not None and len(kept) >= limit:
                raise SessionLimitError()
            new = (*kept, session)
            grows = len(new) - len(old)
            if grows > 0 and self._session_count + grows > self.session_capacity:
                raise RevocationUnavailableError("Session store is full")
            self._sessions[key] = new  # cannot be refused: ``session`` itself has not expired at ``now``
            self._session_count += grows

    async def list_sessions(self, identity: str | int) -> list[LoginSession]:
        """The unexpired records of ``identity`` (ended ones included), oldest first."""
        key = identity_key(identity)
        with self._lock, self._sessions.timer as now:
            found = [s for s in self._expire_sessions(key, now) if _expiry(s) > now]
        return sorted(found, key=lambda session: (session.created_at, session.family))

    def _expire_sessions(self, key: str, now: float) -> _Sessions:
        """Drop the identities whose every record has expired; return the records of ``key``."""
        for _identity, sessions in self._sessions.expire(now):
            self._session_count -= len(sessions)
        return self._sessions.get(key, ())

    def __len__(self) -> int:
        with self._lock, self._entries.timer as now:
            self._entries.expire(now)
            return len(self._entries)
