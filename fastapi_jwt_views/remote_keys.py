"""An identity provider's key set (``AUTHJWT_JWKS_URL``): fetched, cached, refetched for an unknown ``kid``.

Verification itself stays synchronous and cheap: it looks the ``kid`` up in the cached dict. When a key is
missing (or the cache is older than ``AUTHJWT_JWKS_CACHE_SECONDS``) and no fetch was tried within
``AUTHJWT_JWKS_REFETCH_SECONDS``, the lookup raises :class:`KeyFetchNeededError`; the async verification
step awaits :meth:`KeyFetchNeededError.fetch` (the HTTP request runs in a worker thread, bounded by
``AUTHJWT_JWKS_TIMEOUT``, so the event loop never waits on the network) and verifies again. Concurrent
requests share one fetch. A failed fetch keeps the cached keys: a token whose key is cached is still
accepted; one whose key is not is refused with a 503 (fail closed), a ``kid`` the provider does not list
with a 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import anyio

from . import errors
from ._jwk import read_jwk
from ._key_checks import check_jwks_url
from .keys import KeyEntry

if TYPE_CHECKING:
    from .config import AuthViewsConfig

__all__ = ["KeyFetchNeededError", "RemoteKeys"]

logger = logging.getLogger("fastapi_jwt_views")
#: A JWKS larger than this is refused (a provider publishes a handful of keys, a few KB).
MAX_JWKS_BYTES = 1 << 20


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an https:// URL (http:// to a loopback address): never a downgrade."""

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        try:
            check_jwks_url("jwks_url", newurl)
        except errors.ConfigurationError:
            fp.close()
            raise OSError(f"refused a redirect to {newurl!r}: not https") from None
        return super().redirect_request(req, fp, code, msg, headers, newurl)


_OPENER = urllib.request.build_opener(_SafeRedirects)


class KeyFetchNeededError(errors.KeysUnavailableError):
    """Raised by a key lookup that needs a fetch first; a caller that cannot await it answers 503."""

    def __init__(self, remote: RemoteKeys) -> None:
        super().__init__()
        self.remote = remote

    async def fetch(self) -> None:
        """Fetch the key set (or wait for the fetch already under way)."""
        await self.remote.refresh()


class RemoteKeys:
    """The cached keys of one JWKS URL, with the fetch policy described in the module docstring."""

    def __init__(
        self,
        url: str,
        algorithms: tuple[str, ...],
        *,
        cache_seconds: float = 300,
        refetch_seconds: float = 30,
        timeout: float = 5,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
    ) -> None:
        self.url = url
        self._algorithms = algorithms
        self._cache_seconds, self._refetch_seconds, self._timeout = cache_seconds, refetch_seconds, timeout
        self._clock = clock
        self._on_change = on_change  # called when a fetch brings a key set other than the one in hand
        self._entries: dict[str, KeyEntry] = {}
        self._published: str | None = None  # the keys as the provider last published them (canonical JSON)
        self._fetched_at: float | None = None  # the last fetch that succeeded
        self._attempted_at: float | None = None  # the last fetch started
        self.failure: str | None = None  # why the last fetch failed (None: it succeeded)
        self._inflight: dict[asyncio.AbstractEventLoop, asyncio.Future[None]] = {}

    @classmethod
    def from_config(
        cls,
        config: AuthViewsConfig,
        clock: Callable[[], float] = time.time,
        on_change: Callable[[], None] | None = None,
    ) -> RemoteKeys:
        """The remote key set of ``config.jwks_url``."""
        assert config.jwks_url is not None
        return cls(
            config.jwks_url,
            config.decode_algorithms,
            cache_seconds=config.jwks_cache_seconds,
            refetch_seconds=config.jwks_refetch_seconds,
            timeout=config.jwks_timeout,
            clock=clock,
            on_change=on_change,
        )

    def checked_until(self) -> float:
        """Until when the keys in hand stand unchallenged: the first moment a lookup of a known key may
        fetch the set again (it is stale, and no fetch was tried within the refetch interval). A token
        verified with one of them is verified again from then on."""
        if self._fetched_at is None:
            return -math.inf
        due = self._fetched_at + self._cache_seconds
        if self._attempted_at is not None:
            due = max(due, self._attempted_at + self._refetch_seconds)
        return due

    def entry(self, kid: str) -> KeyEntry | None:
        """The cached key ``kid``; None when the provider does not list it (401); raises
        :class:`KeyFetchNeededError` when a fetch is due, ``KeysUnavailableError`` when the key set cannot
        be fetched and no cached key matches."""
        now = self._clock()
        found = self._entries.get(kid)
        stale = self._fetched_at is None or now - self._fetched_at >= self._cache_seconds
        may_fetch = self._attempted_at is None or now - self._attempted_at >= self._refetch_seconds
        if ((found is None or stale) and may_fetch) or (found is None and self._inflight):
            raise KeyFetchNeededError(self)  # a fetch is due, or under way: the caller awaits it
        if found is None and self.failure is not None:
            raise errors.KeysUnavailableError()
        return found

    async def refresh(self) -> None:
        """Fetch the key set once for every concurrent caller of one event loop; never raises."""
        loop = asyncio.get_running_loop()
        pending = self._inflight.get(loop)
        if pending is None:
            pending = self._inflight[loop] = loop.create_future()
            try:
                await self._fetch()
            finally:
                del self._inflight[loop]
                pending.set_result(None)
        else:
            await asyncio.shield(pending)

    async def _fetch(self) -> None:
        self._attempted_at = self._clock()
        try:
            with anyio.fail_after(self._timeout):
                body = await anyio.to_thread.run_sync(self._download, abandon_on_cancel=True)
            entries, published = self._parse(body)
        except TimeoutError:
            self._failed(f"no answer within {self._timeout:g} s")
        except (OSError, ValueError) as exc:
            self._failed(str(exc) or type(exc).__name__)
        else:
            changed = self._published is not None and published != self._published
            self._entries, self._published, self._fetched_at, self.failure = (
                entries, published, self._clock(), None
            )
            if changed and self._on_change is not None:
                self._on_change()

    def _failed(self, reason: str) -> None:
        self.failure = reason
        logger.warning("JWKS %s could not be fetched (%s); keeping %d cached keys", self.url, reason,
                       len(self._entries))

    def _download(self) -> bytes:
        """GET the key set: at most ``MAX_JWKS_BYTES``, within the timeout as a whole (a server dripping
        bytes cannot hold the thread), redirects only to URLs ``AUTHJWT_JWKS_URL`` itself would accept."""
        deadline = time.monotonic() + self._timeout
        request = urllib.request.Request(self.url, headers={"Accept": "application/json"})
        try:
            with _OPENER.open(request, timeout=self._timeout) as response:
                chunks, size = [], 0
                while chunk := response.read(65536):
                    chunks.append(chunk)
                    size += len(chunk)
                    if size > MAX_JWKS_BYTES:
                        raise ValueError(f"the key set is larger than {MAX_JWKS_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise TimeoutError
        except urllib.error.HTTPError as exc:
            exc.close()  # it holds the connection open
            raise OSError(f"HTTP {exc.code} {exc.reason}") from None
        return b"".join(chunks)

    def _parse(self, body: bytes) -> tuple[dict[str, KeyEntry], str]:
        try:
            document: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ValueError(f"not JSON: {exc}") from None
        keys = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(keys, list):
            raise ValueError('not a JWKS: no "keys" array')
        entries: dict[str, KeyEntry] = {}
        for jwk in keys:
            try:
                key, algorithms, kid = read_jwk(jwk, "AUTHJWT_JWKS_URL", self._algorithms, remote=True)
            except ValueError as exc:
                logger.warning("JWKS %s: skipping a key: %s", self.url, exc)
                continue
            if algorithms and kid not in entries:
                entries[kid] = KeyEntry(kid, dict.fromkeys(algorithms, key))
        if not entries:
            raise ValueError(f"no usable key for the allowed algorithms {list(self._algorithms)}")
        return entries, json.dumps(keys, sort_keys=True)
