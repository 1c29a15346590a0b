"""Binding an ``AuthViews`` to an application tree: what ``AuthViews.install(app)`` sets up.

* **Every connection knows its AuthViews.** The installed app's ASGI entry (the outermost layer of its
  middleware stack) puts the instance in the connection's scope under :data:`SCOPE_KEY`. Mounted apps
  and included routers share that scope, so they use it too; a mounted app that installed its own
  overwrites it for its subtree (the nearest enclosing installed app wins). One dict store per request,
  nothing process-wide.
* **Start-up refuses a tree with an unprotected view route** (a route whose endpoint is a view method
  never bound to its view, so ``self`` would be a query parameter and no token checked); where no
  lifespan runs, every request of that app is refused with a 500 instead, and the problem is logged.
* **Tokens carry a CSRF value where cookies are read**: when a route of the tree reads cookies through
  locations of its own although ``token_location`` does not list them, the tokens issued from then on
  (from before the first request on) carry the ``csrf`` claim the cookie check needs.
* **Shutdown closes the store** (the connections of a Redis store the AuthViews built).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Final

from fastapi import FastAPI
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocketClose

from ._inline import inline_dependency
from .errors import ConfigurationError, websocket_close_code
from .openapi import AuthScheme, document

if TYPE_CHECKING:
    from .config import AuthViewsConfig
    from .core import AuthViews

__all__ = [
    "NOT_INSTALLED",
    "SCOPE_KEY",
    "SESSIONS_KEY",
    "STATE_KEY",
    "bind",
    "installed_on",
    "reads_cookies",
    "unbound_view_routes",
]

logger = logging.getLogger("fastapi_jwt_views")

#: The connection-scope key holding the AuthViews that serves the connection.
SCOPE_KEY: Final = "fastapi_jwt_views"
#: The connection-scope key of the sessions made for the connection (by requirement and locations). Each
#: session holds the connection, which holds the scope: the entry removes them when the app is done, so
#: no request leaves a reference cycle to the garbage collector.
SESSIONS_KEY: Final = "fastapi_jwt_views.sessions"
#: The ``app.state`` attribute holding the AuthViews installed on that app.
STATE_KEY: Final = "fastapi_jwt_views"
#: The message of every "no AuthViews here" error: start-up, request and ``AuthViews.of``.
NOT_INSTALLED: Final = (
    "No AuthViews is installed on this application: call AuthViews(AuthViewsConfig.from_env()).install(app)"
)
#: Set by the views on the functions defined in a view class body (the class, for the message).
VIEW_METHOD_KEY: Final = "__fastapi_jwt_views_view__"
_BOUND: Final = "__fastapi_jwt_views_bound__"
_LIFESPAN: Final = "__fastapi_jwt_views_lifespan__"


def installed_on(app: object) -> AuthViews | None:
    """The AuthViews installed on ``app`` itself (not on an app it is mounted in), or None."""
    found: AuthViews | None = getattr(getattr(app, "state", None), STATE_KEY, None)
    return found


def bind(app: FastAPI, authviews: AuthViews) -> None:
    """Make ``authviews`` the authentication of ``app`` and of everything mounted under it."""
    setattr(app.state, STATE_KEY, authviews)
    if not getattr(app, _BOUND, False):
        build: Callable[[], ASGIApp] = app.build_middleware_stack

        def build_middleware_stack() -> ASGIApp:
            return _entry(app, build())

        app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]
        setattr(app, _BOUND, True)
    app.middleware_stack = None  # (re)built at the next call, around this AuthViews
    _wrap_lifespan(app)


def _entry(app: FastAPI, inner: ASGIApp) -> ASGIApp:
    """The app's outermost ASGI layer, built once at its first call (lifespan or request)."""
    authviews = installed_on(app)
    assert authviews is not None
    for sub in _mounted_apps(app):  # a mounted app without its own: its document follows this one's
        if isinstance(sub, FastAPI) and installed_on(sub) is None:
            document(sub, _config_of(sub, authviews))
    if reads_cookies(app):  # before any request: every token it issues can then go into a cookie
        authviews.codec.include_csrf()
    problem = unbound_view_routes(app)
    if problem is None:

        async def entry(scope: Scope, receive: Receive, send: Send) -> None:
            scope[SCOPE_KEY] = authviews
            try:
                await inner(scope, receive, send)
            finally:
                scope.pop(SESSIONS_KEY, None)

        return entry

    async def refuse(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":  # the lifespan check raises the same error, and stops the app
            await inner(scope, receive, send)
            return
        logger.error("%s", problem)
        if scope["type"] == "websocket":
            reason = problem.encode()[:123].decode(errors="ignore")  # a close reason's limit
            await WebSocketClose(websocket_close_code(500), reason)(scope, receive, send)
            return
        await JSONResponse({"detail": problem}, status_code=500)(scope, receive, send)

    return refuse


def _config_of(app: FastAPI, default: AuthViews) -> Callable[[], AuthViewsConfig]:
    return lambda: (installed_on(app) or default).config


def _wrap_lifespan(app: FastAPI) -> None:
    """The installed app's lifespan: checks the tree, starts up and shuts down the AuthViews."""
    if getattr(app.router, _LIFESPAN, False):
        return
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[Any]:
        problem = unbound_view_routes(app)
        if problem is not None:
            raise ConfigurationError(problem)
        authviews = installed_on(app)  # the one installed last
        assert authviews is not None
        # The one place where the installed app starts up and shuts down its AuthViews.
        await authviews.startup()
        async with inner(app) as state:
            yield state
        await authviews.aclose()

    app.router.lifespan_context = lifespan
    setattr(app.router, _LIFESPAN, True)


# -- the route tree -------------------------------------------------------------------------------------
def _routes(routes: list[BaseRoute], seen: set[int]) -> Iterator[BaseRoute]:
    """Every route under ``routes``: included routers (FastAPI >= 0.16x keeps them whole) and mounts."""
    for route in routes:
        yield route
        children: Any = getattr(getattr(route, "original_router", None), "routes", None)
        if children is None:
            children = getattr(route, "routes", None)  # Mount and Host: the mounted app's routes
        if children and id(children) not in seen:
            seen.add(id(children))
            yield from _routes(list(children), seen)


def _mounted_apps(app: FastAPI) -> Iterator[ASGIApp]:
    for route in _routes(app.routes, set()):
        mounted = getattr(route, "app", None)
        if mounted is not None and getattr(route, "routes", None) is not None:
            yield getattr(route, "_base_app", mounted)


def _unbound(endpoint: Any) -> type[Any] | None:
    """The view class of ``endpoint`` when it is a view method that is not bound to its view."""
    view: type[Any] | None = getattr(endpoint, VIEW_METHOD_KEY, None)
    if view is None:
        return None
    try:
        first = next(iter(inspect.signature(endpoint).parameters.values()), None)
    except (TypeError, ValueError):
        return None
    # Bound endpoints take the view's dependencies as keywords, or `self` with a Depends default.
    if first is not None and first.kind is not first.KEYWORD_ONLY and first.default is first.empty:
        return view
    return None


def _dependencies(route: BaseRoute) -> Iterator[Any]:
    """What a route calls to authenticate: its dependencies at every level, and an inline view's one."""
    dependants = [getattr(route, "dependant", None)]
    while dependants:
        dependant = dependants.pop()
        if dependant is not None:
            yield dependant.call
            dependants.extend(dependant.dependencies)
    yield inline_dependency(getattr(route, "endpoint", None))


def reads_cookies(app: FastAPI) -> bool:
    """Whether a route of ``app``'s tree reads tokens from cookies through locations of its own (a view
    or dependency with ``locations`` listing ``cookies``)."""
    return any(
        isinstance(call, AuthScheme) and call.locations is not None and "cookies" in call.locations
        for route in _routes(app.routes, set())
        for call in _dependencies(route)
    )


def unbound_view_routes(app: FastAPI) -> str | None:
    """The message naming every route of ``app``'s tree whose endpoint is an unbound view method."""
    found = []
    for route in _routes(app.routes, set()):
        endpoint: Any = getattr(route, "endpoint", None)
        view = _unbound(endpoint)
        if view is not None:
            found.append(f"{view.__qualname__}.{endpoint.__name__} ({getattr(route, 'path', '?')})")
    if not found:
        return None
    return (
        f"Routes defined in a view class are not bound to their view, so they would be served without "
        f"authentication: {', '.join(found)}. Decorate the class with @cbv(router) for the router "
        f"holding these routes, before the router is included"
    )
