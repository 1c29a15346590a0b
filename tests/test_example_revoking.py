"""Drives ``examples/revoking.py`` end to end."""

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.revoking", raising=False)
    return importlib.import_module("examples.revoking")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient) -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_example_revoking_enables_revocation_without_env(example: ModuleType) -> None:
    assert example.authviews.config.blacklist_enabled is True


def test_example_revoking_logout_revokes_access_token_only(client: TestClient) -> None:
    tokens = _login(client)
    response = client.delete("/logout", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"detail": "Access token revoked"}

    response = client.get("/user", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert client.delete("/logout", headers=_bearer(tokens["access_token"])).status_code == 401

    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))  # still valid
    assert response.status_code == 200
    assert client.get("/user", headers=_bearer(response.json()["access_token"])).status_code == 200


def test_example_revoking_refresh_logout_revokes_refresh_token(client: TestClient) -> None:
    tokens = _login(client)
    response = client.delete("/logout/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    assert response.json() == {"detail": "Refresh token revoked"}

    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Token has been revoked"}
    assert client.get("/user", headers=_bearer(tokens["access_token"])).status_code == 200


def test_example_revoking_logout_with_wrong_token_type_is_401(client: TestClient) -> None:
    tokens = _login(client)
    response = client.delete("/logout", headers=_bearer(tokens["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only access tokens are allowed"}
    response = client.delete("/logout/refresh", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only refresh tokens are allowed"}


def test_example_revoking_other_sessions_stay_valid(client: TestClient) -> None:
    first, second = _login(client), _login(client)
    assert client.delete("/logout", headers=_bearer(first["access_token"])).status_code == 200
    assert client.get("/user", headers=_bearer(second["access_token"])).json() == {"user": "test"}


def test_example_revoking_entry_is_kept_in_the_store(example: ModuleType, client: TestClient) -> None:
    token = _login(client)["access_token"]
    client.delete("/logout", headers=_bearer(token))
    assert len(example.authviews.store) == 1
