"""A revocation store shared by every worker and host: Redis, through ``redis.asyncio``.

Install it with ``pip install "fastapi-jwt-views[redis]"``; ``AUTHJWT_REDIS_URL`` makes it the default store.
Importing this module without the ``redis`` package raises ``ImportError``.

Key layout (``prefix`` defaults to ``AUTHJWT_REDIS_KEY_PREFIX``, ``"fastapi_jwt_views:"``)::

    <prefix>revoked:jti:<jti>                    a string "<expiry ms>|<by>"; expires when the token would
    <prefix>revoked:family:<family>              have (PXAT, Redis >= 6.2); the same for a login family
    <prefix>sessions:<i|s>:<identity>            a hash: family -> LoginSession JSON
    <prefix>session-expiry:<i|s>:<identity>      a sorted set: family scored by its expiry (epoch ms, or +inf)

The identity is typed (``i:1234`` for the integer, ``s:1234`` for the string) and revoked ids are
namespaced (``jti:``, ``family:``), so no token content can name another user's key. Every key expires: a
revoked id when its token stops being accepted, an identity's two session keys when its last record
expires (expired records are trimmed whenever one is saved). Only what was given no expiry (a token or a
session that never expires, a ``jti`` revoked without one) is kept until deleted.

Every command is safe to send twice (redis-py resends a command after a socket timeout, and the first copy
may have run): the revoke script keeps who revoked an id and answers a resent call as it answered the
first.

A dead Redis never hangs a request: clients built here use short socket timeouts and retry once (which
is what reconnects a pooled connection after Redis restarts). The store raises, and ``AuthViews`` then
refuses the request with 503, unless ``AUTHJWT_REVOCATION_FAIL_OPEN`` is set.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from redis.asyncio import BlockingConnectionPool, Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import ResponseError

from ..errors import ConfigurationError, SessionLimitError
from ._redis_cache import RevocationCache
from .base import LoginSession, identity_key

if TYPE_CHECKING:
    from ..config import AuthViewsConfig

__all__ = ["RedisRevocationStore"]

# KEYS[1]: the revoked key. ARGV[1]: its expiry in epoch ms, or "inf"; ARGV[2]: who revokes, or "";
# ARGV[3]: the channel on which every entry it stores is published (workers' caches forget it). The
# value is "<expiry>|<by>", so that revoking again never shortens the expiry (Redis 6.2 has no EXPIRE ... GT)
# and a resent call by the same "by" is recognised. Returns 1 when the entry is new, was made by this same
# "by", or (without a "by") was extended; else 0.
_REVOKE = """
local old = redis.call('GET', KEYS[1])
local expiry, by = ARGV[1], ARGV[2]
local answer = 1
if old then
  local sep = string.find(old, '|', 1, true)
  local old_expiry = sep and string.sub(old, 1, sep - 1) or old
  local old_by = sep and string.sub(old, sep + 1) or ''
  local longer = old_expiry ~= 'inf' and (expiry == 'inf' or tonumber(expiry) > tonumber(old_expiry))
  if by ~= '' then
    if old_by ~= by then answer = 0 end
  elseif not longer then
    answer = 0
  end
  if not longer then return answer end
  by = old_by
end
if expiry == 'inf' then
  redis.call('SET', KEYS[1], expiry .. '|' .. by)
else
  redis.call('SET', KEYS[1], expiry .. '|' .. by, 'PXAT', expiry)
end
redis.call('PUBLISH', ARGV[3], KEYS[1])
return answer
"""

# KEYS[1]: the sessions hash, KEYS[2]: the expiry index. ARGV: family, JSON, expiry (epoch ms or "inf"),
# now (epoch ms), the limit ("" for none). Drops expired sessions; returns 0, saving nothing, when the limit
# is set and other families hold that many records; else stores this one, makes both keys expire with the
# last one, and returns 1.
_SAVE_SESSION = """
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[4])
for i = 1, #expired, 1000 do
  local chunk = {unpack(expired, i, math.min(i + 999, #expired))}
  redis.call('HDEL', KEYS[1], unpack(chunk))
  redis.call('ZREM', KEYS[2], unpack(chunk))
end
if ARGV[5] ~= '' then
  local others = redis.call('ZCARD', KEYS[2])
  if redis.call('ZSCORE', KEYS[2], ARGV[1]) then others = others - 1 end
  if others >= tonumber(ARGV[5]) then return 0 end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')[2]
for _, key in ipairs(KEYS) do
  if last == 'inf' then redis.call('PERSIST', key) else redis.call('PEXPIREAT', key, last) end
end
return 1
"""


# What Redis or redis-py says, and what it means for the URL.
_CAUSES = (
    ("HELLO must be called", "Redis requires a password and the URL gives none: redis://:<password>@host"),
    ("Authentication required", "Redis requires a password and the URL gives none: redis://:<password>@host"),
    ("NOAUTH", "Redis requires a password and the URL gives none: redis://:<password>@host"),
    ("invalid username-password pair", "wrong password (or user name) in the URL"),
    ("invalid password", "wrong password in the URL"),
    ("DB index is out of range", "the URL's database number does not exist on this server"),
    ("Connect call failed", "nothing listens at this host and port"),
    ("Timeout", "no answer in time"),
)


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
        cache: bool = False,
        cache_window: float = 0.05,
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
        self.channel = f"{prefix}revoked"
        self.cache = None
        if cache:
            self.cache = RevocationCache(client, self.channel, self.revoked_key(""), window=cache_window)

    @classmethod
    def from_config(cls, config: AuthViewsConfig) -> RedisRevocationStore:
        """The store of ``AUTHJWT_REDIS_URL``, its keys under ``AUTHJWT_REDIS_KEY_PREFIX``."""
        if config.redis_url is None:
            raise ConfigurationError("AUTHJWT_REDIS_URL must be set for the Redis revocation store")
        cache = config.redis_cache == "pubsub"
        return cls(url=config.redis_url, prefix=config.redis_key_prefix, cache=cache)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(prefix={self.prefix!r})"

    async def aclose(self) -> None:
        """Stop the cache's subscription; close the connections of a client this store built (a client
        passed in is left open)."""
        if self.cache is not None:
            await self.cache.aclose()
        if self._owns_client:
            await self.client.aclose()

    async def check(self) -> None:
        """Tell whether Redis answers, with these credentials and this database, is 6.2 or newer, and lets
        this user publish on :attr:`channel`.

        Raises :class:`~fastapi_jwt_views.errors.ConfigurationError` naming ``AUTHJWT_REDIS_URL`` and the
        cause (never the password). ``AuthViews.startup()`` calls it when the application starts.
        """
        try:
            await self._check()
        except ConfigurationError:
            if self._owns_client:  # the app will not start, so nothing would close them; reopened if used
                await self.client.connection_pool.disconnect()
            raise

    async def _check(self) -> None:
        try:
            info = await self.client.info("server")
        except Exception as exc:  # any failure to connect, authenticate, select the database or answer
            raise ConfigurationError(
                f"AUTHJWT_REDIS_URL: cannot use Redis at {self._where()}: {self._cause(exc)}"
            ) from None
        version = str(info.get("redis_version", "0"))
        if tuple(int(part) for part in version.split(".")[:2] if part.isdigit()) < (6, 2):
            raise ConfigurationError(
                f"AUTHJWT_REDIS_URL: Redis at {self._where()} is version {version}; 6.2 or newer is needed"
            )
        try:  # every revocation is published there; caches forget the id "" (none is ever revoked)
            await self.client.publish(self.channel, self.revoked_key(""))
        except ResponseError as exc:  # an ACL user without the channel (Redis 7 gives new users none)
            raise ConfigurationError(
                f"AUTHJWT_REDIS_URL: the Redis user at {self._where()} may not publish to the channel "
                f"{self.channel!r}, on which every revocation is announced: grant it "
                f"(ACL SETUSER <user> &{self.channel}) ({self._cause(exc)})"
            ) from None

    def _where(self) -> str:
        kwargs = self.client.connection_pool.connection_kwargs
        if "path" in kwargs:
            return f"unix socket {kwargs['path']}, db {kwargs.get('db', 0)}"
        return f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}, db {kwargs.get('db', 0)}"

    def _cause(self, exc: BaseException) -> str:
        text = f"{type(exc).__name__}: {exc}"
        for clue, meaning in _CAUSES:
            if clue in text:
                text = f"{meaning} ({text})"
                break
        password = self.client.connection_pool.connection_kwargs.get("password")
        return text.replace(password, "***") if password else text

    # -- revocation -------------------------------------------------------------------------------------
    def revoked_key(self, key: str) -> str:
        """The Redis key that marks ``key`` (:func:`~.base.jti_key`, :func:`~.base.family_key`) revoked."""
        return f"{self.prefix}revoked:{key}"

    async def revoke(self, key: str, expires_at: float | None, *, by: str | None = None) -> bool:
        """Revoke ``key`` until ``expires_at`` (epoch seconds); None keeps it until deleted.

        Returns False when it already was revoked at least that long by another ``by`` (a longer expiry
        is never shortened), atomically: of two workers revoking one id at once, exactly one gets True;
        a resent call by the same ``by`` gets True again. An expiry already past stores nothing and
        returns True.
        """
        if expires_at is not None and expires_at <= self._timer():
            return True
        args = [_ms(expires_at), by or "", self.channel]
        if self.cache is not None:
            self.cache.forget(key)  # a check racing with this revocation must not remember the old answer
        try:
            return bool(await self._revoke(keys=[self.revoked_key(key)], args=args))
        finally:
            if self.cache is not None:
                self.cache.forget(key)  # this worker sees its own revocation at once

    async def is_revoked(self, *keys: str) -> bool:
        """Tell whether any of ``keys`` is revoked: in one round trip, or none when the cache knows."""
        if not keys:
            return False
        cache = self.cache
        if cache is None:
            found: int = await self.client.exists(*(self.revoked_key(key) for key in keys))
            return found > 0
        if cache.known_absent(keys):
            return False
        ticket = cache.ticket()
        found = await self.client.exists(*(self.revoked_key(key) for key in keys))
        if found == 0:
            cache.remember_absent(keys, ticket)
        return found > 0

    # -- sessions ---------------------------------------------------------------------------------------
    def _session_keys(self, identity: str | int) -> list[str]:
        key = identity_key(identity)
        return [f"{self.prefix}sessions:{key}", f"{self.prefix}session-expiry:{key}"]

    async def save_session(self, session: LoginSession, *, limit: int | None = None) -> None:
        """Insert or replace ``session``; it is forgotten when it expires. With ``limit``, refuse it
        (:class:`~fastapi_jwt_views.errors.SessionLimitError`) when the identity holds that many other
        records: the script counts and saves in one atomic step (a retry of a save that went through
        finds its own family and is not refused)."""
        now = self._timer()
        if session.expires_at is not None and session.expires_at <= now:
            return
        saved = await self._save_session(
            keys=self._session_keys(session.identity),
            args=[session.family, session.to_json(), _ms(session.expires_at), _ms(now),
                  "" if limit is None else str(limit)],
        )
        if not saved:
            raise SessionLimitError()

    async def list_sessions(self, identity: str | int) -> list[LoginSession]:
        """The unexpired records of ``identity`` (ended ones included), oldest first (one round trip)."""
        sessions_key, expiry_key = self._session_keys(identity)
        async with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(sessions_key)
            pipe.zrangebyscore(expiry_key, f"({_ms(self._timer())}", "+inf")
            stored, live = await pipe.execute()
        alive = {_text(family) for family in live}
        found = [LoginSession.from_json(text) for family, text in stored.items() if _text(family) in alive]
        return sorted(found, key=lambda session: (session.created_at, session.family))
