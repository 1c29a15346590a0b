"""Drives ``examples/key_rotation.py``: a short secret replaced by a strong key, nobody logged out."""

from __future__ import annotations

import importlib
import json
import secrets
import sys
import time
from datetime import datetime, timedelta, timezone
from types import ModuleType

import jwt
import pytest
from fastapi.testclient import TestClient

STRONG = secrets.token_hex(32)


def _client(monkeypatch: pytest.MonkeyPatch, **env: str) -> TestClient:
    for name in ("AUTHJWT_SECRET_KEY", "AUTHJWT_ALLOW_WEAK_SECRET", "AUTHJWT_VERIFY_KEYS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "examples.key_rotation", raising=False)
    module: ModuleType = importlib.import_module("examples.key_rotation")
    return TestClient(module.app)


def _login(client: TestClient) -> str:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def _user(client: TestClient, token: str) -> tuple[int, object]:
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def _fastapi_jwt_auth_token() -> str:
    """A token as fastapi-jwt-auth 0.5.0 signed it with the secret "secret": no kid."""
    now = int(time.time())
    claims = {
        "sub": "test",
        "iat": now,
        "nbf": now,
        "jti": "j",
        "exp": now + 900,
        "type": "access",
        "fresh": False,
    }
    return jwt.encode(claims, b"secret".ljust(32, b"\x00"), algorithm="HS256")


def _retire(days: int = 30) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


def test_example_key_rotation_nobody_is_logged_out(monkeypatch: pytest.MonkeyPatch) -> None:
    before = _client(monkeypatch, AUTHJWT_SECRET_KEY="secret", AUTHJWT_ALLOW_WEAK_SECRET="true")
    old_token = _login(before)
    legacy_token = _fastapi_jwt_auth_token()
    assert _user(before, legacy_token)[0] == 200

    verify_keys = json.dumps([{"secret": "secret", "legacy": True, "retire_after": _retire()}])
    after = _client(monkeypatch, AUTHJWT_SECRET_KEY=STRONG, AUTHJWT_VERIFY_KEYS=verify_keys)
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    assert _user(after, old_token) == (200, {"user": "test", "kid": old_kid})
    assert _user(after, legacy_token) == (200, {"user": "test", "kid": None})
    new_token = _login(after)
    new_kid = jwt.get_unverified_header(new_token)["kid"]
    assert new_kid != old_kid and _user(after, new_token) == (200, {"user": "test", "kid": new_kid})


def test_example_key_rotation_after_retirement_old_tokens_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    before = _client(monkeypatch, AUTHJWT_SECRET_KEY="secret", AUTHJWT_ALLOW_WEAK_SECRET="true")
    old_token = _login(before)
    past = (datetime.now(timezone.utc) - timedelta(seconds=1)).isoformat()
    verify_keys = json.dumps([{"secret": "secret", "legacy": True, "retire_after": past}])
    after = _client(monkeypatch, AUTHJWT_SECRET_KEY=STRONG, AUTHJWT_VERIFY_KEYS=verify_keys)
    assert _user(after, old_token) == (401, {"detail": "Token signed with a retired key"})
    # Without a kid, the retired key is no longer tried: the active key does not match.
    assert _user(after, _fastapi_jwt_auth_token()) == (401, {"detail": "Signature verification failed"})
    assert _user(after, _login(after))[0] == 200


def test_example_key_rotation_without_the_old_key_old_tokens_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old_token = _login(_client(monkeypatch, AUTHJWT_SECRET_KEY="secret", AUTHJWT_ALLOW_WEAK_SECRET="true"))
    after = _client(monkeypatch, AUTHJWT_SECRET_KEY=STRONG)
    assert _user(after, old_token) == (401, {"detail": "Signature verification failed"})
