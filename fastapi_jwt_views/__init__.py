"""JWT authentication for FastAPI, written as class-based views."""

from .cbv import cbv
from .compat import AuthJWT
from .config import AuthViewsConfig
from .core import AuthViews, TokenPair
from .errors import (
    AccessTokenRequiredError,
    AlgorithmNotAllowedError,
    AuthViewsError,
    ConfigurationError,
    CSRFError,
    DecodeError,
    ExpiredSignatureError,
    FreshTokenRequiredError,
    ImmatureTokenError,
    InvalidAudienceError,
    InvalidHeaderError,
    InvalidIssuerError,
    InvalidSignatureError,
    KeysUnavailableError,
    MisconfiguredError,
    MissingClaimError,
    MissingTokenError,
    RefreshTokenRequiredError,
    RefreshTokenReusedError,
    RevocationUnavailableError,
    RevokedTokenError,
    SessionLimitError,
    TokenError,
    TokenTooLargeError,
    UnknownKeyError,
)
from .exceptions import AuthJWTException
from .jwks import jwks_router
from .keys import VerificationKey
from .revocation import LoginSession, MemoryRevocationStore, RevocationCallback, RevocationStore, SessionStore
from .session import AuthSession
from .views import (
    AuthDependency,
    FreshView,
    OptionalView,
    ProtectedView,
    RefreshView,
    optional_access,
    require,
    require_access,
    require_fresh,
    require_refresh,
)

__version__ = "0.1.0"

__all__ = [
    "AccessTokenRequiredError",
    "AlgorithmNotAllowedError",
    "AuthDependency",
    "AuthJWT",
    "AuthJWTException",
    "AuthSession",
    "AuthViews",
    "AuthViewsConfig",
    "AuthViewsError",
    "CSRFError",
    "ConfigurationError",
    "DecodeError",
    "ExpiredSignatureError",
    "FreshTokenRequiredError",
    "FreshView",
    "ImmatureTokenError",
    "InvalidAudienceError",
    "InvalidHeaderError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "KeysUnavailableError",
    "LoginSession",
    "MemoryRevocationStore",
    "MisconfiguredError",
    "MissingClaimError",
    "MissingTokenError",
    "OptionalView",
    "ProtectedView",
    "RefreshTokenRequiredError",
    "RefreshTokenReusedError",
    "RefreshView",
    "RevocationCallback",
    "RevocationStore",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "SessionLimitError",
    "SessionStore",
    "TokenError",
    "TokenPair",
    "TokenTooLargeError",
    "UnknownKeyError",
    "VerificationKey",
    "cbv",
    "jwks_router",
    "optional_access",
    "require",
    "require_access",
    "require_fresh",
    "require_refresh",
]
