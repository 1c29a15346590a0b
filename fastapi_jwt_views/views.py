"""The base views and the dependencies they are built from.

Subclass a view, decorate it with :func:`fastapi_jwt_views.cbv`, and read ``self.auth`` in its handlers.
The dependencies work on plain function routes too: ``auth: AuthSession = Depends(require_access)``.
They are ``async`` functions, so authenticating never costs a thread-pool hop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import HTTPConnection

from .core import AuthViews, Requirement
from .session import AuthSession

__all__ = [
    "FreshView",
    "OptionalView",
    "ProtectedView",
    "RefreshView",
    "optional_access",
    "require_access",
    "require_fresh",
    "require_refresh",
]


async def _session(connection: HTTPConnection, requirement: Requirement) -> AuthSession:
    authviews = AuthViews.of(connection.app)
    return AuthSession(authviews, await authviews.authenticate(connection, requirement))


async def require_access(connection: HTTPConnection) -> AuthSession:
    """Dependency: a valid access token is required."""
    return await _session(connection, "access")


async def require_fresh(connection: HTTPConnection) -> AuthSession:
    """Dependency: a valid *fresh* access token is required."""
    return await _session(connection, "fresh")


async def require_refresh(connection: HTTPConnection) -> AuthSession:
    """Dependency: a valid refresh token is required."""
    return await _session(connection, "refresh")


async def optional_access(connection: HTTPConnection) -> AuthSession:
    """Dependency: a valid access token or none at all; a bad token is still refused."""
    return await _session(connection, "optional")


_STARTUP_CHECK = "__fastapi_jwt_views_startup_check__"


class _AuthView:
    """What the four views share: the router of a view resolves the app's ``AuthViews`` at start-up."""

    @classmethod
    def __cbv_register__(cls, router: APIRouter) -> None:
        # FastAPI merges an included router's lifespan into the app's. Resolving the app's AuthViews
        # there means an app configured only by AUTHJWT_* variables fails at start-up when they are
        # wrong, not at its first request.
        if getattr(router, _STARTUP_CHECK, False):
            return
        inner = router.lifespan_context

        @asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
            AuthViews.of(app)
            async with inner(app) as state:
                yield state

        router.lifespan_context = lifespan
        setattr(router, _STARTUP_CHECK, True)


class ProtectedView(_AuthView):
    """Routes of a subclass need a valid access token; ``self.auth`` describes it."""

    auth: AuthSession = Depends(require_access)


class FreshView(_AuthView):
    """Routes of a subclass need a fresh access token (one issued by a login, not a refresh)."""

    auth: AuthSession = Depends(require_fresh)


class RefreshView(_AuthView):
    """Routes of a subclass need a valid refresh token."""

    auth: AuthSession = Depends(require_refresh)


class OptionalView(_AuthView):
    """Routes of a subclass accept a valid access token or none; ``self.auth.identity`` is None without."""

    auth: AuthSession = Depends(optional_access)
