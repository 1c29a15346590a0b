"""async-fastapi-jwt-auth's API on fastapi-jwt-views: only the import lines change.

``async_fastapi_jwt_auth`` becomes ``fastapi_jwt_views.asyncio`` in each import::

    from fastapi_jwt_views.asyncio import AuthJWT
    from fastapi_jwt_views.asyncio.auth_jwt import AuthJWTBearer
    from fastapi_jwt_views.asyncio.exceptions import AuthJWTException

Every method is awaited (``await Authorize.jwt_required()``), so a guard given a token the dependency did
not see (a WebSocket's ``token=``) checks its revocation fully. It shares its configuration, core and
exceptions with :mod:`fastapi_jwt_views.compat`.
"""

from .auth_jwt import AuthJWT, AuthJWTBearer

__all__ = ["AuthJWT", "AuthJWTBearer"]
