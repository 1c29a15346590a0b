"""The errors fastapi-jwt-views raises.

Every request-time error is an :class:`AuthViewsError`, a Starlette ``HTTPException``: FastAPI renders it
as ``{"detail": "..."}`` with its status code and headers even when the application registers no handler
of its own. Each class has a stable machine-readable ``code`` for handlers that want one. The tree::

    AuthViewsError (HTTPException)
    ├── TokenError                         401, WWW-Authenticate: Bearer
    │   ├── MissingTokenError              no token in the request
    │   ├── InvalidHeaderError             the Authorization header is not '<type> <JWT>'
    │   ├── TokenTooLargeError             refused before decoding
    │   ├── DecodeError                    not a JWT, bad signature, bad claims
    │   │   ├── ExpiredSignatureError
    │   │   ├── ImmatureTokenError         nbf or iat in the future
    │   │   ├── InvalidSignatureError
    │   │   │   └── UnknownKeyError        a kid no configured key has, or a retired key's
    │   │   ├── AlgorithmNotAllowedError
    │   │   ├── InvalidAudienceError
    │   │   ├── InvalidIssuerError
    │   │   ├── MissingClaimError
    │   │   └── InvalidClaimsError         the claims do not fit the view's claims model
    │   ├── CSRFError                      the CSRF double submit of a cookie token failed
    │   ├── RevokedTokenError
    │   │   └── RefreshTokenReusedError    a rotated-out refresh token came back: its login is revoked
    │   ├── AccessTokenRequiredError
    │   ├── RefreshTokenRequiredError
    │   ├── FreshTokenRequiredError
    │   └── UserNotFoundError              the user loader found no user for the token's identity
    ├── InsufficientScopeError             403: the token lacks a scope the route requires
    ├── SessionLimitError                  429: the identity has too many login sessions
    ├── RevocationUnavailableError         503: the revocation store cannot answer (fail closed)
    └── KeysUnavailableError               503: an identity provider's key set cannot be fetched

:class:`ConfigurationError` is not an HTTP error: it is raised when a configuration is built, so a bad
setting stops the application at start-up. :class:`MisconfiguredError` (an ``HTTPException`` and a
``RuntimeError``, not an ``AuthViewsError``) is the 500 of a set-up mistake only a request reveals; its
``detail`` names the fix, and it is logged.

On a WebSocket the same errors close the connection (:func:`websocket_close_code`): 1008 (policy
violation) when authentication failed, 1011 (internal error) when it cannot be checked right now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from starlette.exceptions import HTTPException, WebSocketException
from starlette.status import WS_1008_POLICY_VIOLATION, WS_1011_INTERNAL_ERROR

__all__ = [
    "AccessTokenRequiredError",
    "AlgorithmNotAllowedError",
    "AuthViewsError",
    "CSRFError",
    "ConfigurationError",
    "DecodeError",
    "ExpiredSignatureError",
    "FreshTokenRequiredError",
    "ImmatureTokenError",
    "InsufficientScopeError",
    "InvalidAudienceError",
    "InvalidClaimsError",
    "InvalidHeaderError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "KeysUnavailableError",
    "MisconfiguredError",
    "MissingClaimError",
    "MissingTokenError",
    "RefreshTokenRequiredError",
    "RefreshTokenReusedError",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "SessionLimitError",
    "TokenError",
    "TokenTooLargeError",
    "UnknownKeyError",
    "UserNotFoundError",
]


class ConfigurationError(ValueError):
    """Raised when a setting is missing or invalid; the message names the setting."""


class AuthViewsError(HTTPException):
    """Raised when a request cannot be authenticated; rendered as ``{"detail": ...}``."""

    status_code: int = 401
    code: ClassVar[str] = "auth_error"
    default_detail: ClassVar[str] = "Not authenticated"

    def __init__(self, detail: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(
            status_code=type(self).status_code,
            detail=detail if detail is not None else self.default_detail,
            headers=dict(headers) if headers is not None else self.default_headers(),
        )

    def default_headers(self) -> dict[str, str] | None:
        return None

    def __str__(self) -> str:
        return str(self.detail)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.detail!r})"


class TokenError(AuthViewsError):
    """Raised when the request carries no acceptable token (401 with ``WWW-Authenticate: Bearer``)."""

    code = "invalid_token"
    default_detail = "Invalid token"

    def default_headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": 'Bearer error="invalid_token"'}


class MissingTokenError(TokenError):
    """Raised when the request carries no token where one is required."""

    code = "missing_token"
    default_detail = "Missing Authorization Header"

    def default_headers(self) -> dict[str, str] | None:
        return {"WWW-Authenticate": "Bearer"}


class InvalidHeaderError(TokenError):
    """Raised when the token header does not have the configured ``<type> <JWT>`` form."""

    code = "invalid_header"
    default_detail = "Bad Authorization header. Expected value 'Bearer <JWT>'"


class TokenTooLargeError(TokenError):
    """Raised when a token is longer than ``max_token_size``; it is refused before decoding."""

    code = "token_too_large"
    default_detail = "Token is too large"


class DecodeError(TokenError):
    """Raised when a token cannot be decoded or one of its claims is invalid."""

    code = "decode_error"
    default_detail = "Not enough segments"


class ExpiredSignatureError(DecodeError):
    """Raised when the token's ``exp`` is in the past (beyond the leeway)."""

    code = "token_expired"
    default_detail = "Signature has expired"


class ImmatureTokenError(DecodeError):
    """Raised when the token's ``nbf`` or ``iat`` is in the future (beyond the leeway)."""

    code = "token_not_yet_valid"
    default_detail = "The token is not yet valid (nbf)"


class InvalidSignatureError(DecodeError):
    """Raised when the token's signature does not match the configured key."""

    code = "invalid_signature"
    default_detail = "Signature verification failed"


class UnknownKeyError(InvalidSignatureError):
    """Raised when a token's ``kid`` names no accepted key (unknown, or retired); no other key is tried."""

    code = "unknown_key"
    default_detail = "Signature verification failed"


class AlgorithmNotAllowedError(DecodeError):
    """Raised when the token's ``alg`` is not in the configured allow-list."""

    code = "algorithm_not_allowed"
    default_detail = "The specified alg value is not allowed"


class InvalidAudienceError(DecodeError):
    """Raised when the token's ``aud`` does not match the configured audience."""

    code = "invalid_audience"
    default_detail = "Invalid audience"


class InvalidIssuerError(DecodeError):
    """Raised when the token's ``iss`` does not match the configured issuer."""

    code = "invalid_issuer"
    default_detail = "Invalid issuer"


class MissingClaimError(DecodeError):
    """Raised when a claim the library needs (``exp``, ``type``, ``jti``, ...) is absent."""

    code = "missing_claim"
    default_detail = "Missing claim"


class InvalidClaimsError(DecodeError):
    """Raised when the token's claims do not fit the claims model of the view (see ``claims.py``)."""

    code = "invalid_claims"
    default_detail = "Invalid claims"


class CSRFError(TokenError):
    """Raised when a cookie token's CSRF value is missing from the request or does not match."""

    code = "csrf_error"
    default_detail = "Missing CSRF Token"


class RevokedTokenError(TokenError):
    """Raised when the token has been revoked."""

    code = "token_revoked"
    default_detail = "Token has been revoked"


class RefreshTokenReusedError(RevokedTokenError):
    """Raised when a refresh token that was already rotated out is presented again (theft or replay)."""

    code = "refresh_token_reused"
    default_detail = "Refresh token reuse detected: every token of this login has been revoked"


class AccessTokenRequiredError(TokenError):
    """Raised when a refresh token is presented where an access token is required."""

    code = "access_token_required"
    default_detail = "Only access tokens are allowed"


class RefreshTokenRequiredError(TokenError):
    """Raised when an access token is presented where a refresh token is required."""

    code = "refresh_token_required"
    default_detail = "Only refresh tokens are allowed"


class FreshTokenRequiredError(TokenError):
    """Raised when a non-fresh access token is presented to a :class:`FreshView`."""

    code = "fresh_token_required"
    default_detail = "Fresh token required"


class UserNotFoundError(TokenError):
    """Raised when the user loader finds no user for the token's identity (deleted since it was issued)."""

    code = "user_not_found"
    default_detail = "User not found"


class InsufficientScopeError(AuthViewsError):
    """Raised when the token lacks a scope the route requires (403, RFC 6750 ``insufficient_scope``)."""

    status_code = 403
    code = "insufficient_scope"
    default_detail = "Insufficient scope"

    def __init__(
        self,
        detail: str | None = None,
        headers: Mapping[str, str] | None = None,
        *,
        scopes: Sequence[str] = (),
    ) -> None:
        self.scopes = tuple(scopes)  # the scopes the route requires
        super().__init__(detail, headers)

    def default_headers(self) -> dict[str, str] | None:
        scope = f', scope="{" ".join(self.scopes)}"' if self.scopes else ""
        return {"WWW-Authenticate": f'Bearer error="insufficient_scope"{scope}'}


class RevocationUnavailableError(AuthViewsError):
    """Raised when the revocation store cannot answer; the request is refused (fail closed)."""

    status_code = 503
    code = "revocation_unavailable"
    default_detail = "Token revocation store is unavailable"


class KeysUnavailableError(AuthViewsError):
    """Raised when a token's key must come from a remote JWKS that cannot be fetched (fail closed)."""

    status_code = 503
    code = "keys_unavailable"
    default_detail = "Signing keys are unavailable"


class SessionLimitError(AuthViewsError):
    """Raised when an identity already has as many sessions as ``AUTHJWT_SESSIONS_PER_IDENTITY`` allows."""

    status_code = 429
    code = "session_limit"
    default_detail = "Too many login sessions for this user; try again later"



class MisconfiguredError(HTTPException, RuntimeError):
    """Raised when the application is set up wrongly; a 500 whose detail names the fix (also logged)."""

    code: ClassVar[str] = "misconfigured"

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=500, detail=detail)

    def __str__(self) -> str:
        return str(self.detail)


def websocket_close_code(status_code: int) -> int:
    """The close code of a refusal with this HTTP status: 1008 when authentication failed (4xx), 1011
    when it cannot be checked right now (5xx: the revocation store is unavailable, a set-up error)."""
    return WS_1011_INTERNAL_ERROR if status_code >= 500 else WS_1008_POLICY_VIOLATION


def as_websocket_error(error: HTTPException) -> WebSocketException:
    """The same refusal on a WebSocket: the close code of :func:`websocket_close_code`, the ``detail``
    (at most 123 bytes, the limit of a close reason) as reason."""
    reason = str(error.detail).encode()[:123].decode(errors="ignore")
    return WebSocketException(code=websocket_close_code(error.status_code), reason=reason)
