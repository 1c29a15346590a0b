"""View endpoints that call their one connection dependency themselves, instead of through FastAPI.

FastAPI resolves every ``Depends`` of an endpoint as one more level of its dependency solver, about 8 us
a request (FastAPI 0.16x). A view's ``auth`` needs nothing but the connection, so when a handler takes no
parameters FastAPI would validate (only ``Request``, ``WebSocket``, ``Response`` or ``BackgroundTasks``),
its endpoint takes the connection and awaits the dependency itself. What FastAPI did is kept:

* order: with nothing else to solve, the dependency still runs before the handler, and after the
  route's own ``dependencies=[...]`` (which FastAPI runs before an endpoint's parameters in any case);
* ``app.dependency_overrides[dependency]`` is honoured, for an override taking no parameters or only the
  connection (a ``Request``, ``WebSocket`` or ``HTTPConnection``); any other override is refused with a
  ``TypeError`` naming it, never silently skipped;
* OpenAPI: the dependency's security requirement is declared on the route (``INLINE_KEY``'s value).

A dependency opts in by carrying ``INLINE_KEY``: the OpenAPI security requirement routes using it
declare (``{}`` for none). It must be awaitable as ``await dependency(connection)``.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Awaitable, Callable
from typing import Any, Final

from fastapi import BackgroundTasks, Response
from fastapi.params import Depends
from starlette.background import BackgroundTasks as StarletteBackgroundTasks
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection, Request
from starlette.websockets import WebSocket

__all__ = ["INLINE_KEY", "inline_dependency", "inline_endpoint", "inline_security"]

#: Set on a dependency that may be called with the connection alone (value: its OpenAPI security).
INLINE_KEY: Final = "__cbv_inline_security__"
#: Set on an inline endpoint: the dependency it calls (what FastAPI's dependant no longer lists).
_DEPENDENCY: Final = "__cbv_inline_dependency__"
#: Handler parameters FastAPI fills without validating anything (so none can fail before the dependency).
_FREE: Final = (Request, WebSocket, Response, BackgroundTasks, StarletteBackgroundTasks)
_CONNECTION: Final = "_cbv_connection"


def _free(parameter: inspect.Parameter, hint: Any) -> bool:
    return (
        parameter.default is inspect.Parameter.empty
        and isinstance(hint, type)
        and issubclass(hint, _FREE)
        and parameter.name != _CONNECTION
    )


def inline_endpoint(
    cls: type[Any],
    method: Callable[..., Any],
    view_parameters: list[inspect.Parameter],
    method_parameters: list[inspect.Parameter],
    hints: dict[str, Any],
    finish: str,
    *,
    plain: bool,
) -> Callable[..., Any] | None:
    """An endpoint building the view from ``await dependency(connection)``, or None when the view has
    other dependencies or the handler parameters FastAPI must validate (then FastAPI resolves them all).
    ``plain``: the class has no user ``__init__``, so the instance is made without calling one."""
    if len(view_parameters) != 1 or not all(_free(p, hints.get(p.name)) for p in method_parameters):
        return None
    (parameter,) = view_parameters
    dependency = parameter.default.dependency if isinstance(parameter.default, Depends) else None
    if dependency is None or not hasattr(dependency, INLINE_KEY):
        return None
    name = parameter.name

    new: Callable[[type[Any]], Any] = cls.__new__  # type: ignore[assignment]

    # Two plain functions rather than one coroutine: an async view's request then runs one coroutine of
    # ours (its endpoint) around the dependency's and the handler's.
    def value_of(connection: HTTPConnection) -> Awaitable[Any]:
        overrides = getattr(connection.scope.get("app"), "dependency_overrides", None)
        if overrides and dependency in overrides:
            return _call_override(overrides[dependency], dependency, connection)
        return dependency(connection)  # type: ignore[no-any-return]

    def build(value: Any) -> Any:
        if not plain:
            return cls(**{name: value})
        view = new(cls)
        setattr(view, name, value)
        return view

    if inspect.iscoroutinefunction(method):
        finishing = getattr(cls, finish, None)

        async def endpoint(_cbv_connection: HTTPConnection, **kwargs: Any) -> Any:
            view = build(await value_of(_cbv_connection))
            result = await method(view, **kwargs)
            if finishing is not None:
                unfinished = finishing(view)
                if unfinished is not None:
                    await unfinished
            return result

    else:
        # FastAPI runs a `def` endpoint in the thread pool: the dependency is awaited first, on the loop,
        # and only the handler goes to the pool (the one hop FastAPI makes for any `def` route).
        async def endpoint(_cbv_connection: HTTPConnection, **kwargs: Any) -> Any:
            view = build(await value_of(_cbv_connection))
            return await run_in_threadpool(functools.partial(method, view, **kwargs))

    functools.update_wrapper(endpoint, method)  # name and docstring for OpenAPI
    # Not `method`: whoever unwraps it must find this endpoint, a coroutine function even for a `def`.
    del endpoint.__wrapped__  # type: ignore[attr-defined]
    keyword = inspect.Parameter.KEYWORD_ONLY
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(_CONNECTION, keyword, annotation=HTTPConnection)]
        + [p.replace(kind=keyword, annotation=hints[p.name]) for p in method_parameters],
        return_annotation=hints.get("return", inspect.signature(method).return_annotation),
    )
    setattr(endpoint, _DEPENDENCY, dependency)
    return endpoint


def inline_dependency(endpoint: object) -> Any:
    """The dependency an inline endpoint calls itself (None: not an inline endpoint)."""
    return getattr(endpoint, _DEPENDENCY, None)


def inline_security(endpoint: Callable[..., Any]) -> dict[str, list[str]] | None:
    """The OpenAPI security requirement an inline endpoint's route declares (None: not inline)."""
    return getattr(inline_dependency(endpoint), INLINE_KEY, None)


async def _call_override(override: Callable[..., Any], dependency: Any, connection: HTTPConnection) -> Any:
    arguments = []
    try:  # string annotations (``from __future__ import annotations``) resolved, as FastAPI does
        signature = inspect.signature(override, eval_str=True)
    except Exception:
        signature = inspect.signature(override)
    for parameter in signature.parameters.values():
        annotation = parameter.annotation
        if isinstance(annotation, type) and issubclass(annotation, HTTPConnection):
            arguments.append(connection)
        elif parameter.default is inspect.Parameter.empty or isinstance(parameter.default, Depends):
            raise TypeError(
                f"dependency_overrides[{dependency!r}] = {override!r}: an override of a view's "
                f"dependency may take no parameters or only the connection (Request, WebSocket or "
                f"HTTPConnection), not {parameter.name!r}"
            )
    if inspect.isgeneratorfunction(override) or inspect.isasyncgenfunction(override):
        raise TypeError(
            f"dependency_overrides[{dependency!r}] = {override!r}: an override of a view's dependency "
            "must return its value, not yield it"
        )
    value = override(*arguments)
    return await value if inspect.isawaitable(value) else value

