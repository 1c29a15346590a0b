"""Login sessions: token families, refresh-token rotation with reuse detection, and "log out everywhere".

A login (:meth:`LoginSessions.login`) starts a *family*: a random id carried as the ``fam`` claim by every
access and refresh token descended from that login, and a :class:`LoginSession` record in the store.
Revoking the family (an entry keyed by :func:`family_key`) refuses all of those tokens at verification.

With ``refresh_token_rotation``, each refresh returns a new refresh token and revokes the one presented.
A refresh token that was already rotated out and is presented again was copied: the whole family is
revoked and the request gets :class:`~fastapi_jwt_views.errors.RefreshTokenReusedError` (OAuth 2.0
Security BCP, RFC 9700 §4.14.2).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from .revocation import LoginSession, SessionStore, family_key
from .revocation.base import fail_closed
from .tokens import (
    ACCESS,
    FAMILY_CLAIM,
    REFRESH,
    RESERVED_CLAIMS,
    TokenPair,
    VerifiedToken,
    check_requirement,
)

if TYPE_CHECKING:
    from .core import AuthViews

__all__ = ["LoginSessions"]

logger = logging.getLogger("fastapi_jwt_views")


class LoginSessions:
    """The login sessions of one :class:`~fastapi_jwt_views.AuthViews` (``authviews.sessions``)."""

    def __init__(self, authviews: AuthViews) -> None:
        self._authviews = authviews

    def _store(self) -> SessionStore:
        store = self._authviews.store
        if not isinstance(store, SessionStore):
            raise RuntimeError(
                f"Login sessions need a store that keeps sessions (memory, Redis), not {type(store).__name__}"
            )
        self._authviews.require_revocation()
        return store

    def _now(self) -> float:
        return self._authviews.codec.clock()

    # -- logging in and refreshing ----------------------------------------------------------------------
    async def login(
        self,
        identity: str | int,
        *,
        fresh: bool = True,
        claims: Mapping[str, Any] | None = None,
        user_agent: str | None = None,
    ) -> TokenPair:
        """Start a session: a fresh access token and a refresh token of a new family, and its record."""
        store = self._store()
        codec = self._authviews.codec
        family = uuid.uuid4().hex
        access = codec.encode(identity, ACCESS, fresh=fresh, claims=claims, family=family)
        refresh = codec.encode(identity, REFRESH, claims=claims, family=family)
        now = self._now()
        session = LoginSession(
            family=family,
            identity=str(identity),
            created_at=now,
            refreshed_at=now,
            expires_at=self._family_expiry(codec.decode(refresh).claims),
            user_agent=user_agent[:256] if user_agent else None,
        )
        with fail_closed("could not record a login session"):
            await store.save_session(session)
        return TokenPair(access, refresh)

    async def refresh(self, token: VerifiedToken, *, fresh: bool = False) -> TokenPair:
        """New tokens for a verified refresh token: an access token of the same family (with the same
        user claims) and, with rotation, a new refresh token while the presented one is revoked;
        without rotation the presented refresh token is returned as it is."""
        authviews, claims = self._authviews, token.claims
        check_requirement(claims, REFRESH)
        identity, family = claims["sub"], claims.get(FAMILY_CLAIM)
        family = family if isinstance(family, str) else None
        extra = {name: value for name, value in claims.items() if name not in RESERVED_CLAIMS}
        access = authviews.codec.encode(identity, ACCESS, fresh=fresh, claims=extra, family=family)
        if not authviews.config.refresh_token_rotation:
            return TokenPair(access, token.token)
        with fail_closed("could not rotate a refresh token"):
            first = await authviews.store.revoke(claims["jti"], authviews.codec.expires_at(claims))
        if first is False:  # another request rotated this very token first: one of the two is a copy
            raise await self.reused(claims)
        refresh = authviews.codec.encode(identity, REFRESH, claims=extra, family=family)
        if family is not None and isinstance(authviews.store, SessionStore):
            await self._touch(str(identity), family, authviews.codec.decode(refresh).claims)
        return TokenPair(access, refresh)

    async def _touch(self, identity: str, family: str, refresh_claims: Mapping[str, Any]) -> None:
        store = self._store()
        with fail_closed("could not update a login session"):
            found = {s.family: s for s in await store.list_sessions(identity)}.get(family)
            now = self._now()
            await store.save_session(
                LoginSession(
                    family=family,
                    identity=identity,
                    created_at=found.created_at if found else now,
                    refreshed_at=now,
                    expires_at=self._family_expiry(refresh_claims),
                    user_agent=found.user_agent if found else None,
                )
            )

    async def reused(self, claims: Mapping[str, Any]) -> errors.TokenError:
        """A revoked refresh token was presented again: revoke its family (unless it already is) and
        return the error to raise."""
        family = claims.get(FAMILY_CLAIM)
        if not isinstance(family, str):
            return errors.RevokedTokenError()
        store = self._authviews.store
        with fail_closed("could not check a token family"):
            if await store.is_revoked(family_key(family)):
                return errors.RevokedTokenError()  # the session was ended: nothing was stolen
        logger.warning("refresh token reuse detected for %r: revoking its login family", claims.get("sub"))
        await self.revoke_family(family)
        with fail_closed("could not forget a login session"):
            await store.delete_session(str(claims["sub"]), family) if isinstance(
                store, SessionStore
            ) else None
        return errors.RefreshTokenReusedError()

    # -- listing and revoking ---------------------------------------------------------------------------
    async def list(self, identity: str | int) -> list[LoginSession]:
        """The active sessions of ``identity``, oldest first."""
        store = self._store()
        with fail_closed("could not list login sessions"):
            return await store.list_sessions(str(identity))

    async def revoke(self, identity: str | int, family: str) -> bool:
        """End one session of ``identity``: every token of its family is refused from now on.

        Returns whether ``identity`` had that session; a family that is not theirs is left alone.
        """
        store = self._store()
        with fail_closed("could not revoke a login session"):
            existed = await store.delete_session(str(identity), family)
            if existed:
                await store.revoke(family_key(family), self._authviews._longest_life())
        return existed

    async def revoke_family(self, family: str) -> None:
        """Refuse every token of ``family`` (whoever it belongs to) and forget nothing else."""
        store = self._store()
        with fail_closed("could not revoke a login family"):
            await store.revoke(family_key(family), self._authviews._longest_life())

    async def revoke_all(self, identity: str | int) -> int:
        """End every session of ``identity`` ("log out everywhere"); returns how many there were."""
        ended = 0
        for session in await self.list(identity):
            ended += await self.revoke(identity, session.family)
        return ended

    def _family_expiry(self, refresh_claims: Mapping[str, Any]) -> float | None:
        """A session lasts as long as its refresh token (plus leeway)."""
        return self._authviews.codec.expires_at(refresh_claims)
