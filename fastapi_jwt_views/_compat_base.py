"""What fastapi-jwt-auth's ``AuthJWT`` and the async fork's share: construction, guards, tokens, cookies.

:mod:`fastapi_jwt_views.compat` (sync methods, 0.5.0) and :mod:`fastapi_jwt_views.asyncio` (awaitable
methods, async-fastapi-jwt-auth) are thin classes over this one; everything here is synchronous and never
waits: the waiting happened in the dependency (:mod:`._compat_request`).
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Coroutine, Generator, Mapping, Sequence
from datetime import timedelta
from typing import Any, TypeVar

import jwt
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket

from . import errors
from ._compat_config import PROCESS, AuthConfig, Resolved, check_attribute, is_legacy
from ._compat_request import Checked, Outcome, async_constructor, check_connection, resolve
from .core import AuthViews
from .exceptions import translate
from .locations import Found
from .tokens import ACCESS, REFRESH, Requirement, TokenType, VerifiedToken, check_requirement

__all__ = ["AuthJWTBase", "subject_of"]

_AUTH_FROM = ("request", "websocket")
_Self = TypeVar("_Self", bound="AuthJWTBase")


def subject_of(subject: str | int | None, identity: str | int | None, method: str) -> str | int:
    """The token's subject, checked as 0.5.0 did (``identity`` is its older name)."""
    if subject is None and identity is None:
        raise TypeError(f"{method}() missing 1 required positional argument: 'subject'")
    if subject is not None and identity is not None:
        raise TypeError(f"{method}() got both 'subject' and its older name 'identity'")
    value = subject if subject is not None else identity
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        raise TypeError("subject must be a string or integer")
    return value


class AuthJWTBase(AuthConfig):
    """The state and the synchronous steps of one ``AuthJWT`` (per request, or built by hand)."""

    # FastAPI injects the connection (HTTP or WebSocket) and the response, and verifies the tokens (see
    # async_constructor); outside a request all are absent and the configuration is read at each use.
    def __init__(
        self,
        req: HTTPConnection = None,  # type: ignore[assignment]
        res: Response = None,  # type: ignore[assignment]
        checked: Checked | None = None,
    ) -> None:
        self._connection: HTTPConnection | None = req
        self._response: Response | None = res
        self._checked: Checked | None = checked
        self._current: VerifiedToken | None = None
        self._guarded = False
        self._overrides: dict[str, Any] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        constructor = async_constructor(cls, AuthJWTBase.__init__)
        type.__setattr__(cls, "__wrapped__", constructor)
        # Python >= 3.13 reads a class's signature from its __init__, not through __wrapped__.
        type.__setattr__(cls, "__signature__", inspect.signature(constructor))

    def __await__(self: _Self) -> Generator[Any, None, _Self]:
        """Verify the request's tokens (once) and give this object: how FastAPI builds it on the loop."""
        if self._checked is None and self._connection is not None:
            self._checked = yield from check_connection(self._connection).__await__()
        return self

    def __getattr__(self, name: str) -> Any:  # 0.5.0's class attributes, read through an instance
        if is_legacy(name):
            overrides = self.__dict__.get("_overrides") or {}
            key = name.removeprefix("_")
            return overrides[key] if key in overrides else getattr(type(self), name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __setattr__(self, name: str, value: Any) -> None:
        if not is_legacy(name):
            object.__setattr__(self, name, value)
        elif name in ("_token", "_token_in_denylist_callback"):
            setattr(type(self), name, value)
        else:  # 0.5.0: an instance attribute shadowing the class's, for this object only
            self._overrides[check_attribute(name, value)] = value

    # -- configuration -------------------------------------------------------------------------------------
    @property
    def _resolved(self) -> Resolved:
        """The request's configuration, or (built by hand) the configuration at this moment."""
        if self._overrides:
            return PROCESS.resolve(self._overrides)
        if self._checked is not None:
            return self._checked.resolved
        return resolve(self._connection)

    @property
    def authviews(self) -> AuthViews:
        """The ``AuthViews`` this object works with (the app's, or the process-wide one).

        Raises 0.5.0's ``RuntimeError`` while the process-wide configuration lacks key material.
        """
        return self._resolved.complete()

    @property
    def jwt_in_cookies(self) -> bool:
        """Whether ``cookies`` is one of the configured token locations."""
        return "cookies" in self._resolved.authviews.config.token_location

    @property
    def jwt_in_headers(self) -> bool:
        """Whether ``headers`` is one of the configured token locations."""
        return "headers" in self._resolved.authviews.config.token_location

    # -- the guards' synchronous part ---------------------------------------------------------------------
    def _select(
        self,
        requirement: Requirement,
        auth_from: str,
        token: str | None,
        websocket: WebSocket | None,
        csrf_token: str | None,
    ) -> Found | None:
        """The token a guard checks (None: optional and absent); raises for a missing one."""
        if auth_from not in _AUTH_FROM:
            raise ValueError(f"auth_from must be 'request' or 'websocket', got {auth_from!r}")
        if auth_from == "websocket":
            if websocket is not None and not isinstance(websocket, WebSocket):
                raise TypeError("request must be an instance of 'Request' or 'WebSocket'")
            return self._websocket_token(requirement, token, websocket, csrf_token)
        return self._request_token(requirement)

    def _outcome(self, token: str) -> Outcome | None:
        """The dependency's verdict on ``token``, or None when it did not see it."""
        return self._checked.outcomes.get(token) if self._checked is not None else None

    def _remember(self, token: str, outcome: Outcome) -> Outcome:
        """Keep a guard's verdict on ``token`` (a consumed refresh token), so a second guard reuses it."""
        if self._checked is not None:
            self._checked.outcomes[token] = outcome
        return outcome

    def _finish(self, requirement: Requirement, found: Found | None, outcome: Outcome | None) -> None:
        """Apply the type, freshness and CSRF checks to a verified token, and make it the current one."""
        verified = None
        if found is not None:
            if isinstance(outcome, (errors.AuthViewsError, RuntimeError)):
                # A copy: the kept verdict, raised itself, would hold this frame (and so this object,
                # which keeps the verdict): a reference cycle per refused request.
                raise copy.copy(outcome) from outcome
            assert outcome is not None
            verified = outcome
            check_requirement(verified.claims, requirement, self._resolved.authviews.codec.clock)
            found.check_csrf(verified.claims)
        self._current, self._guarded = verified, True

    def _request_token(self, requirement: Requirement) -> Found | None:
        kind: Requirement = REFRESH if requirement == REFRESH else ACCESS
        config = self._resolved.authviews.config
        if self._checked is None:  # built by hand with a request, or with none at all
            found: Found | errors.AuthViewsError | None = None
            if self._connection is not None:
                found = self._resolved.authviews.reader(kind).read(self._connection)
        else:
            found = self._checked.found.get(kind)
        if isinstance(found, errors.AuthViewsError):
            raise found
        if found is None and requirement != "optional":
            if set(config.token_location) == {"headers", "cookies"}:  # 0.5.0 then names the cookie
                key = config.refresh_cookie_key if kind == REFRESH else config.access_cookie_key
                raise errors.MissingTokenError(f"Missing cookie {key}")
            raise self._resolved.authviews.reader(kind).missing()
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
        config = self._resolved.authviews.config
        key = config.refresh_cookie_key if kind == REFRESH else config.access_cookie_key
        cookie = websocket.cookies.get(key)
        if not cookie:
            if requirement == "optional":
                return None
            raise errors.MissingTokenError(f"Missing cookie {key}")
        if config.cookie_csrf_protect and not csrf_token:  # always checked: any page can open a WebSocket
            raise errors.CSRFError("Missing CSRF Token")
        return Found(cookie, "cookies", csrf_required=config.cookie_csrf_protect, csrf=csrf_token)

    def _translated(self, *, websocket: bool = False) -> _Translated:
        """A context raising 0.5.0's exception for the library's error raised inside it."""
        return _Translated(self._resolved.authviews.config.legacy_status_codes, websocket)

    # -- tokens --------------------------------------------------------------------------------------------
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
        if not isinstance(fresh, bool):
            raise TypeError("fresh must be a boolean")
        if audience is not None and not isinstance(audience, (str, Sequence)):
            raise TypeError("audience must be a string or sequence")
        if algorithm is not None and not isinstance(algorithm, str):
            raise TypeError("algorithm must be a string")
        if user_claims is not None and not isinstance(user_claims, Mapping):
            raise TypeError("user_claims must be a dictionary")
        if expires_time is not None and not isinstance(expires_time, (timedelta, int)):
            raise TypeError("expires_time must be between timedelta, int, bool")
        if headers is not None and not isinstance(headers, Mapping):
            headers = dict(headers)  # 0.5.0 merged them with dict(): its ValueError/TypeError for a bad value
        resolved = self._resolved
        signing = resolved.signing_algorithm(algorithm)
        config = resolved.authviews.config
        lifetime_setting = f"{token_type}_token_expires"
        if expires_time is False and getattr(config, lifetime_setting) is not False:
            raise ValueError(  # the core refuses a token without exp unless its type never expires
                f"expires_time=False makes a token without exp, which this configuration refuses: set "
                f"AUTHJWT_{lifetime_setting.upper()}=false, or give a long lifetime instead"
            )
        # 0.5.0: True, 0 and None all mean the configured lifetime; False means no expiry.
        keep = expires_time is False or (expires_time and expires_time is not True)
        expires = expires_time if keep else None
        return resolved.authviews.codec.encode(
            subject,
            token_type,
            fresh=fresh,
            expires=expires,
            claims=user_claims,
            headers=headers,
            audience=audience if audience is None or isinstance(audience, str) else list(audience),
            algorithm=signing,
        )

    def _raw_jwt(self, encoded_token: str | None) -> dict[str, Any] | None:
        if encoded_token is None and self._current is not None:
            return dict(self._current.claims)
        token = encoded_token or self._unguarded_token()
        if not token:
            return None
        with self._translated():
            return dict(self._resolved.decode(token).claims)

    def _jti(self, encoded_token: str) -> str | None:
        jti = (self._raw_jwt(encoded_token) or {}).get("jti")
        return jti if isinstance(jti, str) else None

    def _subject_now(self) -> str | int | None:
        claims = self._raw_jwt(None)
        return claims["sub"] if claims else None

    def _unverified_headers(self, encoded_token: str | None) -> dict[str, Any] | None:
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

    def _revocation(self, encoded_token: str | None) -> Coroutine[Any, Any, None]:
        """The coroutine that revokes ``encoded_token`` (verified first) or the current token."""
        authviews = self._resolved.authviews
        authviews.require_revocation()
        if encoded_token is not None:
            return authviews.revoke_claims(self._resolved.decode(encoded_token).claims)
        if self._current is None:
            raise authviews.missing_token()
        return authviews.revoke_claims(self._current.claims)

    def _unguarded_token(self) -> str | None:
        """Before any guard ran, 0.5.0's current token is the one of the ``Authorization`` header."""
        found = self._checked.found.get(ACCESS) if self._checked is not None else None
        if self._guarded or not isinstance(found, Found) or found.location != "headers":
            return None
        return found.token

    # -- cookies -------------------------------------------------------------------------------------------
    def _set_cookies(
        self, kind: TokenType, token: str, response: Response | None, max_age: int | None
    ) -> None:
        if not self.jwt_in_cookies:  # 0.5.0's order of checks: location, max_age, response
            self._cookie_response(f"set_{kind}_cookies", response)
        if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool)):
            raise TypeError("max_age must be a integer")
        target = self._cookie_response(f"set_{kind}_cookies", response)
        authviews = self._resolved.authviews
        with self._translated():
            if kind == ACCESS:
                authviews.set_access_cookies(target, token, max_age)
            else:
                authviews.set_refresh_cookies(target, token, max_age)

    def _unset_cookies(self, which: str, response: Response | None) -> None:
        target = self._cookie_response(f"unset_{which}_cookies", response)
        authviews = self._resolved.authviews
        {"jwt": authviews.unset_jwt_cookies, "access": authviews.unset_access_cookies}.get(
            which, authviews.unset_refresh_cookies
        )(target)

    def _cookie_response(self, method: str, response: Response | None) -> Response:
        if not self.jwt_in_cookies:
            raise RuntimeWarning(
                f"{method}() called without 'authjwt_token_location' configured to use cookies"
            )
        target = response if response is not None else self._response
        if not isinstance(target, Response):
            raise TypeError("The response must be an object response FastAPI")
        return target


# FastAPI 0.115 resolves a class dependency's string annotations without its module's globals.
AuthJWTBase.__init__.__annotations__.update(req=HTTPConnection, res=Response)


class _Translated:
    """``with self._translated():`` as a class: a generator-based context manager raising from its
    ``except`` left a reference cycle per refused request on Python 3.12 (its frames hold both errors)."""

    __slots__ = ("legacy", "websocket")

    def __init__(self, legacy: bool, websocket: bool) -> None:
        self.legacy, self.websocket = legacy, websocket

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _: Any) -> None:
        if isinstance(error, errors.AuthViewsError):
            raise translate(error, legacy=self.legacy, websocket=self.websocket) from error
