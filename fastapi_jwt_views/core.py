"""``AuthViews``: one configuration, its keys and its revocation store, bound to FastAPI apps.

This is the one core that the views, the dependencies and the session are thin layers over. ``install(app)``
binds it to an application tree (see :mod:`fastapi_jwt_views._apps`), so two apps in one process can each
have their own; nothing here is process-global, and nothing is built from the environment behind your back.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, cast

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp
from starlette.websockets import WebSocket

from . import errors
from ._apps import NOT_INSTALLED, SCOPE_KEY, bind, installed_on
from .config import AuthViewsConfig
from .locations import CookieIssuer, CookieWriter, Location, TokenReader, read_first_message
from .logins import LoginSessions
from .openapi import document
from .remote_keys import KeyFetchNeededError
from .revocation import MemoryRevocationStore, RevocationCallback, RevocationStore, fail_closed, family_key
from .revocation.base import jti_key
from .tokens import (
    FAMILY_CLAIM,
    REFRESH,
    Requirement,
    TokenCodec,
    TokenIssuer,
    TokenPair,
    VerifiedToken,
    check_requirement,
)
from .users import NO_USER_LOADER, UserLoader, Users

__all__ = ["AuthViews", "Requirement", "TokenPair"]

logger = logging.getLogger("fastapi_jwt_views")

REVOCATION_DISABLED: Final = (
    "Revoking tokens needs revocation enabled: set AUTHJWT_BLACKLIST_ENABLED=true "
    "(AuthViewsConfig(denylist_enabled=True) in code); without it a revoked token is never checked"
)


def _default_store(config: AuthViewsConfig, clock: Callable[[], float]) -> RevocationStore:
    if config.redis_url is None:
        return MemoryRevocationStore(
            config.revocation_capacity, session_capacity=config.session_capacity, timer=clock
        )
    try:
        from .revocation.redis import RedisRevocationStore
    except ImportError as exc:  # the redis package is an extra
        raise errors.ConfigurationError(
            "AUTHJWT_REDIS_URL is set but the redis package is missing: "
            'pip install "fastapi-jwt-views[redis]"'
        ) from exc
    return RedisRevocationStore.from_config(config)


class AuthViews(TokenIssuer, CookieIssuer):
    """Binds a configuration, a revocation store and an optional revocation callback to apps.

    ``store`` defaults to a Redis store when ``redis_url`` is set, else to a :class:`MemoryRevocationStore`
    sized by ``revocation_capacity``.
    ``is_revoked`` is an extra check of your own, given the verified claims (sync or async); a token is
    refused when the store or the callback says it is revoked. Both need ``blacklist_enabled``.
    ``user_loader`` turns a verified token into the application's user (``await self.auth.user()``;
    see :mod:`fastapi_jwt_views.users`).
    """

    def __init__(
        self,
        config: AuthViewsConfig | None = None,
        *,
        store: RevocationStore | None = None,
        is_revoked: RevocationCallback | None = None,
        clock: Callable[[], float] = time.time,
        user_loader: UserLoader | None = None,
    ) -> None:
        self.config = config if config is not None else AuthViewsConfig.from_env()
        if is_revoked is not None and not self.config.blacklist_enabled:
            raise errors.ConfigurationError(
                "A revocation callback was given but AUTHJWT_BLACKLIST_ENABLED is false: enable it"
            )
        self.codec = TokenCodec(self.config, clock=clock)
        self.store: RevocationStore = store if store is not None else _default_store(self.config, clock)
        self._callback = is_revoked
        self._callback_is_async = inspect.iscoroutinefunction(is_revoked)
        self._readers: dict[tuple[bool, tuple[Location, ...]], TokenReader] = {}
        # ... and by what authenticate() is asked (requirement, locations, whether a WebSocket)
        self._by_request: dict[tuple[Requirement, Sequence[Location] | None, bool], TokenReader] = {}
        self.cookies = CookieWriter(self.config)
        self.sessions = LoginSessions(self)
        self.users = Users(user_loader) if user_loader is not None else None
        enabled = self.config.blacklist_enabled
        self._checked_types = self.config.blacklist_token_checks if enabled else frozenset()

    @property
    def _codec(self) -> TokenCodec:
        return self.codec

    @property
    def _cookies(self) -> CookieWriter:
        return self.cookies

    # -- binding ----------------------------------------------------------------------------------------
    def install(self, app: FastAPI) -> AuthViews:
        """Make this the authentication of ``app`` and of every app mounted under it that installs none
        of its own (and return self).

        Every request and WebSocket the app serves then finds this instance (:meth:`find`); its start-up
        refuses view routes left without authentication; its OpenAPI document declares the security
        schemes; its shutdown closes the store's connections (a Redis store built from
        ``AUTHJWT_REDIS_URL``).
        """
        bind(app, self)
        document(app, lambda: (installed_on(app) or self).config)
        return self

    async def startup(self) -> None:
        """Check that the store can be used (a Redis store: reachable, credentials, database), so that a
        wrong ``AUTHJWT_REDIS_URL`` stops the application at start-up rather than failing requests.
        The app's lifespan calls it; with ``AUTHJWT_REDIS_STARTUP_CHECK=false`` a failure is only logged."""
        check = getattr(self.store, "check", None)
        if check is None:
            return
        try:
            await check()
        except errors.ConfigurationError as exc:
            if self.config.redis_startup_check:
                raise
            logger.warning("%s (starting anyway: AUTHJWT_REDIS_STARTUP_CHECK=false)", exc)

    async def aclose(self) -> None:
        """Close what the store holds open (the connections of a Redis store it built itself)."""
        close = getattr(self.store, "aclose", None)
        if close is not None:
            await close()

    @classmethod
    def find(cls, target: HTTPConnection | ASGIApp) -> AuthViews | None:
        """The instance serving a connection (installed on its app or on an app it is mounted in), or the
        one installed on an app; None when there is none. Nothing is built from the environment."""
        if isinstance(target, HTTPConnection):
            found: AuthViews | None = target.scope.get(SCOPE_KEY)
            return found
        return installed_on(target)

    @classmethod
    def of(cls, target: HTTPConnection | ASGIApp) -> AuthViews:
        """As :meth:`find`, but raise :class:`ConfigurationError` (naming the fix) when there is none."""
        found = cls.find(target)
        if found is None:
            raise errors.ConfigurationError(NOT_INSTALLED)
        return found

    # -- verifying --------------------------------------------------------------------------------------
    async def authenticate(
        self,
        connection: HTTPConnection,
        requirement: Requirement,
        locations: Sequence[Location] | None = None,
    ) -> VerifiedToken | None:
        """Find, verify and check the token of a request; None only for ``optional`` without a token.

        ``locations`` overrides ``token_location`` (a view's own list). WebSocket connections look in the
        query string too unless the view lists its locations itself.
        """
        websocket = connection.scope["type"] == "websocket"
        if locations is not None and type(locations) is not tuple:
            locations = tuple(locations)  # a list cannot be a dict key
        reader = self._by_request.get((requirement, locations, websocket))
        if reader is None:
            reader = self._by_request[requirement, locations, websocket] = self.reader(
                requirement, locations, websocket=websocket
            )
        found = reader.read(connection)
        if found is None and "message" in reader.locations and isinstance(connection, WebSocket):
            optional = requirement == "optional"  # an anonymous client sends a message without a token
            found = await read_first_message(connection, self.config.max_token_size, optional=optional)
        if found is None:
            if requirement == "optional":
                return None
            raise reader.missing()
        verified = await self.verify(found.token, requirement)
        if found.csrf_required:
            found.check_csrf(verified.claims)
        return verified

    def reader(
        self,
        requirement: Requirement,
        locations: Sequence[Location] | None = None,
        *,
        websocket: bool = False,
    ) -> TokenReader:
        """The (cached) reader of one token type in ``locations`` (default: the configured ones)."""
        where: tuple[Location, ...]
        if locations is not None:
            where = tuple(locations)
        else:
            where = cast("tuple[Location, ...]", self.config.token_location)
            if websocket and "query" not in where:  # browsers cannot send headers on a WebSocket
                where = (*where, "query")
        key = (requirement == REFRESH, where)
        reader = self._readers.get(key)
        if reader is None:
            reader = self._readers[key] = TokenReader(self.config, key[1], refresh=key[0])
        return reader

    def missing_token(self) -> errors.MissingTokenError:
        """The error for a request that carries no token where one is required."""
        return self.reader("access").missing()

    async def verify(
        self,
        token: str,
        requirement: Requirement = "access",
        *,
        consume: bool = True,
        consumed_by: str | None = None,
    ) -> VerifiedToken:
        """Verify an encoded token against a requirement, including revocation.

        With refresh-token rotation, a refresh token verified for a refresh is consumed (good for one
        refresh) unless ``consume=False`` (a look before a refresh guard that consumes it: the ``jti`` is
        left to that consumption, which tells a reused token apart). ``consumed_by`` (of the
        :class:`~.logins.ConsumedRefreshToken` returned) repeats the same consumption, as
        ``self.auth.check()`` does.
        """
        try:
            verified = self.codec.decode(token)
        except KeyFetchNeededError as needed:  # an identity provider's key set is due: fetch, then retry
            await needed.fetch()
            verified = self.codec.decode(token)
        claims = verified.claims_read_only
        check_requirement(claims, requirement, self.codec.clock)
        if claims["type"] in self._checked_types:
            rotating = requirement == REFRESH and self.config.refresh_token_rotation
            if rotating and consume:
                return await self.sessions.consume(verified, consumed_by)
            await self._check_revocation(verified, jti=not rotating)  # consuming checks the jti
        return verified

    @property
    def verification_may_wait(self) -> bool:
        """Whether :meth:`verify` may suspend: a revocation check doing I/O (a store other than the
        in-memory one, or a callback). When False, synchronous code can drive it to completion."""
        if not self._checked_types:
            return False
        return not (type(self.store) is MemoryRevocationStore and self._callback is None)

    async def _check_revocation(self, token: VerifiedToken, *, jti: bool = True) -> None:
        """Refuse a revoked token: its ``jti`` (unless ``jti=False``: rotation consumes it instead), its
        family, and the user's callback."""
        claims = token.claims_read_only
        token_id = claims.get("jti")
        if token_id is None:
            raise errors.MissingClaimError("Missing claim: jti")
        family = claims.get(FAMILY_CLAIM)
        ids = [jti_key(token_id)] if jti else []
        if isinstance(family, str):
            ids.append(family_key(family))
        try:
            try:  # fail_closed, inline: no context-manager generator on every request (about 0.8 µs)
                revoked = await self.store.is_revoked(*ids)
            except errors.AuthViewsError:
                raise
            except Exception as exc:
                logger.exception("revocation check failed; refusing the request")
                raise errors.RevocationUnavailableError() from exc
        except errors.RevocationUnavailableError:
            if not self.config.revocation_fail_open:
                raise
            logger.warning("revocation store unavailable; accepting the token (AUTHJWT_REVOCATION_FAIL_OPEN)")
            revoked = False
        if not revoked and self._callback is not None:
            with fail_closed("revocation callback failed; refusing the request"):
                result = (
                    self._callback(token.claims)  # the request's own copy: a callback may change it
                    if self._callback_is_async
                    else await run_in_threadpool(self._callback, token.claims)
                )
                revoked = bool(await result if inspect.isawaitable(result) else result)
        if revoked:
            raise errors.RevokedTokenError()

    async def load_user(self, claims: Mapping[str, Any]) -> Any:
        """The user of verified ``claims``, from the ``user_loader`` (401 when it finds none); what
        ``self.auth.user()`` uses, and how the compatibility API loads one:
        ``await AuthViews.of(request).load_user(Authorize.get_raw_jwt())``."""
        if self.users is None:
            logger.error("%s", NO_USER_LOADER)
            raise errors.MisconfiguredError(NO_USER_LOADER)
        return await self.users.load(claims)

    # -- revoking ---------------------------------------------------------------------------------------
    async def revoke_claims(self, claims: Mapping[str, Any]) -> None:
        """Revoke the token with these (verified) claims until it would have expired."""
        jti = claims.get("jti")
        if not isinstance(jti, str):
            raise errors.MissingClaimError("Missing claim: jti")
        await self.revoke_jti(jti, self.codec.expires_at(claims))

    async def revoke_jti(self, jti: str, expires_at: float | None = None) -> None:
        """Revoke a token by its ``jti`` until ``expires_at`` (its ``exp`` plus leeway, epoch seconds).

        Without ``expires_at`` nobody knows how long the token lives (it may have been minted with a
        longer explicit ``expires``), so it stays revoked for the life of the store.
        """
        self.require_revocation()
        with fail_closed("could not revoke a token"):
            await self.store.revoke(jti_key(jti), expires_at)

    async def revoke_token(self, token: str) -> None:
        """Revoke an encoded token of any type (its signature is verified first)."""
        await self.revoke_claims(self.codec.decode(token).claims)

    def require_revocation(self) -> None:
        """Raise :class:`MisconfiguredError` (a 500 naming the setting, and a ``RuntimeError``) unless
        revocation is enabled: otherwise a revoked token would never be checked."""
        if not self.config.blacklist_enabled:
            logger.error("%s", REVOCATION_DISABLED)
            raise errors.MisconfiguredError(REVOCATION_DISABLED)

