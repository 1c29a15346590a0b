"""The compatibility API's request step: find and verify a request's tokens in an async dependency.

``AuthJWT``'s constructor takes :func:`check_connection` as a sub-dependency, so when FastAPI resolves
``Authorize: AuthJWT = Depends()`` the tokens the connection carries (the header and the cookies; on a
WebSocket also the query string and path parameters) are already verified, revocation included, with
``await`` on the event loop (a sync denylist callback runs once in the thread pool). The guards then only
inspect the finished :class:`Checked`. No thread ever waits for the event loop, and the loop never waits
for a thread.

A token the dependency did not see (a WebSocket guard's ``token=`` from the first message) is verified
by :func:`verify_now` without waiting: signature and claims, and the revocation check when it cannot
wait (the in-memory store without a callback). Otherwise it is refused with 503 / close code 1011 and a log
line naming the awaitable API (``fastapi_jwt_views.asyncio``, the async fork's) that can check it.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from fastapi import Depends
from starlette.requests import HTTPConnection
from starlette.responses import Response

from . import errors
from ._compat_config import PROCESS, Resolved
from ._sync import complete_now
from .core import AuthViews
from .locations import Found
from .logins import ConsumedRefreshToken
from .remote_keys import KeyFetchNeededError
from .tokens import ACCESS, REFRESH, TokenType, VerifiedToken

__all__ = [
    "Checked",
    "Outcome",
    "async_constructor",
    "check_connection",
    "consume",
    "consume_now",
    "resolve",
    "to_consume",
    "verify",
    "verify_now",
]

logger = logging.getLogger("fastapi_jwt_views")

Outcome = VerifiedToken | errors.AuthViewsError | RuntimeError
_E = TypeVar("_E", bound=BaseException)
_MAX_WEBSOCKET_CANDIDATES: Final = 4


def resolve(connection: HTTPConnection | None) -> Resolved:
    """The app's installed ``AuthViews``; without one, the compatibility API's process-wide configuration."""
    installed = AuthViews.find(connection) if connection is not None else None
    return Resolved.of(installed) if installed is not None else PROCESS.resolve()


@dataclass
class Checked:
    """What the dependency found in one connection and what verifying each token gave."""

    resolved: Resolved
    found: dict[str, Found | errors.AuthViewsError | None] = field(default_factory=dict)
    outcomes: dict[str, Outcome] = field(default_factory=dict)


async def verify(resolved: Resolved, token: str) -> Outcome:
    """Verify ``token`` against its own type, revocation included (the guards check the type they need)."""
    try:
        try:
            verified = resolved.decode(token)
        except KeyFetchNeededError as needed:  # an identity provider's key set is due: fetch, then retry
            await needed.fetch()
            verified = resolved.decode(token)
        token_type = verified.claims.get("type")
        config = resolved.authviews.config
        if (
            token_type in (ACCESS, REFRESH)
            and config.blacklist_enabled
            and token_type in config.blacklist_token_checks
        ):
            # A look: with refresh-token rotation, a refresh token is consumed by its guard (consume()), not
            # here, where every request carrying a refresh cookie would spend it.
            verified = await resolved.authviews.verify(token, token_type, consume=False)
        return verified
    except (errors.AuthViewsError, RuntimeError) as exc:
        return kept(exc)


def kept(error: _E) -> _E:
    """``error`` without the tracebacks of its chain, to be kept and raised later. A traceback's frames
    lead to their callers' (the constructing ``AuthJWT``, which keeps the error): a reference cycle per
    refused request, left to the garbage collector."""
    seen: set[int] = set()
    link: BaseException | None = error
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        link.__traceback__ = None
        link = link.__cause__ or link.__context__
    return error


def to_consume(resolved: Resolved, requirement: str, outcome: Outcome | None) -> VerifiedToken | None:
    """The verified refresh token a refresh guard must still consume (rotation on), or None."""
    config = resolved.authviews.config
    if (
        requirement == REFRESH
        and config.refresh_token_rotation
        and isinstance(outcome, VerifiedToken)
        and not isinstance(outcome, ConsumedRefreshToken)
        and outcome.claims.get("type") == REFRESH
        and REFRESH in resolved.authviews._checked_types
    ):
        return outcome
    return None


async def consume(resolved: Resolved, outcome: VerifiedToken) -> Outcome:
    """Consume a verified refresh token (rotation): good for one refresh; a reused one is refused."""
    try:
        return await resolved.authviews.sessions.consume(outcome)
    except (errors.AuthViewsError, RuntimeError) as exc:
        return exc


def verify_now(resolved: Resolved, token: str) -> Outcome:
    """:func:`verify` without waiting: refused (1011 / 503) when the revocation check would wait."""
    authviews = resolved.authviews
    if authviews.verification_may_wait:
        try:
            resolved.decode(token)  # a bad token is reported as such, whatever the store
        except (errors.AuthViewsError, RuntimeError) as exc:
            return exc
        logger.error(
            "AuthJWT: a guard was given a token the dependency did not see (token= from a WebSocket "
            "message), and its revocation check (%s or a denylist callback) cannot run without waiting; "
            "refused. Use the awaitable API: from fastapi_jwt_views.asyncio import AuthJWT, then "
            "await Authorize.jwt_required('websocket', token=token), or the views.",
            type(authviews.store).__name__,
        )
        return errors.RevocationUnavailableError()
    return complete_now(verify(resolved, token))


def consume_now(resolved: Resolved, outcome: VerifiedToken) -> Outcome:
    """:func:`consume` without waiting (a sync guard): refused (503) when the store or a callback waits."""
    if resolved.authviews.verification_may_wait:
        logger.error(
            "AuthJWT: with AUTHJWT_REFRESH_TOKEN_ROTATION, a refresh guard consumes its token, and %s (or a "
            "denylist callback) cannot be used without waiting; refused. Use the awaitable API: from "
            "fastapi_jwt_views.asyncio import AuthJWT, then await Authorize.jwt_refresh_token_required(), "
            "or a RefreshView.",
            type(resolved.authviews.store).__name__,
        )
        return errors.RevocationUnavailableError()
    return complete_now(consume(resolved, outcome))


async def check_connection(connection: HTTPConnection) -> Checked:
    """The dependency: read the connection's tokens and verify each one (FastAPI caches it per request)."""
    checked = Checked(resolve(connection))
    authviews = checked.resolved.authviews
    if connection.scope["type"] == "websocket":
        tokens = _websocket_candidates(connection, authviews)
    else:
        kinds: tuple[TokenType, ...] = (
            (ACCESS, REFRESH) if "cookies" in authviews.config.token_location else (ACCESS,)
        )
        for kind in kinds:  # only the cookies differ between access and refresh tokens
            try:
                checked.found[kind] = authviews.reader(kind).read(connection)
            except errors.AuthViewsError as exc:  # a bad header: raised by the guards, not here
                checked.found[kind] = kept(exc)
        checked.found.setdefault(REFRESH, checked.found[ACCESS])
        tokens = list(dict.fromkeys(f.token for f in checked.found.values() if isinstance(f, Found)))
    for token in tokens:
        checked.outcomes[token] = await verify(checked.resolved, token)
    return checked


def async_constructor(cls: type[Any], base_init: Callable[..., None]) -> Callable[..., Any]:
    """The ``__wrapped__`` of an ``AuthJWT`` class: a coroutine function with the constructor's signature.

    FastAPI runs a class dependency in its thread pool: one hop per request, most of the cost of
    ``AuthJWT``. Newer FastAPI versions (0.165 is tested) unwrap a dependency (``inspect.unwrap``) to read
    its signature and to tell whether it is a coroutine function; finding one, they call the class on the
    event loop and await the instance, whose ``__await__`` verifies the request's tokens and gives the
    instance. FastAPI's own classifier is asked which it will do: when it would not await the class (FastAPI
    0.115, or Python >= 3.13, whose ``inspect.unwrap`` stops at a class), the signature takes
    :func:`check_connection` as a sub-dependency instead, and the class is built in the thread pool with
    the same result. A subclass with its own ``__init__`` gets a plain function with that signature (the
    thread pool, and the guards verify what the request carries without waiting).
    """
    if cls.__init__ is not base_init:

        def construct_sync(*args: Any, **kwargs: Any) -> Any:
            return cls(*args, **kwargs)

        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
        construct_sync.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        return construct_sync

    async def construct(
        req: HTTPConnection = None,  # type: ignore[assignment]
        res: Response = None,  # type: ignore[assignment]
    ) -> Any:
        return await cls(req, res)

    construct.__annotations__.update(req=HTTPConnection, res=Response)
    type.__setattr__(cls, "__wrapped__", construct)
    if _fastapi_awaits(cls):
        return construct

    async def construct_checked(
        req: HTTPConnection = None,  # type: ignore[assignment]
        res: Response = None,  # type: ignore[assignment]
        checked: Checked = Depends(check_connection),
    ) -> Any:
        return cls(req, res, checked)

    construct_checked.__annotations__.update(req=HTTPConnection, res=Response, checked=Checked)
    return construct_checked


def _fastapi_awaits(cls: type[Any]) -> bool:
    """Whether this FastAPI calls ``cls`` on the event loop and awaits the result (its own classifier)."""
    try:
        from fastapi.dependencies.models import _is_coroutine_callable as classify
    except ImportError:  # FastAPI 0.115: a class is always built in the thread pool
        return False
    try:
        return bool(classify(cls))
    except Exception:  # an unknown FastAPI: the thread pool, which is always correct
        return False


def _websocket_candidates(connection: HTTPConnection, authviews: AuthViews) -> Sequence[str]:
    """Tokens a WebSocket handshake may carry for ``token=`` or ``websocket=``: cookies, query, path."""
    config = authviews.config
    values = [
        connection.cookies.get(config.access_cookie_key),
        connection.cookies.get(config.refresh_cookie_key),
        connection.query_params.get(config.query_string_name),
        *connection.path_params.values(),
        *connection.query_params.values(),
    ]
    tokens = [value for value in values if isinstance(value, str) and value.count(".") == 2]
    return list(dict.fromkeys(tokens))[:_MAX_WEBSOCKET_CANDIDATES]
