"""fastapi-jwt-auth's module path: ``from fastapi_jwt_views.auth_jwt import AuthJWT``."""

from .compat import AuthJWT

__all__ = ["AuthJWT"]
