"""The compatibility API (AuthJWT) with key sets: a 0.5.0 app leaving its short secret without logging
anyone out, and verifying an identity provider's tokens through a JWKS URL (a real local server)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views._jwk import hmac_kid
from fastapi_jwt_views.compat import AuthJWT
from tests.http_server import LocalServer, serve

KEYS = Path(__file__).parent / "keys"
STRONG = "compat-strong-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"


@pytest.fixture(autouse=True)
def _isolated_authjwt() -> Iterator[None]:
    PROCESS.reset()
    yield
    PROCESS.reset()


def _configure(**settings: Any) -> None:
    @AuthJWT.load_config
    def get_config() -> Any:
        return list(settings.items())


def _app() -> FastAPI:
    app = FastAPI()

    @app.get("/user")
    def user(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    return app


def _get(client: TestClient, token: str) -> tuple[int, Any]:
    response = client.get("/user", headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


def _token_of_0_5_0(secret: str) -> str:
    now = int(time.time())
    claims = {
        "sub": "test",
        "iat": now,
        "nbf": now,
        "jti": str(uuid.uuid4()),
        "exp": now + 900,
        "type": "access",
        "fresh": False,
    }
    return jwt.encode(claims, secret.encode().ljust(32, b"\x00"), algorithm="HS256")


def test_compat_short_secret_rotation_keeps_0_5_0_tokens_valid() -> None:
    before = _token_of_0_5_0("secret")
    _configure(
        authjwt_secret_key=STRONG,
        authjwt_verify_keys=[
            {"secret": "secret", "legacy": True, "retire_after": "2099-01-01T00:00:00+00:00"}
        ],
    )
    client = TestClient(_app())
    assert _get(client, before) == (200, {"user": "test"})
    new = AuthJWT().create_access_token(subject="test")
    assert _get(client, new) == (200, {"user": "test"})
    assert jwt.get_unverified_header(new)["kid"] == hmac_kid(STRONG.encode())  # signed with the new key


def test_compat_without_the_old_secret_its_tokens_are_refused() -> None:
    _configure(authjwt_secret_key=STRONG)
    status, body = _get(TestClient(_app()), _token_of_0_5_0("secret"))
    assert status in (401, 422) and body == {"detail": "Signature verification failed"}


@pytest.fixture
def provider() -> Iterator[LocalServer]:
    key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key((KEYS / "rsa_public.pem").read_text())
    jwk = {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": "idp-1", "alg": "RS256"}
    app = FastAPI()

    @app.get("/jwks")
    def jwks() -> dict[str, Any]:
        return {"keys": [jwk]}

    with serve(app) as server:
        yield server


def test_compat_remote_jwks_is_fetched_by_the_async_dependency(provider: LocalServer) -> None:
    _configure(authjwt_algorithm="RS256", authjwt_jwks_url=f"{provider.url}/jwks")
    now = int(time.time())
    claims = {"sub": "alice", "iat": now, "exp": now + 600, "jti": "j", "type": "access"}
    token = jwt.encode(
        claims, (KEYS / "rsa_private.pem").read_text(), algorithm="RS256", headers={"kid": "idp-1"}
    )
    assert _get(TestClient(_app()), token) == (200, {"user": "alice"})


def test_compat_remote_jwks_down_answers_503(provider: LocalServer) -> None:
    _configure(authjwt_algorithm="RS256", authjwt_jwks_url=f"{provider.url}/jwks")
    provider.stop()
    now = int(time.time())
    claims = {"sub": "alice", "iat": now, "exp": now + 600, "jti": "j", "type": "access"}
    token = jwt.encode(
        claims, (KEYS / "rsa_private.pem").read_text(), algorithm="RS256", headers={"kid": "idp-1"}
    )
    assert _get(TestClient(_app()), token) == (503, {"detail": "Signing keys are unavailable"})
