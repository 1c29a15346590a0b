"""Hostile tokens and misuse that fastapi-jwt-auth 0.5.0 answered with a 500 or let through.

0.5.0 chose the key from the token's own ``alg`` header (500 for ``alg: none`` and RS256 tokens), read
``type`` and ``fresh`` with ``[]`` (500 without them), let user claims override ``type``, ``sub`` and ``exp``,
and set and checked the issuer on access tokens only. Each test pins the fixed behaviour.
"""

import base64
import json
import secrets
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from fastapi_jwt_views._compat_config import PROCESS
from fastapi_jwt_views.compat import AuthJWT

SECRET = secrets.token_hex(32)
KEYS = Path(__file__).parent / "keys"


@pytest.fixture(autouse=True)
def _isolated_authjwt(monkeypatch: pytest.MonkeyPatch) -> None:
    """load_config and the denylist loaders set process-wide state: each test gets its own."""
    PROCESS.reset()


def _client(*settings: tuple[str, Any]) -> TestClient:
    @AuthJWT.load_config
    def get_config() -> list[tuple[str, Any]]:
        return [("authjwt_secret_key", SECRET), *settings]

    app = FastAPI()  # no exception handler: every error must still be a JSON answer, never a 500

    @app.get("/protected")
    def protected(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.get("/fresh")
    def fresh(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.fresh_jwt_required()
        return {"user": Authorize.get_jwt_subject()}

    @app.post("/refresh")
    def refresh(Authorize: AuthJWT = Depends()) -> dict[str, Any]:
        Authorize.jwt_refresh_token_required()
        return {"user": Authorize.get_jwt_subject()}

    return TestClient(app, raise_server_exceptions=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**extra: Any) -> dict[str, Any]:
    now = int(time.time())
    return {"sub": "test", "iat": now, "nbf": now, "jti": "j", "exp": now + 60, **extra}


@pytest.mark.parametrize("legacy", [True, False])
def test_compat_hostile_alg_none_is_refused_not_500(legacy: bool) -> None:
    client = _client(("authjwt_legacy_status_codes", legacy))
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(type='access', fresh=True))}."
    response = client.get("/protected", headers=_bearer(token))
    assert response.status_code == (422 if legacy else 401)
    assert response.json() == {"detail": "The specified alg value is not allowed"}


def test_compat_hostile_rs256_token_to_hs_app_is_refused_not_500() -> None:
    token = jwt.encode(_claims(type="access", fresh=False), (KEYS / "rsa_private.pem").read_text(), "RS256")
    response = _client().get("/protected", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "The specified alg value is not allowed"}


def test_compat_hostile_hs256_signed_with_the_public_key_to_rs_app_is_refused() -> None:
    """Key confusion: the public key used as an HMAC secret."""
    public = (KEYS / "rsa_public.pem").read_text()
    client = _client(
        ("authjwt_algorithm", "RS256"),
        ("authjwt_public_key", public),
        ("authjwt_private_key", (KEYS / "rsa_private.pem").read_text()),
    )
    # Signed by hand: PyJWT itself refuses to use a PEM key as an HMAC secret.
    forged = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(_claims(type='access', fresh=True))}"
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        forged.encode(), public.encode()
    )
    token = f"{forged}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    response = client.get("/protected", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "The specified alg value is not allowed"}


def test_compat_hostile_injected_jwk_header_is_ignored() -> None:
    """A token carrying its own key in a ``jwk`` header is verified with the configured key only."""
    attacker = secrets.token_hex(32)
    jwk = {"kty": "oct", "k": base64.urlsafe_b64encode(attacker.encode()).rstrip(b"=").decode()}
    token = jwt.encode(_claims(type="access", fresh=True), attacker, "HS256", headers={"jwk": jwk})
    response = _client().get("/protected", headers=_bearer(token))
    assert response.status_code == 422
    assert response.json() == {"detail": "Signature verification failed"}


@pytest.mark.parametrize(("legacy", "status"), [(True, 422), (False, 401)])
def test_compat_hostile_token_without_type_is_a_clean_error_not_500(legacy: bool, status: int) -> None:
    client = _client(("authjwt_legacy_status_codes", legacy))
    token = jwt.encode(_claims(), SECRET, "HS256")
    for path, method in (("/protected", "GET"), ("/fresh", "GET"), ("/refresh", "POST")):
        response = client.request(method, path, headers=_bearer(token))
        assert response.status_code == status
        assert response.json() == {"detail": "Missing claim: type"}


def test_compat_hostile_access_token_without_fresh_claim_is_401_fresh_token_required() -> None:
    token = jwt.encode(_claims(type="access"), SECRET, "HS256")
    client = _client()
    assert client.get("/protected", headers=_bearer(token)).json() == {"user": "test"}
    response = client.get("/fresh", headers=_bearer(token))
    assert response.status_code == 401
    assert response.json() == {"detail": "Fresh token required"}


@pytest.mark.parametrize("claim", ["type", "sub", "exp", "fresh", "jti", "iss", "csrf"])
def test_compat_hostile_user_claims_cannot_override_reserved_claims(claim: str) -> None:
    _client()
    authorize = AuthJWT()
    with pytest.raises(ValueError, match=f"Reserved claims cannot be overridden: {claim}"):
        authorize.create_access_token(subject="test", user_claims={claim: "refresh"})
    with pytest.raises(ValueError, match="Reserved claims"):
        authorize.create_refresh_token(subject="test", user_claims={claim: "access"})


def test_compat_hostile_reserved_headers_cannot_be_set() -> None:
    _client()
    with pytest.raises(ValueError, match="Reserved headers cannot be set: alg"):
        AuthJWT().create_access_token(subject="test", headers={"alg": "none"})


def test_compat_hostile_issuer_is_set_and_checked_on_every_token_type() -> None:
    client = _client(("authjwt_encode_issuer", "me"), ("authjwt_decode_issuer", "me"))
    authorize = AuthJWT()
    refresh = authorize.create_refresh_token(subject="test")
    assert authorize.get_raw_jwt(refresh)["iss"] == "me"  # type: ignore[index]
    assert client.post("/refresh", headers=_bearer(refresh)).json() == {"user": "test"}
    for token_type, path, method in (("refresh", "/refresh", "POST"), ("access", "/protected", "GET")):
        for claims, detail in (
            (_claims(type=token_type, fresh=True), 'Token is missing the "iss" claim'),
            (_claims(type=token_type, fresh=True, iss="them"), "Invalid issuer"),
        ):
            response = client.request(method, path, headers=_bearer(jwt.encode(claims, SECRET, "HS256")))
            assert response.status_code == 422
            assert response.json() == {"detail": detail}


def test_compat_hostile_oversized_token_is_refused_before_decoding() -> None:
    response = _client().get("/protected", headers=_bearer("a" * 10_000 + ".b.c"))
    assert response.status_code == 422
    assert response.json() == {"detail": "Token is too large"}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            [("authjwt_secret_key", "secret"), ("authjwt_allow_weak_secret", False)],
            "AUTHJWT_ALLOW_WEAK_SECRET",
        ),
        ([("authjwt_secret_key", SECRET), ("authjwt_algorithm", "none")], "must not be 'none'"),
        ([("authjwt_secret_key", SECRET), ("authjwt_token_location", ["body"])], "AUTHJWT_TOKEN_LOCATION"),
        ([("authjwt_secret_key", SECRET), ("authjwt_secret_kye", "x")], "did you mean AUTHJWT_SECRET_KEY"),
    ],
)
def test_compat_hostile_bad_configuration_fails_at_load_config(
    settings: list[tuple[str, Any]], message: str
) -> None:
    with pytest.raises(ValueError, match=message):

        @AuthJWT.load_config
        def get_config() -> list[tuple[str, Any]]:
            return settings
