"""``AuthSession``: the per-request object behind ``self.auth``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from contextlib import AsyncExitStack
from datetime import datetime, timezone
from typing import Any, TypeVar

from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketState

from ._authorization import Authorization
from ._operations import Done, Operation
from ._sync import run_blocking
from .claims import ClaimsT
from .core import AuthViews, Requirement
from .errors import AuthViewsError, as_websocket_error
from .locations import CookieIssuer, CookieWriter
from .revocation import LoginSession
from .tokens import (
    FAMILY_CLAIM,
    Freshness,
    TokenCodec,
    TokenIssuer,
    TokenPair,
    VerifiedToken,
    is_fresh,
)

__all__ = ["AuthSession"]

logger = logging.getLogger("fastapi_jwt_views")
_T = TypeVar("_T")


class AuthSession(TokenIssuer, CookieIssuer, Authorization[ClaimsT]):
    """The caller's verified token, and the token operations of the app that received it.

    In an :class:`~fastapi_jwt_views.OptionalView` without a token, ``identity``, ``jti`` and the other
    token attributes are None and ``claims`` is empty; creating tokens still works (a login route).
    ``revoke()`` and ``revoke_token()`` are awaitable in async handlers and blocking in sync ones.

    Every operation that returns an awaitable (``revoke``, ``revoke_token``, ``login``, ``refresh``,
    ``sessions``, ``revoke_session``, ``revoke_all_sessions``) starts when it is called. Await it; if an
    ``async`` handler of a view forgets to, the view finishes it before the response (with a warning in
    the log), and its failure is the response (a 503 when the store is down) rather than a silent 200.

    In a view with a claims model (``ProtectedView[MyClaims]``) it is an ``AuthSession[MyClaims]``:
    ``typed_claims`` is the validated model instance (see :class:`~._authorization.Authorization` for it,
    ``scopes`` and ``user()``).
    """

    __slots__ = ("_pending", "_token", "authviews", "connection", "requirement")

    def __init__(
        self,
        authviews: AuthViews,
        token: VerifiedToken | None,
        connection: HTTPConnection | None = None,
        requirement: Requirement = "access",
    ) -> None:
        self.authviews = authviews
        self._token = token
        self.connection = connection
        self.requirement = requirement
        self._pending: list[Operation[Any]] | None = None
        self._typed: ClaimsT | None = None
        self._user: asyncio.Future[Any] | None = None

    def __repr__(self) -> str:
        return f"AuthSession(identity={self.identity!r}, type={self.token_type!r})"

    # -- the current token ------------------------------------------------------------------------------
    @property
    def identity(self) -> str | int | None:
        """Who the token was issued to: its ``sub`` claim (``AUTHJWT_IDENTITY_CLAIM`` for foreign tokens)."""
        return self._token.identity if self._token else None

    @property
    def claims(self) -> dict[str, Any]:
        """All claims of the token, as decoded (empty without a token)."""
        return self._token.claims if self._token else {}

    @property
    def header(self) -> dict[str, Any]:
        """The token's JOSE header (empty without a token)."""
        return self._token.header if self._token else {}

    @property
    def token(self) -> str | None:
        """The encoded token as the client sent it."""
        return self._token.token if self._token else None

    @property
    def jti(self) -> str | None:
        """The token's unique id."""
        return self.claims.get("jti")

    @property
    def token_type(self) -> str | None:
        """``"access"`` or ``"refresh"``."""
        return self.claims.get("type")

    @property
    def fresh(self) -> bool:
        """Whether this is a fresh access token (issued by a login, not by a refresh), now: one created
        with ``fresh=timedelta(...)`` stops being fresh when that time has passed."""
        return self._token is not None and is_fresh(self._token.claims, self.authviews.codec.clock)

    @property
    def expires_at(self) -> datetime | None:
        """When the token expires (UTC), or None for a token that never does."""
        exp = self.claims.get("exp")
        return datetime.fromtimestamp(exp, tz=timezone.utc) if exp is not None else None

    @property
    def _codec(self) -> TokenCodec:
        return self.authviews.codec

    @property
    def _cookies(self) -> CookieWriter:
        return self.authviews.cookies

    # -- tokens -----------------------------------------------------------------------------------------
    def get_jti(self, token: str) -> str | None:
        """Verify an encoded token and return its ``jti``."""
        jti = self._codec.decode(token).claims.get("jti")
        return jti if isinstance(jti, str) else None

    # -- operations that may wait ------------------------------------------------------------------------
    def _start(self, name: str, make: Callable[[], Coroutine[Any, Any, _T]]) -> Awaitable[_T]:
        """Start ``make()`` now: as a task in async code, to completion from a sync handler's thread."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return Done(run_blocking(make))
        operation = Operation(name, make())
        if self._pending is None:
            self._pending = []
            # FastAPI with function-scoped dependencies closes this stack when the endpoint returns, before
            # the response is sent: function routes (`auth: AuthSession = Depends(require_access)`) settle
            # there. The views settle in their endpoint, on every FastAPI.
            scope = self.connection.scope if self.connection is not None else {}
            stack = scope.get("fastapi_function_astack")
            if isinstance(stack, AsyncExitStack):
                stack.push_async_callback(self.settle)
        self._pending.append(operation)
        return operation

    @property
    def pending(self) -> bool:
        """Whether operations started on this session may still be unfinished (:meth:`settle` them)."""
        return self._pending is not None

    async def settle(self) -> None:
        """Finish the operations started on this session that nobody awaited, raising the first error.

        The views call it when an async handler returns, so ``self.auth.revoke()`` without ``await``
        still revokes before the response, or the response is its error.
        """
        pending, self._pending = self._pending, None
        for operation in pending or ():
            if not operation.awaited:
                operation.awaited = True
                logger.warning(
                    "self.auth.%s() was called without await; it was finished before the response. "
                    "Write `await self.auth.%s(...)`",
                    operation.name,
                    operation.name,
                )
                await operation

    # -- login sessions ---------------------------------------------------------------------------------
    def login(
        self, identity: str | int, *, fresh: Freshness = True, claims: Mapping[str, Any] | None = None
    ) -> Awaitable[TokenPair]:
        """Start a login session for ``identity`` (a new token family; its user agent is recorded)."""
        agent = self.connection.headers.get("user-agent") if self.connection is not None else None
        sessions = self.authviews.sessions
        return self._start(
            "login", lambda: sessions.login(identity, fresh=fresh, claims=claims, user_agent=agent)
        )

    def refresh(self, *, fresh: Freshness = False) -> Awaitable[TokenPair]:
        """In a :class:`~fastapi_jwt_views.RefreshView`: a new access token and, with
        ``refresh_token_rotation``, a new refresh token (the presented one is revoked)."""
        token = self._token
        if token is None:
            raise self.authviews.reader("refresh").missing()
        return self._start("refresh", lambda: self.authviews.sessions.refresh(token, fresh=fresh))

    def sessions(self) -> Awaitable[list[LoginSession]]:
        """The caller's active login sessions, oldest first."""
        identity = self._identity()
        return self._start("sessions", lambda: self.authviews.sessions.list(identity))

    def revoke_session(self, family: str) -> Awaitable[bool]:
        """End one of the caller's sessions (by its ``family``); False when it is not theirs."""
        identity = self._identity()
        return self._start("revoke_session", lambda: self.authviews.sessions.revoke(identity, family))

    def revoke_all_sessions(self) -> Awaitable[int]:
        """End every session of the caller, this one included ("log out everywhere")."""
        identity = self._identity()
        return self._start("revoke_all_sessions", lambda: self._revoke_all_sessions(identity))

    async def _revoke_all_sessions(self, identity: str | int) -> int:
        ended = await self.authviews.sessions.revoke_all(identity)
        family = self.family
        if family is not None:  # even if its record is gone (expired from a memory store, say)
            await self.authviews.sessions.revoke_family(family)
        return ended

    @property
    def family(self) -> str | None:
        """The id of the login session this token descends from (None for tokens made without one)."""
        family = self.claims.get(FAMILY_CLAIM)
        return family if isinstance(family, str) else None

    def _identity(self) -> str | int:
        if self._token is None:
            raise self.authviews.missing_token()
        return self._token.identity

    # -- WebSockets ---------------------------------------------------------------------------------------
    async def check(self) -> None:
        """Verify the current token again (expiry, revocation); raise if it is no longer acceptable.

        On a WebSocket the error is a ``WebSocketException`` (close code 1008, the usual ``detail`` as
        reason), so a long-lived connection does not outlive its token.
        """
        if self._token is None:
            return
        try:
            consumed_by = getattr(self._token, "consumed_by", None)  # a refresh token this request consumed
            await self.authviews.verify(self._token.token, self.requirement, consumed_by=consumed_by)
        except AuthViewsError as exc:
            if isinstance(self.connection, WebSocket):
                raise as_websocket_error(exc) from exc
            raise

    @property
    def websocket(self) -> WebSocket:
        """The WebSocket of this connection (a ``RuntimeError`` on HTTP requests)."""
        if not isinstance(self.connection, WebSocket):
            raise RuntimeError("This is not a WebSocket connection")
        return self.connection

    async def accept(self, subprotocol: str | None = None) -> None:
        """Accept the WebSocket unless it already is (a token sent as the first message accepts it)."""
        if self.websocket.application_state == WebSocketState.CONNECTING:
            await self.websocket.accept(subprotocol)

    async def receive_text(self) -> str:
        """Receive a text message; the token is checked before waiting and again before handing it over."""
        await self._ready()
        data = await self.websocket.receive_text()
        await self.check()
        return data

    async def receive_bytes(self) -> bytes:
        """Receive a binary message (the token checked as for :meth:`receive_text`)."""
        await self._ready()
        data = await self.websocket.receive_bytes()
        await self.check()
        return data

    async def receive_json(self) -> Any:
        """Receive a JSON message (the token checked as for :meth:`receive_text`)."""
        await self._ready()
        data = await self.websocket.receive_json()
        await self.check()
        return data

    async def send_text(self, data: str) -> None:
        """Check the token, then send a text message."""
        await self._ready()
        await self.websocket.send_text(data)

    async def send_bytes(self, data: bytes) -> None:
        """Check the token, then send a binary message."""
        await self._ready()
        await self.websocket.send_bytes(data)

    async def send_json(self, data: Any) -> None:
        """Check the token, then send a JSON message."""
        await self._ready()
        await self.websocket.send_json(data)

    async def _ready(self) -> None:
        await self.accept()
        await self.check()

    # -- revoking ---------------------------------------------------------------------------------------
    def revoke(self) -> Awaitable[None]:
        """Revoke the current token: it is refused from now until it would have expired."""
        if self._token is None:
            raise self.authviews.missing_token()
        self.authviews.require_revocation()  # a set-up error is raised here, not left to a task
        claims = self._token.claims
        return self._start("revoke", lambda: self.authviews.revoke_claims(claims))

    def revoke_token(self, token_or_jti: str, *, expires_at: float | None = None) -> Awaitable[None]:
        """Revoke another token, given encoded (verified first) or by its ``jti``."""
        self.authviews.require_revocation()
        if token_or_jti.count(".") == 2:
            return self._start("revoke_token", lambda: self.authviews.revoke_token(token_or_jti))
        return self._start("revoke_token", lambda: self.authviews.revoke_jti(token_or_jti, expires_at))
