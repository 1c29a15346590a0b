"""The exceptions of the fastapi-jwt-auth compatibility API, under their fastapi-jwt-auth 0.5.0 names.

``from fastapi_jwt_views.exceptions import AuthJWTException`` replaces ``from fastapi_jwt_auth.exceptions
import AuthJWTException``. Each class also derives from the core error it stands for, so a handler for
either catches it; all are ``HTTPException``\\s, rendered as ``{"detail": message}`` without any handler::

    AuthJWTException (AuthViewsError)          .status_code, .message (== .detail)
    ├── MissingTokenError                       401  (also errors.MissingTokenError)
    ├── InvalidHeaderError                      422  (also errors.InvalidHeaderError)
    ├── JWTDecodeError                          422  (also errors.DecodeError)
    ├── CSRFError                               401  (also errors.CSRFError)
    ├── RevokedTokenError                       401  (also errors.RevokedTokenError)
    ├── AccessTokenRequired                     422  (also errors.AccessTokenRequiredError)
    ├── RefreshTokenRequired                    422  (also errors.RefreshTokenRequiredError)
    ├── FreshTokenRequired                      401  (also errors.FreshTokenRequiredError)
    └── RevocationUnavailableError              503  (also errors.RevocationUnavailableError)

The 422s are 0.5.0's codes; with ``legacy_status_codes=False`` they are 401, as everywhere else in
fastapi-jwt-views. On WebSocket routes (``auth_from="websocket"``) the code is 1008 (1011 for a revocation
store that cannot answer), and the exception is also a Starlette ``WebSocketException``: one the handler
does not catch closes the connection with that code and the message as its reason (its ``code``
attribute is then that close code, as on every ``WebSocketException``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, cast

from starlette.exceptions import WebSocketException
from starlette.status import WS_1008_POLICY_VIOLATION, WS_1011_INTERNAL_ERROR

from . import errors

__all__ = [
    "AccessTokenRequired",
    "AuthJWTException",
    "CSRFError",
    "FreshTokenRequired",
    "InvalidHeaderError",
    "JWTDecodeError",
    "MissingTokenError",
    "RefreshTokenRequired",
    "RevocationUnavailableError",
    "RevokedTokenError",
]


class AuthJWTException(errors.AuthViewsError):
    """Raised by ``AuthJWT`` when a request cannot be authenticated; the base class of the ones below."""

    def __init__(
        self,
        status_code: int | None = None,
        message: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        status = status_code if status_code is not None else type(self).status_code
        text = message if message is not None else self.default_detail
        # Only a 401 asks the client to authenticate (RFC 7235); a 422 or 503 carries no challenge.
        super().__init__(text, headers if headers is not None else None if status == 401 else {})
        self.status_code = status
        self.message = text


class MissingTokenError(AuthJWTException, errors.MissingTokenError):
    """Raised when the request carries no token where one is required."""


class InvalidHeaderError(AuthJWTException, errors.InvalidHeaderError):
    """Raised when the token header is not ``<type> <JWT>``, or the token's JOSE header is unreadable."""

    status_code = 422


class JWTDecodeError(AuthJWTException, errors.DecodeError):
    """Raised when the token cannot be verified: bad signature, expired, missing or invalid claim."""

    status_code = 422


class CSRFError(AuthJWTException, errors.CSRFError):
    """Raised when the CSRF double submit of a cookie token is missing or does not match."""


class RevokedTokenError(AuthJWTException, errors.RevokedTokenError):
    """Raised when the token has been revoked (denylist callback or revocation store)."""


class AccessTokenRequired(AuthJWTException, errors.AccessTokenRequiredError):
    """Raised when a refresh token (or another type) is sent where an access token is required."""

    status_code = 422


class RefreshTokenRequired(AuthJWTException, errors.RefreshTokenRequiredError):
    """Raised when an access token is sent where a refresh token is required."""

    status_code = 422


class FreshTokenRequired(AuthJWTException, errors.FreshTokenRequiredError):
    """Raised when a fresh access token is required and the token is not fresh."""


class RevocationUnavailableError(AuthJWTException, errors.RevocationUnavailableError):
    """Raised when the revocation store or denylist callback cannot answer (503, fail closed)."""

    status_code = 503


# Core error -> the class that stands for it here; the first match wins, so subclasses come first.
_CLASSES: Final[tuple[tuple[type[errors.AuthViewsError], type[AuthJWTException]], ...]] = (
    (errors.MissingTokenError, MissingTokenError),
    (errors.InvalidHeaderError, InvalidHeaderError),
    (errors.CSRFError, CSRFError),
    (errors.RevokedTokenError, RevokedTokenError),
    (errors.AccessTokenRequiredError, AccessTokenRequired),
    (errors.RefreshTokenRequiredError, RefreshTokenRequired),
    (errors.FreshTokenRequiredError, FreshTokenRequired),
    (errors.TokenError, JWTDecodeError),  # DecodeError and its subclasses, TokenTooLargeError
    (errors.RevocationUnavailableError, RevocationUnavailableError),
)


def _is_header_problem(error: errors.AuthViewsError) -> bool:
    """0.5.0 reported a token whose JOSE header cannot be read as an ``InvalidHeaderError``."""
    detail = str(error.detail)
    return type(error) is errors.DecodeError and (
        detail == "Not enough segments" or detail.startswith(("Invalid header", "Invalid token type"))
    )


def _websocket_variant(cls: type[AuthJWTException]) -> type[AuthJWTException]:
    """``cls`` that is also a ``WebSocketException``, whose handler comes first in the MRO."""

    def __init__(self: Any, status_code: int, message: str) -> None:
        cls.__init__(self, status_code, message)
        WebSocketException.__init__(self, status_code, message[:123])  # a close reason is at most 123 bytes

    namespace = {"__init__": __init__, "__str__": errors.AuthViewsError.__str__, "__module__": __name__}
    return cast("type[AuthJWTException]", type(cls.__name__, (WebSocketException, cls), namespace))


_WEBSOCKET_CLASSES: Final[dict[type[AuthJWTException], type[AuthJWTException]]] = {
    ours: _websocket_variant(ours) for _, ours in _CLASSES
}
_WEBSOCKET_CLASSES[AuthJWTException] = _websocket_variant(AuthJWTException)


def translate(error: errors.AuthViewsError, *, legacy: bool, websocket: bool = False) -> AuthJWTException:
    """The fastapi-jwt-auth exception for a core error (``raise translate(exc, ...) from exc``).

    ``legacy`` keeps 0.5.0's 422s; without it they are 401, as in the core. ``websocket`` gives the close
    code 1008 (1011 when the revocation store cannot answer) and a ``WebSocketException``.
    """
    if isinstance(error, AuthJWTException):
        return error
    cls = next((ours for core, ours in _CLASSES if isinstance(error, core)), AuthJWTException)
    if _is_header_problem(error):
        cls = InvalidHeaderError
    message = str(error.detail)
    if websocket:
        unavailable = cls is RevocationUnavailableError
        code = WS_1011_INTERNAL_ERROR if unavailable else WS_1008_POLICY_VIOLATION
        return _WEBSOCKET_CLASSES[cls](code, message)
    status = cls.status_code if cls is not AuthJWTException else error.status_code
    if status == 422 and not legacy:
        status = 401
    return cls(status, message, error.headers if status == 401 else None)
