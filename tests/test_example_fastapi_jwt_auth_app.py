"""Drives ``examples/fastapi_jwt_auth_app.py`` (a fastapi-jwt-auth 0.5.0 app, only the imports changed)."""

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views._compat_config import PROCESS


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    # The example calls load_config and the denylist loader at import: process-wide state, restored after.
    PROCESS.reset()
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.fastapi_jwt_auth_app", raising=False)
    return importlib.import_module("examples.fastapi_jwt_auth_app")


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


def test_example_fastapi_jwt_auth_app_login_and_protected(client: TestClient) -> None:
    tokens = _login(client)
    assert client.get("/protected", headers=_bearer(tokens["access_token"])).json() == {"user": "test"}
    assert client.get("/partially-protected").json() == {"user": "anonymous"}
    assert client.get("/partially-protected", headers=_bearer(tokens["access_token"])).json() == {
        "user": "test"
    }


def test_example_fastapi_jwt_auth_app_bad_password(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "nope"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


def test_example_fastapi_jwt_auth_app_0_5_0_responses(client: TestClient) -> None:
    response = client.get("/protected")
    assert (response.status_code, response.json()) == (401, {"detail": "Missing Authorization Header"})
    response = client.get("/protected", headers={"Authorization": "Basic dGVzdDp0ZXN0"})
    assert (response.status_code, response.json()) == (
        422,
        {"detail": "Bad Authorization header. Expected value 'Bearer <JWT>'"},
    )
    tokens = _login(client)
    response = client.get("/protected", headers=_bearer(tokens["refresh_token"]))
    assert (response.status_code, response.json()) == (422, {"detail": "Only access tokens are allowed"})
    response = client.post("/refresh", headers=_bearer(tokens["access_token"]))
    assert (response.status_code, response.json()) == (422, {"detail": "Only refresh tokens are allowed"})


def test_example_fastapi_jwt_auth_app_refresh_gives_a_non_fresh_token(client: TestClient) -> None:
    tokens = _login(client)
    assert client.post("/change-password", headers=_bearer(tokens["access_token"])).json() == {
        "detail": "Password of test changed"
    }
    refreshed = client.post("/refresh", headers=_bearer(tokens["refresh_token"])).json()["access_token"]
    assert client.get("/protected", headers=_bearer(refreshed)).json() == {"user": "test"}
    response = client.post("/change-password", headers=_bearer(refreshed))
    assert (response.status_code, response.json()) == (401, {"detail": "Fresh token required"})


def test_example_fastapi_jwt_auth_app_logout_revokes_through_the_denylist(
    example: ModuleType, client: TestClient
) -> None:
    tokens = _login(client)
    response = client.delete("/access-revoke", headers=_bearer(tokens["access_token"]))
    assert response.json() == {"detail": "Access token has been revoke"}
    assert len(example.denylist) == 1
    response = client.get("/protected", headers=_bearer(tokens["access_token"]))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})

    assert client.post("/refresh", headers=_bearer(tokens["refresh_token"])).status_code == 200
    response = client.delete("/refresh-revoke", headers=_bearer(tokens["refresh_token"]))
    assert response.json() == {"detail": "Refresh token has been revoke"}
    response = client.post("/refresh", headers=_bearer(tokens["refresh_token"]))
    assert (response.status_code, response.json()) == (401, {"detail": "Token has been revoked"})


def test_example_fastapi_jwt_auth_app_decorated_names_survive(example: ModuleType) -> None:
    """fastapi-jwt-auth's decorators returned None; these return the function."""
    assert callable(example.get_config)
    assert example.check_if_token_in_denylist({"jti": "unknown"}) is False


def test_example_fastapi_jwt_auth_app_needs_a_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    PROCESS.reset()
    monkeypatch.delitem(sys.modules, "examples.fastapi_jwt_auth_app", raising=False)
    with pytest.raises(ValueError, match="authjwt_secret_key"):  # pydantic: the field is required
        importlib.import_module("examples.fastapi_jwt_auth_app")
