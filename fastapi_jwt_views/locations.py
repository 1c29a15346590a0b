"""Where tokens travel: read a token from a request (headers, cookies, query string), check the CSRF double
submit of a cookie token, and set or unset token cookies on a response.

A reader is built once per (token type, locations) and reused for every request.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, NamedTuple

import anyio
from starlette.datastructures import Headers
from starlette.requests import HTTPConnection
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketState

from ._checks import LOCATIONS as CONFIGURABLE_LOCATIONS
from .config import AuthViewsConfig
from .errors import (
    ConfigurationError,
    CSRFError,
    InvalidHeaderError,
    MissingClaimError,
    MissingTokenError,
    TokenError,
    TokenTooLargeError,
)
from .tokens import TokenCodec

__all__ = [
    "CSRF_QUERY_PARAM",
    "FIRST_MESSAGE_TIMEOUT",
    "LOCATIONS",
    "CookieIssuer",
    "CookieWriter",
    "Found",
    "HeaderLocation",
    "Location",
    "TokenReader",
    "check_locations",
    "read_first_message",
]

#: ``headers``, ``cookies`` and ``query`` come from the configuration; ``message`` is the first message a
#: WebSocket client sends (WebSocket routes only).
Location = Literal["headers", "cookies", "query", "message"]
LOCATIONS: Final = (*CONFIGURABLE_LOCATIONS, "message")
#: The query parameter that carries the CSRF value of a cookie token on a WebSocket handshake.
CSRF_QUERY_PARAM: Final = "csrf_token"


def check_locations(locations: Sequence[str]) -> tuple[Location, ...]:
    """Validate a view's own list of locations (at class creation, not at the first request)."""
    if isinstance(locations, str) or not locations:
        raise ConfigurationError(f"locations must be a non-empty list of {LOCATIONS}, got {locations!r}")
    unknown = [item for item in locations if item not in LOCATIONS]
    if unknown:
        raise ConfigurationError(f"Unknown token location(s) {unknown!r}; expected some of {LOCATIONS}")
    return tuple(dict.fromkeys(locations))  # type: ignore[arg-type]


class HeaderLocation:
    """Reads ``<header_type> <JWT>`` (or a bare ``<JWT>``) from the configured header."""

    __slots__ = ("_bad", "_key", "_type", "missing_text")

    def __init__(self, config: AuthViewsConfig) -> None:
        self._key = config.header_name.lower().encode("latin-1")  # as ASGI servers give header names
        self._type = config.header_type.lower()
        expected = f"{config.header_type} <JWT>" if config.header_type else "<JWT>"
        self._bad = f"Bad {config.header_name} header. Expected value '{expected}'"
        self.missing_text = f"{config.header_name} Header"

    def missing(self) -> MissingTokenError:
        """The error for a request that carries no token here."""
        return MissingTokenError(f"Missing {self.missing_text}")

    def read(self, headers: list[tuple[bytes, bytes]]) -> str | None:
        """Return the token from an ASGI scope's ``headers``, None when the header is absent; raise when it
        is malformed."""
        key, found = self._key, None
        for name, value in headers:
            if name == key:
                if found is not None:  # two headers: refuse rather than guess which one was meant
                    raise InvalidHeaderError(self._bad)
                found = value
        if found is None:
            return None
        text = found.decode("latin-1")
        scheme, _, token = text.partition(" ")
        if scheme and token and " " not in token:  # the usual `<type> <JWT>`, decided without a list
            if scheme.lower() == self._type:
                return token
            raise InvalidHeaderError(self._bad)
        # Only spaces separate the scheme from the token (RFC 7235 §2.1); a tab or control byte is refused.
        parts = [part for part in text.split(" ") if part]
        if self._type:
            # The scheme is case-insensitive (RFC 7235 §2.1).
            if len(parts) != 2 or parts[0].lower() != self._type:
                raise InvalidHeaderError(self._bad)
            return parts[1]
        if len(parts) != 1:
            raise InvalidHeaderError(self._bad)
        return parts[0]


class Found(NamedTuple):
    """A token as found in a request, with what its CSRF check needs."""

    token: str
    location: Location
    csrf_required: bool = False
    csrf: str | None = None  # the value the client sent beside a cookie token (header or query parameter)

    def check_csrf(self, claims: Mapping[str, Any]) -> None:
        """Refuse a cookie token whose CSRF value was not echoed by the client (double submit)."""
        if not self.csrf_required:
            return
        expected = claims.get("csrf")
        if expected is None:
            raise MissingClaimError("Missing claim: csrf")
        if not isinstance(expected, str) or not hmac.compare_digest(
            expected.encode(), (self.csrf or "").encode()
        ):
            raise CSRFError("CSRF double submit tokens do not match")


def _cookie_sent_twice(headers: Headers, name: str) -> bool:
    """Whether the cookie ``name`` is sent twice or more, in all ``Cookie`` headers (Starlette reads one)."""
    values = headers.getlist("cookie")
    if sum(value.count(name) for value in values) < 2:  # the usual case, decided without parsing
        return False
    # as Starlette parses it: "name=value" pairs; a chunk without "=" is a nameless value
    names = (pair.partition("=")[0].strip() for value in values for pair in value.split(";") if "=" in pair)
    return sum(1 for found in names if found == name) > 1


def _one(values: list[str], what: str) -> str | None:
    """The single value of a parameter, None when absent; sent twice, it is refused rather than guessed."""
    if not values:
        return None
    if len(values) > 1:
        raise TokenError(f"{what} is sent more than once")
    return values[0]


class TokenReader:
    """Finds the token of one type in an ordered list of locations; the first location present wins.

    A location that is present but malformed (a bad ``Authorization`` header) is an error, never a reason
    to fall back to the next one; so is a token sent twice in one location (two headers, two query
    parameters, two cookies of that name), since the two may be different tokens. On a WebSocket
    handshake a cookie token needs its CSRF value as the ``csrf_token`` query parameter, whatever the
    method.
    """

    __slots__ = (
        "_cookie",
        "_csrf_header",
        "_csrf_methods",
        "_csrf_protect",
        "_header",
        "_header_only",
        "_missing",
        "_query",
        "locations",
    )

    def __init__(self, config: AuthViewsConfig, locations: Sequence[Location], *, refresh: bool) -> None:
        self.locations = tuple(locations)
        self._header_only = self.locations == ("headers",)
        self._header = HeaderLocation(config)
        self._cookie = config.refresh_cookie_key if refresh else config.access_cookie_key
        self._csrf_header = config.refresh_csrf_header_name if refresh else config.access_csrf_header_name
        self._csrf_protect = config.cookie_csrf_protect
        self._csrf_methods = config.csrf_methods
        self._query = config.query_string_name
        texts = {
            "headers": self._header.missing_text,
            "cookies": f"cookie {self._cookie}",
            "query": f"query parameter {self._query}",
            "message": "token in the first WebSocket message",
        }
        self._missing = "Missing " + " or ".join(texts[location] for location in self.locations)

    def missing(self) -> MissingTokenError:
        """The error for a request that carries the token in none of the locations (it names them all)."""
        return MissingTokenError(self._missing)

    def read(self, connection: HTTPConnection) -> Found | None:
        """The token from the first location that has one, or None (``message`` is read by the caller)."""
        if self._header_only:  # the default location, alone: the one path of most requests
            token = self._header.read(connection.scope["headers"])
            return None if token is None else Found(token, "headers")
        websocket = connection.scope["type"] == "websocket"
        for location in self.locations:
            if location == "headers":
                token = self._header.read(connection.scope["headers"])
                if token is not None:
                    return Found(token, "headers")
            elif location == "cookies":
                token = connection.cookies.get(self._cookie)
                if token is not None:
                    if _cookie_sent_twice(connection.headers, self._cookie):
                        raise TokenError(f"Cookie {self._cookie} is sent more than once")
                    return self._from_cookie(connection, token, websocket)
            elif location == "query":
                token = _one(connection.query_params.getlist(self._query), f"Query parameter {self._query}")
                if token is not None:
                    return Found(token, "query")
        return None

    def _from_cookie(self, connection: HTTPConnection, token: str, websocket: bool) -> Found:
        if not self._csrf_protect:
            return Found(token, "cookies")
        if websocket:  # a cross-site page can open a WebSocket with the user's cookies: always checked
            values = connection.query_params.getlist(CSRF_QUERY_PARAM)
            csrf = _one(values, f"Query parameter {CSRF_QUERY_PARAM}")
        elif connection.scope.get("method", "GET") in self._csrf_methods:
            csrf = _one(connection.headers.getlist(self._csrf_header), f"Header {self._csrf_header}")
        else:
            return Found(token, "cookies")  # GET, HEAD, OPTIONS: no state change, no CSRF check
        if not csrf:
            raise CSRFError("Missing CSRF Token")
        return Found(token, "cookies", csrf_required=True, csrf=csrf)


#: How long a WebSocket client has to send its token as the first message.
FIRST_MESSAGE_TIMEOUT = 10.0
_NO_FIRST_MESSAGE = "Missing token in the first WebSocket message"


async def read_first_message(websocket: WebSocket, max_size: int, *, optional: bool = False) -> Found | None:
    """Accept the connection and take the token from the client's first message: the bare token as text,
    or JSON ``{"token": "..."}``. Refused (``MissingTokenError``) after ``FIRST_MESSAGE_TIMEOUT`` seconds,
    or when the message is longer than a token may be. With ``optional``, a message carrying no token
    (empty, ``{}``, ``{"token": null}``) is an anonymous client: None."""
    if websocket.application_state == WebSocketState.CONNECTING:
        await websocket.accept()
    try:
        with anyio.fail_after(FIRST_MESSAGE_TIMEOUT):
            message = await websocket.receive()
    except TimeoutError:
        raise MissingTokenError(_NO_FIRST_MESSAGE) from None
    text, data = message.get("text"), message.get("bytes")
    # A token with some JSON around it, no more; measured before anything is decoded or copied.
    if len(text if text is not None else data or b"") > max_size + 1024:
        raise TokenTooLargeError()
    if text is None and data is not None:
        text = data.decode("utf-8", "replace")
    token: object = (text or "").strip()
    if isinstance(token, str) and token.startswith("{"):
        try:
            decoded = json.loads(token)
        except (ValueError, RecursionError):
            raise MissingTokenError(_NO_FIRST_MESSAGE) from None
        token = decoded.get("token") if isinstance(decoded, dict) else None
        if optional and isinstance(decoded, dict) and token in (None, ""):
            return None
    if optional and token == "":
        return None
    if not isinstance(token, str) or not token:
        raise MissingTokenError(_NO_FIRST_MESSAGE)
    return Found(token, "message")


class CookieWriter:
    """Sets and unsets the token cookies (HttpOnly) and their CSRF cookies (readable by scripts)."""

    __slots__ = ("_config",)

    def __init__(self, config: AuthViewsConfig) -> None:
        self._config = config

    def _names(self, token_type: str) -> tuple[str, str, str, str]:
        c = self._config
        if token_type == "refresh":
            return (
                c.refresh_cookie_key,
                c.refresh_cookie_path,
                c.refresh_csrf_cookie_key,
                c.refresh_csrf_cookie_path,
            )
        return c.access_cookie_key, c.access_cookie_path, c.access_csrf_cookie_key, c.access_csrf_cookie_path

    def set(
        self,
        response: Response,
        token_type: str,
        token: str,
        csrf: str | None,
        max_age: int | None = None,
    ) -> None:
        """Set the cookie of ``token`` and, with CSRF protection on, the cookie of its ``csrf`` value."""
        if max_age is not None and (not isinstance(max_age, int) or isinstance(max_age, bool)):
            raise TypeError("max_age must be an integer")
        c = self._config
        if c.cookie_csrf_protect and csrf is None:  # refused before the response is touched
            raise ValueError(
                "This token has no csrf claim: it was not issued by this app, CSRF protection was off, or "
                "nothing of this app reads cookies (tokens carry the claim when AUTHJWT_TOKEN_LOCATION lists "
                "'cookies' or a view or dependency of the app has locations=['cookies'])"
            )
        name, path, csrf_name, csrf_path = self._names(token_type)
        age = max_age if max_age is not None else c.cookie_max_age
        common: dict[str, Any] = {
            "max_age": age,
            "domain": c.cookie_domain,
            "secure": c.cookie_secure,
            "samesite": c.cookie_samesite,
        }
        response.set_cookie(name, token, path=path, httponly=True, **common)
        if csrf is not None and c.cookie_csrf_protect:
            response.set_cookie(csrf_name, csrf, path=csrf_path, httponly=False, **common)

    def unset(self, response: Response, token_type: str) -> None:
        """Delete the cookie of one token type and its CSRF cookie."""
        c = self._config
        name, path, csrf_name, csrf_path = self._names(token_type)
        common: dict[str, Any] = {
            "domain": c.cookie_domain,
            "secure": c.cookie_secure,
            "samesite": c.cookie_samesite,
        }
        response.delete_cookie(name, path=path, httponly=True, **common)
        if c.cookie_csrf_protect:
            response.delete_cookie(csrf_name, path=csrf_path, httponly=False, **common)


class CookieIssuer:
    """The cookie methods of :class:`~fastapi_jwt_views.AuthViews` and of ``self.auth``."""

    __slots__ = ()

    @property
    def _codec(self) -> TokenCodec:
        raise NotImplementedError

    @property
    def _cookies(self) -> CookieWriter:
        raise NotImplementedError

    def set_access_cookies(self, response: Response, token: str, max_age: int | None = None) -> None:
        """Put an access token in its HttpOnly cookie, and its CSRF value in a cookie scripts can read."""
        self._set_cookies(response, "access", token, max_age)

    def set_refresh_cookies(self, response: Response, token: str, max_age: int | None = None) -> None:
        """Put a refresh token in its HttpOnly cookie (and its CSRF cookie)."""
        self._set_cookies(response, "refresh", token, max_age)

    def unset_jwt_cookies(self, response: Response) -> None:
        """Delete the access and refresh cookies and their CSRF cookies (a logout)."""
        self.unset_access_cookies(response)
        self.unset_refresh_cookies(response)

    def unset_access_cookies(self, response: Response) -> None:
        """Delete the access token cookie and its CSRF cookie."""
        self._cookies.unset(response, "access")

    def unset_refresh_cookies(self, response: Response) -> None:
        """Delete the refresh token cookie and its CSRF cookie."""
        self._cookies.unset(response, "refresh")

    def _set_cookies(self, response: Response, token_type: str, token: str, max_age: int | None) -> None:
        claims = self._codec.decode(token).claims  # only tokens this app signed go into its cookies
        if claims.get("type") != token_type:
            raise ValueError(f"set_{token_type}_cookies() needs a {token_type} token")
        csrf = claims.get("csrf")
        self._cookies.set(response, token_type, token, csrf if isinstance(csrf, str) else None, max_age)
