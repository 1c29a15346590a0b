"""Drives ``examples/refresh.py`` end to end."""

import importlib
import secrets
import sys
import time

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.refresh", raising=False)
    return TestClient(importlib.import_module("examples.refresh").app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_example_refresh_new_access_token_works_and_is_not_fresh(client: TestClient) -> None:
    tokens = _login(client)
    response = client.get("/user", headers=_bearer(tokens["access_token"]))
    assert response.json() == {"user": "test", "fresh": True}
    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    refreshed = response.json()["access_token"]
    assert refreshed != tokens["access_token"]
    assert client.get("/user", headers=_bearer(refreshed)).json() == {"user": "test", "fresh": False}


def test_example_refresh_token_is_good_for_one_refresh_and_a_replay_ends_the_login(
    client: TestClient,
) -> None:
    tokens = _login(client)
    rotated = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    again = client.post("/refresh", headers=_bearer(rotated["refresh_token"]))
    assert again.status_code == 200  # the new one works, once
    replay = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert replay.status_code == 401
    assert replay.json()["detail"].startswith("Refresh token reuse detected")
    for token in (tokens["access_token"], rotated["access_token"], again.json()["access_token"]):
        assert client.get("/user", headers=_bearer(token)).json() == {"detail": "Token has been revoked"}


def test_example_refresh_with_access_token_is_401(client: TestClient) -> None:
    response = client.post("/refresh", headers=_bearer(_login(client)["access_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only refresh tokens are allowed"}


def test_example_refresh_user_with_refresh_token_is_401(client: TestClient) -> None:
    response = client.get("/user", headers=_bearer(_login(client)["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only access tokens are allowed"}


def test_example_refresh_without_token_is_401(client: TestClient) -> None:
    response = client.post("/refresh")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing Authorization Header"}


def test_example_refresh_expired_access_token_is_401(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.refresh", raising=False)
    module = importlib.import_module("examples.refresh")
    # The same configuration, issuing an hour ago: its 15-minute access token has expired by now.
    an_hour_ago = AuthViews(module.authviews.config, clock=lambda: time.time() - 3600)
    expired = an_hour_ago.create_access_token("test")
    response = TestClient(module.app).get("/user", headers=_bearer(expired))
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature has expired"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
