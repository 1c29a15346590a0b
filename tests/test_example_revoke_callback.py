"""Drives ``examples/revoke_callback.py`` end to end."""

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.revoke_callback", raising=False)
    return importlib.import_module("examples.revoke_callback")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _login(client: TestClient, username: str) -> dict[str, str]:
    response = client.post("/login", json={"username": username, "password": username})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_example_revoke_callback_suspension_refuses_every_token(client: TestClient) -> None:
    admin, alice = _login(client, "admin")["access_token"], _login(client, "alice")
    assert client.get("/user", headers=_bearer(alice["access_token"])).json() == {"user": "alice"}

    response = client.put("/suspended/alice", headers=_bearer(admin))
    assert response.status_code == 200
    assert response.json() == {"detail": "alice suspended"}

    for method, path, token in [
        ("GET", "/user", alice["access_token"]),
        ("POST", "/refresh", alice["refresh_token"]),
        ("GET", "/user", _login(client, "alice")["access_token"]),  # issued after the suspension
    ]:
        response = client.request(method, path, headers=_bearer(token))
        assert response.status_code == 401
        assert response.json() == {"detail": "Token has been revoked"}
    assert client.get("/user", headers=_bearer(admin)).status_code == 200


def test_example_revoke_callback_reinstating_makes_tokens_valid_again(client: TestClient) -> None:
    admin, alice = _login(client, "admin")["access_token"], _login(client, "alice")["access_token"]
    client.put("/suspended/alice", headers=_bearer(admin))
    assert client.get("/user", headers=_bearer(alice)).status_code == 401
    response = client.delete("/suspended/alice", headers=_bearer(admin))
    assert response.json() == {"detail": "alice reinstated"}
    assert client.get("/user", headers=_bearer(alice)).status_code == 200


def test_example_revoke_callback_non_admin_gets_403(client: TestClient, example: ModuleType) -> None:
    alice = _login(client, "alice")["access_token"]
    response = client.put("/suspended/admin", headers=_bearer(alice))
    assert response.status_code == 403
    assert response.json() == {"detail": "Admins only"}
    assert not example.SUSPENDED

