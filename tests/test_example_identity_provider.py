"""Drives ``examples/identity_provider.py`` against a local stand-in identity provider (a real HTTP server
publishing a JWKS), with a Keycloak-shaped token."""

from __future__ import annotations

import importlib
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from tests.http_server import LocalServer, serve

KEYS = Path(__file__).parent / "keys"
ISSUER = "https://sso.example.com/realms/shop"


def _provider() -> FastAPI:
    key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key((KEYS / "rsa_public.pem").read_text())
    jwk = {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": "kc-1", "alg": "RS256", "use": "sig"}
    app = FastAPI()

    @app.get("/realms/shop/protocol/openid-connect/certs")
    def certs() -> dict[str, Any]:
        return {"keys": [jwk]}

    return app


@pytest.fixture
def provider() -> Iterator[LocalServer]:
    with serve(_provider()) as server:
        yield server


@pytest.fixture
def example(monkeypatch: pytest.MonkeyPatch, provider: LocalServer) -> ModuleType:
    for name, value in {
        "AUTHJWT_ALGORITHM": "RS256",
        "AUTHJWT_JWKS_URL": f"{provider.url}/realms/shop/protocol/openid-connect/certs",
        "AUTHJWT_FOREIGN_TOKENS": "true",
        "AUTHJWT_DECODE_ISSUER": ISSUER,
        "AUTHJWT_DECODE_AUDIENCE": "shop-api",
        "AUTHJWT_IDENTITY_CLAIM": "preferred_username",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "examples.identity_provider", raising=False)
    return importlib.import_module("examples.identity_provider")


def _keycloak_token(**changes: Any) -> str:
    now = int(time.time())
    claims = {
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "iss": ISSUER,
        "aud": ["shop-api", "account"],
        "sub": "f6f1c5ba-4d8b-4a4e-9d7b-3f1f0f0a5c11",
        "typ": "Bearer",
        "azp": "shop-web",
        "preferred_username": "alice",
        "realm_access": {"roles": ["customer"]},
        **changes,
    }
    return jwt.encode(
        claims, (KEYS / "rsa_private.pem").read_text(), algorithm="RS256", headers={"kid": "kc-1"}
    )


def _me(example: ModuleType, token: str) -> tuple[int, Any]:
    response = TestClient(example.app).get("/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def test_example_identity_provider_accepts_the_providers_token(example: ModuleType) -> None:
    assert _me(example, _keycloak_token()) == (
        200,
        {"user": "alice", "issuer": ISSUER, "roles": ["customer"]},
    )


def test_example_identity_provider_refuses_another_audience(example: ModuleType) -> None:
    assert _me(example, _keycloak_token(aud="other-api")) == (401, {"detail": "Invalid audience"})


def test_example_identity_provider_down_answers_503(example: ModuleType, provider: LocalServer) -> None:
    provider.stop()
    assert _me(example, _keycloak_token()) == (503, {"detail": "Signing keys are unavailable"})
