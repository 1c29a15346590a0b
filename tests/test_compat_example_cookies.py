"""Drives fastapi-jwt-auth's cookie examples in ``examples/fastapi_jwt_auth/``: JWT in cookies with CSRF
double submit, and WebSockets with the token in the query or in a cookie."""

import importlib
import secrets
import sys

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views._compat_config import PROCESS


def _client(monkeypatch: pytest.MonkeyPatch, name: str) -> TestClient:
    PROCESS.reset()
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, f"examples.fastapi_jwt_auth.{name}", raising=False)
    return TestClient(importlib.import_module(f"examples.fastapi_jwt_auth.{name}").app)


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> None:
    PROCESS.reset()


def test_compat_example_jwt_in_cookies_with_csrf(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, "jwt_in_cookies")
    login = client.post("/login", json={"username": "test", "password": "test"})
    assert login.json() == {"msg": "Successfully login"}
    assert client.get("/protected").json() == {"user": "test"}  # GET: no CSRF check
    response = client.post("/refresh")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing CSRF Token"})
    response = client.post("/refresh", headers={"X-CSRF-Token": "forged"})
    assert response.json() == {"detail": "CSRF double submit tokens do not match"}
    csrf_refresh = client.cookies["csrf_refresh_token"]
    assert client.post("/refresh", headers={"X-CSRF-Token": csrf_refresh}).status_code == 200
    csrf_access = client.cookies["csrf_access_token"]
    assert client.delete("/logout", headers={"X-CSRF-Token": csrf_access}).status_code == 200
    response = client.get("/protected")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing cookie access_token_cookie"})


def test_compat_example_websocket_token_in_query(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, "websocket")
    tokens = client.post("/login", json={"username": "test", "password": "test"}).json()
    with client.websocket_connect(f"/ws?token={tokens['access_token']}") as websocket:
        assert websocket.receive_text() == "Successfully Login!"
        assert "'sub': 'test'" in websocket.receive_text()
    with client.websocket_connect(f"/ws?token={tokens['refresh_token']}") as websocket:
        assert websocket.receive_text() == "Only access tokens are allowed"


def test_compat_example_websocket_token_in_cookie(monkeypatch: pytest.MonkeyPatch) -> None:
    client = _client(monkeypatch, "websocket_cookie")
    assert client.get("/get-cookie").status_code == 200
    csrf = client.cookies["csrf_access_token"]
    with client.websocket_connect(f"/ws?csrf_token={csrf}") as websocket:
        assert websocket.receive_text() == "Successfully Login!"
        assert "'sub': 'test'" in websocket.receive_text()
    with client.websocket_connect("/ws?csrf_token=forged") as websocket:
        assert websocket.receive_text() == "CSRF double submit tokens do not match"
    client.cookies.clear()
    with client.websocket_connect(f"/ws?csrf_token={csrf}") as websocket:
        assert websocket.receive_text() == "Missing cookie access_token_cookie"
