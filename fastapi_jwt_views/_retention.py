"""How long each entry of a login family must be kept: as long as a token it refuses could be accepted,
and no longer (so that the stores stay bounded)."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any, Final

from .tokens import FAMILY_CLAIM, TokenCodec

__all__ = ["SPENT_WINDOW", "Retention", "family_of", "takes_by"]

#: Seconds a spent refresh token keeps its own entry once its family's record names its successor: long
#: enough to cover the time between consuming a token and recording that it is spent (and a resent call).
SPENT_WINDOW: Final = 60.0


def family_of(claims: Mapping[str, Any]) -> str | None:
    """The family of a refresh token under rotation: its ``fam``; for a token minted without one (before
    rotation was turned on), a family named after its ``jti``, which its successors carry (prefixed, so it
    can never be a family that ``login()`` made)."""
    family, jti = claims.get(FAMILY_CLAIM), claims.get("jti")
    if isinstance(family, str):
        return family
    return f"jti-{jti}" if isinstance(jti, str) else None


def takes(method: Callable[..., Any], name: str) -> bool:
    """Whether a store's method accepts the keyword ``name`` (True when it has no signature to read:
    the first call tells)."""
    try:
        parameters = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == name or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def takes_by(method: Callable[..., Any]) -> bool:
    """Whether a store's ``revoke`` accepts ``by=`` (rotation needs it)."""
    return takes(method, "by")


class Retention:
    """The expiries of a configuration's family entries, in epoch seconds (None: forever)."""

    def __init__(self, codec: TokenCodec) -> None:
        self.codec = codec
        self.config = codec.config

    def family_until(self, refresh_until: float | None) -> float | None:
        """A family's tokens live until its newest refresh token expires, plus one access token's life
        (one may be minted at the last moment); None when either never expires."""
        access = self.config.access_token_expires
        if refresh_until is None or access is False:
            return None
        return refresh_until + access.total_seconds()

    def unrecorded_until(self, claims: Mapping[str, Any] | None) -> float | None:
        """For a family whose record is unknown: the latest any of its tokens could live (a refresh now,
        or the presented token's own expiry if later)."""
        config = self.config
        if config.refresh_token_expires is False:
            return None
        latest = self.codec.clock() + (config.refresh_token_expires + config.decode_leeway).total_seconds()
        own = self.codec.expires_at(claims) if claims is not None else None
        if claims is not None and own is None:
            return None
        return self.family_until(max(latest, own) if own is not None else latest)

    def spent_until(self, token_until: float | None) -> float | None:
        """How long a spent refresh token's own entry must last when its family's record names its
        successor: only while that record may not say so yet (:data:`SPENT_WINDOW`), unless the token
        outlives every successor (minted with a longer explicit ``expires``)."""
        config, now = self.config, self.codec.clock()
        window = now + SPENT_WINDOW
        if config.refresh_token_expires is False:  # records never expire
            return window if token_until is None else min(token_until, window)
        horizon = now + (config.refresh_token_expires + config.decode_leeway).total_seconds()
        if token_until is None or token_until > horizon:
            return token_until
        return min(token_until, window)
