"""fastapi-jwt-auth's module path: ``from fastapi_jwt_views.auth_config import AuthConfig``."""

from ._compat_config import AuthConfig

__all__ = ["AuthConfig"]
