"""Token locations on HTTP routes: headers, cookies and the query string, their order, per-view overrides,
the missing-token message, and what each location does with bad input.

Cookie tokens are sent on GET here, which is never CSRF-checked; CSRF has its own module (test_cookies.py).
Each test builds its own small app.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any, NamedTuple, cast

import anyio
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.testclient import TestClient
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocketState

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    OptionalView,
    ProtectedView,
    RefreshView,
    TokenError,
    TokenTooLargeError,
    cbv,
    require,
)
from fastapi_jwt_views.locations import TokenReader, read_first_message

SECRET = "locations-test-secret-0123456789-abcdef"
LOCATIONS = ("headers", "cookies", "query")
MISSING = {
    "headers": "Authorization Header",
    "cookies": "cookie access_token_cookie",
    "query": "query parameter token",
}


class Harness(NamedTuple):
    client: TestClient
    authviews: AuthViews


def build(view_locations: Sequence[Any] | None = None, **settings: Any) -> Harness:
    """An app with a protected, a refresh and an optional route; ``view_locations`` overrides the views'."""
    settings.setdefault("secret_key", SECRET)
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(**settings)).install(app)
    router = APIRouter()
    extra: dict[str, Any] = {} if view_locations is None else {"locations": view_locations}

    @cbv(router)
    class Protected(ProtectedView, **extra):
        @router.get("/protected")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    @cbv(router)
    class Refresh(RefreshView, **extra):
        @router.get("/refresh")
        async def refresh(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    @cbv(router)
    class Optional(OptionalView, **extra):
        @router.get("/optional")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    return Harness(TestClient(app), authviews)


def sent_in(location: str, token: str, *, refresh: bool = False) -> dict[str, Any]:
    """Request keyword arguments that carry ``token`` in ``location`` under the default names."""
    if location == "headers":
        return {"headers": {"Authorization": f"Bearer {token}"}}
    if location == "cookies":
        name = "refresh_token_cookie" if refresh else "access_token_cookie"
        return {"headers": {"Cookie": f"{name}={token}"}}
    return {"params": {"token": token}}


def merged(*parts: dict[str, Any]) -> dict[str, Any]:
    """Several ``sent_in`` results as one request's keyword arguments."""
    result: dict[str, Any] = {"headers": {}, "params": {}}
    for part in parts:
        for key, value in part.items():
            result[key].update(value)
    return result


# -- one location --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_token_in_configured_location_is_accepted(location: str) -> None:
    harness = build(token_location=[location])
    token = harness.authviews.create_access_token("alice")
    response = harness.client.get("/protected", **sent_in(location, token))
    assert response.status_code == 200, response.text
    assert response.json() == {"identity": "alice"}


@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_refresh_token_in_configured_location_is_accepted(location: str) -> None:
    harness = build(token_location=[location])
    token = harness.authviews.create_refresh_token("alice")
    response = harness.client.get("/refresh", **sent_in(location, token, refresh=True))
    assert response.status_code == 200, response.text
    assert response.json() == {"identity": "alice"}


@pytest.mark.parametrize(("configured", "sent"), list(itertools.permutations(LOCATIONS, 2)))
def test_reader_token_in_unconfigured_location_returns_401(configured: str, sent: str) -> None:
    harness = build(token_location=[configured])
    token = harness.authviews.create_access_token("alice")
    response = harness.client.get("/protected", **sent_in(sent, token))
    assert response.status_code == 401
    assert response.json() == {"detail": f"Missing {MISSING[configured]}"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(("configured", "sent"), list(itertools.permutations(LOCATIONS, 2)))
def test_reader_optional_token_in_unconfigured_location_is_anonymous(configured: str, sent: str) -> None:
    harness = build(token_location=[configured])
    token = harness.authviews.create_access_token("alice")
    response = harness.client.get("/optional", **sent_in(sent, token))
    assert response.json() == {"identity": None}


# -- several locations ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("order", list(itertools.permutations(LOCATIONS)))
def test_reader_first_present_location_wins(order: tuple[str, ...]) -> None:
    harness = build(token_location=list(order))
    # A different identity in every location: the one read tells which location won.
    kwargs = merged(*(sent_in(loc, harness.authviews.create_access_token(loc)) for loc in LOCATIONS))
    assert harness.client.get("/protected", **kwargs).json() == {"identity": order[0]}


@pytest.mark.parametrize("order", list(itertools.permutations(LOCATIONS)))
def test_reader_absent_locations_are_skipped(order: tuple[str, ...]) -> None:
    harness = build(token_location=list(order))
    last = order[-1]
    response = harness.client.get("/protected", **sent_in(last, harness.authviews.create_access_token(last)))
    assert response.json() == {"identity": last}


@pytest.mark.parametrize("value", ["Token abc", "Bearer", "Bearer a b", "Bearer\tabc", "abc"])
def test_reader_malformed_header_never_falls_back(value: str) -> None:
    harness = build(token_location=["headers", "cookies", "query"])
    token = harness.authviews.create_access_token("alice")
    kwargs = merged(sent_in("cookies", token), sent_in("query", token))
    kwargs["headers"]["Authorization"] = value
    response = harness.client.get("/protected", **kwargs)
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad Authorization header. Expected value 'Bearer <JWT>'"}


@pytest.mark.parametrize("first", ["cookies", "query"])
def test_reader_bad_token_in_first_location_never_falls_back(first: str) -> None:
    harness = build(token_location=[first, "headers"])
    good = harness.authviews.create_access_token("alice")
    response = harness.client.get("/protected", **merged(sent_in(first, "garbage"), sent_in("headers", good)))
    assert response.status_code == 401
    assert response.json() == {"detail": "Not enough segments"}


@pytest.mark.parametrize(
    "order", [order for size in (1, 2, 3) for order in itertools.permutations(LOCATIONS, size)]
)
def test_reader_missing_message_names_every_location_in_order(order: tuple[str, ...]) -> None:
    harness = build(token_location=list(order))
    response = harness.client.get("/protected")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing " + " or ".join(MISSING[loc] for loc in order)}


def test_reader_missing_message_of_refresh_view_names_refresh_cookie() -> None:
    harness = build(token_location=["headers", "cookies", "query"])
    response = harness.client.get("/refresh")
    expected = "Missing Authorization Header or cookie refresh_token_cookie or query parameter token"
    assert response.json() == {"detail": expected}


def test_reader_missing_message_follows_custom_names() -> None:
    harness = build(
        token_location=["headers", "cookies", "query"],
        header_name="X-Auth",
        access_cookie_key="session",
        query_string_name="jwt",
    )
    response = harness.client.get("/protected")
    assert response.json() == {"detail": "Missing X-Auth Header or cookie session or query parameter jwt"}


def test_reader_access_cookie_is_not_a_refresh_cookie() -> None:
    harness = build(token_location=["cookies"])
    token = harness.authviews.create_refresh_token("alice")
    response = harness.client.get("/refresh", headers={"Cookie": f"access_token_cookie={token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie refresh_token_cookie"}


# -- per-view locations --------------------------------------------------------------------------------------
@pytest.mark.parametrize(("configured", "own"), list(itertools.permutations(LOCATIONS, 2)))
def test_view_locations_override_configured_locations(configured: str, own: str) -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=[configured])).install(app)
    router = APIRouter()

    @cbv(router)
    class Own(ProtectedView, locations=[own]):
        @router.get("/own")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    @cbv(router)
    class Configured(ProtectedView):
        @router.get("/configured")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    client, token = TestClient(app), authviews.create_access_token("alice")
    assert client.get("/own", **sent_in(own, token)).json() == {"identity": "alice"}
    response = client.get("/own", **sent_in(configured, token))
    assert response.status_code == 401
    assert response.json() == {"detail": f"Missing {MISSING[own]}"}
    assert client.get("/configured", **sent_in(configured, token)).json() == {"identity": "alice"}
    assert client.get("/configured", **sent_in(own, token)).status_code == 401


def test_view_locations_order_is_the_views_own() -> None:
    harness = build(["query", "headers"], token_location=["headers", "query"])
    kwargs = merged(
        *(sent_in(loc, harness.authviews.create_access_token(loc)) for loc in ("headers", "query"))
    )
    assert harness.client.get("/protected", **kwargs).json() == {"identity": "query"}
    assert harness.client.get("/refresh").json() == {
        "detail": "Missing query parameter token or Authorization Header"
    }


def test_view_locations_are_inherited_by_subclasses() -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)
    router = APIRouter()

    class QueryOnly(ProtectedView, locations=["query"]):
        pass

    @cbv(router)
    class Page(QueryOnly):
        @router.get("/page")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    client, token = TestClient(app), authviews.create_access_token("alice")
    assert client.get("/page", params={"token": token}).json() == {"identity": "alice"}
    assert client.get("/page", headers={"Authorization": f"Bearer {token}"}).status_code == 401


@pytest.mark.parametrize("locations", [[], "headers", ["body"], ["headers", "Cookies"], ()])
def test_view_invalid_locations_raise_at_class_creation(locations: Any) -> None:
    with pytest.raises(ConfigurationError):

        class Page(ProtectedView, locations=locations):
            pass


def test_view_duplicate_locations_are_read_once() -> None:
    harness = build(["cookies", "cookies", "query"])
    assert harness.client.get("/protected").json() == {
        "detail": "Missing cookie access_token_cookie or query parameter token"
    }


@pytest.mark.parametrize("location", LOCATIONS)
def test_require_dependency_reads_only_its_locations(location: str) -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=list(LOCATIONS))).install(app)

    @app.get("/function")
    async def function_route(auth: AuthSession = Depends(require("access", locations=[location]))) -> Any:
        return {"identity": auth.identity}

    client, token = TestClient(app), authviews.create_access_token("alice")
    for sent in LOCATIONS:
        response = client.get("/function", **sent_in(sent, token))
        if sent == location:
            assert response.json() == {"identity": "alice"}
        else:
            assert response.status_code == 401
            assert response.json() == {"detail": f"Missing {MISSING[location]}"}


def test_require_without_locations_follows_configuration() -> None:
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["query"])).install(app)

    @app.get("/function")
    async def function_route(auth: AuthSession = Depends(require("access"))) -> Any:
        return {"identity": auth.identity}

    client, token = TestClient(app), authviews.create_access_token("alice")
    assert client.get("/function", params={"token": token}).json() == {"identity": "alice"}
    assert client.get("/function").json() == {"detail": "Missing query parameter token"}


@pytest.mark.parametrize(
    ("requirement", "locations"), [("admin", None), ("access", []), ("access", ["form"])]
)
def test_require_invalid_arguments_raise(requirement: Any, locations: Any) -> None:
    with pytest.raises(ValueError):
        require(requirement, locations=locations)


# -- names and header form -----------------------------------------------------------------------------------
def test_query_string_name_setting_is_the_parameter_read() -> None:
    harness = build(token_location=["query"], query_string_name="jwt")
    token = harness.authviews.create_access_token("alice")
    assert harness.client.get("/protected", params={"jwt": token}).json() == {"identity": "alice"}
    response = harness.client.get("/protected", params={"token": token})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing query parameter jwt"}


def test_query_string_name_from_environment() -> None:
    config = AuthViewsConfig.from_env(
        {
            "AUTHJWT_SECRET_KEY": SECRET,
            "AUTHJWT_TOKEN_LOCATION": "query,headers",
            "AUTHJWT_QUERY_STRING_NAME": "t",
        }
    )
    assert config.token_location == ("query", "headers")
    assert config.query_string_name == "t"


@pytest.mark.parametrize("header_type", [None, ""])
def test_header_bare_type_accepts_a_bare_token(header_type: str | None) -> None:
    harness = build(header_type=header_type)
    token = harness.authviews.create_access_token("alice")
    assert harness.client.get("/protected", headers={"Authorization": token}).json() == {"identity": "alice"}
    response = harness.client.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad Authorization header. Expected value '<JWT>'"}


def test_header_bare_type_from_an_empty_environment_variable() -> None:
    config = AuthViewsConfig.from_env({"AUTHJWT_SECRET_KEY": SECRET, "AUTHJWT_HEADER_TYPE": ""})
    assert config.header_type == ""


def test_header_custom_name_and_type_are_used() -> None:
    harness = build(header_name="X-Auth", header_type="JWT")
    token = harness.authviews.create_access_token("alice")
    assert harness.client.get("/protected", headers={"X-Auth": f"JWT {token}"}).json() == {
        "identity": "alice"
    }
    assert harness.client.get("/protected", headers={"X-Auth": f"jwt {token}"}).json() == {
        "identity": "alice"
    }
    response = harness.client.get("/protected", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"detail": "Missing X-Auth Header"}
    response = harness.client.get("/protected", headers={"X-Auth": f"Bearer {token}"})
    assert response.json() == {"detail": "Bad X-Auth header. Expected value 'JWT <JWT>'"}


# -- bad input: a JSON 401 from every location, never a 500 --------------------------------------------------
GARBAGE = ["garbage", "a.b", "a.b.c", "...", "e30.e30.", "%00", "ÿþ"]


@pytest.mark.parametrize("location", ["cookies", "query"])
@pytest.mark.parametrize("value", GARBAGE)
def test_reader_token_that_is_not_a_jwt_returns_401(location: str, value: str) -> None:
    harness = build(token_location=[location])
    if location == "cookies":
        kwargs: dict[str, Any] = {"headers": {"Cookie": f"access_token_cookie={value}".encode("latin-1")}}
    else:
        kwargs = {"params": {"token": value}}
    response = harness.client.get("/protected", **kwargs)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_empty_token_returns_401(location: str) -> None:
    harness = build(token_location=[location])
    if location == "headers":
        kwargs: dict[str, Any] = {"headers": {"Authorization": "Bearer "}}
        detail = "Bad Authorization header. Expected value 'Bearer <JWT>'"
    elif location == "cookies":
        kwargs, detail = {"headers": {"Cookie": "access_token_cookie="}}, "Not enough segments"
    else:
        kwargs, detail = {"params": {"token": ""}}, "Not enough segments"
    response = harness.client.get("/protected", **kwargs)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_oversized_token_returns_401_before_decoding(location: str) -> None:
    harness = build(token_location=[location])
    token = harness.authviews.create_access_token("alice", claims={"pad": "x" * 9000})
    response = harness.client.get("/protected", **sent_in(location, token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is too large"}


@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_token_of_another_key_returns_401(location: str) -> None:
    harness = build(token_location=[location])
    other = AuthViews(AuthViewsConfig(secret_key="another-secret-0123456789-abcdefghijkl"))
    response = harness.client.get("/protected", **sent_in(location, other.create_access_token("alice")))
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature verification failed"}


@pytest.mark.parametrize("location", LOCATIONS)
def test_reader_refresh_token_on_access_view_returns_401(location: str) -> None:
    harness = build(token_location=[location])
    token = harness.authviews.create_refresh_token("alice")
    response = harness.client.get("/protected", **sent_in(location, token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only access tokens are allowed"}


# -- a token sent twice in one location ----------------------------------------------------------------------
def _twice(location: str, first: str, second: str) -> dict[str, Any]:
    """Request keyword arguments that carry two tokens in one location."""
    if location == "headers":
        return {"headers": [("authorization", f"Bearer {first}"), ("authorization", f"Bearer {second}")]}
    if location == "cookies":
        return {"headers": {"Cookie": f"access_token_cookie={first}; access_token_cookie={second}"}}
    if location == "cookie-headers":
        return {"headers": [("cookie", f"access_token_cookie={name}") for name in (first, second)]}
    return {"params": [("token", first), ("token", second)]}


TWICE_DETAIL = {
    "headers": "Bad Authorization header. Expected value 'Bearer <JWT>'",
    "cookies": "Cookie access_token_cookie is sent more than once",
    "cookie-headers": "Cookie access_token_cookie is sent more than once",
    "query": "Query parameter token is sent more than once",
}


@pytest.mark.parametrize("location", sorted(TWICE_DETAIL))
@pytest.mark.parametrize("same", [True, False], ids=["same-token", "other-token"])
@pytest.mark.parametrize("path", ["/protected", "/optional"])
def test_reader_token_sent_twice_in_one_location_returns_401(location: str, same: bool, path: str) -> None:
    harness = build(token_location=["cookies" if location.startswith("cookie") else location])
    first = harness.authviews.create_access_token("alice")
    second = first if same else harness.authviews.create_access_token("mallory")
    response = harness.client.get(path, **_twice(location, first, second))
    assert response.status_code == 401, response.text
    assert response.json() == {"detail": TWICE_DETAIL[location]}


def test_reader_token_sent_twice_never_falls_back_to_the_next_location() -> None:
    harness = build(token_location=["query", "headers"])
    token = harness.authviews.create_access_token("alice")
    header = {"Authorization": f"Bearer {token}"}
    response = harness.client.get("/protected", params=[("token", token), ("token", token)], headers=header)
    assert response.json() == {"detail": TWICE_DETAIL["query"]}


@pytest.mark.parametrize(
    "cookies",
    [
        "my_access_token_cookie=x; access_token_cookie={token}",
        "access_token_cookie={token}; access_token_cookie_2=x; csrf_access_token=y",
        "other=access_token_cookie; access_token_cookie={token}",
        "access_token_cookie={token}; access_token_cookie",
    ],
    ids=["longer-name-before", "longer-name-after", "name-as-a-value", "name-without-value"],
)
def test_reader_cookie_names_containing_the_token_cookie_name_are_not_duplicates(cookies: str) -> None:
    harness = build(token_location=["cookies"])
    token = harness.authviews.create_access_token("alice")
    response = harness.client.get("/protected", headers={"Cookie": cookies.format(token=token)})
    assert response.status_code == 200, response.text


# -- the WebSocket first message: its size is checked before anything is decoded ---------------------------
class _Undecodable(bytes):
    def decode(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]
        raise AssertionError("a first message over the size limit was decoded")


class _FirstMessageSocket:
    """What ``read_first_message`` uses of a WebSocket: an accepted connection that sends one message."""

    application_state = WebSocketState.CONNECTED

    def __init__(self, message: dict[str, Any]) -> None:
        self.message = message

    async def receive(self) -> dict[str, Any]:
        return self.message


@pytest.mark.parametrize("size", [8192 + 1025, 16 * 1024 * 1024])
@pytest.mark.parametrize("kind", ["bytes", "text"])
def test_first_message_over_the_limit_is_refused_before_decoding(kind: str, size: int) -> None:
    body = _Undecodable(b" " * size) if kind == "bytes" else " " * size
    message = {"type": "websocket.receive", kind: body}
    socket: Any = _FirstMessageSocket(message)
    with pytest.raises(TokenTooLargeError):
        anyio.run(read_first_message, socket, 8192)


@pytest.mark.parametrize("kind", ["bytes", "text"])
def test_first_message_within_the_limit_is_read(kind: str) -> None:
    payload = json.dumps({"token": "a.b.c"}).center(8192 + 1024)
    message = {"type": "websocket.receive", kind: payload.encode() if kind == "bytes" else payload}
    found = anyio.run(read_first_message, cast(Any, _FirstMessageSocket(message)), 8192)
    assert (found.token, found.location) == ("a.b.c", "message")


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        (b"csrf_token=a&csrf_token=a", "Query parameter csrf_token is sent more than once"),
        (b"csrf_token=a&token=x&token=x", "Query parameter token is sent more than once"),
    ],
)
def test_reader_websocket_handshake_parameter_sent_twice_is_refused(query: bytes, detail: str) -> None:
    config = AuthViewsConfig(secret_key=SECRET)
    reader = TokenReader(config, ["query", "cookies"] if b"token=x" in query else ["cookies"], refresh=False)
    scope = {"type": "websocket", "path": "/ws", "query_string": query,
             "headers": [(b"cookie", b"access_token_cookie=a.b.c")]}
    with pytest.raises(TokenError) as caught:
        reader.read(HTTPConnection(scope))
    assert caught.value.detail == detail


@pytest.mark.parametrize("locations", [["query"], ("query",), None])
def test_authenticate_takes_locations_as_any_sequence(locations: Sequence[Any] | None) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["query"]))
    token = authviews.create_access_token("alice")
    scope = {"type": "http", "headers": [], "query_string": f"token={token}".encode(), "method": "GET"}
    for _ in range(2):  # the second call takes the reader remembered for the same arguments
        verified = anyio.run(authviews.authenticate, HTTPConnection(scope), "access", locations)
        assert verified is not None and verified.identity == "alice"
