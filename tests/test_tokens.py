"""Creating and verifying tokens at the ``AuthViews`` / ``TokenCodec`` level (no HTTP)."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest

from fastapi_jwt_views import (
    AlgorithmNotAllowedError,
    AuthViews,
    AuthViewsConfig,
    ConfigurationError,
    ExpiredSignatureError,
    InvalidAudienceError,
    InvalidSignatureError,
    MissingClaimError,
    RevokedTokenError,
    TokenPair,
)
from fastapi_jwt_views.tokens import RESERVED_CLAIMS, TokenCodec

KEYS = Path(__file__).parent / "keys"
SECRET = "token-test-secret-0123456789-abcdefghijklmnopqrstuvwxyz-0123456789"  # >= 64 bytes: HS512 too
RESERVED = sorted(RESERVED_CLAIMS)
ASYMMETRIC_KEYS = {
    "RS256": ("rsa_private.pem", "rsa_public.pem"),
    "RS512": ("rsa_private.pem", "rsa_public.pem"),
    "PS256": ("rsa_private.pem", "rsa_public.pem"),
    "ES256": ("ec_private.pem", "ec_public.pem"),
    "EdDSA": ("ed25519_private.pem", "ed25519_public.pem"),
}


def _pem(name: str) -> str:
    return (KEYS / name).read_text()


def _authviews(**settings: Any) -> AuthViews:
    settings.setdefault("secret_key", SECRET)
    return AuthViews(AuthViewsConfig(**settings))


def _asymmetric(algorithm: str, **settings: Any) -> AuthViews:
    private, public = ASYMMETRIC_KEYS[algorithm]
    return AuthViews(
        AuthViewsConfig(algorithm=algorithm, private_key=_pem(private), public_key=_pem(public), **settings)
    )


def _peek(token: str) -> dict[str, Any]:
    """The claims of a token, unverified (to look at what the library emitted)."""
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def _create(authviews: AuthViews, token_type: str, identity: Any = "alice", **kwargs: Any) -> str:
    create = authviews.create_access_token if token_type == "access" else authviews.create_refresh_token
    return create(identity, **kwargs)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _resign(header: dict[str, Any], claims: dict[str, Any], *, indent: int | None = None) -> str:
    """HS256-sign exactly this header and payload (key order and whitespace as given)."""
    signing_input = ".".join(_b64(json.dumps(part, indent=indent).encode()) for part in (header, claims))
    signature = hmac.new(SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


# -- claims emitted ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_default_claims_are_emitted(token_type: str) -> None:
    authviews = _authviews()
    before = int(time.time())
    claims = _peek(_create(authviews, token_type))
    after = int(time.time())
    expected = {"sub", "iat", "nbf", "jti", "exp", "type"} | ({"fresh"} if token_type == "access" else set())
    assert set(claims) == expected
    assert claims["sub"] == "alice"
    assert claims["type"] == token_type
    assert before <= claims["iat"] <= after
    assert claims["nbf"] == claims["iat"]
    lifetime = 15 * 60 if token_type == "access" else 30 * 24 * 3600
    assert claims["exp"] == claims["iat"] + lifetime


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_jti_is_uuid4_string(token_type: str) -> None:
    jti = _peek(_create(_authviews(), token_type))["jti"]
    assert isinstance(jti, str)
    assert uuid.UUID(jti).version == 4
    assert str(uuid.UUID(jti)) == jti


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_jti_differs_between_tokens(token_type: str) -> None:
    authviews = _authviews()
    jtis = {_peek(_create(authviews, token_type))["jti"] for _ in range(20)}
    assert len(jtis) == 20


@pytest.mark.parametrize("fresh", [True, False])
def test_create_access_token_fresh_is_emitted(fresh: bool) -> None:
    assert _peek(_authviews().create_access_token("alice", fresh=fresh))["fresh"] is fresh


def test_create_refresh_token_has_no_fresh_claim() -> None:
    assert "fresh" not in _peek(_authviews().create_refresh_token("alice"))


@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    ("encode_audience", "expected_aud"),
    [("api", "api"), (("api", "web"), ["api", "web"]), (["api"], ["api"])],
    ids=["string", "tuple", "list"],
)
def test_create_token_configured_issuer_and_audience_are_emitted(
    token_type: str, encode_audience: Any, expected_aud: Any
) -> None:
    authviews = _authviews(
        encode_issuer="https://issuer.example", encode_audience=encode_audience, decode_audience="api"
    )
    claims = _peek(_create(authviews, token_type))
    assert claims["iss"] == "https://issuer.example"
    assert claims["aud"] == expected_aud


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_without_issuer_or_audience_omits_them(token_type: str) -> None:
    claims = _peek(_create(_authviews(), token_type))
    assert "iss" not in claims
    assert "aud" not in claims


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_configured_issuer_and_audience_round_trip(token_type: str) -> None:
    authviews = _authviews(
        encode_issuer="https://issuer.example",
        decode_issuer="https://issuer.example",
        encode_audience="api",
        decode_audience="api",
    )
    claims = authviews.codec.decode(_create(authviews, token_type)).claims
    assert (claims["iss"], claims["aud"], claims["type"]) == ("https://issuer.example", "api", token_type)


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_user_claims_and_headers_are_emitted(token_type: str) -> None:
    token = _create(_authviews(), token_type, claims={"role": "admin", "n": 3}, headers={"x-tenant": "k1"})
    assert _peek(token)["role"] == "admin"
    assert _peek(token)["n"] == 3
    assert jwt.get_unverified_header(token)["x-tenant"] == "k1"


# -- identity and fresh -----------------------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize("identity", [42, 0, -7, 2**70, "alice", "", "ünïcode"])
def test_create_token_identity_round_trips(token_type: str, identity: str | int) -> None:
    authviews = _authviews()
    sub = authviews.codec.decode(_create(authviews, token_type, identity)).claims["sub"]
    assert sub == identity
    assert type(sub) is type(identity)


@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    "identity",
    [1.5, None, ["alice"], True, False, b"alice", {"id": 1}, uuid.uuid4()],
    ids=["float", "none", "list", "true", "false", "bytes", "dict", "uuid"],
)
def test_create_token_bad_identity_type_raises_type_error(token_type: str, identity: Any) -> None:
    with pytest.raises(TypeError, match="identity"):
        _create(_authviews(), token_type, identity)


@pytest.mark.parametrize("fresh", [1, 0, "true", None, [True]], ids=["one", "zero", "string", "none", "list"])
def test_create_access_token_non_bool_fresh_raises_type_error(fresh: Any) -> None:
    with pytest.raises(TypeError, match="fresh"):
        _authviews().create_access_token("alice", fresh=fresh)


# -- reserved names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize("claim", RESERVED)
def test_create_token_reserved_claim_override_raises_value_error(token_type: str, claim: str) -> None:
    with pytest.raises(ValueError, match=claim):
        _create(_authviews(), token_type, claims={claim: "x"})


def test_create_token_pair_reserved_claim_override_raises_value_error() -> None:
    with pytest.raises(ValueError, match="type"):
        _authviews().create_token_pair("alice", claims={"type": "refresh"})


def test_reserved_claims_are_the_documented_ones() -> None:
    assert set(RESERVED) == {"sub", "iat", "nbf", "jti", "exp", "type", "fresh", "iss", "aud", "csrf", "fam"}


@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    "headers",
    [{"alg": "none"}, {"alg": "HS256"}, {"crit": ["exp"]}, {"b64": False}, {"kid": "k", "crit": []}],
    ids=["alg-none", "alg-same", "crit", "b64", "crit-with-kid"],
)
def test_create_token_reserved_header_raises_value_error(token_type: str, headers: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="Reserved headers"):
        _create(_authviews(), token_type, headers=headers)


# -- expires ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    ("expires", "seconds"),
    [(60, 60), (timedelta(minutes=5), 300), (timedelta(days=400), 400 * 86400), (1, 1)],
    ids=["int", "timedelta", "long", "one-second"],
)
def test_create_token_expires_sets_exp(token_type: str, expires: Any, seconds: int) -> None:
    authviews = _authviews()
    token = _create(authviews, token_type, expires=expires)
    claims = _peek(token)
    assert claims["exp"] - claims["iat"] == seconds
    assert authviews.codec.decode(token).claims["exp"] == claims["exp"]


@pytest.mark.parametrize("token_type", ["access", "refresh"])
def test_create_token_expires_false_omits_exp(token_type: str) -> None:
    assert "exp" not in _peek(_create(_authviews(), token_type, expires=False))


@pytest.mark.parametrize(
    ("token_type", "setting"),
    [("access", "access_token_expires"), ("refresh", "refresh_token_expires")],
)
def test_decode_token_without_exp_verifies_when_its_type_never_expires(token_type: str, setting: str) -> None:
    authviews = _authviews(**{setting: False})
    token = _create(authviews, token_type, expires=False)
    assert "exp" not in authviews.codec.decode(token).claims
    assert "exp" not in _peek(_create(authviews, token_type))  # the configured default


@pytest.mark.parametrize(
    ("token_type", "settings"),
    [
        ("access", {}),
        ("refresh", {}),
        ("access", {"refresh_token_expires": False}),
        ("refresh", {"access_token_expires": False}),
    ],
    ids=["access-default", "refresh-default", "access-other-type-never-expires", "refresh-other-never"],
)
def test_decode_token_without_exp_when_config_requires_exp_raises(
    token_type: str, settings: dict[str, Any]
) -> None:
    authviews = _authviews(**settings)
    token = _create(authviews, token_type, expires=False)  # creation allows it per call...
    with pytest.raises(MissingClaimError) as caught:  # ...but this configuration refuses it
        authviews.codec.decode(token)
    assert caught.value.detail == 'Token is missing the "exp" claim'
    assert caught.value.status_code == 401


@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    ("expires", "error"),
    [
        (True, TypeError),
        (0, ValueError),
        (-1, ValueError),
        (-3600, ValueError),
        (timedelta(0), ValueError),
        (timedelta(seconds=-5), ValueError),
        (timedelta(milliseconds=500), ValueError),
        ("60", TypeError),
        (1.5, TypeError),
        ([60], TypeError),
    ],
    ids=[
        "true",
        "zero",
        "minus-one",
        "negative",
        "zero-delta",
        "negative-delta",
        "sub-second",
        "str",
        "float",
        "list",
    ],
)
def test_create_token_bad_expires_raises(token_type: str, expires: Any, error: type[Exception]) -> None:
    with pytest.raises(error, match="expires"):
        _create(_authviews(), token_type, expires=expires)


# -- per-call algorithm and audience ----------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize("algorithm", ["HS256", "HS384", "HS512"])
def test_create_token_per_call_algorithm_round_trips(token_type: str, algorithm: str) -> None:
    authviews = _authviews(decode_algorithms=["HS256", "HS384", "HS512"])
    token = _create(authviews, token_type, algorithm=algorithm)
    assert jwt.get_unverified_header(token)["alg"] == algorithm
    assert authviews.codec.decode(token).header["alg"] == algorithm


def test_create_token_per_call_algorithm_outside_allow_list_is_refused_on_decode() -> None:
    authviews = _authviews()  # decodes HS256 only
    token = authviews.create_access_token("alice", algorithm="HS512")
    with pytest.raises(AlgorithmNotAllowedError):
        authviews.codec.decode(token)


@pytest.mark.parametrize("algorithm", ["none", "None", "hs256", "XX999"])
def test_create_token_per_call_unknown_algorithm_raises_configuration_error(algorithm: str) -> None:
    with pytest.raises(ConfigurationError):
        _authviews().create_access_token("alice", algorithm=algorithm)


def test_create_token_per_call_asymmetric_algorithm_without_key_names_setting() -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_PRIVATE_KEY"):
        _authviews().create_access_token("alice", algorithm="RS256")


@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize(
    ("audience", "expected"),
    [("web", "web"), (["web", "api"], ["web", "api"]), (("web",), ["web"])],
    ids=["string", "list", "tuple"],
)
def test_create_token_per_call_audience_overrides_config(
    token_type: str, audience: Any, expected: Any
) -> None:
    authviews = _authviews(encode_audience="api", decode_audience=["web", "api"])
    token = _create(authviews, token_type, audience=audience)
    assert _peek(token)["aud"] == expected
    assert authviews.codec.decode(token).claims["aud"] == expected


def test_create_token_per_call_audience_not_accepted_is_refused() -> None:
    authviews = _authviews(encode_audience="api", decode_audience="api")
    token = authviews.create_access_token("alice", audience="other")
    with pytest.raises(InvalidAudienceError):
        authviews.codec.decode(token)


# -- asymmetric keys --------------------------------------------------------------------------------------
@pytest.mark.parametrize("token_type", ["access", "refresh"])
@pytest.mark.parametrize("algorithm", sorted(ASYMMETRIC_KEYS))
def test_create_token_asymmetric_round_trips(token_type: str, algorithm: str) -> None:
    authviews = _asymmetric(algorithm)
    token = _create(authviews, token_type, 7)
    verified = authviews.codec.decode(token)
    assert verified.header["alg"] == algorithm
    assert verified.claims["sub"] == 7
    public = _pem(ASYMMETRIC_KEYS[algorithm][1])
    standard = jwt.decode(token, public, algorithms=[algorithm], options={"verify_sub": False})
    assert standard["type"] == token_type


@pytest.mark.parametrize("algorithm", ["RS256", "ES256", "EdDSA"])
def test_decode_asymmetric_token_from_other_key_pair_is_refused(algorithm: str) -> None:
    other = AuthViews(
        AuthViewsConfig(
            algorithm="RS256",
            private_key=_pem("rsa_other_private.pem"),
            public_key=_pem("rsa_other_public.pem"),
        )
    )
    token = other.create_access_token("mallory")
    expected = InvalidSignatureError if algorithm == "RS256" else AlgorithmNotAllowedError
    with pytest.raises(expected) as caught:
        _asymmetric(algorithm).codec.decode(token)
    assert caught.value.status_code == 401


def test_config_private_key_as_public_key_verifies() -> None:
    authviews = AuthViews(
        AuthViewsConfig(
            algorithm="RS256", private_key=_pem("rsa_private.pem"), public_key=_pem("rsa_private.pem")
        )
    )
    assert authviews.codec.decode(authviews.create_access_token("alice")).claims["sub"] == "alice"


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_verify_only_config_creating_token_raises_configuration_error(algorithm: str) -> None:
    public = _pem(ASYMMETRIC_KEYS[algorithm][1])
    authviews = AuthViews(AuthViewsConfig(algorithm=algorithm, public_key=public))
    with pytest.raises(ConfigurationError, match="AUTHJWT_PRIVATE_KEY"):
        authviews.create_access_token("alice")
    with pytest.raises(ConfigurationError, match="AUTHJWT_PRIVATE_KEY"):
        authviews.create_refresh_token("alice")
    signer = _asymmetric(algorithm)
    assert authviews.codec.decode(signer.create_access_token("alice")).claims["sub"] == "alice"


@pytest.mark.parametrize(
    ("setting", "value", "algorithm"),
    [
        ("public_key", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n", "RS256"),
        ("public_key", "not a pem at all", "RS256"),
        ("public_key", _pem("ec_public.pem"), "RS256"),
        ("public_key", _pem("rsa_public.pem"), "ES256"),
        ("private_key", "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n", "RS256"),
        ("private_key", _pem("ec_private.pem"), "RS256"),
    ],
    ids=[
        "public-garbage-pem",
        "public-not-pem",
        "public-ec-for-rsa",
        "public-rsa-for-ec",
        "private-garbage-pem",
        "private-ec-for-rsa",
    ],
)
def test_config_bad_pem_raises_configuration_error_when_built(
    setting: str, value: str, algorithm: str
) -> None:
    keys = {
        "private_key": _pem(ASYMMETRIC_KEYS[algorithm][0]),
        "public_key": _pem(ASYMMETRIC_KEYS[algorithm][1]),
    }
    keys[setting] = value
    with pytest.raises(ConfigurationError, match=f"AUTHJWT_{setting.upper()}"):
        AuthViewsConfig(algorithm=algorithm, **keys)


def test_token_codec_bad_pem_raises_configuration_error_when_built() -> None:
    with pytest.raises(ConfigurationError, match="AUTHJWT_PUBLIC_KEY"):
        TokenCodec(AuthViewsConfig(algorithm="RS256", public_key="not a pem at all"))


# -- token pairs ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("fresh", [True, False])
@pytest.mark.parametrize("identity", ["alice", 42])
def test_create_token_pair_emits_access_and_refresh(fresh: bool, identity: str | int) -> None:
    authviews = _authviews()
    pair = authviews.create_token_pair(identity, fresh=fresh, claims={"role": "admin"})
    assert isinstance(pair, TokenPair)
    access = authviews.codec.decode(pair.access_token).claims
    refresh = authviews.codec.decode(pair.refresh_token).claims
    assert (access["type"], refresh["type"]) == ("access", "refresh")
    assert access["sub"] == refresh["sub"] == identity
    assert access["fresh"] is fresh
    assert "fresh" not in refresh
    assert access["role"] == refresh["role"] == "admin"
    assert access["jti"] != refresh["jti"]
    assert pair == (pair.access_token, pair.refresh_token)


def test_create_token_pair_verifies_as_required() -> None:
    authviews = _authviews()
    pair = authviews.create_token_pair("alice", fresh=True)
    assert asyncio.run(authviews.verify(pair.access_token, "fresh")).type == "access"
    assert asyncio.run(authviews.verify(pair.refresh_token, "refresh")).type == "refresh"


# -- the injected clock -----------------------------------------------------------------------------------
FIXED = 1_700_000_000.75


@pytest.mark.parametrize(("token_type", "lifetime"), [("access", 15 * 60), ("refresh", 30 * 24 * 3600)])
def test_create_token_injected_clock_sets_time_claims(token_type: str, lifetime: int) -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), clock=lambda: FIXED)
    claims = _peek(_create(authviews, token_type))
    assert claims["iat"] == claims["nbf"] == 1_700_000_000
    assert claims["exp"] == 1_700_000_000 + lifetime


def test_create_token_injected_clock_with_expires_sets_exp() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), clock=lambda: FIXED)
    assert _peek(authviews.create_access_token("alice", expires=timedelta(hours=2)))["exp"] == 1_700_007_200


@pytest.mark.parametrize("offset", [-30 * 24 * 3600, 3600], ids=["clock-in-past", "clock-in-future"])
def test_decode_token_injected_clock_verifies_own_tokens(offset: int) -> None:
    now = time.time() + offset
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET), clock=lambda: now)
    authviews.codec.decode(authviews.create_access_token("alice"))


def test_decode_token_expired_by_injected_clock_raises() -> None:
    now = [time.time()]
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, access_token_expires=60), clock=lambda: now[0])
    token = authviews.create_access_token("alice")
    now[0] += 3600
    with pytest.raises(ExpiredSignatureError):
        authviews.codec.decode(token)


# -- revocation keyed on jti ------------------------------------------------------------------------------
def _revoke_and_verify(authviews: AuthViews, revoked: str, presented: str, requirement: Any) -> None:
    asyncio.run(authviews.revoke_token(revoked))
    with pytest.raises(RevokedTokenError) as caught:
        asyncio.run(authviews.verify(presented, requirement))
    assert caught.value.detail == "Token has been revoked"


@pytest.mark.parametrize(("token_type", "requirement"), [("access", "access"), ("refresh", "refresh")])
@pytest.mark.parametrize("encoding", ["reversed-keys", "sorted-keys", "indented", "extra-header"])
def test_revoke_token_re_encoded_same_claims_stays_revoked(
    token_type: str, requirement: str, encoding: str
) -> None:
    authviews = _authviews(blacklist_enabled=True)
    original = _create(authviews, token_type)
    verified = authviews.codec.decode(original)
    header, claims = dict(verified.header), dict(verified.claims)
    if encoding == "reversed-keys":
        re_encoded = _resign(dict(reversed(header.items())), dict(reversed(claims.items())))
    elif encoding == "sorted-keys":
        re_encoded = _resign(header, dict(sorted(claims.items())))
    elif encoding == "indented":
        re_encoded = _resign(header, claims, indent=2)
    else:
        re_encoded = _resign({**header, "x-extra": "other"}, claims)
    assert re_encoded != original
    assert authviews.codec.decode(re_encoded).claims == claims  # a valid token with the same claims
    _revoke_and_verify(authviews, original, re_encoded, requirement)
    _revoke_and_verify(authviews, original, original, requirement)


def test_revoke_token_other_jti_stays_valid() -> None:
    authviews = _authviews(blacklist_enabled=True)
    revoked, other = authviews.create_access_token("alice"), authviews.create_access_token("alice")
    asyncio.run(authviews.revoke_token(revoked))
    assert asyncio.run(authviews.verify(other)).claims["sub"] == "alice"


def test_revoke_jti_refuses_token_with_that_jti() -> None:
    authviews = _authviews(blacklist_enabled=True)
    token = authviews.create_access_token("alice")
    asyncio.run(authviews.revoke_jti(_peek(token)["jti"]))
    with pytest.raises(RevokedTokenError):
        asyncio.run(authviews.verify(token))


def test_revoke_token_without_blacklist_raises_runtime_error() -> None:
    authviews = _authviews()
    with pytest.raises(RuntimeError, match="AUTHJWT_BLACKLIST_ENABLED"):
        asyncio.run(authviews.revoke_token(authviews.create_access_token("alice")))


def test_weak_secret_opt_out_round_trips_without_warnings() -> None:
    # pytest turns warnings into errors here, so PyJWT's short-key warning would fail this test
    authviews = AuthViews(AuthViewsConfig(secret_key="short", allow_weak_secret=True))
    token = authviews.create_access_token("alice")
    assert authviews.codec.decode(token).claims["sub"] == "alice"


# -- the verified-token cache ------------------------------------------------------------------------------
@pytest.mark.parametrize("cache_size", [0, 1024], ids=["no-cache", "cache"])
def test_decode_cached_token_still_expires_by_the_clock(cache_size: int) -> None:
    now = [time.time()]
    config = AuthViewsConfig(secret_key=SECRET, access_token_expires=60, token_cache_size=cache_size)
    authviews = AuthViews(config, clock=lambda: now[0])
    token = authviews.create_access_token("alice")
    assert authviews.codec.decode(token).claims["sub"] == "alice"
    now[0] += 61
    with pytest.raises(ExpiredSignatureError):
        authviews.codec.decode(token)


def test_decode_cached_token_returns_independent_claims() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice", claims={"roles": ["reader"]})
    first = authviews.codec.decode(token)
    first.claims["sub"] = "mallory"
    first.claims["type"] = "refresh"
    first.header["alg"] = "none"
    second = authviews.codec.decode(token)
    assert (second.claims["sub"], second.claims["type"], second.header["alg"]) == ("alice", "access", "HS256")


def test_decode_cached_token_revoked_later_is_refused() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET, blacklist_enabled=True))
    token = authviews.create_access_token("alice")
    asyncio.run(authviews.verify(token))  # now cached
    asyncio.run(authviews.revoke_token(token))
    with pytest.raises(RevokedTokenError):
        asyncio.run(authviews.verify(token))


def test_decode_tampered_copy_of_cached_token_is_verified_again() -> None:
    authviews = AuthViews(AuthViewsConfig(secret_key=SECRET))
    token = authviews.create_access_token("alice")
    authviews.codec.decode(token)
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "mallory"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    with pytest.raises(InvalidSignatureError):
        authviews.codec.decode(f"{header}.{forged}.{signature}")
