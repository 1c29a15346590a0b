"""async-fastapi-jwt-auth's module path for the exceptions (the same classes as fastapi-jwt-auth's)."""

from ..exceptions import (
    AccessTokenRequired,
    AuthJWTException,
    CSRFError,
    FreshTokenRequired,
    InvalidHeaderError,
    JWTDecodeError,
    MissingTokenError,
    RefreshTokenRequired,
    RevocationUnavailableError,
    RevokedTokenError,
)

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
