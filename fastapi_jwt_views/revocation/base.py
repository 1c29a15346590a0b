"""The protocol every revocation store follows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Protocol, runtime_checkable

__all__ = ["RevocationCallback", "RevocationStore"]

#: A user's own revocation check: receives the verified claims, returns True when the token is revoked.
#: It may be a plain function or a coroutine function (which is awaited).
RevocationCallback = Callable[[Mapping[str, Any]], "bool | Awaitable[bool]"]


@runtime_checkable
class RevocationStore(Protocol):
    """Where revoked token ids (``jti``) are kept until the token would have expired anyway.

    Entries are keyed on the ``jti`` claim, never on the encoded token, so a token that is re-encoded
    (other whitespace, another key order) stays revoked. A store that cannot answer raises; the caller
    then refuses the request (fail closed).
    """

    async def revoke(self, jti: str, expires_at: float | None) -> None:
        """Revoke ``jti`` until ``expires_at`` (epoch seconds, including leeway); None means forever."""
        ...

    async def is_revoked(self, jti: str) -> bool:
        """Tell whether ``jti`` has been revoked."""
        ...
