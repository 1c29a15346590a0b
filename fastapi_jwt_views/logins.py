"""Login sessions: token families, refresh-token rotation with reuse detection, and "log out everywhere".

A login (:meth:`LoginSessions.login`) starts a *family*: a random id carried as the ``fam`` claim by every
access and refresh token descended from that login, and a :class:`LoginSession` record in the store.
Revoking the family (an entry keyed by :func:`family_key`) refuses all of those tokens at verification.

With ``refresh_token_rotation``, verifying a refresh token for a refresh *consumes* it: the store records
its ``jti`` as revoked, atomically, together with an id of this consumption, so a resent store call is
recognised as the same consumption. A refresh token consumed before and presented again was copied: the
whole family is revoked and the request gets :class:`~fastapi_jwt_views.errors.RefreshTokenReusedError`
(OAuth 2.0 Security BCP, RFC 9700 §4.14.2).

Every multi-step operation does the protective step first (revoke the family), then updates the record,
and decides what to answer from what it read, never from a write's side result: a call interrupted
between two steps, or sent twice, is finished by the next try.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from ._retention import Retention, family_of, takes, takes_by
from .revocation import LoginSession, SessionStore, family_key
from .revocation.base import fail_closed, jti_key
from .tokens import (
    ACCESS,
    FAMILY_CLAIM,
    REFRESH,
    RESERVED_CLAIMS,
    Freshness,
    TokenPair,
    VerifiedToken,
    check_requirement,
)

if TYPE_CHECKING:
    from .core import AuthViews

__all__ = ["ConsumedRefreshToken", "LoginSessions"]

logger = logging.getLogger("fastapi_jwt_views")


class ConsumedRefreshToken(VerifiedToken):
    """A refresh token that this request's verification consumed (refresh-token rotation is on).

    ``consumed_by`` names the consumption: verifying again with it (``self.auth.check()``) or refreshing
    with it is the same consumption, not a reuse.
    """

    __slots__ = ("consumed_by",)

    def __init__(self, token: str, header: dict[str, Any], claims: dict[str, Any], consumed_by: str) -> None:
        super().__init__(token, header, claims)
        self.consumed_by = consumed_by


class LoginSessions:
    """The login sessions of one :class:`~fastapi_jwt_views.AuthViews` (``authviews.sessions``)."""

    def __init__(self, authviews: AuthViews) -> None:
        self._authviews = authviews
        self._retention = Retention(authviews.codec)
        if authviews.config.refresh_token_rotation and not takes_by(authviews.store.revoke):
            raise errors.ConfigurationError(
                f"AUTHJWT_REFRESH_TOKEN_ROTATION needs a store whose revoke() takes by= (who consumed a "
                f"refresh token), and {type(authviews.store).__name__}.revoke() does not: see "
                "docs/revocation.md, 'A shared store'"
            )
        # Whether the store counts the session limit itself, atomically (read once: a signature per login
        # would cost more than the login's own work)
        save = getattr(authviews.store, "save_session", None)
        self._store_limits = save is not None and takes(save, "limit")

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
        fresh: Freshness = True,
        claims: Mapping[str, Any] | None = None,
        user_agent: str | None = None,
    ) -> TokenPair:
        """Start a session: a fresh access token and a refresh token of a new family, and its record.

        Raises :class:`~fastapi_jwt_views.errors.SessionLimitError` when ``identity`` already has
        ``sessions_per_identity`` records (live sessions, and ended ones whose tokens could still live).
        """
        store = self._store()
        codec = self._authviews.codec
        family = uuid.uuid4().hex
        access = codec.encode(identity, ACCESS, fresh=fresh, claims=claims, family=family)
        refresh = codec.encode(identity, REFRESH, claims=claims, family=family)
        now, refresh_claims = self._now(), codec.decode(refresh).claims
        session = LoginSession(
            family=family,
            identity=identity,
            created_at=now,
            refreshed_at=now,
            expires_at=codec.expires_at(refresh_claims),
            user_agent=user_agent[:256] if user_agent else None,
            refresh_jti=refresh_claims["jti"],
        )
        with fail_closed("could not record a login session"):
            await self._save(store, session, new=True)
        return TokenPair(access, refresh)

    async def _save(self, store: SessionStore, record: LoginSession, *, new: bool = False) -> None:
        """Save ``record``; one of a new family counts against ``sessions_per_identity``
        (:class:`~fastapi_jwt_views.errors.SessionLimitError` when the identity has no room left)."""
        if not new:
            await store.save_session(record)
            return
        limit = self._authviews.config.sessions_per_identity
        if self._store_limits:  # counted and saved in one step: concurrent logins cannot overshoot it
            await store.save_session(record, limit=limit)
            return
        # a store of the application's own whose save_session takes no limit: count first, then save
        if len(await store.list_sessions(record.identity)) >= limit:
            raise errors.SessionLimitError()
        await store.save_session(record)

    async def consume(self, token: VerifiedToken, consumed_by: str | None = None) -> ConsumedRefreshToken:
        """Verify a refresh token's revocation and consume it (rotation): it is good for one refresh.

        ``consumed_by`` repeats an earlier consumption by this same request. A second, real use of the
        token revokes its family and raises :class:`~fastapi_jwt_views.errors.RefreshTokenReusedError`.
        """
        authviews, claims = self._authviews, token.claims
        jti = claims.get("jti")
        if not isinstance(jti, str):
            raise errors.MissingClaimError("Missing claim: jti")
        await authviews._check_revocation(token, jti=False)  # the family, and the user's callback
        until = authviews.codec.expires_at(claims)
        record = await self._record(claims) if consumed_by is None else None
        if record is not None and record.refresh_jti is not None:
            if record.refresh_jti != jti:  # the family has moved on: this token was spent before
                raise await self.reused(claims)
            until = self._retention.spent_until(until)  # the record will tell that it is spent
        elif consumed_by is not None:
            until = self._retention.spent_until(until)  # a repeat: never shortens what the first call kept
        by = consumed_by or uuid.uuid4().hex
        with fail_closed("could not rotate a refresh token"):
            first = await authviews.store.revoke(jti_key(jti), until, by=by)
        if first is False:  # consumed by another request meanwhile: one of the two holds a copy
            raise await self.reused(claims)
        if (
            record is not None
            and record.refresh_jti is not None
            and record.ended_at is None
            and not await self._save_live(dataclasses.replace(record, refresh_jti=""))  # "": none current
        ):
            raise errors.RevokedTokenError()  # the session was ended meanwhile
        return ConsumedRefreshToken(token.token, token.header, token.claims, by)

    async def _record(self, claims: Mapping[str, Any]) -> LoginSession | None:
        """The session record of a refresh token's family, if the store keeps one."""
        store, family = self._authviews.store, claims.get(FAMILY_CLAIM)
        if not isinstance(store, SessionStore) or not isinstance(family, str):
            return None
        with fail_closed("could not read a login session"):
            records = await store.list_sessions(claims["sub"])
        return next((record for record in records if record.family == family), None)

    async def refresh(self, token: VerifiedToken, *, fresh: Freshness = False) -> TokenPair:
        """New tokens for a verified refresh token: an access token of the same family (with the same
        user claims) and, with rotation, a new refresh token (the presented one is consumed, once, if
        its verification did not already); without rotation the presented refresh token is returned."""
        authviews, claims = self._authviews, token.claims
        check_requirement(claims, REFRESH)
        identity = claims["sub"]
        family = claims.get(FAMILY_CLAIM)
        family = family_of(claims) if authviews.config.refresh_token_rotation else family
        family = family if isinstance(family, str) else None
        extra = {name: value for name, value in claims.items() if name not in RESERVED_CLAIMS}
        access = authviews.codec.encode(identity, ACCESS, fresh=fresh, claims=extra, family=family)
        if not authviews.config.refresh_token_rotation:
            return TokenPair(access, token.token)
        if not isinstance(token, ConsumedRefreshToken):  # verified without consuming (codec.decode)
            await self.consume(token)
        refresh = authviews.codec.encode(identity, REFRESH, claims=extra, family=family)
        if family is not None and isinstance(authviews.store, SessionStore):
            await self._touch(identity, family, authviews.codec.decode(refresh).claims)
        return TokenPair(access, refresh)

    async def _touch(self, identity: str | int, family: str, refresh_claims: Mapping[str, Any]) -> None:
        """Record a refresh; a family without a record (``create_token_pair``) gets one, within the limit."""
        store = self._store()
        with fail_closed("could not update a login session"):
            records = await store.list_sessions(identity)
            found = next((record for record in records if record.family == family), None)
            if found is not None and found.ended_at is not None:
                raise errors.RevokedTokenError()  # ended while this refresh ran: its family is revoked
        now = self._now()
        saved = await self._save_live(
            LoginSession(
                family=family,
                identity=identity,
                created_at=found.created_at if found else now,
                refreshed_at=now,
                expires_at=self._authviews.codec.expires_at(refresh_claims),
                user_agent=found.user_agent if found else None,
                refresh_jti=refresh_claims["jti"],
            ),
            new=found is None,  # a family without a record (create_token_pair) gets one, within the limit
        )
        if not saved:
            raise errors.RevokedTokenError()  # ended while this refresh ran: its family is revoked

    async def _save_live(self, record: LoginSession, *, new: bool = False) -> bool:
        """Save a record read as live (``new``: of a family without one), then look whether its session
        was ended meanwhile (its family is revoked before its record is marked): if so, mark it ended
        again (so it is never listed as live) and return False."""
        store = self._store()
        with fail_closed("could not update a login session"):
            await self._save(store, record, new=new)
            ended = await store.is_revoked(family_key(record.family))
        if ended:
            await self._end(store, record, revoked=True)
        return not ended

    async def reused(self, claims: Mapping[str, Any]) -> errors.TokenError:
        """A consumed refresh token was presented again: revoke its family (unless it already is) and
        return the error to raise. The event is logged once, by the request that revoked the family."""
        family = family_of(claims)
        if family is None:
            return errors.RevokedTokenError()
        store = self._authviews.store
        with fail_closed("could not check a token family"):
            if await store.is_revoked(family_key(family)):
                return errors.RevokedTokenError()  # the session was ended: nothing was stolen
        if await self._revoke_family(family, self._retention.unrecorded_until(claims)):
            logger.warning("refresh token reuse detected for %r: revoked its login family", claims.get("sub"))
        if isinstance(store, SessionStore):
            await self._end_record(claims["sub"], family)
        return errors.RefreshTokenReusedError()

    # -- listing and ending -----------------------------------------------------------------------------
    async def list(self, identity: str | int) -> list[LoginSession]:
        """The active (not ended, not expired) sessions of ``identity``, oldest first."""
        store = self._store()
        with fail_closed("could not list login sessions"):
            records = await store.list_sessions(identity)
        return [record for record in records if record.ended_at is None]

    async def revoke(self, identity: str | int, family: str) -> bool:
        """End one session of ``identity``: every token of its family is refused from now on.

        Returns whether ``identity`` has (or had) that session; a family that is not theirs is left alone.
        Safe to call again after a failure: it finishes what the failed call started.
        """
        store = self._store()
        with fail_closed("could not list login sessions"):
            found = next((s for s in await store.list_sessions(identity) if s.family == family), None)
        if found is None:
            return False
        await self._end(store, found)
        return True

    async def revoke_all(self, identity: str | int) -> int:
        """End every session of ``identity`` ("log out everywhere"); returns how many were active.

        Every family is revoked before any record is marked ended, so a failure part-way leaves records
        that the next call (a retry) ends.
        """
        store = self._store()
        with fail_closed("could not list login sessions"):
            active = [s for s in await store.list_sessions(identity) if s.ended_at is None]
        for session in active:
            await self._revoke_family(session.family, self._retention.family_until(session.expires_at))
        for session in active:
            await self._end(store, session, revoked=True)
        return len(active)

    async def revoke_family(self, family: str) -> None:
        """Refuse every token of ``family`` (whoever it belongs to) and forget nothing else."""
        self._store()
        await self._revoke_family(family, self._retention.unrecorded_until(None))

    async def _end(self, store: SessionStore, session: LoginSession, *, revoked: bool = False) -> None:
        """Revoke the session's family (unless the caller just did), then mark its record ended: the
        record is kept while the family's tokens could live, and still counts towards the limit."""
        until = (
            session.expires_at
            if session.ended_at is not None
            else self._retention.family_until(session.expires_at)
        )
        if not revoked:
            await self._revoke_family(session.family, until)
        if session.ended_at is None:
            ended = dataclasses.replace(session, ended_at=self._now(), expires_at=until)
            with fail_closed("could not end a login session"):
                await store.save_session(ended)

    async def _end_record(self, identity: str | int, family: str) -> None:
        store = self._store()
        with fail_closed("could not list login sessions"):
            found = next((s for s in await store.list_sessions(identity) if s.family == family), None)
        if found is not None:
            await self._end(store, found, revoked=True)

    async def _revoke_family(self, family: str, until: float | None) -> bool:
        """Revoke a family (idempotent); True when this call made the entry (a resent call included)."""
        with fail_closed("could not revoke a login family"):
            made = await self._authviews.store.revoke(family_key(family), until, by=uuid.uuid4().hex)
        return made is not False
