"""Publishing the public keys at /.well-known/jwks.json: only public keys, cache headers, and PyJWT's own
``PyJWKClient`` verifies our tokens against it over a real HTTP server."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    VerificationKey,
    jwks_router,
)
from tests.http_server import serve

KEYS = Path(__file__).parent / "keys"
SECRET = "jwks-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"
PAIRS = {
    "RS256": ("rsa_private.pem", "rsa_public.pem"),
    "PS384": ("rsa_private.pem", "rsa_public.pem"),
    "ES256": ("ec_private.pem", "ec_public.pem"),
    "EdDSA": ("ed25519_private.pem", "ed25519_public.pem"),
}
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


def _app(config: AuthViewsConfig, **router: Any) -> tuple[FastAPI, AuthViews]:
    app = FastAPI()
    authviews = AuthViews(config).install(app)
    app.include_router(jwks_router(**router))
    return app, authviews


def _asymmetric(algorithm: str, **settings: Any) -> AuthViewsConfig:
    private, public = PAIRS[algorithm]
    return AuthViewsConfig(
        algorithm=algorithm, private_key=_pem(private), public_key=_pem(public), **settings
    )


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
def test_jwks_publishes_the_public_key_with_its_kid_and_never_a_private_member(algorithm: str) -> None:
    app, authviews = _app(_asymmetric(algorithm))
    document = TestClient(app).get("/.well-known/jwks.json").json()
    [key] = document["keys"]
    kid = jwt.get_unverified_header(authviews.create_access_token("alice"))["kid"]
    assert (key["kid"], key["alg"], key["use"]) == (kid, algorithm, "sig")
    assert not PRIVATE_MEMBERS & set(key)


def test_jwks_of_an_hmac_app_is_empty_and_never_holds_the_secret() -> None:
    app, _ = _app(AuthViewsConfig(secret_key=SECRET))
    response = TestClient(app).get("/.well-known/jwks.json")
    assert response.json() == {"keys": []}
    assert SECRET not in response.text


def test_jwks_mixed_hmac_and_rsa_app_publishes_only_the_rsa_key() -> None:
    config = AuthViewsConfig(
        secret_key=SECRET,
        algorithm="HS256",
        decode_algorithms=["HS256", "RS256"],
        private_key=_pem("rsa_private.pem"),
        public_key=_pem("rsa_public.pem"),
    )
    app, _ = _app(config)
    keys = TestClient(app).get("/.well-known/jwks.json").json()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]


def test_jwks_lists_verification_keys_until_they_retire() -> None:
    now = [time.time()]
    retire = datetime.fromtimestamp(now[0] + 60, tz=timezone.utc)
    config = _asymmetric(
        "ES256",
        decode_algorithms=["ES256", "RS256"],
        verify_keys=[VerificationKey(_pem("rsa_public.pem"), algorithm="RS256", retire_after=retire)],
    )
    app = FastAPI()
    AuthViews(config, clock=lambda: now[0]).install(app)
    app.include_router(jwks_router())
    client = TestClient(app)
    assert sorted(key["alg"] for key in client.get("/.well-known/jwks.json").json()["keys"]) == [
        "ES256",
        "RS256",
    ]
    now[0] += 61
    assert [key["alg"] for key in client.get("/.well-known/jwks.json").json()["keys"]] == ["ES256"]


def test_jwks_cache_headers_and_etag_answer_304() -> None:
    app, _ = _app(_asymmetric("RS256"), max_age=600)
    client = TestClient(app)
    first = client.get("/.well-known/jwks.json")
    assert first.headers["cache-control"] == "public, max-age=600"
    assert first.headers["content-type"] == "application/json"
    etag = first.headers["etag"]
    again = client.get("/.well-known/jwks.json", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    other = client.get("/.well-known/jwks.json", headers={"If-None-Match": '"stale"'})
    assert other.status_code == 200 and json.loads(other.content) == first.json()


def test_jwks_router_custom_path_and_explicit_authviews() -> None:
    authviews = AuthViews(_asymmetric("EdDSA"))
    app = FastAPI()
    app.include_router(jwks_router(authviews, path="/keys"))
    assert TestClient(app).get("/keys").json()["keys"][0]["crv"] == "Ed25519"


@pytest.mark.parametrize("max_age", [-1, True, 1.5])
def test_jwks_router_bad_max_age_raises(max_age: Any) -> None:
    with pytest.raises(ValueError, match="max_age"):
        jwks_router(max_age=max_age)


@pytest.mark.parametrize("algorithm", sorted(PAIRS))
def test_jwks_pyjwkclient_verifies_our_tokens_over_http(algorithm: str) -> None:
    app, authviews = _app(_asymmetric(algorithm))
    token = authviews.create_access_token("alice")
    with serve(app) as server:
        client = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json", cache_keys=False, timeout=10)
        signing_key = client.get_signing_key_from_jwt(token)
        claims = jwt.decode(token, signing_key.key, algorithms=[algorithm])
    assert claims["sub"] == "alice"


def test_jwks_pyjwkclient_verifies_tokens_of_the_old_key_after_a_rotation() -> None:
    before = AuthViews(_asymmetric("RS256")).create_access_token("alice")
    rotated = _asymmetric(
        "ES256",
        decode_algorithms=["ES256", "RS256"],
        verify_keys=[VerificationKey(_pem("rsa_public.pem"), algorithm="RS256")],
    )
    app, authviews = _app(rotated)
    after = authviews.create_access_token("bob")
    with serve(app) as server:
        client = jwt.PyJWKClient(f"{server.url}/.well-known/jwks.json", timeout=10)
        for token, algorithm in ((before, "RS256"), (after, "ES256")):
            key = client.get_signing_key_from_jwt(token)
            assert jwt.decode(token, key.key, algorithms=[algorithm])["type"] == "access"


def test_jwks_one_entry_per_key_without_alg_when_it_verifies_several_algorithms() -> None:
    app, authviews = _app(_asymmetric("RS256", decode_algorithms=["RS256", "PS256"]))
    [key] = TestClient(app).get("/.well-known/jwks.json").json()["keys"]
    assert "alg" not in key and key["kty"] == "RSA"
    token = authviews.create_access_token("alice", algorithm="PS256")
    assert key["kid"] == jwt.get_unverified_header(token)["kid"]


def test_jwks_published_document_verifies_in_another_app_via_a_jwks_file(tmp_path: Path) -> None:
    issuer_app, issuer = _app(_asymmetric("RS256", decode_algorithms=["RS256", "PS256"]))
    path = tmp_path / "jwks.json"
    path.write_text(TestClient(issuer_app).get("/.well-known/jwks.json").text)
    verifier = AuthViews(
        AuthViewsConfig(algorithm="RS256", decode_algorithms=["RS256", "PS256"], jwks_file=str(path))
    )
    for algorithm in ("RS256", "PS256"):
        token = issuer.create_access_token("alice", algorithm=algorithm)
        assert verifier.codec.decode(token).claims["sub"] == "alice"
