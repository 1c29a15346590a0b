"""The user loader: the application's user for a verified token, loaded once per request.

``AuthViews(config, user_loader=load_user)`` takes an ``async`` (or plain, then run in the thread pool)
callable ``(identity, claims) -> user | None``. ``await self.auth.user()`` calls it the first time a
request asks and keeps the result for the rest of the request; ``None`` (the user was deleted since the
token was issued) is a 401 :class:`~fastapi_jwt_views.errors.UserNotFoundError`. An exception of the
loader (its database is down) is the application's own and propagates unchanged: an ``HTTPException``
it raises is the response.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final, TypeAlias

from starlette.concurrency import run_in_threadpool

from . import errors

__all__ = ["NO_USER_LOADER", "UserLoader", "Users"]

#: ``(identity, claims) -> user | None``, or a coroutine function of the same.
UserLoader: TypeAlias = Callable[[Any, Mapping[str, Any]], Any | Awaitable[Any]]
NO_USER_LOADER: Final = (
    "self.auth.user() needs a user loader: AuthViews(config, user_loader=load_user), where "
    "load_user(identity, claims) returns the user or None"
)


class Users:
    """Calls one application's user loader."""

    __slots__ = ("_is_async", "loader")

    def __init__(self, loader: UserLoader) -> None:
        if not callable(loader):
            raise TypeError(f"user_loader must be callable, got {type(loader).__name__}")
        self.loader = loader
        call = getattr(loader, "__call__", None)  # noqa: B004  # a callable object's async __call__
        self._is_async = inspect.iscoroutinefunction(loader) or inspect.iscoroutinefunction(call)

    async def load(self, claims: Mapping[str, Any]) -> Any:
        """The user of verified ``claims``; :class:`UserNotFoundError` when the loader finds none."""
        identity = claims["sub"]
        if self._is_async:
            user = await self.loader(identity, claims)
        else:
            user = await run_in_threadpool(self.loader, identity, claims)
            if inspect.isawaitable(user):  # a plain function returning an awaitable
                user = await user
        if user is None:
            raise errors.UserNotFoundError()
        return user
