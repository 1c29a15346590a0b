"""Read the raw token from a request."""

from __future__ import annotations

from starlette.datastructures import Headers

from .config import AuthViewsConfig
from .errors import InvalidHeaderError, MissingTokenError

__all__ = ["HeaderLocation"]


class HeaderLocation:
    """Reads ``<header_type> <JWT>`` (or a bare ``<JWT>``) from the configured header."""

    __slots__ = ("_bad", "_missing", "_name", "_type")

    def __init__(self, config: AuthViewsConfig) -> None:
        self._name = config.header_name
        self._type = config.header_type.lower()
        expected = f"{config.header_type} <JWT>" if config.header_type else "<JWT>"
        self._bad = f"Bad {config.header_name} header. Expected value '{expected}'"
        self._missing = f"Missing {config.header_name} Header"

    def missing(self) -> MissingTokenError:
        """The error for a request that carries no token here."""
        return MissingTokenError(self._missing)

    def read(self, headers: Headers) -> str | None:
        """Return the token, None when the header is absent; raise when it is malformed."""
        values = headers.getlist(self._name)
        if not values:
            return None
        if len(values) > 1:  # two headers: refuse rather than guess which one was meant
            raise InvalidHeaderError(self._bad)
        # Only spaces separate the scheme from the token (RFC 7235 §2.1); a tab or control byte is refused.
        parts = [part for part in values[0].split(" ") if part]
        if self._type:
            # The scheme is case-insensitive (RFC 7235 §2.1).
            if len(parts) != 2 or parts[0].lower() != self._type:
                raise InvalidHeaderError(self._bad)
            return parts[1]
        if len(parts) != 1:
            raise InvalidHeaderError(self._bad)
        return parts[0]
