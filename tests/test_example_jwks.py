"""Drives ``examples/jwks.py``: an RS256 issuer's public keys, read by PyJWKClient over real HTTP."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.http_server import serve

KEYS = Path(__file__).parent / "keys"


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.setenv("AUTHJWT_ALGORITHM", "RS256")
    monkeypatch.setenv("AUTHJWT_PRIVATE_KEY", (KEYS / "rsa_private.pem").read_text())
    monkeypatch.setenv("AUTHJWT_PUBLIC_KEY", (KEYS / "rsa_public.pem").read_text())
    monkeypatch.delitem(sys.modules, "examples.jwks", raising=False)
    return importlib.import_module("examples.jwks")


def test_example_jwks_publishes_only_the_public_key(example: ModuleType) -> None:
    response = TestClient(example.app).get("/.well-known/jwks.json")
    [key] = response.json()["keys"]
    assert key["kty"] == "RSA" and "d" not in key and key["alg"] == "RS256"
    assert response.headers["cache-control"] == "public, max-age=300" and response.headers["etag"]


def test_example_jwks_other_service_verifies_a_login_token_with_pyjwkclient(example: ModuleType) -> None:
    with serve(example.app) as server:
        client = TestClient(example.app)
        token = client.post("/login", json={"username": "test", "password": "test"}).json()["access_token"]
        key = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json", timeout=10).get_signing_key_from_jwt(
            token
        )
        assert jwt.decode(token, key.key, algorithms=["RS256"])["sub"] == "test"
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    assert response.json() == {"user": "test"}
