"""Drives ``examples/freshness.py`` end to end."""

import importlib
import secrets
import sys

import pytest
from fastapi.testclient import TestClient

CREDENTIALS = {"username": "test", "password": "test"}


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.freshness", raising=False)
    return TestClient(importlib.import_module("examples.freshness").app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json=CREDENTIALS)
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _refreshed(client: TestClient) -> str:
    response = client.post("/refresh", headers=_bearer(_login(client)["refresh_token"]))
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def test_example_freshness_login_token_changes_password(client: TestClient) -> None:
    token = _login(client)["access_token"]
    response = client.post("/change-password", json={"password": "new"}, headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"detail": "Password changed"}
    assert client.post("/login", json=CREDENTIALS).status_code == 401
    assert client.post("/login", json={"username": "test", "password": "new"}).status_code == 200


def test_example_freshness_refreshed_token_is_refused_by_fresh_view(client: TestClient) -> None:
    token = _refreshed(client)
    response = client.post("/change-password", json={"password": "new"}, headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Fresh token required"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_example_freshness_refreshed_token_still_opens_protected_view(client: TestClient) -> None:
    response = client.get("/user", headers=_bearer(_refreshed(client)))
    assert response.status_code == 200
    assert response.json() == {"user": "test", "fresh": False}


def test_example_freshness_fresh_login_gives_fresh_token(client: TestClient) -> None:
    response = client.post("/fresh-login", json=CREDENTIALS)
    assert response.status_code == 200
    assert set(response.json()) == {"access_token"}
    token = response.json()["access_token"]
    assert client.get("/user", headers=_bearer(token)).json() == {"user": "test", "fresh": True}
    response = client.post("/change-password", json={"password": "new"}, headers=_bearer(token))
    assert response.status_code == 200


def test_example_freshness_fresh_login_with_bad_password_is_401(client: TestClient) -> None:
    response = client.post("/fresh-login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


def test_example_freshness_refresh_token_is_refused_by_fresh_view(client: TestClient) -> None:
    token = _login(client)["refresh_token"]
    response = client.post("/change-password", json={"password": "new"}, headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only access tokens are allowed"}
