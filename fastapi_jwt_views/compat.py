"""``AuthJWT``: fastapi-jwt-auth 0.5.0's dependency API, as a thin layer over the same core as the views.

``Authorize: AuthJWT = Depends()`` runs an async sub-dependency first, which reads the request's tokens
and verifies them (signature, claims, and revocation with ``await``); the guards called in the handler
(``Authorize.jwt_required()``) then only check the token type, freshness and CSRF on that finished
result and raise what it found. Nothing is raised while ``AuthJWT`` is built, so a login route that
injects it works whatever the request carries.

Configuration is the app's installed ``AuthViews``; an app that installed none uses fastapi-jwt-auth's
process-wide configuration (``load_config``, the denylist loader, the class attributes such as
``AuthJWT._denylist_enabled``; else the ``AUTHJWT_*`` environment), read at each use, so a module-level
``AuthJWT()`` follows a later ``load_config``. A WebSocket guard given a token the dependency did not see
checks it without waiting, or refuses it with 1011 (see :mod:`._compat_request`); the awaitable API of
:mod:`fastapi_jwt_views.asyncio` checks it fully.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Generator, Mapping, Sequence
from datetime import timedelta
from typing import Any

from starlette.responses import Response
from starlette.websockets import WebSocket

from ._compat_base import AuthJWTBase, subject_of
from ._compat_config import WeakSecretWarning
from ._compat_request import consume_now, to_consume, verify_now
from ._sync import complete_now
from .exceptions import AuthJWTException
from .revocation import MemoryRevocationStore
from .tokens import ACCESS, REFRESH, Requirement

__all__ = ["AuthJWT", "AuthJWTException", "WeakSecretWarning"]


class _Done:
    """An awaitable with nothing left to do (the revocation already happened)."""

    def __await__(self) -> Generator[Any, None, None]:
        yield from ()


class AuthJWT(AuthJWTBase):
    """fastapi-jwt-auth's ``AuthJWT``: inject it with ``Authorize: AuthJWT = Depends()``, then call a guard.

    It uses the ``AuthViews`` installed on the app, else the configuration of :meth:`load_config`, else the
    ``AUTHJWT_*`` environment variables. Errors are :mod:`fastapi_jwt_views.exceptions` classes.
    """

    # -- guards --------------------------------------------------------------------------------------------
    def jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token (WebSocket: ``token=``, or ``websocket=`` and ``csrf_token=``)."""
        self._guard("access", auth_from, token, websocket, csrf_token)

    def jwt_optional(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Accept a valid access token or none; a bad token, or a refresh token, is still refused."""
        self._guard("optional", auth_from, token, websocket, csrf_token)

    def jwt_refresh_token_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid refresh token (read from the refresh cookie when tokens travel in cookies)."""
        self._guard("refresh", auth_from, token, websocket, csrf_token)

    def fresh_jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token created with ``fresh=True``."""
        self._guard("fresh", auth_from, token, websocket, csrf_token)

    def _guard(
        self,
        requirement: Requirement,
        auth_from: str,
        token: str | None,
        websocket: WebSocket | None,
        csrf_token: str | None,
    ) -> None:
        with self._translated(websocket=auth_from == "websocket"):
            found = self._select(requirement, auth_from, token, websocket, csrf_token)
            outcome = None
            if found is not None:
                outcome = self._outcome(found.token)
                if outcome is None:  # not seen by the dependency: checked without waiting, or refused
                    outcome = verify_now(self._resolved, found.token)
                spent = to_consume(self._resolved, requirement, outcome)
                if spent is not None:
                    outcome = self._remember(found.token, consume_now(self._resolved, spent))
            self._finish(requirement, found, outcome)

    # -- tokens --------------------------------------------------------------------------------------------
    def create_access_token(
        self,
        subject: str | int | None = None,
        fresh: bool = False,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
        *,
        identity: str | int | None = None,
    ) -> str:
        """Create an access token for ``subject`` (``identity=`` is its older name).

        ``expires_time``: a ``timedelta``, seconds, or ``False`` for no expiry. ``user_claims`` may not
        contain a claim the library sets (``type``, ``sub``, ``exp``, ...): that raises ``ValueError``.
        """
        subject = subject_of(subject, identity, "create_access_token")
        return self._create(ACCESS, subject, fresh, algorithm, headers, expires_time, audience, user_claims)

    def create_refresh_token(
        self,
        subject: str | int | None = None,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
        *,
        identity: str | int | None = None,
    ) -> str:
        """Create a refresh token for ``subject``; the arguments are those of :meth:`create_access_token`."""
        subject = subject_of(subject, identity, "create_refresh_token")
        return self._create(REFRESH, subject, False, algorithm, headers, expires_time, audience, user_claims)

    def get_raw_jwt(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The claims of ``encoded_token`` (verified, revocation not checked) or of the current token."""
        return self._raw_jwt(encoded_token)

    def get_jti(self, encoded_token: str) -> str | None:
        """The ``jti`` of ``encoded_token``, once verified."""
        return self._jti(encoded_token)

    def get_jwt_subject(self) -> str | int | None:
        """The ``sub`` of the current token; None when there is none (``jwt_optional`` without a token)."""
        return self._subject_now()

    def get_jwt_identity(self) -> str | int | None:
        """The older name of :meth:`get_jwt_subject`."""
        return self._subject_now()

    def get_unverified_jwt_headers(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The JOSE header of ``encoded_token`` or of the current token, **not verified**."""
        return self._unverified_headers(encoded_token)

    def revoke_token(self, encoded_token: str | None = None) -> Awaitable[None]:
        """Not in 0.5.0: revoke the current token, or ``encoded_token``, in the app's revocation store.

        Needs ``denylist_enabled``. In an ``async def`` handler, ``await`` it. In a ``def`` handler the
        in-memory store revokes at once; a store that must wait (Redis) raises ``RuntimeError`` there, as
        a worker thread must not wait for the event loop: use an ``async def`` handler.
        """
        with self._translated():
            revocation = self._revocation(encoded_token)
        try:
            asyncio.get_running_loop()
        except RuntimeError:  # a worker thread (sync handler) or no app at all
            authviews = self._resolved.authviews
            if type(authviews.store) is not MemoryRevocationStore:
                revocation.close()
                raise RuntimeError(
                    "Authorize.revoke_token() in a sync handler cannot wait for "
                    f"{type(authviews.store).__name__}: make the handler 'async def' and "
                    "'await Authorize.revoke_token()'"
                ) from None
            complete_now(revocation)
            return _Done()
        return revocation

    # -- cookies -------------------------------------------------------------------------------------------
    def set_access_cookies(
        self, encoded_access_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put an access token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        self._set_cookies(ACCESS, encoded_access_token, response, max_age)

    def set_refresh_cookies(
        self, encoded_refresh_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put a refresh token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        self._set_cookies(REFRESH, encoded_refresh_token, response, max_age)

    def unset_jwt_cookies(self, response: Response | None = None) -> None:
        """Delete the access and refresh cookies and their CSRF cookies."""
        self._unset_cookies("jwt", response)

    def unset_access_cookies(self, response: Response | None = None) -> None:
        """Delete the access token cookie and its CSRF cookie."""
        self._unset_cookies("access", response)

    def unset_refresh_cookies(self, response: Response | None = None) -> None:
        """Delete the refresh token cookie and its CSRF cookie."""
        self._unset_cookies("refresh", response)

