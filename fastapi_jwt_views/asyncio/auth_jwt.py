"""async-fastapi-jwt-auth's ``AuthJWT`` (awaitable methods) and ``AuthJWTBearer`` (a bearer security scheme).

``Depends(AuthJWTBearer())`` is an async dependency: it verifies the request's tokens on the event loop and
returns the ``AuthJWT``, with no thread-pool hop; ``Authorize: AuthJWT = Depends()`` works too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket

from .._compat_base import AuthJWTBase, subject_of
from .._compat_request import check_connection, consume, to_consume, verify
from ..tokens import ACCESS, REFRESH, Requirement

__all__ = ["AuthJWT", "AuthJWTBearer"]


class AuthJWT(AuthJWTBase):
    """async-fastapi-jwt-auth's ``AuthJWT``: the 0.5.0 API with every method awaited."""

    # -- guards --------------------------------------------------------------------------------------------
    async def jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token (WebSocket: ``token=``, or ``websocket=`` and ``csrf_token=``)."""
        await self._guard("access", auth_from, token, websocket, csrf_token)

    async def jwt_optional(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Accept a valid access token or none; a bad token, or a refresh token, is still refused."""
        await self._guard("optional", auth_from, token, websocket, csrf_token)

    async def jwt_refresh_token_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid refresh token."""
        await self._guard("refresh", auth_from, token, websocket, csrf_token)

    async def fresh_jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token created with ``fresh=True``."""
        await self._guard("fresh", auth_from, token, websocket, csrf_token)

    async def _guard(
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
                if outcome is None:  # not seen by the dependency: verified here, revocation included
                    outcome = await verify(self._resolved, found.token)
                spent = to_consume(self._resolved, requirement, outcome)
                if spent is not None:
                    outcome = self._remember(found.token, await consume(self._resolved, spent))
            self._finish(requirement, found, outcome)

    # -- tokens --------------------------------------------------------------------------------------------
    async def create_access_token(
        self,
        subject: str | int | None = None,
        fresh: bool = False,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
    ) -> str:
        """Create an access token for ``subject``."""
        subject = subject_of(subject, None, "create_access_token")
        return self._create(ACCESS, subject, fresh, algorithm, headers, expires_time, audience, user_claims)

    async def create_refresh_token(
        self,
        subject: str | int | None = None,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
    ) -> str:
        """Create a refresh token for ``subject``."""
        subject = subject_of(subject, None, "create_refresh_token")
        return self._create(REFRESH, subject, False, algorithm, headers, expires_time, audience, user_claims)

    async def get_raw_jwt(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The claims of ``encoded_token`` (verified, revocation not checked) or of the current token."""
        return self._raw_jwt(encoded_token)

    async def get_jti(self, encoded_token: str) -> str | None:
        """The ``jti`` of ``encoded_token``, once verified."""
        return self._jti(encoded_token)

    async def get_jwt_subject(self) -> str | int | None:
        """The ``sub`` of the current token; None when there is none."""
        return self._subject_now()

    async def get_unverified_jwt_headers(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The JOSE header of ``encoded_token`` or of the current token, **not verified**."""
        return self._unverified_headers(encoded_token)

    async def revoke_token(self, encoded_token: str | None = None) -> None:
        """Not in the fork: revoke the current token, or ``encoded_token``, in the app's revocation store."""
        with self._translated():
            await self._revocation(encoded_token)

    # -- cookies -------------------------------------------------------------------------------------------
    async def set_access_cookies(
        self, encoded_access_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put an access token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        self._set_cookies(ACCESS, encoded_access_token, response, max_age)

    async def set_refresh_cookies(
        self, encoded_refresh_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put a refresh token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        self._set_cookies(REFRESH, encoded_refresh_token, response, max_age)

    async def unset_jwt_cookies(self, response: Response | None = None) -> None:
        """Delete the access and refresh cookies and their CSRF cookies."""
        self._unset_cookies("jwt", response)

    async def unset_access_cookies(self, response: Response | None = None) -> None:
        """Delete the access token cookie and its CSRF cookie."""
        self._unset_cookies("access", response)

    async def unset_refresh_cookies(self, response: Response | None = None) -> None:
        """Delete the refresh token cookie and its CSRF cookie."""
        self._unset_cookies("refresh", response)


class AuthJWTBearer(SecurityBase):
    """``Depends(AuthJWTBearer())``: an ``AuthJWT`` whose route shows a bearer field in Swagger UI.

    The guards decide what is required; with ``auto_error=True`` (the default) nothing is refused here, so
    ``jwt_optional`` routes keep working, as in async-fastapi-jwt-auth.
    """

    def __init__(
        self,
        *,
        bearerFormat: str | None = None,
        scheme_name: str | None = None,
        description: str | None = None,
        auto_error: bool = True,
    ) -> None:
        self.model = HTTPBearerModel(bearerFormat=bearerFormat, description=description)
        self.scheme_name = scheme_name or type(self).__name__
        self.auto_error = auto_error

    async def __call__(self, req: HTTPConnection, res: Response) -> AuthJWT:
        return AuthJWT(req, res, await check_connection(req))


# FastAPI 0.115 resolves a callable instance's string annotations without its module's globals.
AuthJWTBearer.__call__.__annotations__.update(req=HTTPConnection, res=Response)
