"""``AuthJWT``: fastapi-jwt-auth 0.5.0's dependency API, as a thin layer over the same core as the views.

Its guards (``Authorize.jwt_required()``) are synchronous calls inside handlers, while revocation checks
are coroutines. FastAPI builds ``AuthJWT`` (a class dependency) in the thread pool, so the constructor
verifies every token the request carries there, revocation included, hopping back to the event loop when
it has to wait, and keeps the verified token or the error; the guards then only apply the type, freshness
and CSRF checks and raise what was kept. Nothing is raised by the constructor, so a login route that
injects ``AuthJWT`` works whatever the request carries.

A WebSocket guard may get a token the constructor did not see (``token=`` from the first message). Run on
the event loop's own thread, it verifies without waiting when nothing can wait (no revocation check, or the
in-memory store alone); otherwise it runs the check on a private event loop in a worker thread and blocks
until it answers. A store bound to the app's loop (Redis) cannot be used there: the token is then refused
with 1011 (fail closed), never let through.

Configuration is the app's installed ``AuthViews``. ``AuthJWT.load_config`` and the denylist loaders set
fastapi-jwt-auth's process-wide configuration instead, used by every app that installs none.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import timedelta
from typing import Any, Final, TypeVar, cast

import jwt
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket

from . import errors
from ._sync import complete_now, run_blocking, run_on_private_loop
from .config import ENV_PREFIX, AuthViewsConfig
from .core import AuthViews
from .exceptions import AuthJWTException, translate
from .locations import Found
from .logins import ConsumedRefreshToken
from .revocation import MemoryRevocationStore, RevocationCallback
from .session import AuthSession
from .tokens import ACCESS, REFRESH, Requirement, TokenType, VerifiedToken, check_requirement

__all__ = ["AuthJWT", "AuthJWTException"]

logger = logging.getLogger("fastapi_jwt_views")

_T = TypeVar("_T")
_Callback = TypeVar("_Callback", bound=RevocationCallback)
_Outcome = VerifiedToken | errors.AuthViewsError

#: How long a WebSocket guard waits for a revocation check on its private event loop (then: 1011).
PRIVATE_LOOP_TIMEOUT: Final = 10.0
_CONFIG_TYPE_ERROR: Final = "Config must be pydantic 'BaseSettings' or list of tuple"
_MAX_WEBSOCKET_CANDIDATES: Final = 4
_APP_DEFAULT: Final = "fastapi_jwt_views_compat_default"


# -- the process-wide configuration of load_config and the denylist loaders -----------------------------
class _ProcessDefaults:
    """What ``load_config`` and the denylist loaders set, and the one ``AuthViews`` built from it."""

    def __init__(self) -> None:
        self.config: AuthViewsConfig | None = None  # None: from the AUTHJWT_* variables
        self.callback: RevocationCallback | None = None
        self.generation = 0
        self._built: tuple[object, AuthViews] | None = None
        self._lock = threading.Lock()

    def update(self, **changes: Any) -> None:
        with self._lock:
            for name, value in changes.items():
                setattr(self, name, value)
            self.generation += 1

    def current(self) -> AuthViews:
        key: object = self.generation
        if self.config is None:  # follow the environment, as an app without load_config does
            key = (key, sorted((k, v) for k, v in os.environ.items() if k.upper().startswith(ENV_PREFIX)))
        with self._lock:
            if self._built is None or self._built[0] != key:
                config = self.config if self.config is not None else AuthViewsConfig.from_env()
                callback = self.callback if config.blacklist_enabled else None  # 0.5.0: unused when off
                authviews = AuthViews(config, is_revoked=callback)
                _made.add(authviews)
                self._built = (key, authviews)
            return self._built[1]


_defaults = _ProcessDefaults()
#: Every AuthViews built by _ProcessDefaults (weakly): an app holding one has installed none of its own.
_made: weakref.WeakSet[AuthViews] = weakref.WeakSet()


def _process_default() -> AuthViews:
    # Nothing configured: built from the environment each time, so no state is kept.
    return _defaults.current() if _defaults.generation else AuthViews()


def _configure(**changes: Any) -> None:
    _defaults.update(**changes)


def _config_from(loaded: object) -> AuthViewsConfig:
    """The configuration a ``load_config`` function returned: settings object or (name, value) list."""
    if isinstance(loaded, Mapping) or any(callable(getattr(loaded, m, None)) for m in ("model_dump", "dict")):
        return AuthViewsConfig.from_settings(loaded)
    if isinstance(loaded, (list, tuple)):
        try:
            pairs = dict(loaded)
        except (TypeError, ValueError):
            raise TypeError(_CONFIG_TYPE_ERROR) from None
        return AuthViewsConfig.from_settings(pairs)  # authjwt_* names only, as 0.5.0 read them
    raise TypeError(_CONFIG_TYPE_ERROR)


def _authviews_for(connection: HTTPConnection | None) -> AuthViews:
    if connection is None:
        return _process_default()
    found = AuthViews.find(connection)
    if found is not None:
        return found
    # No AuthViews installed: the process-wide configuration, kept per app (the views never use it).
    state = connection.app.state
    authviews: AuthViews | None = getattr(state, _APP_DEFAULT, None)
    if authviews is None or (authviews in _made and _defaults.generation):  # follow load_config
        current = _process_default()
        if current is not authviews:
            authviews = current
            setattr(state, _APP_DEFAULT, authviews)
    return authviews


# -- running the core's coroutines from synchronous code --------------------------------------------------
def _run_sync(authviews: AuthViews, make: Callable[[], Coroutine[Any, Any, _T]]) -> _T:
    """Run ``make()`` to completion from synchronous code, on any thread, without deadlocking."""
    if not authviews.verification_may_wait:
        return complete_now(make())
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return run_blocking(make)  # a worker thread: on the app's loop
    # On the event loop's own thread (a WebSocket guard given a token the handshake did not carry).
    if type(authviews.store) is not MemoryRevocationStore:
        logger.error(
            "AuthJWT had to check revocation on the event loop's own thread (a WebSocket guard given a token "
            "the connection did not carry, or AuthJWT built by hand in async code), and %s cannot be used "
            "from another event loop; refusing the token. Use the views for such routes.",
            type(authviews.store).__name__,
        )
        raise errors.RevocationUnavailableError()
    result = run_on_private_loop(make, PRIVATE_LOOP_TIMEOUT)
    if result is None:
        logger.error("AuthJWT: the revocation check did not answer in %s s; refusing", PRIVATE_LOOP_TIMEOUT)
        raise errors.RevocationUnavailableError()
    return result


async def _verify_tokens(authviews: AuthViews, tokens: Sequence[str]) -> dict[str, _Outcome]:
    """Verify each token against its own type (revocation included); the guards check the type."""
    results: dict[str, _Outcome] = {}
    for token in tokens:
        try:
            verified = authviews.codec.decode(token)
            token_type = verified.claims["type"]
            if token_type in (ACCESS, REFRESH):  # a look: a rotating refresh token is consumed by its guard
                verified = await authviews.verify(token, token_type, consume=False)
            results[token] = verified
        except errors.AuthViewsError as exc:
            results[token] = exc
    return results


def _websocket_candidates(connection: HTTPConnection, config: AuthViewsConfig) -> list[str]:
    """Tokens a WebSocket handshake may carry for ``token=`` or ``websocket=``: cookies, query, path."""
    values = [
        connection.cookies.get(config.access_cookie_key),
        connection.cookies.get(config.refresh_cookie_key),
        connection.query_params.get(config.query_string_name),
        *connection.path_params.values(),
        *connection.query_params.values(),
    ]
    tokens = [value for value in values if isinstance(value, str) and value.count(".") == 2]
    return list(dict.fromkeys(tokens))[:_MAX_WEBSOCKET_CANDIDATES]


def _subject(subject: str | int | None, identity: str | int | None) -> str | int:
    if (subject is None) == (identity is None):
        raise TypeError("Give the token's subject (or its older name, identity)")
    value = subject if subject is not None else identity
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise TypeError("subject must be a string or integer")
    return value


class AuthJWT:
    """fastapi-jwt-auth's ``AuthJWT``: inject it with ``Authorize: AuthJWT = Depends()``, then call a guard.

    It uses the ``AuthViews`` installed on the app, else the configuration of :meth:`load_config`, else the
    ``AUTHJWT_*`` environment variables. Errors are :mod:`fastapi_jwt_views.exceptions` classes.
    """

    # FastAPI injects the connection (HTTP or WebSocket) and the response; both are None outside a request.
    def __init__(self, req: HTTPConnection = None, res: Response = None) -> None:  # type: ignore[assignment]
        self._connection: HTTPConnection | None = req
        self._response: Response | None = res
        self._authviews = _authviews_for(req)
        self._found: dict[str, Found | errors.AuthViewsError | None] = {}
        self._outcomes: dict[str, _Outcome] = {}
        self._current: VerifiedToken | None = None
        self._guarded = False
        if req is None:
            return
        if req.scope["type"] == "websocket":
            tokens = _websocket_candidates(req, self._authviews.config)
        else:
            for kind in (ACCESS, REFRESH):
                try:
                    self._found[kind] = self._authviews.reader(kind).read(req)
                except errors.AuthViewsError as exc:  # a bad header: raised by the guards, not here
                    self._found[kind] = exc
            tokens = list(dict.fromkeys(f.token for f in self._found.values() if isinstance(f, Found)))
        if tokens:
            self._verify(tokens)

    # -- configuration (process-wide, as in fastapi-jwt-auth) ----------------------------------------------
    @classmethod
    def load_config(cls, settings: Callable[[], Any]) -> Callable[[], Any]:
        """Decorator: configure every app without an installed ``AuthViews`` from what ``settings()`` returns,
        a pydantic(-settings) object with ``authjwt_*`` fields or a list of ``(name, value)`` tuples."""
        _configure(config=_config_from(settings()))
        return settings

    @classmethod
    def token_in_denylist_loader(cls, callback: _Callback) -> _Callback:
        """Decorator: ``callback(claims)`` tells whether a token is revoked (sync, or async and awaited).

        Process-wide, like :meth:`load_config`; an app that installs an ``AuthViews`` passes ``is_revoked=``.
        """
        _configure(callback=callback)
        return callback

    token_in_blacklist_loader = token_in_denylist_loader

    @property
    def authviews(self) -> AuthViews:
        """The ``AuthViews`` this object works with (the app's, or the process-wide one)."""
        return self._authviews

    @property
    def jwt_in_cookies(self) -> bool:
        """Whether ``cookies`` is one of the configured token locations."""
        return "cookies" in self._authviews.config.token_location

    @property
    def jwt_in_headers(self) -> bool:
        """Whether ``headers`` is one of the configured token locations."""
        return "headers" in self._authviews.config.token_location

    # -- guards --------------------------------------------------------------------------------------------
    def jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token (WebSocket: ``token=``, or ``websocket=`` and ``csrf_token=``)."""
        self._guard("access", auth_from, token, websocket, csrf_token)

    def jwt_optional(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Accept a valid access token or none; a bad token, or a refresh token, is still refused."""
        self._guard("optional", auth_from, token, websocket, csrf_token)

    def jwt_refresh_token_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid refresh token (read from the refresh cookie when tokens travel in cookies)."""
        self._guard("refresh", auth_from, token, websocket, csrf_token)

    def fresh_jwt_required(
        self,
        auth_from: str = "request",
        token: str | None = None,
        websocket: WebSocket | None = None,
        csrf_token: str | None = None,
    ) -> None:
        """Require a valid access token created with ``fresh=True``."""
        self._guard("fresh", auth_from, token, websocket, csrf_token)

    def _guard(
        self,
        requirement: Requirement,
        auth_from: str,
        token: str | None,
        websocket: WebSocket | None,
        csrf_token: str | None,
    ) -> None:
        if auth_from not in ("request", "websocket"):
            raise ValueError(f"auth_from must be 'request' or 'websocket', got {auth_from!r}")
        on_websocket = auth_from == "websocket"
        with self._translated(websocket=on_websocket):
            if on_websocket:
                found = self._websocket_token(requirement, token, websocket, csrf_token)
            else:
                found = self._request_token(requirement)
            verified = None
            if found is not None:
                verified = self._verified(found.token)
                check_requirement(verified.claims, requirement)
                found.check_csrf(verified.claims)
                if requirement == REFRESH and self._authviews.config.refresh_token_rotation:
                    verified = self._consumed(found.token, verified)
        self._current, self._guarded = verified, True

    def _request_token(self, requirement: Requirement) -> Found | None:
        kind: Requirement = REFRESH if requirement == REFRESH else ACCESS
        found = self._found.get(kind)
        if isinstance(found, errors.AuthViewsError):
            raise found
        if found is None and requirement != "optional":
            config = self._authviews.config
            if set(config.token_location) == {"headers", "cookies"}:  # 0.5.0 then names the cookie
                key = config.refresh_cookie_key if kind == REFRESH else config.access_cookie_key
                raise errors.MissingTokenError(f"Missing cookie {key}")
            raise self._authviews.reader(kind).missing()
        return found

    def _websocket_token(
        self, requirement: Requirement, token: str | None, websocket: WebSocket | None, csrf_token: str | None
    ) -> Found | None:
        kind = REFRESH if requirement == REFRESH else ACCESS
        if websocket is None:
            if token:
                return Found(token, "query")
            if requirement == "optional":
                return None
            raise errors.MissingTokenError(f"Missing {kind} token from Query or Path")
        config = self._authviews.config
        key = config.refresh_cookie_key if kind == REFRESH else config.access_cookie_key
        cookie = websocket.cookies.get(key)
        if not cookie:
            if requirement == "optional":
                return None
            raise errors.MissingTokenError(f"Missing cookie {key}")
        if config.cookie_csrf_protect and not csrf_token:  # always checked: any page can open a WebSocket
            raise errors.CSRFError("Missing CSRF Token")
        return Found(cookie, "cookies", csrf_required=config.cookie_csrf_protect, csrf=csrf_token)

    def _verify(self, tokens: Sequence[str]) -> None:
        authviews = self._authviews
        try:
            self._outcomes.update(_run_sync(authviews, lambda: _verify_tokens(authviews, tokens)))
        except errors.AuthViewsError as exc:  # the check itself could not run (fail closed)
            self._outcomes.update(dict.fromkeys(tokens, exc))

    def _consumed(self, token: str, verified: VerifiedToken) -> VerifiedToken:
        """With rotation, a refresh guard consumes its token (once per request: a second guard reuses it)."""
        if not isinstance(verified, ConsumedRefreshToken):
            authviews = self._authviews
            verified = _run_sync(authviews, lambda: authviews.sessions.consume(verified))
            self._outcomes[token] = verified
        return verified

    def _verified(self, token: str) -> VerifiedToken:
        if token not in self._outcomes:
            self._verify([token])
        outcome = self._outcomes[token]
        if isinstance(outcome, errors.AuthViewsError):
            raise outcome
        return outcome

    @contextmanager
    def _translated(self, *, websocket: bool = False) -> Iterator[None]:
        try:
            yield
        except errors.AuthViewsError as exc:
            legacy = self._authviews.config.legacy_status_codes
            raise translate(exc, legacy=legacy, websocket=websocket) from exc

    # -- tokens --------------------------------------------------------------------------------------------
    def create_access_token(
        self,
        subject: str | int | None = None,
        fresh: bool = False,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
        *,
        identity: str | int | None = None,
    ) -> str:
        """Create an access token for ``subject`` (``identity=`` is its older name).

        ``expires_time``: a ``timedelta``, seconds, or ``False`` for no expiry. ``user_claims`` may not
        contain a claim the library sets (``type``, ``sub``, ``exp``, ...): that raises ``ValueError``.
        """
        if not isinstance(fresh, bool):
            raise TypeError("fresh must be a boolean")
        return self._create(
            ACCESS,
            _subject(subject, identity),
            fresh,
            algorithm,
            headers,
            expires_time,
            audience,
            user_claims,
        )

    def create_refresh_token(
        self,
        subject: str | int | None = None,
        algorithm: str | None = None,
        headers: Mapping[str, Any] | None = None,
        expires_time: timedelta | int | bool | None = None,
        audience: str | Sequence[str] | None = None,
        user_claims: Mapping[str, Any] | None = None,
        *,
        identity: str | int | None = None,
    ) -> str:
        """Create a refresh token for ``subject``; the arguments are those of :meth:`create_access_token`."""
        return self._create(
            REFRESH,
            _subject(subject, identity),
            False,
            algorithm,
            headers,
            expires_time,
            audience,
            user_claims,
        )

    def _create(
        self,
        token_type: TokenType,
        subject: str | int,
        fresh: bool,
        algorithm: str | None,
        headers: Mapping[str, Any] | None,
        expires_time: timedelta | int | bool | None,
        audience: str | Sequence[str] | None,
        user_claims: Mapping[str, Any] | None,
    ) -> str:
        if algorithm is not None and not isinstance(algorithm, str):
            raise TypeError("algorithm must be a string")
        if audience is not None and not isinstance(audience, (str, Sequence)):
            raise TypeError("audience must be a string or sequence")
        if user_claims is not None and not isinstance(user_claims, Mapping):
            raise TypeError("user_claims must be a dictionary")
        if expires_time is not None and not isinstance(expires_time, (timedelta, int)):
            raise TypeError("expires_time must be between timedelta, int, bool")
        lifetime_setting = f"{token_type}_token_expires"
        if expires_time is False and getattr(self._authviews.config, lifetime_setting) is not False:
            raise ValueError(  # the core refuses a token without exp unless its type never expires
                f"expires_time=False makes a token without exp, which this configuration refuses: set "
                f"AUTHJWT_{lifetime_setting.upper()}=false, or give a long lifetime instead"
            )
        # 0.5.0: True, 0 and None all mean the configured lifetime; False means no expiry.
        expires = (
            expires_time if expires_time is False or (expires_time and expires_time is not True) else None
        )
        return self._authviews.codec.encode(
            subject,
            token_type,
            fresh=fresh,
            expires=expires,
            claims=user_claims,
            headers=headers,
            audience=audience if audience is None or isinstance(audience, str) else list(audience),
            algorithm=algorithm,
        )

    def get_raw_jwt(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The claims of ``encoded_token`` (verified, revocation not checked) or of the current token."""
        if encoded_token is None and self._current is not None:
            return dict(self._current.claims)
        token = encoded_token or self._unguarded_token()
        if not token:
            return None
        with self._translated():
            return self._authviews.codec.decode(token).claims

    def get_jti(self, encoded_token: str) -> str | None:
        """The ``jti`` of ``encoded_token``, once verified."""
        claims = self.get_raw_jwt(encoded_token) or {}
        jti = claims.get("jti")
        return jti if isinstance(jti, str) else None

    def get_jwt_subject(self) -> str | int | None:
        """The ``sub`` of the current token; None when there is none (``jwt_optional`` without a token)."""
        claims = self.get_raw_jwt()
        return cast("str | int", claims["sub"]) if claims else None

    def get_jwt_identity(self) -> str | int | None:
        """The older name of :meth:`get_jwt_subject`."""
        return self.get_jwt_subject()

    def get_unverified_jwt_headers(self, encoded_token: str | None = None) -> dict[str, Any] | None:
        """The JOSE header of ``encoded_token`` or of the current token, **not verified**."""
        if encoded_token is None and self._current is not None:
            return dict(self._current.header)
        token = encoded_token or self._unguarded_token()
        if not token:
            return None
        with self._translated():
            try:
                return jwt.get_unverified_header(token)
            except jwt.PyJWTError as exc:
                raise errors.InvalidHeaderError(str(exc)) from exc

    def _unguarded_token(self) -> str | None:
        """Before any guard ran, 0.5.0's current token is the one of the ``Authorization`` header."""
        found = self._found.get(ACCESS)
        if self._guarded or not isinstance(found, Found) or found.location != "headers":
            return None
        return found.token

    def revoke_token(self, encoded_token: str | None = None) -> Awaitable[None]:
        """Not in 0.5.0: revoke the current token, or ``encoded_token``, in the ``AuthViews`` store.

        Needs ``denylist_enabled``. Blocking in a ``def`` handler; ``await`` it in an ``async def`` one.
        """
        session = AuthSession(self._authviews, self._current, self._connection)
        with self._translated():
            return session.revoke() if encoded_token is None else session.revoke_token(encoded_token)

    # -- cookies -------------------------------------------------------------------------------------------
    def set_access_cookies(
        self, encoded_access_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put an access token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        target = self._cookie_response("set_access_cookies", response)
        with self._translated():
            self._authviews.set_access_cookies(target, encoded_access_token, max_age)

    def set_refresh_cookies(
        self, encoded_refresh_token: str, response: Response | None = None, max_age: int | None = None
    ) -> None:
        """Put a refresh token in its HttpOnly cookie and its CSRF value in a readable cookie."""
        target = self._cookie_response("set_refresh_cookies", response)
        with self._translated():
            self._authviews.set_refresh_cookies(target, encoded_refresh_token, max_age)

    def unset_jwt_cookies(self, response: Response | None = None) -> None:
        """Delete the access and refresh cookies and their CSRF cookies."""
        self._authviews.unset_jwt_cookies(self._cookie_response("unset_jwt_cookies", response))

    def unset_access_cookies(self, response: Response | None = None) -> None:
        """Delete the access token cookie and its CSRF cookie."""
        self._authviews.unset_access_cookies(self._cookie_response("unset_access_cookies", response))

    def unset_refresh_cookies(self, response: Response | None = None) -> None:
        """Delete the refresh token cookie and its CSRF cookie."""
        self._authviews.unset_refresh_cookies(self._cookie_response("unset_refresh_cookies", response))

    def _cookie_response(self, method: str, response: Response | None) -> Response:
        if not self.jwt_in_cookies:
            raise RuntimeWarning(
                f"{method}() called without 'authjwt_token_location' configured to use cookies"
            )
        target = response if response is not None else self._response
        if not isinstance(target, Response):
            raise TypeError("The response must be an object response FastAPI")
        return target


# FastAPI < 0.12x resolves a class dependency's string annotations without its module's globals.
AuthJWT.__init__.__annotations__.update(req=HTTPConnection, res=Response)
