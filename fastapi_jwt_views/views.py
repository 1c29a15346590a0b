"""The base views and the dependencies they are built from.

Subclass a view, decorate it with :func:`fastapi_jwt_views.cbv`, and read ``self.auth`` in its handlers.
The dependencies work on plain function routes too: ``auth: AuthSession = Depends(require_access)``.
They are ``async`` functions, so authenticating never costs a thread-pool hop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any, ClassVar, Final

from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import HTTPConnection

from .core import AuthViews, Requirement
from .errors import AuthViewsError, as_websocket_error
from .locations import Location, check_locations
from .session import AuthSession

#: Set on every dependency built here: ``(requirement, locations or None)``; the OpenAPI hook reads it.
DEPENDENCY_MARK: Final = "__fastapi_jwt_views__"

__all__ = [
    "FreshView",
    "OptionalView",
    "ProtectedView",
    "RefreshView",
    "optional_access",
    "require",
    "require_access",
    "require_fresh",
    "require_refresh",
]


async def _session(
    connection: HTTPConnection, requirement: Requirement, locations: tuple[Location, ...] | None = None
) -> AuthSession:
    authviews = AuthViews.of(connection.app)
    try:
        token = await authviews.authenticate(connection, requirement, locations)
    except AuthViewsError as exc:
        if connection.scope["type"] == "websocket":
            raise as_websocket_error(exc) from exc  # close code 1008, the same detail as reason
        raise
    return AuthSession(authviews, token, connection, requirement)


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


_DEFAULT_DEPENDENCIES: dict[Requirement, Callable[[HTTPConnection], Awaitable[AuthSession]]] = {
    "access": require_access,
    "fresh": require_fresh,
    "refresh": require_refresh,
    "optional": optional_access,
}


def require(
    requirement: Requirement = "access", *, locations: Sequence[Location] | None = None
) -> Callable[[HTTPConnection], Awaitable[AuthSession]]:
    """A dependency for ``requirement`` that reads the token only from ``locations`` (in that order).

    Without ``locations`` it is one of :func:`require_access`, :func:`require_fresh`,
    :func:`require_refresh` and :func:`optional_access`, which follow ``AUTHJWT_TOKEN_LOCATION``.
    """
    if requirement not in _DEFAULT_DEPENDENCIES:
        raise ValueError(f"requirement must be one of {sorted(_DEFAULT_DEPENDENCIES)}, got {requirement!r}")
    if locations is None:
        return _DEFAULT_DEPENDENCIES[requirement]
    where = check_locations(locations)

    async def dependency(connection: HTTPConnection) -> AuthSession:
        return await _session(connection, requirement, where)

    dependency.__qualname__ = dependency.__name__ = f"require_{requirement}_from_{'_'.join(where)}"
    setattr(dependency, DEPENDENCY_MARK, (requirement, where))
    return dependency


for _requirement, _dependency in _DEFAULT_DEPENDENCIES.items():
    setattr(_dependency, DEPENDENCY_MARK, (_requirement, None))


_STARTUP_CHECK = "__fastapi_jwt_views_startup_check__"


class _AuthView:
    """What the four views share: per-view token locations, and the app's ``AuthViews`` resolved at start-up.

    A subclass may read tokens from its own locations: ``class Page(ProtectedView, locations=["cookies"])``.
    """

    _requirement: ClassVar[Requirement]

    def __init_subclass__(cls, *, locations: Sequence[Location] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if locations is not None:
            cls.auth = Depends(require(cls._requirement, locations=locations))  # type: ignore[attr-defined]

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

    _requirement = "access"
    auth: AuthSession = Depends(require_access)


class FreshView(_AuthView):
    """Routes of a subclass need a fresh access token (one issued by a login, not a refresh)."""

    _requirement = "fresh"
    auth: AuthSession = Depends(require_fresh)


class RefreshView(_AuthView):
    """Routes of a subclass need a valid refresh token."""

    _requirement = "refresh"
    auth: AuthSession = Depends(require_refresh)


class OptionalView(_AuthView):
    """Routes of a subclass accept a valid access token or none; ``self.auth.identity`` is None without."""

    _requirement = "optional"
    auth: AuthSession = Depends(optional_access)
