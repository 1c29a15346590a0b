"""The protocols every revocation store follows, and the record of one login session."""

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


def family_key(family: str) -> str:
    """The id under which a whole login family is revoked (kept apart from ``jti`` values)."""
    return f"family:{family}"


@runtime_checkable
class RevocationStore(Protocol):
    """Where revoked token ids (``jti``) are kept until the token would have expired anyway.

    Entries are keyed on the ``jti`` claim, never on the encoded token, so a token that is re-encoded
    (other whitespace, another key order) stays revoked. A revoked login family is an entry too, keyed
    by :func:`family_key`. A store that cannot answer raises; the caller then refuses the request
    (fail closed).
    """

    async def revoke(self, jti: str, expires_at: float | None) -> bool | None:
        """Revoke ``jti`` until ``expires_at`` (epoch seconds, including leeway); None means forever.

        Return False when ``jti`` was already revoked at least that long (refresh-token rotation uses
        this to notice two requests rotating one token), True otherwise; None when the store cannot tell.
        """
        ...

    async def is_revoked(self, *ids: str) -> bool:
        """Tell whether any of ``ids`` has been revoked (one round trip for all of them)."""
        ...


@dataclass(frozen=True, slots=True)
class LoginSession:
    """One login: the family of tokens descended from it, as listed by ``self.auth.sessions()``."""

    family: str
    identity: str
    created_at: float
    refreshed_at: float
    expires_at: float | None
    user_agent: str | None = None

    def to_json(self) -> str:
        """Serialise (for stores that keep text)."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> LoginSession:
        """The inverse of :meth:`to_json`."""
        return cls(**json.loads(text))


@runtime_checkable
class SessionStore(RevocationStore, Protocol):
    """A revocation store that also keeps the login sessions of each identity, each until it expires."""

    async def save_session(self, session: LoginSession) -> None:
        """Insert or replace ``session`` (keyed by identity and family); it is kept until it expires."""
        ...

    async def list_sessions(self, identity: str) -> list[LoginSession]:
        """The unexpired sessions of ``identity``, oldest first."""
        ...

    async def delete_session(self, identity: str, family: str) -> bool:
        """Forget one session; tell whether it existed."""
        ...
