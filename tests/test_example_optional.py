"""Drives ``examples/optional.py`` end to end."""

import importlib
import secrets
import sys
import time
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from fastapi_jwt_views import AuthViews


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.optional", raising=False)
    return importlib.import_module("examples.optional")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_example_optional_without_token_greets_anonymous(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, anonymous user"}


def test_example_optional_with_token_greets_by_name(client: TestClient) -> None:
    token = client.post("/login", json={"username": "test", "password": "test"}).json()["access_token"]
    response = client.get("/", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"message": "Hello, test"}


def test_example_optional_bad_password_is_401(client: TestClient) -> None:
    response = client.post("/login", json={"username": "test", "password": "x"})
    assert response.status_code == 401
    assert response.json() == {"detail": "Bad username or password"}


def test_example_optional_bad_tokens_are_still_401(example: ModuleType, client: TestClient) -> None:
    config = example.authviews.config
    expired = AuthViews(config, clock=lambda: time.time() - 3600).create_access_token("test")
    tampered = example.authviews.create_access_token("test")[:-2] + "AA"
    cases = {
        "Bearer garbage": "Not enough segments",
        "Token abc": "Bad Authorization header. Expected value 'Bearer <JWT>'",
        "Bearer " + AuthViews(config).create_refresh_token("test"): "Only access tokens are allowed",
        "Bearer " + expired: "Signature has expired",
        "Bearer " + tampered: "Signature verification failed",
    }
    for authorization, detail in cases.items():
        response = client.get("/", headers={"Authorization": authorization})
        assert response.status_code == 401, authorization
        assert response.json() == {"detail": detail}
        assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
