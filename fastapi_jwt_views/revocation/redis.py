"""A revocation store shared by every worker and host: Redis, through ``redis.asyncio``.

Install it with ``pip install "fastapi-jwt-views[redis]"``; ``AUTHJWT_REDIS_URL`` makes it the default store.
Importing this module without the ``redis`` package raises ``ImportError``.

Key layout (``prefix`` defaults to ``AUTHJWT_REDIS_KEY_PREFIX``, ``"fastapi_jwt_views:"``)::

    <prefix>revoked:<jti>               a string; expires when the token would have (PXAT, Redis >= 6.2)
    <prefix>revoked:family:<family>     the same, for a whole login family
    <prefix>sessions:<identity>         a hash: family -> LoginSession JSON
    <prefix>session-expiry:<identity>   a sorted set: family scored by its expiry (epoch ms, or +inf)

Every key expires: a revoked id when its token stops being accepted, an identity's two session keys when
its last session expires (expired sessions are trimmed whenever one is saved). Only what was given no
expiry (a token or a session that never expires) is kept until deleted.

A dead Redis never hangs a request: clients built here use short socket timeouts and retry once (which
is what reconnects a pooled connection after Redis restarts). The store raises, and ``AuthViews`` then
refuses the request with 503, unless ``AUTHJWT_REVOCATION_FAIL_OPEN`` is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from ..errors import ConfigurationError
from .base import LoginSession

if TYPE_CHECKING:
    from ..config import AuthViewsConfig

__all__ = ["RedisRevocationStore"]

# KEYS[1]: the revoked key. ARGV[1]: its expiry in epoch ms, or "inf". The value is the expiry, so that
# revoking again never shortens it (Redis 6.2 has no EXPIRE ... GT). Returns 0 when it was already revoked
# at least that long, else 1.
_REVOKE = """
local old = redis.call('GET', KEYS[1])
if old == 'inf' or (old and ARGV[1] ~= 'inf' and tonumber(old) and tonumber(old) >= tonumber(ARGV[1])) then
  return 0
end
if ARGV[1] == 'inf' then
  redis.call('SET', KEYS[1], 'inf')
else
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[1])
end
return 1
"""

# KEYS[1]: the sessions hash, KEYS[2]: the expiry index. ARGV: family, JSON, expiry (epoch ms or "inf"),
# now (epoch ms). Drops expired sessions, stores this one, and makes both keys expire with the last one.
_SAVE_SESSION = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
for i = 1, #expired, 1000 do
  local chunk = {unpack(expired, i, math.min(i + 999, #expired))}
  redis.call('HDEL', KEYS[1], unpack(chunk))
  redis.call('ZREM', KEYS[2], unpack(chunk))
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
for _, key in ipairs(KEYS) do
  if last == 'inf' then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, last) end
end
return 1
"""


def _ms(expires_at: float | None) -> str:
    """An expiry as Redis gets it: whole epoch milliseconds, rounded up (never earlier), or "inf"."""
    return "inf" if expires_at is None else str(math.ceil(expires_at * 1000))


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class RedisRevocationStore:
    """Keeps revoked ``jti`` values and login sessions in Redis, each until its token would have expired.

    Pass a ``redis.asyncio.Redis`` ``client`` of your own, or a ``url`` from which one is built with a
    connection pool of at most ``max_connections``, ``timeout`` seconds for connecting, for each command
    and for waiting on a free connection, and one immediate retry. :meth:`aclose` closes a client built
    here; a client you pass stays yours to close. Like any ``redis.asyncio`` client, the store serves one
    event loop: the application's (use ``with TestClient(app)`` in tests). ``timer`` is the clock that
    decides what has already expired; Redis drops keys by its own clock.
    """

    def __init__(
        self,
        client: Redis | None = None,
        *,
        url: str | None = None,
        prefix: str = "fastapi_jwt_views:",
        timeout: float = 1.0,
        max_connections: int = 100,
        timer: Callable[[], float] = time.time,
    ) -> None:
        if client is not None and url is None:
            self._owns_client = False
        elif client is None and url is not None:
            pool = BlockingConnectionPool.from_url(
                url,
                max_connections=max_connections,
                timeout=timeout,
                socket_connect_timeout=timeout,
                socket_timeout=timeout,
                retry=Retry(NoBackoff(), 1),
            )
            client = Redis.from_pool(pool)
            self._owns_client = True
        else:
            raise ValueError("pass either a redis client or a url")
        self.client = client
        self.prefix = prefix
        self._timer = timer
        self._revoke = client.register_script(_REVOKE)
        self._save_session = client.register_script(_SAVE_SESSION)

    @classmethod
    def from_config(cls, config: AuthViewsConfig) -> RedisRevocationStore:
        """The store of ``AUTHJWT_REDIS_URL``, its keys under ``AUTHJWT_REDIS_KEY_PREFIX``."""
        if config.redis_url is None:
            raise ConfigurationError("AUTHJWT_REDIS_URL must be set for the Redis revocation store")
        return cls(url=config.redis_url, prefix=config.redis_key_prefix)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prefix={self.prefix!r})"

    async def aclose(self) -> None:
        """Close the connections of a client this store built (a client passed in is left open)."""
        if self._owns_client:
            await self.client.aclose()

    # -- revocation -------------------------------------------------------------------------------------
    def revoked_key(self, jti: str) -> str:
        """The Redis key that marks ``jti`` (or a :func:`~.base.family_key`) as revoked."""
        return f"{self.prefix}revoked:{jti}"

    async def revoke(self, jti: str, expires_at: float | None) -> bool:
        """Revoke ``jti`` until ``expires_at`` (epoch seconds); None keeps it until deleted.

        Returns False when it already was revoked at least that long (a longer expiry is never
        shortened), atomically: of two workers revoking one id at once, exactly one gets True. An
        expiry already past stores nothing and returns True.
        """
        if expires_at is not None and expires_at <= self._timer():
            return True
        return bool(await self._revoke(keys=[self.revoked_key(jti)], args=[_ms(expires_at)]))

    async def is_revoked(self, *ids: str) -> bool:
        """Tell whether any of ``ids`` is revoked, in one round trip."""
        if not ids:
            return False
        found: int = await self.client.exists(*(self.revoked_key(jti) for jti in ids))
        return found > 0

    # -- sessions ---------------------------------------------------------------------------------------
    def _session_keys(self, identity: str) -> list[str]:
        return [f"{self.prefix}sessions:{identity}", f"{self.prefix}session-expiry:{identity}"]

    async def save_session(self, session: LoginSession) -> None:
        """Insert or replace ``session``; it is forgotten when it expires."""
        now = self._timer()
        if session.expires_at is not None and session.expires_at <= now:
            return
        await self._save_session(
            keys=self._session_keys(session.identity),
            args=[session.family, session.to_json(), _ms(session.expires_at), _ms(now)],
        )

    async def list_sessions(self, identity: str) -> list[LoginSession]:
        """The unexpired sessions of ``identity``, oldest first (one round trip)."""
        sessions_key, expiry_key = self._session_keys(identity)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(sessions_key)
            pipe.zrangebyscore(expiry_key, f"({_ms(self._timer())}", "+inf")
            stored, live = await pipe.execute()
        alive = {_text(family) for family in live}
        found = [LoginSession.from_json(text) for family, text in stored.items() if _text(family) in alive]
        return sorted(found, key=lambda session: (session.created_at, session.family))

    async def delete_session(self, identity: str, family: str) -> bool:
        """Forget one session; tell whether it existed (and had not expired)."""
        sessions_key, expiry_key = self._session_keys(identity)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.zscore(expiry_key, family)
            pipe.hdel(sessions_key, family)
            pipe.zrem(expiry_key, family)
            results: list[Any] = await pipe.execute()
        expires_ms: float | None = results[0]
        return expires_ms is not None and expires_ms > self._timer() * 1000
