"""Drives ``examples/cookies.py`` end to end through the TestClient's real cookie jar."""

import importlib
import secrets
import sys
import time
from http.cookies import SimpleCookie
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.cookies", raising=False)
    return importlib.import_module("examples.cookies")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _login(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text


def _set_cookie(client: TestClient, name: str, value: str) -> None:
    """Replace a cookie in the jar as the server's own Set-Cookie would (same domain and path)."""
    client.cookies.set(name, value, domain="testserver.local", path="/")


def _csrf(client: TestClient, token_type: str = "access") -> dict[str, str]:
    """The header a page script sends: the value of the readable CSRF cookie."""
    return {"X-CSRF-Token": client.cookies[f"csrf_{token_type}_token"]}


def test_example_cookies_configuration_reads_cookies_only(example: ModuleType) -> None:
    assert example.authviews.config.token_location == ("cookies",)
    assert example.authviews.config.cookie_csrf_protect is True


def test_example_cookies_login_sets_httponly_token_cookies_and_readable_csrf_cookies(
    client: TestClient,
) -> None:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.json() == {"detail": "Logged in"}
    httponly = {}
    for header in response.headers.get_list("set-cookie"):
        cookie: SimpleCookie = SimpleCookie()
        cookie.load(header)
        httponly.update({name: bool(morsel["httponly"]) for name, morsel in cookie.items()})
    assert httponly == {
        "access_token_cookie": True,
        "refresh_token_cookie": True,
        "csrf_access_token": False,
        "csrf_refresh_token": False,
    }
    assert set(client.cookies.keys()) == set(httponly)


def test_example_cookies_bad_login_sets_no_cookie(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401
    assert not client.cookies


def test_example_cookies_get_needs_the_cookie_only(client: TestClient) -> None:
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie access_token_cookie"}
    _login(client)
    assert client.get("/user").json() == {"user": "test", "fresh": True}


def test_example_cookies_post_needs_the_csrf_header(client: TestClient) -> None:
    _login(client)
    message = {"text": "hi"}
    response = client.post("/messages", json=message)  # what a forged cross-site form achieves
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing CSRF Token"}
    response = client.post("/messages", json=message, headers={"X-CSRF-Token": "guessed"})
    assert response.json() == {"detail": "CSRF double submit tokens do not match"}
    response = client.post("/messages", json=message, headers=_csrf(client, "refresh"))
    assert response.json() == {"detail": "CSRF double submit tokens do not match"}
    response = client.post("/messages", json=message, headers=_csrf(client))
    assert response.status_code == 200
    assert response.json() == {"from": "test", "text": "hi"}


def test_example_cookies_header_token_is_not_accepted(client: TestClient, example: ModuleType) -> None:
    token = example.authviews.create_access_token("test")
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing cookie access_token_cookie"}


def test_example_cookies_refresh_sets_a_new_access_cookie(client: TestClient) -> None:
    _login(client)
    old_access, old_csrf = client.cookies["access_token_cookie"], client.cookies["csrf_access_token"]
    assert client.post("/refresh").json() == {"detail": "Missing CSRF Token"}
    assert client.post("/refresh", headers=_csrf(client)).json() == {
        "detail": "CSRF double submit tokens do not match"
    }
    response = client.post("/refresh", headers=_csrf(client, "refresh"))
    assert response.json() == {"detail": "Refreshed"}
    assert client.cookies["access_token_cookie"] != old_access
    assert client.cookies["csrf_access_token"] != old_csrf
    assert client.get("/user").json() == {"user": "test", "fresh": False}
    assert client.post("/messages", json={"text": "hi"}, headers=_csrf(client)).status_code == 200


def test_example_cookies_expired_access_cookie_is_refused_then_refreshed(
    client: TestClient, example: ModuleType
) -> None:
    _login(client)
    an_hour_ago = AuthViews(example.authviews.config, clock=lambda: time.time() - 3600)
    _set_cookie(client, "access_token_cookie", an_hour_ago.create_access_token("test"))
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature has expired"}
    assert client.post("/refresh", headers=_csrf(client, "refresh")).status_code == 200
    assert client.get("/user").json() == {"user": "test", "fresh": False}


def test_example_cookies_logout_revokes_and_empties_the_jar(client: TestClient) -> None:
    _login(client)
    access = client.cookies["access_token_cookie"]
    assert client.post("/logout").json() == {"detail": "Missing CSRF Token"}
    response = client.post("/logout", headers=_csrf(client))
    assert response.json() == {"detail": "Logged out"}
    assert not client.cookies
    assert client.get("/user").json() == {"detail": "Missing cookie access_token_cookie"}

    _set_cookie(client, "access_token_cookie", access)  # a copy of the cookie taken before the logout
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}


def test_example_cookies_login_with_a_stale_cookie_replaces_it(client: TestClient) -> None:
    _set_cookie(client, "access_token_cookie", "stale")
    assert client.get("/user").json() == {"detail": "Not enough segments"}
    _login(client)
    assert len(client.cookies.jar) == 4  # the login replaced the stale cookie
    assert client.get("/user").json() == {"user": "test", "fresh": True}
