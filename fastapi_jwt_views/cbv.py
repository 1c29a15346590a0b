"""Class-based views: a drop-in for ``fastapi_utils.cbv.cbv`` that works on current FastAPI.

Usage is unchanged: ``@cbv(router)`` on a class whose methods are decorated with ``@router.get(...)`` etc.;
annotated class attributes (with ``Depends(...)`` defaults or ``Annotated[..., Depends(...)]``) are resolved
per request and set on ``self``. What differs from fastapi-utils 0.8.0, and why:

* Routes are rebuilt in place instead of being moved to a fresh router and re-included. FastAPI >= 0.16x
  keeps an included router as one opaque route, so a second view class on the same router failed with
  "The provided routes should be of type APIRoute"; re-including also broke ``@router.get("")`` under a
  prefix ("Prefix and path cannot be both empty") and listed the router's tags twice. Any other route
  (WebSocket, mount, included router) may sit on the router; the duplicate check only looks at APIRoutes.
* Attributes are read with ``get_type_hints(..., include_extras=True)``: without the extras an
  ``Annotated[T, Depends(dep)]`` attribute lost its dependency and became a required query parameter.
* "Already a view" is read from the class's own ``__dict__``, not inherited, so a subclass of a view can be
  a view on another router; its ``__init__`` wraps the user's ``__init__``, never the parent's wrapper.
* When no class in the MRO defines ``__init__``, the endpoint itself takes the view's dependencies next to
  the method's parameters and builds the view: FastAPI runs a class dependency in the thread pool (a hop
  costing ~100 us per request), and a nested instance dependency costs another level of resolution. Where
  a name is shared by the class and the method, the instance comes from an ``async def`` factory instead.
  A user ``__init__`` might block, so such classes keep ``Depends(cls)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar, get_origin, get_type_hints

from fastapi import APIRouter
from fastapi.routing import APIRoute, APIWebSocketRoute
from fastapi_utils.cbv import _allocate_routes_by_method_name, _update_cbv_route_endpoint_signature
from starlette.routing import BaseRoute

from ._inline import inline_endpoint, inline_security

T = TypeVar("T")

CBV_CLASS_KEY = "__cbv_class__"
_USER_INIT_KEY = "__cbv_user_init__"  # set on generated __init__s: the user's __init__ they call
# Called after each async handler returns; the awaitable it returns, if any, is awaited (the views finish
# operations their handler did not await). Nothing to await, nothing awaited: no coroutine per request.
_FINISH = "__cbv_finish__"
_VAR_KINDS = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)


def cbv(router: APIRouter, *urls: str) -> Callable[[type[T]], type[T]]:
    """Turn the decorated class into a class-based view whose endpoints live on ``router``."""

    def decorator(cls: type[T]) -> type[T]:
        _init_cbv(cls)
        _register_endpoints(router, cls, *urls)
        on_register = getattr(cls, "__cbv_register__", None)  # lets a base view prepare the router
        if on_register is not None:
            on_register(router)
        return cls

    return decorator


def _init_cbv(cls: type[Any]) -> None:
    """Give ``cls`` an ``__init__`` storing its dependencies and a ``__signature__`` declaring them."""
    if cls.__dict__.get(CBV_CLASS_KEY):
        return
    user_init: Callable[..., None] = getattr(cls.__init__, _USER_INIT_KEY, cls.__init__)
    init_hints = {} if user_init is object.__init__ else get_type_hints(user_init, include_extras=True)
    parameters = [
        p.replace(annotation=init_hints.get(p.name, p.annotation))
        for p in list(inspect.signature(user_init).parameters.values())[1:]
        if p.kind not in _VAR_KINDS
    ]
    dependency_names: list[str] = []
    for name, hint in get_type_hints(cls, include_extras=True).items():
        if hint is ClassVar or get_origin(hint) is ClassVar:
            continue
        dependency_names.append(name)
        default = getattr(cls, name, inspect.Parameter.empty)
        kind = inspect.Parameter.KEYWORD_ONLY
        parameters.append(inspect.Parameter(name, kind, default=default, annotation=hint))

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        for dependency_name in dependency_names:
            if dependency_name in kwargs:
                setattr(self, dependency_name, kwargs.pop(dependency_name))
        user_init(self, *args, **kwargs)

    setattr(__init__, _USER_INIT_KEY, user_init)
    cls.__init__ = __init__
    cls.__signature__ = inspect.Signature(parameters)
    setattr(cls, CBV_CLASS_KEY, True)


def _instance_dependency(cls: type[Any]) -> Callable[..., Any]:
    """What FastAPI calls to build the view: an async factory unless a user ``__init__`` might block."""
    if any(
        "__init__" in klass.__dict__ and not hasattr(klass.__dict__["__init__"], _USER_INIT_KEY)
        for klass in cls.__mro__[:-1]  # every class but `object`
    ):
        return cls

    async def make_view(**kwargs: Any) -> Any:
        return cls(**kwargs)

    make_view.__dict__["__signature__"] = inspect.signature(cls)  # FastAPI reads the parameters from here
    make_view.__qualname__ = f"{cls.__qualname__}.<cbv instance>"
    return make_view


def _register_endpoints(router: APIRouter, cls: type[Any], *urls: str) -> None:
    """Bind the router's routes whose endpoints are methods of ``cls`` to an instance of ``cls``."""
    function_members = inspect.getmembers(cls, inspect.isfunction)
    for url in urls:
        _allocate_routes_by_method_name(router, url, function_members)
    api_routes = [(r.path, frozenset(r.methods or ())) for r in router.routes if isinstance(r, APIRoute)]
    if len(set(api_routes)) != len(api_routes):
        raise Exception("An identical route role has been implemented more then once")

    functions = {function for _, function in function_members}
    dependency = _instance_dependency(cls)
    for index, route in enumerate(router.routes):
        if (
            isinstance(route, (APIRoute, APIWebSocketRoute))
            and route.endpoint in functions
            and not getattr(route, CBV_CLASS_KEY, None)  # already bound to a parent view on this router
        ):
            endpoint = _flat_endpoint(cls, route.endpoint) if dependency is not cls else None
            if endpoint is None:
                endpoint = _finishing(cls, route.endpoint)
                # fastapi-utils' helper only wraps its argument in Depends(...); it need not be the class
                _update_cbv_route_endpoint_signature(dependency, _Endpoint(endpoint))  # type: ignore[arg-type]
            router.routes[index] = _rebuild(router, route, f"{cls.__name__}.{route.name}", endpoint)
            setattr(router.routes[index], CBV_CLASS_KEY, cls)
    getattr(router, "_mark_routes_changed", lambda: None)()  # FastAPI >= 0.16x caches included routes


async def finished(view: Any) -> None:
    """Await what ``view.__cbv_finish__()`` returns, if anything (the general endpoints' finish)."""
    unfinished = getattr(view, _FINISH)()
    if unfinished is not None:
        await unfinished


class _Endpoint:
    """What fastapi-utils' signature helper reads of a route: its endpoint."""

    def __init__(self, endpoint: Callable[..., Any]) -> None:
        self.endpoint = endpoint


def _finishing(cls: type[Any], method: Callable[..., Any]) -> Callable[..., Any]:
    """``method``, or for an async method of a class with ``__cbv_finish__``, a wrapper awaiting it after
    the method returns (the views finish operations their handler did not await)."""
    if not (inspect.iscoroutinefunction(method) and hasattr(cls, _FINISH)):
        return method

    async def endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
        result = await method(self, *args, **kwargs)
        await finished(self)
        return result

    functools.update_wrapper(endpoint, method)
    signature = inspect.signature(method)
    try:  # FastAPI would resolve string annotations in this module's globals, not the method's
        hints = get_type_hints(method, include_extras=True)
    except Exception:
        hints = {}
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=hints.get(p.name, p.annotation)) for p in signature.parameters.values()
        ],
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return endpoint


def _flat_endpoint(cls: type[Any], method: Callable[..., Any]) -> Callable[..., Any] | None:
    """An endpoint taking the view's dependencies and the method's parameters side by side.

    It builds the view itself and calls the method, so FastAPI resolves one level of dependencies fewer
    than with an instance dependency (about 10 us a request). None when that cannot be done safely: a
    parameter name shared by the class and the method, ``*args``/``**kwargs``, or annotations that do not
    resolve; the caller then keeps the instance dependency.
    """
    try:
        hints = get_type_hints(method, include_extras=True)
    except Exception:
        return None
    signature = inspect.signature(method)
    method_parameters = list(signature.parameters.values())[1:]  # drop `self`
    view_parameters = list(inspect.signature(cls).parameters.values())
    view_names = tuple(p.name for p in view_parameters)
    if set(view_names) & {p.name for p in method_parameters} or any(
        p.kind in _VAR_KINDS for p in [*view_parameters, *method_parameters]
    ):
        return None
    plain = getattr(cls.__init__, _USER_INIT_KEY, None) is object.__init__
    inline = inline_endpoint(cls, method, view_parameters, method_parameters, hints, _FINISH, plain=plain)
    if inline is not None:
        return inline

    if inspect.iscoroutinefunction(method) and hasattr(cls, _FINISH):

        async def endpoint(**kwargs: Any) -> Any:
            view = cls(**{name: kwargs.pop(name) for name in view_names})
            result = await method(view, **kwargs)
            await finished(view)
            return result

    elif inspect.iscoroutinefunction(method):

        async def endpoint(**kwargs: Any) -> Any:
            view = cls(**{name: kwargs.pop(name) for name in view_names})
            return await method(view, **kwargs)

    else:

        def endpoint(**kwargs: Any) -> Any:  # type: ignore[misc]  # same name, sync body
            view = cls(**{name: kwargs.pop(name) for name in view_names})
            return method(view, **kwargs)

    functools.update_wrapper(endpoint, method)  # name and docstring for OpenAPI; FastAPI reads __globals__
    keyword = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [p.replace(kind=keyword) for p in view_parameters]
        + [p.replace(kind=keyword, annotation=hints.get(p.name, p.annotation)) for p in method_parameters],
        return_annotation=hints.get("return", signature.return_annotation),
    )
    return endpoint


def _rebuild(
    router: APIRouter, route: APIRoute | APIWebSocketRoute, name: str, endpoint: Callable[..., Any]
) -> BaseRoute:
    """A new route of the same class and settings, so FastAPI re-reads the endpoint's new signature."""
    route_class = type(route)
    init_names = set(inspect.signature(route_class.__init__).parameters) - {"self", "path", "endpoint"}
    kwargs = {key: getattr(route, key) for key in init_names if hasattr(route, key)}
    if "dependency_overrides_provider" in init_names:  # APIWebSocketRoute does not keep it
        kwargs.setdefault("dependency_overrides_provider", router.dependency_overrides_provider)
    kwargs["name"] = name
    security = inline_security(endpoint)
    if security and "openapi_extra" in init_names:  # FastAPI appends it to the operation's security
        kwargs["openapi_extra"] = {**(kwargs.get("openapi_extra") or {})}
        kwargs["openapi_extra"]["security"] = [*kwargs["openapi_extra"].get("security", ()), security]
    return route_class(route.path, endpoint, **kwargs)


__all__ = ["cbv"]
