"""The protocols every revocation store follows, the record of one login session, and the key names."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

from ..errors import AuthViewsError, RevocationUnavailableError

__all__ = [
    "LoginSession",
    "RevocationCallback",
    "RevocationStore",
    "SessionStore",
    "fail_closed",
    "family_key",
    "identity_key",
    "jti_key",
]

logger = logging.getLogger("fastapi_jwt_views")

#: A user's own revocation check: receives the verified claims, returns True when the token is revoked.
#: It may be a plain function or a coroutine function (which is awaited).
RevocationCallback = Callable[[Mapping[str, Any]], "bool | Awaitable[bool]"]


@contextmanager
def fail_closed(what: str) -> Iterator[None]:
    """A store or callback that cannot answer refuses the request (503), never lets it through."""
    try:
        yield
    except AuthViewsError:
        raise
    except Exception as exc:
        logger.exception(what)
        raise RevocationUnavailableError() from exc


# Every id a store is given is namespaced, so that no token content (a ``jti`` of "family:x", an identity
# of "1234" against 1234) can name another entry.
def jti_key(jti: str) -> str:
    """The id under which one token is revoked."""
    return f"jti:{jti}"


def family_key(family: str) -> str:
    """The id under which a whole login family is revoked."""
    return f"family:{family}"


def identity_key(identity: str | int) -> str:
    """An identity as a store key, typed: user ``1234`` and user ``"1234"`` are two users."""
    if isinstance(identity, bool) or not isinstance(identity, (str, int)):
        raise TypeError("identity must be a string or integer")
    return f"i:{identity}" if isinstance(identity, int) else f"s:{identity}"


@runtime_checkable
class RevocationStore(Protocol):
    """Where revoked ids are kept until the tokens they name would have expired anyway.

    The ids are namespaced by the library: :func:`jti_key` for one token (keyed on its ``jti`` claim,
    never on the encoded token), :func:`family_key` for a whole login family; a store keeps them as
    opaque strings. Every call may be sent twice (a client resending after a timeout) and must then
    give the same answer. A store that cannot answer raises; the caller then refuses the request (fail
    closed).
    """

    async def revoke(self, key: str, expires_at: float | None, *, by: str | None = None) -> bool | None:
        """Revoke ``key`` until ``expires_at`` (epoch seconds, leeway included); None means forever.

        A longer expiry extends an entry; a shorter one never shortens it. ``by`` names who revokes (a
        consumed refresh token, a reuse event): the first ``by`` is kept with the entry. Return True when
        the entry is new, was extended, or was made by this same ``by`` (so a resent call answers as the
        first did); False when it already existed (made by another, at least that long); None when the
        store cannot tell.
        """
        ...

    async def is_revoked(self, *keys: str) -> bool:
        """Tell whether any of ``keys`` has been revoked (one round trip for all of them)."""
        ...


@dataclass(frozen=True, slots=True)
class LoginSession:
    """One login: the family of tokens descended from it, as listed by ``self.auth.sessions()``.

    ``identity`` keeps its type (an integer stays an integer through JSON). An ended session keeps a
    record, with ``ended_at`` set and ``expires_at`` moved to when the family's last token expires, so
    that it still counts towards the identity's session limit while its revocation entry lives.
    ``refresh_jti`` is the ``jti`` of the family's newest refresh token: with rotation, every other
    refresh token of the family has been spent.
    """

    family: str
    identity: str | int
    created_at: float
    refreshed_at: float
    expires_at: float | None
    user_agent: str | None = None
    ended_at: float | None = None
    refresh_jti: str | None = None  # the family's current refresh token (rotation): any other is spent

    def to_json(self) -> str:
        """Serialise (for stores that keep text)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LoginSession:
        """The inverse of :meth:`to_json`."""
        return cls(**json.loads(text))


@runtime_checkable
class SessionStore(RevocationStore, Protocol):
    """A revocation store that also keeps the login session records of each identity, each until its
    ``expires_at``."""

    async def save_session(self, session: LoginSession, *, limit: int | None = None) -> None:
        """Insert or replace ``session`` (keyed by typed identity and family) until it expires.

        With ``limit`` (a login), raise :class:`~fastapi_jwt_views.errors.SessionLimitError` and save
        nothing when the identity already holds ``limit`` unexpired records of other families: counted
        and saved in one atomic step, so concurrent logins cannot overshoot it. A store whose method
        takes no ``limit`` is still accepted; the login then counts before it saves (not atomic).
        """
        ...

    async def list_sessions(self, identity: str | int) -> list[LoginSession]:
        """The unexpired records of ``identity`` (ended ones included), oldest first."""
        ...
