"""The tokens this app signs are the ones ``jwt.encode`` would write, and PyJWT verifies them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jwt
import pytest

from fastapi_jwt_views import AuthViews, AuthViewsConfig
from fastapi_jwt_views._jws import sign
from fastapi_jwt_views.keys import prepare_key

KEYS = Path(__file__).parent / "keys"
SECRET = "jws-test-secret-0123456789-abcdefghijklmnop"
CLAIMS: list[dict[str, Any]] = [
    {"sub": "alice", "iat": 1, "exp": 2},
    {"sub": "7", "nested": {"b": [1, 2.5, None, True]}, "text": "é ✓ \u2028", "a": ""},
]
HEADERS: list[dict[str, Any]] = [{"kid": "k1"}, {"kid": "k2", "typ": "at+jwt", "x5t": "abc"}, {"typ": None}]
# (algorithm, signing key, verifying key): deterministic signatures compare byte for byte
DETERMINISTIC = [
    ("HS256", SECRET, SECRET),
    ("HS512", SECRET * 2, SECRET * 2),
    ("RS256", (KEYS / "rsa_private.pem").read_text(), (KEYS / "rsa_public.pem").read_text()),
    ("EdDSA", (KEYS / "ed25519_private.pem").read_text(), (KEYS / "ed25519_public.pem").read_text()),
]
RANDOMISED = [
    ("ES256", (KEYS / "ec_private.pem").read_text(), (KEYS / "ec_public.pem").read_text()),
    ("PS256", (KEYS / "rsa_private.pem").read_text(), (KEYS / "rsa_public.pem").read_text()),
]


@pytest.mark.parametrize("claims", CLAIMS)
@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize(("algorithm", "private", "public"), DETERMINISTIC)
def test_jws_sign_writes_what_jwt_encode_writes(
    algorithm: str, private: str, public: str, header: dict[str, Any], claims: dict[str, Any]
) -> None:
    token = sign(header, claims, algorithm, prepare_key(algorithm, private, "test"))
    assert token == jwt.encode(claims, private, algorithm=algorithm, headers=header)
    assert jwt.decode(token, public, algorithms=[algorithm], options={"verify_exp": False}) == claims


@pytest.mark.parametrize(("algorithm", "private", "public"), RANDOMISED)
def test_jws_sign_randomised_signatures_verify_with_pyjwt(algorithm: str, private: str, public: str) -> None:
    token = sign({"kid": "k"}, CLAIMS[1], algorithm, prepare_key(algorithm, private, "test"))
    assert jwt.get_unverified_header(token) == {"alg": algorithm, "kid": "k", "typ": "JWT"}
    assert jwt.decode(token, public, algorithms=[algorithm]) == CLAIMS[1]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token[:-6] + ("A" * 6 if not token.endswith("AAAAAA") else "B" * 6), public,
                   algorithms=[algorithm])


def test_jws_tokens_of_the_codec_verify_with_pyjwt_alone() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice", headers={"x-extra": 1}, claims={"role": ["a", "b"]})
    claims = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert claims["sub"] == "alice" and claims["role"] == ["a", "b"] and claims["type"] == "access"
    assert jwt.get_unverified_header(token)["x-extra"] == 1


def test_jws_header_segment_remembered_per_key_stays_exact() -> None:
    # The header of a kid-only token is written once per (algorithm, kid); every other header, every time.
    key = prepare_key("HS256", SECRET, "test")
    sequence: list[dict[str, Any]] = [
        {"kid": "k1"}, {"kid": "k2"}, {"kid": "k1", "typ": "at+jwt"}, {"kid": "k1"}, {"kid": "k1", "x": 1}, {}
    ]
    for header in sequence * 2:
        assert sign(header, CLAIMS[0], "HS256", key) == jwt.encode(CLAIMS[0], SECRET, "HS256", headers=header)
    key512 = prepare_key("HS512", SECRET * 2, "test")
    assert sign({"kid": "k1"}, CLAIMS[0], "HS512", key512) == jwt.encode(
        CLAIMS[0], SECRET * 2, "HS512", headers={"kid": "k1"}
    )
