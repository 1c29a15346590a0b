"""Token cookies and the CSRF double submit: what ``set_*_cookies``/``unset_*_cookies`` write, which methods
are CSRF-checked and how, and what a cookie token with bad input gets (a JSON 401, never a 500).

Each test builds its own small app; requests carry their cookies in a ``Cookie`` header, except the jar
round trip at the end.
"""

from __future__ import annotations

from http.cookies import Morsel, SimpleCookie
from typing import Any, NamedTuple

import pytest
from fastapi import APIRouter, Depends, FastAPI, Response, WebSocket
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient
from httpx import Response as HTTPXResponse

from fastapi_jwt_views import (
    AuthSession,
    AuthViews,
    AuthViewsConfig,
    OptionalView,
    ProtectedView,
    RefreshView,
    cbv,
    require,
)

SECRET = "cookies-test-secret-0123456789-abcdefgh"
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
SAFE = ("GET", "HEAD", "OPTIONS")
ALL_COOKIES = {"access_token_cookie", "csrf_access_token", "refresh_token_cookie", "csrf_refresh_token"}


class Harness(NamedTuple):
    client: TestClient
    authviews: AuthViews


def build(**settings: Any) -> Harness:
    """An app whose routes set and unset cookies, and a protected and a refresh view reading them."""
    settings.setdefault("secret_key", SECRET)
    settings.setdefault("token_location", ["cookies"])
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(**settings)).install(app)
    router = APIRouter()

    @cbv(router)
    class Session(OptionalView, locations=["headers"]):  # never reads (possibly stale) cookies
        @router.post("/login")
        async def login(self, response: Response, max_age: int | None = None) -> dict[str, str]:
            access, refresh = self.auth.create_token_pair("alice", fresh=True)
            self.auth.set_access_cookies(response, access, max_age=max_age)
            self.auth.set_refresh_cookies(response, refresh, max_age=max_age)
            return {"detail": "logged in"}

        @router.post("/login-returned")
        async def login_returned(self, max_age: int | None = None) -> Response:
            access, refresh = self.auth.create_token_pair("alice", fresh=True)
            response = JSONResponse({"detail": "logged in"})
            self.auth.set_access_cookies(response, access, max_age=max_age)
            self.auth.set_refresh_cookies(response, refresh, max_age=max_age)
            return response

        @router.post("/logout")
        async def logout(self, response: Response) -> dict[str, str]:
            self.auth.unset_jwt_cookies(response)
            return {"detail": "logged out"}

        @router.post("/logout-returned")
        def logout_returned(self) -> Response:
            response = JSONResponse({"detail": "logged out"})
            self.auth.unset_jwt_cookies(response)
            return response

        @router.post("/logout/access")
        async def logout_access(self, response: Response) -> dict[str, str]:
            self.auth.unset_access_cookies(response)
            return {"detail": "logged out"}

        @router.post("/logout/refresh")
        async def logout_refresh(self, response: Response) -> dict[str, str]:
            self.auth.unset_refresh_cookies(response)
            return {"detail": "logged out"}

    @cbv(router)
    class Protected(ProtectedView):
        @router.api_route("/protected", methods=[*SAFE, *UNSAFE])
        async def any_method(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    @cbv(router)
    class Refresh(RefreshView):
        @router.post("/refresh")
        async def refresh(self, response: Response) -> dict[str, str]:
            assert self.auth.identity is not None
            self.auth.set_access_cookies(response, self.auth.create_access_token(self.auth.identity))
            return {"detail": "refreshed"}

    app.include_router(router)
    return Harness(TestClient(app), authviews)


def set_cookies(response: HTTPXResponse) -> dict[str, Morsel[str]]:
    """The cookies a response sets, by name, with their attributes."""
    found: dict[str, Morsel[str]] = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        found.update(cookie)
    return found


def csrf_of(authviews: AuthViews, token: str) -> str:
    value = authviews.codec.decode(token).claims["csrf"]
    assert isinstance(value, str)
    return value


def cookie(name: str, value: str) -> dict[str, str]:
    return {"Cookie": f"{name}={value}"}


# -- setting and unsetting -----------------------------------------------------------------------------------
@pytest.mark.parametrize("path", ["/login", "/login-returned"])
def test_set_cookies_token_cookies_are_httponly_csrf_cookies_are_not(path: str) -> None:
    harness = build()
    cookies = set_cookies(harness.client.post(path))
    assert set(cookies) == ALL_COOKIES
    for token_type in ("access", "refresh"):
        token = cookies[f"{token_type}_token_cookie"].value
        assert harness.authviews.codec.decode(token).claims["type"] == token_type
        assert cookies[f"{token_type}_token_cookie"]["httponly"] is True
        assert not cookies[f"csrf_{token_type}_token"]["httponly"]
        assert cookies[f"csrf_{token_type}_token"].value == csrf_of(harness.authviews, token)


@pytest.mark.parametrize("path", ["/login", "/login-returned"])
def test_set_cookies_default_attributes(path: str) -> None:
    cookies = set_cookies(build().client.post(path))
    for morsel in cookies.values():
        assert morsel["path"] == "/"
        assert not morsel["max-age"]  # a session cookie
        assert not morsel["domain"]
        assert not morsel["secure"]
        assert morsel["samesite"] == "lax"  # not sent on cross-site POSTs


@pytest.mark.parametrize("path", ["/login", "/login-returned"])
@pytest.mark.parametrize("samesite", ["strict", "lax", "none"])
def test_set_cookies_attributes_follow_settings(path: str, samesite: str) -> None:
    harness = build(
        access_cookie_path="/api",
        refresh_cookie_path="/refresh",
        access_csrf_cookie_path="/",
        refresh_csrf_cookie_path="/r",
        cookie_domain="example.com",
        cookie_max_age=600,
        cookie_secure=True,
        cookie_samesite=samesite,
    )
    cookies = set_cookies(harness.client.post(path))
    paths = {
        "access_token_cookie": "/api",
        "refresh_token_cookie": "/refresh",
        "csrf_access_token": "/",
        "csrf_refresh_token": "/r",
    }
    assert {name: morsel["path"] for name, morsel in cookies.items()} == paths
    for morsel in cookies.values():
        assert morsel["domain"] == "example.com"
        assert morsel["max-age"] == "600"
        assert morsel["secure"] is True
        assert morsel["samesite"] == samesite


@pytest.mark.parametrize("path", ["/login", "/login-returned"])
@pytest.mark.parametrize("setting", [None, 600])
def test_set_cookies_max_age_argument_overrides_setting(path: str, setting: int | None) -> None:
    cookies = set_cookies(build(cookie_max_age=setting).client.post(path, params={"max_age": 30}))
    assert {morsel["max-age"] for morsel in cookies.values()} == {"30"}


def test_set_cookies_names_follow_settings() -> None:
    harness = build(
        access_cookie_key="a",
        refresh_cookie_key="r",
        access_csrf_cookie_key="ca",
        refresh_csrf_cookie_key="cr",
    )
    assert set(set_cookies(harness.client.post("/login"))) == {"a", "r", "ca", "cr"}


@pytest.mark.parametrize("path", ["/login", "/login-returned"])
def test_set_cookies_csrf_protect_off_sets_token_cookies_only(path: str) -> None:
    cookies = set_cookies(build(cookie_csrf_protect=False).client.post(path))
    assert set(cookies) == {"access_token_cookie", "refresh_token_cookie"}
    assert all(morsel["httponly"] is True for morsel in cookies.values())


@pytest.mark.parametrize(
    ("path", "deleted"),
    [
        ("/logout", ALL_COOKIES),
        ("/logout-returned", ALL_COOKIES),
        ("/logout/access", {"access_token_cookie", "csrf_access_token"}),
        ("/logout/refresh", {"refresh_token_cookie", "csrf_refresh_token"}),
    ],
)
def test_unset_cookies_expires_them_with_matching_attributes(path: str, deleted: set[str]) -> None:
    harness = build(
        access_cookie_path="/api",
        refresh_cookie_path="/refresh",
        cookie_domain="example.com",
        cookie_secure=True,
    )
    cookies = set_cookies(harness.client.post(path))
    assert set(cookies) == deleted
    paths = {"access_token_cookie": "/api", "refresh_token_cookie": "/refresh"}
    for name, morsel in cookies.items():
        assert morsel.value == ""
        assert morsel["max-age"] == "0"
        assert morsel["path"] == paths.get(name, "/")  # a browser deletes only the cookie with that path
        assert morsel["domain"] == "example.com"
        assert (morsel["httponly"] is True) == name.endswith("_token_cookie")


def test_unset_cookies_csrf_protect_off_deletes_token_cookies_only() -> None:
    cookies = set_cookies(build(cookie_csrf_protect=False).client.post("/logout"))
    assert set(cookies) == {"access_token_cookie", "refresh_token_cookie"}


def test_set_cookies_wrong_token_type_raises_value_error() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["cookies"]))
    session = AuthSession(authviews, None)
    response = Response()
    with pytest.raises(ValueError, match="needs a access token"):
        session.set_access_cookies(response, authviews.create_refresh_token("alice"))
    with pytest.raises(ValueError, match="needs a refresh token"):
        session.set_refresh_cookies(response, authviews.create_access_token("alice"))
    assert "set-cookie" not in response.headers


@pytest.mark.parametrize("max_age", ["60", 1.5, True])
def test_set_cookies_max_age_not_an_int_raises_type_error(max_age: Any) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["cookies"]))
    response = Response()
    with pytest.raises(TypeError, match="max_age must be an integer"):
        AuthSession(authviews, None).set_access_cookies(response, authviews.create_access_token("a"), max_age)
    assert "set-cookie" not in response.headers


def test_set_cookies_token_without_csrf_claim_raises_and_sets_nothing() -> None:
    headers_only = AuthViews(AuthViewsConfig(secret_key=SECRET, cookie_csrf_protect=False))  # no csrf claim
    cookies = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["cookies"]))
    response = Response()
    with pytest.raises(ValueError, match="no csrf claim"):
        AuthSession(cookies, None).set_access_cookies(response, headers_only.create_access_token("alice"))
    assert "set-cookie" not in response.headers


def test_set_cookies_token_of_another_key_is_refused() -> None:
    other = AuthViews(
        AuthViewsConfig(secret_key="another-secret-0123456789-abcdefghijkl", token_location=["cookies"])
    )
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["cookies"]))
    with pytest.raises(Exception, match="Signature verification failed"):
        AuthSession(authviews, None).set_access_cookies(Response(), other.create_access_token("alice"))


# -- CSRF double submit --------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", UNSAFE)
def test_csrf_unsafe_method_with_matching_header_is_accepted(method: str) -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    headers = {**cookie("access_token_cookie", token), "X-CSRF-Token": csrf_of(harness.authviews, token)}
    response = harness.client.request(method, "/protected", headers=headers)
    assert response.status_code == 200, response.text
    assert response.json() == {"identity": "alice"}


@pytest.mark.parametrize("method", UNSAFE)
@pytest.mark.parametrize(
    ("csrf", "detail"),
    [
        (None, "Missing CSRF Token"),
        ("", "Missing CSRF Token"),
        ("wrong", "CSRF double submit tokens do not match"),
    ],
)
def test_csrf_unsafe_method_without_matching_header_returns_401(
    method: str, csrf: str | None, detail: str
) -> None:
    harness = build()
    headers = cookie("access_token_cookie", harness.authviews.create_access_token("alice"))
    if csrf is not None:
        headers["X-CSRF-Token"] = csrf
    response = harness.client.request(method, "/protected", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize("second", ["same", "wrong"])
def test_csrf_header_sent_twice_returns_401(second: str) -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    csrf = csrf_of(harness.authviews, token)
    headers = [
        ("cookie", f"access_token_cookie={token}"),
        ("x-csrf-token", csrf),
        ("x-csrf-token", csrf if second == "same" else "wrong"),
    ]
    response = harness.client.post("/protected", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Header X-CSRF-Token is sent more than once"}


@pytest.mark.parametrize("method", SAFE)
def test_csrf_safe_method_is_never_checked(method: str) -> None:
    harness = build()
    headers = cookie("access_token_cookie", harness.authviews.create_access_token("alice"))
    assert harness.client.request(method, "/protected", headers=headers).status_code == 200
    headers["X-CSRF-Token"] = "wrong"  # not even a wrong value is looked at
    assert harness.client.request(method, "/protected", headers=headers).status_code == 200


@pytest.mark.parametrize("method", UNSAFE)
def test_csrf_custom_methods_only_those_are_checked(method: str) -> None:
    harness = build(csrf_methods=["PATCH", "delete"])
    headers = cookie("access_token_cookie", harness.authviews.create_access_token("alice"))
    response = harness.client.request(method, "/protected", headers=headers)
    if method in ("PATCH", "DELETE"):
        assert response.json() == {"detail": "Missing CSRF Token"}
    else:
        assert response.status_code == 200


def test_csrf_access_header_name_follows_setting() -> None:
    harness = build(access_csrf_header_name="X-XSRF-Access")
    token = harness.authviews.create_access_token("alice")
    csrf = csrf_of(harness.authviews, token)
    headers = cookie("access_token_cookie", token)
    response = harness.client.post("/protected", headers={**headers, "X-CSRF-Token": csrf})
    assert response.json() == {"detail": "Missing CSRF Token"}
    assert harness.client.post("/protected", headers={**headers, "x-xsrf-access": csrf}).status_code == 200


def test_csrf_refresh_header_name_follows_setting() -> None:
    harness = build(refresh_csrf_header_name="X-XSRF-Refresh")
    token = harness.authviews.create_refresh_token("alice")
    csrf = csrf_of(harness.authviews, token)
    headers = cookie("refresh_token_cookie", token)
    assert harness.client.post("/refresh", headers={**headers, "X-CSRF-Token": csrf}).status_code == 401
    response = harness.client.post("/refresh", headers={**headers, "X-XSRF-Refresh": csrf})
    assert response.status_code == 200, response.text


def test_csrf_refresh_view_reads_refresh_cookie_and_its_csrf_value() -> None:
    harness = build()
    access, refresh = harness.authviews.create_token_pair("alice")
    headers = {"Cookie": f"access_token_cookie={access}; refresh_token_cookie={refresh}"}
    response = harness.client.post(
        "/refresh", headers={**headers, "X-CSRF-Token": csrf_of(harness.authviews, access)}
    )
    assert response.json() == {"detail": "CSRF double submit tokens do not match"}
    response = harness.client.post(
        "/refresh", headers={**headers, "X-CSRF-Token": csrf_of(harness.authviews, refresh)}
    )
    assert response.status_code == 200, response.text
    assert set(set_cookies(response)) == {"access_token_cookie", "csrf_access_token"}


def test_csrf_refresh_view_without_refresh_cookie_returns_401() -> None:
    harness = build()
    token = harness.authviews.create_access_token("alice")
    response = harness.client.post("/refresh", headers=cookie("access_token_cookie", token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie refresh_token_cookie"}


@pytest.mark.parametrize("method", UNSAFE)
def test_csrf_protect_off_unsafe_methods_need_no_header(method: str) -> None:
    harness = build(cookie_csrf_protect=False)
    token = harness.authviews.create_access_token("alice")
    assert "csrf" not in harness.authviews.codec.decode(token).claims
    response = harness.client.request(method, "/protected", headers=cookie("access_token_cookie", token))
    assert response.status_code == 200


@pytest.mark.parametrize("method", UNSAFE)
def test_csrf_header_token_is_not_csrf_checked(method: str) -> None:
    harness = build(token_location=["headers", "cookies"])
    token = harness.authviews.create_access_token("alice")
    headers = {"Authorization": f"Bearer {token}", **cookie("access_token_cookie", "garbage")}
    assert harness.client.request(method, "/protected", headers=headers).json() == {"identity": "alice"}


def test_csrf_tokens_carry_a_random_claim_unless_protection_is_off() -> None:
    with_cookies = AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["headers", "cookies"]))
    values = {csrf_of(with_cookies, with_cookies.create_access_token("alice")) for _ in range(20)}
    assert len(values) == 20
    assert all(len(value) >= 32 for value in values)
    unprotected = AuthViews(AuthViewsConfig(secret_key=SECRET, cookie_csrf_protect=False))
    assert "csrf" not in unprotected.codec.decode(unprotected.create_access_token("alice")).claims


def test_csrf_claim_is_left_out_where_no_route_reads_cookies() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()

    class Headers(ProtectedView):
        @router.get("/me")
        async def me(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    token = authviews.create_access_token("alice")
    with TestClient(app) as client:
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert "csrf" not in authviews.codec.decode(authviews.create_access_token("alice")).claims
    with pytest.raises(ValueError, match="has no csrf claim"):  # the cookie it cannot protect is refused
        authviews.set_access_cookies(Response(), token)


@pytest.mark.parametrize("how", ["view", "dependency", "inline view", "websocket"])
def test_csrf_claim_is_issued_when_a_route_reads_cookies_on_its_own(how: str) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))  # token_location: headers only
    app = FastAPI()
    authviews.install(app)
    router = APIRouter()
    if how == "dependency":

        @router.post("/me")
        async def me(auth: AuthSession = Depends(require(locations=["cookies"]))) -> dict[str, Any]:
            return {"identity": auth.identity}

    elif how == "websocket":

        class Socket(ProtectedView, locations=["cookies"]):
            @router.websocket("/ws")
            async def ws(self, websocket: WebSocket) -> None:
                await websocket.accept()
                await websocket.close()

    elif how == "view":

        class Cookies(ProtectedView, locations=["cookies"]):
            @router.post("/me")
            async def me(self, number: int = 1) -> dict[str, Any]:  # FastAPI resolves its auth
                return {"identity": self.auth.identity}

    else:

        class Inline(ProtectedView, locations=["cookies"]):
            @router.post("/me")
            async def me(self) -> dict[str, Any]:  # the view calls its auth itself
                return {"identity": self.auth.identity}

    app.include_router(router)
    assert "csrf" not in authviews.codec.decode(authviews.create_access_token("alice")).claims
    with TestClient(app) as client:  # the tree is looked at before the first request is served
        token = authviews.create_access_token("alice")
        csrf = csrf_of(authviews, token)
        assert len(csrf) >= 32
        if how != "websocket":
            client.cookies.set("access_token_cookie", token)
            assert client.post("/me").status_code == 401  # without the CSRF header
            answer = client.post("/me", headers={"X-CSRF-Token": csrf})
            assert answer.status_code == 200 and answer.json() == {"identity": "alice"}


# -- bad input -----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("value", ["garbage", "a.b.c", "", "ÿ.ÿ.ÿ", '"quoted"'])
def test_cookie_that_is_not_a_jwt_returns_401(method: str, value: str) -> None:
    harness = build()
    headers = {"Cookie": f"access_token_cookie={value}".encode("latin-1"), "X-CSRF-Token": "x"}
    response = harness.client.request(method, "/protected", headers=headers)
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cookie_oversized_returns_401(method: str) -> None:
    harness = build()
    headers = {**cookie("access_token_cookie", "x" * 20_000), "X-CSRF-Token": "x"}
    response = harness.client.request(method, "/protected", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Token is too large"}


def test_cookie_token_without_csrf_claim_returns_401_on_checked_methods() -> None:
    harness = build()
    no_csrf = AuthViews(AuthViewsConfig(secret_key=SECRET, cookie_csrf_protect=False))
    token = no_csrf.create_access_token("alice")  # no csrf claim
    headers = cookie("access_token_cookie", token)
    response = harness.client.post("/protected", headers={**headers, "X-CSRF-Token": "anything"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing claim: csrf"}
    assert harness.client.get("/protected", headers=headers).status_code == 200


def test_cookie_expired_token_returns_401_even_with_its_csrf_header() -> None:
    clock = [1_000_000.0]
    harness = build()
    past = AuthViews(harness.authviews.config, clock=lambda: clock[0])
    token = past.create_access_token("alice")
    headers = {**cookie("access_token_cookie", token), "X-CSRF-Token": csrf_of(past, token)}
    response = harness.client.post("/protected", headers=headers)
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature has expired"}


def test_cookie_optional_view_with_bad_cookie_is_refused_not_anonymous() -> None:
    app = FastAPI()
    AuthViews(AuthViewsConfig(secret_key=SECRET, token_location=["cookies"])).install(app)
    router = APIRouter()

    @cbv(router)
    class Home(OptionalView):
        @router.post("/")
        async def home(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    client = TestClient(app)
    assert client.post("/").json() == {"identity": None}
    response = client.post("/", headers=cookie("access_token_cookie", "garbage"))
    assert response.json() == {"detail": "Missing CSRF Token"}


# -- the real cookie jar -------------------------------------------------------------------------------------
def test_cookie_jar_round_trip_login_refresh_logout() -> None:
    client = build().client
    assert client.post("/login").status_code == 200
    assert client.get("/protected").json() == {"identity": "alice"}
    assert client.post("/protected").json() == {"detail": "Missing CSRF Token"}
    csrf = client.cookies["csrf_access_token"]
    assert client.post("/protected", headers={"X-CSRF-Token": csrf}).json() == {"identity": "alice"}

    old_access = client.cookies["access_token_cookie"]
    response = client.post("/refresh", headers={"X-CSRF-Token": client.cookies["csrf_refresh_token"]})
    assert response.status_code == 200, response.text
    assert client.cookies["access_token_cookie"] != old_access
    assert client.cookies["csrf_access_token"] != csrf
    headers = {"X-CSRF-Token": client.cookies["csrf_access_token"]}
    assert client.post("/protected", headers=headers).json() == {"identity": "alice"}

    assert client.post("/logout").status_code == 200
    assert not client.cookies
    assert client.get("/protected").json() == {"detail": "Missing cookie access_token_cookie"}


# -- bugs outside locations.py -------------------------------------------------------------------------------
def test_view_cookie_locations_under_header_configuration_work_with_csrf() -> None:
    app = FastAPI()
    AuthViews(AuthViewsConfig(secret_key=SECRET)).install(app)  # token_location: headers only
    router = APIRouter()

    @cbv(router)
    class Login(OptionalView):
        @router.post("/login")
        async def login(self, response: Response) -> dict[str, str]:
            self.auth.set_access_cookies(response, self.auth.create_access_token("alice"))
            return {"detail": "logged in"}

    @cbv(router)
    class Page(ProtectedView, locations=["cookies"]):
        @router.post("/page")
        async def page(self) -> dict[str, Any]:
            return {"identity": self.auth.identity}

    app.include_router(router)
    client = TestClient(app, raise_server_exceptions=False)
    assert client.post("/login").status_code == 200
    response = client.post("/page", headers={"X-CSRF-Token": client.cookies.get("csrf_access_token", "")})
    assert response.json() == {"identity": "alice"}
