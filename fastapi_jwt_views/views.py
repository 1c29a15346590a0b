"""The base views and the dependencies they are built from.

Subclass a view, declare its routes with ``@router.get(...)`` on its methods, and read ``self.auth`` in its
handlers (the routes are bound to the view when the class is created; ``@cbv(router)`` may still be written).
The dependencies work on plain function routes too: ``auth: AuthSession = Depends(require_access)``.
They are ``async`` functions, so authenticating never costs a thread-pool hop.
"""

from __future__ import annotations

import inspect
import logging
import sys
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from types import FrameType
from typing import Any, ClassVar, Generic, TypeVar, get_args, get_origin

from fastapi import APIRouter, Depends, FastAPI
from pydantic import BaseModel
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket, WebSocketState

from ._apps import NOT_INSTALLED, SCOPE_KEY, SESSIONS_KEY, VIEW_METHOD_KEY
from ._inline import INLINE_KEY
from .cbv import CBV_CLASS_KEY, cbv
from .claims import ClaimsT
from .core import AuthViews, Requirement
from .errors import AuthViewsError, MisconfiguredError, as_websocket_error
from .locations import Location, check_locations
from .openapi import AuthScheme
from .scopes import check_scopes, scope_list
from .session import AuthSession

__all__ = [
    "AuthDependency",
    "FreshView",
    "OptionalView",
    "ProtectedView",
    "RefreshView",
    "optional_access",
    "require",
    "require_access",
    "require_fresh",
    "require_refresh",
    "require_scopes",
]

logger = logging.getLogger("fastapi_jwt_views")




class AuthDependency(AuthScheme):
    """A dependency that authenticates a request or WebSocket and returns its :class:`AuthSession`.

    It is also a FastAPI security scheme, so the routes using it declare their security in the OpenAPI
    document (see :mod:`fastapi_jwt_views.openapi`).
    """

    def __init__(
        self,
        requirement: Requirement,
        locations: tuple[Location, ...] | None,
        doc: str,
        scopes: tuple[str, ...] = (),
        model: type[BaseModel] | None = None,
    ) -> None:
        if scopes and requirement == "optional":
            raise ValueError("Scopes need a token, and an optional route accepts none: require 'access'")
        super().__init__(requirement, locations, scopes)
        self.claims_model = model
        self._key = (requirement, locations)  # the connection's sessions are shared by this key
        self.__doc__ = doc
        # A view whose handler needs nothing else calls it directly (see fastapi_jwt_views._inline).
        setattr(self, INLINE_KEY, {self.scheme_name: []})

    async def __call__(self, connection: HTTPConnection) -> AuthSession[Any]:
        # Several dependencies of one route (a view's and a route's require_scopes) share one
        # authentication: the token is verified once, and a refresh token consumed (rotation) once.
        scope = connection.scope
        made: dict[Any, AuthSession[Any]] | None = scope.get(SESSIONS_KEY)
        if made is None:
            made = scope[SESSIONS_KEY] = {}
        session = made.get(self._key)
        authviews: AuthViews | None = scope.get(SCOPE_KEY)
        try:
            if authviews is None:  # no installed app served this request (a lifespan would have said so)
                logger.error("%s", NOT_INSTALLED)
                raise MisconfiguredError(NOT_INSTALLED)
            if session is None:
                token = await authviews.authenticate(connection, self.requirement, self.locations)
                session = made[self._key] = AuthSession(authviews, token, connection, self.requirement)
            if self.scopes:
                check_scopes(session.claims, self.scopes, authviews.config.scope_claim)
            if self.claims_model is not None:
                session._validate(self.claims_model)
        except (AuthViewsError, MisconfiguredError) as exc:
            if isinstance(connection, WebSocket):
                # Accept first: a refusal before accepting reaches a browser as a bare HTTP 403, without
                # the close code and reason. Then close with 1008 (1011 for a 5xx) and the same detail.
                if connection.application_state == WebSocketState.CONNECTING:
                    await connection.accept()
                raise as_websocket_error(exc) from exc
            raise
        return session

    def __repr__(self) -> str:
        scopes = f", scopes={list(self.scopes)!r}" if self.scopes else ""
        model = f", claims={self.claims_model.__qualname__}" if self.claims_model is not None else ""
        return f"require({self.requirement!r}, locations={self.locations!r}{scopes}{model})"


# FastAPI < 0.12x resolves a callable instance's string annotations without its module's globals.
AuthDependency.__call__.__annotations__.update(connection=HTTPConnection)


require_access = AuthDependency("access", None, "Dependency: a valid access token is required.")
require_fresh = AuthDependency("fresh", None, "Dependency: a valid *fresh* access token is required.")
require_refresh = AuthDependency("refresh", None, "Dependency: a valid refresh token is required.")
optional_access = AuthDependency(
    "optional", None, "Dependency: a valid access token or none at all; a bad token is still refused."
)
_DEFAULT_DEPENDENCIES: dict[str, AuthDependency] = {
    "access": require_access,
    "fresh": require_fresh,
    "refresh": require_refresh,
    "optional": optional_access,
}


def require(
    requirement: Requirement = "access", *, locations: Sequence[Location] | None = None
) -> AuthDependency:
    """A dependency for ``requirement`` that reads the token only from ``locations`` (in that order).

    Without ``locations`` it is one of :data:`require_access`, :data:`require_fresh`,
    :data:`require_refresh` and :data:`optional_access`, which follow ``AUTHJWT_TOKEN_LOCATION``.
    """
    if requirement not in _DEFAULT_DEPENDENCIES:
        raise ValueError(f"requirement must be one of {sorted(_DEFAULT_DEPENDENCIES)}, got {requirement!r}")
    if locations is None:
        return _DEFAULT_DEPENDENCIES[requirement]
    where = check_locations(locations)
    return AuthDependency(requirement, where, f"Dependency: {requirement} token from {', '.join(where)}.")


def require_scopes(
    *scopes: str, requirement: Requirement = "access", locations: Sequence[Location] | None = None
) -> AuthDependency:
    """A dependency for ``requirement`` whose token must grant every one of ``scopes`` (403 otherwise).

    On one route: ``@router.delete("/x", dependencies=[Depends(require_scopes("admin"))])``, or as a
    parameter, ``auth: AuthSession = Depends(require_scopes("admin"))``. It shares its authentication with
    the route's other dependencies of the same ``requirement`` and ``locations`` (a view's ``auth``): in a
    :class:`FreshView` or a view with its own locations, give the same ``requirement``/``locations``.
    """
    if not scopes:
        raise ValueError("require_scopes() needs at least one scope")
    where = check_locations(locations) if locations is not None else None
    return _dependency(requirement, where, scope_list(scopes))


def _dependency(
    requirement: Requirement,
    locations: tuple[Location, ...] | None,
    scopes: tuple[str, ...],
    model: type[BaseModel] | None = None,
) -> AuthDependency:
    if requirement not in _DEFAULT_DEPENDENCIES:
        raise ValueError(f"requirement must be one of {sorted(_DEFAULT_DEPENDENCIES)}, got {requirement!r}")
    if locations is None and not scopes and model is None:
        return _DEFAULT_DEPENDENCIES[requirement]
    where = f" from {', '.join(locations)}" if locations is not None else ""
    needs = f" granting {' '.join(scopes)}" if scopes else ""
    typed = f", claims as {model.__qualname__}" if model is not None else ""
    doc = f"Dependency: {requirement} token{where}{needs}{typed}."
    return AuthDependency(requirement, locations, doc, scopes, model)


def _claims_model(cls: type[Any]) -> type[BaseModel] | None:
    """The claims model a view names as its type parameter (``ProtectedView[MyClaims]``), if any."""
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        if isinstance(origin, type) and issubclass(origin, _AuthView):
            for argument in get_args(base):
                if isinstance(argument, type) and issubclass(argument, BaseModel):
                    return argument
                if not isinstance(argument, TypeVar):
                    raise TypeError(
                        f"{cls.__qualname__}: a view's type parameter is its claims model, a pydantic "
                        f"BaseModel subclass; got {argument!r}"
                    )
    return None


_STARTUP_CHECK = "__fastapi_jwt_views_startup_check__"


class _AuthView(Generic[ClaimsT]):
    """What the four views share: per-view token locations, routes that cannot be left unbound, and a
    start-up check that the app has an ``AuthViews``.

    A subclass may read tokens from its own locations: ``class Page(ProtectedView, locations=["cookies"])``,
    and require scopes of every route: ``class Admin(ProtectedView, scopes=["admin:write"])`` (a subclass
    adds its own scopes to its parent's, and keeps its parent's locations). A claims model named as the
    type parameter, ``class Account(ProtectedView[MyClaims])``, validates every token's claims (401 when
    they do not fit) and types ``self.auth.typed_claims``.
    Routes declared in a subclass's body (``@router.get`` on its methods) are bound to the view when the
    class is created, on the routers of the scope defining it; ``@cbv(router)`` does the same explicitly
    and may still be written. A route left unbound anyway stops the app at start-up (see ``install``).
    """

    _requirement: ClassVar[Requirement]
    _locations: ClassVar[tuple[Location, ...] | None] = None
    _scopes: ClassVar[tuple[str, ...]] = ()
    _model: ClassVar[type[BaseModel] | None] = None

    def __init_subclass__(
        cls,
        *,
        locations: Sequence[Location] | None = None,
        scopes: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        model = _claims_model(cls)
        if locations is not None or scopes is not None or model is not None:
            if locations is not None:
                cls._locations = check_locations(locations)
            if scopes is not None:
                cls._scopes = scope_list([*cls._scopes, *scope_list(scopes)])
            if model is not None:
                cls._model = model
            dependency = _dependency(cls._requirement, cls._locations, cls._scopes, cls._model)
            cls.auth = Depends(dependency)  # type: ignore[attr-defined]
        own = {value for value in vars(cls).values() if inspect.isfunction(value)}
        for function in own:
            setattr(function, VIEW_METHOD_KEY, cls)
        if own:
            for router in _routers_holding(own, _defining_frame()):
                cbv(router)(cls)

    @classmethod
    def __cbv_register__(cls, router: APIRouter) -> None:
        # FastAPI merges an included router's lifespan into the app's: an app serving views without an
        # installed AuthViews stops at start-up, instead of answering 500 to every request.
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

    def __cbv_finish__(self) -> Awaitable[None] | None:
        # Called by cbv's endpoint when an async handler returns: operations started on self.auth and
        # not awaited (`self.auth.revoke()` without `await`) are finished before the response. None (the
        # usual case: nothing pending) spares a coroutine per request.
        auth = getattr(self, "auth", None)  # `auth` may be overridden
        if type(auth) is AuthSession and not auth.pending:
            return None
        settle = getattr(auth, "settle", None)
        return settle() if settle is not None else None


def _defining_frame() -> FrameType | None:
    """The frame executing the ``class`` statement (past any ``__init_subclass__`` of subclasses)."""
    frame: FrameType | None = sys._getframe(2)  # 0: here, 1: _AuthView.__init_subclass__
    while frame is not None and frame.f_code.co_name == "__init_subclass__":
        frame = frame.f_back
    return frame


def _routers_holding(functions: set[Any], frame: FrameType | None) -> list[APIRouter]:
    """The routers, among the names visible where the class is defined, with an unbound route to one of
    ``functions`` (an app's own router included: FastAPI < 0.16x copies included routes into it)."""
    if frame is None:
        return []
    found: dict[int, APIRouter] = {}
    for value in [*frame.f_locals.values(), *frame.f_globals.values()]:
        try:  # any object may sit there (a lazy proxy whose __class__ raises, say)
            router = value.router if isinstance(value, FastAPI) else value
            is_router = isinstance(router, APIRouter)
        except Exception:
            continue
        if is_router and any(
            getattr(route, "endpoint", None) in functions and not getattr(route, CBV_CLASS_KEY, None)
            for route in router.routes
        ):
            found[id(router)] = router
    return list(found.values())


class ProtectedView(_AuthView[ClaimsT]):
    """Routes of a subclass need a valid access token; ``self.auth`` describes it."""

    _requirement = "access"
    auth: AuthSession[ClaimsT] = Depends(require_access)


class FreshView(_AuthView[ClaimsT]):
    """Routes of a subclass need a fresh access token (one issued by a login, not a refresh)."""

    _requirement = "fresh"
    auth: AuthSession[ClaimsT] = Depends(require_fresh)


class RefreshView(_AuthView[ClaimsT]):
    """Routes of a subclass need a valid refresh token."""

    _requirement = "refresh"
    auth: AuthSession[ClaimsT] = Depends(require_refresh)


class OptionalView(_AuthView[ClaimsT]):
    """Routes of a subclass accept a valid access token or none; ``self.auth.identity`` is None without."""

    _requirement = "optional"
    auth: AuthSession[ClaimsT] = Depends(optional_access)
