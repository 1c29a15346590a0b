"""JWT authentication for FastAPI, written as class-based views."""

from .cbv import cbv
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
    MissingClaimError,
    MissingTokenError,
    RefreshTokenRequiredError,
    RevocationUnavailableError,
    RevokedTokenError,
    TokenError,
    TokenTooLargeError,
)
from .revocation import MemoryRevocationStore, RevocationCallback, RevocationStore
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
    "MemoryRevocationStore",
    "MissingClaimError",
    "MissingTokenError",
    "OptionalView",
    "ProtectedView",
    "RefreshTokenRequiredError",
    "RefreshView",
    "RevocationCallback",
    "RevocationStore",
    "RevocationUnavailableError",
    "RevokedTokenError",
    "TokenError",
    "TokenPair",
    "TokenTooLargeError",
    "cbv",
    "optional_access",
    "require",
    "require_access",
    "require_fresh",
    "require_refresh",
]
