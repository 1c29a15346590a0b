"""Tokens in cookies with CSRF double submit, as fastapi-jwt-auth's ``jwt_in_cookies.py`` and
``csrf_protection_cookies.py`` examples use them; and both locations at once."""

import secrets
from typing import Any

import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.compat import AuthJWT
from fastapi_jwt_views.exceptions import AuthJWTException

SECRET = secrets.token_hex(32)


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


def _client(*settings: tuple[str, Any]) -> TestClient:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET), ("authjwt_token_location", {"cookies"}), *settings]

    app = FastAPI()

    @app.exception_handler(AuthJWTException)
    def authjwt_exception_handler(request: Request, exc: AuthJWTException) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.message})

    @app.get("/login")
    def login(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        access_token = Authorize.create_access_token(subject="test")
        refresh_token = Authorize.create_refresh_token(subject="test")
        Authorize.set_access_cookies(access_token)
        Authorize.set_refresh_cookies(refresh_token)
        return {"msg": "Successfully login"}

    @app.get("/login-response")
    def login_response(Authorize: AuthJWT = Depends()) -> JSONResponse:
        response = JSONResponse({"msg": "Successfully login"})
        Authorize.set_access_cookies(Authorize.create_access_token(subject="test"), response, max_age=60)
        return response

    @app.post("/refresh")
    def refresh(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_refresh_token_required()
        current_user = Authorize.get_jwt_subject()
        Authorize.set_access_cookies(Authorize.create_access_token(subject=current_user))
        return {"msg": "The token has been refresh"}

    @app.delete("/logout")
    def logout(Authorize: AuthJWT = Depends()) -> dict[str, str]:
        Authorize.jwt_required()
        Authorize.unset_jwt_cookies()
        return {"msg": "Successfully logout"}

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/protected")
    def protected_post(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/optional")
    def optional(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_optional()
        return {"user": Authorize.get_jwt_subject()}

    return TestClient(app)


def _set_cookie_headers(response: Any) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.get_list("set-cookie")}


def test_compat_cookies_login_sets_token_and_csrf_cookies() -> None:
    client = _client()
    response = client.get("/login")
    assert response.json() == {"msg": "Successfully login"}
    cookies = _set_cookie_headers(response)
    assert set(cookies) == {
        "access_token_cookie",
        "csrf_access_token",
        "refresh_token_cookie",
        "csrf_refresh_token",
    }
    assert "HttpOnly" in cookies["access_token_cookie"]
    assert "HttpOnly" in cookies["refresh_token_cookie"]
    assert "HttpOnly" not in cookies["csrf_access_token"]
    claims = AuthJWT().get_raw_jwt(client.cookies["access_token_cookie"])
    assert claims is not None
    assert claims["csrf"] == client.cookies["csrf_access_token"]


def test_compat_cookies_on_a_returned_response_with_max_age() -> None:
    response = _client().get("/login-response")
    cookies = _set_cookie_headers(response)
    assert "Max-Age=60" in cookies["access_token_cookie"]
    assert "Max-Age=60" in cookies["csrf_access_token"]


def test_compat_cookies_get_needs_no_csrf_header() -> None:
    client = _client()
    client.get("/login")
    assert client.get("/protected").json() == {"user": "test"}


def test_compat_cookies_missing_cookie_names_it() -> None:
    client = _client()
    response = client.get("/protected")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie access_token_cookie"}
    response = client.post("/refresh")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie refresh_token_cookie"}


@pytest.mark.parametrize(
    ("method", "path", "csrf_cookie"),
    [("POST", "/protected", "csrf_access_token"), ("POST", "/refresh", "csrf_refresh_token")],
)
def test_compat_cookies_unsafe_method_needs_the_csrf_header(method: str, path: str, csrf_cookie: str) -> None:
    client = _client()
    client.get("/login")
    response = client.request(method, path)
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing CSRF Token"}
    response = client.request(method, path, headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 401
    assert response.json() == {"detail": "CSRF double submit tokens do not match"}
    response = client.request(method, path, headers={"X-CSRF-Token": client.cookies[csrf_cookie]})
    assert response.status_code == 200


def test_compat_cookies_refresh_reads_the_refresh_cookie_and_sets_a_new_access_cookie() -> None:
    client = _client()
    client.get("/login")
    old = client.cookies["access_token_cookie"]
    response = client.post("/refresh", headers={"X-CSRF-Token": client.cookies["csrf_refresh_token"]})
    assert response.json() == {"msg": "The token has been refresh"}
    assert client.cookies["access_token_cookie"] != old
    response = client.post("/protected", headers={"X-CSRF-Token": client.cookies["csrf_refresh_token"]})
    assert response.status_code == 401  # the refresh CSRF value does not unlock the access cookie


def test_compat_cookies_logout_unsets_all_four_cookies() -> None:
    client = _client()
    client.get("/login")
    response = client.delete("/logout", headers={"X-CSRF-Token": client.cookies["csrf_access_token"]})
    assert response.json() == {"msg": "Successfully logout"}
    cookies = _set_cookie_headers(response)
    assert set(cookies) == {
        "access_token_cookie",
        "csrf_access_token",
        "refresh_token_cookie",
        "csrf_refresh_token",
    }
    assert all("Max-Age=0" in header for header in cookies.values())
    assert client.get("/protected").status_code == 401


def test_compat_cookies_csrf_protection_can_be_disabled() -> None:
    client = _client(("authjwt_cookie_csrf_protect", False))
    response = client.get("/login")
    assert set(_set_cookie_headers(response)) == {"access_token_cookie", "refresh_token_cookie"}
    assert client.post("/protected").json() == {"user": "test"}


def test_compat_cookies_token_without_csrf_claim_is_422() -> None:
    client = _client()
    token = AuthJWT().create_access_token(subject="test")
    _client(("authjwt_cookie_csrf_protect", False))  # tokens issued then carry no csrf claim
    without_csrf = AuthJWT().create_access_token(subject="test")
    _client()
    client.cookies.set("access_token_cookie", without_csrf)
    response = client.post("/protected", headers={"X-CSRF-Token": "anything"})
    assert response.status_code == 422
    assert response.json() == {"detail": "Missing claim: csrf"}
    client.cookies.set("access_token_cookie", token)
    assert client.get("/protected").status_code == 200


def test_compat_cookies_optional_still_checks_csrf_of_a_present_cookie() -> None:
    client = _client()
    assert client.post("/optional").json() == {"user": None}
    client.get("/login")
    response = client.post("/optional")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing CSRF Token"}


def test_compat_cookies_configured_names_and_paths() -> None:
    client = _client(
        ("authjwt_access_cookie_key", "access"),
        ("authjwt_access_csrf_cookie_key", "csrf"),
        ("authjwt_access_csrf_header_name", "X-Csrf"),
        ("authjwt_refresh_cookie_path", "/refresh"),
        ("authjwt_cookie_samesite", "lax"),
    )
    cookies = _set_cookie_headers(client.get("/login"))
    assert "Path=/refresh" in cookies["refresh_token_cookie"]
    assert "SameSite=lax" in cookies["access"]
    assert client.post("/protected", headers={"X-Csrf": client.cookies["csrf"]}).json() == {"user": "test"}


def test_compat_cookies_helpers_need_cookies_configured() -> None:
    _client(("authjwt_token_location", ["headers"]))
    authorize = AuthJWT()
    token = authorize.create_access_token(subject="test")
    with pytest.raises(
        RuntimeWarning, match=r"set_access_cookies\(\) called without 'authjwt_token_location'"
    ):
        authorize.set_access_cookies(token)
    with pytest.raises(RuntimeWarning, match=r"unset_jwt_cookies\(\) called without"):
        authorize.unset_jwt_cookies()


def test_compat_cookies_helpers_need_a_response_outside_a_request() -> None:
    _client()
    authorize = AuthJWT()
    with pytest.raises(TypeError, match="The response must be an object response FastAPI"):
        authorize.set_access_cookies(authorize.create_access_token(subject="test"))
    with pytest.raises(TypeError, match="max_age must be a integer"):
        authorize.set_refresh_cookies(
            authorize.create_refresh_token(subject="test"),
            JSONResponse({}),
            max_age="60",  # type: ignore[arg-type]
        )


def test_compat_cookies_set_verifies_the_token() -> None:
    _client()
    with pytest.raises(AuthJWTException, match="Not enough segments") as caught:
        AuthJWT().set_access_cookies("not-a-token", JSONResponse({}))
    assert caught.value.status_code == 422


# -- headers and cookies together ---------------------------------------------------------------------------
def test_compat_both_locations_missing_names_the_cookie_as_0_5_0() -> None:
    client = _client(("authjwt_token_location", {"headers", "cookies"}))
    response = client.get("/protected")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie access_token_cookie"}


def test_compat_both_locations_header_wins_without_fallback() -> None:
    client = _client(("authjwt_token_location", {"headers", "cookies"}))
    client.get("/login")
    assert client.get("/protected").json() == {"user": "test"}
    token = AuthJWT().create_access_token(subject="header-user")
    assert client.get("/protected", headers={"Authorization": f"Bearer {token}"}).json() == {
        "user": "header-user"
    }
    response = client.get("/protected", headers={"Authorization": "Bearer a b"})
    assert response.status_code == 422  # a bad header is an error, not a reason to use the cookie
    assert response.json() == {"detail": "Bad Authorization header. Expected value 'Bearer <JWT>'"}
