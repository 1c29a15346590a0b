"""Tokens another service issued (AUTHJWT_FOREIGN_TOKENS): shaped like those of Auth0, Keycloak, Entra ID,
Cognito and Google (made locally with their claim layouts; no network), verified with a JWKS file."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from fastapi_jwt_views import AuthViews, AuthViewsConfig, ConfigurationError, FreshView, ProtectedView, cbv

KEYS = Path(__file__).parent / "keys"
KID = "idp-key-1"
NOW = int(time.time())
TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


# Each provider: its issuer, the audience an API registers, the claim naming the user, and a token's claims.
PROVIDERS: dict[str, tuple[str, str, str, dict[str, Any]]] = {
    "auth0": (
        "https://example.eu.auth0.com/",
        "https://api.example.com",
        "sub",
        {
            "iss": "https://example.eu.auth0.com/",
            "sub": "auth0|64f1c2a9e1b2c3d4e5f60718",
            "aud": ["https://api.example.com", "https://example.eu.auth0.com/userinfo"],
            "iat": NOW,
            "exp": NOW + 86400,
            "azp": "Xj3kP0aQ9nR2sT5uV8wY1zB4cD7eF0gH",
            "scope": "openid profile email read:messages",
            "permissions": ["read:messages"],
        },
    ),
    "keycloak": (
        "https://sso.example.com/realms/shop",
        "shop-api",
        "preferred_username",
        {
            "exp": NOW + 300,
            "iat": NOW,
            "auth_time": NOW,
            "jti": str(uuid.uuid4()),
            "iss": "https://sso.example.com/realms/shop",
            "aud": ["shop-api", "account"],
            "sub": "f6f1c5ba-4d8b-4a4e-9d7b-3f1f0f0a5c11",
            "typ": "Bearer",
            "azp": "shop-web",
            "session_state": str(uuid.uuid4()),
            "realm_access": {"roles": ["offline_access", "customer"]},
            "scope": "openid email profile",
            "email_verified": True,
            "preferred_username": "alice",
            "email": "alice@example.com",
        },
    ),
    "entra": (
        f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "api://6e74172b-be56-4843-9ff4-e66a39bb12e3",
        "oid",
        {
            "aud": "api://6e74172b-be56-4843-9ff4-e66a39bb12e3",
            "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
            "iat": NOW,
            "nbf": NOW,
            "exp": NOW + 3600,
            "aio": "AWQAm/8TAAAA",
            "azp": "6e74172b-be56-4843-9ff4-e66a39bb12e3",
            "azpacr": "0",
            "name": "Alice Example",
            "oid": "00000000-0000-0000-66f3-3332eca7ea81",
            "preferred_username": "alice@contoso.com",
            "rh": "0.ARoA",
            "scp": "access_as_user",
            "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ",
            "tid": TENANT,
            "uti": "fqiBqXLPj0eQa82S-IYFAA",
            "ver": "2.0",
        },
    ),
    "cognito-id": (
        "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
        "4bq8ul9k2mvtth5d8ppb6rm3o1",
        "cognito:username",
        {
            "sub": "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            "email_verified": True,
            "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E",
            "cognito:username": "alice",
            "origin_jti": str(uuid.uuid4()),
            "aud": "4bq8ul9k2mvtth5d8ppb6rm3o1",
            "event_id": str(uuid.uuid4()),
            "token_use": "id",
            "auth_time": NOW,
            "exp": NOW + 3600,
            "iat": NOW,
            "jti": str(uuid.uuid4()),
            "email": "alice@example.com",
        },
    ),
    "google": (
        "https://accounts.google.com",
        "1234567890-abc123def456.apps.googleusercontent.com",
        "email",
        {
            "iss": "https://accounts.google.com",
            "azp": "1234567890-abc123def456.apps.googleusercontent.com",
            "aud": "1234567890-abc123def456.apps.googleusercontent.com",
            "sub": "110169484474386276334",
            "email": "alice@gmail.com",
            "email_verified": True,
            "at_hash": "HK6E_P6Dh8Y93mRNtsDB1Q",
            "name": "Alice Example",
            "iat": NOW,
            "exp": NOW + 3600,
        },
    ),
}


@pytest.fixture
def jwks_file(tmp_path: Path) -> str:
    key = RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(_pem("rsa_public.pem"))
    jwk = {**RSAAlgorithm.to_jwk(key, as_dict=True), "kid": KID, "alg": "RS256", "use": "sig"}
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    return str(path)


def _sign(claims: dict[str, Any], *, kid: str = KID, private: str = "rsa_private.pem") -> str:
    return jwt.encode(claims, _pem(private), algorithm="RS256", headers={"kid": kid})


def _client(
    jwks_file: str, issuer: str, audience: str, identity_claim: str = "sub", **settings: Any
) -> TestClient:
    config = AuthViewsConfig(
        algorithm="RS256",
        jwks_file=jwks_file,
        foreign_tokens=True,
        decode_issuer=issuer,
        decode_audience=audience,
        identity_claim=identity_claim,
        **settings,
    )
    app = FastAPI()
    AuthViews(config).install(app)
    router = APIRouter()

    @cbv(router)
    class Me(ProtectedView):
        @router.get("/me")
        def me(self) -> dict[str, Any]:
            return {"user": self.auth.identity, "type": self.auth.claims["type"]}

    @cbv(router)
    class Sensitive(FreshView):
        @router.get("/sensitive")
        def sensitive(self) -> dict[str, Any]:
            return {"user": self.auth.identity}

    app.include_router(router)
    return TestClient(app)


def _get(client: TestClient, token: str, path: str = "/me") -> tuple[int, Any]:
    response = client.get(path, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, response.json()


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_foreign_token_of_each_provider_is_accepted_with_its_identity_claim(
    jwks_file: str, provider: str
) -> None:
    issuer, audience, claim, claims = PROVIDERS[provider]
    client = _client(jwks_file, issuer, audience, claim)
    assert _get(client, _sign(claims)) == (200, {"user": claims[claim], "type": "access"})


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_foreign_token_is_never_fresh(jwks_file: str, provider: str) -> None:
    issuer, audience, claim, claims = PROVIDERS[provider]
    client = _client(jwks_file, issuer, audience, claim)
    assert _get(client, _sign(claims), "/sensitive") == (401, {"detail": "Fresh token required"})


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"iss": "https://evil.example/"}, (401, {"detail": "Invalid issuer"})),
        ({"aud": "another-api"}, (401, {"detail": "Invalid audience"})),
        ({"aud": None}, (401, {"detail": 'Token is missing the "aud" claim'})),
        ({"preferred_username": None}, (401, {"detail": "Missing claim: preferred_username"})),
        (
            {"preferred_username": {"name": "alice"}},
            (401, {"detail": "Invalid claim: preferred_username must be a string or integer"}),
        ),
        ({"exp": None}, (401, {"detail": 'Token is missing the "exp" claim'})),
        ({"exp": NOW - 10}, (401, {"detail": "Signature has expired"})),
        ({"type": "refresh"}, (401, {"detail": "Only access tokens are allowed"})),
    ],
)
def test_foreign_token_hostile_or_wrong_is_refused(
    jwks_file: str, change: dict[str, Any], expected: Any
) -> None:
    issuer, audience, claim, claims = PROVIDERS["keycloak"]
    changed = {key: value for key, value in {**claims, **change}.items() if value is not None}
    assert _get(_client(jwks_file, issuer, audience, claim), _sign(changed)) == expected


def test_foreign_token_cognito_access_token_without_aud_is_refused(jwks_file: str) -> None:
    """Cognito access tokens name their app in client_id, not aud: the audience rule refuses them."""
    issuer, audience, _, _ = PROVIDERS["cognito-id"]
    access = {
        "sub": "u1",
        "iss": issuer,
        "client_id": audience,
        "token_use": "access",
        "exp": NOW + 600,
        "iat": NOW,
        "username": "alice",
    }
    assert _get(_client(jwks_file, issuer, audience, "username"), _sign(access)) == (
        401,
        {"detail": 'Token is missing the "aud" claim'},
    )


@pytest.mark.parametrize(
    ("header", "key", "expected"),
    [
        ({"kid": "unknown"}, "rsa_private.pem", "Signature verification failed"),
        ({"kid": KID}, "rsa_other_private.pem", "Signature verification failed"),
        ({}, "rsa_private.pem", "Token has no kid header"),
    ],
)
def test_foreign_token_key_must_come_from_the_key_set(
    jwks_file: str, header: dict[str, str], key: str, expected: str
) -> None:
    issuer, audience, claim, claims = PROVIDERS["auth0"]
    token = jwt.encode(claims, _pem(key), algorithm="RS256", headers=header or None)
    assert _get(_client(jwks_file, issuer, audience, claim), token) == (401, {"detail": expected})


def test_foreign_token_algorithm_outside_the_allow_list_is_refused(jwks_file: str) -> None:
    issuer, audience, claim, claims = PROVIDERS["auth0"]
    token = jwt.encode(claims, "s" * 64, algorithm="HS256", headers={"kid": KID})
    assert _get(_client(jwks_file, issuer, audience, claim), token) == (
        401,
        {"detail": "The specified alg value is not allowed"},
    )


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"decode_audience": "api"}, "AUTHJWT_FOREIGN_TOKENS=true needs AUTHJWT_DECODE_ISSUER"),
        ({"decode_issuer": "https://idp"}, "AUTHJWT_FOREIGN_TOKENS=true needs AUTHJWT_DECODE_ISSUER"),
    ],
)
def test_config_foreign_tokens_need_issuer_and_audience(jwks_file: str, settings: Any, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        AuthViewsConfig(algorithm="RS256", jwks_file=jwks_file, foreign_tokens=True, **settings)


@pytest.mark.parametrize("claim", ["type", "exp", "aud", ""])
def test_config_identity_claim_must_name_a_user_claim(claim: str) -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_IDENTITY_CLAIM"):
        AuthViewsConfig(secret_key="s" * 40, identity_claim=claim)


def test_config_identity_claim_without_foreign_tokens_raises() -> None:
    with pytest.raises(ConfigurationError, match="set AUTHJWT_FOREIGN_TOKENS=true"):
        AuthViewsConfig(secret_key="s" * 40, identity_claim="email")


def test_config_foreign_tokens_from_env(jwks_file: str) -> None:
    config = AuthViewsConfig.from_env(
        {
            "AUTHJWT_ALGORITHM": "RS256",
            "AUTHJWT_JWKS_FILE": jwks_file,
            "AUTHJWT_FOREIGN_TOKENS": "true",
            "AUTHJWT_DECODE_ISSUER": "https://accounts.google.com",
            "AUTHJWT_DECODE_AUDIENCE": PROVIDERS["google"][1],
            "AUTHJWT_IDENTITY_CLAIM": "email",
        }
    )
    verified = AuthViews(config).codec.decode(_sign(PROVIDERS["google"][3]))
    assert verified.identity == "alice@gmail.com" and verified.claims["sub"] == "110169484474386276334"


@pytest.mark.parametrize(
    ("jwk", "message"),
    [
        ({"kty": "oct", "k": "c2VjcmV0c2VjcmV0", "kid": "h"}, "holds an HMAC"),
        ({"kty": "RSA", "n": "AQAB", "e": "AQAB", "d": "AQAB", "kid": "p"}, "holds private members"),
        ({"kty": "RSA", "n": "!!", "e": "AQAB", "kid": "b"}, "is not a valid RSA key"),
        ({"kty": "XYZ", "kid": "x"}, "unsupported key type"),
    ],
)
def test_config_jwks_file_with_bad_key_raises_naming_the_setting(
    tmp_path: Path, jwk: Any, message: str
) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    with pytest.raises(ConfigurationError, match=f"AUTHJWT_JWKS_FILE: .*{message}"):
        AuthViewsConfig(algorithm="RS256", jwks_file=str(path))


@pytest.mark.parametrize("content", ["not json", '{"no": "keys"}', "[]"])
def test_config_jwks_file_not_a_key_set_raises(tmp_path: Path, content: str) -> None:
    path = tmp_path / "jwks.json"
    path.write_text(content)
    with pytest.raises(ConfigurationError, match="AUTHJWT_JWKS_FILE"):
        AuthViewsConfig(algorithm="RS256", jwks_file=str(path))
