"""Drives ``examples/asymmetric.py`` end to end: an RS256 issuer and a verify-only service."""

import hashlib
import hmac
import importlib
import sys
from pathlib import Path
from types import ModuleType

import jwt
import pytest
from fastapi.testclient import TestClient
from jwt.utils import base64url_encode

from fastapi_jwt_views import ConfigurationError

KEYS = Path(__file__).parent / "keys"


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


def _import(monkeypatch: pytest.MonkeyPatch, **env: str) -> ModuleType:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delitem(sys.modules, "examples.asymmetric", raising=False)
    return importlib.import_module("examples.asymmetric")


@pytest.fixture
def issuer(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    return _import(
        monkeypatch,
        AUTHJWT_ALGORITHM="RS256",
        AUTHJWT_PRIVATE_KEY=_pem("rsa_private.pem"),
        AUTHJWT_PUBLIC_KEY=_pem("rsa_public.pem"),
    )


def _login(client: TestClient) -> str:
    response = client.post("/login", json={"username": "test", "password": "test"})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_example_asymmetric_issuer_signs_with_rs256(issuer: ModuleType) -> None:
    client = TestClient(issuer.app)
    token = _login(client)
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"user": "test", "alg": "RS256"}


def test_example_asymmetric_pem_with_escaped_newlines_is_accepted(monkeypatch: pytest.MonkeyPatch) -> None:
    escaped = {name: _pem(f"rsa_{kind}.pem").replace("\n", "\\n") for name, kind in
               [("AUTHJWT_PRIVATE_KEY", "private"), ("AUTHJWT_PUBLIC_KEY", "public")]}
    example = _import(monkeypatch, AUTHJWT_ALGORITHM="RS256", **escaped)
    client = TestClient(example.app)
    assert client.get("/user", headers=_bearer(_login(client))).status_code == 200


def test_example_asymmetric_verify_only_service_accepts_issuer_tokens(
    monkeypatch: pytest.MonkeyPatch, issuer: ModuleType
) -> None:
    token = _login(TestClient(issuer.app))
    monkeypatch.delenv("AUTHJWT_PRIVATE_KEY")
    verifier = _import(monkeypatch)
    client = TestClient(verifier.app)
    assert client.post("/login", json={"username": "test", "password": "test"}).status_code == 404
    response = client.get("/user", headers=_bearer(token))
    assert response.status_code == 200
    assert response.json() == {"user": "test", "alg": "RS256"}


def test_example_asymmetric_token_of_another_key_is_401(
    monkeypatch: pytest.MonkeyPatch, issuer: ModuleType
) -> None:
    other = _import(
        monkeypatch,
        AUTHJWT_PRIVATE_KEY=_pem("rsa_other_private.pem"),
        AUTHJWT_PUBLIC_KEY=_pem("rsa_other_public.pem"),
    )
    token = _login(TestClient(other.app))
    response = TestClient(issuer.app).get("/user", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Signature verification failed"}


def test_example_asymmetric_key_confusion_is_401(issuer: ModuleType) -> None:
    # An attacker "signs" with HS256, using the public key (which anyone may know) as the HMAC secret.
    header = base64url_encode(b'{"alg": "HS256", "typ": "JWT"}')
    payload = base64url_encode(b'{"sub": "admin", "type": "access", "fresh": true, "exp": 9999999999}')
    signature = hmac.new(_pem("rsa_public.pem").encode(), header + b"." + payload, hashlib.sha256).digest()
    forged = b".".join([header, payload, base64url_encode(signature)]).decode()
    response = TestClient(issuer.app).get("/user", headers=_bearer(forged))
    assert response.status_code == 401
    assert response.json() == {"detail": "The specified alg value is not allowed"}


def test_example_asymmetric_missing_public_key_fails_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_PUBLIC_KEY must be set"):
        _import(monkeypatch, AUTHJWT_ALGORITHM="RS256", AUTHJWT_PRIVATE_KEY=_pem("rsa_private.pem"))
