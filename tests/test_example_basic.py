"""Drives ``examples/basic.py`` end to end."""

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError

SECRET = secrets.token_hex(32)


def _import(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.delitem(sys.modules, "examples.basic", raising=False)
    return importlib.import_module("examples.basic")


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> TestClient:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", SECRET)
    return TestClient(_import(monkeypatch).app)


def _login(client: TestClient, password: str = "test") -> dict[str, str]:
    response = client.post("/login", json={"username": "test", "password": password})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_example_basic_login_then_user_returns_identity(client: TestClient) -> None:
    tokens = _login(client)
    assert set(tokens) == {"access_token", "refresh_token"}
    response = client.get("/user", headers=_bearer(tokens["access_token"]))
    assert response.status_code == 200
    assert response.json() == {"user": "test"}


def test_example_basic_bad_password_is_401(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "wrong"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


def test_example_basic_user_without_token_is_401(client: TestClient) -> None:
    response = client.get("/user")
    assert response.status_code == 401
    assert response.json() == {"detail": "Missing Authorization Header"}
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    ("authorization", "detail"),
    [
        ("Basic dGVzdDp0ZXN0", "Bad Authorization header. Expected value 'Bearer <JWT>'"),
        ("Bearer not-a-jwt", "Not enough segments"),
    ],
)
def test_example_basic_user_bad_header_is_401(client: TestClient, authorization: str, detail: str) -> None:
    response = client.get("/user", headers={"Authorization": authorization})
    assert response.status_code == 401
    assert response.json() == {"detail": detail}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_example_basic_user_with_refresh_token_is_401(client: TestClient) -> None:
    response = client.get("/user", headers=_bearer(_login(client)["refresh_token"]))
    assert response.status_code == 401
    assert response.json() == {"detail": "Only access tokens are allowed"}


def test_example_basic_user_with_foreign_token_is_401(client: TestClient) -> None:
    foreign = AuthViews(AuthViewsConfig(secret_key=secrets.token_hex(32))).create_access_token("test")
    response = client.get("/user", headers=_bearer(foreign))
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature verification failed"}


def test_example_basic_login_with_stale_token_still_works(client: TestClient) -> None:
    response = client.post(
        "/login", json={"username": "test", "password": "test"}, headers=_bearer("expired.or.garbage")
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("secret", "message"),
    [(None, "AUTHJWT_SECRET_KEY must be set"), ("too-short", "AUTHJWT_SECRET_KEY is 9 bytes long")],
)
def test_example_basic_bad_secret_fails_at_import(
    monkeypatch: pytest.MonkeyPatch, secret: str | None, message: str
) -> None:
    if secret is not None:
        monkeypatch.setenv("AUTHJWT_SECRET_KEY", secret)
    with pytest.raises(ConfigurationError, match=message):
        _import(monkeypatch)
