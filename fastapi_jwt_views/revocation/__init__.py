"""Token revocation: the store protocols and the built-in stores.

The Redis store lives in :mod:`fastapi_jwt_views.revocation.redis` (``pip install
"fastapi-jwt-views[redis]"``); it is not imported here, so the ``redis`` package stays optional.
"""

from .base import (
    LoginSession,
    RevocationCallback,
    RevocationStore,
    SessionStore,
    fail_closed,
    family_key,
    identity_key,
    jti_key,
)
from .memory import MemoryRevocationStore

__all__ = [
    "LoginSession",
    "MemoryRevocationStore",
    "RevocationCallback",
    "RevocationStore",
    "SessionStore",
    "fail_closed",
    "family_key",
    "identity_key",
    "jti_key",
]
