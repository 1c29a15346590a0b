"""Drives ``examples/authorization.py`` end to end."""

from __future__ import annotations

import importlib
import secrets
import sys
from types import ModuleType

import pytest
from fastapi.testclient import TestClient


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_SECRET_KEY", secrets.token_hex(32))
    monkeypatch.delitem(sys.modules, "examples.authorization", raising=False)
    return importlib.import_module("examples.authorization")


@pytest.fixture
def client(example: ModuleType) -> TestClient:
    return TestClient(example.app)


def _login(client: TestClient, name: str) -> dict[str, str]:
    response = client.post("/login", json={"username": name, "password": f"{name}-pw"})
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_example_authorization_me_reads_typed_claims_user_and_scopes(client: TestClient) -> None:
    token = _login(client, "alice")["access_token"]
    assert client.get("/me", headers=_bearer(token)).json() == {
        "name": "alice",
        "org": "acme",
        "role": "admin",
        "scopes": ["users:delete", "users:read"],
        "fresh": True,
    }


def test_example_authorization_bad_password_is_401(client: TestClient) -> None:
    response = client.post("/login", json={"username": "alice", "password": "nope"})
    assert response.status_code == 401


def test_example_authorization_class_scope_lets_members_list_users(client: TestClient) -> None:
    token = _login(client, "bob")["access_token"]
    assert client.get("/users", headers=_bearer(token)).json() == ["alice", "bob"]


def test_example_authorization_route_scope_refuses_member_with_403(client: TestClient) -> None:
    token = _login(client, "bob")["access_token"]
    response = client.delete("/users/alice", headers=_bearer(token))
    assert response.status_code == 403
    assert response.json() == {"detail": "Insufficient scope: missing users:delete"}
    assert response.headers["WWW-Authenticate"] == 'Bearer error="insufficient_scope", scope="users:delete"'


def test_example_authorization_deleted_user_token_is_401_user_not_found(client: TestClient) -> None:
    bob = _login(client, "bob")["access_token"]
    alice = _login(client, "alice")["access_token"]
    assert client.delete("/users/bob", headers=_bearer(alice)).json() == {"detail": "bob deleted"}
    response = client.get("/me", headers=_bearer(bob))
    assert response.status_code == 401
    assert response.json() == {"detail": "User not found"}
    assert client.get("/users", headers=_bearer(bob)).status_code == 200  # no user needed there


def test_example_authorization_password_change_needs_freshness(
    client: TestClient, example: ModuleType
) -> None:
    token = _login(client, "alice")["access_token"]
    body = {"username": "alice", "password": "new-pw"}
    assert client.post("/password", json=body, headers=_bearer(token)).status_code == 200
    codec = example.authviews.codec
    now = codec.clock()
    codec.clock = lambda: now + 301  # five minutes later: still valid (15 minutes), no longer fresh
    response = client.post("/password", json=body, headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Fresh token required"}
    assert client.get("/me", headers=_bearer(token)).json()["fresh"] is False


def test_example_authorization_refresh_keeps_scopes_and_claims_but_not_freshness(client: TestClient) -> None:
    refresh = _login(client, "alice")["refresh_token"]
    token = client.post("/refresh", headers=_bearer(refresh)).json()["access_token"]
    me = client.get("/me", headers=_bearer(token)).json()
    assert (me["role"], me["scopes"], me["fresh"]) == ("admin", ["users:delete", "users:read"], False)
    assert (
        client.post(
            "/password", json={"username": "alice", "password": "x"}, headers=_bearer(token)
        ).status_code
        == 401
    )


def test_example_authorization_forged_claims_are_401(client: TestClient, example: ModuleType) -> None:
    token = example.authviews.create_access_token("alice", claims={"org": "acme", "role": "root"})
    response = client.get("/me", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Invalid claims: role: Input should be 'admin' or 'member'"}


def test_example_authorization_openapi_lists_scopes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert paths["/users"]["get"]["security"] == [{"BearerToken": ["users:read"]}]
    assert paths["/users/{name}"]["delete"]["security"] == [{"BearerToken": ["users:delete", "users:read"]}]
