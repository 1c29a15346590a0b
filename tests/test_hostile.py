"""Hostile requests: every malformed, forged or unacceptable token gets a JSON 401, never a 500 or a hang.

Tokens are crafted here by hand (base64url + HMAC) or with PyJWT directly, because the library refuses to
create most of them. Each configuration has its own app fixture.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from pathlib import Path
from typing import Any, NamedTuple

import jwt
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from jwt.algorithms import RSAAlgorithm

from fastapi_jwt_views import (
    AuthViews,
    AuthViewsConfig,
    FreshView,
    OptionalView,
    ProtectedView,
    RefreshView,
    TokenTooLargeError,
    cbv,
)

KEYS = Path(__file__).parent / "keys"
SECRET = "hostile-test-secret-0123456789-abcdefghij"
OTHER_SECRET = "another-test-secret-0123456789-abcdefghij"
RSA_PRIVATE = (KEYS / "rsa_private.pem").read_text()
RSA_PUBLIC = (KEYS / "rsa_public.pem").read_text()
RSA_OTHER_PRIVATE = (KEYS / "rsa_other_private.pem").read_text()
RSA_OTHER_PUBLIC = (KEYS / "rsa_other_public.pem").read_text()

BAD_HEADER = "Bad Authorization header. Expected value 'Bearer <JWT>'"
NOT_ALLOWED = "The specified alg value is not allowed"
BAD_SIGNATURE = "Signature verification failed"
EXPIRED = "Signature has expired"
MISSING_EXP = 'Token is missing the "exp" claim'
ACCESS_ONLY = "Only access tokens are allowed"
REFRESH_ONLY = "Only refresh tokens are allowed"
FRESH_REQUIRED = "Fresh token required"

_DROP: Any = object()


class Harness(NamedTuple):
    client: TestClient
    authviews: AuthViews


def _build(**settings: Any) -> Harness:
    """An app with one route per view kind, authenticated by ``AuthViewsConfig(**settings)``."""
    settings.setdefault("secret_key", SECRET)
    app = FastAPI()
    authviews = AuthViews(AuthViewsConfig(**settings)).install(app)
    router = APIRouter()

    @cbv(router)
    class Protected(ProtectedView):
        @router.get("/protected")
        async def read(self) -> dict[str, Any]:
            return {"identity": self.auth.identity, "type": self.auth.token_type}

        @router.post("/logout")
        async def logout(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "logged out"}

    @cbv(router)
    class Fresh(FreshView):
        @router.get("/fresh")
        def read_fresh(self) -> dict[str, Any]:
            return {"identity": self.auth.identity, "fresh": self.auth.fresh}

    @cbv(router)
    class Refresh(RefreshView):
        @router.post("/refresh")
        def refresh(self) -> dict[str, Any]:
            return {"access_token": self.auth.create_access_token(self.auth.identity)}

        @router.post("/refresh/revoke")
        async def revoke_refresh(self) -> dict[str, str]:
            await self.auth.revoke()
            return {"detail": "revoked"}

    @cbv(router)
    class MaybeAnonymous(OptionalView):
        @router.get("/optional")
        async def read_optional(self) -> dict[str, Any]:
            return {"identity": self.auth.identity, "claims": self.auth.claims}

    app.include_router(router)
    return Harness(TestClient(app, raise_server_exceptions=False), authviews)


@pytest.fixture
def hs() -> Harness:
    """The default configuration: HS256 with a secret."""
    return _build()


@pytest.fixture
def rs() -> Harness:
    """RS256 only, with a key pair."""
    return _build(secret_key=None, algorithm="RS256", private_key=RSA_PRIVATE, public_key=RSA_PUBLIC)


@pytest.fixture
def mixed() -> Harness:
    """HS256 and RS256 both allowed: a secret AND an RSA public key (the key-confusion setup)."""
    return _build(
        algorithm="HS256",
        decode_algorithms=["HS256", "RS256"],
        public_key=RSA_PUBLIC,
        private_key=RSA_PRIVATE,
    )


@pytest.fixture(params=["hs", "mixed"])
def any_hs(request: pytest.FixtureRequest) -> Harness:
    """Both code paths of verification: one key for every algorithm, or a key chosen per algorithm."""
    return request.getfixturevalue(request.param)  # type: ignore[no-any-return]


@pytest.fixture
def audience() -> Harness:
    return _build(decode_audience="api")


@pytest.fixture
def issuer() -> Harness:
    return _build(decode_issuer="https://issuer.example")


@pytest.fixture
def revocable() -> Harness:
    return _build(blacklist_enabled=True)


# -- crafting tokens ----------------------------------------------------------------------------------------
def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: Any) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _claims(**overrides: Any) -> dict[str, Any]:
    """Valid access-token claims; ``_DROP`` removes one."""
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": "alice",
        "iat": now,
        "nbf": now,
        "jti": str(uuid.uuid4()),
        "type": "access",
        "fresh": False,
        "exp": now + 600,
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not _DROP}


def _hmac(header: dict[str, Any], claims: Any, key: str | bytes = SECRET) -> str:
    """An HS256-signed token with exactly this header and payload (no checks at all)."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    raw_key = key.encode() if isinstance(key, str) else key
    signature = hmac.new(raw_key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


def _token(key: str | bytes = SECRET, header: dict[str, Any] | None = None, **overrides: Any) -> str:
    return _hmac({"alg": "HS256", "typ": "JWT", **(header or {})}, _claims(**overrides), key)


def _unsigned(alg: str, signature: str | None) -> str:
    base = f"{_segment({'alg': alg, 'typ': 'JWT'})}.{_segment(_claims())}"
    return base if signature is None else f"{base}.{signature}"


def _get(client: TestClient, path: str, token: str | None = None, method: str = "GET") -> Response:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return client.request(method, path, headers=headers)


def _assert_401(response: Response, detail: str | None = None) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    if detail is not None:
        assert body["detail"] == detail


# -- the header -------------------------------------------------------------------------------------------
def test_protected_valid_token_is_accepted(any_hs: Harness) -> None:
    response = _get(any_hs.client, "/protected", _token())
    assert response.status_code == 200
    assert response.json() == {"identity": "alice", "type": "access"}


def test_protected_missing_header_returns_401() -> None:
    response = _build().client.get("/protected")
    _assert_401(response, "Missing Authorization Header")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{token}", id="no-scheme"),
        pytest.param("Basic {token}", id="basic"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic-credentials"),
        pytest.param("Bearer", id="bearer-alone"),
        pytest.param("Bearer   ", id="bearer-spaces"),
        pytest.param("Bearer{token}", id="no-space"),
        pytest.param("Bearer {token} extra", id="three-parts"),
        pytest.param("Bearer {token} {token}", id="two-tokens"),
        pytest.param("Bearer {token}, Bearer {token}", id="two-credentials"),
        pytest.param("Token {token}", id="other-scheme"),
        pytest.param("", id="empty"),
    ],
)
def test_protected_malformed_header_returns_401(hs: Harness, template: str) -> None:
    value = template.format(token=_token())
    _assert_401(hs.client.get("/protected", headers={"Authorization": value}), BAD_HEADER)


@pytest.mark.parametrize("scheme", ["bearer", "BEARER", "bEaReR"])
def test_protected_scheme_any_case_is_accepted(hs: Harness, scheme: str) -> None:
    response = hs.client.get("/protected", headers={"Authorization": f"{scheme} {_token()}"})
    assert response.status_code == 200, response.text


def test_protected_two_authorization_headers_returns_401(hs: Harness) -> None:
    token = _token()
    headers = [("Authorization", f"Bearer {token}"), ("Authorization", f"Bearer {token}")]
    _assert_401(hs.client.get("/protected", headers=headers), BAD_HEADER)


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(b"Bearer \xff\xfe\xfd", id="non-utf8-token"),
        pytest.param(b"Bearer \xc3\xa9t\xc3\xa9.\xc3\xa9.\xc3\xa9", id="utf8-non-ascii-token"),
        pytest.param(b"\xff\xfe {token}", id="non-utf8-scheme"),
        pytest.param(b"Bearer {token}\xff", id="token-trailing-byte"),
        pytest.param(b"Bearer \x80{token}", id="token-leading-byte"),
        pytest.param(b"Bearer\xa0{token}", id="nbsp-separator"),
        pytest.param(b"Bearer\x85{token}", id="nel-separator"),
        pytest.param(b"Bearer\x1f{token}", id="unit-separator"),
        pytest.param(b"Bearer\t{token}", id="tab-separator"),
    ],
)
def test_protected_non_ascii_header_bytes_returns_401(hs: Harness, raw: bytes) -> None:
    value = raw.replace(b"{token}", _token().encode())
    _assert_401(hs.client.get("/protected", headers={"Authorization": value}))


@pytest.mark.parametrize(
    "token",
    [
        "garbage",
        "a.b.c",
        "....",
        "!!!.!!!.!!!",
        "e30.e30.",
        "W10.W10.",  # header and payload are JSON arrays
        "bnVsbA.bnVsbA.",  # JSON null
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.not-base64!",
        "eyJhbGciOiJIUzI1NiJ9..",
    ],
)
def test_protected_garbage_token_returns_401(any_hs: Harness, token: str) -> None:
    _assert_401(_get(any_hs.client, "/protected", token))


@pytest.mark.parametrize("segments", [1, 2, 4, 5])
def test_protected_wrong_segment_count_returns_401(any_hs: Harness, segments: int) -> None:
    parts = _token().split(".")
    token = ".".join((parts + parts)[:segments])
    _assert_401(_get(any_hs.client, "/protected", token))


@pytest.mark.parametrize("length", [100, 8000, 100_000])
def test_protected_long_header_of_dots_returns_401(any_hs: Harness, length: int) -> None:
    _assert_401(_get(any_hs.client, "/protected", "." * length))
    _assert_401(_get(any_hs.client, "/protected", "a." * (length // 2)))


def test_protected_oversized_token_returns_401_before_decoding(hs: Harness) -> None:
    token = _token(pad="x" * 9000)  # validly signed, but longer than max_token_size (8192)
    response = _get(hs.client, "/protected", token)
    _assert_401(response, TokenTooLargeError.default_detail)
    with pytest.raises(TokenTooLargeError) as caught:
        hs.authviews.codec.decode(token)
    assert caught.value.code == "token_too_large"
    assert caught.value.__cause__ is None  # refused before PyJWT saw it


@pytest.mark.parametrize("padding", [1, 200])
def test_protected_token_over_configured_size_returns_401(padding: int) -> None:
    token = _build().authviews.create_access_token("alice")
    harness = _build(max_token_size=len(token))  # what this configuration issues still fits
    assert _get(harness.client, "/protected", token).status_code == 200
    padded = harness.authviews.create_access_token("alice", claims={"pad": "x" * padding})
    _assert_401(_get(harness.client, "/protected", padded), TokenTooLargeError.default_detail)


# -- algorithms and keys ----------------------------------------------------------------------------------
@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
@pytest.mark.parametrize("signature", [None, "", "c2lnbmF0dXJl"], ids=["no-segment", "empty", "junk"])
def test_protected_alg_none_returns_401(any_hs: Harness, alg: str, signature: str | None) -> None:
    _assert_401(_get(any_hs.client, "/protected", _unsigned(alg, signature)))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_protected_alg_none_with_real_signature_returns_401(any_hs: Harness, alg: str) -> None:
    real_signature = _token().split(".")[2]
    _assert_401(_get(any_hs.client, "/protected", _unsigned(alg, real_signature)), NOT_ALLOWED)


@pytest.mark.parametrize(
    "header",
    [{"typ": "JWT"}, {"alg": None}, {"alg": ["HS256"]}, {"alg": {"HS256": 1}}, {"alg": "hs256"}, {"alg": ""}],
    ids=["missing", "null", "list", "object", "lower-case", "empty"],
)
def test_protected_malformed_alg_header_returns_401(any_hs: Harness, header: dict[str, Any]) -> None:
    _assert_401(_get(any_hs.client, "/protected", _hmac(header, _claims())))


@pytest.mark.parametrize(
    "public_key",
    [RSA_PUBLIC, RSA_PUBLIC.strip(), RSA_PUBLIC.replace("\n", "\r\n")],
    ids=["pem", "stripped", "crlf"],
)
def test_mixed_hs256_signed_with_public_key_returns_401(mixed: Harness, public_key: str) -> None:
    forged = _hmac({"alg": "HS256", "typ": "JWT"}, _claims(sub="admin"), public_key)
    _assert_401(_get(mixed.client, "/protected", forged), BAD_SIGNATURE)


def test_mixed_legitimate_tokens_of_both_algorithms_are_accepted(mixed: Harness) -> None:
    rs256 = jwt.encode(_claims(), RSA_PRIVATE, algorithm="RS256")
    assert _get(mixed.client, "/protected", rs256).status_code == 200
    assert _get(mixed.client, "/protected", _token()).status_code == 200
    assert _get(mixed.client, "/protected", mixed.authviews.create_access_token("bob")).status_code == 200


def test_mixed_rs256_signed_with_other_key_returns_401(mixed: Harness) -> None:
    forged = jwt.encode(_claims(), RSA_OTHER_PRIVATE, algorithm="RS256")
    _assert_401(_get(mixed.client, "/protected", forged), BAD_SIGNATURE)


@pytest.mark.parametrize("key", [RSA_PUBLIC, SECRET], ids=["public-key-as-secret", "secret"])
def test_rs256_only_hs256_token_returns_401(rs: Harness, key: str) -> None:
    forged = _hmac({"alg": "HS256", "typ": "JWT"}, _claims(), key)
    _assert_401(_get(rs.client, "/protected", forged), NOT_ALLOWED)


def test_rs256_only_token_signed_with_other_key_returns_401(rs: Harness) -> None:
    forged = jwt.encode(_claims(), RSA_OTHER_PRIVATE, algorithm="RS256")
    _assert_401(_get(rs.client, "/protected", forged), BAD_SIGNATURE)


def test_rs256_only_own_token_is_accepted(rs: Harness) -> None:
    assert _get(rs.client, "/protected", rs.authviews.create_access_token("carol")).status_code == 200


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"jku": "https://evil.example/jwks.json"}, id="jku"),
        pytest.param({"kid": "attacker"}, id="kid"),
        pytest.param({"kid": "../../../../dev/null"}, id="kid-path"),
        pytest.param({"x5u": "https://evil.example/cert.pem"}, id="x5u"),
        pytest.param({"jwk": "embedded"}, id="jwk"),
    ],
)
def test_rs256_injected_key_header_does_not_change_key(rs: Harness, extra: dict[str, str]) -> None:
    headers = dict(extra)
    if "jwk" in headers:
        headers["jwk"] = json.loads(
            RSAAlgorithm.to_jwk(RSAAlgorithm(RSAAlgorithm.SHA256).prepare_key(RSA_OTHER_PUBLIC))
        )
    forged = jwt.encode(_claims(sub="admin"), RSA_OTHER_PRIVATE, algorithm="RS256", headers=headers)
    _assert_401(_get(rs.client, "/protected", forged), BAD_SIGNATURE)


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        pytest.param({"kid": "../../../../dev/null"}, b"", id="kid-dev-null"),
        pytest.param({"kid": "' OR '1'='1"}, b"", id="kid-sql"),
        pytest.param({"jwk": {"kty": "oct", "k": _b64(b"attacker-key")}}, b"attacker-key", id="jwk-oct"),
        pytest.param({"jku": "https://evil.example/jwks.json"}, OTHER_SECRET.encode(), id="jku"),
    ],
)
def test_hs256_injected_key_header_does_not_change_key(
    any_hs: Harness, extra: dict[str, Any], key: bytes
) -> None:
    forged = _hmac({"alg": "HS256", "typ": "JWT", **extra}, _claims(sub="admin"), key)
    _assert_401(_get(any_hs.client, "/protected", forged), BAD_SIGNATURE)


def test_hs256_tampered_payload_returns_401(any_hs: Harness) -> None:
    header, _, signature = _token().split(".")
    forged = f"{header}.{_segment(_claims(sub='admin'))}.{signature}"
    _assert_401(_get(any_hs.client, "/protected", forged), BAD_SIGNATURE)


def test_hs256_wrong_secret_returns_401(any_hs: Harness) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(OTHER_SECRET)), BAD_SIGNATURE)


@pytest.mark.parametrize(
    "crit_header",
    [
        pytest.param({"crit": ["exp"], "exp": 9999999999}, id="crit-exp"),
        pytest.param({"crit": ["urn:example:unknown"]}, id="crit-unknown"),
        pytest.param({"crit": []}, id="crit-empty"),
        pytest.param({"crit": "exp"}, id="crit-string"),
        pytest.param({"crit": [1]}, id="crit-int"),
        pytest.param({"crit": ["b64"], "b64": True}, id="crit-b64-true"),
        pytest.param({"b64": False}, id="b64-false-not-critical"),
    ],
)
def test_protected_crit_header_returns_401(any_hs: Harness, crit_header: dict[str, Any]) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(header=crit_header)))


# -- time claims ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "detail"),
    [
        ({"exp": int(time.time()) - 10}, EXPIRED),
        ({"exp": 0}, EXPIRED),
        ({"exp": -1}, EXPIRED),
        ({"nbf": int(time.time()) + 600}, "The token is not yet valid (nbf)"),
        ({"iat": int(time.time()) + 600}, "The token is not yet valid (iat)"),
    ],
    ids=["expired", "exp-zero", "exp-negative", "nbf-future", "iat-future"],
)
def test_protected_time_claim_out_of_range_returns_401(
    any_hs: Harness, overrides: dict[str, Any], detail: str
) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(**overrides)), detail)


@pytest.mark.parametrize(
    ("leeway", "expired_seconds_ago", "status"),
    [(0, 5, 401), (30, 5, 200), (30, 60, 401), (120, 60, 200)],
)
def test_protected_just_expired_token_follows_leeway(
    leeway: int, expired_seconds_ago: int, status: int
) -> None:
    harness = _build(decode_leeway=leeway)
    response = _get(harness.client, "/protected", _token(exp=int(time.time()) - expired_seconds_ago))
    assert response.status_code == status, response.text
    if status == 401:
        _assert_401(response, EXPIRED)


def test_protected_nbf_within_leeway_is_accepted() -> None:
    harness = _build(decode_leeway=60)
    future = int(time.time()) + 20
    assert _get(harness.client, "/protected", _token(nbf=future, iat=future)).status_code == 200


@pytest.mark.parametrize(
    "claim",
    ["exp", "iat", "nbf"],
)
@pytest.mark.parametrize(
    "value",
    [
        pytest.param("1e10", id="float-string"),
        pytest.param("soon", id="word"),
        pytest.param([9999999999], id="list"),
        pytest.param({"at": 9999999999}, id="object"),
        pytest.param(None, id="null"),
        pytest.param(1e400, id="infinity"),  # json.dumps writes Infinity, which Python's json reads back
    ],
)
def test_protected_time_claim_of_wrong_type_returns_401(any_hs: Harness, claim: str, value: Any) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(**{claim: value})))


@pytest.mark.parametrize(
    ("claim", "value"),
    [("exp", "9999999999"), ("iat", str(int(time.time()))), ("nbf", str(int(time.time())))],
)
def test_protected_time_claim_numeric_string_returns_401(hs: Harness, claim: str, value: str) -> None:
    _assert_401(_get(hs.client, "/protected", _token(**{claim: value})))


def test_protected_exp_bool_returns_malformed_claim_401(hs: Harness) -> None:
    response = _get(hs.client, "/protected", _token(exp=True))
    _assert_401(response)
    assert response.json()["detail"] != EXPIRED


# -- required and typed claims ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "method", "token_type", "detail"),
    [
        ("/protected", "GET", "refresh", ACCESS_ONLY),
        ("/fresh", "GET", "refresh", ACCESS_ONLY),
        ("/optional", "GET", "refresh", ACCESS_ONLY),
        ("/refresh", "POST", "access", REFRESH_ONLY),
        ("/protected", "GET", "bogus", ACCESS_ONLY),
        ("/refresh", "POST", "bogus", REFRESH_ONLY),
        ("/protected", "GET", "Access", ACCESS_ONLY),
    ],
)
def test_view_wrong_token_type_returns_401(
    any_hs: Harness, path: str, method: str, token_type: str, detail: str
) -> None:
    token = _token(type=token_type, fresh=_DROP if token_type == "refresh" else True)
    _assert_401(_get(any_hs.client, path, token, method), detail)


def test_view_library_tokens_swapped_return_401(hs: Harness) -> None:
    pair = hs.authviews.create_token_pair("alice", fresh=True)
    _assert_401(_get(hs.client, "/protected", pair.refresh_token), ACCESS_ONLY)
    _assert_401(_get(hs.client, "/fresh", pair.refresh_token), ACCESS_ONLY)
    _assert_401(_get(hs.client, "/refresh", pair.access_token, "POST"), REFRESH_ONLY)
    assert _get(hs.client, "/refresh", pair.refresh_token, "POST").status_code == 200
    assert _get(hs.client, "/fresh", pair.access_token).json() == {"identity": "alice", "fresh": True}


@pytest.mark.parametrize(
    "fresh",
    [False, _DROP, "true", 1, None, [True]],
    ids=["false", "missing", "string", "one", "null", "list"],
)
def test_fresh_view_non_fresh_token_returns_401(any_hs: Harness, fresh: Any) -> None:
    _assert_401(_get(any_hs.client, "/fresh", _token(fresh=fresh)), FRESH_REQUIRED)


def test_fresh_view_fresh_token_is_accepted(any_hs: Harness) -> None:
    assert _get(any_hs.client, "/fresh", _token(fresh=True)).status_code == 200


@pytest.mark.parametrize("path", ["/protected", "/fresh", "/optional"])
def test_view_token_without_type_returns_401(any_hs: Harness, path: str) -> None:
    _assert_401(_get(any_hs.client, path, _token(type=_DROP, fresh=True)), "Missing claim: type")


@pytest.mark.parametrize("exp", [int(time.time()) + 600, _DROP], ids=["with-exp", "without-exp"])
@pytest.mark.parametrize(
    "token_type", [1, True, "", None, "refresh "], ids=["int", "bool", "empty", "null", "padded"]
)
def test_protected_type_claim_of_wrong_type_returns_401(any_hs: Harness, token_type: Any, exp: Any) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(type=token_type, exp=exp)))


@pytest.mark.parametrize("token_type", [["access"], {"type": "access"}], ids=["list", "object"])
def test_protected_unhashable_type_with_exp_returns_401(any_hs: Harness, token_type: Any) -> None:
    response = _get(any_hs.client, "/protected", _token(type=token_type))
    _assert_401(response, "Invalid claim: type must be a string")


@pytest.mark.parametrize("token_type", [["access"], {"type": "access"}], ids=["list", "object"])
def test_protected_unhashable_type_without_exp_returns_401(any_hs: Harness, token_type: Any) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(type=token_type, exp=_DROP)))


@pytest.mark.parametrize(
    ("path", "method", "token_type"),
    [("/protected", "GET", "access"), ("/refresh", "POST", "refresh")],
)
def test_view_token_without_exp_returns_401(any_hs: Harness, path: str, method: str, token_type: str) -> None:
    token = _token(exp=_DROP, type=token_type)
    _assert_401(_get(any_hs.client, path, token, method), MISSING_EXP)


@pytest.mark.parametrize(
    (
        "setting",
        "accepted_path",
        "accepted_method",
        "accepted_type",
        "refused_path",
        "refused_method",
        "refused_type",
    ),
    [
        ("access_token_expires", "/protected", "GET", "access", "/refresh", "POST", "refresh"),
        ("refresh_token_expires", "/refresh", "POST", "refresh", "/protected", "GET", "access"),
    ],
)
def test_view_token_without_exp_follows_its_type_expiry(
    setting: str,
    accepted_path: str,
    accepted_method: str,
    accepted_type: str,
    refused_path: str,
    refused_method: str,
    refused_type: str,
) -> None:
    harness = _build(**{setting: False})
    accepted = _token(exp=_DROP, type=accepted_type)
    assert _get(harness.client, accepted_path, accepted, accepted_method).status_code == 200
    refused = _token(exp=_DROP, type=refused_type)
    _assert_401(_get(harness.client, refused_path, refused, refused_method), MISSING_EXP)


def test_protected_token_without_sub_returns_401(any_hs: Harness) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(sub=_DROP)), "Missing claim: sub")


@pytest.mark.parametrize(
    "sub",
    [["alice"], {"id": "alice"}, True, False, 1.5, None],
    ids=["list", "dict", "true", "false", "float", "null"],
)
def test_protected_sub_of_wrong_type_returns_401(any_hs: Harness, sub: Any) -> None:
    _assert_401(_get(any_hs.client, "/protected", _token(sub=sub)))


def test_protected_int_sub_is_accepted(any_hs: Harness) -> None:
    assert _get(any_hs.client, "/protected", _token(sub=42)).json()["identity"] == 42


@pytest.mark.parametrize(
    "jti", [123, ["a"], {"a": 1}, True, 1.5], ids=["int", "list", "dict", "bool", "float"]
)
def test_protected_jti_not_a_string_returns_401(any_hs: Harness, jti: Any) -> None:
    response = _get(any_hs.client, "/protected", _token(jti=jti))
    _assert_401(response)
    assert "must be a string" in response.json()["detail"]


@pytest.mark.parametrize("jti", [123, ["a"], {"a": 1}], ids=["int", "list", "dict"])
def test_revocable_jti_not_a_string_returns_401(revocable: Harness, jti: Any) -> None:
    _assert_401(_get(revocable.client, "/protected", _token(jti=jti)))


def test_revocable_token_without_jti_returns_401(revocable: Harness) -> None:
    _assert_401(_get(revocable.client, "/protected", _token(jti=_DROP)), "Missing claim: jti")


# -- audience and issuer ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("aud", "detail"),
    [
        ("other", "Invalid audience"),
        (["other", "web"], "Invalid audience"),
        (123, "Invalid audience"),
        ([1, "api"], "Invalid audience"),
        (_DROP, 'Token is missing the "aud" claim'),
        ("", 'Token is missing the "aud" claim'),
        ([], 'Token is missing the "aud" claim'),
        ("API", "Invalid audience"),
    ],
    ids=["other", "other-list", "int", "list-with-int", "missing", "empty", "empty-list", "case"],
)
def test_audience_wrong_or_missing_returns_401(audience: Harness, aud: Any, detail: str) -> None:
    _assert_401(_get(audience.client, "/protected", _token(aud=aud)), detail)


@pytest.mark.parametrize("aud", ["api", ["api"], ["web", "api"]], ids=["string", "list", "list-of-two"])
def test_audience_right_one_is_accepted(audience: Harness, aud: Any) -> None:
    assert _get(audience.client, "/protected", _token(aud=aud)).status_code == 200


def test_audience_several_configured_accepts_any_of_them() -> None:
    harness = _build(decode_audience=["api", "web"])
    assert _get(harness.client, "/protected", _token(aud="web")).status_code == 200
    _assert_401(_get(harness.client, "/protected", _token(aud="mobile")), "Invalid audience")


@pytest.mark.parametrize(
    ("iss", "detail"),
    [
        ("https://evil.example", "Invalid issuer"),
        ("https://issuer.example/", "Invalid issuer"),
        (123, "Invalid issuer"),
        (["https://issuer.example"], "Invalid issuer"),
        (_DROP, 'Token is missing the "iss" claim'),
    ],
    ids=["other", "trailing-slash", "int", "list", "missing"],
)
def test_issuer_wrong_or_missing_returns_401(issuer: Harness, iss: Any, detail: str) -> None:
    _assert_401(_get(issuer.client, "/protected", _token(iss=iss)), detail)


def test_issuer_right_one_is_accepted(issuer: Harness) -> None:
    assert _get(issuer.client, "/protected", _token(iss="https://issuer.example")).status_code == 200


# -- revocation -------------------------------------------------------------------------------------------
def test_revocable_logged_out_access_token_returns_401(revocable: Harness) -> None:
    token = revocable.authviews.create_access_token("alice")
    assert _get(revocable.client, "/protected", token).status_code == 200
    assert _get(revocable.client, "/logout", token, "POST").status_code == 200
    _assert_401(_get(revocable.client, "/protected", token), "Token has been revoked")
    _assert_401(_get(revocable.client, "/optional", token), "Token has been revoked")


def test_revocable_revoked_refresh_token_returns_401(revocable: Harness) -> None:
    token = revocable.authviews.create_refresh_token("alice")
    assert _get(revocable.client, "/refresh/revoke", token, "POST").status_code == 200
    _assert_401(_get(revocable.client, "/refresh", token, "POST"), "Token has been revoked")


def test_revocable_other_tokens_stay_valid_after_logout(revocable: Harness) -> None:
    first, second = (revocable.authviews.create_access_token("alice") for _ in range(2))
    assert _get(revocable.client, "/logout", first, "POST").status_code == 200
    assert _get(revocable.client, "/protected", second).status_code == 200


# -- OptionalView -----------------------------------------------------------------------------------------
def test_optional_no_token_is_anonymous(hs: Harness) -> None:
    response = hs.client.get("/optional")
    assert response.status_code == 200
    assert response.json() == {"identity": None, "claims": {}}


def test_optional_valid_token_is_identified(hs: Harness) -> None:
    assert _get(hs.client, "/optional", _token()).json()["identity"] == "alice"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param("Bearer garbage", id="garbage"),
        pytest.param("Basic dXNlcjpwYXNz", id="basic"),
        pytest.param("Bearer", id="bearer-alone"),
        pytest.param("Bearer " + _unsigned("none", ""), id="alg-none"),
        pytest.param("Bearer " + _token(OTHER_SECRET), id="wrong-secret"),
        pytest.param("Bearer " + _token(exp=1), id="expired"),
        pytest.param("", id="empty"),
    ],
)
def test_optional_bad_token_returns_401_not_anonymous(hs: Harness, value: str) -> None:
    _assert_401(hs.client.get("/optional", headers={"Authorization": value}))


def test_optional_refresh_token_returns_401(hs: Harness) -> None:
    _assert_401(_get(hs.client, "/optional", hs.authviews.create_refresh_token("alice")), ACCESS_ONLY)
